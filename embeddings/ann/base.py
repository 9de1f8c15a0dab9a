"""What every retrieval backend shares: the protocol, its parameters, and the id bookkeeping.

Vectors are float32, L2-normalised and scored by inner product (= cosine). Each vector is
stored under an int64 id chosen by the caller; ids only ever grow (every `add` passes ids
above every id added before), so they are never reused but may have gaps.

Removal is a tombstone in every backend: a flag per stored vector that search masks out.
It costs O(len(ids)), keeps every id where it is (so a compaction running in another
thread can replay the writes made meanwhile onto its copy), and sidesteps what real
deletion costs in FAISS (HNSW cannot unlink graph nodes; IVF `remove_ids` needs a direct
map from id to list entry, gigabytes at 8M vectors). `compacted()` reclaims the space.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embeddings.errors import VectorIndexError

faiss: Any
try:  # guarded so that a missing wheel gives one clear line, not a traceback
    import faiss  # typed as Any: its SWIG stubs miss the keyword arguments used here
except ImportError:  # pragma: no cover
    faiss = None

# Measured on this 2-core machine with other jobs running (20k x 64-d): HNSW add 1.2 s on
# one thread, 2.6 s on two; IVF-PQ training on 4k vectors 0.13 s on one, 11 s on two (its
# 16 sub-quantisers' k-means are many tiny parallel regions). Large adds still gain.
PARALLEL_MIN_ROWS = 100_000
FORMAT_VERSION = 1
META_FILE = "ann.json"
KINDS = ("exact", "hnsw", "ivfpq")


@dataclass(frozen=True)
class ExactParams:
    """Brute force has nothing to tune; the class exists so every kind saves its params."""


@dataclass(frozen=True)
class HnswParams:
    m: int = 32  # graph neighbours per node: recall and memory grow with it
    ef_construction: int = 128  # candidate list while inserting: build time vs graph quality
    ef_search: int = 128  # candidate list while searching (at least k is used)
    # a filter allowing at most this many live vectors is searched exactly over them: a
    # graph walk through mostly disallowed nodes costs more and still misses
    exact_filter_limit: int = 20_000


@dataclass(frozen=True)
class IvfPqParams:
    nlist: int = 1024  # inverted lists (k-means cells)
    sub_quantizers: int = 96  # PQ codes of 4 bits each: memory is sub_quantizers / 2 bytes
    nprobe: int = 32  # lists scanned per query
    rerank_factor: int = 8  # PQ candidates fetched per result, re-scored exactly
    min_candidates: int = 256  # PQ rank errors do not shrink with k: a floor for small k
    coarse_hnsw: bool = False  # assign to lists through an HNSW graph of the centroids
    train_size: int = 40 * 1024  # training sample (k-means wants ~40 points per list)
    exact_filter_limit: int = 20_000  # as in HnswParams


BackendParams = ExactParams | HnswParams | IvfPqParams
PARAMS_BY_KIND: dict[str, type[ExactParams] | type[HnswParams] | type[IvfPqParams]] = {
    "exact": ExactParams,
    "hnsw": HnswParams,
    "ivfpq": IvfPqParams,
}


@runtime_checkable
class AnnBackend(Protocol):
    """A set of (id, vector) pairs searched by inner product; removal by tombstone.

    Several threads may call `search` at once; the caller serialises `add`, `remove` and
    `compacted` against searches."""

    kind: str
    dimension: int

    @property
    def params(self) -> BackendParams: ...

    @property
    def live_count(self) -> int: ...

    @property
    def dead_count(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def candidates(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ids (-1 pads) of at least the k nearest per query, in no promised
        order, and as many more as the backend ranks anyway at no extra cost; the scores
        may be the backend's estimates (IVF-PQ: its codes'), not exact cosines."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray: ...

    def compacted(self) -> AnnBackend: ...

    def save(self, directory: Path) -> None: ...

    @classmethod
    def load(cls, directory: Path, mmap: bool = False) -> AnnBackend: ...


# --- faiss and its threads ---------------------------------------------------------------
def require_faiss() -> Any:
    if faiss is None:
        raise VectorIndexError("faiss is not installed (pip install faiss-cpu)")
    return faiss


def single_thread_search() -> None:
    """One OpenMP thread for this thread's FAISS calls (libgomp keeps the count per thread).

    The service runs each query on its own thread; OpenMP threads inside a sub-millisecond
    search only wait at barriers for whichever thread the kernel descheduled."""
    require_faiss().omp_set_num_threads(1)


@contextmanager
def all_cores(rows: int) -> Iterator[None]:
    """Bulk adds and training of at least PARALLEL_MIN_ROWS use every core for the calling
    thread, then go back to one; smaller work stays on one thread, because OpenMP barriers
    cost more than they save when its parallel regions are short."""
    lib = require_faiss()
    lib.omp_set_num_threads((os.cpu_count() or 1) if rows >= PARALLEL_MIN_ROWS else 1)
    try:
        yield
    finally:
        lib.omp_set_num_threads(1)


# --- arguments -----------------------------------------------------------------------------
def as_matrix(vectors: np.ndarray, dimension: int, what: str) -> np.ndarray:
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise VectorIndexError(f"{what} must have shape (n, {dimension}), not {array.shape}")
    return array


def as_ids(ids: np.ndarray) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim != 1 or not (array.dtype.kind in "iu" or array.size == 0):
        raise VectorIndexError(f"ids must be a 1-D integer array, not {array.dtype}{array.shape}")
    return array.astype(np.int64, copy=False)


def check_k(k: int) -> int:
    if k < 0:
        raise VectorIndexError(f"k must be at least 0, not {k}")
    return int(k)


def check_allowed(allowed: np.ndarray | None) -> np.ndarray | None:
    if allowed is None:
        return None
    mask = np.asarray(allowed)
    if mask.ndim != 1 or mask.dtype != np.bool_:
        raise VectorIndexError("allowed must be a 1-D boolean mask indexed by id")
    return mask


# --- results -------------------------------------------------------------------------------
def ids_or_padding(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FAISS pads with label -1 and a huge negative or arbitrary score: make it -inf."""
    scores = np.where(ids < 0, np.float32(-np.inf), scores).astype(np.float32, copy=False)
    return scores, ids


