"""Speed, memory and recall of the spiking ensemble on the rendered route."""

from __future__ import annotations

import logging
import resource
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from nervecord.controllers import vpr
from nervecord.envs.places import make_world
from nervecord.vpr import pipeline

logger = logging.getLogger(__name__)


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory: device allocations on CUDA, else the process's peak resident set."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def single_query_rate(config, params, pixels: torch.Tensor, count: int = 50) -> float:
    """Queries per second when each query is scored on its own."""
    count = min(count, pixels.shape[0])
    start = time.perf_counter()
    for k in range(count):
        vpr.score(config, params, pixels[k : k + 1])
    return count / (time.perf_counter() - start)


def run_bench(
    sizes: list[int],
    config: vpr.EnsembleConfig,
    device: torch.device,
    cache_dir: Path | None = None,
) -> list[dict]:
    """One row per route length: timings, memory and Recall@1 of ensemble and SAD.

    Rendering (cached after the first run) is not part of ``train_s``.
    """
    rows = []
    for places in tqdm(sizes, desc="vpr bench", unit="size"):
        start = time.perf_counter()
        dataset = make_world(places, seed=config.seed, cache_dir=cache_dir)
        render_s = time.perf_counter() - start
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        data = pipeline.prepare(dataset, config, device)
        params, info = pipeline.train(config, data)
        evaluation = pipeline.evaluate(config, params, data)
        numbers = evaluation.numbers
        row = {
            "places": places,
            "modules": params.members * params.modules,
            "train_s": info["train_s"],
            "render_s": render_s,
            "queries_per_s": numbers["queries_per_s"],
            "queries_per_s_single": single_query_rate(config, params, data.query),
            "peak_mem_mb": peak_memory_mb(device),
            "recall_at_1": numbers["recall_at_1"],
            "recall_at_5": numbers["recall_at_5"],
            "auc_pr": numbers["auc_pr"],
            "sad_recall_at_1": numbers["sad_recall_at_1"],
            "hyperactive_threshold": params.hyperactive_threshold,
            "device": str(device),
        }
        logger.info("bench row: %s", row)
        rows.append(row)
    return rows
