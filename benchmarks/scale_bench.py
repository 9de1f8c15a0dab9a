"""The engine's own cost at scale: synthetic clusters of 1,000 to 1,000,000 organisations.

A fast deterministic fake encoder (benchmarks.synthetic.TopicEncoder: topic centroids plus
noise, so the vectors are clustered like text embeddings) keeps encoding out of the
figures; its time is reported apart. For each size, in a process of its own (so resident
memory is that size's alone): build time and memory, query latency p50/p99 for partners,
search and need matches (one query at a time, one thread), the same queries' raw vector
search alone (the engine/raw ratio is the engine's overhead), a single write's latency and
whether the next query sees it, the pool's recall of the exact top 10 (every organisation
scored), and saving and re-opening the index.

    python benchmarks/scale_bench.py --sizes 1000,10000,100000,1000000

Prints each size's figures and writes benchmarks/results/scale_bench.json (one entry per
size, merged with the sizes already there). Building a million takes about half an hour:
`--keep DIR` saves each size's engine under DIR/<size>, and `--saved DIR` opens it again
and measures the queries and the pool's recall only; `--semantic-rows N` changes how many
rows the pool's first cut keeps (stored as "<size> semantic_rows=N", beside the default's).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.synthetic import TopicEncoder, mutated, query_texts, synthetic_cluster
from embeddings import ChunkIndex
from matcher.config import single_threaded_queries
from matcher.engine import Matchmaker
from matcher.filters import Filters
from matcher.settings import EngineSettings, RankingSettings
from matcher.taxonomy import load_taxonomy

RESULTS = Path(__file__).parent / "results" / "scale_bench.json"
NONE = Filters()


class TimedEncoder:
    """The fake encoder, with the time spent in it counted (to report apart)."""

    def __init__(self, inner: TopicEncoder) -> None:
        self.inner, self.seconds = inner, 0.0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return None

    def encode(self, texts: Sequence[str], role: Any = "passage", show_progress: bool = False):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, role)
        finally:
            self.seconds += time.perf_counter() - started


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latency(calls: Sequence[Callable[[], object]]) -> dict[str, float]:
    """Wall-clock p50/p99, and the p50 of the calling thread's CPU time: on a machine
    shared with other jobs the wall clock also counts the waits for a core, the CPU time
    only the engine's own work (on a quiet machine the two agree)."""
    times, cpu = [], []
    for call in calls:
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        times.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.thread_time() - started_cpu))
    times.sort()
    return {
        "p50_ms": round(float(np.median(times)), 2),
        "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 2),
        "cpu_p50_ms": round(float(np.median(cpu)), 2),
        "n": len(times),
    }


def overlap(pooled: list[str], exact: list[str]) -> float:
    return len(set(pooled) & set(exact)) / max(len(exact), 1)


def engine_settings(folder: Path, semantic_rows: int | None) -> EngineSettings:
    """The engine's defaults, with the first cut's depth changed when asked."""
    ranking = RankingSettings()
    if semantic_rows is not None:
        ranking = replace(ranking, pool=replace(ranking.pool, semantic_rows=semantic_rows))
    return EngineSettings(store_dir=folder, ranking=ranking)


def run_size(
    n: int,
    queries: int,
    recall_queries: int,
    seed: int,
    keep: Path | None = None,
    semantic_rows: int | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"organisations": n}
    started = time.perf_counter()
    cluster = synthetic_cluster(n, seed)
    out["generate_s"] = round(time.perf_counter() - started, 1)
    encoder = TimedEncoder(TopicEncoder())
    folder = keep / str(n) if keep else Path(tempfile.mkdtemp(prefix="scale-bench-"))
    settings = engine_settings(folder, semantic_rows)
    memory_before = rss_mb()
    started = time.perf_counter()
    engine = Matchmaker.build(cluster, settings, encoder, load_taxonomy())
    out["build_s"] = round(time.perf_counter() - started, 1)
    out["encode_s"] = round(encoder.seconds, 1)
    out["engine_rss_mb"] = round(rss_mb() - memory_before)
    info = engine.info()
    out |= {"vectors": info.vectors, "backend": info.backend}
    single_threaded_queries()
    out |= measure_queries(engine, cluster, queries, seed)
    out |= measure_writes(engine, cluster, seed)
    out |= measure_pool_recall(engine, cluster, recall_queries, seed)
    out |= measure_persistence(engine, cluster, settings, encoder)
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    out["peak_rss_mb"] = round(peak_rss_mb())
    out["load_average"] = round(os.getloadavg()[0], 1)  # other jobs on the machine meanwhile
    return out


