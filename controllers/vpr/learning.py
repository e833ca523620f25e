"""Unsupervised learning of place modules: presentation, STDP, retries.

All modules of all ensemble members learn at once. Their weights form one
``(batch, inputs, n)`` tensor with ``batch = members * modules``; at each
presentation every module is shown one image of its own region, so a single
batched matrix product computes the input to every neuron of every module::

    drive[b, t, j] = sum_i s[b, t, i] * w[b, i, j]      (batch, T, n)

Between images all state returns to rest (the paper's 150 ms rest period
serves exactly that purpose) and each neuron's incoming weights are
renormalised to sum to ``weight_sum``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

from nervecord.controllers.vpr import neurons, stdp
from nervecord.controllers.vpr.config import EnsembleConfig
from nervecord.controllers.vpr.encoding import poisson_spikes, spike_probability

logger = logging.getLogger(__name__)


def present(
    config: EnsembleConfig,
    weights: torch.Tensor,
    theta: torch.Tensor,
    probability: torch.Tensor,
    generator: torch.Generator,
    learn: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Show one image to each module and simulate the presentation.

    Args:
        config: ensemble settings.
        weights: ``(batch, inputs, n)`` input -> excitatory weights.
        theta: ``(batch, n)`` adaptive thresholds (mV).
        probability: ``(batch, inputs)`` input spike probability per step.
        generator: torch generator for the input spikes.
        learn: adapt thresholds and return the STDP weight change.

    Returns:
        ``(counts, theta, weight_change)``: ``(batch, n)`` excitatory spike
        counts, ``(batch, n)`` thresholds after the presentation, and the
        ``(batch, inputs, n)`` summed STDP change (``None`` unless learning).
    """
    batch, _, n = weights.shape
    steps, dt = config.steps, config.dt
    input_spikes = poisson_spikes(probability, steps, generator)
    drive = torch.bmm(input_spikes, weights)

    state = neurons.rest_state(theta, 1, config.excitatory, config.inhibitory)
    post = stdp.PostsynapticTraces(batch, n, steps, dt, config.stdp, weights) if learn else None
    counts = weights.new_zeros((batch, n))
    for t in range(steps):
        state = neurons.step(
            state,
            drive[:, None, t],
            dt,
            config.excitatory,
            config.inhibitory,
            config.synapse,
            adapt=learn,
            exclusive=config.exclusive_spikes,
        )
        spikes = state.spikes_exc[:, 0]
        counts += spikes
        if post is not None:
            post.record(t, spikes)

    if post is None:
        return counts, theta, None
    pre_trace = stdp.presynaptic_trace(input_spikes, dt, config.stdp.tau_pre)
    change = stdp.weight_change(input_spikes, pre_trace, post, config.stdp)
    return counts, state.theta[:, 0], change


def _presentation_order(sample_counts: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random order of each module's samples, padded with -1.

    Args:
        sample_counts: ``(batch,)`` number of training samples per module.
        generator: torch generator.

    Returns:
        ``(batch, max_count)`` local sample indices, ``-1`` past each count.
    """
    longest = int(sample_counts.max())
    keys = torch.rand(
        (sample_counts.shape[0], longest), generator=generator, device=sample_counts.device
    )
    slots = torch.arange(longest, device=sample_counts.device)
    padding = slots[None, :] >= sample_counts[:, None]
    keys = keys.masked_fill(padding, 2.0)
    order = keys.argsort(dim=1)
    return order.masked_fill(padding, -1)


def train_modules(
    config: EnsembleConfig,
    samples: torch.Tensor,
    sample_counts: torch.Tensor,
    generator: torch.Generator,
    on_epoch: Callable[[int], None] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Learn the input weights and thresholds of a batch of modules.

    Args:
        config: ensemble settings.
        samples: ``(batch, max_samples, inputs)`` preprocessed images of each
            module's region (pixels in ``[0, 255]``), padded past ``sample_counts``.
        sample_counts: ``(batch,)`` valid samples per module.
        generator: torch generator (initial weights, order, input spikes).
        on_epoch: called with the epoch index after each epoch (progress).

    Returns:
        ``(weights, theta)``: ``(batch, inputs, n)`` and ``(batch, n)``.
    """
    batch, _, inputs = samples.shape
    n, device = config.n_excitatory, samples.device
    weights = torch.rand((batch, inputs, n), generator=generator, device=device)
    weights = config.w_init_min + weights * (config.w_init_max - config.w_init_min)
    theta = torch.full((batch, n), config.excitatory.theta_init, device=device)
    rows = torch.arange(batch, device=device)

    for epoch in range(config.epochs):
        order = _presentation_order(sample_counts, generator)
        for slot in range(order.shape[1]):
            local = order[:, slot]
            pending = local >= 0
            pixels = samples[rows, local.clamp_min(0)]
            weights = stdp.normalise_columns(weights, config.stdp.weight_sum)

            # Repeat for modules that drew too few spikes, with stronger input.
            for retry in range(config.max_retries + 1):
                index = pending.nonzero()[:, 0]
                if index.numel() == 0:
                    break
                gain = 1.0 + 0.5 * retry
                probability = spike_probability(
                    pixels[index] * (gain / config.rate_divisor), config.dt
                )
                counts, new_theta, change = present(
                    config, weights[index], theta[index], probability, generator, learn=True
                )
                updated = (weights[index] + change).clamp_(0.0, config.stdp.w_max)
                weights[index] = updated
                theta[index] = new_theta
                pending[index] = counts.sum(dim=1) < config.min_spikes
        logger.debug("epoch %d of %d done for %d modules", epoch + 1, config.epochs, batch)
        if on_epoch is not None:
            on_epoch(epoch)

    weights = stdp.normalise_columns(weights, config.stdp.weight_sum)
    return weights, theta
