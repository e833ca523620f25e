"""Evolution strategies over the batched simulator.

Each generation perturbs the mean parameters ``mu`` with antithetic Gaussian
noise, evaluates the whole population in one batched rollout, and moves ``mu``
with Adam along the rank-shaped estimate of the return's gradient
(Salimans et al. 2017, as in the NCAP paper's ES script):

.. math::

    \\theta_{k}^{\\pm} = \\mu \\pm \\sigma \\epsilon_k,\\quad
    \\epsilon_k \\sim \\mathcal N(0, I),\\quad k = 1..P/2 \\\\
    u = \\mathrm{centred\\_ranks}(R) \\in [-0.5, 0.5] \\\\
    \\hat g = \\frac{1}{P\\sigma} \\sum_k (u_k^{+} - u_k^{-})\\, \\epsilon_k

The mean itself is evaluated beside the population in the same rollout, which
gives the reward curve. Everything random in generation ``g`` (noise and
initial states) derives from ``SeedSequence([seed, g])``, so a run resumed from
a checkpoint continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from nervecord.controllers import Controller
from nervecord.training.population import (
    ParamLayout,
    evaluate_members,
    evaluate_members_remote,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ESConfig:
    """Settings of evolution strategies.

    Attributes:
        population: members per generation (even: antithetic pairs).
        sigma: noise scale of the perturbations.
        learning_rate: Adam step size on the mean.
        episodes: episodes per member and generation.
        episode_steps: horizon of each episode.
    """

    population: int = 64
    sigma: float = 0.02
    learning_rate: float = 0.01
    episodes: int = 1
    episode_steps: int = 1000

    def __post_init__(self) -> None:
        if self.population < 2 or self.population % 2:
            raise ValueError(f"population must be even and >= 2, got {self.population}")
        if self.sigma <= 0 or self.learning_rate <= 0:
            raise ValueError("sigma and learning_rate must be positive")
        if self.episodes < 1:
            raise ValueError(f"episodes must be >= 1, got {self.episodes}")

    @property
    def env_steps_per_generation(self) -> int:
        """Env steps of one generation, the evaluated mean included."""
        return (self.population + 1) * self.episodes * self.episode_steps


def centred_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks scaled to [-0.5, 0.5], robust to outliers; tied values share their mean rank.

    Sharing ranks matters where the reward is flat (a population that does not
    swim forward scores exactly 0): breaking ties by member order would turn
    no information into a step along the first members' noise.
    """
    n = len(values)
    ranks = np.empty(n, dtype=np.float64)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    _, tie_group = np.unique(values, return_inverse=True)
    ranks = (np.bincount(tie_group, ranks) / np.bincount(tie_group))[tie_group]
    return ranks / (n - 1) - 0.5


def generation_rng(seed: int, generation: int) -> np.random.Generator:
    """The generator of everything random in one generation."""
    return np.random.default_rng(np.random.SeedSequence([seed, generation]))


class RayEvaluator:
    """Evaluates population slices on Ray workers (``pip install nervecord[ray]``).

    The population is split into contiguous slices, one task each; every
    member meets the same initial states as in a single-process run.

    Args:
        workers: number of parallel tasks; a local Ray is started with this
            many CPUs unless one is already running.
        address: address of an existing Ray cluster, or None for local.
    """

    def __init__(self, workers: int = 2, address: str | None = None) -> None:
        try:
            import ray
        except ImportError as error:
            raise ValueError(
                "Ray evaluation needs the optional extra: pip install 'nervecord[ray]'"
            ) from error
        self._ray = ray
        if not ray.is_initialized():
            if address is None:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        self.workers = workers
        self._remote = ray.remote(num_cpus=1)(evaluate_members_remote)

    def __call__(
        self,
        controller: Controller,
        members: torch.Tensor,
        n_links: int,
        episodes: int,
        seed: int,
        episode_steps: int,
    ) -> np.ndarray:
        bounds = np.linspace(0, members.shape[0], self.workers + 1).round().astype(int)
        config = controller.config()
        futures = [
            self._remote.remote(
                controller.kind,
                config,
                members[lo:hi].cpu().numpy(),
                n_links,
                episodes,
                seed,
                int(lo),
                episode_steps,
                1,
            )
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
            if hi > lo
        ]
        return np.concatenate(self._ray.get(futures))

    def shutdown(self) -> None:
        self._ray.shutdown()


