"""Which rows a query may return, and the k best of the scored ones."""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

from matcher.filters import Filters
from matcher.ranking.state import RankingState


def admitted_rows(
    state: RankingState, filters: Filters, blocked: Collection[str] = frozenset()
) -> np.ndarray:
    """Live rows the filters let through, without the excluded and blocked ids (a mask)."""
    mask = state.facts.admitted(filters)
    row_of = state.index.catalog.row_of
    for ident in (*filters.exclude, *blocked):
        row = row_of.get(ident)
        if row is not None and row < len(mask):
            mask[row] = False
    return mask


def top_rows(scores: np.ndarray, id_of: Callable[[int], str], k: int) -> np.ndarray:
    """Positions of the k best finite scores, best first; equal scores in id order."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > k:
        # every position tied with the k-th best is kept for the id tie-break
        kth = np.partition(scores[finite], len(finite) - k)[len(finite) - k]
        finite = finite[scores[finite] >= kth]
    order = sorted(finite.tolist(), key=lambda i: (-scores[i], id_of(i)))
    return np.asarray(order[:k], dtype=np.int64)
