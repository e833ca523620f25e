"""An ensemble of region-specific spiking modules for visual place recognition.

Places are split into consecutive regions of ``places_per_module`` ids; each
region is learned by its own compact module, and each of ``members``
independently seeded networks holds one module per region (Hussaini, Milford
and Fischer, ICRA 2023). All ``members * modules`` modules are one batched
tensor program. The learned quantities live in :class:`EnsembleParams`, which
every function takes and returns explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

import torch

from nervecord.controllers.vpr import learning, readout, teacher
from nervecord.controllers.vpr.config import EnsembleConfig, InferenceMode, LearningRule
from nervecord.controllers.vpr.encoding import spike_probability
from nervecord.controllers.vpr.responses import keep_winners, responses

logger = logging.getLogger(__name__)


class EnsembleParams(NamedTuple):
    """Everything learned, for ``members`` networks of ``modules`` regions.

    Attributes:
        weights: ``(members, modules, inputs, n)`` input -> excitatory weights.
        theta: ``(members, modules, n)`` adaptive thresholds (mV).
        labels: ``(members, modules, n)`` place id of each neuron (``-1``: none).
        image_counts: ``(members, modules, n)`` reference images that made
            each neuron fire (for the hyperactivity regularisation).
        region_places: ``(modules, places_per_module)`` place ids of each
            region (``-1``: unused slot).
        hyperactive_threshold: neurons with ``image_counts >= threshold`` are
            ignored; ``0`` disables the regularisation.
    """

    weights: torch.Tensor
    theta: torch.Tensor
    labels: torch.Tensor
    image_counts: torch.Tensor
    region_places: torch.Tensor
    hyperactive_threshold: int

    @property
    def members(self) -> int:
        return self.weights.shape[0]

    @property
    def modules(self) -> int:
        return self.weights.shape[1]

    @property
    def n_places(self) -> int:
        return int(self.region_places.max()) + 1

    def flat(self, name: str) -> torch.Tensor:
        """Field ``name`` with members and modules merged: ``(members * modules, ...)``."""
        tensor = getattr(self, name)
        return tensor.reshape(self.members * self.modules, *tensor.shape[2:])

    def keep(self) -> torch.Tensor:
        """``(members * modules, n)`` neurons that take part in scoring."""
        counts = self.flat("image_counts")
        if self.hyperactive_threshold <= 0:
            return torch.ones_like(counts, dtype=torch.bool)
        return counts < self.hyperactive_threshold


def make_generator(seed: int, device: torch.device | str) -> torch.Generator:
    """The one random generator of an ensemble, seeded from its settings."""
    return torch.Generator(device=device).manual_seed(seed)


def split_regions(place_ids: torch.Tensor, places_per_module: int) -> torch.Tensor:
    """Group the distinct place ids, in increasing order, into regions.

    Returns:
        ``(modules, places_per_module)`` place ids, the last region padded with ``-1``.
    """
    places = torch.unique(place_ids)
    modules = -(-places.numel() // places_per_module)
    regions = torch.full((modules * places_per_module,), -1, dtype=torch.int64)
    regions[: places.numel()] = places.cpu()
    return regions.view(modules, places_per_module).to(place_ids.device)


def _region_samples(
    pixels: torch.Tensor, place_ids: torch.Tensor, region_places: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gather each region's training images.

    Returns:
        ``(samples, slots, counts)``: ``(modules, max_samples, inputs)`` images,
        ``(modules, max_samples)`` place slot within the region (``-1`` pad),
        ``(modules,)`` number of samples.
    """
    modules, per_module = region_places.shape
    lookup = {
        int(p): (m, s)
        for m, row in enumerate(region_places.tolist())
        for s, p in enumerate(row)
        if p >= 0
    }
    groups: list[list[tuple[int, int]]] = [[] for _ in range(modules)]
    for index, place in enumerate(place_ids.tolist()):
        if place not in lookup:
            raise ValueError(f"place id {place} is not in any region of this ensemble")
        module, slot = lookup[place]
        groups[module].append((index, slot))
    longest = max(len(group) for group in groups)
    index = torch.zeros((modules, longest), dtype=torch.int64)
    slots = torch.full((modules, longest), -1, dtype=torch.int64)
    for module, group in enumerate(groups):
        for k, (sample, slot) in enumerate(group):
            index[module, k], slots[module, k] = sample, slot
    counts = (slots >= 0).sum(dim=1)
    device = pixels.device
    return pixels[index.to(device)], slots.to(device), counts.to(device)


