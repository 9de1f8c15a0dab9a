"""The evaluation harness: exact metrics, leave-out that equals a rebuild (lexicon, graph,
kind affinity), no held-out text anywhere in a ranking, and a regression floor on real
CORDIS consortia with the real model."""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embeddings import CachedEncoder, EmbeddingCache
from matcher.cordis import load_cordis
from matcher.evaluation.baselines import BASELINES, rankers
from matcher.evaluation.harness import Setup, prepare, run, signals_of
from matcher.evaluation.metrics import metrics_of, summarise, target_ranks
from matcher.evaluation.protocol import Protocol, half_of, read_queries
from matcher.lexical import tokens
from matcher.ranking.affinity import KindAffinity
from matcher.ranking.graph import CoParticipation, Group
from matcher.ranking.lexicon import EMPTY, Lexicon, text_key
from matcher.ranking.lexicon_files import load_lexicon, save_lexicon
from matcher.settings import PoolSettings, RankingSettings
from matcher.taxonomy import load_taxonomy
from tests.conftest import REPO, HashingEncoder

BUDGET = PoolSettings().lexical_postings  # the lexical source's walk, as the engine sets it

REAL = REPO.parent / "shared" / "data" / "cordis-cleantech"
CACHE = REPO / "var" / "cordis" / "embeddings.sqlite"
# The first 50 queries of the report half. Measured recall@10 of the hybrid on them: 0.186
# with multilingual-e5 (the default), 0.202 with MiniLM; the best baseline (the asker's
# past partners) 0.146. The floor leaves room for noise, not for losing the hybrid's lead.
REGRESSION_QUERIES = 50
RECALL_FLOOR = 0.16
REGRESSION_MODEL = "all-MiniLM-L6-v2"

TOPICS = {
    "heat": "District heating networks with large heat pumps and thermal storage",
    "solar": "Rooftop photovoltaic modules and inverters for apartment buildings",
    "wind": "Offshore wind turbine blades, floating foundations and inspection drones",
    "waste": "Sorting municipal plastic waste and recycling it into new packaging",
}


# --- metrics ---------------------------------------------------------------------------
def test_ranks_count_better_scores_and_ties_broken_by_id() -> None:
    scores = np.asarray([0.9, 0.5, 0.5, 0.1, 0.7])
    candidates = np.asarray([True, True, True, True, False])  # row 4 is not a candidate
    id_rank = np.asarray([0, 3, 1, 2, 4])  # row 2's id sorts before row 1's
    ranks = target_ranks(scores, candidates, np.asarray([1, 3]), id_rank)
    assert ranks.tolist() == [3, 4]
    m = metrics_of(ranks, k=3)
    assert m.recall == 0.5 and m.rr == pytest.approx(1 / 3)
    assert m.ndcg == pytest.approx((1 / np.log2(4)) / (1 + 1 / np.log2(3)))
    assert summarise([m, metrics_of(np.asarray([1]))]).recall_at_10 == pytest.approx(0.75)


def test_halves_are_deterministic_and_balanced() -> None:
    halves = [half_of(str(i)) for i in range(1000)]
    assert halves == [half_of(str(i)) for i in range(1000)]
    assert 450 < halves.count("tune") < 550


# --- leave-out equals rebuilding without --------------------------------------------------
def bm25_oracle(texts: list[str], query: str) -> list[float]:
    """Okapi BM25 written out plainly (k1 1.2, b 0.75), over the distinct texts."""
    distinct = list(dict.fromkeys(texts))
    docs = [Counter(tokens(t)) for t in distinct]
    n, avg = len(docs), sum(sum(d.values()) for d in docs) / len(docs)
    scores = {}
    for text, doc in zip(distinct, docs, strict=True):
        total, norm = 0.0, 1.2 * (1 - 0.75 + 0.75 * sum(doc.values()) / avg)
        for term, qtf in Counter(tokens(query)).items():
            df = sum(1 for d in docs if term in d)
            if doc.get(term):
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                total += idf * qtf * doc[term] * 2.2 / (doc[term] + norm)
        scores[text] = total
    return [scores[t] for t in texts]


