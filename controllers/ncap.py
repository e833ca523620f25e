"""NCAP: the C. elegans swimmer circuit as a batched torch policy.

Bhattasali, Zador and Engel, "Neural Circuit Architectural Priors for Embodied
Control", NeurIPS 2022. Each body joint ``i`` has a dorsal and a ventral
B-neuron and a dorsal and a ventral muscle. With the graded activation
``sigma(x) = clamp(x, 0, 1)``:

.. math::

    \\hat q_i &= \\mathrm{clip}(q_i / (2\\pi / n_{links}), -1, 1),\\quad
        s^d_i = \\mathrm{clip}(\\hat q_i, 0, 1),\\quad
        s^v_i = \\mathrm{clip}(-\\hat q_i, 0, 1) \\\\
    o^d(t) &= [\\,(t \\bmod T) < T/2\\,],\\quad o^v(t) = 1 - o^d(t) \\\\
    b^{d,v}_0 &= \\sigma(w_{osc}\\, o^{d,v}(t)) \\\\
    b^{d,v}_i &= \\sigma(w_{prop}\\, s^{d,v}_{i-1}) \\qquad i \\ge 1 \\\\
    m^d_i &= \\sigma(w_{ipsi}\\, b^d_i + w_{contra}\\, b^v_i),\\quad
        m^v_i = \\sigma(w_{ipsi}\\, b^v_i + w_{contra}\\, b^d_i) \\\\
    a_i &= m^d_i - m^v_i \\in [-1, 1]

``w_osc``, ``w_prop`` and ``w_ipsi`` are excitatory (>= 0) and ``w_contra``
inhibitory (<= 0). Initialised at +-1, the head torque is a +-1 square wave
of period ``T`` control steps and every further joint copies the normalised
angle of the joint in front of it: a travelling wave from head to tail.

Shapes: joint angles ``(B, n_joints)``, time ``(B,)``, actions
``(B, n_joints)``; the same weights serve any number of joints when shared.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import torch
from torch import nn

from nervecord.controllers.base import Controller


class SignMode(str, enum.Enum):
    """How the excitatory/inhibitory sign of each weight is kept.

    MAGNITUDE: ``w = sign * |theta|``; the sign is fixed and a weight passing
        through zero keeps its gradient (the default).
    CLAMP: ``w = clamp(theta)`` to the allowed half-line, as the original code
        does; a weight clamped at zero gets no gradient again (for reproduction).
    NONE: ``w = theta``, no constraint (the ablation).
    """

    MAGNITUDE = "magnitude"
    CLAMP = "clamp"
    NONE = "none"


def graded(x: torch.Tensor) -> torch.Tensor:
    """The graded neuron's activation, ``clamp(x, 0, 1)``."""
    return x.clamp(0.0, 1.0)


# Connection type -> sign (+1 excitatory, -1 inhibitory).
CONNECTION_SIGNS = {"osc": 1.0, "prop": 1.0, "ipsi": 1.0, "contra": -1.0}


