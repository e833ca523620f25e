"""``nervecord bench``: throughput measured against baselines in the same run.

``bench sim`` times, on this machine and in one process:

* ``sync``: gymnasium's ``SyncVectorEnv`` over single swimmer envs, with the
  policy called once per env per step, as a user would first write it;
* ``batched``: :class:`~nervecord.envs.BatchedSwimmer` driven by the batched
  NCAP at B = 1, 64, 256 and 1024;
* ``physics_bound``: ``mujoco.batch`` stepping the same worlds with fixed
  controls, nothing else: the most a batched environment could reach.

Figures are env steps (control steps of one world) per second, the best of a
few repeats to damp the noise of a shared machine. The JSON holds them per
configuration and the ratios ``batched_vs_sync`` and
``batched_vs_physics_bound`` at B = 256.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from nervecord.controllers import NCAP
from nervecord.envs import SWIMMER_ID, BatchedSwimmer, MujocoBatchBackend
from nervecord.envs import swimmer_model as sm
from nervecord.evaluate import write_json
from nervecord.training import bench as train_bench

RATIO_WORLDS = 256


def _best_rate(fn: Callable[[], int], repeats: int) -> float:
    """Highest of ``repeats`` timings of ``fn``, which returns the env steps it did."""
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        steps = fn()
        best = max(best, steps / (time.perf_counter() - start))
    return best


def bench_sync(n_links: int, num_envs: int, steps: int, repeats: int) -> float:
    """SyncVectorEnv with one policy call per env per step."""
    envs = gym.vector.SyncVectorEnv(
        [lambda: gym.make(SWIMMER_ID, n_links=n_links) for _ in range(num_envs)]
    )
    policy = NCAP(n_links - 1)
    observation, _ = envs.reset(seed=0)

    def run() -> int:
        nonlocal observation
        with torch.no_grad():
            for _ in range(steps):
                actions = np.stack(
                    [policy(torch.as_tensor(obs)[None])[0].numpy() for obs in observation]
                )
                observation, *_ = envs.step(actions)
        return steps * num_envs

    run()  # warm-up
    rate = _best_rate(run, repeats)
    envs.close()
    return rate


def bench_batched(
    n_links: int, num_worlds: int, steps: int, repeats: int, device: str, nthread: int | None
) -> float:
    """BatchedSwimmer with the batched NCAP, tensors on ``device``."""
    sim = BatchedSwimmer(n_links, num_worlds, seed=0, device=device, nthread=nthread)
    policy = NCAP(n_links - 1).to(sim.device)
    observation = sim.reset()

    def run() -> int:
        nonlocal observation
        with torch.no_grad():
            for _ in range(steps):
                observation = sim.step(policy(observation)).observation
        return steps * num_worlds

    run()
    rate = _best_rate(run, repeats)
    sim.close()
    return rate


def bench_physics(
    n_links: int, num_worlds: int, steps: int, repeats: int, nthread: int | None
) -> float:
    """The same physics backend alone: fixed controls, 15 physics steps per control step."""
    physics = MujocoBatchBackend(sm.build_model(n_links), num_worlds, nthread)
    ctrl = np.random.default_rng(0).uniform(-1, 1, (num_worlds, n_links - 1))
    n_substeps = round(sm.CONTROL_TIMESTEP / sm.PHYSICS_TIMESTEP)

    def run() -> int:
        for _ in range(steps):
            physics.step(ctrl, n_substeps)
        return steps * num_worlds

    run()
    return _best_rate(run, repeats)


def bench_sim(
    n_links: int = 6,
    worlds: tuple[int, ...] = (1, 64, 256, 1024),
    sync_envs: int | None = None,
    repeats: int = 3,
    device: str = "cpu",
    nthread: int | None = None,
    quick: bool = False,
) -> dict[str, Any]:
    """Measure all configurations; returns the JSON payload."""
    # Ratios compare at B = 256 (the figure the targets speak of); a run
    # without 256 worlds compares at its largest batch instead.
    ratio_worlds = RATIO_WORLDS if RATIO_WORLDS in worlds else max(worlds)
    sync_envs = sync_envs or ratio_worlds
    env_steps = 2_000 if quick else 20_000  # per configuration and repeat

    def steps_for(b: int) -> int:
        return max(5, env_steps // b)

    configs: list[dict[str, Any]] = []
    sync_rate = bench_sync(n_links, sync_envs, max(2, env_steps // 4 // sync_envs), repeats)
    configs.append({"name": "sync", "num_worlds": sync_envs, "env_steps_per_s": sync_rate})
    batched, bound = {}, {}
    for b in worlds:
        batched[b] = bench_batched(n_links, b, steps_for(b), repeats, device, nthread)
        configs.append({"name": "batched", "num_worlds": b, "env_steps_per_s": batched[b]})
        bound[b] = bench_physics(n_links, b, steps_for(b), repeats, nthread)
        configs.append({"name": "physics_bound", "num_worlds": b, "env_steps_per_s": bound[b]})
    return {
        "benchmark": "sim",
        "n_links": n_links,
        "device": device,
        "threads": nthread or os.cpu_count(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "configs": configs,
        "ratio_worlds": ratio_worlds,
        "batched_vs_sync": batched[ratio_worlds] / sync_rate,
        "batched_vs_physics_bound": batched[ratio_worlds] / bound[ratio_worlds],
    }


def configure_parser(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="bench", required=True, metavar="BENCH")
    sim = sub.add_parser("sim", help="env steps per second: batched vs SyncVectorEnv vs physics")
    sim.add_argument("--links", type=int, default=6)
    sim.add_argument("--worlds", type=int, nargs="+", default=[1, 64, 256, 1024])
    sim.add_argument("--repeats", type=int, default=3)
    sim.add_argument("--device", default="cpu")
    sim.add_argument("--threads", type=int, default=None, help="physics threads")
    sim.add_argument("--quick", action="store_true", help="fewer steps, for a smoke run")
    sim.add_argument("--json", type=Path, help="write results as JSON here")
    train = sub.add_parser("train", help="ES and PPO training throughput")
    train_bench.configure_parser(train)


def run(args: argparse.Namespace) -> int:
    if args.bench == "train":
        return train_bench.run(args)
    results = bench_sim(
        args.links,
        tuple(args.worlds),
        repeats=args.repeats,
        device=args.device,
        nthread=args.threads,
        quick=args.quick,
    )
    print(f"{'configuration':<16}{'worlds':>8}{'env steps/s':>14}")
    for row in results["configs"]:
        print(f"{row['name']:<16}{row['num_worlds']:>8}{row['env_steps_per_s']:>14.0f}")
    b = results["ratio_worlds"]
    print(f"batched_vs_sync (B={b}): {results['batched_vs_sync']:.2f}  (target >= 5)")
    print(
        f"batched_vs_physics_bound (B={b}): "
        f"{results['batched_vs_physics_bound']:.2f}  (target >= 0.6)"
    )
    if args.json:
        write_json(args.json, results)
        print(f"results written to {args.json}")
    return 0
