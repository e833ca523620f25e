"""What every nervecord swimmer controller shares.

A controller is a ``torch.nn.Module`` mapping a batch of swim-task observations
``(B, obs_dim)`` to motor commands ``(B, n_joints)`` in [-1, 1]. It is
stateless between calls (time arrives in the observation), so the same module
serves as a gymnasium policy, a batched-simulator policy and the actor of a
stable-baselines3 PPO agent. ``config()`` returns the JSON-serialisable
settings that rebuild it, which checkpoints store beside the weights.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class Controller(nn.Module):
    """Base class: a batched, stateless swimmer policy.

    Args:
        n_joints: number of body hinges the controller drives.
    """

    kind: str = "controller"

    def __init__(self, n_joints: int) -> None:
        super().__init__()
        self.n_joints = int(n_joints)

    @property
    def observation_dim(self) -> int:
        """Size of the swim task's observation for this body (4 * n_links)."""
        return 4 * (self.n_joints + 1)

    def check_observation(self, observation: torch.Tensor) -> torch.Tensor:
        """Return ``observation`` as (B, obs_dim), or raise naming the problem."""
        if observation.ndim == 1:
            observation = observation[None]
        if observation.ndim != 2 or observation.shape[1] != self.observation_dim:
            raise ValueError(
                f"{self.kind} for {self.n_joints} joints expects observations of shape "
                f"(B, {self.observation_dim}), got {tuple(observation.shape)}"
            )
        return observation

    def config(self) -> dict[str, Any]:
        """JSON-serialisable settings that rebuild this controller."""
        raise NotImplementedError

    def n_params(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
