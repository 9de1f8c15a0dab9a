"""Text-only search on the demo cluster: judged queries in four languages, nDCG@10.

    python benchmarks/search_eval.py [--tune] [--cache var/test-cache/embeddings.sqlite]

The queries and graded judgements are datasets/search_judgements (its data card says how
they were made). Each query runs through the engine's own text ranking (pool, components,
weights) with no asking organisation; rankers differ only in how they combine the
components. A text is read with its gloss as the engine reads it (matcher.gloss: a Finnish
text with its English gloss, an English one naming a place in Russia with its Russian
gloss); two rankers read the texts without any gloss. nDCG@10 uses gains 2^grade - 1.
`--tune` learns the text-only weights by coordinate ascent on the tune half (even needs)
and prints them; the engine's search weights (matcher/settings.py) were set from that run.
Writes benchmarks/results/search_eval.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import CachedEncoder, EmbeddingCache  # noqa: E402
from embeddings.factory import DEFAULT_ENCODER, create_encoder  # noqa: E402
from embeddings.language import detect_language  # noqa: E402
from matcher import EngineSettings, Filters, Matchmaker, load_cluster, load_taxonomy  # noqa: E402
from matcher.chunking import CAPABILITY_FIELDS  # noqa: E402
from matcher.ranking.chunks import PoolChunks  # noqa: E402
from matcher.ranking.components import combine, per_owner_max  # noqa: E402
from matcher.ranking.text import EncodedText, Scoring, TextQuery, prepare_text, score_text  # noqa: E402

JUDGED = ROOT / "datasets" / "search_judgements"
CACHE = ROOT / "var" / "test-cache" / "embeddings.sqlite"
OUT = ROOT / "benchmarks" / "results" / "search_eval.json"
LANGUAGES = ("en", "ru", "fi", "no")
# the weights the engine searched with before the text-only weights were learnt here
PREVIOUS = {
    "semantic": 0.0523, "semantic_mass": 0.007, "lexical": 0.1045, "lexical_mass": 0.5226,
    "popularity": 0.2613, "track_record": 0.0523, "areas": 0.15,
}  # fmt: skip
FREE = ("semantic", "semantic_mass", "lexical", "lexical_mass", "popularity", "track_record",
        "areas", "location")  # fmt: skip
GRID = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
TEXT = ("semantic", "semantic_mass", "lexical", "lexical_mass")
# The text's own match keeps at least this share of the weight of what the text does not
# ask for explicitly (priors, areas): those break ties between matching candidates, they
# do not outrank a candidate that matches well (a new organisation has no track record
# yet). A place the text names is asked for, so `location` is not counted here.
MIN_TEXT_SHARE = 0.65


def _text_share(weights: Mapping[str, float]) -> float:
    total = sum(w for n, w in weights.items() if n != "location")
    return sum(weights.get(n, 0.0) for n in TEXT) / total if total else 0.0


@dataclass(frozen=True)
class Judged:
    query_id: str
    need: str
    language: str
    text: str

    @property
    def half(self) -> str:
        return "tune" if int(self.need[1:]) % 2 == 0 else "report"


def read() -> tuple[list[Judged], dict[str, dict[str, int]]]:
    with (JUDGED / "queries.csv").open(encoding="utf-8", newline="") as f:
        queries = [
            Judged(r["query_id"], r["need_id"], r["language"], r["text"]) for r in csv.DictReader(f)
        ]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    with (JUDGED / "judgements.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            grades[r["need_id"]][r["org_id"]] = int(r["grade"])
    return queries, grades


def ndcg_at_10(ranked: list[str], grades: Mapping[str, int]) -> float:
    gains = [2 ** grades.get(o, 0) - 1 for o in ranked[:10]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in grades.values()), reverse=True)[:10]
    best = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return float(dcg / best) if best else 0.0


def bm25_alone(engine: Matchmaker, scoring: Scoring) -> np.ndarray:
    """Each candidate's best plain BM25 chunk: words only, in any language."""
    with engine.reading() as state:
        chunks = PoolChunks.gather(state, scoring.signals.rows)
        stats = state.lexicon.statistics(scoring.query.terms)
        bm25 = state.lexicon.scores(scoring.query.terms, chunks.slots, stats)
        usable = chunks.field_mask(state, CAPABILITY_FIELDS)
        values = np.where(usable, bm25, -np.inf)
        return per_owner_max(values, chunks.position, len(scoring.signals.rows))


def top10(engine: Matchmaker, scoring: Scoring, scores: np.ndarray) -> list[str]:
    ids = engine.index.catalog.ids
    values = np.where(scoring.signals.candidates & np.isfinite(scores), scores, -np.inf)
    rows = scoring.signals.rows
    order = sorted(range(len(rows)), key=lambda i: (-values[i], ids[rows[i]]))[:10]
    return [ids[rows[i]] for i in order if np.isfinite(values[i])]


Ranker = Callable[[Scoring], np.ndarray]


def rankers(engine: Matchmaker, search: Mapping[str, float]) -> dict[str, tuple[bool, Ranker]]:
    """Each ranker, and whether it reads the glossed texts (the engine's) or the plain ones."""
    without = {k: v for k, v in search.items() if k != "location"}
    return {
        "bm25": (False, lambda s: bm25_alone(engine, s)),
        "bm25 with the gloss": (True, lambda s: bm25_alone(engine, s)),
        "semantic": (True, lambda s: s.signals.components["semantic"]),
        "previous search weights": (True, lambda s: combine(s.signals.components, PREVIOUS)),
        "search (default)": (True, lambda s: combine(s.signals.components, search)),
        "search without location": (True, lambda s: combine(s.signals.components, without)),
        "search without any gloss": (False, lambda s: combine(s.signals.components, search)),
    }


