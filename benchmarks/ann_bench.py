"""Retrieval backends at scale: build time, memory, disk, load time, latency and recall.

Vectors are synthetic but shaped like sentence embeddings (uniformly random vectors are the
worst case for approximate search and unlike text): topic centroids that share a common
direction and one of 50 subject areas, plus noise, normalised. Same-topic cosines spread
about 0.64-0.86, cross-topic ones about 0.0-0.3. Vectors are generated in seeded chunks,
so 8M x 384 (12 GB as float32) never has to sit in memory at once.

For each size the script builds the backend the factory picks (plus any `--extra`
kind:size), and measures against exact brute force computed chunk by chunk: recall@10 and
@100, single-query k=100 latency (p50/p99), and raw FAISS flat search for the same queries.
Writes benchmarks/results/ann_bench.json; working files go to a folder under /tmp.

    python benchmarks/ann_bench.py --sizes 100000,1000000 [--extra ivfpq:1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.ann import (  # noqa: E402
    AnnBackend,
    BackendParams,
    HnswParams,
    IvfPqBackend,
    IvfPqParams,
    factory,
)
from embeddings.ann.base import require_faiss  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "ann_bench.json"
CHUNK = 250_000  # vectors generated (and added) at a time
FLAT_CHUNK = 2_000_000  # raw FAISS flat index built this many at a time (3 GB at 384-d)
AREAS = 50
SEARCH_TIME_FIELDS = ("ef_search", "nprobe", "rerank_factor")


class Synthetic:
    """Seeded topic-structured unit vectors: chunk i is the same whatever else was drawn."""

    def __init__(self, dimension: int, topics: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 0])
        common = _unit(rng.standard_normal((1, dimension)))
        areas = rng.standard_normal((AREAS, dimension)) / np.sqrt(dimension)
        own = rng.standard_normal((topics, dimension)) / np.sqrt(dimension)
        area_of = rng.integers(0, AREAS, topics)
        mixed = np.sqrt(0.15) * common + np.sqrt(0.5) * areas[area_of] + own
        self.centroids = _unit(mixed).astype(np.float32)
        self.dimension, self.seed = dimension, seed

    def draw(self, count: int, stream: int) -> np.ndarray:
        """Centroid plus uniform noise of unit variance per dimension, scaled per vector so
        that texts range from on-topic to loosely related (uniform noise: 5x faster to draw
        than normal, and the same once projected on 384 dimensions)."""
        rng = np.random.default_rng([self.seed, 1, stream])
        topic = rng.integers(0, len(self.centroids), count)
        spread = rng.uniform(0.33, 0.82, count).astype(np.float32)
        spread *= np.float32(np.sqrt(3.0 / self.dimension))
        noise = rng.random((count, self.dimension), dtype=np.float32)
        noise -= np.float32(0.5)
        noise *= 2 * spread[:, None]
        noise += self.centroids[topic]
        return _unit(noise)

    def chunks(self, total: int) -> Iterator[tuple[int, np.ndarray]]:
        for index, start in enumerate(range(0, total, CHUNK)):
            yield start, self.draw(min(CHUNK, total - start), stream=2 + index)

    def queries(self, count: int) -> np.ndarray:
        return self.draw(count, stream=1)


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


# --- the reference: exact top 100 and raw FAISS flat latency, in one pass ------------------
def reference(data: Synthetic, total: int, queries: np.ndarray, k: int) -> dict[str, Any]:
    lib = require_faiss()
    lib.omp_set_num_threads(1)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.full((len(queries), k), -1, dtype=np.int64)
    flat_ms = np.zeros(len(queries))
    flat = lib.IndexFlatIP(data.dimension)
    for start, chunk in data.chunks(total):
        scores = queries @ chunk.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, 1)], 1)
        merged_ids = np.concatenate([best_ids, start + top], axis=1)
        keep = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best_ids = np.take_along_axis(merged_ids, keep, axis=1)
        flat.add(chunk)
        if flat.ntotal >= FLAT_CHUNK or start + len(chunk) >= total:
            flat_ms += _flat_ms(flat, queries, k)
            flat.reset()
    del flat  # reset() keeps the vector's capacity; deleting the index frees it
    order = np.argsort(-best_scores, axis=1)
    return {"ids": np.take_along_axis(best_ids, order, axis=1), "flat_ms": flat_ms}


def _flat_ms(flat: Any, queries: np.ndarray, k: int) -> np.ndarray:
    return _single_query_ms(lambda query: flat.search(query, k), queries)


def _single_query_ms(search: Any, queries: np.ndarray) -> np.ndarray:
    for query in queries[:5]:  # warm caches and code paths
        search(query[None, :])
    times = np.empty(len(queries))
    for row, query in enumerate(queries):
        started = time.perf_counter()
        search(query[None, :])
        times[row] = (time.perf_counter() - started) * 1000
    return times


# --- one backend ---------------------------------------------------------------------------
def build(data: Synthetic, total: int, kind: str, workdir: Path) -> AnnBackend:
    params = factory.params_for(total, data.dimension, kind)
    backend: AnnBackend
    if isinstance(params, IvfPqParams):
        # chunks are independent draws, so the first train_size vectors are a fair sample
        sample = next(data.chunks(total))[1][: min(total, params.train_size)]
        backend = IvfPqBackend.trained(sample, params, workdir)
    else:
        backend = factory.empty(kind, data.dimension, params)
    for start, chunk in data.chunks(total):
        backend.add(np.arange(start, start + len(chunk)), chunk)
        print(f"  {kind} {start + len(chunk):,}/{total:,}", end="\r", flush=True)
    return backend


def measure(
    data: Synthetic,
    total: int,
    kind: str,
    queries: np.ndarray,
    truth: dict[str, Any],
    work: Path,
    sweep: bool = False,
) -> dict[str, Any]:
    gc.collect()
    before, started = memory(), time.perf_counter()
    backend = build(data, total, kind, work)
    build_s, after = time.perf_counter() - started, memory()
    folder = work / f"{kind}-{total}"
    folder.mkdir()
    backend.save(folder)
    result: dict[str, Any] = {
        "kind": kind,
        "vectors": total,
        "params": asdict(backend.params),
        "build_s": round(build_s, 1),
        "memory_added_mb": {key: round((after[key] - before[key]) / 2**20) for key in after},
        "disk_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20),
    }
    result.update(latency_and_recall(backend, queries, truth))
    if sweep:
        result["sweep"] = search_sweep(backend, queries, truth)
    del backend
    gc.collect()
    for mmap in (True, False):
        started = time.perf_counter()
        loaded = factory.load(folder, mmap=mmap)
        result[f"load_s_{'mmap' if mmap else 'read'}"] = round(time.perf_counter() - started, 2)
        del loaded
        gc.collect()
    shutil.rmtree(folder)
    return result


def latency_and_recall(
    backend: AnnBackend, queries: np.ndarray, truth: dict[str, Any]
) -> dict[str, Any]:
    k = truth["ids"].shape[1]
    times = _single_query_ms(lambda q: backend.search(q, k), queries)
    _, found = backend.search(queries, k)
    flat = truth["flat_ms"]
    return {
        "search_p50_ms": round(float(np.median(times)), 3),
        "search_p99_ms": round(float(np.percentile(times, 99)), 3),
        "flat_p50_ms": round(float(np.median(flat)), 3),
        "speedup_vs_flat_p50": round(float(np.median(flat) / np.median(times)), 1),
        "recall_at_10": round(recall(found, truth["ids"], 10), 4),
        "recall_at_100": round(recall(found, truth["ids"], 100), 4),
    }


def search_sweep(
    backend: AnnBackend, queries: np.ndarray, truth: dict[str, Any]
) -> list[dict[str, Any]]:
    """The same built index under other search-time parameters (no rebuild): how much
    recall a wider search buys, and at what latency."""
    default = backend.params
    variants: list[BackendParams]
    if isinstance(default, IvfPqParams):
        variants = [
            replace(default, nprobe=nprobe, rerank_factor=rerank)
            for nprobe in (default.nprobe // 2, default.nprobe, default.nprobe * 2)
            for rerank in (default.rerank_factor, default.rerank_factor * 2)
        ]
    elif isinstance(default, HnswParams):
        variants = [replace(default, ef_search=default.ef_search * f) for f in (1, 2, 4)]
    else:
        return []
    rows = []
    for params in variants:
        backend.params = params  # type: ignore[misc]  # search-time fields only
        row = {k: v for k, v in asdict(params).items() if k in SEARCH_TIME_FIELDS}
        rows.append(row | latency_and_recall(backend, queries, truth))
        print(json.dumps(rows[-1]))
    backend.params = default  # type: ignore[misc]
    return rows


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    hits = [len(np.intersect1d(f[:k], t[:k])) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits) / k)


def memory() -> dict[str, int]:
    """Resident bytes: VmRSS (from psutil when installed), and from /proc its split into
    anonymous memory and mapped file pages such as the 8-bit copy (page cache that the
    kernel can drop and re-read, so it is reported apart)."""
    fields = {}
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) * 1024
    try:
        import psutil  # optional: not a dependency of the project

        fields["VmRSS"] = psutil.Process().memory_info().rss
    except ImportError:
        pass
    return fields


# --- the run -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--extra", default="", help="more kind:size runs, e.g. ivfpq:1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--topics", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep", action="store_true", help="also other search-time params")
    args = parser.parse_args()
    runs = [(factory.kind_for(int(s)), int(s)) for s in args.sizes.split(",") if s]
    runs += [(kind, int(size)) for kind, size in (e.split(":") for e in args.extra.split(",") if e)]
    tempfile.tempdir = "/tmp"  # every working file (8-bit copies, saves) lands there
    data = Synthetic(args.dim, args.topics, args.seed)
    queries = data.queries(args.queries)
    results = []
    with tempfile.TemporaryDirectory(prefix="ann-bench-", dir="/tmp") as work:
        for total in sorted({size for _, size in runs}):
            started = time.perf_counter()
            truth = reference(data, total, queries, k=100)
            print(f"{total:,}: exact reference in {time.perf_counter() - started:.0f} s")
            for kind in [kind for kind, size in runs if size == total]:
                result = measure(data, total, kind, queries, truth, Path(work), args.sweep)
                print(json.dumps(result))
                results.append(result)
                write(args, results)


def write(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    """Merge into the saved report: a run replaces only its own (kind, size) rows, so sizes
    may be measured in separate runs."""
    ran = {(r["kind"], r["vectors"]) for r in results}
    try:
        earlier = json.loads(OUT.read_text())["results"]
    except (OSError, ValueError, KeyError):
        earlier = []
    kept = [r for r in earlier if (r.get("kind"), r.get("vectors")) not in ran]
    results = sorted(kept + results, key=lambda r: (r["vectors"], r["kind"]))
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "settings": {k: str(v) for k, v in vars(args).items()},
        "results": results,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