@dataclass
class ESState:
    """Where an ES run stands: the mean, Adam's moments and the counters."""

    mean: torch.Tensor
    adam_exp_avg: torch.Tensor
    adam_exp_avg_sq: torch.Tensor
    adam_step: int = 0
    generation: int = 0
    env_steps: int = 0

    def tensors(self) -> dict[str, torch.Tensor]:
        return {
            "es_mean": self.mean,
            "adam_exp_avg": self.adam_exp_avg,
            "adam_exp_avg_sq": self.adam_exp_avg_sq,
        }

    def scalars(self) -> dict[str, int]:
        return {
            "adam_step": self.adam_step,
            "generation": self.generation,
            "env_steps": self.env_steps,
        }

    @classmethod
    def restore(cls, tensors: dict[str, torch.Tensor], scalars: dict[str, Any]) -> ESState:
        try:
            return cls(
                mean=tensors["es_mean"].double(),
                adam_exp_avg=tensors["adam_exp_avg"].double(),
                adam_exp_avg_sq=tensors["adam_exp_avg_sq"].double(),
                adam_step=int(scalars["adam_step"]),
                generation=int(scalars["generation"]),
                env_steps=int(scalars["env_steps"]),
            )
        except KeyError as error:
            raise ValueError(f"checkpoint lacks the ES training state {error}") from error


class EvolutionStrategies:
    """Antithetic ES with rank shaping and Adam, one batched rollout per generation.

    Args:
        controller: the controller to train; its parameters are the start.
        n_links: swimmer links.
        config: :class:`ESConfig`.
        seed: seed of the run.
        device: torch device of rollouts.
        evaluator: None for the in-process batched rollout, or a callable
            such as :class:`RayEvaluator`.
    """

    def __init__(
        self,
        controller: Controller,
        n_links: int,
        config: ESConfig,
        seed: int,
        device: str | torch.device = "cpu",
        evaluator: Callable[..., np.ndarray] | None = None,
    ) -> None:
        self.controller = controller
        self.n_links = n_links
        self.config = config
        self.seed = int(seed)
        self.device = device
        self.evaluator = evaluator
        self.layout = ParamLayout.of(controller)
        mean = self.layout.flatten(controller).double().cpu()
        self.state = ESState(mean, torch.zeros_like(mean), torch.zeros_like(mean))
        self._sim = None

    def _evaluate(self, members: torch.Tensor, seed: int) -> np.ndarray:
        cfg = self.config
        if self.evaluator is not None:
            return self.evaluator(
                self.controller, members, self.n_links, cfg.episodes, seed, cfg.episode_steps
            )
        return evaluate_members(
            self.controller,
            members,
            self.n_links,
            cfg.episodes,
            seed,
            episode_steps=cfg.episode_steps,
            device=self.device,
        )

    def _adam(self, gradient: torch.Tensor) -> None:
        """One Adam ascent step on the mean (beta1 0.9, beta2 0.999, eps 1e-8)."""
        s = self.state
        s.adam_step += 1
        s.adam_exp_avg.mul_(0.9).add_(gradient, alpha=0.1)
        s.adam_exp_avg_sq.mul_(0.999).addcmul_(gradient, gradient, value=0.001)
        m_hat = s.adam_exp_avg / (1 - 0.9**s.adam_step)
        v_hat = s.adam_exp_avg_sq / (1 - 0.999**s.adam_step)
        s.mean.add_(self.config.learning_rate * m_hat / (v_hat.sqrt() + 1e-8))

    def step(self) -> dict[str, float]:
        """Run one generation; returns its metrics."""
        cfg, s = self.config, self.state
        start = time.perf_counter()
        rng = generation_rng(self.seed, s.generation)
        noise = torch.as_tensor(rng.standard_normal((cfg.population // 2, self.layout.dim)))
        noise = torch.cat([noise, -noise])
        members = torch.cat([s.mean[None], s.mean[None] + cfg.sigma * noise])
        world_seed = int(rng.integers(2**31))

        returns = self._evaluate(members, world_seed)
        center, population_returns = float(returns[0]), returns[1:]

        shaped = torch.as_tensor(centred_ranks(population_returns))
        gradient = (shaped[:, None] * noise).sum(0) / (cfg.population * cfg.sigma)
        self._adam(gradient)
        s.generation += 1
        s.env_steps += cfg.env_steps_per_generation
        self.layout.load_into(self.controller, s.mean.float())
        return {
            "generation": s.generation,
            "env_steps": s.env_steps,
            "center_return": center,
            "population_mean_return": float(population_returns.mean()),
            "population_max_return": float(population_returns.max()),
            "generation_s": time.perf_counter() - start,
        }

    def checkpoint_payload(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """JSON scalars and tensors that restore this run exactly."""
        scalars = {"algo": "es", "seed": self.seed, "es": asdict(self.config)}
        scalars.update(self.state.scalars())
        return scalars, self.state.tensors()

    def restore(self, scalars: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        if scalars.get("algo") != "es":
            raise ValueError(f"checkpoint was written by {scalars.get('algo')!r}, not es")
        self.state = ESState.restore(tensors, scalars)
        self.layout.load_into(self.controller, self.state.mean.float())
