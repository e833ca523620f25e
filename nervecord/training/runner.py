"""Training runs: one loop for every algorithm, with logs, plots and checkpoints.

A run folder holds::

    progress.csv        return against env steps, one row per report
    reward_curve.png    the same as a plot
    run.json            the settings of the run
    step_*/             checkpoints (see nervecord.checkpoints); latest.json

``--resume`` continues from the newest checkpoint; rows of progress.csv past
it (written after the last checkpoint, before an interruption) are dropped so
that the log matches the resumed run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from nervecord.checkpoints import latest_checkpoint, load_checkpoint, save_checkpoint  # noqa: E402
from nervecord.controllers import Controller, make_controller  # noqa: E402
from nervecord.training.es import ESConfig, EvolutionStrategies, RayEvaluator  # noqa: E402
from nervecord.training.progress import PROGRESS, ProgressLog, read_progress  # noqa: E402

log = logging.getLogger(__name__)


@dataclass
class RunSettings:
    """What a training run is asked to do.

    Attributes:
        controller: controller kind ("ncap", "mlp").
        algo: "es" or "ppo".
        n_links: swimmer links.
        steps: env-step budget.
        seed: seed of everything random in the run.
        out: run folder.
        controller_settings: extra keyword settings of the controller.
        es: ES settings (algo "es").
        ppo: PPO keyword settings (algo "ppo").
        checkpoint_every: env steps between checkpoints.
        ray_workers: evaluate ES populations on this many Ray workers (0: no Ray).
        ray_address: address of a running Ray cluster, or None for a local one.
        device: torch device.
    """

    controller: str = "ncap"
    algo: str = "es"
    n_links: int = 6
    steps: int = 100_000
    seed: int = 0
    out: Path = Path("runs/train")
    controller_settings: dict[str, Any] | None = None
    es: ESConfig | None = None
    ppo: dict[str, Any] | None = None
    checkpoint_every: int = 50_000
    ray_workers: int = 0
    ray_address: str | None = None
    device: str = "cpu"

    def to_json(self) -> dict[str, Any]:
        return {
            "controller": self.controller,
            "algo": self.algo,
            "n_links": self.n_links,
            "steps": self.steps,
            "seed": self.seed,
            "controller_settings": self.controller_settings or {},
            "es": None if self.es is None else self.es.__dict__,
            "ppo": self.ppo or {},
            "checkpoint_every": self.checkpoint_every,
        }


def plot_reward_curve(run_dir: Path, key: str, title: str) -> Path:
    """Plot ``key`` of progress.csv against env steps into reward_curve.png."""
    rows = read_progress(run_dir / PROGRESS)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot([r["env_steps"] for r in rows], [r[key] for r in rows], marker=".", lw=1.2)
    ax.set_xlabel("env steps")
    ax.set_ylabel("episode return (of 1000)")
    ax.set_ylim(0, 1000)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    path = run_dir / "reward_curve.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _build_controller(settings: RunSettings) -> Controller:
    return make_controller(
        settings.controller, settings.n_links - 1, **(settings.controller_settings or {})
    )


def train_es(
    settings: RunSettings,
    resume: bool = False,
    progress: bool = True,
    callback: Callable[[dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Train with evolution strategies until ``settings.steps`` env steps."""
    out = settings.out
    config = settings.es or ESConfig()
    controller = _build_controller(settings)
    evaluator = None
    if settings.ray_workers > 0:
        evaluator = RayEvaluator(settings.ray_workers, settings.ray_address)
    es = EvolutionStrategies(
        controller, settings.n_links, config, settings.seed, settings.device, evaluator
    )
    resume_steps = None
    if resume and latest_checkpoint(out) is not None:
        loaded = load_checkpoint(
            out, expected_kind=settings.controller, expected_joints=settings.n_links - 1
        )
        es.restore(loaded.state, loaded.tensors)
        resume_steps = es.state.env_steps
        log.info("resumed from %s at %d env steps", loaded.path, resume_steps)
    fields = [
        "env_steps",
        "generation",
        "center_return",
        "population_mean_return",
        "population_max_return",
        "generation_s",
    ]
    progress_log = ProgressLog(out / PROGRESS, fields, resume_steps)

    last_checkpoint = es.state.env_steps
    bar = tqdm(
        total=settings.steps,
        initial=min(es.state.env_steps, settings.steps),
        desc=f"es {settings.controller}",
        unit="step",
        disable=not progress,
    )
    metrics: dict[str, float] = {}
    try:
        while es.state.env_steps < settings.steps:
            metrics = es.step()
            progress_log.append(metrics)
            bar.update(min(metrics["env_steps"], settings.steps) - bar.n)
            bar.set_postfix(ret=f"{metrics['center_return']:.0f}")
            if callback is not None:
                callback(metrics)
            if es.state.env_steps - last_checkpoint >= settings.checkpoint_every:
                scalars, tensors = es.checkpoint_payload()
                save_checkpoint(out, controller, es.state.env_steps, scalars, tensors)
                last_checkpoint = es.state.env_steps
    finally:
        bar.close()
        if evaluator is not None:
            evaluator.shutdown()
    scalars, tensors = es.checkpoint_payload()
    final = save_checkpoint(out, controller, es.state.env_steps, scalars, tensors)
    return {"checkpoint": final, "controller": controller, "last": metrics}


def train(
    settings: RunSettings,
    resume: bool = False,
    progress: bool = True,
    callback: Callable[[dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Run ``settings`` and write the run folder; returns the final checkpoint and metrics."""
    if settings.algo not in ("es", "ppo"):
        raise ValueError(f"algo must be 'es' or 'ppo', got {settings.algo!r}")
    if settings.steps < 1:
        raise ValueError(f"steps must be >= 1, got {settings.steps}")
    settings.out.mkdir(parents=True, exist_ok=True)
    if not resume and latest_checkpoint(settings.out) is not None:
        raise ValueError(
            f"{settings.out} already holds a training run; pass --resume to continue it "
            "or choose another --out"
        )
    (settings.out / "run.json").write_text(json.dumps(settings.to_json(), indent=2) + "\n")
    torch.manual_seed(settings.seed)
    if settings.algo == "es":
        result = train_es(settings, resume, progress, callback)
        key = "center_return"
    else:
        from nervecord.training.ppo import train_ppo

        result = train_ppo(settings, resume, progress, callback)
        key = "eval_return"
    result["plot"] = plot_reward_curve(
        settings.out,
        key,
        f"{settings.algo.upper()} {settings.controller}, "
        f"{settings.n_links} links, seed {settings.seed}",
    )
    return result