Scorings = Mapping[bool, Mapping[str, Scoring]]  # glossed or not -> query id -> scoring


def evaluate(
    engine: Matchmaker, scorings: Scorings, queries: list[Judged],
    grades: Mapping[str, Mapping[str, int]], table: Mapping[str, tuple[bool, Ranker]],
) -> dict[str, object]:  # fmt: skip
    out: dict[str, object] = {}
    for name, (glossed, ranker) in table.items():
        chosen = scorings[glossed]
        per_query = {q.query_id: _ndcg(engine, chosen[q.query_id], ranker, grades[q.need])
                     for q in queries}  # fmt: skip
        out[name] = summary(queries, per_query)
    return out


def _ndcg(engine: Matchmaker, scoring: Scoring, ranker: Ranker, grades: Mapping[str, int]) -> float:
    return ndcg_at_10(top10(engine, scoring, ranker(scoring)), grades)


def summary(queries: list[Judged], per_query: Mapping[str, float]) -> dict[str, object]:
    def mean(keep: Callable[[Judged], bool]) -> float:
        values = [per_query[q.query_id] for q in queries if keep(q)]
        return round(float(np.mean(values)), 4) if values else 0.0

    return {
        "all": mean(lambda q: True),
        **{lang: mean(lambda q, lang=lang: q.language == lang) for lang in LANGUAGES},
        "report half": {lang: mean(lambda q, lang=lang: q.language == lang and q.half == "report")
                        for lang in LANGUAGES},
        "tune half": {lang: mean(lambda q, lang=lang: q.language == lang and q.half == "tune")
                      for lang in LANGUAGES},
        "per query": {k: round(v, 4) for k, v in per_query.items()},
    }  # fmt: skip


def tune(
    engine: Matchmaker, scorings: Mapping[str, Scoring], queries: list[Judged],
    grades: Mapping[str, Mapping[str, int]], start: Mapping[str, float],
) -> tuple[dict[str, float], float]:  # fmt: skip
    """Coordinate ascent of mean nDCG@10 over the tune half's queries, from `start`."""
    tuning = [q for q in queries if q.half == "tune"]

    def value(weights: Mapping[str, float]) -> float:
        def ranker(s: Scoring) -> np.ndarray:
            return combine(s.signals.components, weights)

        return float(np.mean([_ndcg(engine, scorings[q.query_id], ranker, grades[q.need])
                              for q in tuning]))  # fmt: skip

    weights = {k: start.get(k, 0.0) for k in FREE}
    best = value(weights)
    for _ in range(3):
        improved = False
        for name in FREE:
            for w in GRID:
                trial = {**weights, name: w}
                if _text_share(trial) < MIN_TEXT_SHARE:
                    continue
                found = value(trial)
                if found > best + 1e-6:
                    best, weights, improved = found, trial, True
        if not improved:
            break
    total = sum(weights.values()) or 1.0
    print(f"tune half nDCG@10 {best:.4f}", file=sys.stderr)
    return {k: round(v / total, 4) for k, v in weights.items() if v}, best


def score_all(engine: Matchmaker, queries: list[Judged]) -> dict[bool, dict[str, Scoring]]:
    """Every query's components, as the engine reads it (glossed) and without its gloss."""
    out: dict[bool, dict[str, Scoring]] = {True: {}, False: {}}
    with engine.reading() as state:
        for q in queries:
            prepared = prepare_text(state, q.text)
            for glossed in (True, False):
                text = EncodedText.encode(
                    state, prepared if glossed else replace(prepared, gloss="")
                )
                query = TextQuery(text, weights={**PREVIOUS, "location": 1.0})
                out[glossed][q.query_id] = score_text(state, query, Filters(), exhaustive=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--model", default=DEFAULT_ENCODER)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    started = time.perf_counter()
    taxonomy = load_taxonomy()
    cluster = load_cluster(ROOT / "datasets" / "demo", taxonomy, detect_language).cluster
    encoder = CachedEncoder(create_encoder(args.model, workers=None), EmbeddingCache(args.cache))
    settings = EngineSettings(model=args.model)
    engine = Matchmaker.build(cluster, settings, encoder, taxonomy, detect_language)
    queries, grades = read()
    scorings = score_all(engine, queries)
    search = dict(settings.ranking.search_weights)
    tuned = None
    if args.tune:
        starts = [PREVIOUS, {**PREVIOUS, "location": 0.3}, {**PREVIOUS, "location": 1.0}]
        found = [tune(engine, scorings[True], queries, grades, start) for start in starts]
        tuned = max(found, key=lambda f: f[1])[0]
        print(f"tuned search weights: {tuned}", file=sys.stderr)
        search = tuned
    results = evaluate(engine, scorings, queries, grades, rankers(engine, search))
    for name, s in results.items():
        assert isinstance(s, dict)
        report = s["report half"]
        every = "  ".join(f"{lang} {s[lang]:.3f}" for lang in LANGUAGES)
        half = " ".join(f"{lang} {report[lang]:.3f}" for lang in LANGUAGES)
        print(f"{name:<26} all {s['all']:.3f}  {every}   report half: {half}")
    with engine.reading() as state:
        glosses = {q.query_id: g for q in queries if (g := prepare_text(state, q.text).gloss)}
    body = {
        "model": encoder.model_id, "queries": len(queries), "needs": len(grades),
        "glosses": glosses, "search_weights": search, "tuned_here": tuned,
        "previous_weights": PREVIOUS,
        "seconds": round(time.perf_counter() - started, 1), "rankers": results,
    }  # fmt: skip
    args.out.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
