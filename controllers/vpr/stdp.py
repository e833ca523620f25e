"""Trace STDP on the input -> excitatory synapses, and weight normalisation.

The rule of Diehl and Cook (2015), with a presynaptic trace ``x_pre`` and two
postsynaptic traces ``x_post1`` (fast) and ``x_post2`` (slow), each decaying
as ``x <- x * exp(-dt / tau)`` and set to 1 at a spike of its neuron::

    pre spike of input i at t:    w_ij -= nu_pre  * x_post1_j(t)
    post spike of neuron j at t:  w_ij += nu_post * x_pre_i(t) * x_post2_j(t-)

``x_post2_j(t-)`` is the slow trace just before neuron ``j``'s own spike, so
potentiation needs a pre spike shortly before *and* an earlier post spike
(a triplet rule). With ``triplet=False`` the factor ``x_post2`` is dropped
(pair rule: every post spike potentiates by ``nu_post * x_pre``). Weights
stay in ``[0, w_max]``.

Within one image presentation the weights driving the membranes are held
fixed and the changes are summed over the presentation, which turns the
per-step outer products into two batched matrix products::

    dW = nu_post * X_pre^T @ (S_post * X_post2_before) - nu_pre * S_pre^T @ X_post1

with ``X_pre, S_pre`` of shape ``(modules, T, inputs)`` and ``S_post,
X_post1, X_post2_before`` of shape ``(modules, T, n)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class StdpParams:
    """Plasticity constants (ms, dimensionless rates)."""

    tau_pre: float = 20.0
    tau_post1: float = 20.0
    tau_post2: float = 40.0
    nu_pre: float = 1e-4
    nu_post: float = 1e-2
    w_max: float = 1.0
    weight_sum: float = 78.0
    triplet: bool = True


def presynaptic_trace(input_spikes: torch.Tensor, dt: float, tau: float) -> torch.Tensor:
    """Presynaptic traces after each step's spikes.

    ``x(t) = 1`` if input ``i`` spiked at ``t``, else ``x(t - dt) * exp(-dt / tau)``.

    Args:
        input_spikes: ``(modules, T, inputs)`` 0/1 spikes.
        dt: time step (ms).
        tau: trace time constant (ms).

    Returns:
        ``(modules, T, inputs)`` traces.
    """
    decay = math.exp(-dt / tau)
    traces = torch.empty_like(input_spikes)
    trace = torch.zeros_like(input_spikes[:, 0])
    for t in range(input_spikes.shape[1]):
        trace = torch.where(input_spikes[:, t] > 0, 1.0, trace * decay)
        traces[:, t] = trace
    return traces


class PostsynapticTraces:
    """Record of the postsynaptic traces a presentation needs for :func:`weight_change`.

    Call :meth:`record` once per step with that step's excitatory spikes
    ``(modules, n)``; the traces decay before and are set to 1 after it.
    """

    def __init__(
        self, modules: int, n: int, steps: int, dt: float, params: StdpParams, like: torch.Tensor
    ) -> None:
        self._decay1 = math.exp(-dt / params.tau_post1)
        self._decay2 = math.exp(-dt / params.tau_post2)
        self._post1 = like.new_zeros((modules, n))
        self._post2 = like.new_zeros((modules, n))
        self.post1 = like.new_zeros((modules, steps, n))
        self.post2_before = like.new_zeros((modules, steps, n))
        self.spikes = like.new_zeros((modules, steps, n))

    def record(self, t: int, spikes: torch.Tensor) -> None:
        """Store step ``t``'s traces and spikes, then update the running traces."""
        self._post1 = self._post1 * self._decay1
        self._post2 = self._post2 * self._decay2
        self.post1[:, t] = self._post1
        self.post2_before[:, t] = self._post2
        self.spikes[:, t] = spikes
        self._post1 = torch.where(spikes > 0, 1.0, self._post1)
        self._post2 = torch.where(spikes > 0, 1.0, self._post2)


def weight_change(
    input_spikes: torch.Tensor,
    pre_trace: torch.Tensor,
    post: PostsynapticTraces,
    params: StdpParams,
) -> torch.Tensor:
    """Summed STDP change over one presentation (see module doc).

    Args:
        input_spikes: ``(modules, T, inputs)`` 0/1.
        pre_trace: ``(modules, T, inputs)`` from :func:`presynaptic_trace`.
        post: recorded postsynaptic traces and spikes, ``(modules, T, n)``.
        params: plasticity constants.

    Returns:
        ``(modules, inputs, n)`` weight change.
    """
    gate = post.spikes * post.post2_before if params.triplet else post.spikes
    potentiation = torch.bmm(pre_trace.transpose(1, 2), gate)
    depression = torch.bmm(input_spikes.transpose(1, 2), post.post1)
    return params.nu_post * potentiation - params.nu_pre * depression


def normalise_columns(weights: torch.Tensor, weight_sum: float) -> torch.Tensor:
    """Scale each neuron's incoming weights to sum to ``weight_sum``.

    Args:
        weights: ``(modules, inputs, n)`` non-negative weights.
        weight_sum: target column sum (78 = 0.1 * 784 in the paper).

    Returns:
        ``(modules, inputs, n)`` weights with ``sum_i w_ij = weight_sum``.
    """
    total = weights.sum(dim=1, keepdim=True).clamp_min(1e-12)
    return weights * (weight_sum / total)
