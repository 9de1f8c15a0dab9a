"""Summaries of a run: one row per ranker (all queries, tune half, report half, slices),
printed as a table and written as JSON."""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.harness import Tally
from matcher.evaluation.metrics import Summary, summarise

HEADLINE_SLICE = "targets: companies"


def summary_of(tally: Tally) -> dict[str, Any]:
    everyone = [m for items in tally.by_half.values() for m in items]
    halves = {half: summarise(items).as_dict() for half, items in sorted(tally.by_half.items())}
    slices = {name: summarise(items).as_dict() for name, items in sorted(tally.by_slice.items())}
    out = {"all": summarise(everyone).as_dict(), **halves, "slices": slices}
    for half in sorted(tally.by_half):
        out[f"slices ({half} half)"] = {
            name: summarise(items).as_dict()
            for (h, name), items in sorted(tally.by_half_slice.items())
            if h == half
        }
    if tally.pool_recall:
        out["pool_recall_of_exact_top10"] = round(float(np.mean(tally.pool_recall)), 4)
    if tally.candidate_recall:
        out["candidate_recall_of_targets"] = round(float(np.mean(tally.candidate_recall)), 4)
        out["candidates_per_query"] = round(float(np.mean(tally.candidates)), 1)
    return out


def table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """Recall@10 / nDCG@10 / MRR per ranker: all queries, each half, company targets."""
    head = f"{'ranker':<22} {'all: R@10 nDCG MRR':<22} {'tune: R@10 nDCG':<17} "
    head += f"{'report: R@10 nDCG':<19} companies: R@10 nDCG"
    lines = [head, "-" * len(head)]
    for name, s in summaries.items():
        company = s["slices"].get(HEADLINE_SLICE, {})
        lines.append(
            f"{name:<22} {_three(s['all']):<22} {_two(s.get('tune', {})):<17} "
            f"{_two(s.get('report', {})):<19} {_two(company)}"
        )
    return "\n".join(lines)


def slice_table(
    summaries: Mapping[str, Mapping[str, Any]], ranker: str, which: str = "slices"
) -> str:
    lines = [f"{which} for {ranker} (queries, R@10, nDCG@10, MRR)"]
    for name, s in summaries[ranker].get(which, {}).items():
        lines.append(f"  {name:<48} {s['queries']:>4}  {_three(s)}")
    return "\n".join(lines)


def _two(s: Mapping[str, Any]) -> str:
    return f"{s['recall_at_10']:.3f} {s['ndcg_at_10']:.3f}" if s else "-"


def _three(s: Mapping[str, Any]) -> str:
    return f"{s['recall_at_10']:.3f} {s['ndcg_at_10']:.3f} {s['mrr']:.3f}" if s else "-"


def write_json(path: Path, meta: Mapping[str, Any], summaries: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        **meta,
        "environment": {"python": platform.python_version(), "machine": platform.machine()},
        "rankers": summaries,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


__all__ = ["Summary", "slice_table", "summary_of", "table", "write_json"]
