"""The ``nervecord`` command line: one entry point, one subcommand per job.

Each subcommand lives in its own module exposing ``configure_parser(parser)``
and ``run(args) -> int``; this file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

import torch

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("nervecord.demo", "run the main job on the default settings and write a report"),
    "eval": ("nervecord.evaluate", "evaluate a controller on the swim task"),
    "train": ("nervecord.training.cli", "train a controller with ES or PPO"),
    "bench": ("nervecord.bench", "speed and memory benchmarks"),
    "vpr": ("nervecord.vpr.cli", "place recognition with spiking ensembles: train, eval, bench"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nervecord", description="Bio-inspired controllers for simulated and real robots."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.configure_parser(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Policies here are small: one intra-op thread avoids OpenMP threads spinning
    # against the physics threads on the same cores. NERVECORD_TORCH_THREADS overrides.
    torch.set_num_threads(int(os.environ.get("NERVECORD_TORCH_THREADS", "1")))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args._run(args) or 0)
    except (ValueError, FileNotFoundError) as error:
        # Bad input: a one-line message naming what was wrong, not a traceback.
        print(f"nervecord {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
