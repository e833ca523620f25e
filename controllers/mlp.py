"""A multilayer perceptron policy, the usual baseline for the swim task.

With the swim task's 24 observations at 6 links, two hidden layers of 256 and
5 outputs it has 73,477 parameters, the actor of the NCAP paper's baselines.
With ``output_activation="none"`` and ``init="orthogonal"`` it is exactly the
actor of stable-baselines3's default PPO ``MlpPolicy`` (orthogonal weights,
gain sqrt(2) in hidden layers and 0.01 at the output, zero biases, actions
clipped by the environment).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from nervecord.controllers.base import Controller

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
OUTPUTS = {"tanh": nn.Tanh, "none": nn.Identity}
INITS = ("torch", "orthogonal")


class MLPController(Controller):
    """Fully connected policy: observation -> hidden layers -> tanh -> action.

    Args:
        n_joints: body hinges; the input size is the swim task's 4 * (n_joints + 1).
        hidden_sizes: widths of the hidden layers.
        activation: "tanh" or "relu".
        output_activation: "tanh" (actions squashed into [-1, 1]) or "none"
            (the environment clips them).
        init: "torch" (PyTorch's default) or "orthogonal" (stable-baselines3's).
        seed: seed of the weight initialisation.

    Shapes: observations (B, 4 * (n_joints + 1)) -> actions (B, n_joints).
    """

    kind = "mlp"

    def __init__(
        self,
        n_joints: int,
        hidden_sizes: tuple[int, ...] | list[int] = (256, 256),
        activation: str = "tanh",
        output_activation: str = "tanh",
        init: str = "torch",
        seed: int = 0,
    ) -> None:
        super().__init__(n_joints)
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        if output_activation not in OUTPUTS:
            raise ValueError(
                f"output_activation must be one of {sorted(OUTPUTS)}, got {output_activation!r}"
            )
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        self.output_activation = output_activation
        self.init = init
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
        layers += [nn.Linear(width, n_joints), OUTPUTS[output_activation]()]
        self.net = nn.Sequential(*layers)
        if init == "orthogonal":
            linears = [m for m in self.net if isinstance(m, nn.Linear)]
            for i, layer in enumerate(linears):
                gain = 0.01 if i == len(linears) - 1 else math.sqrt(2)
                nn.init.orthogonal_(layer.weight, gain=gain)
                nn.init.zeros_(layer.bias)
        torch.random.set_rng_state(generator_state)

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        return self.net(self.check_observation(observation))

    def config(self) -> dict[str, Any]:
        return {
            "n_joints": self.n_joints,
            "hidden_sizes": list(self.hidden_sizes),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
            "seed": self.seed,
        }
