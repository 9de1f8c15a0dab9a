"""The chunk index: a retrieval backend for the vectors and a catalogue for what they are.

An owner (an organisation) has several chunks (description, each offer, each seek, each
evidence passage). The backend (embeddings.ann: exact, HNSW or IVF-PQ, chosen by size) holds
each vector once under its slot; the catalogue holds each slot's owner, field, reference
and language once. Changing an owner gives it fresh slots and tombstones the old ones, so a
write costs only its own chunks, and `compact` rebuilds the backend without tombstones
(choosing its kind anew by size) while queries go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from embeddings.ann import AnnBackend, factory
from embeddings.catalog import ChunkCatalog, ChunkSpec
from embeddings.errors import VectorIndexError

# Tombstones cost search time (and, for HNSW, recall): past this share of dead vectors the
# backend is worth rebuilding. Below MIN_DEAD a rebuild is never worth its own cost.
COMPACT_DEAD_SHARE = 0.25
MIN_DEAD = 1_000


@dataclass(frozen=True)
class OwnerChunks:
    """One owner's chunks, in order, with their vectors."""

    owner: str
    chunks: Sequence[ChunkSpec]


@dataclass(frozen=True)
class Snapshot:
    """What a compaction starts from: the live slots below `mark` and their vectors."""

    mark: int
    slots: np.ndarray
    vectors: np.ndarray


class ChunkIndex:
    def __init__(
        self,
        dimension: int,
        model_id: str,
        backend: AnnBackend | None = None,
        catalog: ChunkCatalog | None = None,
    ) -> None:
        self.dimension = dimension
        self.model_id = model_id
        self.backend = backend if backend is not None else factory.empty("exact", dimension)
        self.catalog = catalog if catalog is not None else ChunkCatalog()
        # what the caller needs to read the vectors as they were stored (e.g. the language
        # means they were centred with); saved and loaded with the index
        self.extras: dict[str, Any] = {}

    @classmethod
    def build(
        cls, dimension: int, model_id: str, owners: Sequence[OwnerChunks], vectors: np.ndarray
    ) -> ChunkIndex:
        """A new index whose backend kind (and its parameters) fit the collection's size."""
        catalog = ChunkCatalog()
        slots = [catalog.assign(o.owner, o.chunks)[1] for o in owners]
        ids = np.concatenate(slots) if slots else np.zeros(0, dtype=np.int64)
        vectors = _checked(vectors, len(ids), dimension)
        return cls(dimension, model_id, factory.build(ids, vectors), catalog)

    @classmethod
    def for_size(
        cls, dimension: int, model_id: str, expected_vectors: int, sample: np.ndarray
    ) -> ChunkIndex:
        """An empty index whose backend suits a collection of this size (trained on
        `sample` where it must be), to be filled in batches."""
        sample = _checked(sample, len(sample), dimension)
        return cls(dimension, model_id, factory.for_size(expected_vectors, sample))

    # --- sizes ---------------------------------------------------------------------------
    @property
    def owner_count(self) -> int:
        return self.catalog.live_rows

    @property
    def vector_count(self) -> int:
        return self.backend.live_count

    def __contains__(self, owner: object) -> bool:
        return isinstance(owner, str) and self.catalog.has(owner)

    # --- changes -------------------------------------------------------------------------
    def put(self, owners: Sequence[OwnerChunks], vectors: np.ndarray) -> np.ndarray:
        """Add or replace owners (vectors in the owners' chunk order); returns dead slots."""
        new, dead = [], []
        for owner in owners:
            old, slots = self.catalog.assign(owner.owner, owner.chunks)
            dead.append(old)
            new.append(slots)
        ids = np.concatenate(new) if new else np.zeros(0, dtype=np.int64)
        gone = np.concatenate(dead) if dead else np.zeros(0, dtype=np.int64)
        vectors = _checked(vectors, len(ids), self.dimension)
        self.backend.remove(gone)
        if len(ids):
            self.backend.add(ids, vectors)
        return gone

    def remove(self, owner: str) -> np.ndarray:
        """Forget an owner; returns its (now dead) slots."""
        gone = self.catalog.release(owner)
        self.backend.remove(gone)
        return gone

    # --- reading -------------------------------------------------------------------------
    def search(
        self, queries: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The n nearest live chunks (slots) per query, best first; -1 pads."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        return self.backend.search(queries, n, allowed)

    def candidates(
        self, queries: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and slots of at least the n nearest live chunks per query, unordered
        (-1 pads), more where the backend ranks more at no cost, the scores perhaps
        estimates (see AnnBackend.candidates)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        return self.backend.candidates(queries, n, allowed)

    def vectors(self, slots: np.ndarray) -> np.ndarray:
        if len(slots) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.backend.vectors(np.asarray(slots, dtype=np.int64))

    # --- compaction ----------------------------------------------------------------------
    def needs_compaction(self) -> bool:
        dead, live = self.backend.dead_count, self.backend.live_count
        grown = factory.kind_for(live) != self.backend.kind
        return (dead >= MIN_DEAD and dead > COMPACT_DEAD_SHARE * (dead + live)) or grown

    def snapshot(self) -> Snapshot:
        """Live slots and their vectors now (call while no write runs; cheap for queries)."""
        slots = self.catalog.live_slots()
        return Snapshot(self.catalog.slot_count, slots, self.vectors(slots))

    @staticmethod
    def rebuilt(snapshot: Snapshot) -> AnnBackend:
        """A fresh backend of the snapshot's vectors, its kind chosen by size (no lock)."""
        return factory.build(snapshot.slots, snapshot.vectors)

    def adopt(self, backend: AnnBackend, snapshot: Snapshot) -> None:
        """Swap in a backend rebuilt from `snapshot`, first replaying what changed since:
        slots added after the snapshot, and snapshot slots that died meanwhile."""
        alive = self.catalog.alive.view
        newer = np.arange(snapshot.mark, self.catalog.slot_count)
        newer = newer[alive[newer]]
        if len(newer):
            backend.add(newer, self.vectors(newer))
        backend.remove(snapshot.slots[~alive[snapshot.slots]])
        self.backend = backend


def _checked(vectors: np.ndarray, count: int, dimension: int) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    if len(vectors) != count:
        raise VectorIndexError(f"{count} chunks but {len(vectors)} vectors")
    return vectors
