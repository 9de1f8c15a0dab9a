"""The priors' leaders in a query's pool: ranked once per write, read through each query's
mask, equal to ranking every admitted row afresh (dense and narrow filters alike)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matcher import Cluster, EngineSettings, Matchmaker
from matcher.model import EvidenceDoc, Partnership
from matcher.ranking.pool import _leaders
from matcher.ranking.state import RankingState
from matcher.taxonomy import load_taxonomy
from tests.conftest import HashingEncoder
from tests.test_pool import organisation

AREAS = ("solar_wind", "waste_management", "urban_transport")
COUNT = 5
SIZE = 300


def proof(i: int, j: int) -> EvidenceDoc:
    return EvidenceDoc(f"project {j}", f"delivered project {j} of firm {i}")


@pytest.fixture(scope="module")
def engine() -> Matchmaker:
    rng = np.random.default_rng(3)
    orgs = [
        replace(
            organisation(rng, i),
            areas=(AREAS[i % 3],),
            evidence=tuple(proof(i, j) for j in range(i % 7)),
        )
        for i in range(SIZE)
    ]
    links = [Partnership(orgs[i].id, orgs[int(rng.integers(SIZE))].id) for i in range(0, SIZE, 2)]
    cluster = Cluster.of(orgs, [], links)
    settings = EngineSettings(center_languages=False)
    return Matchmaker.build(cluster, settings, HashingEncoder(), load_taxonomy())


def best_values(values: np.ndarray, mask: np.ndarray) -> list[float]:
    """The brute-force oracle: the best COUNT positive values among the masked rows."""
    return sorted(np.sort(values[mask & (values > 0)])[::-1][:COUNT].tolist())


def expected(state: RankingState, admitted: np.ndarray, areas: tuple[str, ...]) -> list:
    size = len(admitted)
    masks = [admitted]
    if areas:
        masks.append(admitted & ((state.facts.areas.view & state.facts.area_mask(areas)) != 0))
    priors = (state.graph.degree.view[:size], state.facts.evidence.view[:size])
    return [(values, best_values(values, mask)) for values in priors for mask in masks]


@pytest.mark.parametrize("share", [1.0, 0.5, 0.03])
def test_leaders_equal_a_fresh_ranking_of_the_admitted_rows(
    engine: Matchmaker, share: float
) -> None:
    rng = np.random.default_rng(int(share * 100))
    with engine.reading() as state:
        for areas in ((), ("solar_wind",)):
            admitted = state.facts.alive.view & (rng.random(len(state.facts)) < share)
            found = _leaders(state, admitted, COUNT, areas)
            wanted = expected(state, admitted, areas)
            parts = np.split(found, np.cumsum([len(best) for _, best in wanted])[:-1])
            for part, (values, best) in zip(parts, wanted, strict=True):
                assert admitted[part].all()
                assert sorted(values[part].tolist()) == best


def test_a_write_ranks_the_leaders_again(engine: Matchmaker) -> None:
    with engine.reading() as state:
        before = set(_leaders(state, state.facts.alive.view.copy(), COUNT, ()).tolist())
    star = engine.organisation("org-0001")
    many = tuple(proof(1, j) for j in range(40))
    engine.upsert_organisations([replace(star, evidence=many)])
    with engine.reading() as state:
        after = set(_leaders(state, state.facts.alive.view.copy(), COUNT, ()).tolist())
        assert state.index.catalog.row_of["org-0001"] in after - before
