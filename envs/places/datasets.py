"""Place-recognition datasets: traversals of images with ground-truth place ids.

Loaders for data a user keeps on disk (nothing is ever downloaded):

* :func:`load_nordland`: one folder per season holding the same file names,
  e.g. ``root/spring/00001.png``, ``root/summer/00001.png``.
* :func:`load_robotcar`: image folders per traversal and a CSV with columns
  ``traversal,image,place_id`` (image paths relative to ``root/<traversal>``).
* :func:`load_folders`: ``root/reference/`` and ``root/query/`` (optionally
  ``root/calibration/``) whose images are matched by sorted file name order.

Every loader raises :class:`FileNotFoundError` or :class:`ValueError` naming
the missing, unreadable or mismatched file.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio.v3 as iio
import numpy as np

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class Traversal:
    """Images of one pass along a route.

    Attributes:
        name: the condition or folder name.
        images: ``(n, height, width, 3)`` or ``(n, height, width)`` uint8.
        place_ids: ``(n,)`` int64 ground-truth place of each image.
    """

    name: str
    images: np.ndarray
    place_ids: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim not in (3, 4) or self.images.shape[0] != len(self.place_ids):
            raise ValueError(
                f"traversal {self.name!r}: {self.images.shape} images do not match "
                f"{len(self.place_ids)} place ids"
            )


@dataclass(frozen=True)
class PlaceDataset:
    """Reference traversals to learn from, a calibration split and queries."""

    name: str
    reference: tuple[Traversal, ...]
    query: Traversal
    calibration: Traversal | None = None

    @property
    def places(self) -> int:
        """Number of distinct reference places (ids are ``0 .. places - 1``)."""
        return int(max(int(t.place_ids.max()) for t in self.reference)) + 1

    def reference_images(self) -> tuple[np.ndarray, np.ndarray]:
        """All reference images stacked, with their place ids."""
        images = np.concatenate([t.images for t in self.reference], axis=0)
        ids = np.concatenate([t.place_ids for t in self.reference], axis=0)
        return images, ids


def read_image(path: Path, expected_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Read one image as uint8 ``(h, w, 3)`` RGB or ``(h, w)`` gray.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if it cannot be decoded or differs from ``expected_shape``.
    """
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    try:
        image = np.asarray(iio.imread(path))
    except Exception as error:  # imageio raises many types for bad files
        raise ValueError(f"cannot read image {path}: {error}") from error
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"image {path} has unsupported shape {image.shape}")
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image // 257).astype(np.uint8)
        else:
            raise ValueError(f"image {path} has unsupported pixel type {image.dtype}")
    if expected_shape is not None and image.shape != expected_shape:
        raise ValueError(
            f"image {path} has size {image.shape}, but the first image of its set has "
            f"{expected_shape}; all images of a traversal must share one size"
        )
    return image


def read_images(paths: Sequence[Path]) -> np.ndarray:
    """Read images of one size into ``(n, h, w[, 3])`` uint8."""
    if not paths:
        raise ValueError("no images to read")
    first = read_image(paths[0])
    stack = np.empty((len(paths), *first.shape), dtype=np.uint8)
    stack[0] = first
    for k, path in enumerate(paths[1:], start=1):
        stack[k] = read_image(path, first.shape)
    return stack


