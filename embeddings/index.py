"""A FAISS index over text chunks, searched by owner.

An owner (an organisation) has several chunks (description, each offer, each seek, each
evidence document), so search runs over chunks and results are grouped by owner with the
best chunk's score: one strong piece of evidence should count, an average would dilute it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embeddings.errors import VectorIndexError

faiss: Any
try:  # guarded so that a missing wheel gives one clear line, not a traceback
    import faiss  # typed as Any: its SWIG stubs miss the keyword arguments used here
except ImportError:  # pragma: no cover
    faiss = None

# Below this many vectors an exact flat index is both fast and exact; above it an IVF index
# keeps query time sub-linear. A cluster registry sits far below it; CORDIS-size data too.
EXACT_LIMIT = 200_000


@dataclass(frozen=True)
class Chunk:
    """One embedded text of an owner. `key` is stable across rebuilds."""

    key: str
    owner: str
    field: str


@dataclass(frozen=True)
class ChunkHit:
    key: str
    owner: str
    field: str
    score: float


@dataclass(frozen=True)
class OwnerHit:
    owner: str
    score: float
    best: ChunkHit


@dataclass(frozen=True)
class SearchFilter:
    """Which chunks may match.

    `where` maps a facet name to the allowed values (an owner passes when, for every facet
    named, one of its values is allowed); `fields` limits chunk fields; `owners` is an
    allow-list; `exclude` always wins.
    """

    where: Mapping[str, frozenset[str]] = field(default_factory=dict)
    fields: frozenset[str] | None = None
    owners: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        return not self.where and self.fields is None and self.owners is None and not self.exclude


Facets = Mapping[str, Collection[str]]


def single_threaded_search() -> None:
    """Search one query at a time on one OpenMP thread (call once at start-up).

    On a small index a query costs well under a millisecond of arithmetic; with threads,
    every OpenMP barrier waits for whichever thread the kernel has descheduled, which on a
    busy 2-core machine doubled the partner query's time (388 -> 177 ms measured here).
    """
    if faiss is not None:
        faiss.omp_set_num_threads(1)


def _require_faiss() -> None:
    if faiss is None:
        raise VectorIndexError("faiss is not installed (pip install faiss-cpu)")


def _new_faiss_index(dimension: int, vectors: np.ndarray | None = None):
    """An exact index for small collections, IVF for large ones (trained on `vectors`)."""
    _require_faiss()
    if vectors is None or len(vectors) < EXACT_LIMIT:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    nlist = int(4 * math.sqrt(len(vectors)))
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.nprobe = max(8, nlist // 16)
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
    return ivf


class VectorIndex:
    """Chunks of many owners, with add, update and remove of one owner in place."""

    def __init__(self, dimension: int, model_id: str, faiss_index=None) -> None:
        self.dimension = dimension
        self.model_id = model_id
        self._index = faiss_index if faiss_index is not None else _new_faiss_index(dimension)
        self._next_id = 0
        self._chunks: dict[int, Chunk] = {}
        self._by_key: dict[str, int] = {}
        self._by_owner: dict[str, list[int]] = {}
        self._facets: dict[str, dict[str, frozenset[str]]] = {}
        # what the caller needs to read the vectors as they were stored (e.g. the language
        # means they were centred with); saved and loaded with the index
        self.extras: dict[str, Any] = {}

    # --- sizes and lookups -------------------------------------------------------------
    @property
    def owner_count(self) -> int:
        return len(self._by_owner)

    @property
    def vector_count(self) -> int:
        return len(self._chunks)

    def owners(self) -> list[str]:
        return list(self._by_owner)

    def __contains__(self, owner: object) -> bool:
        return owner in self._by_owner

    def facets_of(self, owner: str) -> dict[str, frozenset[str]]:
        return dict(self._facets.get(owner, {}))

    def chunks_of(self, owner: str) -> list[Chunk]:
        return [self._chunks[i] for i in self._by_owner.get(owner, [])]

    def vectors_of(self, owner: str) -> np.ndarray:
        ids = self._by_owner.get(owner, [])
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(
            self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64)), dtype=np.float32
        )

    # --- changes -----------------------------------------------------------------------
    def add(self, owner: str, chunks: Sequence[Chunk], vectors: np.ndarray, facets: Facets) -> None:
        """Add one owner's chunks; an owner already present is replaced (an update)."""
        vectors = self._checked(vectors, len(chunks))
        if any(c.owner != owner for c in chunks):
            raise VectorIndexError(f"every chunk added for {owner!r} must belong to it")
        self.remove(owner)
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        if len(chunks):
            self._index.add_with_ids(vectors, ids)
        for i, chunk in zip(ids.tolist(), chunks, strict=True):
            self._chunks[i] = chunk
            self._by_key[chunk.key] = i
        self._by_owner[owner] = ids.tolist()
        self._facets[owner] = {name: frozenset(values) for name, values in facets.items()}

    update = add

    def remove(self, owner: str) -> bool:
        ids = self._by_owner.pop(owner, None)
        self._facets.pop(owner, None)
        if ids is None:
            return False
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))
        for i in ids:
            self._by_key.pop(self._chunks.pop(i).key, None)
        return True

    def _checked(self, vectors: np.ndarray, count: int) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if len(vectors) != count:
            raise VectorIndexError(f"{count} chunks but {len(vectors)} vectors")
        return vectors

    # --- search --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, flt: SearchFilter | None = None) -> list[OwnerHit]:
        return self.search_batch(np.asarray(query, dtype=np.float32).reshape(1, -1), k, flt)[0]

    def search_batch(
        self, queries: np.ndarray, k: int, flt: SearchFilter | None = None
    ) -> list[list[OwnerHit]]:
        """The k best owners per query; exactly k whenever k owners pass the filter."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        allowed = self._allowed_ids(flt or SearchFilter())
        available = self.vector_count if allowed is None else len(allowed)
        if k <= 0 or available == 0:
            return [[] for _ in range(len(queries))]
        params = self._search_params(allowed)
        per_owner = max(1, math.ceil(self.vector_count / max(1, self.owner_count)))
        fetch = min(available, k * per_owner * 2)
        # one FAISS call for the whole batch; only queries whose first fetch was crowded by a
        # few owners' many chunks search again, deeper
        scores, ids = self._index.search(queries, fetch, params=params)
        results = []
        for row, query in enumerate(queries):
            hits = self._group_by_owner(scores[row], ids[row])
            if len(hits) < k and fetch < available:
                hits = self._search_deeper(query, k, available, params, fetch * 4)
            results.append(hits[:k])
        return results

    def _search_deeper(
        self, query: np.ndarray, k: int, available: int, params: Any, fetch: int
    ) -> list[OwnerHit]:
        while True:
            fetch = min(available, fetch)
            scores, ids = self._index.search(query.reshape(1, -1), fetch, params=params)
            hits = self._group_by_owner(scores[0], ids[0])
            if len(hits) >= k or fetch >= available:
                return hits[:k]
            fetch *= 4

    def _group_by_owner(self, scores: np.ndarray, ids: np.ndarray) -> list[OwnerHit]:
        best: dict[str, OwnerHit] = {}
        for score, faiss_id in zip(scores.tolist(), ids.tolist(), strict=True):
            if faiss_id < 0:
                continue
            chunk = self._chunks[faiss_id]
            if chunk.owner not in best:  # FAISS returns chunks best first
                hit = ChunkHit(chunk.key, chunk.owner, chunk.field, float(score))
                best[chunk.owner] = OwnerHit(chunk.owner, float(score), hit)
        return list(best.values())

    def _allowed_ids(self, flt: SearchFilter) -> np.ndarray | None:
        if flt.is_empty():
            return None
        ids = [
            i
            for owner in self._matching_owners(flt)
            for i in self._by_owner[owner]
            if flt.fields is None or self._chunks[i].field in flt.fields
        ]
        return np.asarray(ids, dtype=np.int64)

    def _matching_owners(self, flt: SearchFilter) -> Iterable[str]:
        candidates = self._by_owner.keys() if flt.owners is None else flt.owners
        for owner in candidates:
            if owner in flt.exclude or owner not in self._by_owner:
                continue
            facets = self._facets[owner]
            if all(facets.get(name, frozenset()) & allowed for name, allowed in flt.where.items()):
                yield owner

    def _search_params(self, allowed: np.ndarray | None):
        if allowed is None:
            return None
        selector = faiss.IDSelectorBatch(allowed)
        if isinstance(self._index, faiss.IndexIVF):
            # a filter can empty the probed lists; probing them all keeps the k promise
            return faiss.SearchParametersIVF(sel=selector, nprobe=self._index.nlist)
        return faiss.SearchParameters(sel=selector)

    # --- persistence helpers (see embeddings.store) --------------------------------------
    @property
    def faiss_index(self):
        return self._index

    def metadata(self) -> dict[str, object]:
        return {
            "next_id": self._next_id,
            "chunks": [[i, c.key, c.owner, c.field] for i, c in sorted(self._chunks.items())],
            "facets": {o: {n: sorted(v) for n, v in f.items()} for o, f in self._facets.items()},
            "owners": {o: ids for o, ids in self._by_owner.items()},
            "extras": self.extras,
        }

    @classmethod
    def from_parts(
        cls,
        dimension: int,
        model_id: str,
        faiss_index,
        meta: Mapping[str, object],
    ) -> VectorIndex:
        index = cls(dimension, model_id, faiss_index)
        index._next_id = int(meta["next_id"])  # type: ignore[call-overload]
        for i, key, owner, fld in meta["chunks"]:  # type: ignore[attr-defined]
            index._chunks[int(i)] = Chunk(key, owner, fld)
            index._by_key[key] = int(i)
        index._by_owner = {o: [int(i) for i in ids] for o, ids in meta["owners"].items()}  # type: ignore[attr-defined]
        facets = meta["facets"]
        index._facets = {o: {n: frozenset(v) for n, v in f.items()} for o, f in facets.items()}  # type: ignore[attr-defined]
        index.extras = dict(meta.get("extras") or {})  # type: ignore[call-overload]
        return index

    def rebuilt(self) -> VectorIndex:
        """A fresh index of the same content whose FAISS type fits its current size."""
        owners = self.owners()
        vectors = [self.vectors_of(o) for o in owners]
        stacked = np.concatenate(vectors) if vectors else None
        fresh = VectorIndex(
            self.dimension, self.model_id, _new_faiss_index(self.dimension, stacked)
        )
        for owner, vecs in zip(owners, vectors, strict=True):
            fresh.add(owner, self.chunks_of(owner), vecs, self._facets[owner])
        fresh.extras = dict(self.extras)
        return fresh
