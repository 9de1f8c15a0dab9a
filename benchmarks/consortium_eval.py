"""Consortium builder on real H2020 consortia (CORDIS cleantech), leave-one-project-out.

For each query project of eval_lopo_queries.csv: fix the coordinator, build a team of the
project's real size (coordinator included), and count how many of the real partners
(the project's targets) are in it. The same is done for the plain top of the ranking
(the coordinator plus the best-ranked others), which is the baseline. Two rankings feed
both: `plain` (the best cosine of the project text to one of the candidate's other
projects) and `learned` (the engine's learned need ranker, through the evaluation
harness, the held-out project masked in every feature).

Leakage: every organisation's profile is the set of its OTHER projects' texts (title and
objective), each embedded on its own, so the held-out project's text reaches no profile;
organisations with no other project are not candidates. The set-aware objective's
closeness of two members (past joint work, shared partners) is read from the harness's
graph with the held-out project's links taken out (matcher.ranking.pairwise.team_closeness).

Plain score of a candidate = best cosine of the project text (query role) to one of its
other projects (passage role); the builder's pool is the top POOL candidates of the
ranking plus the coordinator, its competences the project's title and sentences (query
role), and a candidate's coverage of a competence its best cosine to one of its projects.
The weight of the team closeness (the default for a ranking that knows nothing of the
record of joint work) and the relevance-led weights (the default for the learned ranking,
matcher.consortium.objective.default_objective) were chosen on the tune half (sha256 of
the project id, as in `matcher eval cordis`) and are reported on the report half and on
all projects.

    python benchmarks/consortium_eval.py [--sample 200] [--model multilingual-e5-small-q4]

Writes benchmarks/results/consortium_eval.json. Vectors are cached in
var/cordis/embeddings.sqlite (shared with the other CORDIS benchmarks).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import CachedEncoder, EmbeddingCache  # noqa: E402
from embeddings.factory import DEFAULT_ENCODER, create_encoder  # noqa: E402
from matcher.consortium.builder import teams, top_k  # noqa: E402
from matcher.consortium.decompose import decompose  # noqa: E402
from matcher.consortium.feasibility import TeamRules  # noqa: E402
from matcher.consortium.objective import (  # noqa: E402
    ObjectiveSettings,
    Scorer,
    default_objective,
    make_problem,
)
from matcher.cordis import load_cordis  # noqa: E402
from matcher.evaluation.harness import Scored, Setup, prepare, signals_of  # noqa: E402
from matcher.evaluation.protocol import Protocol, half_of, read_queries  # noqa: E402
from matcher.evaluation.training import learned_ranker  # noqa: E402
from matcher.ranking.graph import Group  # noqa: E402
from matcher.ranking.learned import load_model  # noqa: E402
from matcher.ranking.pairwise import team_closeness  # noqa: E402
from matcher.ranking.state import RankingState  # noqa: E402
from matcher.settings import RankingSettings  # noqa: E402
from matcher.taxonomy import load_taxonomy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "cordis-cleantech"
CACHE = ROOT / "var" / "cordis" / "embeddings.sqlite"
OUT = ROOT / "benchmarks" / "results" / "consortium_eval.json"
POOL = 100
PREVIOUS = ObjectiveSettings(team=0.0)  # the objective before it was set-aware
# (team closeness weight, redundancy weight) tried; the default was chosen among them on
# the tune half (benchmarks/QUALITY.md)
GRID = ((0.25, 0.0), (0.5, 0.0), (1.0, 0.0))
# led by the ranking's relevance, no team term (coverage, relevance) tried; the learned
# ranking's default was chosen among them on the tune half
LED = ((1.0, 2.0), (0.5, 2.0), (0.25, 2.0))
VARIANTS = {
    "builder, previous default (no team closeness)": PREVIOUS,
    **{
        f"builder, team {t}, redundancy {r}": replace(PREVIOUS, team=t, redundancy=r)
        for t, r in GRID
    },
    **{
        f"builder, relevance-led: coverage {c}, relevance {r}, no team term": replace(
            PREVIOUS, coverage=c, relevance=r
        )
        for c, r in LED
    },
}
# each grid entry again with the closeness to the coordinator only (the set not looked at)
ONLY = ", closeness to the coordinator only"
RANKINGS = ("plain", "learned")

csv.field_size_limit(10**8)


@dataclass(frozen=True)
class Query:
    project: int  # row in the project table
    coordinator: str
    targets: frozenset[str]
    size: int  # the real consortium's size, coordinator included
    has_profile: bool


@dataclass(frozen=True)
class Corpus:
    ids: list[str]
    titles: list[str]
    objectives: list[str]
    orgs: list[str]  # organisations with at least one project, in CSR order
    flat: np.ndarray  # their project rows, concatenated
    starts: np.ndarray  # where each organisation's rows start in `flat`
    queries: list[Query]

    def text(self, i: int) -> str:
        # the same text as the other CORDIS benchmarks, so the embedding cache is shared
        return f"{self.titles[i]}. {self.objectives[i]}".strip()


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_corpus() -> Corpus:
    projects = _rows("projects.csv")
    row_of = {p["project_id"]: i for i, p in enumerate(projects)}
    members: dict[str, set[int]] = {}
    for r in _rows("participation.csv"):
        members.setdefault(r["org_id"], set()).add(row_of[r["project_id"]])
    orgs = sorted(members)
    lists = [sorted(members[o]) for o in orgs]
    starts = np.cumsum([0] + [len(x) for x in lists[:-1]])
    queries = [
        Query(
            row_of[q["project_id"]],
            q["coordinator_org_id"],
            frozenset(q["target_org_ids"].split(";")),
            int(q["n_orgs"]),
            q["coordinator_has_profile"] == "True",
        )
        for q in _rows("eval_lopo_queries.csv")
    ]
    return Corpus(
        [p["project_id"] for p in projects],
        [p["title"] for p in projects],
        [p["objective"] for p in projects],
        orgs,
        np.concatenate(lists),
        starts,
        queries,
    )


def best_per_org(corpus: Corpus, sims: np.ndarray, held_out: int) -> np.ndarray:
    """(..., orgs) best cosine over each organisation's projects other than `held_out`."""
    sims = np.array(sims, dtype=np.float64, copy=True)
    sims[..., held_out] = -np.inf
    return np.maximum.reduceat(sims[..., corpus.flat], corpus.starts, axis=-1)


