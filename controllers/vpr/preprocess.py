"""Image preprocessing for spiking place recognition.

The pipeline of Hussaini, Milford and Fischer (ICRA 2023): colour images are
converted to grayscale, resized to 28 x 28 and patch-normalised, so that each
pixel is expressed relative to its neighbourhood and global lighting changes
cancel out. All functions are batched torch code: ``(images, height, width)``
tensors on any device.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional

IMAGE_SIDE = 28
PATCH_SIDE = 7

# ITU-R BT.601 luma weights for R, G, B.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def as_image_batch(images: np.ndarray | torch.Tensor, what: str = "images") -> torch.Tensor:
    """Check and convert a stack of images to a float tensor.

    Args:
        images: ``(n, height, width)`` grayscale or ``(n, height, width, 3)`` RGB
            array, any numeric dtype, values in 0-255.
        what: name used in error messages.

    Returns:
        ``(n, height, width)`` or ``(n, height, width, 3)`` float32 tensor.

    Raises:
        ValueError: if the array has another shape or is empty.
    """
    tensor = torch.as_tensor(np.asarray(images) if isinstance(images, np.ndarray) else images)
    if tensor.ndim == 4 and tensor.shape[-1] != 3:
        raise ValueError(
            f"{what}: expected (n, height, width, 3) RGB images, got shape {tuple(tensor.shape)}"
        )
    if tensor.ndim not in (3, 4):
        raise ValueError(
            f"{what}: expected (n, height, width) or (n, height, width, 3) images, "
            f"got shape {tuple(tensor.shape)}"
        )
    if tensor.shape[0] == 0 or tensor.shape[1] < 1 or tensor.shape[2] < 1:
        raise ValueError(f"{what}: empty image stack of shape {tuple(tensor.shape)}")
    return tensor.to(torch.float32)


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luma of RGB images: ``Y = 0.299 R + 0.587 G + 0.114 B``.

    Args:
        images: ``(n, h, w, 3)`` RGB or ``(n, h, w)`` already gray, float.

    Returns:
        ``(n, h, w)`` float tensor in the input's value range.
    """
    if images.ndim == 3:
        return images
    weights = torch.tensor(LUMA_WEIGHTS, dtype=images.dtype, device=images.device)
    return images @ weights


def resize(images: torch.Tensor, side: int = IMAGE_SIDE) -> torch.Tensor:
    """Resize grayscale images to ``side x side`` by area averaging.

    Area averaging (each output pixel the mean of the input pixels it covers)
    is the anti-aliased choice for the large down-sampling factors used here.

    Args:
        images: ``(n, h, w)`` float tensor.
        side: output height and width in pixels.

    Returns:
        ``(n, side, side)`` float tensor.
    """
    if images.shape[-2:] == (side, side):
        return images
    return functional.interpolate(images[:, None], size=(side, side), mode="area")[:, 0]


def patch_normalise(images: torch.Tensor, patch: int = PATCH_SIDE) -> torch.Tensor:
    """Normalise every pixel by the statistics of the window centred on it.

    For pixel ``x`` with ``patch x patch`` neighbourhood ``P`` (cut off at the
    image border, so border windows hold fewer pixels)::

        z = clip((x - mean(P)) / std(P), -1, 1)        (z = 0 where std(P) = 0)
        y = 255 * (z + 1) / 2                          in [0, 255]

    ``std`` is the population standard deviation.

    Args:
        images: ``(n, h, w)`` float tensor.
        patch: odd window side in pixels.

    Returns:
        ``(n, h, w)`` float tensor in ``[0, 255]``.

    Raises:
        ValueError: if ``patch`` is not a positive odd number.
    """
    if patch < 1 or patch % 2 == 0:
        raise ValueError(f"patch side must be a positive odd number, got {patch}")
    x = images[:, None].to(torch.float64)
    pool = dict(kernel_size=patch, stride=1, padding=patch // 2, count_include_pad=False)
    mean = functional.avg_pool2d(x, **pool)
    mean_square = functional.avg_pool2d(x * x, **pool)
    std = (mean_square - mean * mean).clamp_min(0.0).sqrt()

    flat = std < 1e-6
    z = torch.where(flat, torch.zeros_like(x), (x - mean) / torch.where(flat, 1.0, std))
    z = z.clamp(-1.0, 1.0)
    return (255.0 * (z + 1.0) / 2.0)[:, 0].to(torch.float32)


def preprocess(
    images: np.ndarray | torch.Tensor,
    side: int = IMAGE_SIDE,
    patch: int = PATCH_SIDE,
    device: torch.device | str = "cpu",
    what: str = "images",
) -> torch.Tensor:
    """Grayscale, resize and patch-normalise a stack of images.

    Args:
        images: ``(n, h, w)`` or ``(n, h, w, 3)`` array with values in 0-255.
        side: output side in pixels (28 in the paper).
        patch: patch-normalisation window side (7 in the paper).
        device: torch device of the result.
        what: name used in error messages.

    Returns:
        ``(n, side * side)`` float32 tensor of pixel intensities in ``[0, 255]``.
    """
    batch = as_image_batch(images, what).to(device)
    gray = grayscale(batch)
    small = resize(gray, side)
    return patch_normalise(small, patch).reshape(small.shape[0], side * side)