def _own_responses(
    config: EnsembleConfig,
    weights: torch.Tensor,
    theta: torch.Tensor,
    samples: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    """Responses of each module to its own region's samples: ``(batch, samples, n)``."""
    if config.inference is InferenceMode.RATE:
        from nervecord.controllers.vpr import neurons

        probability = spike_probability(samples / config.rate_divisor, config.dt)
        drive = torch.bmm(probability, weights)
        conductance = neurons.expected_input_conductance(drive, config.dt, config.synapse)
        counts = neurons.expected_spike_count(
            conductance, theta[:, None, :], config.presentation_ms, config.excitatory
        )
        return keep_winners(counts, config.rate_winners)
    parts = []
    for k in range(samples.shape[1]):
        probability = spike_probability(samples[:, k] / config.rate_divisor, config.dt)
        counts, _, _ = learning.present(config, weights, theta, probability, generator, False)
        parts.append(counts)
    return torch.stack(parts, dim=1)


def train_regions(
    config: EnsembleConfig,
    pixels: torch.Tensor,
    place_ids: torch.Tensor,
    region_places: torch.Tensor,
    generator: torch.Generator,
    on_epoch: Callable[[int], None] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Train and label one module per region for every ensemble member.

    With ``LearningRule.TEACHER`` each place's neurons are taught directly
    (labels are known, thresholds ``theta`` are zero and unused); with
    ``UNSUPERVISED`` the modules learn by Diehl & Cook STDP and each neuron is
    then labelled with the place that drove it most.

    Args:
        config: ensemble settings.
        pixels: ``(samples, inputs)`` preprocessed reference images.
        place_ids: ``(samples,)`` place of each image (several traversals may
            repeat a place).
        region_places: ``(modules, places_per_module)`` regions to learn.
        generator: the ensemble's generator.
        on_epoch: progress callback, called after each epoch.

    Returns:
        ``(weights, theta, labels)`` of shapes ``(members, modules, inputs, n)``,
        ``(members, modules, n)`` and ``(members, modules, n)``.
    """
    members, modules = config.members, region_places.shape[0]
    samples, slots, counts = _region_samples(pixels, place_ids, region_places)
    samples = samples.repeat(members, 1, 1)
    slots, counts = slots.repeat(members, 1), counts.repeat(members)
    regions = region_places.repeat(members, 1)

    if config.learning is LearningRule.TEACHER:
        weights = teacher.train_modules(config, samples, slots, generator, on_epoch)
        theta = weights.new_zeros((weights.shape[0], weights.shape[2]))
        labels = teacher.labels(config, regions)
    else:
        weights, theta = learning.train_modules(config, samples, counts, generator, on_epoch)
        own = _own_responses(config, weights, theta, samples, generator)
        labels = readout.assign_labels(own, slots, regions)
    logger.debug("%d of %d neurons labelled", int((labels >= 0).sum()), labels.numel())
    shape = (members, modules)
    return (
        weights.view(*shape, *weights.shape[1:]),
        theta.view(*shape, -1),
        labels.view(*shape, -1),
    )


def count_firing(
    config: EnsembleConfig,
    weights: torch.Tensor,
    theta: torch.Tensor,
    pixels: torch.Tensor,
    generator: torch.Generator,
    chunk: int = 256,
) -> torch.Tensor:
    """Reference images that make each neuron fire at least once.

    Args:
        weights: ``(members, modules, inputs, n)``.
        theta: ``(members, modules, n)``.
        pixels: ``(images, inputs)`` all reference images.

    Returns:
        ``(members, modules, n)`` int64 counts.
    """
    members, modules = weights.shape[:2]
    flat_w = weights.reshape(members * modules, *weights.shape[2:])
    flat_theta = theta.reshape(members * modules, -1)
    total = torch.zeros(flat_theta.shape, dtype=torch.int64, device=weights.device)
    for start in range(0, pixels.shape[0], chunk):
        part = responses(config, flat_w, flat_theta, pixels[start : start + chunk], generator)
        total += readout.firing_image_counts(part)
    return total.view(members, modules, -1)


def fit(
    config: EnsembleConfig,
    pixels: torch.Tensor,
    place_ids: torch.Tensor,
    on_epoch: Callable[[int], None] | None = None,
) -> EnsembleParams:
    """Train an ensemble on reference images (no regularisation yet).

    Args:
        config: ensemble settings (its ``seed`` seeds everything).
        pixels: ``(images, inputs)`` preprocessed reference images, on the
            device to train on.
        place_ids: ``(images,)`` int64 place of each image.
        on_epoch: progress callback.

    Returns:
        the trained :class:`EnsembleParams` with ``hyperactive_threshold = 0``.
    """
    _check_pixels(config, pixels, place_ids)
    generator = make_generator(config.seed, pixels.device)
    regions = split_regions(place_ids, config.places_per_module)
    weights, theta, labels = train_regions(config, pixels, place_ids, regions, generator, on_epoch)
    counts = count_firing(config, weights, theta, pixels, generator)
    return EnsembleParams(weights, theta, labels, counts, regions, 0)


def score(
    config: EnsembleConfig, params: EnsembleParams, pixels: torch.Tensor, chunk: int = 256
) -> torch.Tensor:
    """Place scores of query images (higher is a better match).

    Args:
        pixels: ``(queries, inputs)`` preprocessed query images.

    Returns:
        ``(queries, n_places)`` ensemble scores.
    """
    _check_pixels(config, pixels)
    generator = make_generator(config.seed + 1, pixels.device)
    weights, theta = params.flat("weights"), params.flat("theta")
    labels, keep = params.flat("labels"), params.keep()
    parts = []
    for start in range(0, pixels.shape[0], chunk):
        part = responses(config, weights, theta, pixels[start : start + chunk], generator)
        parts.append(
            readout.place_scores(
                part, labels, keep, params.members, params.n_places, config.place_pooling
            )
        )
    return torch.cat(parts, dim=0)


def calibrate(
    config: EnsembleConfig,
    params: EnsembleParams,
    pixels: torch.Tensor,
    place_ids: torch.Tensor,
    chunk: int = 256,
) -> tuple[EnsembleParams, dict[int, float]]:
    """Pick the hyperactive-neuron threshold that maximises calibration Recall@1.

    Args:
        pixels: ``(images, inputs)`` calibration images (not used in training).
        place_ids: ``(images,)`` their true places.

    Returns:
        ``(params, recall_by_threshold)`` with the chosen threshold set.
    """
    _check_pixels(config, pixels, place_ids)
    generator = make_generator(config.seed + 2, pixels.device)
    weights, theta = params.flat("weights"), params.flat("theta")
    labels, counts = params.flat("labels"), params.flat("image_counts")
    n_reference = int(counts.max()) if counts.numel() else 0
    candidates = readout.threshold_candidates(max(n_reference, 1))
    hits = [0] * len(candidates)
    for start in range(0, pixels.shape[0], chunk):
        part = responses(config, weights, theta, pixels[start : start + chunk], generator)
        chunk_hits = readout.threshold_hits(
            part,
            place_ids[start : start + chunk],
            labels,
            counts,
            params.members,
            params.n_places,
            candidates,
            config.place_pooling,
        )
        hits = [a + b for a, b in zip(hits, chunk_hits, strict=True)]
    threshold = readout.choose_threshold(candidates, hits)
    recall = {t: h / pixels.shape[0] for t, h in zip(candidates, hits, strict=True)}
    logger.info(
        "hyperactive threshold %d (calibration Recall@1 %.3f)", threshold, recall[threshold]
    )
    return params._replace(hyperactive_threshold=threshold), recall


def add_regions(
    config: EnsembleConfig,
    params: EnsembleParams,
    pixels: torch.Tensor,
    place_ids: torch.Tensor,
    reference_pixels: torch.Tensor,
    on_epoch: Callable[[int], None] | None = None,
) -> EnsembleParams:
    """Learn new places as new modules, leaving every existing module untouched.

    The new modules' hyperactivity counts are taken over ``reference_pixels``
    (all reference images, old and new); the existing threshold is kept.

    Args:
        pixels: ``(images, inputs)`` reference images of the new places only.
        place_ids: ``(images,)`` their places; all must be new ids.
        reference_pixels: ``(all_images, inputs)`` every reference image.

    Returns:
        parameters with the new modules appended along the module axis.
    """
    _check_pixels(config, pixels, place_ids)
    known = set(params.region_places[params.region_places >= 0].tolist())
    repeated = sorted(known & set(place_ids.tolist()))
    if repeated:
        raise ValueError(f"place ids already learned cannot be added again: {repeated[:10]}")
    generator = make_generator(config.seed + 1_000_003 * params.modules, pixels.device)
    regions = split_regions(place_ids, config.places_per_module)
    weights, theta, labels = train_regions(config, pixels, place_ids, regions, generator, on_epoch)
    counts = count_firing(config, weights, theta, reference_pixels, generator)
    return EnsembleParams(
        weights=torch.cat([params.weights, weights], dim=1),
        theta=torch.cat([params.theta, theta], dim=1),
        labels=torch.cat([params.labels, labels], dim=1),
        image_counts=torch.cat([params.image_counts, counts], dim=1),
        region_places=torch.cat([params.region_places, regions], dim=0),
        hyperactive_threshold=params.hyperactive_threshold,
    )


def _check_pixels(
    config: EnsembleConfig, pixels: torch.Tensor, place_ids: torch.Tensor | None = None
) -> None:
    """Raise ValueError unless ``pixels`` is ``(images, inputs)`` and ids match."""
    if pixels.ndim != 2 or pixels.shape[1] != config.inputs:
        raise ValueError(
            f"expected preprocessed images of shape (images, {config.inputs}), "
            f"got {tuple(pixels.shape)}"
        )
    if place_ids is not None and place_ids.shape != (pixels.shape[0],):
        raise ValueError(
            f"place_ids of shape {tuple(place_ids.shape)} do not match {pixels.shape[0]} images"
        )
    if place_ids is not None and bool((place_ids < 0).any()):
        raise ValueError("place ids must be non-negative")
