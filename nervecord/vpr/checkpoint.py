"""Ensemble checkpoints: weights as safetensors, settings as JSON (never pickle)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from nervecord.controllers.vpr.config import EnsembleConfig, LearningRule
from nervecord.controllers.vpr.ensemble import EnsembleParams

FORMAT = "nervecord-vpr-ensemble"
FORMAT_VERSION = 2
"""Version 2 added the learning rule; version 1 files hold unsupervised modules."""
TENSORS = ("weights", "theta", "labels", "image_counts", "region_places")


def save(directory: str | Path, config: EnsembleConfig, params: EnsembleParams) -> Path:
    """Write ``ensemble.safetensors`` and ``ensemble.json`` into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {name: getattr(params, name).detach().cpu().contiguous() for name in TENSORS}
    save_file(tensors, str(directory / "ensemble.safetensors"))
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "config": config.to_dict(),
        "hyperactive_threshold": params.hyperactive_threshold,
    }
    (directory / "ensemble.json").write_text(json.dumps(meta, indent=2))
    return directory


def load(
    directory: str | Path, device: torch.device | str = "cpu"
) -> tuple[EnsembleConfig, EnsembleParams]:
    """Read a checkpoint written by :func:`save`.

    Raises:
        FileNotFoundError: naming a missing file.
        ValueError: naming a corrupt file or tensors that do not fit the settings.
    """
    directory = Path(directory)
    json_path, tensor_path = directory / "ensemble.json", directory / "ensemble.safetensors"
    for path in (json_path, tensor_path):
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint file not found: {path}")
    try:
        meta = json.loads(json_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"corrupt checkpoint settings {json_path}: {error}") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{json_path} is not a nervecord place-recognition checkpoint")
    if meta.get("version") not in (1, FORMAT_VERSION):
        raise ValueError(
            f"{json_path} has format version {meta.get('version')}, expected {FORMAT_VERSION}"
        )
    settings = meta.get("config")
    if meta["version"] == 1 and isinstance(settings, dict):
        settings = {**settings, "learning": LearningRule.UNSUPERVISED.value}
    config = EnsembleConfig.from_dict(settings)
    try:
        tensors = load_file(str(tensor_path), device=str(device))
    except Exception as error:  # safetensors raises its own error types
        raise ValueError(f"corrupt checkpoint weights {tensor_path}: {error}") from error
    missing = [name for name in TENSORS if name not in tensors]
    if missing:
        raise ValueError(f"{tensor_path} lacks tensor(s): {', '.join(missing)}")
    params = EnsembleParams(
        **{name: tensors[name] for name in TENSORS},
        hyperactive_threshold=int(meta.get("hyperactive_threshold", 0)),
    )
    _check_shapes(config, params, tensor_path)
    return config, params


def _check_shapes(config: EnsembleConfig, params: EnsembleParams, path: Path) -> None:
    members, modules = params.weights.shape[:2]
    expected = {
        "weights": (config.members, modules, config.inputs, config.neurons_per_module),
        "theta": (config.members, modules, config.neurons_per_module),
        "labels": (config.members, modules, config.neurons_per_module),
        "image_counts": (config.members, modules, config.neurons_per_module),
        "region_places": (modules, config.places_per_module),
    }
    for name, shape in expected.items():
        actual = tuple(getattr(params, name).shape)
        if actual != shape:
            raise ValueError(
                f"{path}: tensor {name!r} has shape {actual} but the settings need {shape}"
            )
