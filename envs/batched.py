"""Many swimmer worlds stepped together, with torch tensors in and out.

:class:`BatchedSwimmer` runs B copies of one swimmer body and the swim task as a
single simulator: actions ``(B, n_joints)`` go in, observations
``(B, obs_dim)``, rewards ``(B,)`` and done flags ``(B,)`` come out, all on the
policy's device. Physics runs in a :class:`PhysicsBackend`; the CPU backend is
MuJoCo's ``mujoco.batch``, which steps the worlds in C threads. A GPU backend
(MJX or mujoco-warp) implements the same four members: handing back host
arrays it slots in as it is, and keeping the state on the device as well asks
for the task's observation and reward in torch (they are a few lines each).

Reset semantics:
    * ``reset(seed)`` starts every world afresh. World ``i`` draws its initial
      pose from its own generator, seeded from ``SeedSequence(seed).spawn(B)[i]``,
      so a world's trajectory does not depend on how many worlds run beside it
      (``first_world`` shifts the index for simulators that hold a slice).
    * Without a seed, each world continues its own random stream.
    * ``reset(ids=...)`` restarts only those worlds.
    * Episodes end by truncation after ``episode_steps`` control steps; the task
      never terminates. With ``autoreset=True`` (the default) a finished world
      is reset in the same call: the returned observation is its new first
      observation and ``info["final_observation"]`` holds the last one of the
      finished episode (rows valid where ``truncated`` is set).

Actions outside [-1, 1] are clipped (the motors' control range); NaN or
infinite actions and wrong shapes raise ``ValueError`` naming the world.
"""

from __future__ import annotations

import abc
import os
from typing import Any, NamedTuple

import mujoco
import mujoco.batch
import numpy as np
import torch

from nervecord.envs import swimmer_model as sm
from nervecord.envs.swimmer import SwimTask

WORLDS_PER_THREAD = 32


class PhysicsBackend(abc.ABC):
    """The simulator under a batched environment: B worlds of one model.

    Arrays are NumPy, (B, ...), in the backend's own memory; a GPU backend
    may instead return device arrays convertible with ``torch.as_tensor``.
    """

    model: mujoco.MjModel
    num_worlds: int

    @abc.abstractmethod
    def set_state(self, ids: np.ndarray, qpos: np.ndarray) -> None:
        """Set worlds ``ids`` to positions ``qpos`` (len(ids), nq), zero velocity."""

    @abc.abstractmethod
    def step(self, ctrl: np.ndarray, nstep: int) -> None:
        """Hold ``ctrl`` (B, nu) for ``nstep`` physics steps; sensors current after."""

    @property
    @abc.abstractmethod
    def qpos(self) -> np.ndarray:
        """Generalised positions, (B, nq)."""

    @property
    @abc.abstractmethod
    def sensordata(self) -> np.ndarray:
        """Sensor readings at the current state, (B, nsensordata)."""


