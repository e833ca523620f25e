"""A small place-recognition run for ``make demo``."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from nervecord.controllers import vpr
from nervecord.envs.places import make_world
from nervecord.vpr import pipeline

logger = logging.getLogger(__name__)

DEMO_PLACES = 100


def run_demo(out_dir: Path, progress: bool = True) -> dict:
    """Render 100 places, train a small ensemble, write its PR plot and match matrix.

    Args:
        out_dir: folder for ``pr_curve.png``, ``match_matrix.png`` and
            ``metrics.json`` (the rendered images are cached under it too).
        progress: show progress bars.

    Returns:
        headline numbers: ``places``, ``recall_at_1``, ``sad_recall_at_1``,
        ``auc_pr``, ``render_s``, ``train_s`` and the written file paths.
    """
    out_dir = Path(out_dir)
    start = time.perf_counter()
    dataset = make_world(DEMO_PLACES, seed=0, cache_dir=out_dir / "cache", progress=progress)
    render_s = time.perf_counter() - start

    config = vpr.EnsembleConfig()
    device = pipeline.default_device()
    data = pipeline.prepare(dataset, config, device)
    params, info = pipeline.train(config, data, progress)
    evaluation = pipeline.evaluate(config, params, data)
    files = pipeline.write_report(evaluation, out_dir, f"places-v1, {DEMO_PLACES} places")

    numbers = evaluation.numbers
    result = {
        "places": DEMO_PLACES,
        "recall_at_1": numbers["recall_at_1"],
        "sad_recall_at_1": numbers["sad_recall_at_1"],
        "auc_pr": numbers["auc_pr"],
        "render_s": render_s,
        "train_s": info["train_s"],
        **files,
    }
    logger.info("place recognition demo: %s", result)
    return result
