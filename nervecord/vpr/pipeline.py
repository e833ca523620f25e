"""One place-recognition experiment: preprocess, train, calibrate, score, measure."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from nervecord.controllers import vpr
from nervecord.envs.places import PlaceDataset
from nervecord.vpr import metrics, plots
from nervecord.vpr.sad import sad_place_scores

logger = logging.getLogger(__name__)


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class PreparedData:
    """Preprocessed ``(n, 784)`` pixels and place ids of every split, on one device."""

    reference: torch.Tensor
    reference_ids: torch.Tensor
    query: torch.Tensor
    query_ids: torch.Tensor
    calibration: torch.Tensor | None
    calibration_ids: torch.Tensor | None
    places: int


def prepare(
    dataset: PlaceDataset, config: vpr.EnsembleConfig, device: torch.device
) -> PreparedData:
    """Preprocess every split of ``dataset`` as ``config`` asks."""

    def pixels(images, what):
        return vpr.preprocess(images, config.image_side, config.patch_side, device, what)

    def ids(values):
        return torch.as_tensor(values, dtype=torch.int64, device=device)

    images, place_ids = dataset.reference_images()
    cal = dataset.calibration
    return PreparedData(
        reference=pixels(images, "reference images"),
        reference_ids=ids(place_ids),
        query=pixels(dataset.query.images, "query images"),
        query_ids=ids(dataset.query.place_ids),
        calibration=pixels(cal.images, "calibration images") if cal else None,
        calibration_ids=ids(cal.place_ids) if cal else None,
        places=dataset.places,
    )


def train(
    config: vpr.EnsembleConfig, data: PreparedData, progress: bool = True
) -> tuple[vpr.EnsembleParams, dict[str, float]]:
    """Train and (when a calibration split exists) regularise an ensemble.

    Returns:
        ``(params, timings)`` with ``train_s`` (learning, labelling, counting,
        calibration) and ``calibration_recall_at_1``.
    """
    start = time.perf_counter()
    with tqdm(
        total=config.epochs, desc="training modules", unit="epoch", disable=not progress
    ) as bar:
        params = vpr.fit(config, data.reference, data.reference_ids, lambda _: bar.update(1))
    info: dict[str, float] = {}
    if data.calibration is not None:
        params, recall = vpr.calibrate(config, params, data.calibration, data.calibration_ids)
        info["calibration_recall_at_1"] = recall[params.hyperactive_threshold]
    else:
        logger.warning("no calibration split: hyperactive-neuron regularisation is off")
    _synchronise(data.reference.device)
    info["train_s"] = time.perf_counter() - start
    return params, info


@dataclass
class Evaluation:
    """Scores and metrics of the ensemble and of SAD on one query set."""

    scores: torch.Tensor
    sad_scores: torch.Tensor
    truth: torch.Tensor
    numbers: dict[str, float] = field(default_factory=dict)


def evaluate(
    config: vpr.EnsembleConfig,
    params: vpr.EnsembleParams,
    data: PreparedData,
    sequence_length: int = 1,
) -> Evaluation:
    """Score the queries with the ensemble and with SAD; compute every metric."""
    if data.places > params.n_places:
        raise ValueError(
            f"the data has {data.places} places but the ensemble knows {params.n_places}"
        )
    start = time.perf_counter()
    scores = vpr.score(config, params, data.query)
    _synchronise(data.query.device)
    elapsed = time.perf_counter() - start
    sad = sad_place_scores(data.reference, data.reference_ids, data.query, params.n_places)
    if sequence_length > 1:
        scores = vpr.sequence_scores(scores, sequence_length)
        sad = vpr.sequence_scores(sad, sequence_length)
    numbers = metrics.summary(scores.cpu(), data.query_ids.cpu())
    numbers.update(metrics.summary(sad.cpu(), data.query_ids.cpu(), prefix="sad_"))
    numbers["queries_per_s"] = data.query.shape[0] / max(elapsed, 1e-9)
    numbers["places"] = data.places
    numbers["neurons_kept"] = float(params.keep().float().mean())
    return Evaluation(scores.cpu(), sad.cpu(), data.query_ids.cpu(), numbers)


def write_report(evaluation: Evaluation, out_dir: Path, title: str) -> dict[str, str]:
    """Write ``metrics.json``, ``match_matrix.png`` and ``pr_curve.png`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    curves = {
        "spiking ensemble": metrics.precision_recall(evaluation.scores, evaluation.truth),
        "SAD": metrics.precision_recall(evaluation.sad_scores, evaluation.truth),
    }
    files = {
        "match_matrix": str(
            plots.match_matrix(
                evaluation.scores,
                evaluation.truth,
                out_dir / "match_matrix.png",
                f"{title}: ensemble scores",
            )
        ),
        "pr_curve": str(plots.pr_curves(curves, out_dir / "pr_curve.png", title)),
        "metrics": str(out_dir / "metrics.json"),
    }
    (out_dir / "metrics.json").write_text(json.dumps(evaluation.numbers, indent=2))
    return files


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
