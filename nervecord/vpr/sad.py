"""Sum-of-absolute-differences baseline on patch-normalised images."""

from __future__ import annotations

import torch


def sad_scores(reference: torch.Tensor, query: torch.Tensor, chunk: int = 512) -> torch.Tensor:
    """Negative mean absolute difference between every query and reference.

    ``score[q, r] = -mean_i |query[q, i] - reference[r, i]|`` (higher is a
    better match), on the same preprocessed pixels the spiking ensemble sees.

    Args:
        reference: ``(references, pixels)``.
        query: ``(queries, pixels)``.
        chunk: queries per batch (bounds memory).

    Returns:
        ``(queries, references)`` scores.
    """
    if reference.ndim != 2 or query.ndim != 2 or reference.shape[1] != query.shape[1]:
        raise ValueError(
            f"SAD needs (n, pixels) images of equal width, got reference "
            f"{tuple(reference.shape)} and query {tuple(query.shape)}"
        )
    parts = [
        -torch.cdist(query[start : start + chunk], reference, p=1.0) / reference.shape[1]
        for start in range(0, query.shape[0], chunk)
    ]
    return torch.cat(parts, dim=0)


def sad_place_scores(
    reference: torch.Tensor, reference_ids: torch.Tensor, query: torch.Tensor, n_places: int
) -> torch.Tensor:
    """SAD scores per place: the best score over the place's reference images.

    Returns:
        ``(queries, n_places)``; places without a reference image score ``-inf``.
    """
    scores = sad_scores(reference, query)
    out = torch.full((query.shape[0], n_places), float("-inf"), dtype=scores.dtype)
    index = reference_ids[None, :].expand_as(scores)
    return out.scatter_reduce(1, index, scores, reduce="amax")
