"""``nervecord train``: train a controller on the swim task with ES or PPO."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nervecord.controllers import CONTROLLERS
from nervecord.training.es import ESConfig
from nervecord.training.runner import RunSettings, train


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--controller", choices=sorted(CONTROLLERS), default="ncap")
    parser.add_argument("--algo", choices=["es", "ppo"], default="es")
    parser.add_argument("--links", type=int, default=6)
    parser.add_argument("--steps", type=int, default=200_000, help="env-step budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/train"))
    parser.add_argument(
        "--resume", action="store_true", help="continue from the latest checkpoint"
    )
    parser.add_argument("--checkpoint-every", type=int, default=50_000, help="env steps")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--controller-settings",
        type=json.loads,
        default=None,
        help='JSON of controller settings, e.g. \'{"sign_mode": "clamp"}\'',
    )
    es = parser.add_argument_group("evolution strategies")
    es.add_argument("--population", type=int, default=ESConfig.population)
    es.add_argument("--sigma", type=float, default=ESConfig.sigma)
    es.add_argument("--lr", type=float, default=ESConfig.learning_rate)
    es.add_argument("--episodes", type=int, default=ESConfig.episodes, help="per member")
    es.add_argument("--ray-workers", type=int, default=0, help="evaluate on Ray (0: no Ray)")
    es.add_argument("--ray-address", default=None, help="existing Ray cluster (default: local)")
    ppo = parser.add_argument_group("PPO")
    ppo.add_argument("--n-envs", type=int, default=8)
    ppo.add_argument("--n-steps", type=int, default=512)
    ppo.add_argument("--log-std-init", type=float, default=0.0)
    ppo.add_argument("--fixed-std", action="store_true")
    ppo.add_argument("--eval-every", type=int, default=10_000)
    ppo.add_argument("--env", choices=["batched", "sync"], default="batched")


def settings_from_args(args: argparse.Namespace) -> RunSettings:
    return RunSettings(
        controller=args.controller,
        algo=args.algo,
        n_links=args.links,
        steps=args.steps,
        seed=args.seed,
        out=args.out,
        controller_settings=args.controller_settings,
        es=ESConfig(
            population=args.population,
            sigma=args.sigma,
            learning_rate=args.lr,
            episodes=args.episodes,
        ),
        ppo={
            "n_envs": args.n_envs,
            "n_steps": args.n_steps,
            "log_std_init": args.log_std_init,
            "fixed_std": args.fixed_std,
            "eval_every": args.eval_every,
            "env": args.env,
        },
        checkpoint_every=args.checkpoint_every,
        ray_workers=args.ray_workers,
        ray_address=args.ray_address,
        device=args.device,
    )


def run(args: argparse.Namespace) -> int:
    result = train(settings_from_args(args), resume=args.resume)
    last = result["last"]
    ret = last.get("center_return", last.get("eval_return", float("nan")))
    print(f"final return {ret:.1f} after {int(last.get('env_steps', 0))} env steps")
    print(f"checkpoint: {result['checkpoint']}")
    print(f"reward curve: {result['plot']}; log: {args.out / 'progress.csv'}")
    return 0
