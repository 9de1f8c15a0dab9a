"""Each member's coverage of every competence (the heat table), and the team as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from matcher import EngineSettings, Matchmaker, load_taxonomy
from matcher.consortium import ConsortiumRequest, ConsortiumResult, build_consortium
from matcher.consortium.export import consortium_csv, team_label
from matcher.model import Cluster
from tests.conftest import HashingEncoder
from tests.test_consortium import HASHING, NEED, ORGS


@pytest.fixture(scope="module")
def engine() -> Matchmaker:
    settings = EngineSettings(center_languages=False)
    return Matchmaker.build(Cluster.of(ORGS, [NEED]), settings, HashingEncoder(), load_taxonomy())


def build(engine: Matchmaker, **kw: object) -> ConsortiumResult:
    fields = {"need_id": NEED.id, "objective": HASHING, "min_size": 4, "max_size": 5, **kw}
    return build_consortium(engine, ConsortiumRequest(**fields))  # type: ignore[arg-type]


def test_every_member_covers_every_competence_and_the_best_holds_the_row(
    engine: Matchmaker,
) -> None:
    team = build(engine).best
    competences = [r for r in team.coverage if r.item == "competence"]
    for member in team.members:
        assert set(member.cover) == {r.id for r in competences}
        assert all(0.0 <= v <= 1.0 for v in member.cover.values())
    for row in competences:
        best = max(team.members, key=lambda m: m.cover[row.id])
        assert best.cover[row.id] == row.coverage
        if row.covered_by:
            assert row.covered_by == best.org_id


def test_the_csv_has_a_row_per_member_of_each_team_and_a_column_per_competence(
    engine: Matchmaker,
) -> None:
    result = build(engine, alternatives=2)
    rows = list(csv.DictReader(io.StringIO(consortium_csv(result))))
    teams = [result.best, *result.alternatives]
    assert len(rows) == sum(len(t.members) for t in teams) and result.alternatives
    assert [r["org_id"] for r in rows if r["team"] == team_label(0)] == result.best.ids()
    first, competence = result.best.members[0], result.competences[0].id
    assert {f"cover:{c.id}" for c in result.competences} <= set(rows[0])
    assert float(rows[0][f"cover:{competence}"]) == first.cover[competence]
