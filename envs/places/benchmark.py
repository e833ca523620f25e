"""The rendered ``places-v1`` benchmark: settings, rendering once, caching."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from nervecord.envs.places import world
from nervecord.envs.places.appearance import appearance
from nervecord.envs.places.datasets import PlaceDataset, Traversal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorldSettings:
    """What to render.

    Attributes:
        places: number of places along the route.
        seed: seeds the route layout and every traversal's randomness.
        width: image width (pixels).
        height: image height (pixels).
        reference: appearance names of the reference traversals.
        calibration: appearance of the calibration traversal.
        query: appearance of the query traversal.
        calibration_stride: the calibration traversal visits every n-th place.
    """

    places: int = 100
    seed: int = 0
    width: int = 96
    height: int = 72
    reference: tuple[str, ...] = ("day",)
    calibration: str = "overcast"
    query: str = "dusk"
    calibration_stride: int = 3

    def __post_init__(self) -> None:
        if self.places < 1:
            raise ValueError(f"places must be >= 1, got {self.places}")
        if self.width < 8 or self.height < 8:
            raise ValueError(f"image size {self.width}x{self.height} is below 8x8 pixels")
        if self.calibration_stride < 1:
            raise ValueError(f"calibration_stride must be >= 1, got {self.calibration_stride}")
        for name in (*self.reference, self.calibration, self.query):
            appearance(name)

    def key(self) -> str:
        """Hash of everything that changes the images."""
        data = dataclasses.asdict(self)
        data["version"] = world.WORLD_VERSION
        data["looks"] = {
            n: appearance(n).to_dict() for n in (*self.reference, self.calibration, self.query)
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    """``$NERVECORD_CACHE/places`` or ``~/.cache/nervecord/places``."""
    base = os.environ.get("NERVECORD_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "nervecord"
    return root / "places"


def _traversal_plan(settings: WorldSettings) -> list[tuple[str, str, np.ndarray]]:
    """(role, appearance, place ids) of every traversal to render."""
    every = np.arange(settings.places, dtype=np.int64)
    plan = [(f"reference{k}", name, every) for k, name in enumerate(settings.reference)]
    plan.append(("calibration", settings.calibration, every[:: settings.calibration_stride]))
    plan.append(("query", settings.query, every))
    return plan


def render_dataset(settings: WorldSettings, progress: bool = True) -> dict[str, np.ndarray]:
    """Render every traversal: arrays ``<role>_images`` and ``<role>_place_ids``."""
    plan = _traversal_plan(settings)
    total = sum(len(ids) for _, _, ids in plan)
    arrays: dict[str, np.ndarray] = {}
    with tqdm(total=total, desc="rendering places", unit="img", disable=not progress) as bar:
        for role, name, ids in plan:
            renderer = world_renderer(settings, role, name)
            try:
                arrays[f"{role}_images"] = renderer.render_all(ids, lambda: bar.update(1))
            finally:
                renderer.close()
            arrays[f"{role}_place_ids"] = ids
    return arrays


def world_renderer(settings: WorldSettings, role: str, name: str):
    """A :class:`~nervecord.envs.places.render.TraversalRenderer` for one traversal."""
    from nervecord.envs.places.render import TraversalRenderer

    return TraversalRenderer(
        settings.seed,
        settings.places,
        f"{role}:{name}",
        appearance(name),
        settings.width,
        settings.height,
    )


def load_or_render(
    settings: WorldSettings, cache_dir: str | Path | None = None, progress: bool = True
) -> PlaceDataset:
    """The benchmark dataset, rendered on first use and cached as ``.npz``.

    A cache file that cannot be read is rendered again.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"places-v{world.WORLD_VERSION}-{settings.places}-{settings.key()}.npz"
    arrays = None
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {k: stored[k] for k in stored.files}
            logger.info("loaded cached places from %s", path)
        except (OSError, ValueError) as error:
            logger.warning("re-rendering: cannot read cache %s (%s)", path, error)
    if arrays is None:
        arrays = render_dataset(settings, progress)
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, **arrays)
        partial.replace(path)
        logger.info("cached rendered places in %s", path)
    return _as_dataset(settings, arrays)


def _as_dataset(settings: WorldSettings, arrays: dict[str, np.ndarray]) -> PlaceDataset:
    def traversal(role: str, name: str) -> Traversal:
        return Traversal(name, arrays[f"{role}_images"], arrays[f"{role}_place_ids"])

    return PlaceDataset(
        name=f"places-v{world.WORLD_VERSION}",
        reference=tuple(traversal(f"reference{k}", n) for k, n in enumerate(settings.reference)),
        calibration=traversal("calibration", settings.calibration),
        query=traversal("query", settings.query),
    )


def make_world(
    places: int,
    seed: int = 0,
    cache_dir: str | Path | None = None,
    reference: Sequence[str] = ("day",),
    progress: bool = True,
    **kwargs,
) -> PlaceDataset:
    """Shortcut: :func:`load_or_render` of ``WorldSettings(places, seed, ...)``."""
    settings = WorldSettings(places=places, seed=seed, reference=tuple(reference), **kwargs)
    return load_or_render(settings, cache_dir, progress)