# --- saved metadata ------------------------------------------------------------------------
def write_meta(directory: Path, backend: AnnBackend) -> None:
    """Written last by every `save`: in a fresh folder, its presence means a finished save."""
    meta = {
        "format": FORMAT_VERSION,
        "kind": backend.kind,
        "dimension": backend.dimension,
        "params": asdict(backend.params),
        "live": backend.live_count,
        "dead": backend.dead_count,
    }
    write_atomically(directory / META_FILE, json.dumps(meta, indent=1).encode())


def read_meta(directory: Path, kind: str | None = None) -> dict[str, Any]:
    """The saved metadata, refusing a missing file, another format or an unexpected kind."""
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise VectorIndexError(f"no readable retrieval backend in {directory}: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise VectorIndexError(f"retrieval backend format {found!r} in {directory} is unknown")
    if meta.get("kind") not in KINDS or (kind is not None and meta["kind"] != kind):
        expected = kind or " or ".join(KINDS)
        raise VectorIndexError(f"retrieval backend kind {meta.get('kind')!r} is not {expected}")
    return meta


def params_from_meta(meta: dict[str, Any]) -> Any:
    try:
        return PARAMS_BY_KIND[meta["kind"]](**meta["params"])
    except (KeyError, TypeError) as exc:
        raise VectorIndexError(f"unreadable {meta.get('kind')} parameters: {exc}") from exc


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def grown(array: np.ndarray, rows: int) -> np.ndarray:
    """`array` if it has room for `rows` rows, else a copy in memory with doubled capacity
    (amortised O(1) per row; also how a memory-mapped array turns private on growth)."""
    if len(array) >= rows:
        return array
    capacity = max(rows, 2 * len(array), 1024)
    bigger = np.empty((capacity, *array.shape[1:]), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger
