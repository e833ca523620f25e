"""Teacher-driven STDP for place modules, and their integrate-and-fire readout.

After VPRTempo (Hines, Milford and Fischer, "VPRTempo: A Fast Temporally
Encoded Spiking Neural Network for Visual Place Recognition", ICRA 2024): each
module owns output neurons assigned to its places, one per place and view
shift, ``j = slot * K + k`` for ``K = len(view_shifts)``. While the reference
image of a place is shown (moved sideways by ``view_shifts[k]`` pixels), a
teacher current makes neuron ``j`` spike and holds every other neuron of the
module at rest, so only ``j`` learns from that image.

Output neurons are non-leaky integrate-and-fire units with reset by
subtraction and a floor at rest::

    v_j(t) = max(0, v_j(t-1) + sum_i s_i(t) w_ij + u_j(t))
    spike when v_j(t) >= v_th, then v_j(t) <- v_j(t) - v_th

with ``u_j = v_th * rate_teacher * dt`` for the taught neuron (and a strong
negative current, i.e. ``v_j = 0`` and no spikes, for the others).

STDP at every postsynaptic spike of neuron ``j`` at step ``t``::

    w_ij <- w_ij + nu * (x_i(t) - mean_k x_k(t))

with ``x_i`` the presynaptic trace (``x <- x exp(-dt / tau_pre)``, set to 1 at a
spike). Active inputs are potentiated and inactive ones depressed by the same
total, so the weights are signed (excitatory and inhibitory inputs) and sum to
zero; after each epoch every neuron's weights are renormalised to Euclidean
norm ``weight_norm``. Summed over a presentation of ``T`` steps this is one
batched product::

    dW[b, :] = nu * post[b, :] @ (X[b] - mean_i X[b, :, i])      (b, T) x (b, T, inputs)

The trained weight vector of a neuron is then a normalised, zero-mean template
of its place's input rates, and a query's expected spike count is a rectified
template match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

from nervecord.controllers.vpr import stdp
from nervecord.controllers.vpr.config import EnsembleConfig, InputCode
from nervecord.controllers.vpr.encoding import poisson_spikes, regular_spikes, spike_probability

logger = logging.getLogger(__name__)


def shifted_views(pixels: torch.Tensor, shifts: tuple[int, ...], side: int) -> torch.Tensor:
    """The images moved sideways by each shift, edges replicated.

    View ``k`` holds ``pixels[n, r, c - shifts[k]]`` (column index clamped to the
    image), i.e. the scene seen with the camera turned by about one pixel's
    angle per unit of shift.

    Args:
        pixels: ``(images, side * side)`` preprocessed images.
        shifts: horizontal shifts ``K`` in pixels (positive: content moves right).
        side: image side.

    Returns:
        ``(images, K, side * side)`` views.
    """
    images = pixels.view(-1, side, side)
    columns = torch.arange(side, device=pixels.device)
    views = [images[:, :, (columns - k).clamp(0, side - 1)] for k in shifts]
    return torch.stack(views, dim=1).reshape(pixels.shape[0], len(shifts), side * side)


def input_spikes(
    config: EnsembleConfig, pixels: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Input spike trains ``(batch, T, inputs)`` in the configured code, ``pixel / divisor`` Hz."""
    probability = spike_probability(pixels / config.rate_divisor, config.dt)
    if config.input_code is InputCode.REGULAR:
        return regular_spikes(probability, config.steps)
    return poisson_spikes(probability, config.steps, generator)


def integrate_and_fire(drive: torch.Tensor, threshold: float) -> torch.Tensor:
    """Spikes of non-leaky integrate-and-fire neurons with a floor at rest.

    ``v(t) = max(0, v(t-1) + drive(t))``; a spike when ``v >= threshold``,
    after which ``v`` drops by ``threshold``.

    Args:
        drive: ``(..., T, n)`` input per step.
        threshold: firing threshold ``v_th``.

    Returns:
        ``(..., T, n)`` 0/1 spikes.
    """
    membrane = torch.zeros_like(drive[..., 0, :])
    spikes = torch.empty_like(drive)
    for t in range(drive.shape[-2]):
        membrane = (membrane + drive[..., t, :]).clamp_min(0.0)
        fired = (membrane >= threshold).to(drive.dtype)
        membrane = membrane - fired * threshold
        spikes[..., t, :] = fired
    return spikes


