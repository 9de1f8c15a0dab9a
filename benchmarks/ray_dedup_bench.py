"""Deduplication of a synthetic national registry on a local Ray: time, pairs, quality.

Generates the registry (benchmarks/synthetic/registry.py: Russian, Finnish, Norwegian and
English names with planted duplicates, seeded), writes it as a registry CSV under var/,
reads it back as `matcher batch dedup --registry` does, and deduplicates it with names
prepared and pairs scored on Ray (blocking on the driver). Prints and writes to
benchmarks/results/ray_dedup_bench_<records>.json: the time of each step, pairs proposed
and scored, and precision and recall of the planted duplicate pairs in the "match" band
(and how many more sit in the review band). `--single` also times the one-process path on
the same records and checks that both find the same pairs (slow at a million).

    python benchmarks/ray_dedup_bench.py --records 100000 [--single] [--num-cpus 2]
    python benchmarks/ray_dedup_bench.py                 # 1,000,000 records
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic.registry import generate, true_pairs, write_registry_csv  # noqa: E402
from matcher.batch.dedup import RayScorer, read_registry  # noqa: E402
from matcher.batch.runtime import ray_session, worker_count  # noqa: E402
from matcher.names import DuplicateReport, NameRecord, find_duplicates  # noqa: E402
from matcher.names.blocking import BlockingConfig, Candidates  # noqa: E402
from matcher.names.dedup import ScoredPairs  # noqa: E402
from matcher.names.scoring import PreparedRecord, TokenStats  # noqa: E402
from matcher.settings import BatchSettings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


class TimedScorer(RayScorer):
    """The Ray scorer, timing its two steps (the rest of the job is the driver's blocking)."""

    seconds: dict[str, float]
    actor_rss_mb = 0.0

    def prepare_all(self, records: Sequence[NameRecord]) -> list[PreparedRecord]:
        started = time.perf_counter()
        prepared = super().prepare_all(records)
        self.seconds = {"prepare_on_ray": time.perf_counter() - started}
        self._blocking_from = time.perf_counter()
        return prepared

    def score_all(
        self,
        prepared: Sequence[PreparedRecord],
        candidates: Candidates,
        stats: TokenStats,
        config: BlockingConfig,
        include_non_match: bool,
    ) -> ScoredPairs:
        started = time.perf_counter()
        self.seconds["blocking_on_driver"] = started - self._blocking_from
        scored = super().score_all(prepared, candidates, stats, config, include_non_match)
        self.seconds["score_on_ray"] = time.perf_counter() - started
        return scored

    def close(self) -> None:
        if self._actors:  # their CPU time, before they stop: the load-independent figure
            self.seconds["actors_cpu"], self.actor_rss_mb = actor_usage()
        super().close()


def actor_usage() -> tuple[float, float]:
    """CPU seconds used so far by this machine's name actors, and the largest one's
    resident memory in MB (Linux /proc)."""
    tick, cpu, rss = os.sysconf("SC_CLK_TCK"), 0.0, 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if not (stat.parent / "cmdline").read_bytes().startswith(b"ray::_NameActor"):
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / tick
        rss = max(rss, int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6)
    return cpu, rss


def quality(report: DuplicateReport, truth: set[tuple[str, str]]) -> dict[str, float | int]:
    def pairs(decision: str) -> set[tuple[str, str]]:
        return {
            (min(p.left_id, p.right_id), max(p.left_id, p.right_id))
            for p in report.by_decision(decision)
        }

    match, review = pairs("match"), pairs("review")
    hits = len(match & truth)
    return {
        "true_duplicate_pairs": len(truth),
        "predicted_match_pairs": len(match),
        "pair_precision": round(hits / len(match), 4) if match else 1.0,
        "pair_recall": round(hits / len(truth), 4) if truth else 1.0,
        "review_pairs": len(review),
        "true_pairs_in_review": len(review & truth),
        "true_pairs_found_as_match_or_review": round(len((match | review) & truth) / len(truth), 4),
    }


def on_ray(records: list[NameRecord], settings: BatchSettings) -> tuple[DuplicateReport, dict]:
    started, cpu = time.perf_counter(), time.process_time()
    with ray_session(settings) as ray:
        ready = time.perf_counter()
        scorer = TimedScorer(ray, settings, worker_count(ray, settings), show_progress=True)
        try:
            report = find_duplicates(records, scorer=scorer)
        finally:
            scorer.close()
        workers = scorer.workers
    figures = {
        "ray_workers": workers,
        "ray_start_seconds": round(ready - started, 1),
        **{k + "_seconds": round(v, 1) for k, v in scorer.seconds.items()},
        "dedup_seconds": round(time.perf_counter() - started, 1),
        "driver_cpu_seconds": round(time.process_time() - cpu, 1),
        "largest_actor_rss_mb": round(scorer.actor_rss_mb),
    }
    return report, figures


def rows(report: DuplicateReport) -> list[tuple[str, str, float, str]]:
    return [(p.left_id, p.right_id, p.score, p.decision) for p in report.pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--num-cpus", type=int, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--workers", type=int, help="scoring actors (default: one per CPU)")
    parser.add_argument("--single", action="store_true", help="also time the one-process path")
    args = parser.parse_args()
    settings = BatchSettings(num_cpus=args.num_cpus, workers=args.workers)
    load_at_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    generated, entity_of = generate(args.records, args.seed)
    registry = ROOT / "var" / "bench" / f"registry-{args.records}-{args.seed}.csv"
    write_registry_csv(generated, registry)
    t1 = time.perf_counter()
    records = read_registry(registry)
    t2 = time.perf_counter()
    report, figures = on_ray(records, settings)
    result: dict[str, object] = {
        "records": len(records),
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "generate_and_write_seconds": round(t1 - t0, 1),
        "read_registry_seconds": round(t2 - t1, 1),
        **figures,
        "candidate_pairs": report.blocking.candidates,
        "pairs_scored": report.blocking.compared,
        "all_pairs_would_be": len(records) * (len(records) - 1) // 2,
        **quality(report, true_pairs(entity_of)),
        "load_average_1min_at_start": round(load_at_start, 2),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
    }
    if args.single:
        started, cpu = time.perf_counter(), time.process_time()
        single = find_duplicates(records)
        result["single_process_seconds"] = round(time.perf_counter() - started, 1)
        result["single_process_cpu_seconds"] = round(time.process_time() - cpu, 1)
        result["same_pairs_as_single_process"] = rows(single) == rows(report)
    result["python"] = platform.python_version()
    for key, value in result.items():
        print(f"{key}: {value}")
    out = RESULTS / f"ray_dedup_bench_{args.records}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
