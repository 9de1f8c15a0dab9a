"""Stage one of every ranking: the candidate pool.

A query's candidates are gathered from cheap sources, each a few hundred rows at most:
the nearest chunks in the vector index, the best BM25 chunks from the inverted index, the
asking organisation's past partners and their partners, and the most linked and most
proven organisations (the priors' leaders, so the popularity scale is the true one). A
seeded random sample of candidates joins them: the statistics that scale the components
(the median candidate's best cosine, minima and maxima) are read over it, so they do not
drift with the pool. Stage two scores every pool row exactly; when the candidates hold few
chunks, the pool is every candidate and the ranking is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from matcher.ranking.graph import NO_GROUP, Group
from matcher.ranking.state import RankingState
from matcher.settings import PoolSettings

EMPTY = np.zeros(0, dtype=np.int64)
SAMPLE_SEED = 20_241_129
# The priors' leaders are ranked once per write, this many times deeper than a query takes,
# so that a query's filters and blocked rows rarely leave fewer than it needs.
LEADER_DEPTH = 4


@dataclass(frozen=True)
class Pool:
    rows: np.ndarray  # sorted candidate rows, every one admitted
    reference: np.ndarray  # bool per pool row: in the random sample the statistics read
    exhaustive: bool  # every admitted row is in the pool


def pool_of(
    state: RankingState,
    admitted: np.ndarray,
    sources: Callable[[], list[np.ndarray]],
    settings: PoolSettings,
    exhaustive: bool = False,
    areas: tuple[str, ...] = (),
) -> Pool:
    """The admitted rows of every source, the priors' leaders and the reference sample;
    every admitted row (and no source asked) when they hold few chunks, or when asked to be
    exhaustive (then with the same reference sample, so that the exact ranking a pool is
    measured against reads the same scales)."""
    everyone = np.flatnonzero(admitted)
    chunks = int(state.index.catalog.count.view[everyone].sum())
    if chunks <= settings.exact_chunks or len(everyone) <= settings.sample_rows:
        return Pool(everyone, np.ones(len(everyone), dtype=bool), True)
    sample = _sample(everyone, settings.sample_rows)
    if exhaustive:  # every row, on the scales a pool of this collection reads
        return Pool(everyone, np.isin(everyone, sample), True)
    leaders = _leaders(state, admitted, settings.prior_rows, areas)
    found = np.concatenate([*sources(), leaders, sample])
    rows = np.unique(found)
    rows = rows[admitted[rows]]
    return Pool(rows, np.isin(rows, sample), False)


def _sample(rows: np.ndarray, size: int) -> np.ndarray:
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(rows, size=size, replace=False))


def _leaders(
    state: RankingState, admitted: np.ndarray, count: int, areas: tuple[str, ...]
) -> np.ndarray:
    """The most linked and the most proven admitted rows, overall and in the wanted areas:
    the priors and area coverage carry a text-only ranking a long way, so an organisation
    known in the field can rank high on a text it matches only loosely. Each ranking is
    taken once per write, deeper than a query needs, and read through the query's mask."""
    depth, out = LEADER_DEPTH * count, []
    for name, values in (
        ("degree", state.graph.degree.view),
        ("evidence", state.facts.evidence.view),
    ):
        for wanted in dict.fromkeys([(), areas]):
            ranked = state.memo(
                ("leaders", name, wanted), partial(_ranked, state, values, wanted, depth)
            )
            found = ranked[admitted[ranked]][:count]
            if len(found) < count and len(ranked) == depth:  # a narrow filter: rank within it
                found = _ranked(state, values, wanted, count, admitted)
            out.append(found)
    return np.concatenate(out).astype(np.int64)


def _ranked(
    state: RankingState,
    values: np.ndarray,
    areas: tuple[str, ...],
    depth: int,
    within: np.ndarray | None = None,
) -> np.ndarray:
    """Up to `depth` rows with a positive value, best first, among live rows (or `within`)
    in the wanted areas."""
    size = min(len(values), len(state.facts))
    mask = (state.facts.alive.view if within is None else within)[:size].copy()
    if areas:
        mask &= (state.facts.areas.view[:size] & state.facts.area_mask(areas)) != 0
    scores = np.where(mask, values[:size], -1.0)
    top = _top(scores, depth)
    return top[np.argsort(-scores[top], kind="stable")]


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    if len(scores) == 0:
        return EMPTY
    top = np.argpartition(-scores, min(count, len(scores) - 1))[:count]
    return top[scores[top] > 0]


def nearest_rows(
    state: RankingState,
    vectors: np.ndarray,
    chunks: int,
    admitted: np.ndarray,
    excluded_slots: np.ndarray = EMPTY,
) -> np.ndarray:
    """Rows owning the nearest chunks to any of the query vectors.

    The index is asked for more chunks when the filters admit few rows, so a filtered
    query still finds its share; chunks an evaluation holds out never count."""
    if len(vectors) == 0:
        return EMPTY
    share = max(float(admitted.mean()), 1e-3) if len(admitted) else 1.0
    fetch = int(min(chunks / share, chunks * 20)) + len(excluded_slots)
    allowed = None
    if len(excluded_slots):
        allowed = state.index.catalog.alive.view.copy()
        allowed[excluded_slots] = False
    _, slots = state.index.search(vectors, fetch, allowed)
    slots = slots[slots >= 0]
    return np.unique(state.index.catalog.rows_of_slots(slots))


def lexical_rows(state: RankingState, slots: np.ndarray) -> np.ndarray:
    return np.unique(state.index.catalog.rows_of_slots(slots)) if len(slots) else EMPTY


def graph_rows(state: RankingState, asker: int, count: int, held: Group = NO_GROUP) -> np.ndarray:
    """The asker's past partners and the rows sharing most partners with it."""
    partners = state.graph.partners(asker, held)
    shared, times = state.graph.shared_partners(asker, held)
    if len(shared) > count:
        shared = shared[np.argpartition(-times, count - 1)[:count]]
    return np.concatenate([partners, shared])
