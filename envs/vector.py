"""A gymnasium ``VectorEnv`` over :class:`~nervecord.envs.batched.BatchedSwimmer`.

Libraries that speak gymnasium's vector API (and adapters such as the
stable-baselines3 one in :mod:`nervecord.training`) drive the batched simulator
through this view: NumPy arrays in and out, same-step autoreset, and
``info["final_obs"]`` / ``info["_final_obs"]`` for the last observation of each
finished episode, as gymnasium's own vector environments lay them out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from nervecord.envs.batched import BatchedSwimmer


class SwimmerVectorEnv(VectorEnv):
    """The swim task over ``num_envs`` batched worlds.

    Args:
        num_envs: number of worlds.
        n_links: links of every swimmer.
        **kwargs: forwarded to :class:`BatchedSwimmer` (nthread, task settings).
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 8, n_links: int = 6, **kwargs: Any) -> None:
        kwargs.setdefault("device", "cpu")
        # gymnasium.make_vec passes the registered time limit under its own name.
        if "max_episode_steps" in kwargs:
            kwargs["episode_steps"] = kwargs.pop("max_episode_steps")
        self.sim = BatchedSwimmer(n_links=n_links, num_worlds=num_envs, **kwargs)
        self.num_envs = num_envs
        n_joints, obs_dim = self.sim.n_joints, self.sim.observation_dim
        self.single_action_space = spaces.Box(-1.0, 1.0, (n_joints,), np.float32)
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (obs_dim,), np.float32)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.render_mode = None

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if isinstance(seed, list):
            seed = seed[0]
        observation = self.sim.reset(seed=seed)
        return observation.cpu().numpy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        result = self.sim.step(np.asarray(actions))
        truncated = result.truncated.cpu().numpy()
        info: dict[str, Any] = {
            "forward_speed": result.info["forward_speed"].cpu().numpy(),
            "reward_forward": result.info["reward_forward"].cpu().numpy(),
        }
        if truncated.any():
            info["final_obs"] = result.info["final_observation"].cpu().numpy()
            info["_final_obs"] = truncated.copy()
        return (
            result.observation.cpu().numpy(),
            result.reward.cpu().numpy().astype(np.float64),
            result.terminated.cpu().numpy(),
            truncated,
            info,
        )

    def close_extras(self, **kwargs: Any) -> None:
        self.sim.close()
