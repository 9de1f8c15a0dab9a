"""Stage two's input: every live chunk of the pool's rows, with what scoring reads of it.

Vectors are read from the index block by block when the products are taken, so scoring
every organisation of a large collection (the exact reference a benchmark compares the
pool with) never holds all their vectors at once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embeddings import ChunkIndex
from embeddings.catalog import NO_REF
from matcher.ranking.state import RankingState

if TYPE_CHECKING:
    from matcher.ranking.pool import Pool

BLOCK = 262_144  # chunks whose vectors are read at once (~400 MB of 384-d float32)


@dataclass(frozen=True)
class PoolChunks:
    slots: np.ndarray
    position: np.ndarray  # chunk -> its row's position in the pool (ascending)
    fields: np.ndarray  # field codes
    refs: np.ndarray  # ref codes, NO_REF when none
    languages: np.ndarray  # language codes, -1 when unknown
    index: ChunkIndex
    sketch: Sketch | None = None

    @classmethod
    def gather(cls, state: RankingState, rows: np.ndarray) -> PoolChunks:
        catalog = state.index.catalog
        slots, position = catalog.slots_of_rows(rows)
        return cls(
            slots,
            position,
            catalog.field.view[slots],
            catalog.ref.view[slots],
            catalog.language.view[slots],
            state.index,
        )

    @classmethod
    def of_pool(cls, state: RankingState, pool: Pool) -> PoolChunks:
        """The chunks a pool's scoring reads: every live chunk of its rows, or its sketch's."""
        if pool.sketch is None:
            return cls.gather(state, pool.rows)
        catalog = state.index.catalog
        slots = pool.sketch.slots
        return cls(
            slots,
            np.searchsorted(pool.rows, catalog.rows_of_slots(slots)),
            catalog.field.view[slots],
            catalog.ref.view[slots],
            catalog.language.view[slots],
            state.index,
            pool.sketch,
        )

    def dot(self, queries: np.ndarray) -> np.ndarray:
        """Cosines of each query (rows of `queries`) with every chunk: (queries, chunks)."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.index.dimension)
        if self.sketch is None:
            return self.exact_dot(queries, np.arange(len(self.slots)))
        return self.sketch.dot(self, queries)

    def exact_dot(self, queries: np.ndarray, columns: np.ndarray) -> np.ndarray:
        out = np.empty((len(queries), len(columns)), dtype=np.float32)
        for start in range(0, len(columns), BLOCK):
            block = self.slots[columns[start : start + BLOCK]]
            out[:, start : start + len(block)] = queries @ self.index.vectors(block).T
        return out

    @property
    def vectors(self) -> np.ndarray:
        """Every chunk's vector at once (for small sets: one organisation's chunks)."""
        return self.index.vectors(self.slots)

    def field_mask(self, state: RankingState, names: Collection[str]) -> np.ndarray:
        catalog = state.index.catalog
        wanted = np.zeros(len(catalog.fields) + 1, dtype=bool)  # field code -> wanted
        wanted[catalog.field_codes(frozenset(names))] = True
        return wanted[self.fields]

    def ref_mask(self, codes: np.ndarray) -> np.ndarray:
        """Chunks whose document carries one of these ref codes."""
        codes = codes[codes != NO_REF]
        return np.isin(self.refs, codes) if len(codes) else np.zeros(len(self.slots), dtype=bool)


@dataclass(frozen=True)
class Nearest:
    """Per query vector, the chunks the vector index returned and its scores for them (at
    the largest sizes the PQ codes' estimates)."""

    slots: np.ndarray  # (query vectors, fetched), -1 pads
    scores: np.ndarray


@dataclass(frozen=True)
class Sketch:
    """How a first cut reads a pool: the rows other sources brought (the reference sample
    among them) whole and exactly, and of each row only the vector index brought, the
    chunks it returned, scored only against the query vectors they were returned for and
    with the index's own scores. No vector of those rows is decoded. A row whose best pair
    was not returned (its chunk came back for another of the asker's vectors) is
    under-rated, which is why the cut keeps hundreds of rows, not dozens
    (benchmarks/PERFORMANCE.md measures what it keeps of the exact top 10)."""

    slots: np.ndarray  # the chunks read, ordered by row
    pairs: np.ndarray  # (query vectors, fetched): column of each returned chunk, -1: not read
    scores: np.ndarray  # (query vectors, fetched): the index's score for it
    whole: np.ndarray  # bool per pool row: read whole and exactly

    def dot(self, chunks: PoolChunks, queries: np.ndarray) -> np.ndarray:
        if len(queries) != len(self.pairs):
            raise ValueError("a sketch is read with the query vectors the index was asked")
        out = np.full((len(queries), len(chunks.slots)), -np.inf, dtype=np.float32)
        exact = np.flatnonzero(self.whole[chunks.position])
        out[:, exact] = chunks.exact_dot(queries, exact)
        read = self.pairs >= 0
        out[np.nonzero(read)[0], self.pairs[read]] = self.scores[read]
        return out