def run_saved(
    n: int,
    queries: int,
    recall_queries: int,
    seed: int,
    saved: Path,
    semantic_rows: int | None = None,
) -> dict[str, Any]:
    """The queries and the pool's recall on the engine a `--keep` run saved for this size."""
    cluster = synthetic_cluster(n, seed)
    encoder = TimedEncoder(TopicEncoder())
    memory_before = rss_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    engine = Matchmaker.load(
        cluster, engine_settings(saved / str(n), semantic_rows), encoder, load_taxonomy()
    )
    out: dict[str, Any] = {
        "organisations": n,
        "opened_saved_s": round(time.perf_counter() - started, 1),
        # both threads: the files are checked in a second one while the open goes on
        "opened_saved_cpu_s": round(time.process_time() - started_cpu, 1),
        "opened_rss_added_mb": round(rss_mb() - memory_before),
    }
    info = engine.info()
    out |= {"vectors": info.vectors, "backend": info.backend}
    single_threaded_queries()
    out |= measure_queries(engine, cluster, queries, seed)
    out |= measure_pool_recall(engine, cluster, recall_queries, seed)
    out["load_average"] = round(os.getloadavg()[0], 1)
    return out


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_queries(engine: Matchmaker, cluster: Any, count: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    ids = list(cluster.organisations)
    askers = [ids[i] for i in rng.choice(len(ids), count)]
    texts = query_texts(count, seed)
    needs = list(cluster.needs)
    engine.encode_queries(texts)  # the texts' vectors are cached: the engine's own time
    for call in (lambda: engine.partners(askers[0]), lambda: engine.search(texts[0])):
        call()  # warm
    index = engine.index  # the raw vector search the engine's pool asks for
    vectors = engine.encode_queries(texts)
    chunks = engine.settings.ranking.pool.semantic_chunks
    mine = [index.vectors(_slots(index, a)) for a in askers]
    return {
        "partners": latency([lambda a=a: engine.partners(a, 10) for a in askers]),
        "search": latency([lambda t=t: engine.search(t, 10) for t in texts]),
        "need_matches": latency(
            [lambda i=i: engine.need_matches(needs[i % len(needs)], 10) for i in range(count)]
        ),
        "raw_search": latency([lambda v=v: index.candidates(v, chunks) for v in vectors]),
        "raw_partners": latency([lambda m=m: index.candidates(m, chunks) for m in mine]),
    }


def _slots(index: ChunkIndex, org_id: str) -> np.ndarray:
    return index.catalog.slots_of_rows(np.asarray([index.catalog.row_of[org_id]]))[0]


def measure_writes(engine: Matchmaker, cluster: Any, seed: int, count: int = 20) -> dict[str, Any]:
    """Replace one organisation's profile, then ask for its new text at once."""
    rng = np.random.default_rng(seed + 1)
    ids = list(cluster.organisations)
    writes, firsts, visible = [], [], 0
    for i in rng.choice(len(ids), count, replace=False).tolist():
        changed = mutated(cluster.organisations[ids[i]], seed)
        engine.encode_queries([changed.description])
        prepared = engine.prepare([changed])  # encoding: the encoder's time, outside locks
        started = time.perf_counter()
        engine.apply(prepared)
        written = time.perf_counter()
        found = engine.search(changed.description, 10).ids()
        firsts.append(1000 * (time.perf_counter() - written))
        writes.append(1000 * (written - started))
        visible += changed.id in found
    return {
        "write_ms_p50": round(float(np.median(writes)), 2),
        "first_query_after_write_ms_p50": round(float(np.median(firsts)), 2),
        "write_visible_ms_p50": round(float(np.median(np.add(writes, firsts))), 2),
        "writes_found_by_next_query": f"{visible}/{count}",
    }


def measure_pool_recall(engine: Matchmaker, cluster: Any, count: int, seed: int) -> dict[str, Any]:
    """Share of the exact top 10 (every organisation scored) that the pool's top 10 holds."""
    rng = np.random.default_rng(seed + 2)
    ids, needs = list(cluster.organisations), list(cluster.needs)
    askers = [ids[i] for i in rng.choice(len(ids), count)]
    texts = query_texts(count, seed + 3)
    found: dict[str, list[float]] = {"partners": [], "search": [], "need_matches": []}
    for asker, text, need in zip(askers, texts, needs * count, strict=False):
        found["partners"].append(
            overlap(
                engine.partners(asker, 10).ids(), engine.partners(asker, 10, exhaustive=True).ids()
            )
        )
        found["search"].append(
            overlap(engine.search(text, 10).ids(), engine.search(text, 10, exhaustive=True).ids())
        )
        found["need_matches"].append(overlap(
            engine.need_matches(need, 10).ids(),
            engine.need_matches(need, 10, exhaustive=True).ids()))  # fmt: skip
    return {f"pool_recall_{k}": round(float(np.mean(v)), 4) for k, v in found.items()}


def measure_persistence(
    engine: Matchmaker, cluster: Any, settings: EngineSettings, encoder: TimedEncoder
) -> dict[str, Any]:
    started = time.perf_counter()
    engine.save()
    saved = time.perf_counter() - started
    size = sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file())
    started, started_cpu = time.perf_counter(), time.process_time()
    opened = Matchmaker.load(cluster, settings, encoder, load_taxonomy())
    opened_s, opened_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    return {
        "save_s": round(saved, 1),
        "index_on_disk_mb": round(size / 2**20),
        "index_parts_mb": index_parts(settings.index_dir),
        "open_saved_s": round(opened_s, 1),
        "open_saved_cpu_s": round(opened_cpu_s, 1),
        **measure_after_open(opened, cluster),
    }


