"""The NCAP controller's logic on a robot, free of ROS so it can be tested alone.

:class:`NCAPDriver` turns joint-state readings into torque commands with the
NCAP circuit. It guards the motors: a reading with NaN or infinite positions,
missing joints or the wrong number of values is rejected with a reason, and
while no valid reading is newer than ``stale_timeout`` the command is the safe
output, zero torque on every joint. The oscillator's clock starts at the first
valid reading, so the circuit starts its wave when the robot reports in.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from nervecord.checkpoints import load_checkpoint
from nervecord.controllers import NCAP


class CommandStatus(str, enum.Enum):
    """Why a command has the value it has."""

    ACTIVE = "active"  # computed by the circuit from a fresh reading
    WAITING = "waiting"  # no valid reading yet: zero torque
    STALE = "stale"  # last valid reading too old: zero torque


@dataclass
class JointReading:
    """A validated joint-state reading: angles (rad) in the body's joint order."""

    angles: np.ndarray
    stamp: float  # s, on the driver's clock


class NCAPDriver:
    """Joint states in, NCAP torque commands out, with input checks and a safe output.

    Args:
        n_links: links of the body (joints = n_links - 1).
        joint_names: names of the body's joints, head first; readings are
            matched by name (when they carry names) or by position.
        checkpoint: a nervecord checkpoint of a shared-weight NCAP, or None for
            the untrained circuit. Trained weights run on any body length.
        oscillator_period: head oscillator period in control steps.
        control_timestep: seconds per control step.
        stale_timeout: seconds after which a reading no longer counts.
    """

    def __init__(
        self,
        n_links: int = 6,
        joint_names: Sequence[str] | None = None,
        checkpoint: str | None = None,
        oscillator_period: int = 60,
        control_timestep: float = 0.03,
        stale_timeout: float = 0.5,
    ) -> None:
        n_joints = n_links - 1
        if n_joints < 1:
            raise ValueError(f"n_links must be >= 2, got {n_links}")
        self.joint_names = list(joint_names or [f"joint_{k}" for k in range(n_joints)])
        if len(self.joint_names) != n_joints:
            raise ValueError(
                f"joint_names lists {len(self.joint_names)} joints, the body has {n_joints}"
            )
        if stale_timeout <= 0:
            raise ValueError(f"stale_timeout must be positive, got {stale_timeout}")
        if checkpoint:
            trained = load_checkpoint(checkpoint, expected_kind="ncap").controller
            self.ncap = trained if trained.n_joints == n_joints else trained.with_joints(n_joints)
        else:
            self.ncap = NCAP(
                n_joints, oscillator_period=oscillator_period, control_timestep=control_timestep
            )
        self.ncap.eval()
        self.stale_timeout = stale_timeout
        self.latest: JointReading | None = None
        self.start_time: float | None = None

    @property
    def n_joints(self) -> int:
        return len(self.joint_names)

    def check_reading(self, names: Sequence[str], positions: Sequence[float]) -> np.ndarray:
        """Joint angles in body order from a reading, or ValueError saying what is wrong."""
        positions = np.asarray(positions, dtype=np.float64)
        if names:
            if len(names) != len(positions):
                raise ValueError(f"{len(names)} joint names but {len(positions)} positions")
            index = {name: k for k, name in enumerate(names)}
            missing = [n for n in self.joint_names if n not in index]
            if missing:
                raise ValueError(f"joint state lacks joints {missing}")
            angles = positions[[index[n] for n in self.joint_names]]
        else:
            if positions.shape != (self.n_joints,):
                raise ValueError(
                    f"expected {self.n_joints} unnamed positions, got {positions.shape[0]}"
                )
            angles = positions
        bad = [self.joint_names[k] for k in np.flatnonzero(~np.isfinite(angles))]
        if bad:
            raise ValueError(f"non-finite positions for joints {bad}")
        return angles

    def update(self, names: Sequence[str], positions: Sequence[float], now: float) -> None:
        """Take a joint-state reading received at ``now`` (s); raises ValueError if bad.

        A bad reading changes nothing: the last valid one stays (and goes stale).
        """
        angles = self.check_reading(names, positions)
        self.latest = JointReading(angles=angles, stamp=now)
        if self.start_time is None:
            self.start_time = now

    @torch.no_grad()
    def command(self, now: float) -> tuple[np.ndarray, CommandStatus]:
        """Torques in [-1, 1] for every joint at time ``now`` and why."""
        if self.latest is None or self.start_time is None:
            return np.zeros(self.n_joints), CommandStatus.WAITING
        if now - self.latest.stamp > self.stale_timeout or not math.isfinite(now):
            return np.zeros(self.n_joints), CommandStatus.STALE
        angles = torch.as_tensor(self.latest.angles, dtype=torch.float32)[None]
        elapsed = torch.tensor([now - self.start_time], dtype=torch.float32)
        torques = self.ncap.act(angles, elapsed)[0].numpy().astype(np.float64)
        return torques, CommandStatus.ACTIVE
