"""Deduplication benchmark: 100,000 synthetic organisation records with known duplicates.

Records are generated deterministically in memory (fixed seed) by
benchmarks/synthetic/registry.py: fictional firms of RU, FI, NO and EN-speaking lists, a
share of them listed again as a duplicate, plus hard non-duplicates.
Prints the time, records/s, pairs compared and pair precision/recall of the "match"
decision; writes benchmarks/results/dedup_bench.json.

    python benchmarks/dedup_bench.py [--records 100000] [--seed 6]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic.registry import generate, true_pairs  # noqa: E402
from matcher.names import find_duplicates  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "dedup_bench.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    t0 = time.perf_counter()
    records, entity_of = generate(args.records, args.seed)
    t1, cpu1 = time.perf_counter(), time.process_time()
    report = find_duplicates(records)
    t2, cpu2 = time.perf_counter(), time.process_time()
    truth = true_pairs(entity_of)
    predicted = {tuple(sorted((p.left_id, p.right_id))) for p in report.by_decision("match")}
    review = {tuple(sorted((p.left_id, p.right_id))) for p in report.by_decision("review")}
    hits = len(predicted & truth)
    seconds = t2 - t1
    result = {
        "records": len(records),
        "seed": args.seed,
        "true_duplicate_pairs": len(truth),
        "generate_seconds": round(t1 - t0, 2),
        "dedup_seconds": round(seconds, 2),
        "dedup_cpu_seconds": round(cpu2 - cpu1, 2),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "records_per_second": round(len(records) / seconds),
        "candidate_pairs": report.blocking.candidates,
        "pairs_compared": report.blocking.compared,
        "all_pairs_would_be": len(records) * (len(records) - 1) // 2,
        "predicted_match_pairs": len(predicted),
        "pair_precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "pair_recall": round(hits / len(truth), 4) if truth else 1.0,
        "review_pairs": len(review),
        "true_pairs_in_review": len(review & truth),
        "true_pairs_found_as_match_or_review": round(
            len((predicted | review) & truth) / len(truth), 4
        ),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
