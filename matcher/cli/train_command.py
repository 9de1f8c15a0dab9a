"""`matcher train`: rebuild the learned need ranker from real consortia (and feedback).

    matcher train --data ../shared/data/cordis-cleantech [--profile-until 2017]
        [--out PATH] [--feedback-store DIR]

Leave-one-project-out (the default) trains on the tune half of the queries and writes the
shipped model (matcher/models/need_ranker/model.txt); `--profile-until YEAR` trains on
the projects that started by then, as time splits inside those years (profiles up to
YEAR-2 with queries from YEAR-1 and YEAR, profiles up to YEAR-1 with queries from YEAR),
and writes <store>/models/need_ranker_untilYEAR.txt.
`--feedback-store` adds the accepted and rejected suggestions of a cluster's store as
extra groups. The model is then scored on the queries training never saw (the report
half; the later projects), and the figures go into its description beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import ConfigError

if TYPE_CHECKING:
    from matcher.cli.eval_command import _Run
    from matcher.evaluation.harness import Setup
    from matcher.evaluation.training import Groups
    from matcher.ranking.learned import LearnedModel


def register_train(sub: Any, add_common: Any) -> None:
    p = sub.add_parser("train", help="train the learned need ranker on real consortia")
    add_common(p)
    p.add_argument("--queries", type=Path, help="query file (default: DATA/eval_lopo_queries.csv)")
    p.add_argument("--profile-until", type=int, help="time split: train on projects up to it")
    p.add_argument("--out", type=Path, help="model file (default: the shipped one / var/models)")
    p.add_argument("--feedback-store", type=Path, help="add this store's feedback as groups")
    p.add_argument("--limit", type=int, help="only the first N queries (a quick check)")
    p.add_argument("--no-report", action="store_true", help="skip scoring the unseen queries")
    p.set_defaults(handler=run_train, pool=False, passage_words=None, no_graph_file=False)
    p.set_defaults(train=True, ranker_model=None, tune=False, tune_model=[], ranker=[])


def run_train(args: argparse.Namespace) -> int:
    from matcher.cli.config import settings_from
    from matcher.cli.eval_command import _prepare, _Run
    from matcher.evaluation.harness import run
    from matcher.evaluation.report import summary_of
    from matcher.evaluation.training import learned_ranker

    if args.data is None:
        raise ConfigError("give the CORDIS folder with --data")
    settings = settings_from(args).engine
    job = _Run(args, settings, settings.ranking)
    setup = _prepare(job)
    job.prepared = time.perf_counter()
    out = args.out or default_model_path(args, settings.store_dir, settings.ranking.need_model)
    model = train_models(job, setup, ["learned"], out)["learned"]
    if not args.no_report:
        unseen = _unseen(setup)
        tally = run(unseen, {"learned": learned_ranker(model)}, show_progress=True)["learned"]
        summary = summary_of(tally)
        job.trained["unseen_queries"] = {
            "which": "report half" if setup.protocol.until_year is None else "later projects",
            **{k: v for k, v in summary.items() if k != "slices"},
        }
        _rewrite_meta(out, job.trained)
        print(f"unseen queries: {summary['all']}", file=sys.stderr)
    print(f"model in {out}", file=sys.stderr)
    return 0


def default_model_path(args: argparse.Namespace, store: Path, shipped: Path | None) -> Path:
    if args.profile_until is None and shipped is not None:
        return shipped
    return store / "models" / f"need_ranker_until{args.profile_until}.txt"


def train_models(
    job: _Run, setup: Setup, names: list[str], out: Path | None = None
) -> dict[str, LearnedModel]:
    """Train "learned" (every feature) and each "learned-without-GROUP" on the protocol's
    training queries; with `out`, the full model is saved there."""
    from matcher.evaluation.training import as_model, fit, save

    started = time.perf_counter()
    groups, stats = _training_groups(job, setup)
    groups = _with_feedback(job, groups, stats)
    stats["feature_seconds"] = round(time.perf_counter() - started, 1)
    models = {}
    for name in names:
        features = features_of(name)
        booster, seconds = fit(groups, features)
        meta = {
            **stats,
            "protocol": setup.protocol.training_name,
            "training_groups": len(groups.sizes),
            "training_rows": len(groups.labels),
            "training_data_sha256": groups.digest(),
            "encoder": setup.state.encoder.model_id,
            "need_weights": dict(setup.state.settings.need_weights),
            "fit_seconds": round(seconds, 1),
        }
        print(f"{name}: {len(groups.sizes)} groups, fitted in {seconds:.1f} s", file=sys.stderr)
        if name == "learned" and out is not None:
            save(booster, out, features, meta)
        models[name] = as_model(booster, features, meta)
        job.trained[name] = meta
    return models


def features_of(name: str) -> list[str]:
    """The features of a learned ranker's name: "learned" (all), "learned-without-GROUP"
    (all but one group), "learned-only-GROUP" (one group alone)."""
    from matcher.ranking.features import FEATURES, GROUPS, HYBRID_FEATURES

    groups = {**GROUPS, "hybrid": HYBRID_FEATURES}
    for prefix, keep in (("learned-without-", False), ("learned-only-", True)):
        if name.startswith(prefix):
            group = name.removeprefix(prefix)
            if group not in groups:
                raise ConfigError(f"unknown feature group {group!r}; known: {', '.join(groups)}")
            return [f for f in FEATURES if (f in groups[group]) == keep]
    if name != "learned":
        raise ConfigError(f"unknown learned ranker {name!r}")
    return list(FEATURES)


def _training_groups(job: _Run, setup: Setup) -> tuple[Groups, dict[str, Any]]:
    """Leave-one-project-out: the tune half of this setup's queries. A time split: every
    query of the splits inside the years up to the cut-off (each its own state)."""
    from matcher.cli.eval_command import _prepare
    from matcher.evaluation.training import Groups, collect

    if setup.protocol.until_year is None:
        return collect(setup, lambda i: setup.cases[i].half == "tune", True)
    parts, stats = [], {}
    for protocol in setup.protocol.training_splits():
        groups, found = collect(_prepare(job, protocol=protocol), lambda i: True, True)
        parts.append(groups)
        stats[protocol.name] = found
    joined = Groups.join(parts)
    recall = [s["candidate_recall"] * s["queries"] for s in stats.values()]
    queries = sum(int(s["queries"]) for s in stats.values())
    return joined, {"queries": queries, "candidate_recall": sum(recall) / max(queries, 1),
                    "splits": stats}  # fmt: skip


def _unseen(setup: Setup) -> Setup:
    from dataclasses import replace

    if setup.protocol.until_year is not None:
        return setup
    return replace(setup, cases=tuple(c for c in setup.cases if c.half == "report"),
                   vectors=setup.vectors[[c.half == "report" for c in setup.cases]])  # fmt: skip


def _with_feedback(job: _Run, groups: Groups, stats: dict[str, Any]) -> Groups:
    store_dir = getattr(job.args, "feedback_store", None)
    if store_dir is None:
        return groups
    from matcher.config import AppSettings
    from matcher.evaluation.feedback import feedback_groups
    from matcher.evaluation.training import Groups
    from matcher.service import ClusterService
    from matcher.store import Store

    settings = AppSettings.for_store(store_dir, model=job.settings.model)
    service = ClusterService.open(settings.engine, Store(settings.database_url))
    try:
        with service.engine.reading() as state:
            extra = feedback_groups(state, service.feedback_rows())
    finally:
        service.close()
    stats["feedback_groups"] = len(extra.sizes)
    return Groups.join([groups, extra])


def _rewrite_meta(path: Path, trained: dict[str, Any]) -> None:
    import json

    from matcher.ranking.learned import meta_path

    meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    meta["unseen_queries"] = trained["unseen_queries"]
    meta_path(path).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
