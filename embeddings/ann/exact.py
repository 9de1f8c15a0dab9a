"""Brute force in numpy: exact, and the reference the approximate backends are measured by.

A matrix product scores every stored vector, argpartition picks the k best; below ~50,000
vectors that is as fast as any index and needs no build. Vectors live in one float32 array
grown by doubling; a loaded array can be memory-mapped (copy-on-write) so opening is
instant, and becomes an ordinary in-memory array the first time an add outgrows it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embeddings.ann.base import (
    ExactParams,
    as_ids,
    as_matrix,
    check_allowed,
    check_k,
    grown,
    params_from_meta,
    read_meta,
    write_meta,
)
from embeddings.ann.slots import SlotTable
from embeddings.arrays import load_array, save_array
from embeddings.errors import VectorIndexError

VECTORS_FILE = "ann.vectors.npy"
# Queries are scored against every stored vector this many score cells at a time, so a big
# batch over a big collection holds ~256 MB of scores, not queries x vectors.
SCORE_CELLS = 1 << 26
# A filter keeping less than this share of the stored vectors is searched by gathering just
# those rows; above it, scoring every row and masking the rest is cheaper than the copy.
GATHER_SHARE = 0.25


class ExactBackend:
    kind = "exact"

    def __init__(
        self,
        dimension: int,
        params: ExactParams | None = None,
        vectors: np.ndarray | None = None,
        slots: SlotTable | None = None,
    ) -> None:
        self.dimension = dimension
        self.params = params or ExactParams()
        self._slots = slots or SlotTable()
        self._vectors = vectors if vectors is not None else np.empty((0, dimension), np.float32)

    @property
    def live_count(self) -> int:
        return self._slots.live_count

    @property
    def dead_count(self) -> int:
        return self._slots.dead_count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vectors = as_ids(ids), as_matrix(vectors, self.dimension, "vectors")
        if len(ids) != len(vectors):
            raise VectorIndexError(f"{len(ids)} ids but {len(vectors)} vectors")
        positions = self._slots.append(ids)
        self._vectors = grown(self._vectors, self._slots.size)
        self._vectors[positions] = vectors

    def remove(self, ids: np.ndarray) -> None:
        self._slots.remove(as_ids(ids))

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries, k = as_matrix(queries, self.dimension, "queries"), check_k(k)
        flt = self._slots.filter(check_allowed(allowed))
        stored = self._vectors[: self._slots.size]
        if flt.mask is not None and flt.count < GATHER_SHARE * len(stored):
            kept = np.flatnonzero(flt.mask)
            scores, positions = search_subset(queries, kept, stored[kept], k)
        else:
            scores, positions = _scan(queries, stored, flt.mask, k)
        return scores, self._slots.ids_at(positions)

    def candidates(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.search(queries, k, allowed)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return self._vectors[self._slots.live_positions(as_ids(ids))]  # fancy indexing: a copy

    def compacted(self) -> ExactBackend:
        live = np.flatnonzero(self._slots.live)
        slots = SlotTable(self._slots.ids[live], np.ones(len(live), dtype=np.bool_))
        return ExactBackend(self.dimension, self.params, self._vectors[live], slots)

    def save(self, directory: Path) -> None:
        save_array(directory / VECTORS_FILE, self._vectors[: self._slots.size])
        self._slots.save(directory)
        write_meta(directory, self)

    @classmethod
    def load(cls, directory: Path, mmap: bool = False) -> ExactBackend:
        meta = read_meta(directory, cls.kind)
        vectors = load_array(directory / VECTORS_FILE, mmap)
        slots = SlotTable.load(directory, mmap)
        if vectors.shape != (slots.size, meta["dimension"]):
            raise VectorIndexError(f"vectors in {directory} do not match their ids")
        return cls(meta["dimension"], params_from_meta(meta), vectors, slots)


def _scan(
    queries: np.ndarray, stored: np.ndarray, mask: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Score every stored row, masking out positions not in `mask` with -inf."""
    excluded = None if mask is None else np.flatnonzero(~mask)
    step = max(1, SCORE_CELLS // max(1, len(stored)))
    scores = np.empty((len(queries), k), dtype=np.float32)
    positions = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), step):
        block = inner_products(queries[start : start + step], stored)
        if excluded is not None:
            block[:, excluded] = -np.inf
        scores[start : start + step], positions[start : start + step] = top_k(block, k)
    return scores, positions


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best columns per row, best first; -inf scores (masked out) become -1 columns.

    Columns are padded with -inf / -1 when a row has fewer than k."""
    rows, columns = scores.shape
    best_scores = np.full((rows, k), -np.inf, dtype=np.float32)
    best = np.full((rows, k), -1, dtype=np.int64)
    take = min(k, columns)
    if take == 0:
        return best_scores, best
    if take < columns:  # argpartition first: O(columns) instead of a full sort
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    else:
        part = np.broadcast_to(np.arange(columns), (rows, columns))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    best_scores[:, :take] = np.take_along_axis(part_scores, order, axis=1)
    best[:, :take] = np.take_along_axis(part, order, axis=1)
    best[best_scores == -np.inf] = -1
    return best_scores, best


def search_subset(
    queries: np.ndarray, positions: np.ndarray, rows: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top k over a few positions whose vectors are `rows`: scores and positions."""
    scores, columns = top_k(inner_products(queries, rows), k)
    if len(positions) == 0:  # nothing allowed: all padding, and nothing to index
        return scores, columns
    return scores, np.where(columns >= 0, positions[np.maximum(columns, 0)], -1)


def inner_products(queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """queries x rows scores, by BLAS. The service runs BLAS on one thread per process
    (matcher.config.single_threaded_queries): threaded, OpenBLAS waits at barriers for
    descheduled threads on a busy machine; on one thread it beats numpy's own loops (8 x
    8k x 384: 1.9 ms against 6.0 ms with einsum)."""
    return queries @ rows.T
