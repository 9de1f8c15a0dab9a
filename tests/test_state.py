"""The ranking state kept up to date in place (writes, then a save and an open) equals the
state built afresh from the final cluster: facts, co-participation graph, kind affinity and
lexicon statistics, organisation by organisation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher import Cluster, EngineSettings, Matchmaker, OrgKind
from matcher.model import EvidenceDoc, Partnership
from matcher.ranking.pairwise import WalkMatrix
from matcher.ranking.state import RankingState
from matcher.taxonomy import load_taxonomy
from tests.conftest import HashingEncoder
from tests.test_pool import organisation

SIZE = 120


def start_cluster() -> Cluster:
    rng = np.random.default_rng(5)
    orgs = [
        replace(
            organisation(rng, i),
            areas=(("solar_wind", "biofuels")[i % 2],),
            evidence=(EvidenceDoc(f"project {i}", f"piloted unit {i}", year=2010 + i % 9),),
        )
        for i in range(SIZE)
    ]
    links = [Partnership(orgs[i].id, orgs[(i * 7 + 3) % SIZE].id) for i in range(SIZE)]
    return Cluster.of(orgs, [], links)


def engine_of(cluster: Cluster, folder: Path) -> Matchmaker:
    settings = EngineSettings(store_dir=folder, center_languages=False)
    return Matchmaker.build(cluster, settings, HashingEncoder(), load_taxonomy())


def facts_of(state: RankingState, org_id: str) -> tuple:
    row, facts = state.index.catalog.row_of[org_id], state.facts
    city = int(facts.city.view[row])
    return (
        int(facts.kind.view[row]),
        facts.countries.value(int(facts.country.view[row])),
        facts.places.value(city) if city >= 0 else "",
        sorted(a for a in state.organisations[org_id].areas),
        bin(int(facts.areas.view[row])).count("1"),
        float(facts.evidence.view[row]),
        bool(facts.alive.view[row]),
        float(state.graph.degree.view[row]),
        sorted(state.partners_of(org_id)),
        state.history.years_of(state.index.catalog.slots_of_rows(np.asarray([row]))[0]).tolist(),
    )


def country_links(state: RankingState) -> dict[tuple[str, str], float]:
    names = state.facts.countries.value
    links = state.countries.links
    return {(names(a), names(b)): links[a, b] for a, b in zip(*np.nonzero(links), strict=True)}


def assert_same(state: RankingState, fresh: RankingState) -> None:
    assert set(state.organisations) == set(fresh.organisations)
    for org_id in fresh.organisations:
        assert facts_of(state, org_id) == facts_of(fresh, org_id), org_id
    np.testing.assert_allclose(state.kinds.links, fresh.kinds.links)
    assert country_links(state) == pytest.approx(country_links(fresh))
    assert state.lexicon.documents == fresh.lexicon.documents
    assert state.lexicon.total_length == pytest.approx(fresh.lexicon.total_length)


def test_writes_then_a_save_and_an_open_equal_a_fresh_build(tmp_path: Path) -> None:
    cluster = start_cluster()
    engine = engine_of(cluster, tmp_path / "kept")
    ids = list(cluster.organisations)
    changed = [
        replace(cluster.organisations[ids[0]], kind=OrgKind.UNIVERSITY),  # its links move kind
        replace(cluster.organisations[ids[1]], city="Vyborg", areas=("waste_management",)),
        replace(cluster.organisations[ids[5]], country="DK"),  # its links move country
    ]
    engine.upsert_organisations(changed)
    engine.remove_organisation(ids[2])
    new_links = [Partnership(ids[3], ids[4]), Partnership(ids[3], ids[4])]
    engine.add_partnerships(new_links)
    orgs = {**cluster.organisations, **{o.id: o for o in changed}}
    del orgs[ids[2]]
    links = [p for p in (*cluster.partnerships, *new_links) if ids[2] not in (p.a, p.b)]
    final = Cluster(orgs, {}, tuple(links))
    fresh = engine_of(final, tmp_path / "fresh")
    with engine.reading() as state, fresh.reading() as fresh_state:
        assert_same(state, fresh_state)
    engine.save()
    opened = Matchmaker.load(final, engine.settings, HashingEncoder(), load_taxonomy())
    with opened.reading() as state, fresh.reading() as fresh_state:
        assert_same(state, fresh_state)


def test_the_walk_matrix_follows_new_links_and_new_rows(tmp_path: Path) -> None:
    """The sparse link matrix the graph walks read is rebuilt after links change and after
    organisations are added (with no link yet), and equals the graph's own link counts."""
    cluster = start_cluster()
    engine = engine_of(cluster, tmp_path)
    walk = WalkMatrix()
    with engine.reading() as state:
        assert walk.of(state.graph)[0].shape == (SIZE, SIZE)
    newcomer = replace(cluster.organisations["org-0000"], id="org-new", name="Newcomer Oy")
    engine.upsert_organisations([newcomer])
    with engine.reading() as state:
        assert walk.of(state.graph)[0].shape == (SIZE + 1, SIZE + 1)
    ids = list(cluster.organisations)
    engine.add_partnerships([Partnership("org-new", ids[7]), Partnership(ids[7], ids[8])])
    engine.remove_organisation(ids[9])
    with engine.reading() as state:
        matrix, strength = walk.of(state.graph)
        dense = np.zeros(matrix.shape)
        for a, b, n in state.graph.pairs():
            dense[a, b] = dense[b, a] = n
        np.testing.assert_array_equal(matrix.toarray(), dense)
        np.testing.assert_array_equal(strength, dense.sum(axis=1))
