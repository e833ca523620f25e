"""The NCAP study: what the NCAP paper claims, measured on the 6-link swim task.

Run ``python -m nervecord.training.study --out docs/ncap_study`` (``--quick``
for a smoke run). Training runs go to ``--runs`` (reused when complete, so an
interrupted study picks up where it stopped); the summary, tables and plots
go to ``--out``:

* return at initialisation, NCAP vs MLP;
* return against env steps, NCAP and MLP, PPO and ES, several seeds; env steps
  to reach 700 and 900;
* trainable parameter counts;
* trained 6-link NCAP weights run unchanged on 4 to 14 links;
* the sign-constraint ablation (fixed-sign magnitude, none, original clamp).
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from nervecord.checkpoints import latest_checkpoint, load_checkpoint  # noqa: E402
from nervecord.controllers import NCAP, make_controller  # noqa: E402
from nervecord.evaluate import evaluate, write_json  # noqa: E402
from nervecord.training.es import ESConfig  # noqa: E402
from nervecord.training.ppo import SB3_MLP_SETTINGS  # noqa: E402
from nervecord.training.progress import PROGRESS, read_progress  # noqa: E402
from nervecord.training.runner import RunSettings, train  # noqa: E402

log = logging.getLogger(__name__)

THRESHOLDS = (700, 900)
TRANSFER_LINKS = (4, 6, 8, 10, 12, 14)


@dataclass
class StudyPlan:
    """Budgets and seeds of the study."""

    seeds: tuple[int, ...] = (0, 1, 2)
    ppo_steps: int = 200_000
    es_steps: int = 600_000
    es_long_steps: int = 1_500_000
    ablation_steps: int = 400_000
    es: ESConfig = field(
        default_factory=lambda: ESConfig(population=16, sigma=0.05, learning_rate=0.03)
    )
    eval_every: int = 8_192
    eval_episodes: int = 3

    @classmethod
    def quick(cls) -> StudyPlan:
        return cls(
            seeds=(0,),
            ppo_steps=8_192,
            es_steps=34_000,
            es_long_steps=68_000,
            ablation_steps=34_000,
            eval_every=4_096,
        )


@dataclass
class Run:
    name: str
    settings: RunSettings
    curve_key: str

    def done(self) -> bool:
        latest = latest_checkpoint(self.settings.out)
        if latest is None:
            return False
        return json.loads((latest / "state.json").read_text())["step"] >= self.settings.steps


def _run(
    plan: StudyPlan,
    runs_dir: Path,
    name: str,
    algo: str,
    controller: str,
    seed: int,
    steps: int | None = None,
    controller_settings: dict[str, Any] | None = None,
) -> Run:
    """One training run of the study, named ``{name}_s{seed}``."""
    steps = steps or (plan.ppo_steps if algo == "ppo" else plan.ablation_steps)
    settings = RunSettings(
        controller=controller,
        algo=algo,
        n_links=6,
        steps=steps,
        seed=seed,
        out=runs_dir / f"{name}_s{seed}",
        controller_settings=controller_settings,
        es=plan.es if algo == "es" else None,
        ppo={"eval_every": plan.eval_every, "eval_episodes": plan.eval_episodes}
        if algo == "ppo"
        else None,
        checkpoint_every=steps,
    )
    return Run(f"{name}_s{seed}", settings, "eval_return" if algo == "ppo" else "center_return")


def plan_runs(plan: StudyPlan, runs_dir: Path) -> list[Run]:
    """Every run of the study, core comparisons first, extra analyses after."""
    runs = []
    for seed in plan.seeds:
        runs.append(_run(plan, runs_dir, "ppo_ncap", "ppo", "ncap", seed))
        runs.append(
            _run(plan, runs_dir, "ppo_mlp", "ppo", "mlp", seed, None, dict(SB3_MLP_SETTINGS))
        )
        runs.append(_run(plan, runs_dir, "es_ncap", "es", "ncap", seed, plan.es_long_steps))
        runs.append(_run(plan, runs_dir, "es_mlp", "es", "mlp", seed, plan.es_steps))
        for mode in ("clamp", "none"):
            runs.append(
                _run(
                    plan,
                    runs_dir,
                    f"es_ncap_{mode}",
                    "es",
                    "ncap",
                    seed,
                    None,
                    {"sign_mode": mode},
                )
            )
    for seed in plan.seeds:
        # Where NCAP levels off: one weight per segment and side (30 at 6 links).
        runs.append(
            _run(plan, runs_dir, "ppo_ncap_unshared", "ppo", "ncap", seed, None, {"shared": False})
        )
    # The sign constraints away from the designed start: every mode starts from
    # the same random raw parameters, which the mode then constrains.
    random_starts = [("es", seed) for seed in plan.seeds] + [("ppo", plan.seeds[0])]
    for algo, seed in random_starts:
        for mode in ("magnitude", "clamp", "none"):
            settings = {"sign_mode": mode, "init": "random", "seed": seed}
            runs.append(
                _run(
                    plan, runs_dir, f"{algo}_ncap_rand_{mode}", algo, "ncap", seed, None, settings
                )
            )
    return runs


def curve(run: Run) -> tuple[np.ndarray, np.ndarray]:
    rows = read_progress(run.settings.out / PROGRESS)
    return (
        np.array([r["env_steps"] for r in rows]),
        np.array([r[run.curve_key] for r in rows]),
    )


def steps_to_reach(steps: np.ndarray, returns: np.ndarray, threshold: float) -> int | None:
    hit = np.flatnonzero(returns >= threshold)
    return int(steps[hit[0]]) if hit.size else None


def return_at(steps: np.ndarray, returns: np.ndarray, budget: int) -> float:
    """Last logged return at or before ``budget`` env steps."""
    inside = np.flatnonzero(steps <= budget)
    return float(returns[inside[-1]]) if inside.size else float("nan")


def summarise(runs: list[Run], plan: StudyPlan) -> dict[str, Any]:
    rows = []
    for run in runs:
        steps, returns = curve(run)
        rows.append(
            {
                "run": run.name,
                "algo": run.settings.algo,
                "controller": run.settings.controller,
                "sign_mode": (run.settings.controller_settings or {}).get("sign_mode", "magnitude")
                if run.settings.controller == "ncap"
                else None,
                "seed": run.settings.seed,
                "env_steps": int(steps[-1]),
                "initial_return": float(returns[0]),
                "final_return": float(returns[-1]),
                "best_return": float(returns.max()),
                "return_at_ppo_budget": return_at(steps, returns, plan.ppo_steps),
                **{f"steps_to_{t}": steps_to_reach(steps, returns, t) for t in THRESHOLDS},
            }
        )
    return {"runs": rows}


def transfer(runs: list[Run], episodes: int) -> list[dict[str, Any]]:
    """Trained 6-link NCAP weights, unchanged, on other body lengths."""
    table = []
    for run in runs:
        if run.settings.controller != "ncap" or run.settings.controller_settings:
            continue
        trained = load_checkpoint(run.settings.out, expected_kind="ncap").controller
        row: dict[str, Any] = {"run": run.name}
        for links in TRANSFER_LINKS:
            row[str(links)] = evaluate(trained.with_joints(links - 1), links, episodes)[
                "mean_return"
            ]
        table.append(row)
    base: dict[str, Any] = {"run": "untrained"}
    for links in TRANSFER_LINKS:
        base[str(links)] = evaluate(NCAP(links - 1), links, episodes)["mean_return"]
    return [base, *table]


def plot_curves(runs: list[Run], path: Path, names: list[str], title: str) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    colours = {
        "ppo_ncap": "tab:orange",
        "ppo_mlp": "tab:blue",
        "es_ncap": "tab:red",
        "es_mlp": "tab:purple",
        "es_ncap_clamp": "tab:green",
        "es_ncap_none": "tab:gray",
        "ppo_ncap_unshared": "tab:brown",
        "es_ncap_rand_magnitude": "tab:red",
        "es_ncap_rand_clamp": "tab:green",
        "es_ncap_rand_none": "tab:gray",
        "ppo_ncap_rand_magnitude": "tab:red",
        "ppo_ncap_rand_clamp": "tab:green",
        "ppo_ncap_rand_none": "tab:gray",
    }
    for run in runs:
        group = run.name.rsplit("_s", 1)[0]
        if group not in names:
            continue
        steps, returns = curve(run)
        ax.plot(
            steps,
            returns,
            color=colours.get(group),
            alpha=0.85,
            lw=1.3,
            label=group if run.settings.seed == runs[0].settings.seed else None,
        )
    for threshold in THRESHOLDS:
        ax.axhline(threshold, color="k", lw=0.6, ls=":")
    ax.set_xlabel("env steps")
    ax.set_ylabel("return (deterministic, of 1000)")
    ax.set_ylim(0, 1000)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_tables(out: Path, summary: dict[str, Any], init: dict, transfer_rows: list) -> None:
    lines = ["# NCAP study: measured numbers", "", "## Return at initialisation (6 links)", ""]
    lines += ["| controller | trainable parameters | mean return | std |", "|---|---:|---:|---:|"]
    for name, r in init.items():
        lines.append(
            f"| {name} | {r['n_params']} | {r['mean_return']:.1f} | {r['std_return']:.1f} |"
        )
    lines += ["", "## Training runs", ""]
    lines += [
        "| run | env steps | first eval | return at PPO budget | final | best | steps to 700 |"
        " steps to 900 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in summary["runs"]:
        lines.append(
            f"| {r['run']} | {r['env_steps']} | {r['initial_return']:.0f} | "
            f"{r['return_at_ppo_budget']:.0f} | {r['final_return']:.0f} | {r['best_return']:.0f} "
            f"| {r['steps_to_700'] or '-'} | {r['steps_to_900'] or '-'} |"
        )
    lines += ["", "## 6-link NCAP weights, unchanged, on other bodies", ""]
    lines += ["| weights | " + " | ".join(f"{n} links" for n in TRANSFER_LINKS) + " |"]
    lines += ["|---|" + "---:|" * len(TRANSFER_LINKS)]
    for row in transfer_rows:
        lines.append(
            f"| {row['run']} | " + " | ".join(f"{row[str(n)]:.0f}" for n in TRANSFER_LINKS) + " |"
        )
    (out / "results.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/ncap_study"))
    parser.add_argument("--runs", type=Path, default=Path("runs/study"))
    parser.add_argument("--quick", action="store_true", help="tiny budgets, for a smoke run")
    parser.add_argument("--only", nargs="*", help="run only these run names")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(1)
    plan = StudyPlan.quick() if args.quick else StudyPlan()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = plan_runs(plan, args.runs)
    for run in runs:
        if args.only and run.name not in args.only:
            continue
        if run.done():
            log.info("%s: complete, reused", run.name)
            continue
        resume = latest_checkpoint(run.settings.out) is not None
        log.info("%s: training %s", run.name, "(resuming)" if resume else "")
        train(replace(run.settings), resume=resume, progress=True)
    runs = [r for r in runs if r.done()]

    init = {
        "ncap (4 shared weights)": evaluate(NCAP(5), 6, 8),
        "ncap unshared (30 weights)": evaluate(NCAP(5, shared=False), 6, 8),
        "mlp 256x256 (ppo init)": evaluate(make_controller("mlp", 5, **SB3_MLP_SETTINGS), 6, 8),
        "mlp 256x256 (tanh output)": evaluate(make_controller("mlp", 5), 6, 8),
    }
    summary = summarise(runs, plan)
    transfer_rows = transfer(runs, episodes=4)
    plot_curves(
        runs,
        args.out / "curves_ppo.png",
        ["ppo_ncap", "ppo_ncap_unshared", "ppo_mlp"],
        "PPO: NCAP vs MLP, 6 links",
    )
    plot_curves(
        runs, args.out / "curves_es.png", ["es_ncap", "es_mlp"], "ES: NCAP vs MLP, 6 links"
    )
    plot_curves(
        runs,
        args.out / "curves_ablation.png",
        ["es_ncap", "es_ncap_clamp", "es_ncap_none"],
        "ES: NCAP sign constraint ablation",
    )
    plot_curves(
        runs,
        args.out / "curves_ablation_random_es.png",
        ["es_ncap_rand_magnitude", "es_ncap_rand_clamp", "es_ncap_rand_none"],
        "ES from random weights: sign constraint ablation",
    )
    plot_curves(
        runs,
        args.out / "curves_ablation_random_ppo.png",
        ["ppo_ncap_rand_magnitude", "ppo_ncap_rand_clamp", "ppo_ncap_rand_none"],
        "PPO from random weights: sign constraint ablation",
    )
    payload = {
        "plan": {
            k: (v.__dict__ if isinstance(v, ESConfig) else v) for k, v in plan.__dict__.items()
        },
        "init": {k: {kk: vv for kk, vv in v.items() if kk != "returns"} for k, v in init.items()},
        "transfer": transfer_rows,
        **summary,
    }
    write_json(args.out / "summary.json", payload)
    write_tables(args.out, summary, init, transfer_rows)
    print(f"study written to {args.out.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
