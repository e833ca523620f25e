"""``nervecord vpr train|eval|bench``: place recognition with spiking ensembles."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch

from nervecord.controllers import vpr
from nervecord.envs import places
from nervecord.vpr import checkpoint, pipeline

logger = logging.getLogger(__name__)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data (default: the rendered places-v1 route)")
    data.add_argument(
        "--world",
        type=int,
        default=100,
        metavar="PLACES",
        help="places of the rendered route (default 100)",
    )
    data.add_argument("--seed", type=int, default=0, help="route and training seed")
    data.add_argument(
        "--cache-dir", type=Path, default=None, help="where rendered images are cached"
    )
    data.add_argument(
        "--folders",
        type=Path,
        default=None,
        help="folder with reference/ and query/ (optional calibration/)",
    )
    data.add_argument(
        "--nordland", type=Path, default=None, help="Nordland root with one folder per season"
    )
    data.add_argument(
        "--robotcar",
        type=Path,
        default=None,
        help="RobotCar-style root of traversal folders (needs --csv)",
    )
    data.add_argument("--csv", type=Path, default=None, help="traversal,image,place_id CSV")
    data.add_argument(
        "--reference", nargs="+", default=None, help="reference traversals (Nordland/RobotCar)"
    )
    data.add_argument("--query", default=None, help="query traversal (Nordland/RobotCar)")
    data.add_argument(
        "--calibration", default=None, help="calibration traversal (Nordland/RobotCar)"
    )
    parser.add_argument("--device", default=None, help="torch device (default: cuda if present)")
    parser.add_argument(
        "--sequence", type=int, default=1, help="sequence-matching length (1: single images)"
    )


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``train``, ``eval`` and ``bench`` sub-commands."""
    sub = parser.add_subparsers(dest="vpr_command", required=True, metavar="ACTION")

    train = sub.add_parser("train", help="train an ensemble, save it, evaluate it")
    _add_data_options(train)
    train.add_argument(
        "--out", type=Path, default=Path("runs/vpr"), help="checkpoint and report folder"
    )
    _add_model_options(train)

    evaluate = sub.add_parser("eval", help="evaluate a saved ensemble")
    _add_data_options(evaluate)
    evaluate.add_argument("--checkpoint", type=Path, required=True, help="folder from train")
    evaluate.add_argument(
        "--out", type=Path, default=None, help="report folder (default: the checkpoint folder)"
    )

    bench = sub.add_parser("bench", help="training time, query rate, memory and recall")
    bench.add_argument("--places", type=int, nargs="+", default=[100, 1000, 3300])
    bench.add_argument("--json", type=Path, default=None, help="write the results here")
    bench.add_argument("--cache-dir", type=Path, default=None)
    bench.add_argument("--device", default=None)
    bench.add_argument("--seed", type=int, default=0)
    _add_model_options(bench)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    defaults = vpr.EnsembleConfig()
    model = parser.add_argument_group("ensemble")
    model.add_argument(
        "--learning",
        choices=[rule.value for rule in vpr.LearningRule],
        default=defaults.learning.value,
        help="teacher-driven STDP (default) or the unsupervised Diehl & Cook rule",
    )
    model.add_argument("--members", type=int, default=defaults.members, help="ensemble size")
    model.add_argument(
        "--input-code",
        choices=[c.value for c in vpr.InputCode],
        default=defaults.input_code.value,
        help="teacher learning: input spike code (poisson gives ensemble members their own)",
    )
    model.add_argument(
        "--epochs", type=int, default=defaults.epochs, help="passes over the reference images"
    )
    model.add_argument(
        "--neurons",
        type=int,
        default=defaults.n_excitatory,
        help="excitatory neurons per module (unsupervised learning only)",
    )
    model.add_argument(
        "--view-shifts",
        type=int,
        nargs="+",
        default=list(defaults.view_shifts),
        help="teacher learning: sideways shifts (pixels) of the reference view, one neuron each",
    )
    model.add_argument("--places-per-module", type=int, default=defaults.places_per_module)
    model.add_argument("--presentation-ms", type=float, default=defaults.presentation_ms)
    model.add_argument(
        "--inference",
        choices=[m.value for m in vpr.InferenceMode],
        default=vpr.InferenceMode.RATE.value,
    )