def teach(
    config: EnsembleConfig,
    weights: torch.Tensor,
    views: torch.Tensor,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One presentation per taught neuron: teacher-forced spikes and their STDP change.

    Args:
        config: ensemble settings.
        weights: ``(batch, inputs)`` current input weights of each taught neuron.
        views: ``(batch, inputs)`` the image shown to it.
        generator: torch generator (Poisson input only).

    Returns:
        ``(change, post_counts)``: ``(batch, inputs)`` summed STDP change and
        ``(batch,)`` postsynaptic spikes of the taught neurons.
    """
    spikes = input_spikes(config, views, generator)
    drive = torch.bmm(spikes, weights[:, :, None])
    teacher = config.firing_threshold * config.teacher_rate_hz * config.dt * 1e-3
    post = integrate_and_fire(drive + teacher, config.firing_threshold)[:, :, 0]

    trace = stdp.presynaptic_trace(spikes, config.dt, config.stdp.tau_pre)
    centred = trace - trace.mean(dim=2, keepdim=True)
    change = config.teacher_nu * torch.bmm(post[:, None, :], centred)[:, 0]
    return change, post.sum(dim=1)


def normalise_rows(weights: torch.Tensor, norm: float) -> torch.Tensor:
    """Scale each row (one neuron's input weights) to Euclidean norm ``norm``."""
    length = weights.norm(dim=-1, keepdim=True)
    return weights * (norm / length.clamp_min(1e-12))


def train_modules(
    config: EnsembleConfig,
    samples: torch.Tensor,
    sample_slots: torch.Tensor,
    generator: torch.Generator,
    on_epoch: Callable[[int], None] | None = None,
    chunk: int = 128,
) -> torch.Tensor:
    """Learn the output weights of a batch of modules with teacher-driven STDP.

    Args:
        config: ensemble settings.
        samples: ``(batch, max_samples, inputs)`` each module's training images.
        sample_slots: ``(batch, max_samples)`` place slot of each image within
            its module's region (``-1``: padding).
        generator: torch generator (Poisson input only).
        on_epoch: called with the epoch index after each epoch.
        chunk: presentations simulated together.

    Returns:
        ``(batch, inputs, n)`` signed weights, ``n = places_per_module * K``.
    """
    batch, _, inputs = samples.shape
    shifts = config.view_shifts
    n = config.neurons_per_module
    module, sample = (sample_slots >= 0).nonzero(as_tuple=True)
    views = shifted_views(samples[module, sample], shifts, config.image_side)
    views = views.reshape(-1, inputs)
    view = torch.arange(len(shifts), device=samples.device).repeat(module.numel())
    module = module.repeat_interleave(len(shifts))
    neuron = sample_slots[module, sample.repeat_interleave(len(shifts))] * len(shifts) + view
    row = module * n + neuron

    learned = samples.new_zeros((batch * n, inputs))
    weights = learned.clone()
    for epoch in range(config.epochs):
        for start in range(0, row.numel(), chunk):
            part = slice(start, start + chunk)
            change, _ = teach(config, weights[row[part]], views[part], generator)
            learned.index_add_(0, row[part], change)
        weights = normalise_rows(learned, config.weight_norm)
        logger.debug(
            "teacher epoch %d of %d: %d presentations", epoch + 1, config.epochs, len(row)
        )
        if on_epoch is not None:
            on_epoch(epoch)
    return weights.view(batch, n, inputs).transpose(1, 2).contiguous()


def labels(config: EnsembleConfig, region_places: torch.Tensor) -> torch.Tensor:
    """Place of each output neuron: ``label[b, s * K + k] = region_places[b, s]``.

    Returns:
        ``(batch, n)`` place ids (``-1`` for neurons of unused slots).
    """
    return region_places.repeat_interleave(len(config.view_shifts), dim=1)


def expected_counts(config: EnsembleConfig, drive: torch.Tensor) -> torch.Tensor:
    """Noise-free spike count of an output neuron over one presentation.

    With constant input ``mu = sum_i p_i w_ij`` per step the neuron fires
    ``T * max(mu, 0) / v_th`` times (the rate of a perfect integrator).

    Args:
        drive: ``(..., n)`` expected input per step.

    Returns:
        ``(..., n)`` expected spike counts.
    """
    return drive.clamp_min(0.0) * (config.steps / config.firing_threshold)


def spiking_counts(
    config: EnsembleConfig,
    weights: torch.Tensor,
    pixels: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    """Output spike counts under Poisson input (thresholds fixed, no teacher).

    Args:
        weights: ``(batch, inputs, n)``.
        pixels: ``(queries, inputs)``.

    Returns:
        ``(queries, batch, n)`` spike counts.
    """
    batch, inputs, n = weights.shape
    queries, steps = pixels.shape[0], config.steps
    probability = spike_probability(pixels / config.rate_divisor, config.dt)
    spikes = poisson_spikes(probability, steps, generator)
    flat = weights.permute(1, 0, 2).reshape(inputs, batch * n)
    drive = (spikes.reshape(queries * steps, inputs) @ flat).view(queries, steps, batch * n)
    counts = integrate_and_fire(drive, config.firing_threshold).sum(dim=1)
    return counts.view(queries, batch, n)
