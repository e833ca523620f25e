"""``nervecord demo`` (run by ``make demo``): the main job on the default settings.

Runs the untrained NCAP on the 6-link swimmer in the batched simulator and on
bodies of 4 to 14 links, a short evolution-strategies run of NCAP, and a small
place-recognition run of the spiking ensemble, then writes a report folder
with tables, a kymograph of the joint angles, a video of the swimmer, the
reward curve, the precision-recall plot and match matrix, and the results as
JSON.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from nervecord.controllers import NCAP
from nervecord.envs import BatchedSwimmer
from nervecord.envs import swimmer_model as sm
from nervecord.evaluate import evaluate, write_json
from nervecord.report import plot_kymograph, plot_returns_by_links, record_video
from nervecord.rollout import rollout
from nervecord.training.es import ESConfig
from nervecord.training.runner import RunSettings, train
from nervecord.vpr.demo import run_demo as run_vpr_demo

log = logging.getLogger(__name__)

LINK_COUNTS = (4, 6, 8, 10, 12, 14)
# Untrained NCAP returns measured on the control suite's swimmer (REFERENCE.md).
PUBLISHED_RANGE = {
    4: (333, 348),
    6: (794, 807),
    8: (896, 909),
    10: (899, 915),
    12: (903, 906),
    14: (913, 918),
}


def swimmer_section(out_dir: Path, episodes: int, seed: int) -> dict[str, Any]:
    """Untrained NCAP across body lengths, kymograph and video."""
    rows = []
    for n_links in LINK_COUNTS:
        results = evaluate(NCAP(n_links - 1), n_links, episodes=episodes, seed=seed)
        rows.append({"links": n_links, **results})
        log.info("links %d: return %.1f", n_links, results["mean_return"])

    sim = BatchedSwimmer(6, 1, seed=seed, device="cpu", autoreset=False)
    traj = rollout(NCAP(5), sim, record_joints=True)
    kymograph = plot_kymograph(
        traj.joint_angles[:300, 0],
        out_dir / "kymograph_ncap_6links.png",
        sm.CONTROL_TIMESTEP,
        title="untrained NCAP, 6 links: joint angles (first 9 s)",
    )
    bars = plot_returns_by_links(
        [r["links"] for r in rows],
        [r["mean_return"] for r in rows],
        [r["std_return"] for r in rows],
        out_dir / "returns_by_links.png",
    )
    video = record_video(NCAP(5), 6, out_dir / "ncap_6links.mp4", seconds=10.0, seed=seed)
    return {"rows": rows, "files": [kymograph.name, bars.name, video.name]}


def es_section(out_dir: Path, generations: int, seed: int) -> dict[str, Any]:
    """A short evolution-strategies run of NCAP on 6 links, with its reward curve."""
    config = ESConfig(population=8, sigma=0.05, learning_rate=0.1)
    run_dir = out_dir / "es_ncap"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    settings = RunSettings(
        controller="ncap",
        algo="es",
        n_links=6,
        steps=generations * config.env_steps_per_generation,
        seed=seed,
        out=run_dir,
        es=config,
    )
    result = train(settings, progress=True)
    before = evaluate(NCAP(5), 6, episodes=4, seed=seed + 100)["mean_return"]
    after = evaluate(result["controller"], 6, episodes=4, seed=seed + 100)["mean_return"]
    weights = {
        name: round(float(result["controller"].weight(name).detach()), 3)
        for name in ("osc", "prop", "ipsi", "contra")
    }
    shutil.copy(result["plot"], out_dir / "es_reward_curve.png")
    return {
        "env_steps": settings.steps,
        "return_before": before,
        "return_after": after,
        "weights": weights,
        "files": ["es_reward_curve.png", "es_ncap/"],
    }


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| links | mean return | std | forward speed (m/s) | published range |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        low, high = PUBLISHED_RANGE.get(r["links"], (np.nan, np.nan))
        lines.append(
            f"| {r['links']} | {r['mean_return']:.1f} | {r['std_return']:.1f} | "
            f"{r['mean_forward_speed']:.4f} | {low}-{high} |"
        )
    return "\n".join(lines)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="report folder")
    parser.add_argument("--episodes", type=int, default=8, help="episodes per link count")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--es-generations", type=int, default=6, help="0 skips the ES run")
    parser.add_argument("--no-vpr", action="store_true", help="skip the place-recognition run")


def run(args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    report: dict[str, Any] = {}

    print("1/3 untrained NCAP on the swim task (batched simulator, 4 to 14 links)")
    swim = swimmer_section(out_dir, args.episodes, args.seed)
    report["swimmer"] = swim["rows"]
    table = format_table(swim["rows"])
    print(table)

    es: dict[str, Any] | None = None
    if args.es_generations > 0:
        print(f"2/3 evolution strategies on NCAP, {args.es_generations} generations")
        es = es_section(out_dir, args.es_generations, args.seed)
        report["es"] = es
        print(
            f"ES: return {es['return_before']:.1f} -> {es['return_after']:.1f} "
            f"after {es['env_steps']} env steps; weights {es['weights']}"
        )

    places: dict[str, Any] | None = None
    if not args.no_vpr:
        print("3/3 place recognition with a spiking ensemble (rendered route, 100 places)")
        places = run_vpr_demo(out_dir / "vpr")
        report["place_recognition"] = places
        print(
            f"place recognition: Recall@1 {places['recall_at_1']:.2f} "
            f"(SAD {places['sad_recall_at_1']:.2f}) over {places['places']} places"
        )

    markdown = [
        "# nervecord demo report",
        "",
        "## Untrained NCAP on the swim task",
        "",
        f"{args.episodes} episodes of 1000 steps per body, seed {args.seed}; "
        "all weights at their initial +-1 values.",
        "",
        table,
        "",
        "![returns](returns_by_links.png)",
        "",
        "![kymograph](kymograph_ncap_6links.png)",
        "",
        "Video: [ncap_6links.mp4](ncap_6links.mp4)",
        "",
    ]
    if es is not None:
        markdown += [
            "## Evolution strategies on NCAP (6 links)",
            "",
            f"{es['env_steps']} env steps: return {es['return_before']:.1f} -> "
            f"{es['return_after']:.1f} (4 held-out episodes); trained weights {es['weights']}.",
            "",
            "![ES reward curve](es_reward_curve.png)",
            "",
        ]
    if places is not None:
        markdown += [
            "## Place recognition with a spiking ensemble",
            "",
            f"{places['places']} places of the rendered route: Recall@1 "
            f"{places['recall_at_1']:.3f}, SAD baseline {places['sad_recall_at_1']:.3f}, "
            f"AUC-PR {places['auc_pr']:.3f}; trained in {places['train_s']:.1f} s.",
            "",
            "![PR curve](vpr/pr_curve.png)",
            "",
            "![match matrix](vpr/match_matrix.png)",
            "",
        ]
    (out_dir / "report.md").write_text("\n".join(markdown))
    write_json(out_dir / "results.json", report)
    elapsed = time.perf_counter() - start
    print(f"demo finished in {elapsed:.0f} s; report written to {out_dir.resolve()}/report.md")
    files = ["report.md", "results.json", *swim["files"], *(es["files"] if es else [])]
    if places is not None:
        files += ["vpr/pr_curve.png", "vpr/match_matrix.png", "vpr/metrics.json"]
    print(f"  files: {', '.join(files)}")
    return 0
