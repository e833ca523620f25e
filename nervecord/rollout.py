"""Run a controller over whole episodes of the batched swimmer.

One call evaluates many episodes at once: each world of a
:class:`~nervecord.envs.BatchedSwimmer` plays one episode, and the controller
acts on all of them in one tensor call per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from nervecord.controllers.base import Controller
from nervecord.envs import BatchedSwimmer


@dataclass
class RolloutResult:
    """What a batch of episodes produced.

    Attributes:
        returns: (B,) sum of rewards per episode.
        mean_forward_speed: (B,) mean head forward speed (m/s) per episode.
        joint_angles: (T, B, n_joints) hinge angles (rad) after each step, or
            None when not recorded.
    """

    returns: np.ndarray
    mean_forward_speed: np.ndarray
    joint_angles: np.ndarray | None = None


@torch.no_grad()
def rollout(
    controller: Controller,
    sim: BatchedSwimmer,
    seed: int | None = None,
    record_joints: bool = False,
    progress: bool = False,
) -> RolloutResult:
    """Play one full episode in every world of ``sim`` with ``controller``.

    Args:
        controller: maps (B, obs_dim) observations to (B, n_joints) actions;
            moved to the simulator's device.
        sim: the batched simulator; its episode length sets the horizon.
        seed: reseeds the worlds' initial states (None continues their streams).
        record_joints: also return the joint angles at every step.
        progress: show a tqdm bar over steps.

    Returns:
        A :class:`RolloutResult`.
    """
    if controller.n_joints != sim.n_joints:
        raise ValueError(
            f"controller drives {controller.n_joints} joints but the swimmer has {sim.n_joints}"
        )
    controller = controller.to(sim.device)
    observation = sim.reset(seed=seed)
    returns = torch.zeros(sim.num_worlds, dtype=torch.float64, device=sim.device)
    speed_sum = torch.zeros_like(returns)
    joints = []
    steps = sim.task.episode_steps
    for _ in tqdm(range(steps), desc="rollout", disable=not progress, leave=False):
        result = sim.step(controller(observation))
        observation = result.observation
        returns += result.reward
        speed_sum += result.info["forward_speed"]
        if record_joints:
            # The last observation of each episode, before any autoreset.
            last = result.info.get("final_observation", result.observation)
            joints.append(last[:, : sim.n_joints].cpu().numpy())
    return RolloutResult(
        returns=returns.cpu().numpy(),
        mean_forward_speed=(speed_sum / steps).cpu().numpy(),
        joint_angles=np.stack(joints) if record_joints else None,
    )
