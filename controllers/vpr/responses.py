"""Responses of trained modules to query images, batched over queries and modules.

Every query is shown to every module (of every ensemble member). Two modes,
see :class:`~nervecord.controllers.vpr.config.InferenceMode`:

* ``RATE``: one batched matrix product gives each neuron's expected input,
  ``drive[q, b, j] = sum_i p[q, i] * w[b, i, j]``; the expected spike count of an isolated neuron
  follows in closed form (:func:`neurons.expected_spike_count`), and the
  winner-take-all inhibition is applied as a k-winners rule: in each module
  only the ``rate_winners`` neurons with the highest counts keep them.
* ``SPIKING``: the same Poisson input spike train of each query is fed to all
  modules, and the full excitatory/inhibitory modules are simulated with
  thresholds frozen; the result is the excitatory spike count.

Modules trained with :class:`~nervecord.controllers.vpr.config.LearningRule`
``TEACHER`` have integrate-and-fire output neurons without lateral inhibition
(:mod:`~nervecord.controllers.vpr.teacher`): ``RATE`` gives
``T * max(drive, 0) / v_th`` and ``SPIKING`` simulates them under Poisson input.
"""

from __future__ import annotations

import torch

from nervecord.controllers.vpr import neurons, teacher
from nervecord.controllers.vpr.config import EnsembleConfig, InferenceMode, LearningRule
from nervecord.controllers.vpr.encoding import poisson_spikes, spike_probability


def rate_responses(
    config: EnsembleConfig, weights: torch.Tensor, theta: torch.Tensor, pixels: torch.Tensor
) -> torch.Tensor:
    """Noise-free expected spike counts.

    Args:
        config: ensemble settings.
        weights: ``(batch, inputs, n)``.
        theta: ``(batch, n)``.
        pixels: ``(queries, inputs)`` preprocessed images.

    Returns:
        ``(queries, batch, n)`` expected excitatory spike counts.
    """
    probability = spike_probability(pixels / config.rate_divisor, config.dt)
    drive = torch.matmul(probability[None], weights).transpose(0, 1)
    if config.learning is LearningRule.TEACHER:
        return teacher.expected_counts(config, drive)
    conductance = neurons.expected_input_conductance(drive, config.dt, config.synapse)
    counts = neurons.expected_spike_count(
        conductance, theta, config.presentation_ms, config.excitatory
    )
    return keep_winners(counts, config.rate_winners)


def keep_winners(counts: torch.Tensor, winners: int) -> torch.Tensor:
    """Zero all but the ``winners`` largest entries of the last axis.

    Args:
        counts: ``(..., n)`` responses of the neurons of one module.
        winners: how many keep their response (``<= 0`` keeps all).

    Returns:
        ``(..., n)`` responses.
    """
    if winners <= 0 or winners >= counts.shape[-1]:
        return counts
    threshold = counts.topk(winners, dim=-1).values[..., -1:]
    return torch.where(counts >= threshold, counts, torch.zeros_like(counts))


def spiking_responses(
    config: EnsembleConfig,
    weights: torch.Tensor,
    theta: torch.Tensor,
    pixels: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    """Spike counts of the full modules (winner-take-all) under Poisson input.

    Args:
        config: ensemble settings.
        weights: ``(batch, inputs, n)``.
        theta: ``(batch, n)``.
        pixels: ``(queries, inputs)`` preprocessed images.
        generator: torch generator for the input spikes.

    Returns:
        ``(queries, batch, n)`` excitatory spike counts.
    """
    if config.learning is LearningRule.TEACHER:
        return teacher.spiking_counts(config, weights, pixels, generator)
    batch, inputs, n = weights.shape
    queries, steps = pixels.shape[0], config.steps
    probability = spike_probability(pixels / config.rate_divisor, config.dt)
    input_spikes = poisson_spikes(probability, steps, generator)
    flat = weights.permute(1, 0, 2).reshape(inputs, batch * n)
    drive = input_spikes.reshape(queries * steps, inputs) @ flat
    drive = drive.view(queries, steps, batch, n).permute(2, 0, 1, 3)

    state = neurons.rest_state(theta, queries, config.excitatory, config.inhibitory)
    counts = weights.new_zeros((batch, queries, n))
    for t in range(steps):
        state = neurons.step(
            state,
            drive[:, :, t],
            config.dt,
            config.excitatory,
            config.inhibitory,
            config.synapse,
            adapt=False,
            exclusive=config.exclusive_spikes,
        )
        counts += state.spikes_exc
    return counts.permute(1, 0, 2)


def responses(
    config: EnsembleConfig,
    weights: torch.Tensor,
    theta: torch.Tensor,
    pixels: torch.Tensor,
    generator: torch.Generator,
    chunk: int = 256,
) -> torch.Tensor:
    """Responses in the configured :class:`InferenceMode`, in chunks of queries.

    Returns:
        ``(queries, batch, n)`` spike counts.
    """
    size = chunk if config.inference is InferenceMode.RATE else max(1, chunk // 16)
    parts = []
    for start in range(0, pixels.shape[0], size):
        part = pixels[start : start + size]
        if config.inference is InferenceMode.RATE:
            parts.append(rate_responses(config, weights, theta, part))
        else:
            parts.append(spiking_responses(config, weights, theta, part, generator))
    return torch.cat(parts, dim=0)
