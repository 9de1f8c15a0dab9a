"""Stage two's input: every live chunk of the pool's rows, with what scoring reads of it.

Vectors are read from the index block by block when the products are taken, so scoring
every organisation of a large collection (the exact reference a benchmark compares the
pool with) never holds all their vectors at once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from embeddings import ChunkIndex
from embeddings.catalog import NO_REF
from matcher.ranking.state import RankingState

BLOCK = 262_144  # chunks whose vectors are read at once (~400 MB of 384-d float32)


@dataclass(frozen=True)
class PoolChunks:
    slots: np.ndarray
    position: np.ndarray  # chunk -> its row's position in the pool (ascending)
    fields: np.ndarray  # field codes
    refs: np.ndarray  # ref codes, NO_REF when none
    languages: np.ndarray  # language codes, -1 when unknown
    index: ChunkIndex

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

    def dot(self, queries: np.ndarray) -> np.ndarray:
        """Cosines of each query (rows of `queries`) with every chunk: (queries, chunks)."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.index.dimension)
        out = np.empty((len(queries), len(self.slots)), dtype=np.float32)
        for start in range(0, len(self.slots), BLOCK):
            block = self.slots[start : start + BLOCK]
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