def lexicon_of(texts: list[str]) -> Lexicon:
    lexicon = Lexicon()
    lexicon.add(np.arange(len(texts)), texts)
    return lexicon


def bm25(lexicon: Lexicon, query: str, slots: np.ndarray, hidden: np.ndarray = EMPTY) -> np.ndarray:
    terms = lexicon.query_terms(query)
    return lexicon.scores(terms, slots, lexicon.statistics(terms, hidden))


TEXTS = [*TOPICS.values(), "Heat pumps for district heating in Espoo", "solar solar heat"]
QUERY = "large heat pumps for a district heating network"


def test_the_lexicon_scores_as_bm25_counting_a_shared_text_once() -> None:
    texts = [*TEXTS, TEXTS[0]]  # a joint project's text in two profiles
    lexicon = lexicon_of(texts)
    slots = np.arange(len(texts))
    assert bm25(lexicon, QUERY, slots) == pytest.approx(bm25_oracle(texts, QUERY))
    best = lexicon.candidates(
        lexicon.query_terms(QUERY), 2, lexicon.statistics(lexicon.query_terms(QUERY)), BUDGET
    )
    assert set(best.tolist()) <= set(
        np.argsort(-np.asarray(bm25_oracle(texts, QUERY)))[:3].tolist()
    )


def test_scores_through_the_postings_equal_scores_from_each_chunks_terms() -> None:
    texts = [f"{t} {i} {TEXTS[i % len(TEXTS)]}" for i, t in enumerate(TEXTS * 8)]
    lexicon = lexicon_of(texts)
    every = bm25(lexicon, QUERY, np.arange(len(texts)))  # most chunks: through the postings
    one_by_one = [bm25(lexicon, QUERY, np.asarray([i]))[0] for i in range(len(texts))]
    assert every == pytest.approx(one_by_one) and every.max() > 0


def test_leaving_a_text_out_equals_a_rebuild_without_it() -> None:
    lexicon = lexicon_of(TEXTS)
    rebuilt = bm25(lexicon_of([t for i, t in enumerate(TEXTS) if i != 4]), QUERY, np.arange(5))
    hidden = lexicon.hidden_texts(np.asarray([4]))
    left_out = bm25(lexicon, QUERY, np.asarray([0, 1, 2, 3, 5]), hidden)
    assert left_out == pytest.approx(rebuilt)


def test_removing_and_adding_in_place_equals_a_fresh_lexicon() -> None:
    lexicon = lexicon_of(TEXTS)
    lexicon.remove(np.asarray([1, 4]))
    lexicon.add(np.asarray([6, 7]), ["Wind farms offshore", TEXTS[2]])
    alive = [0, 2, 3, 5, 6, 7]
    texts = [TEXTS[0], TEXTS[2], TEXTS[3], TEXTS[5], "Wind farms offshore", TEXTS[2]]
    fresh = lexicon_of(texts)
    assert bm25(lexicon, QUERY, np.asarray(alive)) == pytest.approx(
        bm25(fresh, QUERY, np.arange(len(texts)))
    )
    assert bm25(lexicon, QUERY, np.asarray([1, 4])) == pytest.approx([0.0, 0.0])  # removed


def test_a_saved_lexicon_loads_back_to_the_same_scores(tmp_path: Path) -> None:
    lexicon = lexicon_of([*TEXTS, TEXTS[1]])
    lexicon.remove(np.asarray([2]))
    save_lexicon(lexicon, tmp_path)
    loaded = load_lexicon(tmp_path)
    assert loaded is not None and load_lexicon(tmp_path / "elsewhere") is None
    slots = np.arange(len(TEXTS) + 1)
    assert bm25(loaded, QUERY, slots) == pytest.approx(bm25(lexicon, QUERY, slots))
    loaded.add(np.asarray([7]), ["large heat pumps"])  # and it keeps growing in place
    assert bm25(loaded, QUERY, np.asarray([7]))[0] > 0