def image_files(folder: Path) -> list[Path]:
    """Sorted image files of ``folder``.

    Raises:
        FileNotFoundError: if the folder is missing.
        ValueError: if it holds no images.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder {folder}")
    return files


def load_nordland(
    root: str | Path,
    reference: Sequence[str] = ("spring", "fall"),
    query: str = "summer",
    calibration: str | None = None,
    stride: int = 1,
    limit: int | None = None,
) -> PlaceDataset:
    """Nordland layout: a folder per season with identical file names.

    Place ``k`` is the ``k``-th file (sorted) of the first reference season
    after taking every ``stride``-th file and at most ``limit`` of them; every
    other season must hold a file of the same name.

    Raises:
        FileNotFoundError: naming a missing season folder or image.
        ValueError: naming an unreadable or wrongly sized image.
    """
    root = Path(root)
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    names = [p.name for p in image_files(root / reference[0])][::stride][:limit]
    ids = np.arange(len(names), dtype=np.int64)

    def season(name: str) -> Traversal:
        folder = root / name
        if not folder.is_dir():
            raise FileNotFoundError(f"season folder not found: {folder}")
        paths = [folder / n for n in names]
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} is missing: every season needs the files of {root / reference[0]}"
                )
        return Traversal(name, read_images(paths), ids)

    return PlaceDataset(
        name=f"nordland:{root}",
        reference=tuple(season(s) for s in reference),
        query=season(query),
        calibration=season(calibration) if calibration else None,
    )


def load_robotcar(
    root: str | Path,
    csv_path: str | Path,
    reference: Sequence[str],
    query: str,
    calibration: str | None = None,
) -> PlaceDataset:
    """Oxford RobotCar style: traversal folders and a CSV of place ids.

    The CSV has a header with columns ``traversal``, ``image`` and
    ``place_id``; ``image`` is relative to ``root/<traversal>``.

    Raises:
        FileNotFoundError: naming a missing CSV or image.
        ValueError: naming a bad CSV row or column, or an unreadable image.
    """
    root, csv_path = Path(root), Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"place CSV not found: {csv_path}")
    rows: dict[str, list[tuple[Path, int]]] = {}
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"traversal", "image", "place_id"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{csv_path} lacks column(s): {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            try:
                place = int(row["place_id"])
            except (TypeError, ValueError):
                raise ValueError(
                    f"{csv_path} line {line}: place_id {row['place_id']!r} is not an integer"
                ) from None
            if place < 0:
                raise ValueError(f"{csv_path} line {line}: place_id {place} is negative")
            rows.setdefault(row["traversal"], []).append(
                (root / row["traversal"] / row["image"], place)
            )

    def traversal(name: str) -> Traversal:
        if name not in rows:
            raise ValueError(f"{csv_path} has no rows for traversal {name!r}")
        paths = [path for path, _ in rows[name]]
        ids = np.array([place for _, place in rows[name]], dtype=np.int64)
        return Traversal(name, read_images(paths), ids)

    return PlaceDataset(
        name=f"robotcar:{root}",
        reference=tuple(traversal(t) for t in reference),
        query=traversal(query),
        calibration=traversal(calibration) if calibration else None,
    )


def load_folders(root: str | Path) -> PlaceDataset:
    """Generic ``reference/`` and ``query/`` (and optional ``calibration/``) folders.

    The ``k``-th image (sorted by name) of each folder is place ``k``; the
    folders must hold the same number of images (calibration may hold fewer,
    matched to the first places).

    Raises:
        FileNotFoundError: naming a missing folder.
        ValueError: naming mismatched counts or an unreadable image.
    """
    root = Path(root)
    reference = image_files(root / "reference")
    query = image_files(root / "query")
    if len(query) != len(reference):
        raise ValueError(
            f"{root / 'query'} holds {len(query)} images but {root / 'reference'} holds "
            f"{len(reference)}; images are matched by sorted order, so counts must agree"
        )
    ids = np.arange(len(reference), dtype=np.int64)
    calibration = None
    if (root / "calibration").exists():
        files = image_files(root / "calibration")
        if len(files) > len(reference):
            raise ValueError(
                f"{root / 'calibration'} holds {len(files)} images, more than the "
                f"{len(reference)} reference places"
            )
        calibration = Traversal("calibration", read_images(files), ids[: len(files)])
    return PlaceDataset(
        name=f"folders:{root}",
        reference=(Traversal("reference", read_images(reference), ids),),
        query=Traversal("query", read_images(query), ids),
        calibration=calibration,
    )