class NCAP(Controller):
    """The swimmer circuit, batched over worlds.

    Args:
        n_joints: body hinges (links - 1). With ``shared=True`` the same
            parameters run any number of joints.
        oscillator_period: head oscillator period T in control steps.
        control_timestep: seconds per control step, to turn time into a step
            count for the oscillator.
        time_unit: seconds per unit of the observation's time feature (the
            swim task reports time in units of 30 s).
        shared: one weight per connection type (4 parameters) instead of one per
            segment and side (6 * n_joints).
        sign_mode: how weight signs are kept (:class:`SignMode`).
        init_magnitude: |w| of every weight at initialisation.
        init: "constant" (every weight at +-init_magnitude, the circuit's
            designed wave) or "random" (raw parameters drawn from
            N(0, init_magnitude^2), the same draw for every sign mode, so that
            sign constraints can be compared away from the designed start).
        seed: seed of the random initialisation.
    """

    kind = "ncap"

    def __init__(
        self,
        n_joints: int,
        oscillator_period: int = 60,
        control_timestep: float = 0.03,
        time_unit: float = 30.0,
        shared: bool = True,
        sign_mode: SignMode | str = SignMode.MAGNITUDE,
        init_magnitude: float = 1.0,
        init: str = "constant",
        seed: int = 0,
    ) -> None:
        super().__init__(n_joints)
        if n_joints < 1:
            raise ValueError(f"n_joints must be >= 1, got {n_joints}")
        if oscillator_period < 2:
            raise ValueError(f"oscillator_period must be >= 2 steps, got {oscillator_period}")
        self.oscillator_period = int(oscillator_period)
        self.control_timestep = float(control_timestep)
        self.time_unit = float(time_unit)
        self.shared = bool(shared)
        self.sign_mode = SignMode(sign_mode)
        self.init_magnitude = float(init_magnitude)
        if init not in ("constant", "random"):
            raise ValueError(f"init must be 'constant' or 'random', got {init!r}")
        self.init = init
        self.seed = int(seed)
        generator = torch.Generator().manual_seed(self.seed)

        # Parameter shapes: shared (1,); unshared per side (2 = dorsal, ventral)
        # and per joint. The oscillator drives only the head; proprioception
        # feeds joints 1..n-1 from the joint in front.
        shapes = {
            "osc": (1,) if shared else (2, 1),
            "prop": (1,) if shared else (2, n_joints - 1),
            "ipsi": (1,) if shared else (2, n_joints),
            "contra": (1,) if shared else (2, n_joints),
        }
        for name, shape in shapes.items():
            if init == "random":
                theta = torch.randn(shape, generator=generator) * self.init_magnitude
            else:
                theta = torch.full(shape, CONNECTION_SIGNS[name] * self.init_magnitude)
                if self.sign_mode is SignMode.MAGNITUDE:
                    theta = theta.abs()
            self.register_parameter(f"theta_{name}", nn.Parameter(theta))

    # -- weights -------------------------------------------------------------

    def weight(self, name: str) -> torch.Tensor:
        """Effective weight of a connection type, sign constraint applied."""
        theta = getattr(self, f"theta_{name}")
        sign = CONNECTION_SIGNS[name]
        if self.sign_mode is SignMode.MAGNITUDE:
            return sign * theta.abs()
        if self.sign_mode is SignMode.CLAMP:
            return theta.clamp(min=0.0) if sign > 0 else theta.clamp(max=0.0)
        return theta

    def _per_side(self, name: str, side: int) -> torch.Tensor:
        w = self.weight(name)
        return w if self.shared else w[side]

    # -- dynamics ------------------------------------------------------------

    def oscillator(self, time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Dorsal and ventral square waves at time ``time`` (s): two (B,) tensors."""
        step = torch.round(time / self.control_timestep)
        phase = torch.remainder(step, self.oscillator_period)
        dorsal = (phase < self.oscillator_period / 2).to(time.dtype)
        return dorsal, 1.0 - dorsal

    def joint_drive(
        self, joint_angles: torch.Tensor, time: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """All neuron activities of the circuit.

        Args:
            joint_angles: (B, n_joints) hinge angles in rad, head first.
            time: (B,) seconds since the episode began.

        Returns:
            Dict of (B, n_joints) tensors: ``b_dorsal``, ``b_ventral``,
            ``m_dorsal``, ``m_ventral`` and ``action``.
        """
        n_links = self.n_joints + 1
        q_hat = (joint_angles / (2.0 * math.pi / n_links)).clamp(-1.0, 1.0)
        s_dorsal = q_hat.clamp(0.0, 1.0)
        s_ventral = (-q_hat).clamp(0.0, 1.0)
        o_dorsal, o_ventral = self.oscillator(time)

        b_dorsal = torch.cat(
            [
                graded(self._per_side("osc", 0) * o_dorsal[:, None]),
                graded(self._per_side("prop", 0) * s_dorsal[:, :-1]),
            ],
            dim=1,
        )
        b_ventral = torch.cat(
            [
                graded(self._per_side("osc", 1) * o_ventral[:, None]),
                graded(self._per_side("prop", 1) * s_ventral[:, :-1]),
            ],
            dim=1,
        )

        m_dorsal = graded(
            self._per_side("ipsi", 0) * b_dorsal + self._per_side("contra", 0) * b_ventral
        )
        m_ventral = graded(
            self._per_side("ipsi", 1) * b_ventral + self._per_side("contra", 1) * b_dorsal
        )
        return {
            "b_dorsal": b_dorsal,
            "b_ventral": b_ventral,
            "m_dorsal": m_dorsal,
            "m_ventral": m_ventral,
            "action": m_dorsal - m_ventral,
        }

    def act(self, joint_angles: torch.Tensor, time: torch.Tensor) -> torch.Tensor:
        """Torque commands (B, n_joints) in [-1, 1] from angles and time."""
        return self.joint_drive(joint_angles, time)["action"]

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        """Actions (B, n_joints) from swimmer observations (B, 4 * n_links).

        Reads only the joint angles (the first n_joints entries) and the time
        feature (the last entry, in units of ``time_unit`` seconds) of the swim
        task's observation.
        """
        observation = self.check_observation(observation)
        seconds = observation[:, -1] * self.time_unit
        return self.act(observation[:, : self.n_joints], seconds)

    def with_joints(self, n_joints: int) -> NCAP:
        """The same circuit on a body with another number of joints.

        Shared weights carry over unchanged; unshared ones cannot, since they
        belong to particular segments.
        """
        if not self.shared:
            raise ValueError(
                "unshared NCAP weights belong to particular segments; use shared=True "
                "to run one circuit on bodies of other lengths"
            )
        other = NCAP(n_joints, **self.config_without_joints())
        other.load_state_dict(self.state_dict())
        return other.to(next(self.parameters()).device)

    def config(self) -> dict[str, Any]:
        return {"n_joints": self.n_joints, **self.config_without_joints()}

    def config_without_joints(self) -> dict[str, Any]:
        return {
            "oscillator_period": self.oscillator_period,
            "control_timestep": self.control_timestep,
            "time_unit": self.time_unit,
            "shared": self.shared,
            "sign_mode": self.sign_mode.value,
            "init_magnitude": self.init_magnitude,
            "init": self.init,
            "seed": self.seed,
        }
