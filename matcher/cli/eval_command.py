"""`matcher eval cordis`: match quality on real consortia, through the engine's ranking.

    matcher eval cordis --data ../shared/data/cordis-cleantech \\
        --queries ../shared/data/cordis-cleantech/eval_lopo_queries.csv \\
        [--profile-until 2017] [--ranker hybrid --ranker bm25] [--tune] [--model NAME]

Prints recall@10, nDCG@10 and MRR per ranker (all queries, tune and report halves, company
targets) and the hybrids' slices, and writes benchmarks/results/cordis_<protocol>_<model>.json.
Query and project texts are encoded once into <store>/cordis/embeddings.sqlite.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import ConfigError

if TYPE_CHECKING:  # the heavy modules load only when the command runs
    from matcher.evaluation.harness import Setup, Tally
    from matcher.settings import EngineSettings, RankingSettings

DEFAULT_RANKERS = ("random", "popularity", "bm25", "tfidf", "partners", "semantic")
LEARNED = "learned"
HYBRIDS = ("hybrid-text", "hybrid")
RESULTS_DIR = Path("benchmarks") / "results"


@dataclass
class _Run:
    args: argparse.Namespace
    settings: EngineSettings
    ranking: RankingSettings
    started: float = field(default_factory=time.perf_counter)
    prepared: float = 0.0
    tuned: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)

    @property
    def queries_file(self) -> Path:
        return Path(self.args.queries or self.args.data / "eval_lopo_queries.csv")


def register_eval(sub: Any, add_common: Any) -> None:
    p = sub.add_parser("eval", help="measure match quality on real consortia")
    inner = p.add_subparsers(dest="dataset", required=True, metavar="DATASET")
    c = inner.add_parser("cordis", help="leave-one-project-out (or time split) on CORDIS")
    add_common(c)
    c.add_argument("--queries", type=Path, help="query file (default: DATA/eval_lopo_queries.csv)")
    c.add_argument("--profile-until", type=int, help="time split: profiles up to this year")
    c.add_argument("--ranker", action="append", default=[], help="ranker to run (repeatable)")
    c.add_argument("--tune", action="store_true", help="learn the hybrid's weights (tune half)")
    c.add_argument(
        "--train",
        action="store_true",
        help="train the learned rankers in this run (tune half; time split: projects up to "
        "the cut-off year) instead of reading the model file; needed for learned-without-X",
    )
    c.add_argument("--ranker-model", type=Path, help="the learned model file to evaluate")
    c.add_argument(
        "--tune-model",
        action="append",
        default=[],
        help="with --tune: also pool this encoder's tune queries (repeatable), so that the "
        "weights suit several encoders",
    )
    c.add_argument(
        "--pool",
        action="store_true",
        help="rank through the engine's candidate pool (as it serves a large cluster; CORDIS "
        "is small enough to be scored exactly) instead of scoring every organisation; a "
        "target outside the pool counts as missed",
    )
    c.add_argument(
        "--passage-words",
        type=int,
        help="split evidence into passages of at most this many words (default: the "
        "engine's; a large number such as 100000 keeps every project text whole)",
    )
    c.add_argument("--limit", type=int, help="only the first N queries (a quick check)")
    c.add_argument("--out", type=Path, help="results file (default: benchmarks/results/...)")
    c.add_argument(
        "--no-graph-file", action="store_true", help="ignore the all-participation graph file"
    )
    c.set_defaults(handler=run_cordis_eval)


def run_cordis_eval(args: argparse.Namespace) -> int:
    from matcher.cli.config import settings_from
    from matcher.evaluation.baselines import rankers
    from matcher.evaluation.harness import run

    if args.data is None:
        raise ConfigError("give the CORDIS folder with --data")
    settings = settings_from(args).engine
    ranking = settings.ranking
    if args.passage_words:
        ranking = replace(ranking, passage_words=args.passage_words)
    if args.pool:  # the pool even where the engine would score every organisation
        ranking = replace(ranking, pool=replace(ranking.pool, exact_chunks=0))
    job = _Run(args, settings, ranking)
    setup = _prepare(job)
    job.prepared = time.perf_counter()
    if args.tune:
        _tune(job, setup)
    learned = [LEARNED] if args.train or args.profile_until is None else []
    names = args.ranker or [*DEFAULT_RANKERS, *HYBRIDS, *learned]
    table = rankers([n for n in names if not n.startswith(LEARNED)], job.ranking)
    table |= _learned(job, setup, [n for n in names if n.startswith(LEARNED)])
    tallies = run(setup, {n: table[n] for n in names}, show_progress=True)
    _report(job, setup, tallies)
    return 0


def _prepare(job: _Run, model: str | None = None, protocol: Any = None) -> Setup:
    from embeddings import CachedEncoder, EmbeddingCache
    from embeddings.factory import create_encoder
    from matcher.cordis import load_cordis
    from matcher.evaluation.harness import prepare
    from matcher.evaluation.protocol import Protocol, read_queries
    from matcher.taxonomy import load_taxonomy

    data = load_cordis(job.args.data, with_graph=not job.args.no_graph_file)
    queries = read_queries(job.queries_file)[: job.args.limit]
    cache = EmbeddingCache(job.settings.store_dir / "cordis" / "embeddings.sqlite")
    encoder = CachedEncoder(create_encoder(model or job.settings.model, workers=None), cache)
    taxonomy = load_taxonomy(job.settings.taxonomy_path)
    print(f"{len(queries)} queries; encoding with {encoder.model_id} (cached)", file=sys.stderr)
    protocol = protocol or Protocol(job.args.profile_until)
    return prepare(data, queries, protocol, encoder, taxonomy, job.ranking, True, not job.args.pool)


def _learned(job: _Run, setup: Setup, names: list[str]) -> dict[str, Any]:
    """The learned rankers asked for: the model file, or models trained in this run
    ("learned-without-GROUP" drops one feature group and needs --train)."""
    from matcher.evaluation.training import learned_ranker
    from matcher.ranking.learned import load_model

    if not names:
        return {}
    if not job.args.train:
        if any(n != LEARNED for n in names):
            raise ConfigError(
                "learned-without/only-GROUP rankers are trained in the run: add --train"
            )
        path = job.args.ranker_model or job.ranking.need_model
        model = load_model(path)
        if model is None:
            raise ConfigError(f"no usable learned model at {path}; run `matcher train` first")
        wanted = setup.protocol.training_name
        if model.meta.get("protocol") != wanted:
            raise ConfigError(
                f"{path} was trained for protocol {model.meta.get('protocol')!r}, this run needs "
                f"one trained on {wanted!r} (train it with --train or `matcher train`)"
            )
        return {LEARNED: learned_ranker(model)}
    from matcher.cli.train_command import train_models

    models = train_models(job, setup, names)
    return {name: learned_ranker(model) for name, model in models.items()}


def _tune(job: _Run, setup: Setup) -> None:
    """Learn both weight sets on the tune half; this run then reports with them."""
    from matcher.evaluation.tuning import collect, tune
    from matcher.ranking.hybrid import ASKER_COMPONENTS, TEXT_COMPONENTS

    names = [n for n in TEXT_COMPONENTS if n not in ("areas", "preferred_country")]
    stored = collect(setup, names, "tune", show_progress=True)
    for model in job.args.tune_model:
        stored += collect(_prepare(job, model), names, "tune", show_progress=True)
    need = tune(stored, names, job.ranking.need_weights)
    text_only = [n for n in names if n not in ASKER_COMPONENTS]
    search = tune(stored, names, job.ranking.search_weights, free=text_only)
    print(f"tuned need weights: {need}\ntuned search weights: {search}", file=sys.stderr)
    job.ranking = replace(job.ranking, need_weights=need, search_weights=search)
    models = [job.settings.model, *job.args.tune_model]
    job.tuned = {"need_weights": need, "search_weights": search, "tuned_with": models}


def _report(job: _Run, setup: Setup, tallies: dict[str, Tally]) -> None:
    from matcher.evaluation.report import slice_table, summary_of, table, write_json

    summaries = {name: summary_of(t) for name, t in tallies.items()}
    print(table(summaries))
    for name, summary in summaries.items():
        if "pool_recall_of_exact_top10" in summary:
            recall = summary["pool_recall_of_exact_top10"]
            print(f"{name}: the pool's top 10 holds {recall:.3f} of the exact top 10")
    for name, summary in summaries.items():
        if summary.get("candidate_recall_of_targets", 1.0) < 1.0:
            recall, size = summary["candidate_recall_of_targets"], summary["candidates_per_query"]
            print(f"{name}: its {size:.0f} candidates a query hold {recall:.3f} of the targets")
    for name in [n for n in (*HYBRIDS, LEARNED) if n in summaries]:
        print(slice_table(summaries, name))
        if "slices (report half)" in summaries[name] and setup.protocol.until_year is None:
            print(slice_table(summaries, name, "slices (report half)"))
    elapsed = time.perf_counter() - job.started
    meta = {
        "protocol": setup.protocol.name,
        "data": str(job.args.data),
        "queries_file": str(job.queries_file),
        "queries": len(setup.cases),
        "halves": "tune: sha256(project_id) even; report: odd",
        "model": setup.state.encoder.model_id,
        "participation_graph_file": not job.args.no_graph_file,
        "scoring": "candidate pool" if job.args.pool else "every organisation (exact)",
        "passage_words": job.ranking.passage_words,
        "weights": {
            "need": dict(job.ranking.need_weights),
            "search": dict(job.ranking.search_weights),
        },
        "tuned_here": job.tuned or None,
        "trained_here": job.trained or None,
        "seconds": {"total": round(elapsed, 1), "prepare": round(job.prepared - job.started, 1)},
    }
    model = _slug(job.settings.model)
    tuned = "_tuned" if job.tuned else ""
    variant = ("_pool" if job.args.pool else "") + (
        f"_passages{job.args.passage_words}" if job.args.passage_words else ""
    )
    out = job.args.out or RESULTS_DIR / f"cordis_{setup.protocol.name}_{model}{tuned}{variant}.json"
    write_json(out, meta, summaries)
    print(f"{len(setup.cases)} queries in {elapsed:.0f} s; results in {out}", file=sys.stderr)


def _slug(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in model.lower()).strip("-")
