"""The two-stage ranking against exhaustive scoring (every organisation scored): the pool
finds the exact top 10, small clusters are ranked exactly, filters and known partners hold,
and writes change the next answer without a rebuild."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from matcher import Cluster, EngineSettings, Filters, Matchmaker, Need, Organisation, OrgKind
from matcher.model import NeedType, Partnership
from matcher.ranking import partners
from matcher.ranking.admitted import admitted_rows
from matcher.ranking.components import min_max
from matcher.ranking.partners import _pool as partners_pool
from matcher.ranking.partners import own_chunks
from matcher.ranking.pool import FirstCut, Pool
from matcher.settings import PoolSettings, RankingSettings
from matcher.taxonomy import load_taxonomy
from tests.conftest import HashingEncoder

TOPICS = [
    "heat pump district heating boiler thermal storage radiator",
    "solar panel photovoltaic inverter rooftop module silicon",
    "wind turbine blade tower offshore rotor gearbox",
    "waste sorting recycling plastic compost landfill shredder",
    "electric bus charging battery depot trolley tram",
    "smart meter grid sensor telemetry feeder substation",
    "biogas biomethane digester manure pellet biodiesel",
    "insulation facade window ventilation passive retrofit",
    "water pipe leak pump valve sewage filtration",
    "lighting lamp luminaire street dimming led",
]
KINDS = (OrgKind.SME, OrgKind.COMPANY, OrgKind.RESEARCH, OrgKind.UNIVERSITY)
COUNTRIES = ("RU", "FI", "NO", "SE")
SIZE = 600


def words(rng: np.random.Generator, topic: int, n: int) -> str:
    vocabulary = TOPICS[topic].split()
    noise = TOPICS[int(rng.integers(len(TOPICS)))].split()
    return " ".join([*rng.choice(vocabulary, n), *rng.choice(noise, 2)])


def organisation(rng: np.random.Generator, i: int) -> Organisation:
    topic = i % len(TOPICS)
    other = (topic + 1) % len(TOPICS)  # what it needs comes from the next topic
    return Organisation(
        f"org-{i:04d}",
        f"Firm {i}",
        KINDS[i % 4],
        COUNTRIES[(i // 4) % 4],
        city=f"City {i % 7}",
        description=words(rng, topic, 5),
        offers=(words(rng, topic, 4), words(rng, topic, 3)),
        seeks=(words(rng, other, 4),),
        founded=1990 + i % 30,
    )


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    rng = np.random.default_rng(0)
    orgs = [organisation(rng, i) for i in range(SIZE)]
    links = [
        Partnership(orgs[i].id, orgs[(i + len(TOPICS) * int(rng.integers(1, 5))) % SIZE].id)
        for i in range(SIZE)
    ]
    needs = [Need(f"n{t}", TOPICS[t], type=NeedType.PROJECT, owner_id=orgs[t].id) for t in range(5)]
    return Cluster.of(orgs, needs, links)


def engine_with(cluster: Cluster, pool: PoolSettings) -> Matchmaker:
    settings = EngineSettings(ranking=RankingSettings(pool=pool), center_languages=False)
    return Matchmaker.build(cluster, settings, HashingEncoder(), load_taxonomy())


SMALL_POOL = PoolSettings(
    semantic_chunks=100, lexical_chunks=60, graph_rows=30, sample_rows=64, exact_chunks=100
)


@pytest.fixture(scope="module")
def engine(cluster: Cluster) -> Matchmaker:
    return engine_with(cluster, SMALL_POOL)


def overlap(pooled: list[str], exact: list[str]) -> float:
    return len(set(pooled) & set(exact)) / max(len(exact), 1)


def test_the_pool_finds_the_exact_top_ten_of_search(engine: Matchmaker) -> None:
    rng = np.random.default_rng(1)
    found = []
    for t in range(len(TOPICS)):
        text = words(rng, t, 4)
        exact = engine.search(text, 10, exhaustive=True).ids()
        found.append(overlap(engine.search(text, 10).ids(), exact))
    assert np.mean(found) >= 0.95


def test_the_pool_finds_the_exact_top_ten_of_partners_and_needs(engine: Matchmaker) -> None:
    partners = [
        overlap(engine.partners(f"org-{i:04d}", 10).ids(),
                engine.partners(f"org-{i:04d}", 10, exhaustive=True).ids())
        for i in range(0, SIZE, 37)
    ]  # fmt: skip
    needs = [
        overlap(engine.need_matches(f"n{t}", 10).ids(),
                engine.need_matches(f"n{t}", 10, exhaustive=True).ids())
        for t in range(5)
    ]  # fmt: skip
    assert np.mean(partners) >= 0.95 and np.mean(needs) >= 0.95


def test_the_first_cut_keeps_the_exact_top_ten(cluster: Cluster) -> None:
    """The vector index's rows ranked on the chunks it returned alone, cut from about 200
    to 120, still hold the rows that exhaustive scoring puts in the top 10."""
    engine = engine_with(cluster, replace(SMALL_POOL, semantic_rows=120))
    rng = np.random.default_rng(2)
    found = [
        overlap(engine.partners(f"org-{i:04d}", 10).ids(),
                engine.partners(f"org-{i:04d}", 10, exhaustive=True).ids())
        for i in range(0, SIZE, 37)
    ]  # fmt: skip
    for t in range(len(TOPICS)):
        text = words(rng, t, 4)
        found.append(
            overlap(engine.search(text, 10).ids(), engine.search(text, 10, exhaustive=True).ids())
        )
    for t in range(5):
        need = f"n{t}"
        found.append(
            overlap(
                engine.need_matches(need, 10).ids(),
                engine.need_matches(need, 10, exhaustive=True).ids(),
            )
        )
    assert np.mean(found) >= 0.95


def test_the_first_cut_keeps_only_its_best_rows_of_the_nearest(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cut of 25 rows the pool is the uncut pool less the rows only the vector index
    brought that the cut ranks worst: exactly 25 of those stay, each scored by the cut at
    least as high as every one dropped."""
    seen: dict[str, np.ndarray] = {}
    real = partners.pool_of

    def spying(*args: Any, first_cut: FirstCut, **kwargs: Any) -> Pool:
        def cut(sketch: Pool) -> np.ndarray:
            assert sketch.sketch is not None
            seen["rows"], seen["scores"] = sketch.rows, first_cut(sketch)
            seen["near"] = ~sketch.sketch.whole
            return seen["scores"]

        return real(*args, first_cut=cut, **kwargs)

    monkeypatch.setattr(partners, "pool_of", spying)
    pools = []
    for rows in (25, 10 * SIZE):
        state = engine_with(cluster, replace(SMALL_POOL, semantic_rows=rows))._state
        row = state.row("org-0007")
        admitted = admitted_rows(state, Filters(), {"org-0007"})
        pools.append(set(partners_pool(state, row, own_chunks(state, row), admitted, False).rows))
        if rows == 25:
            near, scores = seen["rows"][seen["near"]], seen["scores"][seen["near"]]
    cut, uncut = pools
    assert cut < uncut
    kept = np.isin(near, list(cut))
    assert kept.sum() == 25 and scores[kept].min() >= scores[~kept].max()


