"""``nervecord eval``: returns of a controller on the swim task.

Every episode runs as one world of the batched simulator, so K episodes cost
one batched rollout. ``--json`` writes the keys ``mean_return``,
``std_return``, ``mean_forward_speed`` and ``n_params`` (plus ``returns``,
``controller``, ``links``, ``episodes`` and ``seed``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nervecord.checkpoints import load_checkpoint
from nervecord.controllers import CONTROLLERS, Controller, make_controller
from nervecord.envs import BatchedSwimmer
from nervecord.rollout import rollout


def evaluate(
    controller: Controller,
    n_links: int,
    episodes: int = 8,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> dict[str, Any]:
    """Mean and spread of the return of ``controller`` over ``episodes`` episodes.

    Returns:
        Dict with ``mean_return``, ``std_return``, ``mean_forward_speed`` (m/s),
        ``n_params`` and the per-episode ``returns``.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    sim = BatchedSwimmer(n_links, episodes, seed=seed, device=device, autoreset=False)
    result = rollout(controller, sim, progress=progress)
    sim.close()
    return {
        "mean_return": float(np.mean(result.returns)),
        "std_return": float(np.std(result.returns)),
        "mean_forward_speed": float(np.mean(result.mean_forward_speed)),
        "n_params": controller.n_params(),
        "returns": [float(r) for r in result.returns],
    }


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--controller", choices=sorted(CONTROLLERS), default="ncap")
    parser.add_argument("--checkpoint", type=Path, help="checkpoint folder or run folder")
    parser.add_argument("--links", type=int, default=None, help="swimmer links (default 6)")
    parser.add_argument(
        "--transfer",
        action="store_true",
        help="run a shared-weight NCAP checkpoint unchanged on a body of --links links",
    )
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    parser.add_argument("--json", type=Path, help="write results as JSON here")


def run(args: argparse.Namespace) -> int:
    if args.checkpoint is not None:
        joints = None if args.links is None else args.links - 1
        if args.transfer:
            if joints is None:
                raise ValueError("--transfer needs --links, the body to run the weights on")
            controller = load_checkpoint(args.checkpoint, expected_kind="ncap").controller
            controller = controller.with_joints(joints)
        else:
            controller = load_checkpoint(args.checkpoint, expected_joints=joints).controller
        kind, n_links = controller.kind, controller.n_joints + 1
    else:
        kind, n_links = args.controller, args.links or 6
        controller = make_controller(kind, n_links - 1)
    results = evaluate(controller, n_links, args.episodes, args.seed, args.device, progress=True)
    print(
        f"{kind} on {n_links} links, {args.episodes} episodes: "
        f"return {results['mean_return']:.1f} +- {results['std_return']:.1f}, "
        f"forward speed {results['mean_forward_speed']:.4f} m/s, "
        f"{results['n_params']} trainable parameters"
    )
    if args.json:
        payload = {
            "controller": kind,
            "links": n_links,
            "episodes": args.episodes,
            "seed": args.seed,
            "checkpoint": str(args.checkpoint) if args.checkpoint else None,
            **results,
        }
        write_json(args.json, payload)
        print(f"results written to {args.json}")
    return 0
