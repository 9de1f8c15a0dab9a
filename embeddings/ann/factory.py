"""Which backend fits a collection and with what parameters; build, create and load them.

Every parameter is derived from the expected number of vectors (and the dimension), so a
caller names at most a kind. The size thresholds are module constants read at each call,
so a caller (or a test) may override them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from embeddings.ann.base import (
    KINDS,
    PARAMS_BY_KIND,
    AnnBackend,
    BackendParams,
    ExactParams,
    HnswParams,
    IvfPqParams,
    as_ids,
    read_meta,
)
from embeddings.ann.exact import ExactBackend
from embeddings.ann.hnsw import HnswBackend
from embeddings.ann.ivfpq import IvfPqBackend
from embeddings.errors import VectorIndexError

# Below this many vectors brute force is exact and fast enough: 50k x 384 floats is a 77 MB
# scan per query, ~7 ms on one core here (20k measured: 2.7 ms), with no build and no
# parameters; above it the scan grows linearly while HNSW stays under a millisecond.
EXACT_LIMIT = 50_000
# Up to this many, HNSW: sub-millisecond queries with exact scores (recall@10 0.989 at 100k,
# 0.975 at 1M), 4-5x faster than IVF-PQ with re-scoring (0.43 against 1.8-2.1 ms at 1M,
# benchmarks/results/ann_bench.json), which counts because a partner query asks with
# every chunk of the asker (about 8 vectors). The price: HNSW holds the float32 vectors
# and its graph in RAM (1.74 GB at 1M x 384) and its build grows faster than the
# collection (100k: 31 s, 1M: 734 s here). Past a million vectors the RAM and the build
# would double again, while IVF-PQ with re-scoring from an 8-bit copy on disk builds 17x
# faster at 1M, with better recall@10 (0.999 against 0.975) in a thirtieth of the RAM.
HNSW_LIMIT = 1_000_000
# HNSW graph size: more neighbours per node pay off once the collection is large.
HNSW_LARGE = 200_000
# IVF lists around sqrt(n), at least this many training vectors per list (k-means warns
# below 39), and a graph coarse quantiser past COARSE_FLAT_LIMIT lists (see ivfpq.py).
MIN_LISTS, MAX_LISTS = 16, 65_536
TRAIN_PER_LIST = 40
MIN_TRAIN = 10_000
COARSE_FLAT_LIMIT = 4_096
# Each 4-bit PQ code covers this many dimensions (384-d: 96 codes, 48 bytes per vector).
DIMS_PER_CODE = 4
# Candidates re-scored per result. The more vectors crowd near a query, the more PQ
# misorders them (k=100, recall@100): 100k: 0.945 with 4k candidates, 0.993 with 8k;
# 1M: 0.9998 with 8k; 8M: 0.933 with 8k, 0.997 with 16k (+1.5 ms).
DENSE_ABOVE = 1_000_000
# A filter leaving at most this many vectors is searched exactly over the 8-bit copy:
# 20k rows is ~15 MB of reads, cheaper than probing every list for enough allowed hits.
IVF_EXACT_FILTER_LIMIT = 20_000


def kind_for(expected_vectors: int) -> str:
    if expected_vectors < EXACT_LIMIT:
        return "exact"
    return "hnsw" if expected_vectors <= HNSW_LIMIT else "ivfpq"


def params_for(expected_vectors: int, dimension: int, kind: str | None = None) -> BackendParams:
    """Parameters for `kind` (by default the kind the size calls for) at this size."""
    kind = kind or kind_for(expected_vectors)
    if kind == "hnsw":
        return hnsw_params(expected_vectors)
    if kind == "ivfpq":
        return ivfpq_params(expected_vectors, dimension)
    if kind == "exact":
        return ExactParams()
    raise VectorIndexError(f"unknown retrieval backend kind {kind!r} (known: {', '.join(KINDS)})")


def hnsw_params(expected_vectors: int) -> HnswParams:
    """Measured on structured 384-d vectors, single queries with k=100 (ef >= k), one core
    of a busy 2-core machine (benchmarks/ann_bench.py):
      100k, m=16, ef_construction 96: ef 128 recall@10 0.989, 0.46 ms; ef 512 0.998, 1.2 ms
      1M, m=32, ef_construction 128: ef 160 recall@10 0.975, 0.44 ms; ef 640 0.994, 1.5 ms
    The exact-filter limit balances an exact scan of the allowed rows against a graph walk
    widened by the filter (cost ~ ef * m * n / allowed)."""
    large = expected_vectors >= HNSW_LARGE
    m, ef_construction, ef_search = (32, 128, 160) if large else (16, 96, 128)
    limit = int(math.sqrt(ef_search * m * max(expected_vectors, 1)))
    return HnswParams(m, ef_construction, ef_search, exact_filter_limit=limit)


def ivfpq_params(expected_vectors: int, dimension: int) -> IvfPqParams:
    n = max(expected_vectors, 1)
    nlist = 2 ** round(math.log2(max(math.sqrt(n), 1)))
    nlist = max(MIN_LISTS, min(MAX_LISTS, nlist, _power_of_two_below(n // TRAIN_PER_LIST)))
    return IvfPqParams(
        nlist=nlist,
        sub_quantizers=_codes_for(dimension),
        # ~3% of the lists: probing 2 or 4 times more bought no recall at 100k, 1M or 8M
        nprobe=max(16, min(256, nlist // 32)),
        rerank_factor=8 if n <= DENSE_ABOVE else 16,
        min_candidates=256,  # k=10 from 40 candidates: recall 0.86 at 64-d; 160: 1.0
        coarse_hnsw=nlist > COARSE_FLAT_LIMIT,
        train_size=max(MIN_TRAIN, TRAIN_PER_LIST * nlist),
        exact_filter_limit=IVF_EXACT_FILTER_LIMIT,
    )


def _power_of_two_below(n: int) -> int:
    return 2 ** int(math.log2(n)) if n >= 1 else 1


def _codes_for(dimension: int) -> int:
    """The most 4-bit codes with at least DIMS_PER_CODE dimensions each that divide d."""
    best = max(1, dimension // DIMS_PER_CODE)
    return next(m for m in range(best, 0, -1) if dimension % m == 0)


def build(
    ids: np.ndarray,
    vectors: np.ndarray,
    kind: str | None = None,
    params: BackendParams | None = None,
    workdir: Path | None = None,
    seed: int = 0,
) -> AnnBackend:
    """A backend holding `vectors` under `ids`, its kind chosen by size unless given.

    IVF-PQ is trained on a seeded sample of `vectors`; `workdir` is where it keeps its
    8-bit working file (the system's temporary folder by default)."""
    ids, vectors = as_ids(ids), np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise VectorIndexError(f"{len(ids)} ids need (n, d) vectors, not {vectors.shape}")
    kind = kind or _kind_of(params) or kind_for(len(ids))
    params = params or params_for(len(ids), vectors.shape[1], kind)
    if kind == "ivfpq":
        if not isinstance(params, IvfPqParams):
            raise VectorIndexError(f"an IVF-PQ backend needs IvfPqParams, not {params!r}")
        sample = _sample(vectors, params.train_size, seed)
        backend: AnnBackend = IvfPqBackend.trained(sample, params, workdir)
    else:
        backend = empty(kind, vectors.shape[1], params)
    backend.add(ids, vectors)
    return backend


def for_size(
    expected_vectors: int, sample: np.ndarray, workdir: Path | None = None, seed: int = 0
) -> AnnBackend:
    """An empty backend of the kind and parameters a collection of this size calls for,
    trained on `sample` when it must be (IVF-PQ): a large collection is then added in
    batches, never held in memory whole."""
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    kind = kind_for(expected_vectors)
    params = params_for(expected_vectors, sample.shape[1], kind)
    if isinstance(params, IvfPqParams):
        return IvfPqBackend.trained(_sample(sample, params.train_size, seed), params, workdir)
    return empty(kind, sample.shape[1], params)


def empty(kind: str, dimension: int, params: BackendParams | None = None) -> AnnBackend:
    """An empty exact or HNSW backend (IVF-PQ must be trained: use `build`)."""
    if kind == "ivfpq":
        raise VectorIndexError("an IVF-PQ backend is trained on its vectors: use build()")
    params = params or params_for(0, dimension, kind)
    if kind == "exact" and isinstance(params, ExactParams):
        return ExactBackend(dimension, params)
    if kind == "hnsw" and isinstance(params, HnswParams):
        return HnswBackend(dimension, params)
    raise VectorIndexError(f"no {kind!r} retrieval backend with {type(params).__name__}")


def load(directory: Path, mmap: bool = False) -> AnnBackend:
    """The backend saved in `directory`, of whichever kind its metadata names."""
    kind = read_meta(directory)["kind"]
    backends: dict[str, type[ExactBackend] | type[HnswBackend] | type[IvfPqBackend]] = {
        "exact": ExactBackend,
        "hnsw": HnswBackend,
        "ivfpq": IvfPqBackend,
    }
    return backends[kind].load(directory, mmap=mmap)


def _kind_of(params: BackendParams | None) -> str | None:
    return next((k for k, cls in PARAMS_BY_KIND.items() if type(params) is cls), None)


def _sample(vectors: np.ndarray, size: int, seed: int) -> np.ndarray:
    if len(vectors) <= size:
        return vectors
    rows = np.random.default_rng(seed).choice(len(vectors), size, replace=False)
    return vectors[np.sort(rows)]
