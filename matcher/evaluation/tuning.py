"""Weights of the hybrid learnt on the tune half of the queries, reported on the other.

The components of every tune query are computed once (held-out data masked, as in `run`)
and kept over the query's candidates; coordinate ascent then tries each weight on a grid,
keeping a change only when the objective (mean of recall@10 and nDCG@10) improves. A
ranking does not change when all weights are scaled, so the result is normalised to sum 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.evaluation.harness import Setup, progress, signals_of
from matcher.evaluation.metrics import QueryMetrics, metrics_of, objective

GRID = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)


@dataclass(frozen=True)
class Stored:
    """One query's components over its candidates, ready to be re-weighted."""

    matrix: np.ndarray  # components x candidates
    targets: np.ndarray  # positions of the targets among the candidates
    id_rank: np.ndarray  # the engine's tie-break order of the candidates
    half: str

    def metrics(self, weights: np.ndarray) -> QueryMetrics:
        scores = weights @ self.matrix
        at = scores[self.targets][:, None]
        ties = (scores == at) & (self.id_rank < self.id_rank[self.targets][:, None])
        ranks = 1 + np.count_nonzero(scores > at, axis=1) + np.count_nonzero(ties, axis=1)
        return metrics_of(ranks)


def collect(
    setup: Setup, names: Sequence[str], half: str | None = "tune", show_progress: bool = False
) -> list[Stored]:
    """The named components of every query of the half (all queries when None)."""
    stored = []
    for i in progress(range(len(setup.cases)), show_progress):
        case = setup.cases[i]
        if half is not None and case.half != half:
            continue
        signals = signals_of(setup, i)
        rows = np.flatnonzero(signals.candidates)  # positions in the pool
        at = np.minimum(np.searchsorted(signals.rows, case.targets), len(signals.rows) - 1)
        found = at[(signals.rows[at] == case.targets) & signals.candidates[at]]
        targets = np.searchsorted(rows, found)
        if len(targets):
            matrix = np.stack([signals.components[n][rows] for n in names]).astype(np.float32)
            id_rank = setup.id_rank[signals.rows[rows]]
            stored.append(Stored(matrix, targets, id_rank, case.half))
    return stored


def tune(
    stored: Sequence[Stored],
    names: Sequence[str],
    start: Mapping[str, float],
    free: Sequence[str] | None = None,
    rounds: int = 3,
    grid: Sequence[float] = GRID,
) -> dict[str, float]:
    """Coordinate ascent on the objective over `stored` (whose rows are `names`), from the
    `start` weights; only the `free` components (all when None) may weigh anything."""
    movable = [i for i, n in enumerate(names) if free is None or n in free]
    weights = np.asarray(
        [start.get(n, 0.0) if i in movable else 0.0 for i, n in enumerate(names)],
        dtype=np.float32,
    )
    best = evaluate(stored, weights)
    for _ in range(rounds):
        improved = False
        for i in movable:
            for value in grid:
                trial = weights.copy()
                trial[i] = value
                found = evaluate(stored, trial) if trial.any() else -1.0
                if found > best + 1e-6:
                    best, weights, improved = found, trial, True
        if not improved:
            break
    total = float(weights.sum()) or 1.0
    return {n: round(float(w) / total, 4) for n, w in zip(names, weights, strict=True) if w}


def evaluate(stored: Sequence[Stored], weights: np.ndarray) -> float:
    return objective([s.metrics(weights) for s in stored])
