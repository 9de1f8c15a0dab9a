"""Precision, recall and F1 of the name matcher on datasets/name_pairs/pairs.csv.

The set is split in two halves, stratified by category (rows of a category alternate between
dev and test in file order). The automatic threshold is chosen on the dev half only; the test
half is scored at the library's MATCH_THRESHOLD, which was set from the dev figure.

    python benchmarks/names_eval.py [--errors dev|test|all]

Prints the figures and writes benchmarks/results/names_eval.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.names import MATCH_THRESHOLD, REVIEW_THRESHOLD, NameRecord, match_score  # noqa: E402
from matcher.names.scoring import choose_threshold  # noqa: E402

PAIRS = ROOT / "datasets" / "name_pairs" / "pairs.csv"
OUT = ROOT / "benchmarks" / "results" / "names_eval.json"


def _record(row: dict[str, str], side: str, i: int) -> NameRecord:
    ident = row[f"{side}_id"].strip()
    return NameRecord(
        id=f"{side}{i}",
        name=row[f"{side}_name"],
        country=row[f"{side}_country"] or None,
        city=row[f"{side}_city"] or None,
        identifiers=tuple(x for x in ident.split(";") if x),
    )


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, int] = defaultdict(int)
    for row in rows:
        row["split"] = "dev" if seen[row["category"]] % 2 == 0 else "test"
        seen[row["category"]] += 1
    return rows


def metrics(scores: list[float], labels: list[int], threshold: float) -> dict[str, float]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    review = [y for s, y in zip(scores, labels, strict=True) if REVIEW_THRESHOLD <= s < threshold]
    return {
        "pairs": len(scores),
        "matches": sum(labels),
        "non_matches": len(labels) - sum(labels),
        "threshold": threshold,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pos": tp,
        "false_pos": fp,
        "false_neg": fn,
        "in_review_band": len(review),
        "matches_in_review_band": sum(review),
    }


def by_category(rows: list[dict[str, Any]], threshold: float) -> dict[str, dict[str, int]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        groups[row["category"]].append((row["score"] >= threshold) == (row["label"] == 1))
    return {c: {"pairs": len(v), "correct": sum(v)} for c, v in sorted(groups.items())}


def _show_errors(rows: list[dict[str, Any]], threshold: float) -> None:
    for r in rows:
        if (r["score"] >= threshold) != (r["label"] == 1):
            print(
                f"  [{r['split']}] label={r['label']} score={r['score']:.3f} {r['category']}: "
                f"{r['left_name']!r} ({r['left_city']}) vs {r['right_name']!r} "
                f"({r['right_city']}) -- {r['reason']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", choices=["none", "dev", "test", "all"], default="none")
    args = parser.parse_args()
    rows = load_pairs()
    start = time.perf_counter()
    for i, row in enumerate(rows):
        result = match_score(_record(row, "left", i), _record(row, "right", i))
        row.update(score=result.score, reason=result.reason, label=int(row["label"]))
    elapsed = time.perf_counter() - start
    dev = [r for r in rows if r["split"] == "dev"]
    test = [r for r in rows if r["split"] == "test"]
    chosen = choose_threshold([r["score"] for r in dev], [r["label"] for r in dev])
    report: dict[str, Any] = {
        "dataset": str(PAIRS.relative_to(ROOT)),
        "library_match_threshold": MATCH_THRESHOLD,
        "review_threshold": REVIEW_THRESHOLD,
        "dev_chosen_threshold": chosen,
        "dev": metrics([r["score"] for r in dev], [r["label"] for r in dev], MATCH_THRESHOLD),
        "test": metrics([r["score"] for r in test], [r["label"] for r in test], MATCH_THRESHOLD),
        "all": metrics([r["score"] for r in rows], [r["label"] for r in rows], MATCH_THRESHOLD),
        "test_at_dev_chosen": metrics(
            [r["score"] for r in test], [r["label"] for r in test], chosen
        ),
        "test_by_category": by_category(test, MATCH_THRESHOLD),
        "seconds": round(elapsed, 3),
    }
    print(f"pairs: {len(rows)} (dev {len(dev)}, test {len(test)}), scored in {elapsed:.2f}s")
    print(f"library threshold {MATCH_THRESHOLD}, dev-chosen threshold {chosen}")
    for half in ("dev", "test", "all"):
        m = report[half]
        print(
            f"{half:5s} P={m['precision']:.4f} R={m['recall']:.4f} F1={m['f1']:.4f} "
            f"FP={m['false_pos']} FN={m['false_neg']} review-band={m['in_review_band']} "
            f"(of which true matches {m['matches_in_review_band']})"
        )
    if args.errors != "none":
        _show_errors([r for r in rows if args.errors in ("all", r["split"])], MATCH_THRESHOLD)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
