"""Figures of a place-recognition run: match matrix and precision-recall curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from nervecord.vpr.metrics import PrecisionRecall  # noqa: E402


def match_matrix(scores: torch.Tensor, truth: torch.Tensor, path: Path, title: str) -> Path:
    """Save the score matrix as an image, true places and best matches marked."""
    data = scores.detach().cpu().numpy()
    finite = np.isfinite(data)
    data = np.where(finite, data, np.nanmin(np.where(finite, data, np.nan)))
    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    image = ax.imshow(data, aspect="auto", cmap="viridis", interpolation="nearest")
    queries = np.arange(data.shape[0])
    ax.plot(truth.cpu().numpy(), queries, "w.", markersize=2, label="true place")
    ax.plot(data.argmax(axis=1), queries, "r.", markersize=2, label="best match")
    ax.set_xlabel("reference place id")
    ax.set_ylabel("query")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=7)
    fig.colorbar(image, ax=ax, label="score")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def pr_curves(curves: dict[str, PrecisionRecall], path: Path, title: str) -> Path:
    """Save the precision-recall curves of several methods in one plot."""
    fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
    for name, pr in curves.items():
        ax.plot(pr.recall, pr.precision, label=f"{name} (AUC {pr.auc:.2f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