@dataclass(frozen=True)
class Vectors:
    passages: np.ndarray  # (projects, d)
    queries: np.ndarray  # (projects, d) whole project texts in the query role
    competences: dict[int, np.ndarray]  # project row -> (c, d)
    texts: dict[int, list[str]]


def embed(corpus: Corpus, model: str, sample: list[Query]) -> Vectors:
    # worker processes on every core; closed when done, or their pool breaks at exit
    encoder = CachedEncoder(create_encoder(model, workers=None), EmbeddingCache(CACHE))
    try:
        return _embedded(corpus, encoder, sample)
    finally:
        encoder.close()


def _embedded(corpus: Corpus, encoder: CachedEncoder, sample: list[Query]) -> Vectors:
    texts = [corpus.text(i) for i in range(len(corpus.ids))]
    passages = encoder.encode(texts, "passage", show_progress=True)
    # only the sampled projects are asked: their texts alone in the query role
    asked = sorted({q.project for q in sample})
    queries = np.zeros_like(passages)
    queries[asked] = encoder.encode([texts[i] for i in asked], "query", show_progress=True)
    parts = {
        q.project: [
            c.text for c in decompose(corpus.titles[q.project], corpus.objectives[q.project])
        ]
        for q in sample
    }
    flat = [t for q in sample for t in parts[q.project]]
    vectors = encoder.encode(flat, "query", show_progress=True)
    out, at = {}, 0
    for q in sample:
        out[q.project] = vectors[at : at + len(parts[q.project])]
        at += len(parts[q.project])
    return Vectors(passages, queries, out, parts)


@dataclass(frozen=True)
class Engine:
    """The harness's view of the cluster: graph and learned ranking, held-out data masked."""

    setup: Setup
    case_of: dict[str, int]  # project id -> case position
    learned: object  # the learned ranker (harness Ranker)


def harness(model: str, sample: list[Query], corpus: Corpus) -> Engine:
    data = load_cordis(DATA)
    wanted = {corpus.ids[q.project] for q in sample}
    queries = [q for q in read_queries(DATA / "eval_lopo_queries.csv") if q.project_id in wanted]
    encoder = CachedEncoder(create_encoder(model, workers=None), EmbeddingCache(CACHE))
    setup = prepare(data, queries, Protocol(), encoder, load_taxonomy(), RankingSettings())
    found = load_model(RankingSettings().need_model)
    if found is None:
        raise SystemExit("no learned need model: run `matcher train` first")
    case_of = {c.query.project_id: i for i, c in enumerate(setup.cases)}
    return Engine(setup, case_of, learned_ranker(found))