def test_a_pooled_match_scores_what_exhaustive_scoring_gives_it(engine: Matchmaker) -> None:
    """Both read the components' scales over the same reference sample: a row's score does
    not depend on which other rows joined the pool, so a near tie cannot flip between them."""
    compared = 0
    for i in range(0, SIZE, 37):
        asker = f"org-{i:04d}"
        exact = {m.org_id: m.score for m in engine.partners(asker, 60, exhaustive=True)}
        for match in engine.partners(asker, 10):
            if match.org_id in exact:
                # scores are rounded to 6 decimals: sums that differ in their last bits
                # (BLAS sums a pool's and the whole matrix's dot products in other orders)
                # can fall either side of a rounding boundary, one unit apart
                assert match.score == pytest.approx(exact[match.org_id], abs=1.5e-6)
                compared += 1
    assert compared >= 100


def test_the_lowest_reference_row_anchors_a_min_max_scale() -> None:
    values = np.array([0.2, 0.5, 0.9, 0.1])
    candidates = np.ones(4, dtype=bool)
    reference = np.array([True, True, False, False])  # the 0.1 row is not in the sample
    scaled = min_max(values, candidates, reference)
    assert scaled.tolist() == pytest.approx([0.0, 0.3 / 0.7, 1.0, 0.0])
    assert min_max(values, candidates).tolist() == pytest.approx([0.125, 0.5, 1.0, 0.0])