def _links(groups: list[list[int]]) -> list[tuple[int, int]]:
    return [(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]]


def _graph(groups: list[list[int]]) -> tuple[CoParticipation, KindAffinity]:
    graph, affinity = CoParticipation(), KindAffinity()
    graph.grow(8)
    for a, b in _links(groups):
        graph.link(a, b)
        affinity.link(KINDS[a], KINDS[b])
    return graph, affinity


KINDS = np.asarray([0, 5, 4, 0, 1, 4, 6, 7])  # kind codes of the eight rows


def test_holding_a_project_out_of_the_graph_equals_rebuilding_without_it() -> None:
    rows = np.arange(8)
    groups = [[0, 1, 2], [0, 1, 3], [1, 4, 5], [2, 5, 6], [0, 6, 7], [3, 4]]
    held = groups[1]
    full, affinity = _graph(groups)
    without, rebuilt = _graph([g for g in groups if g is not held])
    group = Group(np.asarray(held))
    assert full.degrees(rows, group) == pytest.approx(without.degrees(rows))
    for asker in range(8):
        assert full.ties(asker, rows, group) == pytest.approx(without.ties(asker, rows))
        assert full.common_partners(asker, rows, group) == pytest.approx(
            without.common_partners(asker, rows)
        )
    present = np.bincount(KINDS, minlength=8) > 0
    held_kinds = KINDS[np.asarray(held)]
    assert affinity.fit(0, KINDS, present, held_kinds) == pytest.approx(
        rebuilt.fit(0, KINDS, present)
    )


def test_links_removed_in_place_equal_a_graph_built_without_them() -> None:
    groups = [[0, 1, 2], [0, 1, 3], [1, 4, 5]]
    graph, _ = _graph(groups)
    for a, b in _links([groups[1]]):
        graph.link(a, b, -1)
    fresh, _ = _graph([groups[0], groups[2]])
    rows = np.arange(8)
    assert graph.degrees(rows) == pytest.approx(fresh.degrees(rows))
    assert graph.common_partners(0, rows) == pytest.approx(fresh.common_partners(0, rows))


# --- the harness on a synthetic CORDIS folder -------------------------------------------
def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Twelve projects on four topics; each topic's consortium repeats with small changes."""
    projects, participation, queries = [], [], []
    for t, (topic, text) in enumerate(TOPICS.items()):
        for n in range(3):
            pid = f"{topic}-{n}"
            members = [f"o{t}{m}" for m in range(4) if m != n] + [f"x{t}{n}"]
            projects.append({"project_id": pid, "title": f"{topic} {n}", "objective": text,
                             "start_year": str(2015 + n)})  # fmt: skip
            participation += [{"project_id": pid, "org_id": m} for m in members]
            queries.append({"project_id": pid, "coordinator_org_id": members[0],
                            "target_org_ids": ";".join(members[1:-1])})  # fmt: skip
    orgs = sorted({r["org_id"] for r in participation})
    _write(tmp_path / "projects.csv", projects)
    _write(tmp_path / "participation.csv", participation)
    _write(tmp_path / "organizations.csv", [
        {"org_id": o, "name": o, "type": "PRC" if o.endswith("0") else "REC", "country": "FI"}
        for o in orgs
    ])  # fmt: skip
    _write(tmp_path / "queries.csv", queries)
    return tmp_path


def _setup(folder: Path, protocol: Protocol | None = None) -> Setup:
    data = load_cordis(folder)
    queries = read_queries(folder / "queries.csv")
    encoder, taxonomy = HashingEncoder(), load_taxonomy()
    return prepare(data, queries, protocol or Protocol(), encoder, taxonomy, RankingSettings())