def _config(args: argparse.Namespace) -> vpr.EnsembleConfig:
    return vpr.EnsembleConfig(
        learning=vpr.LearningRule(args.learning),
        members=args.members,
        input_code=vpr.InputCode(args.input_code),
        epochs=args.epochs,
        n_excitatory=args.neurons,
        view_shifts=tuple(args.view_shifts),
        places_per_module=args.places_per_module,
        presentation_ms=args.presentation_ms,
        inference=vpr.InferenceMode(args.inference),
        seed=args.seed,
    )


def _dataset(args: argparse.Namespace) -> places.PlaceDataset:
    chosen = [name for name in ("folders", "nordland", "robotcar") if getattr(args, name)]
    if len(chosen) > 1:
        raise ValueError(f"choose one data source, got --{' and --'.join(chosen)}")
    if args.folders:
        return places.load_folders(args.folders)
    if args.nordland:
        return places.load_nordland(
            args.nordland,
            reference=args.reference or ("spring", "fall"),
            query=args.query or "summer",
            calibration=args.calibration,
        )
    if args.robotcar:
        if args.csv is None or not args.reference or not args.query:
            raise ValueError("--robotcar needs --csv, --reference and --query")
        return places.load_robotcar(
            args.robotcar, args.csv, args.reference, args.query, args.calibration
        )
    return places.make_world(args.world, seed=args.seed, cache_dir=args.cache_dir)


def _device(args: argparse.Namespace) -> torch.device:
    return torch.device(args.device) if args.device else pipeline.default_device()


def _print_numbers(numbers: dict) -> None:
    keys = (
        "places",
        "recall_at_1",
        "recall_at_5",
        "recall_at_10",
        "auc_pr",
        "recall_at_100_precision",
        "sad_recall_at_1",
        "sad_auc_pr",
        "queries_per_s",
    )
    for key in keys:
        if key in numbers:
            value = numbers[key]
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            print(f"  {key:26s} {shown}")


def _train(args: argparse.Namespace) -> int:
    config, device = _config(args), _device(args)
    data = pipeline.prepare(_dataset(args), config, device)
    params, info = pipeline.train(config, data)
    checkpoint.save(args.out, config, params)
    evaluation = pipeline.evaluate(config, params, data, args.sequence)
    evaluation.numbers.update(info)
    files = pipeline.write_report(evaluation, args.out, f"{data.places} places")
    print(
        f"trained {params.members} x {params.modules} modules in {info['train_s']:.1f} s; "
        f"checkpoint in {args.out}"
    )
    _print_numbers(evaluation.numbers)
    print("wrote " + ", ".join(files.values()))
    return 0


def _eval(args: argparse.Namespace) -> int:
    device = _device(args)
    config, params = checkpoint.load(args.checkpoint, device)
    data = pipeline.prepare(_dataset(args), config, device)
    evaluation = pipeline.evaluate(config, params, data, args.sequence)
    files = pipeline.write_report(evaluation, args.out or args.checkpoint, f"{data.places} places")
    _print_numbers(evaluation.numbers)
    print("wrote " + ", ".join(files.values()))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from nervecord.vpr.bench import run_bench

    if any(p < 1 for p in args.places):
        raise ValueError(f"--places must be positive, got {args.places}")
    rows = run_bench(args.places, _config(args), _device(args), args.cache_dir)
    header = (
        "places",
        "train_s",
        "queries_per_s",
        "queries_per_s_single",
        "peak_mem_mb",
        "recall_at_1",
        "sad_recall_at_1",
    )
    print(" ".join(f"{h:>20s}" for h in header))
    for row in rows:
        print(" ".join(f"{row[h]:>20.4g}" for h in header))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": rows}, indent=2))
        print(f"wrote {args.json}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    actions = {"train": _train, "eval": _eval, "bench": _bench}
    return actions[args.vpr_command](args)