def learned_scores(engine: Engine, corpus: Corpus, q: Query) -> np.ndarray:
    """The learned ranker's scores over the corpus's organisations (-inf: not ranked)."""
    out = np.full(len(corpus.orgs), -np.inf)
    at = engine.case_of.get(corpus.ids[q.project])
    if at is None:
        return out
    setup = engine.setup
    signals = signals_of(setup, at)
    scores = engine.learned(Scored(setup, setup.cases[at], signals, at))  # type: ignore[operator]
    ids = setup.state.index.catalog.ids
    index = {o: i for i, o in enumerate(corpus.orgs)}
    for at_pool in np.flatnonzero(signals.candidates & np.isfinite(scores)).tolist():
        i = index.get(ids[int(signals.rows[at_pool])])
        if i is not None:
            out[i] = scores[at_pool]
    return out


# a relation of every two of these rows, the held-out group's links out: (n, n)
Relation = Callable[[RankingState, np.ndarray, Group], np.ndarray]


def _team_closeness(state: RankingState, rows: np.ndarray, held: Group) -> np.ndarray:
    return team_closeness(state.walk, state.graph, rows, held)


def closeness_of(
    engine: Engine, corpus: Corpus, q: Query, pool: list[int], relation: Relation = _team_closeness
) -> np.ndarray:
    """A relation among the pool (coordinator first; team closeness unless another is
    given), the held-out project's links out; 0 for a member the harness does not hold."""
    setup = engine.setup
    row_of = setup.state.index.catalog.row_of
    at = engine.case_of.get(corpus.ids[q.project])
    held = setup.cases[at].holdout.group if at is not None else None
    rows = [row_of.get(corpus.orgs[m], -1) for m in pool]
    known = [i for i, r in enumerate(rows) if r >= 0]
    out = np.zeros((len(pool), len(pool)))
    if held is None or len(known) < 2:
        return out
    inner = relation(setup.state, np.asarray([rows[i] for i in known]), held)
    out[np.ix_(known, known)] = inner
    np.fill_diagonal(out, 0.0)
    return out


def run_query(corpus: Corpus, vec: Vectors, engine: Engine, q: Query) -> dict[str, object]:
    plain = best_per_org(corpus, vec.passages @ vec.queries[q.project], q.project)
    index = {o: i for i, o in enumerate(corpus.orgs)}
    me = index[q.coordinator]
    plain[me] = -np.inf  # the coordinator asks; it is never a candidate
    row: dict[str, object] = {
        "project": corpus.ids[q.project],
        "half": half_of(corpus.ids[q.project]),
        "size": q.size,
        "targets": len(q.targets),
        "has_profile": q.has_profile,
    }
    rankings = {"plain": plain, "learned": learned_scores(engine, corpus, q)}
    rankings["learned"][me] = -np.inf
    for name, scores in rankings.items():
        row |= _teams(corpus, vec, engine, q, me, name, scores)
    return row


def _teams(
    corpus: Corpus, vec: Vectors, engine: Engine, q: Query, me: int, name: str,
    scores: np.ndarray,
) -> dict[str, object]:  # fmt: skip
    ranked = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
    pool = [me, *ranked[: max(POOL, 2 * q.size)]]
    cover = best_per_org(corpus, vec.competences[q.project] @ vec.passages.T, q.project)[:, pool].T
    relevance = scores[pool]
    cover, relevance = _neutral_coordinator(cover, relevance)
    closeness = closeness_of(engine, corpus, q, pool)
    rules = TeamRules(q.size, q.size, (-1,) * len(pool), (-1,) * len(pool), fixed=(0,))
    baseline = top_k(range(1, len(pool)), rules)
    out: dict[str, object] = {
        f"{name}: in_pool": _hits(corpus, pool[1:], q),
        f"{name}: plain top": _hits(corpus, [pool[i] for i in baseline[1:]], q),
    }
    only_coordinator = np.zeros_like(closeness)
    only_coordinator[0, :], only_coordinator[:, 0] = closeness[0, :], closeness[:, 0]
    for label, settings in variants().items():
        close = only_coordinator if label.endswith(ONLY) else closeness
        problem = make_problem(cover, relevance, q.size, objective=settings, closeness=close)
        scorer = Scorer(problem)
        found = teams(scorer, rules, baseline)[0]
        out[f"{name}: {label}"] = _hits(corpus, [pool[i] for i in found.members[1:]], q)
        out[f"{name}: {label}: objective gain over plain"] = round(
            found.value - scorer.value(baseline), 4
        )
    return out


def variants() -> dict[str, ObjectiveSettings]:
    set_aware = {k: v for k, v in VARIANTS.items() if v.team > 0}
    return {**VARIANTS, **{f"{k}{ONLY}": v for k, v in set_aware.items()}}


