"""From neuron responses to place scores: labelling, regularisation, scoring.

Notation: ``members`` independently seeded networks, each of ``modules``
regions with ``n`` excitatory neurons; a response tensor is
``(queries, members * modules, n)`` spike counts (member-major batch).
"""

from __future__ import annotations

import numpy as np
import torch


def assign_labels(
    own_responses: torch.Tensor, sample_slots: torch.Tensor, region_places: torch.Tensor
) -> torch.Tensor:
    """Label each neuron with the place that drove its highest mean response.

    Args:
        own_responses: ``(batch, samples, n)`` responses of each module to its
            own training samples.
        sample_slots: ``(batch, samples)`` index of each sample's place within
            the module's region, ``-1`` for padding.
        region_places: ``(batch, places_per_module)`` global place ids, ``-1``
            for unused slots.

    Returns:
        ``(batch, n)`` global place ids; ``-1`` for neurons that never fired.
    """
    batch, _, n = own_responses.shape
    slots = region_places.shape[1]
    valid = (sample_slots >= 0).to(own_responses.dtype)
    index = sample_slots.clamp_min(0)[:, :, None].expand(-1, -1, n)
    totals = own_responses.new_zeros((batch, slots, n))
    totals.scatter_add_(1, index, own_responses * valid[:, :, None])
    seen = own_responses.new_zeros((batch, slots))
    seen.scatter_add_(1, sample_slots.clamp_min(0), valid)
    means = totals / seen.clamp_min(1.0)[:, :, None]

    best_value, best_slot = means.max(dim=1)
    labels = region_places.gather(1, best_slot)
    return torch.where(best_value > 0, labels, torch.full_like(labels, -1))


def firing_image_counts(responses: torch.Tensor) -> torch.Tensor:
    """Per neuron, the number of images that made it fire at least once.

    Args:
        responses: ``(images, batch, n)`` spike counts.

    Returns:
        ``(batch, n)`` int64 counts.
    """
    return (responses >= 1.0).sum(dim=0)


def place_scores(
    responses: torch.Tensor,
    labels: torch.Tensor,
    keep: torch.Tensor,
    members: int,
    n_places: int,
    pooling: str = "mean",
) -> torch.Tensor:
    """Ensemble score of every place for every query.

    For member ``k``, place ``p``'s score is the mean (``pooling="mean"``) or
    the largest (``"max"``) response of the kept neurons labelled ``p`` (0 when
    there are none); the ensemble score is the sum over members::

        score[q, p] = sum_k mean_{j: label_kj = p, keep_kj} r[q, k, j]

    Args:
        responses: ``(queries, members * modules, n)`` spike counts.
        labels: ``(members * modules, n)`` global place ids (``-1``: none).
        keep: ``(members * modules, n)`` bool, ``False`` for removed neurons.
        members: ensemble size.
        n_places: number of places.
        pooling: ``"mean"`` or ``"max"`` over a place's neurons (responses
            must be non-negative for ``"max"``).

    Returns:
        ``(queries, n_places)`` float scores.
    """
    if pooling not in ("mean", "max"):
        raise ValueError(f"pooling must be 'mean' or 'max', got {pooling!r}")
    queries = responses.shape[0]
    batch = labels.shape[0]
    member = torch.arange(batch, device=labels.device) // (batch // members)
    used = keep & (labels >= 0)
    key = (member[:, None] * n_places + labels.clamp_min(0)).reshape(-1)
    weight = used.reshape(-1).to(responses.dtype)

    flat = responses.reshape(queries, -1) * weight
    if pooling == "max":
        best = responses.new_zeros((queries, members * n_places))
        best.scatter_reduce_(1, key[None].expand(queries, -1), flat, reduce="amax")
        return best.view(queries, members, n_places).sum(dim=1)
    neuron_count = responses.new_zeros(members * n_places).index_add_(0, key, weight)
    sums = responses.new_zeros((queries, members * n_places)).index_add_(1, key, flat)
    means = sums / neuron_count.clamp_min(1.0)
    return means.view(queries, members, n_places).sum(dim=1)


def threshold_candidates(n_images: int, count: int = 24) -> list[int]:
    """Hyperactivity thresholds to try: a geometric grid from 1 to ``n_images + 1``.

    ``n_images + 1`` removes no neuron, so the search can always keep all.
    """
    grid = np.unique(np.round(np.geomspace(1, n_images + 1, count)).astype(int))
    return [int(value) for value in grid]


def threshold_hits(
    responses: torch.Tensor,
    place_ids: torch.Tensor,
    labels: torch.Tensor,
    image_counts: torch.Tensor,
    members: int,
    n_places: int,
    candidates: list[int],
    pooling: str = "mean",
) -> list[int]:
    """Correct top-1 matches of calibration queries under each threshold.

    A neuron is removed when it fired for at least ``T`` reference images.

    Args:
        responses: ``(queries, members * modules, n)`` calibration responses.
        place_ids: ``(queries,)`` true places of the calibration images.
        labels: ``(members * modules, n)``.
        image_counts: ``(members * modules, n)`` from :func:`firing_image_counts`
            over all reference images.
        members: ensemble size.
        n_places: number of places.
        candidates: thresholds ``T`` to try.
        pooling: see :func:`place_scores`.

    Returns:
        number of correct top-1 matches for each candidate.
    """
    hits = []
    for threshold in candidates:
        keep = image_counts < threshold
        scores = place_scores(responses, labels, keep, members, n_places, pooling)
        hits.append(int((scores.argmax(dim=1) == place_ids).sum()))
    return hits


def choose_threshold(candidates: list[int], hits: list[int]) -> int:
    """The threshold with the most hits; ties go to the largest (fewest removals)."""
    best = max(hits)
    return max(t for t, h in zip(candidates, hits, strict=True) if h == best)
