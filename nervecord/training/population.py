"""Evaluate a whole population of controllers as one batched rollout.

Every member of an evolution-strategies population is the same controller
with other parameters. The population's parameters are stacked into one
``(P, D)`` tensor and the controller is applied to all members at once with
``torch.func.vmap`` over ``functional_call``: one tensor program per step for
all ``P * episodes`` worlds of a :class:`~nervecord.envs.BatchedSwimmer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, vmap

from nervecord.controllers import Controller, make_controller
from nervecord.envs import BatchedSwimmer


@dataclass(frozen=True)
class ParamLayout:
    """Names, shapes and offsets of a controller's trainable parameters in a flat vector."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, controller: Controller) -> ParamLayout:
        named = [(n, p) for n, p in controller.named_parameters() if p.requires_grad]
        return cls(tuple(n for n, _ in named), tuple(tuple(p.shape) for _, p in named))

    @property
    def sizes(self) -> list[int]:
        return [int(np.prod(s)) for s in self.shapes]

    @property
    def dim(self) -> int:
        return sum(self.sizes)

    def flatten(self, controller: Controller) -> torch.Tensor:
        """The controller's parameters as one (D,) vector."""
        params = dict(controller.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """(..., D) -> {name: (..., *shape)}."""
        lead = flat.shape[:-1]
        out, offset = {}, 0
        for name, shape, size in zip(self.names, self.shapes, self.sizes, strict=True):
            out[name] = flat[..., offset : offset + size].reshape(*lead, *shape)
            offset += size
        return out

    def load_into(self, controller: Controller, flat: torch.Tensor) -> Controller:
        """Copy a (D,) vector into the controller's parameters."""
        params = dict(controller.named_parameters())
        with torch.no_grad():
            for name, value in self.unflatten(flat).items():
                params[name].copy_(value)
        return controller


def population_actions(
    controller: Controller, params: dict[str, torch.Tensor], observation: torch.Tensor
) -> torch.Tensor:
    """Actions of every member on its own worlds.

    Args:
        controller: the shared architecture (its own parameters are unused).
        params: each parameter stacked over the P members, ``{name: (P, *shape)}``
            (``ParamLayout.unflatten`` of the (P, D) member vectors, made once
            per rollout).
        observation: (P * E, obs_dim) observations, member-major (worlds
            ``m * E .. m * E + E - 1`` belong to member ``m``).

    Returns:
        (P * E, n_joints) actions.
    """
    population = next(iter(params.values())).shape[0]
    per_member = observation.reshape(population, -1, observation.shape[-1])

    def one_member(member_params: dict[str, torch.Tensor], obs: torch.Tensor) -> torch.Tensor:
        return functional_call(controller, member_params, (obs,))

    actions = vmap(one_member)(params, per_member)
    return actions.reshape(observation.shape[0], -1)


@torch.no_grad()
def evaluate_members(
    controller: Controller,
    members: torch.Tensor,
    n_links: int,
    episodes: int,
    seed: int,
    first_member: int = 0,
    episode_steps: int = 1000,
    device: str | torch.device = "cpu",
    nthread: int | None = None,
    sim: BatchedSwimmer | None = None,
) -> np.ndarray:
    """Mean return of each member over ``episodes`` episodes, in one batched rollout.

    Member ``first_member + m`` always meets the same initial states for a
    given ``seed``, however the population is split across processes.

    Args:
        controller: the architecture.
        members: (P, D) flat parameters.
        n_links: swimmer links.
        episodes: E, episodes per member.
        seed: seeds the worlds' initial states.
        first_member: index of ``members[0]`` in the whole population.
        episode_steps: horizon.
        device: torch device of the rollout.
        nthread: physics threads.
        sim: a simulator of P * E worlds to reuse (must match the other args).

    Returns:
        (P,) mean returns.
    """
    layout = ParamLayout.of(controller)
    population = members.shape[0]
    if sim is None:
        sim = BatchedSwimmer(
            n_links,
            population * episodes,
            seed=seed,
            device=device,
            nthread=nthread,
            autoreset=False,
            first_world=first_member * episodes,
            episode_steps=episode_steps,
        )
    controller = controller.to(sim.device)
    params = layout.unflatten(members.to(sim.device, torch.float32))
    observation = sim.reset(seed=seed)
    returns = torch.zeros(sim.num_worlds, dtype=torch.float64, device=sim.device)
    for _ in range(sim.task.episode_steps):
        actions = population_actions(controller, params, observation)
        result = sim.step(actions)
        observation = result.observation
        returns += result.reward
    return returns.reshape(population, episodes).mean(dim=1).cpu().numpy()


def evaluate_members_remote(
    kind: str,
    config: dict[str, Any],
    members: np.ndarray,
    n_links: int,
    episodes: int,
    seed: int,
    first_member: int,
    episode_steps: int,
    nthread: int | None,
) -> np.ndarray:
    """:func:`evaluate_members` from plain arguments, for a worker process."""
    config = dict(config)
    controller = make_controller(kind, int(config.pop("n_joints")), **config)
    torch.set_num_threads(1)
    return evaluate_members(
        controller,
        torch.as_tensor(members),
        n_links,
        episodes,
        seed,
        first_member=first_member,
        episode_steps=episode_steps,
        device="cpu",
        nthread=nthread,
    )
