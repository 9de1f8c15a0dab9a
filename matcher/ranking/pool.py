"""Stage one of every ranking: the candidate pool.

A query's candidates are gathered from cheap sources: the nearest chunks in the vector
index, the best BM25 chunks from the inverted index, the asking organisation's past
partners and their partners, and the most linked and most proven organisations (the
priors' leaders, so the popularity scale is the true one). A seeded random sample of
candidates joins them: the statistics that scale the components (the median candidate's
best cosine, minima and maxima) are read over it, so they do not drift with the pool.

The vector index is asked deep, since a row whose every chunk lies past the cut-off can
still reach the top 10 on its other components (areas, graph, popularity). Scoring every
chunk of every row found that deep would cost more than the search, so a first cut ranks
those rows by the same scoring read on a sketch (matcher.ranking.chunks.Sketch: only the
pairs the index returned, at its own scores) and keeps the best `semantic_rows`. Stage two
scores every pool row exactly; when the candidates hold few chunks, the pool is every
candidate and the ranking is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from embeddings.sets import distinct, union
from matcher.ranking.chunks import Nearest, Sketch
from matcher.ranking.graph import NO_GROUP, Group
from matcher.ranking.state import RankingState
from matcher.settings import PoolSettings

EMPTY = np.zeros(0, dtype=np.int64)
SAMPLE_SEED = 20_241_129
# The priors' leaders are ranked once per write, this many times deeper than a query takes,
# so that a query's filters and blocked rows rarely leave fewer than it needs.
LEADER_DEPTH = 4


NO_NEAREST = Nearest(EMPTY[None, :], np.zeros((1, 0), dtype=np.float32))


@dataclass(frozen=True)
class Pool:
    rows: np.ndarray  # sorted candidate rows, every one admitted
    reference: np.ndarray  # bool per pool row: in the random sample the statistics read
    exhaustive: bool  # every admitted row is in the pool
    sketch: Sketch | None = None  # a first cut's reading; None: every live chunk, exactly


@dataclass(frozen=True)
class Found:
    """What a query's sources bring: rows taken whole, and the vector index's chunks."""

    rows: list[np.ndarray]
    nearest: Nearest = NO_NEAREST


# The first cut's scores for every row of a sketch pool (-inf for rows it cannot rank).
FirstCut = Callable[[Pool], np.ndarray]


def pool_of(
    state: RankingState,
    admitted: np.ndarray,
    sources: Callable[[], Found],
    settings: PoolSettings,
    exhaustive: bool = False,
    areas: tuple[str, ...] = (),
    first_cut: FirstCut | None = None,
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
    found = sources()
    leaders = _leaders(state, admitted, settings.prior_rows, areas)
    kept = union(*found.rows, leaders, sample)
    kept = kept[admitted[kept]]
    returned = _returned(state, found.nearest, admitted, kept)
    near = distinct(returned.owners)
    if first_cut is not None and len(near) > settings.semantic_rows:
        near = _first_cut(state, kept, near, returned, sample, first_cut, settings.semantic_rows)
    rows = union(kept, near)
    return Pool(rows, np.isin(rows, sample), False)


@dataclass(frozen=True)
class _Returned:
    """The vector index's chunks of admitted rows that no other source brought, once each."""

    slots: np.ndarray  # ascending
    owners: np.ndarray  # each one's row
    scores: np.ndarray  # (query vectors, fetched): the index's scores
    pairs: np.ndarray  # (query vectors, fetched): which of `slots` it returned, -1: none


def _returned(
    state: RankingState, nearest: Nearest, admitted: np.ndarray, kept: np.ndarray
) -> _Returned:
    flat = nearest.slots.ravel()
    valid = flat >= 0
    slots, inverse = np.unique(flat[valid], return_inverse=True)
    owners = state.index.catalog.rows_of_slots(slots)
    keep = admitted[owners] & ~np.isin(owners, kept)
    index = np.where(keep, np.cumsum(keep) - 1, -1)
    pairs = np.full(flat.shape, -1, dtype=np.int64)
    pairs[valid] = index[inverse]
    return _Returned(slots[keep], owners[keep], nearest.scores, pairs.reshape(nearest.slots.shape))


def _first_cut(
    state: RankingState,
    kept: np.ndarray,
    near: np.ndarray,
    returned: _Returned,
    sample: np.ndarray,
    first_cut: FirstCut,
    count: int,
) -> np.ndarray:
    """The `count` rows of `near` that the first cut ranks best, read on a sketch of every
    kept and near row (the sample among the kept, so the scales are stage two's)."""
    if count <= 0:
        return EMPTY
    rows = union(kept, near)
    whole, at = state.index.catalog.slots_of_rows(kept)
    slots = np.concatenate([whole, returned.slots])
    order = np.argsort(
        np.searchsorted(rows, np.concatenate([kept[at], returned.owners])), kind="stable"
    )
    column = np.empty(len(slots), dtype=np.int64)
    column[order] = np.arange(len(slots))
    pairs = np.where(returned.pairs >= 0, column[len(whole) + returned.pairs], -1)
    sketch = Sketch(slots[order], pairs, returned.scores, np.isin(rows, kept))
    scores = first_cut(Pool(rows, np.isin(rows, sample), False, sketch))
    scores = scores[np.searchsorted(rows, near)]
    best = np.argpartition(-scores, count - 1)[:count]
    return np.sort(near[best[np.isfinite(scores[best])]])


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


def nearest_slots(
    state: RankingState,
    vectors: np.ndarray,
    chunks: int,
    admitted: np.ndarray,
    excluded_slots: np.ndarray = EMPTY,
) -> Nearest:
    """Per query vector, chunks among its nearest (at least `chunks`) and their scores.

    The index is asked for more chunks when the filters admit few rows, so a filtered
    query still finds its share; chunks an evaluation holds out never count."""
    if len(vectors) == 0:
        return NO_NEAREST
    share = max(float(admitted.mean()), 1e-3) if len(admitted) else 1.0
    fetch = int(min(chunks / share, chunks * 20)) + len(excluded_slots)
    allowed = None
    if len(excluded_slots):
        allowed = state.index.catalog.alive.view.copy()
        allowed[excluded_slots] = False
    scores, slots = state.index.candidates(vectors, fetch, allowed)
    return Nearest(slots, scores)


def lexical_rows(state: RankingState, slots: np.ndarray) -> np.ndarray:
    return distinct(state.index.catalog.rows_of_slots(slots)) if len(slots) else EMPTY


def graph_rows(state: RankingState, asker: int, count: int, held: Group = NO_GROUP) -> np.ndarray:
    """The asker's past partners and the rows sharing most partners with it."""
    partners = state.graph.partners(asker, held)
    shared, times = state.graph.shared_partners(asker, held)
    if len(shared) > count:
        shared = shared[np.argpartition(-times, count - 1)[:count]]
    return np.concatenate([partners, shared])
