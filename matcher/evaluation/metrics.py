"""Ranking metrics for one query, with the engine's tie-break, and their averages.

A target's rank counts the candidates scored above it, and those scored equal whose id
sorts first (the order the engine returns), so a baseline full of ties is not flattered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

K = 10


@dataclass(frozen=True)
class QueryMetrics:
    recall: float
    ndcg: float
    rr: float  # reciprocal rank of the best-ranked target


@dataclass(frozen=True)
class Summary:
    queries: int
    recall_at_10: float
    ndcg_at_10: float
    mrr: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def target_ranks(
    scores: np.ndarray, candidates: np.ndarray, targets: np.ndarray, id_rank: np.ndarray
) -> np.ndarray:
    """1-based rank of each target among the candidates (targets must be candidates)."""
    pool = np.where(candidates, scores, -np.inf)
    ranks = []
    for t in targets.tolist():
        above = np.count_nonzero(pool > pool[t])
        tied = np.count_nonzero((pool == pool[t]) & candidates & (id_rank < id_rank[t]))
        ranks.append(1 + above + tied)
    return np.asarray(ranks, dtype=np.int64)


def metrics_of(ranks: np.ndarray, k: int = K) -> QueryMetrics:
    """Recall@k, nDCG@k (binary gains) and reciprocal rank from the targets' ranks."""
    if len(ranks) == 0:
        return QueryMetrics(0.0, 0.0, 0.0)
    hits = ranks[ranks <= k]
    dcg = float(np.sum(1.0 / np.log2(hits + 1)))
    ideal = float(np.sum(1.0 / np.log2(np.arange(2, min(k, len(ranks)) + 2))))
    return QueryMetrics(len(hits) / len(ranks), dcg / ideal, 1.0 / float(ranks.min()))


def summarise(items: Iterable[QueryMetrics]) -> Summary:
    found = list(items)
    if not found:
        return Summary(0, 0.0, 0.0, 0.0)
    return Summary(
        len(found),
        float(np.mean([m.recall for m in found])),
        float(np.mean([m.ndcg for m in found])),
        float(np.mean([m.rr for m in found])),
    )


def objective(items: Sequence[QueryMetrics]) -> float:
    """What weight tuning maximises: recall@10 and nDCG@10 alike."""
    summary = summarise(items)
    return (summary.recall_at_10 + summary.ndcg_at_10) / 2