def test_a_cluster_with_few_chunks_is_ranked_exactly(cluster: Cluster) -> None:
    engine = engine_with(cluster, replace(SMALL_POOL, exact_chunks=10 * SIZE))
    text = TOPICS[3]
    assert engine.search(text, 20) == engine.search(text, 20, exhaustive=True)
    assert engine.partners("org-0005", 20) == engine.partners("org-0005", 20, exhaustive=True)


def test_filtered_queries_keep_exactly_k_of_the_admitted(engine: Matchmaker) -> None:
    flt = Filters(kinds=("research",), countries=("NO",), founded_from=2000)
    results = engine.search(TOPICS[1], 10, flt)
    exact = engine.search(TOPICS[1], 10, flt, exhaustive=True)
    assert len(results) == 10 and overlap(results.ids(), exact.ids()) >= 0.9
    for match in results:
        org = engine.organisation(match.org_id)
        assert org.kind is OrgKind.RESEARCH and org.country == "NO" and (org.founded or 0) >= 2000


def test_a_known_partner_is_never_lost_to_the_pool_cut_off(cluster: Cluster) -> None:
    # the owner's partners join every pool, so the ties component can always reach them
    engine = engine_with(cluster, replace(SMALL_POOL, semantic_chunks=5, lexical_chunks=5))
    need = engine.need("n2")
    partners = engine.partners_of(need.owner_id or "")
    results = engine.need_matches("n2", 100)
    ties = {m.org_id for m in results if m.explanation.components.get("ties", 0) > 0}
    assert ties == partners


def test_a_write_changes_the_next_answer(engine: Matchmaker) -> None:
    text = "geothermal drilling rig borehole"
    assert "org-new" not in engine.search(text, 5).ids()
    engine.upsert_organisations(
        [Organisation("org-new", "Borehole Oy", OrgKind.SME, "FI", description=text)]
    )
    assert engine.search(text, 1).ids() == ["org-new"]
    engine.remove_organisation("org-new")
    assert "org-new" not in engine.search(text, 5).ids()


def test_a_large_cluster_is_built_in_batches_to_the_same_index(
    cluster: Cluster, engine: Matchmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.ranking.build as build

    monkeypatch.setattr(build, "SAMPLE_CHUNKS", 300)  # a sample, then batches of 70
    monkeypatch.setattr(build, "BUILD_BATCH", 70)
    batched = engine_with(cluster, SMALL_POOL)
    assert batched.info().vectors == engine.info().vectors
    for text in TOPICS[:4]:
        assert batched.search(text, 10, exhaustive=True) == engine.search(text, 10, exhaustive=True)
    assert batched.partners("org-0003", 10) == engine.partners("org-0003", 10)


def test_a_need_walks_the_lexicon_deeper_than_a_search(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A need's ranking leans on the lexical mass, so its pool asks the lexicon for more
    chunks over more postings; a search keeps the cheaper depth."""
    from matcher.ranking.lexicon import Lexicon

    pool = replace(SMALL_POOL, lexical_chunks=7, lexical_postings=70, need_lexical_chunks=9,
                   need_lexical_postings=90)  # fmt: skip
    engine = engine_with(cluster, pool)
    asked: list[tuple[int, int]] = []
    walk = Lexicon.candidates

    def recorded(self: Lexicon, query: object, n: int, stats: object, postings: int):  # type: ignore[no-untyped-def]
        asked.append((n, postings))
        return walk(self, query, n, stats, postings)  # type: ignore[arg-type]

    monkeypatch.setattr(Lexicon, "candidates", recorded)
    engine.search(TOPICS[0], 10)
    engine.need_matches("n0", 10)
    assert asked == [(7, 70), (9, 90)]
