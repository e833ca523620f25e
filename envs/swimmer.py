"""The swimmer "swim" task: physics quantities, task rules and a gymnasium env.

Three layers, as in the DeepMind Control Suite: functions that read quantities
off the simulator state (``joint_angles``, ``body_velocities``,
``forward_speed``), a :class:`SwimTask` that turns them into observations,
rewards and initial states, and :class:`SwimmerEnv`, the single-world gymnasium
environment. The batched simulator (:mod:`nervecord.envs.batched`) reuses the
same two lower layers, so both see identical observations and rewards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from nervecord.envs import swimmer_model as sm

# ----------------------------------------------------------------------------
# Physics layer: quantities read from batched simulator arrays, (..., dim).


def joint_angles(qpos: np.ndarray) -> np.ndarray:
    """Body hinge angles (rad), head joint first: (..., n_links - 1)."""
    return qpos[..., sm.N_ROOT_DOFS :]


def body_velocities(sensordata: np.ndarray, n_links: int) -> np.ndarray:
    """Each link's local (vx, vy, wz), head first: (..., 3 * n_links)."""
    return sensordata[..., sm.body_velocity_indices(n_links)]


def forward_speed(sensordata: np.ndarray) -> np.ndarray:
    """Head speed along its nose direction (m/s): (...,).

    The nose points along the head's local -y axis, so forward speed is minus
    the y component of the head velocimeter.
    """
    return -sensordata[..., sm.HEAD_VELOCITY_Y]


# ----------------------------------------------------------------------------
# Task layer.

TIME_UNIT = 30.0  # s; the observed time is elapsed seconds / TIME_UNIT


def linear_tolerance(x: np.ndarray, lower: float, margin: float) -> np.ndarray:
    """1 for ``x >= lower``, falling linearly to 0 at ``lower - margin``.

    This is the control suite's ``tolerance(x, bounds=(lower, inf), margin,
    sigmoid='linear', value_at_margin=0)``.
    """
    return np.clip(1.0 - (lower - x) / margin, 0.0, 1.0)


@dataclass(frozen=True)
class ObservationLayout:
    """Where each quantity lies in a flat swimmer observation.

    Attributes:
        n_links: links of the body.
        joints: slice of the joint angles (rad), n_links - 1 values.
        body_velocities: slice of the local link velocities, 3 * n_links values.
        time: index of the time feature: time since the episode began in units
            of TIME_UNIT (30 s), so 0 to 1 over a default episode.
    """

    n_links: int

    @property
    def n_joints(self) -> int:
        return self.n_links - 1

    @property
    def joints(self) -> slice:
        return slice(0, self.n_joints)

    @property
    def body_velocities(self) -> slice:
        return slice(self.n_joints, self.n_joints + 3 * self.n_links)

    @property
    def time(self) -> int:
        return self.n_joints + 3 * self.n_links

    @property
    def dim(self) -> int:
        return self.time + 1


