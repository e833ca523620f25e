"""Sequence matching over score matrices (SeqSLAM-style, constant velocity)."""

from __future__ import annotations

import torch


def sequence_scores(scores: torch.Tensor, length: int) -> torch.Tensor:
    """Average scores along diagonals: consecutive queries, consecutive places.

    Assuming query ``q`` and the ``length - 1`` queries before it were taken at
    consecutive places ``p, p - 1, ...``::

        seq[q, p] = mean_{k < length, q-k >= 0, p-k >= 0} score[q - k, p - k]

    Near the start the mean runs over the available terms only.

    Args:
        scores: ``(queries, places)`` single-image scores, higher is better.
        length: sequence length (1 returns the scores unchanged).

    Returns:
        ``(queries, places)`` sequence scores.

    Raises:
        ValueError: if ``length < 1``.
    """
    if length < 1:
        raise ValueError(f"sequence length must be >= 1, got {length}")
    total = scores.clone()
    terms = torch.ones_like(scores)
    for k in range(1, length):
        if k >= scores.shape[0] or k >= scores.shape[1]:
            break
        total[k:, k:] += scores[:-k, :-k]
        terms[k:, k:] += 1.0
    return total / terms
