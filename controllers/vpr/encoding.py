"""Poisson rate coding of preprocessed images into input spike trains."""

from __future__ import annotations

import torch


def poisson_rates(pixels: torch.Tensor, rate_divisor: float = 4.0) -> torch.Tensor:
    """Firing rate of each input neuron, in Hz: ``rate = pixel / rate_divisor``.

    With pixels in ``[0, 255]`` and the paper's divisor 4 the highest rate is
    63.75 Hz.

    Args:
        pixels: ``(..., inputs)`` intensities in ``[0, 255]``.
        rate_divisor: pixel value per Hz.

    Returns:
        ``(..., inputs)`` rates in Hz.
    """
    return pixels / rate_divisor


def spike_probability(rates_hz: torch.Tensor, dt_ms: float) -> torch.Tensor:
    """Probability of an input spike within one step of ``dt_ms``: ``p = rate * dt``.

    Clipped to 1; exact for a Bernoulli approximation of a Poisson process.
    """
    return (rates_hz * (dt_ms * 1e-3)).clamp(0.0, 1.0)


def poisson_spikes(
    probability: torch.Tensor, steps: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Draw Bernoulli spike trains.

    ``s[b, t, i] = 1`` with probability ``p[b, i]``, independently per step.

    Args:
        probability: ``(batch, inputs)`` spike probability per step.
        steps: number of time steps ``T``.
        generator: torch generator on the same device (for reproducibility).

    Returns:
        ``(batch, T, inputs)`` float tensor of 0/1 spikes.
    """
    batch, inputs = probability.shape
    noise = torch.rand(
        (batch, steps, inputs),
        generator=generator,
        device=probability.device,
        dtype=probability.dtype,
    )
    return (noise < probability[:, None, :]).to(probability.dtype)


def regular_spikes(probability: torch.Tensor, steps: int) -> torch.Tensor:
    """Deterministic rate code: evenly spaced spikes at the same mean rate.

    Input ``i`` spikes at step ``t`` when a phase accumulator started at one half
    crosses an integer::

        s[b, t, i] = floor((t + 1) * p[b, i] + 1/2) - floor(t * p[b, i] + 1/2)

    so a presentation of ``T`` steps carries ``round(T * p)`` spikes.

    Args:
        probability: ``(batch, inputs)`` spikes per step, in ``[0, 1]``.
        steps: number of time steps ``T``.

    Returns:
        ``(batch, T, inputs)`` float tensor of 0/1 spikes.
    """
    t = torch.arange(steps + 1, device=probability.device, dtype=probability.dtype)
    phase = torch.floor(t[None, :, None] * probability[:, None, :] + 0.5)
    return phase[:, 1:] - phase[:, :-1]
