"""Place-recognition metrics on a score matrix (higher score = better match)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def recall_at_n(scores: torch.Tensor, truth: torch.Tensor, n: int) -> float:
    """Fraction of queries whose true place is among the ``n`` best-scored places.

    Args:
        scores: ``(queries, places)``.
        truth: ``(queries,)`` true place ids.
        n: list length.
    """
    if scores.ndim != 2 or truth.shape != (scores.shape[0],):
        raise ValueError(
            f"scores {tuple(scores.shape)} and truth {tuple(truth.shape)} do not match"
        )
    n = min(n, scores.shape[1])
    top = scores.topk(n, dim=1).indices
    return float((top == truth[:, None]).any(dim=1).float().mean())


@dataclass(frozen=True)
class PrecisionRecall:
    """Precision-recall curve of best matches, swept over a score threshold.

    Each query proposes its best-scored place with that score as confidence;
    a proposal above the threshold is a true positive if the place is right.

    Attributes:
        precision: ``(k,)`` precision, threshold falling from high to low.
        recall: ``(k,)`` recall (correct accepted / all queries).
        auc: area under the curve (step-wise, average precision).
        recall_at_full_precision: the highest recall with precision 1.
    """

    precision: np.ndarray
    recall: np.ndarray
    auc: float
    recall_at_full_precision: float


def precision_recall(scores: torch.Tensor, truth: torch.Tensor) -> PrecisionRecall:
    """PR curve, AUC-PR and recall at 100% precision of top-1 matches."""
    best, match = scores.max(dim=1)
    correct = (match == truth).cpu().numpy().astype(float)
    order = np.argsort(-best.cpu().numpy(), kind="stable")
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, len(order) + 1)
    precision = hits / accepted
    recall = hits / len(order)
    previous = np.concatenate([[0.0], recall[:-1]])
    auc = float(np.sum((recall - previous) * precision))
    full = recall[precision >= 1.0 - 1e-12]
    return PrecisionRecall(
        precision=precision,
        recall=recall,
        auc=auc,
        recall_at_full_precision=float(full.max()) if full.size else 0.0,
    )


def summary(scores: torch.Tensor, truth: torch.Tensor, prefix: str = "") -> dict[str, float]:
    """Recall@1/5/10, AUC-PR and recall at 100% precision as a flat dict."""
    pr = precision_recall(scores, truth)
    out = {f"recall_at_{n}": recall_at_n(scores, truth, n) for n in (1, 5, 10)}
    out["auc_pr"] = pr.auc
    out["recall_at_100_precision"] = pr.recall_at_full_precision
    return {f"{prefix}{key}": value for key, value in out.items()}
