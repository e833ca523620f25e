"""Conductance-based LIF modules with adaptive thresholds and winner-take-all.

One module is the network of Diehl and Cook (2015) as used for place
recognition by Hussaini, Milford and Fischer (ICRA 2023): ``n`` excitatory
neurons driven by 784 Poisson inputs, each paired one-to-one with an
inhibitory neuron that inhibits every *other* excitatory neuron.

All modules (and all members of an ensemble) are simulated together: state
tensors have shape ``(modules, copies, neurons)``, where ``copies`` is the
number of images shown to each module at once (1 while learning).

Membrane update, exact for conductances held constant over a step ``dt``::

    v_inf   = (v_rest + g_e * E_exc + g_i * E_inh) / (1 + g_e + g_i)
    tau_eff = tau_m / (1 + g_e + g_i)
    v(t+dt) = v_inf + (v(t) - v_inf) * exp(-dt / tau_eff)

which is the solution of ``tau_m dv/dt = (v_rest - v) + g_e (E_exc - v) +
g_i (E_inh - v)``. A neuron spikes when ``v > v_thresh + theta + theta_offset``
(excitatory) or ``v > v_thresh`` (inhibitory), is reset to ``v_reset`` and
held there for the refractory period. Conductances jump by the synaptic
weight at each presynaptic spike and decay as ``g <- g * exp(-dt / tau_syn)``.
The adaptive threshold grows by ``theta_plus`` at each spike of a learning
module and decays with ``tau_theta``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch


@dataclass(frozen=True)
class ExcitatoryParams:
    """Excitatory neuron constants (mV, ms)."""

    v_rest: float = -65.0
    v_reset: float = -65.0
    v_thresh: float = -52.0
    theta_offset: float = -20.0
    theta_init: float = 20.0
    theta_plus: float = 0.05
    tau_theta: float = 1e7
    refractory: float = 5.0
    tau_m: float = 100.0
    e_exc: float = 0.0
    e_inh: float = -100.0


@dataclass(frozen=True)
class InhibitoryParams:
    """Inhibitory neuron constants (mV, ms)."""

    v_rest: float = -60.0
    v_reset: float = -45.0
    v_thresh: float = -40.0
    refractory: float = 2.0
    tau_m: float = 10.0
    e_exc: float = 0.0
    e_inh: float = -85.0


@dataclass(frozen=True)
class SynapseParams:
    """Synaptic time constants (ms) and fixed weights of the inhibitory loop."""

    tau_ge: float = 1.0
    tau_gi: float = 0.5
    w_exc_inh: float = 10.4
    w_inh_exc: float = 17.0


class ModuleState(NamedTuple):
    """State of all modules at one step; every field is ``(modules, copies, n)``.

    Attributes:
        v_exc: excitatory membrane potential (mV).
        v_inh: inhibitory membrane potential (mV).
        ge_exc: excitatory conductance onto excitatory neurons (units of leak).
        gi_exc: inhibitory conductance onto excitatory neurons.
        ge_inh: excitatory conductance onto inhibitory neurons.
        refractory_exc: remaining refractory steps of excitatory neurons.
        refractory_inh: remaining refractory steps of inhibitory neurons.
        spikes_exc: excitatory spikes of the last step (0/1).
        spikes_inh: inhibitory spikes of the last step (0/1).
        theta: adaptive threshold (mV), ``(modules, 1, n)``: shared by copies.
    """

    v_exc: torch.Tensor
    v_inh: torch.Tensor
    ge_exc: torch.Tensor
    gi_exc: torch.Tensor
    ge_inh: torch.Tensor
    refractory_exc: torch.Tensor
    refractory_inh: torch.Tensor
    spikes_exc: torch.Tensor
    spikes_inh: torch.Tensor
    theta: torch.Tensor


def rest_state(
    theta: torch.Tensor,
    copies: int,
    exc: ExcitatoryParams,
    inh: InhibitoryParams,
) -> ModuleState:
    """All neurons at rest, no conductance, no spikes.

    Args:
        theta: ``(modules, n)`` adaptive thresholds (mV).
        copies: images shown to each module at once.
        exc: excitatory constants.
        inh: inhibitory constants.

    Returns:
        the state with fields of shape ``(modules, copies, n)``.
    """
    modules, n = theta.shape
    zeros = theta.new_zeros((modules, copies, n))
    return ModuleState(
        v_exc=torch.full_like(zeros, exc.v_rest),
        v_inh=torch.full_like(zeros, inh.v_rest),
        ge_exc=zeros,
        gi_exc=zeros.clone(),
        ge_inh=zeros.clone(),
        refractory_exc=zeros.clone(),
        refractory_inh=zeros.clone(),
        spikes_exc=zeros.clone(),
        spikes_inh=zeros.clone(),
        theta=theta[:, None, :].clone(),
    )


def _integrate(
    v: torch.Tensor,
    ge: torch.Tensor,
    gi: torch.Tensor,
    v_rest: float,
    e_exc: float,
    e_inh: float,
    tau_m: float,
    dt: float,
) -> torch.Tensor:
    """Exact step of the conductance LIF for constant ``ge``, ``gi`` (see module doc)."""
    g_total = 1.0 + ge + gi
    v_inf = (v_rest + ge * e_exc + gi * e_inh) / g_total
    return v_inf + (v - v_inf) * torch.exp(-dt * g_total / tau_m)


def step(
    state: ModuleState,
    input_conductance: torch.Tensor,
    dt: float,
    exc: ExcitatoryParams,
    inh: InhibitoryParams,
    syn: SynapseParams,
    adapt: bool,
    exclusive: bool = False,
) -> ModuleState:
    """Advance every module by one time step.

    Order within the step: spikes of the previous step arrive (input
    conductance, excitatory -> own inhibitory, inhibitory -> all other
    excitatory), membranes integrate, threshold crossings spike and reset,
    thresholds adapt, conductances decay.

    Args:
        state: current :class:`ModuleState`.
        input_conductance: ``(modules, copies, n)`` summed weights of the input
            spikes arriving this step, ``sum_i s_i(t) w_ij``.
        dt: time step (ms).
        exc: excitatory constants.
        inh: inhibitory constants.
        syn: synapse constants.
        adapt: whether thresholds grow with spikes (learning).
        exclusive: of the excitatory neurons of a module copy that cross
            threshold in the same step, only the one with the largest
            overshoot ``v - v_th`` spikes; the others keep their potential.

    Returns:
        the next :class:`ModuleState`.
    """
    # Synaptic input: winner-take-all inhibition from all *other* inhibitory cells.
    inhibition = state.spikes_inh.sum(dim=-1, keepdim=True) - state.spikes_inh
    ge_exc = state.ge_exc + input_conductance
    gi_exc = state.gi_exc + syn.w_inh_exc * inhibition
    ge_inh = state.ge_inh + syn.w_exc_inh * state.spikes_exc

    # Membranes integrate unless refractory.
    free_exc = state.refractory_exc <= 0
    free_inh = state.refractory_inh <= 0
    v_exc = _integrate(
        state.v_exc, ge_exc, gi_exc, exc.v_rest, exc.e_exc, exc.e_inh, exc.tau_m, dt
    )
    v_exc = torch.where(free_exc, v_exc, state.v_exc)
    v_inh = _integrate(
        state.v_inh,
        ge_inh,
        torch.zeros_like(ge_inh),
        inh.v_rest,
        inh.e_exc,
        inh.e_inh,
        inh.tau_m,
        dt,
    )
    v_inh = torch.where(free_inh, v_inh, state.v_inh)

    # Threshold crossings spike, reset and start their refractory period.
    threshold_exc = exc.v_thresh + state.theta + exc.theta_offset
    crossing = (v_exc > threshold_exc) & free_exc
    if exclusive:
        overshoot = torch.where(crossing, v_exc - threshold_exc, -torch.inf)
        winner = overshoot.argmax(dim=-1, keepdim=True)
        first = torch.zeros_like(crossing).scatter_(-1, winner, True)
        crossing = crossing & first
    spikes_exc = crossing.to(v_exc.dtype)
    spikes_inh = ((v_inh > inh.v_thresh) & free_inh).to(v_inh.dtype)
    v_exc = torch.where(spikes_exc > 0, exc.v_reset, v_exc)
    v_inh = torch.where(spikes_inh > 0, inh.v_reset, v_inh)
    refractory_exc = torch.where(spikes_exc > 0, exc.refractory / dt, state.refractory_exc - 1.0)
    refractory_inh = torch.where(spikes_inh > 0, inh.refractory / dt, state.refractory_inh - 1.0)

    # Adaptive threshold (shared by all copies of a module).
    theta = state.theta
    if adapt:
        theta = theta * math.exp(-dt / exc.tau_theta)
        theta = theta + exc.theta_plus * spikes_exc.sum(dim=1, keepdim=True)

    # Conductances decay.
    decay_e = math.exp(-dt / syn.tau_ge)
    decay_i = math.exp(-dt / syn.tau_gi)
    return ModuleState(
        v_exc=v_exc,
        v_inh=v_inh,
        ge_exc=ge_exc * decay_e,
        gi_exc=gi_exc * decay_i,
        ge_inh=ge_inh * decay_e,
        refractory_exc=refractory_exc,
        refractory_inh=refractory_inh,
        spikes_exc=spikes_exc,
        spikes_inh=spikes_inh,
        theta=theta,
    )


def expected_input_conductance(
    input_drive: torch.Tensor, dt: float, syn: SynapseParams
) -> torch.Tensor:
    """Mean excitatory conductance under Poisson input, noise-free.

    With ``p_i`` the spike probability per step and exact decay
    ``d = exp(-dt / tau_ge)``, the stationary mean of ``g <- d (g + sum_i s_i w_i)``
    seen by the membrane is ``sum_i p_i w_i / (1 - d)``.

    Args:
        input_drive: ``(..., n)`` expected input per step, ``sum_i p_i w_ij``.
        dt: time step (ms).
        syn: synapse constants.

    Returns:
        ``(..., n)`` mean conductance.
    """
    return input_drive / (1.0 - math.exp(-dt / syn.tau_ge))


def expected_spike_count(
    conductance: torch.Tensor,
    theta: torch.Tensor,
    duration: float,
    exc: ExcitatoryParams,
) -> torch.Tensor:
    """Spikes of an isolated excitatory neuron under constant conductance.

    For ``v_inf > v_th`` the neuron charges from ``v_reset`` to ``v_th`` in
    ``tau_eff * ln((v_inf - v_reset) / (v_inf - v_th))`` and then waits the
    refractory period, so ``count = duration / (t_ref + t_charge)``; otherwise
    it never fires. Lateral inhibition is left out: this is the noise-free
    (expected-rate) response used for fast inference.

    Args:
        conductance: ``(..., n)`` excitatory conductance ``g_e``.
        theta: ``(n,)`` or broadcastable adaptive thresholds (mV).
        duration: presentation time (ms).
        exc: excitatory constants.

    Returns:
        ``(..., n)`` expected spike counts, ``>= 0``.
    """
    g_total = 1.0 + conductance
    v_inf = (exc.v_rest + conductance * exc.e_exc) / g_total
    v_th = exc.v_thresh + exc.theta_offset + theta
    above = v_inf > v_th + 1e-6
    ratio = (v_inf - exc.v_reset) / torch.where(above, v_inf - v_th, 1.0)
    t_charge = exc.tau_m / g_total * torch.log(ratio.clamp_min(1.0))
    rate = 1.0 / (exc.refractory + t_charge)
    return torch.where(above, rate * duration, torch.zeros_like(rate))