@dataclass(frozen=True)
class SwimTask:
    """Swim forward as fast as 0.1 m/s, for a fixed number of control steps.

    Attributes:
        n_links: links of the body, 3 to 20.
        desired_speed: forward speed (m/s) that earns the full reward of 1.
        episode_steps: control steps per episode (1000 = 30 s).
        control_timestep: seconds per control step; a multiple of 2 ms.
    """

    n_links: int = 6
    desired_speed: float = 0.1
    episode_steps: int = 1000
    control_timestep: float = sm.CONTROL_TIMESTEP

    def __post_init__(self) -> None:
        sm.check_n_links(self.n_links)
        if not self.desired_speed > 0:
            raise ValueError(f"desired_speed must be positive, got {self.desired_speed}")
        if self.episode_steps < 1:
            raise ValueError(f"episode_steps must be >= 1, got {self.episode_steps}")
        ratio = self.control_timestep / sm.PHYSICS_TIMESTEP
        if ratio < 1 or abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(
                f"control_timestep must be a multiple of {sm.PHYSICS_TIMESTEP} s, "
                f"got {self.control_timestep}"
            )

    @property
    def n_substeps(self) -> int:
        """Physics steps per control step."""
        return round(self.control_timestep / sm.PHYSICS_TIMESTEP)

    @property
    def layout(self) -> ObservationLayout:
        return ObservationLayout(self.n_links)

    def observation(
        self, qpos: np.ndarray, sensordata: np.ndarray, episode_step: np.ndarray
    ) -> np.ndarray:
        """Joint angles, body velocities and time: (..., layout.dim) float32.

        Time is in units of ``TIME_UNIT`` (30 s): a feature between 0 and 1 over
        a default episode. In raw seconds (up to 30) it saturates the tanh units
        of a freshly initialised MLP; measured with PPO, the MLP baseline then
        reached 508 instead of 817 after 65k env steps.
        """
        seconds = np.asarray(episode_step, dtype=np.float64)[..., None] * self.control_timestep
        time = seconds / TIME_UNIT
        parts = (joint_angles(qpos), body_velocities(sensordata, self.n_links), time)
        return np.concatenate(parts, axis=-1).astype(np.float32)

    def reward(self, sensordata: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-step reward in [0, 1] and the forward speed it was computed from."""
        speed = forward_speed(sensordata)
        return linear_tolerance(speed, self.desired_speed, self.desired_speed), speed

    def initial_qpos(self, rng: np.random.Generator, model: mujoco.MjModel) -> np.ndarray:
        """A random initial pose: heading uniform in [-pi, pi), joints uniform in range.

        The head starts at the origin; velocities start at zero.
        """
        qpos = model.qpos0.copy()
        qpos[2] = rng.uniform(-math.pi, math.pi)
        limit = sm.joint_limit(self.n_links)
        qpos[sm.N_ROOT_DOFS :] = rng.uniform(-limit, limit, size=self.n_links - 1)
        return qpos


# ----------------------------------------------------------------------------
# Single-world gymnasium environment.


class SwimmerEnv(gym.Env):
    """A planar swimmer of ``n_links`` links swimming forward in a viscous fluid.

    Registered as ``nervecord/Swimmer-v0`` with ``n_links`` a keyword
    (``gymnasium.make("nervecord/Swimmer-v0", n_links=8)``); the registration
    adds the 1000-step time limit.

    Action space: ``Box(-1, 1, (n_links - 1,), float32)``, one motor per hinge,
    head first; the motor torque is ``5e-4 * action`` N m. Values outside
    [-1, 1] are clipped.

    Observation space: ``Box(-inf, inf, (4 * n_links,), float32)``:

    ========================  =================  ===========================
    entries                   quantity           unit
    ========================  =================  ===========================
    0 .. n-2                  hinge angles       rad, head joint first
    n-1 .. 4n-2               (vx, vy, wz) per   m/s, m/s, rad/s, in each
                              link, head first   link's own frame
    4n-1                      time in episode    units of 30 s (0.001 per
                                                 step; 1 at the end)
    ========================  =================  ===========================

    Reward: ``r = clip(v / 0.1, 0, 1)`` with ``v`` the head's forward speed
    (m/s), the control suite's linear tolerance with bounds (0.1, inf) and
    margin 0.1. An episode of 1000 steps returns between 0 and 1000. ``info``
    holds ``reward_forward`` (the only reward term) and ``forward_speed``.

    Starting state: heading uniform in [-pi, pi), each hinge uniform within
    its range +-360/n_links degrees, all velocities zero.

    Episode end: never terminates; truncated after 1000 steps (30 s).

    Version history:
        v0: the control suite's swimmer physics (2 ms Euler steps, 15 per
            control step), the NCAP "swim" reward, time as an observation.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": round(1 / sm.CONTROL_TIMESTEP)}

    def __init__(
        self,
        n_links: int = 6,
        desired_speed: float = 0.1,
        control_timestep: float = sm.CONTROL_TIMESTEP,
        render_mode: str | None = None,
        width: int = 480,
        height: int = 360,
        camera: str = "tracking1",
    ) -> None:
        self.task = SwimTask(
            n_links=n_links, desired_speed=desired_speed, control_timestep=control_timestep
        )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.model = sm.build_model(n_links)
        self.data = mujoco.MjData(self.model)
        n_joints = n_links - 1
        self.action_space = spaces.Box(-1.0, 1.0, (n_joints,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (self.task.layout.dim,), np.float32)
        self._episode_step = 0
        self._width, self._height, self._camera = width, height, camera
        self._renderer: mujoco.Renderer | None = None

    @property
    def n_links(self) -> int:
        return self.task.n_links

    def _observation(self) -> np.ndarray:
        return self.task.observation(self.data.qpos, self.data.sensordata, self._episode_step)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[:] = self.task.initial_qpos(self.np_random, self.model)
        mujoco.mj_forward(self.model, self.data)
        self._episode_step = 0
        return self._observation(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        action = np.asarray(action, dtype=np.float64)
        if action.shape != self.action_space.shape:
            raise ValueError(
                f"action must have shape {self.action_space.shape}, got {action.shape}"
            )
        if not np.all(np.isfinite(action)):
            bad = np.flatnonzero(~np.isfinite(action)).tolist()
            raise ValueError(f"action has non-finite values at joints {bad}: {action}")
        self.data.ctrl[:] = np.clip(action, -1.0, 1.0)
        mujoco.mj_step(self.model, self.data, nstep=self.task.n_substeps)
        # Bring sensors (velocimeters) up to date with the new state.
        mujoco.mj_forward(self.model, self.data)
        self._episode_step += 1
        reward, speed = self.task.reward(self.data.sensordata)
        info = {"reward_forward": float(reward), "forward_speed": float(speed)}
        return self._observation(), float(reward), False, False, info

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self._height, self._width)
        self._renderer.update_scene(self.data, camera=self._camera)
        return self._renderer.render()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
