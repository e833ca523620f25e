"""``nervecord bench train``: training throughput on this machine.

* ES: generations per second and env steps per second at populations of 64,
  256 and 1024 (NCAP, one episode per member, the evaluated mean included);
  episodes are shortened to ``--episode-steps`` so a generation of 1024
  members fits a benchmark, which leaves env steps per second unchanged.
* PPO: env steps per second of stable-baselines3 PPO (collection and
  updates) on the batched simulator and on gymnasium's SyncVectorEnv, same
  controller, same settings, same run: ``ppo_batched_vs_sync``.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from nervecord.controllers import NCAP
from nervecord.evaluate import write_json
from nervecord.training.es import ESConfig, EvolutionStrategies
from nervecord.training.runner import RunSettings


def bench_es(population: int, generations: int, episode_steps: int, n_links: int) -> dict:
    config = ESConfig(population=population, episode_steps=episode_steps)
    es = EvolutionStrategies(NCAP(n_links - 1), n_links, config, seed=0)
    es.step()  # warm-up
    start = time.perf_counter()
    for _ in range(generations):
        es.step()
    elapsed = time.perf_counter() - start
    return {
        "population": population,
        "episode_steps": episode_steps,
        "generations_per_s": generations / elapsed,
        "env_steps_per_s": generations * config.env_steps_per_generation / elapsed,
    }


def bench_ppo(env: str, controller: str, steps: int, n_links: int) -> float:
    from nervecord.training.ppo import PPORun

    with tempfile.TemporaryDirectory() as out:
        settings = RunSettings(
            controller=controller,
            algo="ppo",
            n_links=n_links,
            steps=steps,
            seed=0,
            out=Path(out),
            ppo={"env": env, "eval_every": 10**9},
            checkpoint_every=10**9,
        )
        run = PPORun(settings)
        run.progress_log = None
        start = time.perf_counter()
        run.model.learn(total_timesteps=steps)
        elapsed = time.perf_counter() - start
        run.env.close()
    return run.model.num_timesteps / elapsed


def bench_train(
    populations: tuple[int, ...] = (64, 256, 1024),
    generations: int = 2,
    episode_steps: int = 200,
    ppo_steps: int = 8192,
    ppo_controller: str = "mlp",
    n_links: int = 6,
) -> dict[str, Any]:
    es_rows = [bench_es(p, generations, episode_steps, n_links) for p in populations]
    batched = bench_ppo("batched", ppo_controller, ppo_steps, n_links)
    sync = bench_ppo("sync", ppo_controller, ppo_steps, n_links)
    return {
        "benchmark": "train",
        "n_links": n_links,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "es": es_rows,
        "ppo": {
            "controller": ppo_controller,
            "steps": ppo_steps,
            "batched_steps_per_s": batched,
            "sync_steps_per_s": sync,
        },
        "ppo_batched_vs_sync": batched / sync,
    }


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--populations", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--episode-steps", type=int, default=200)
    parser.add_argument("--ppo-steps", type=int, default=8192)
    parser.add_argument("--ppo-controller", choices=["ncap", "mlp"], default="mlp")
    parser.add_argument("--links", type=int, default=6)
    parser.add_argument("--json", type=Path, help="write results as JSON here")


def run(args: argparse.Namespace) -> int:
    results = bench_train(
        tuple(args.populations),
        args.generations,
        args.episode_steps,
        args.ppo_steps,
        args.ppo_controller,
        args.links,
    )
    print(f"{'ES population':<16}{'generations/s':>15}{'env steps/s':>14}")
    for row in results["es"]:
        print(
            f"{row['population']:<16}{row['generations_per_s']:>15.3f}"
            f"{row['env_steps_per_s']:>14.0f}"
        )
    ppo = results["ppo"]
    print(
        f"PPO ({ppo['controller']}) env steps/s: batched {ppo['batched_steps_per_s']:.0f}, "
        f"SyncVectorEnv {ppo['sync_steps_per_s']:.0f}, "
        f"ppo_batched_vs_sync {results['ppo_batched_vs_sync']:.2f}"
    )
    if args.json:
        write_json(args.json, results)
        print(f"results written to {args.json}")
    return 0