def measure_after_open(engine: Matchmaker, cluster: Any, count: int = 50) -> dict[str, Any]:
    """Queries on the engine opened from the saved index: the first one (it pages in the
    memory-mapped parts and fills the per-write memo) and the following ones."""
    ids = list(cluster.organisations)[:count]
    started = time.perf_counter()
    engine.partners(ids[0], 10)
    first = 1000 * (time.perf_counter() - started)
    return {
        "after_open_first_partners_ms": round(first, 1),
        "after_open_partners": latency([lambda a=a: engine.partners(a, 10) for a in ids[1:]]),
    }


def index_parts(index_dir: Path) -> dict[str, int]:
    """The saved index by part, in MB. The .npy files (the lexicon's, the catalogue's, the
    IVF backend's 8-bit copy of the vectors) are memory-mapped, paged in as they are
    touched; the FAISS files and the JSON are read into memory."""
    parts: dict[str, float] = {}
    for path in (p for p in index_dir.rglob("*") if p.is_file()):
        name = path.name
        part = (
            "backend_mapped" if name.startswith("ann.vectors") else
            "backend" if path.parent.name == "backend" else
            "lexicon" if name.startswith("lexicon") else "catalog"
        )  # fmt: skip
        parts[part] = parts.get(part, 0.0) + path.stat().st_size / 2**20
    return {k: round(v) for k, v in sorted(parts.items())}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recall-queries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="save each size's engine under DIR/<size>")
    parser.add_argument("--saved", type=Path, help="measure the engines a --keep run saved")
    parser.add_argument("--semantic-rows", type=int, help="rows the pool's first cut keeps")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process's size
    args = parser.parse_args(argv)
    if args.one:
        common = (args.one, args.queries, args.recall_queries, args.seed)
        if args.saved:
            result = run_saved(*common, args.saved, args.semantic_rows)
        else:
            result = run_size(*common, args.keep, args.semantic_rows)
        if args.semantic_rows is not None:
            result["semantic_rows"] = args.semantic_rows
        print(json.dumps(result))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        result = _child(size, args)
        print(json.dumps(result, indent=1))
        # read again: a run of other sizes may have finished meanwhile
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        # a --saved run measures queries only: the size's build and persistence figures stay
        key = (
            str(size)
            if args.semantic_rows is None
            else f"{size} semantic_rows={args.semantic_rows}"
        )
        results[key] = {**results.get(key, {}), **result} if args.saved else result
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def _child(size: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries),
               "--recall-queries", str(args.recall_queries), "--seed", str(args.seed)]  # fmt: skip
    for name in ("keep", "saved", "semantic_rows"):
        if getattr(args, name) is not None:
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