def refs_of(setup: Setup, slots: np.ndarray) -> set[str]:
    catalog = setup.state.index.catalog
    return {catalog.refs.value(int(c)) for c in catalog.ref.view[slots] if c >= 0}


def test_no_held_out_text_is_ever_the_evidence_a_candidate_matches_with(folder: Path) -> None:
    setup = _setup(folder)
    for i, case in enumerate(setup.cases):
        signals = signals_of(setup, i)
        best = signals.best_chunk[signals.candidates]
        assert (best >= 0).all()
        assert case.query.project_id not in refs_of(setup, best)
        # the held-out text is identical to the query: unmasked, it would score 1 exactly
        targets = np.searchsorted(signals.rows, case.targets)
        assert signals.components["semantic"][targets].max() <= 1.0


def test_the_harness_ranks_every_query_with_every_ranker(folder: Path) -> None:
    setup = _setup(folder)
    names = [*BASELINES, "hybrid"]
    tallies = run(setup, rankers(names, RankingSettings()))
    for name in names:
        queries = sum(len(v) for v in tallies[name].by_half.values())
        assert queries == 12
    hybrid = summarise([m for v in tallies["hybrid"].by_half.values() for m in v])
    assert hybrid.recall_at_10 > 0.9  # repeated consortia on distinct topics: easy


def test_a_time_split_asks_only_later_projects_with_earlier_profiles(folder: Path) -> None:
    setup = _setup(folder, Protocol(until_year=2015))
    assert {c.query.project_id.split("-")[1] for c in setup.cases} == {"1", "2"}
    refs = refs_of(setup, setup.state.index.catalog.live_slots())
    assert refs == {f"{t}-0" for t in TOPICS}  # profiles hold 2015 projects only


# --- the regression floor on real consortia --------------------------------------------
@pytest.fixture(scope="session")
def cordis_setup() -> Iterator[Setup]:
    """The 50 regression queries, profiles from every project text.

    MiniLM, not the default encoder: the CORDIS texts are English, both encoders score the
    same on the full protocol (0.2145 / 0.2141), and MiniLM encodes the 1,732 long project
    texts about three times faster, so a fresh CI run fills the cache in about a minute
    instead of skipping the test.
    """
    if not REAL.exists():
        pytest.skip("the CORDIS cleantech folder is not present")
    from embeddings.factory import create_encoder

    data = load_cordis(REAL)
    queries = [
        q for q in read_queries(REAL / "eval_lopo_queries.csv") if half_of(q.project_id) == "report"
    ]
    encoder = CachedEncoder(create_encoder(REGRESSION_MODEL), EmbeddingCache(CACHE))
    yield prepare(
        data, queries[:REGRESSION_QUERIES], Protocol(), encoder, load_taxonomy(), RankingSettings()
    )


@pytest.mark.model
@pytest.mark.slow
def test_the_hybrid_keeps_its_recall_on_real_consortia(cordis_setup: Setup) -> None:
    tallies = run(cordis_setup, rankers(["hybrid", "partners"], RankingSettings()))
    hybrid = summarise([m for v in tallies["hybrid"].by_half.values() for m in v])
    partners = summarise([m for v in tallies["partners"].by_half.values() for m in v])
    assert hybrid.queries == REGRESSION_QUERIES
    assert hybrid.recall_at_10 >= RECALL_FLOOR
    assert hybrid.recall_at_10 > partners.recall_at_10  # the best baseline


@pytest.mark.model
@pytest.mark.slow
def test_no_real_held_out_project_is_matched_through_its_own_text(cordis_setup: Setup) -> None:
    lexicon = cordis_setup.state.lexicon
    for i, case in enumerate(cordis_setup.cases):
        signals = signals_of(cordis_setup, i)
        best = signals.best_chunk[signals.candidates]
        assert case.query.project_id not in refs_of(cordis_setup, best)
        assert text_key(case.text) not in set(lexicon.key.view[best].tolist())