class MujocoBatchBackend(PhysicsBackend):
    """CPU backend: ``mujoco.batch.Batch`` stepping worlds on C threads.

    Args:
        model: the compiled model, shared by all worlds.
        num_worlds: B.
        nthread: worker threads; default one per WORLDS_PER_THREAD worlds, at
            most one per core.
    """

    def __init__(self, model: mujoco.MjModel, num_worlds: int, nthread: int | None = None):
        self.model = model
        self.num_worlds = num_worlds
        if nthread is None:
            # A thread needs a few dozen worlds to outweigh its hand-off cost.
            nthread = max(1, min(os.cpu_count() or 1, num_worlds // WORLDS_PER_THREAD))
        self._batch = mujoco.batch.Batch(
            model, nsim=num_worlds, nthread=min(nthread, num_worlds), persistent=True
        )
        self._qpos = self._batch.bind("qpos")
        self._qvel = self._batch.bind("qvel")
        self._ctrl = self._batch.bind("ctrl")
        self._time = self._batch.bind("time")
        self._sensordata = self._batch.bind("sensordata")

    def set_state(self, ids: np.ndarray, qpos: np.ndarray) -> None:
        self._batch.reset(ids, stage=mujoco.mjtStage.mjSTAGE_NONE.value)
        self._qpos[ids] = qpos
        self._qvel[ids] = 0.0
        self._time[ids] = 0.0
        self._batch.forward(ids)

    def step(self, ctrl: np.ndarray, nstep: int) -> None:
        self._ctrl[:] = ctrl
        self._batch.step(nstep=nstep, stage=mujoco.mjtStage.mjSTAGE_VEL.value)

    @property
    def qpos(self) -> np.ndarray:
        return self._qpos

    @property
    def sensordata(self) -> np.ndarray:
        return self._sensordata


BACKENDS = {"mujoco-batch": MujocoBatchBackend}


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class BatchStep(NamedTuple):
    """What one batched step returns; unpacks like gymnasium's step."""

    observation: torch.Tensor  # (B, obs_dim) float32
    reward: torch.Tensor  # (B,) float32
    terminated: torch.Tensor  # (B,) bool
    truncated: torch.Tensor  # (B,) bool
    info: dict[str, torch.Tensor]


class BatchedSwimmer:
    """B swimmer worlds of the swim task as one tensor-in, tensor-out simulator.

    Args:
        n_links: links of every swimmer (3 to 20).
        num_worlds: B, the number of worlds.
        seed: seed of the worlds' generators; see the module docstring.
        device: torch device of the tensors returned; default CUDA if present.
        nthread: physics threads (CPU backend); default by batch size.
        autoreset: reset finished worlds within ``step``.
        backend: name of the physics backend (``"mujoco-batch"``).
        first_world: index of this simulator's first world in a larger set of
            worlds split across processes; world ``i`` here draws from the
            generator of world ``first_world + i`` of that set, so a split
            evaluation reproduces the unsplit one.
        **task_kwargs: forwarded to :class:`SwimTask` (desired_speed,
            episode_steps, control_timestep).
    """

    def __init__(
        self,
        n_links: int = 6,
        num_worlds: int = 64,
        *,
        seed: int | None = None,
        device: str | torch.device | None = None,
        nthread: int | None = None,
        autoreset: bool = True,
        backend: str = "mujoco-batch",
        first_world: int = 0,
        **task_kwargs: Any,
    ) -> None:
        if int(num_worlds) < 1:
            raise ValueError(f"num_worlds must be >= 1, got {num_worlds}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
        self.task = SwimTask(n_links=n_links, **task_kwargs)
        self.num_worlds = int(num_worlds)
        self.device = torch.device(device) if device is not None else default_device()
        self.autoreset = autoreset
        self.first_world = int(first_world)
        self.model = sm.build_model(n_links)
        self.physics: PhysicsBackend = BACKENDS[backend](self.model, self.num_worlds, nthread)
        self._episode_step = np.zeros(self.num_worlds, dtype=np.int64)
        self._rngs = self._spawn_generators(seed)
        self._needs_reset = True

    # -- sizes ---------------------------------------------------------------

    @property
    def n_links(self) -> int:
        return self.task.n_links

    @property
    def n_joints(self) -> int:
        return self.task.n_links - 1

    @property
    def observation_dim(self) -> int:
        return self.task.layout.dim

    # -- episode control -----------------------------------------------------

    def _spawn_generators(self, seed: int | None) -> list[np.random.Generator]:
        # Child k of SeedSequence(seed).spawn(...) is SeedSequence(seed, spawn_key=(k,)).
        root = np.random.SeedSequence(seed)
        return [
            np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(self.first_world + i,))
            )
            for i in range(self.num_worlds)
        ]

    def _observation(self) -> np.ndarray:
        return self.task.observation(
            self.physics.qpos, self.physics.sensordata, self._episode_step
        )

    def _reset_worlds(self, ids: np.ndarray) -> None:
        qpos = np.stack([self.task.initial_qpos(self._rngs[i], self.model) for i in ids])
        self.physics.set_state(ids, qpos)
        self._episode_step[ids] = 0

    def reset(
        self, seed: int | None = None, ids: np.ndarray | list[int] | None = None
    ) -> torch.Tensor:
        """Start new episodes; returns observations of all worlds, (B, obs_dim).

        Args:
            seed: reseed every world's generator first (see module docstring).
            ids: worlds to reset; default all.
        """
        if seed is not None:
            self._rngs = self._spawn_generators(seed)
        if ids is None:
            ids = np.arange(self.num_worlds)
        else:
            ids = np.asarray(ids, dtype=np.int64).reshape(-1)
            if ids.size and (ids.min() < 0 or ids.max() >= self.num_worlds):
                raise ValueError(f"world ids must lie in [0, {self.num_worlds}), got {ids}")
        if ids.size:
            self._reset_worlds(ids)
        self._needs_reset = False
        return self._to_torch(self._observation())

    def _to_torch(self, array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(array).to(self.device, non_blocking=True)

    def _check_action(self, action: torch.Tensor | np.ndarray) -> np.ndarray:
        if isinstance(action, torch.Tensor):
            action = action.detach().to("cpu", torch.float64).numpy()
        action = np.asarray(action, dtype=np.float64)
        expected = (self.num_worlds, self.n_joints)
        if action.shape != expected:
            raise ValueError(
                f"actions must have shape (num_worlds, n_joints) = {expected}, got {action.shape}"
            )
        finite = np.isfinite(action)
        if not finite.all():
            worlds = np.flatnonzero(~finite.all(axis=1))
            first = int(worlds[0])
            raise ValueError(
                f"non-finite action in world {first} (worlds {worlds.tolist()[:10]}"
                f"{'...' if worlds.size > 10 else ''}): {action[first].tolist()}"
            )
        return np.clip(action, -1.0, 1.0)

    def step(self, action: torch.Tensor | np.ndarray) -> BatchStep:
        """Advance every world by one control step.

        Args:
            action: (B, n_joints) motor commands in [-1, 1], on any device.

        Returns:
            A :class:`BatchStep`. ``info`` holds ``forward_speed`` (m/s),
            ``reward_forward`` (the reward's only term), ``episode_step`` (steps
            into the episode the reward belongs to) and, with autoreset,
            ``final_observation``.
        """
        if self._needs_reset:
            raise RuntimeError("call reset() before step()")
        if not self.autoreset:
            finished = np.flatnonzero(self._episode_step >= self.task.episode_steps)
            if finished.size:
                raise RuntimeError(
                    f"worlds {finished.tolist()[:10]} finished their episodes; "
                    "reset(ids=...) them before stepping again"
                )
        ctrl = self._check_action(action)
        self.physics.step(ctrl, self.task.n_substeps)
        self._episode_step += 1

        reward, speed = self.task.reward(self.physics.sensordata)
        reward_t = self._to_torch(reward.astype(np.float32))
        truncated = self._episode_step >= self.task.episode_steps
        observation = self._to_torch(self._observation())
        info = {
            "forward_speed": self._to_torch(speed.astype(np.float32)),
            "reward_forward": reward_t,
            "episode_step": self._to_torch(self._episode_step.copy()),
        }
        if self.autoreset:
            # Until a world finishes, its final and next observations coincide.
            info["final_observation"] = observation
            done = np.flatnonzero(truncated)
            if done.size:
                self._reset_worlds(done)
                observation = self._to_torch(self._observation())
        return BatchStep(
            observation=observation,
            reward=reward_t,
            terminated=torch.zeros(self.num_worlds, dtype=torch.bool, device=self.device),
            truncated=self._to_torch(truncated),
            info=info,
        )

    def close(self) -> None:
        """Release the simulator."""
        self.physics = None  # type: ignore[assignment]
