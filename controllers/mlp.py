"""A multilayer perceptron policy, the usual baseline for the swim task.

With the swim task's 24 observations at 6 links, two hidden layers of 256 and
5 outputs it has 73,477 parameters, the actor of the NCAP paper's baselines.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nervecord.controllers.base import Controller

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


class MLPController(Controller):
    """Fully connected policy: observation -> hidden layers -> tanh -> action.

    Args:
        n_joints: body hinges; the input size is the swim task's 4 * (n_joints + 1).
        hidden_sizes: widths of the hidden layers.
        activation: "tanh" or "relu".
        seed: seed of the weight initialisation (torch's default scheme).

    Shapes: observations (B, 4 * (n_joints + 1)) -> actions (B, n_joints).
    """

    kind = "mlp"

    def __init__(
        self,
        n_joints: int,
        hidden_sizes: tuple[int, ...] | list[int] = (256, 256),
        activation: str = "tanh",
        seed: int = 0,
    ) -> None:
        super().__init__(n_joints)
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        self.activation = activation
        self.seed = int(seed)
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(self.seed)
        layers: list[nn.Module] = []
        width = self.observation_dim
        for hidden in self.hidden_sizes:
            layers += [nn.Linear(width, hidden), ACTIVATIONS[activation]()]
            width = hidden
        layers += [nn.Linear(width, n_joints), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        torch.random.set_rng_state(generator_state)

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        return self.net(self.check_observation(observation))

    def config(self) -> dict[str, Any]:
        return {
            "n_joints": self.n_joints,
            "hidden_sizes": list(self.hidden_sizes),
            "activation": self.activation,
            "seed": self.seed,
        }