def _neutral_coordinator(cover: np.ndarray, relevance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A coordinator with no other project has no profile: it covers nothing."""
    cover = cover.copy()
    if not np.isfinite(cover[0]).all():
        cover[0] = cover[1:].min(axis=0)
    relevance = relevance.copy()
    finite = relevance[1:][np.isfinite(relevance[1:])]
    low = float(finite.min()) if len(finite) else 0.0
    relevance[0] = low
    return cover, np.where(np.isfinite(relevance), relevance, low)


def _hits(corpus: Corpus, members: list[int], q: Query) -> int:
    return sum(1 for m in members if corpus.orgs[m] in q.targets)


def default_label(ranking: str) -> str:
    """The variant the engine uses by default for a pool from this ranking."""
    wanted = default_objective(learned_ranking=ranking == "learned")
    return next(k for k, v in VARIANTS.items() if v == wanted)


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    labels = ["plain top", *variants()]
    slices = {
        "size 2-5": lambda r: int(r["size"]) <= 5,
        "size 6-10": lambda r: 6 <= int(r["size"]) <= 10,
        "size 11+": lambda r: int(r["size"]) >= 11,
        "coordinator has a profile": lambda r: bool(r["has_profile"]),
        "coordinator has no profile": lambda r: not r["has_profile"],
    }
    out: dict[str, object] = {"queries": len(rows)}
    for name in RANKINGS:
        methods = [f"{name}: {label}" for label in labels]
        part: dict[str, object] = {}
        for half, keep in (("all", lambda r: True), ("tune", lambda r: r["half"] == "tune"),
                           ("report", lambda r: r["half"] == "report")):  # fmt: skip
            chosen = [r for r in rows if keep(r)]
            part[half] = {
                "recall": {m: _recall(chosen, m) for m in [f"{name}: in_pool", *methods]},
                "difference vs plain top, micro, 95% CI": {
                    m: _paired_ci(chosen, m, f"{name}: plain top") for m in methods[1:]
                },
            }
        part["slices"] = {
            label: {"queries": len(chosen), **{m: _recall(chosen, m)["micro"] for m in methods}}
            for label, keep in slices.items()
            if (chosen := [r for r in rows if keep(r)])
        }
        default = default_label(name)
        gains = [float(r[f"{name}: {default}: objective gain over plain"]) for r in rows]  # type: ignore[arg-type]
        part["default objective >= plain team's"] = sum(g >= -1e-9 for g in gains) / len(gains)
        out[name] = part
    out["default"] = {name: default_label(name) for name in RANKINGS}
    return out


def _paired_ci(
    rows: list[dict[str, object]], method: str, base: str, rounds: int = 2000
) -> list[float]:
    """Bootstrap over projects of (method - base) partners found / partners wanted."""
    diff = np.array([int(r[method]) - int(r[base]) for r in rows])  # type: ignore[call-overload]
    wanted = np.array([int(r["targets"]) for r in rows])  # type: ignore[call-overload]
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(rows), size=(rounds, len(rows)))
    stats = diff[picks].sum(axis=1) / wanted[picks].sum(axis=1)
    point = diff.sum() / wanted.sum()
    return [
        round(float(point), 4),
        *(round(float(x), 4) for x in np.quantile(stats, [0.025, 0.975])),
    ]


def _recall(rows: list[dict[str, object]], method: str) -> dict[str, float]:
    """Micro: real partners found / real partners; macro: mean of the per-project fraction."""
    found = [int(r[method]) for r in rows]  # type: ignore[call-overload]
    wanted = [int(r["targets"]) for r in rows]  # type: ignore[call-overload]
    return {
        "micro": round(sum(found) / max(sum(wanted), 1), 4),
        "macro": round(statistics.mean(f / w for f, w in zip(found, wanted, strict=True)), 4)
        if rows
        else 0.0,
        "projects_with_any": round(sum(f > 0 for f in found) / max(len(rows), 1), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="random projects (0: all queries)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--model", default=DEFAULT_ENCODER)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    corpus = load_corpus()
    sample = corpus.queries
    if args.sample:
        sample = sorted(
            random.Random(args.seed).sample(sample, args.sample), key=lambda q: q.project
        )
    started = time.perf_counter()
    vectors = embed(corpus, args.model, sample)
    engine = harness(args.model, sample, corpus)
    encoded = time.perf_counter() - started
    rows = [run_query(corpus, vectors, engine, q) for q in sample]
    summary = summarise(rows)
    summary.update(
        model=args.model,
        sample=args.sample or "all",
        seed=args.seed,
        pool=POOL,
        default_objective={n: default_objective(n == "learned").weights() for n in RANKINGS},
        encode_seconds=round(encoded, 1),
        build_seconds=round(time.perf_counter() - started - encoded, 1),
    )
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
