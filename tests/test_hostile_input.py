"""Hostile files and cells: one set of limits for a file and an API call, every problem
reported by row and column, never an unhandled error; properties checked with Hypothesis."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import load_taxonomy
from matcher.limits import (
    MAX_CELL_NESTING,
    MAX_EVIDENCE_ITEMS,
    MAX_LIST_ITEMS,
    MAX_RECORD_TEXT_CHARS,
    MAX_TEXT_CHARS,
)
from matcher.loading import parse_needs, parse_organisations
from matcher.rows import nesting_depth
from tests.api_fixtures import Api, make_api

TAXONOMY = load_taxonomy()
BASE = {"id": "fi-x", "name": "Testi Oy", "kind": "sme", "country": "FI", "description": "Heat."}
INVESTOR = {**BASE, "id": "fi-fund", "kind": "investor"}


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path)


def problems(record: dict) -> set[str | None]:  # type: ignore[type-arg]
    _, found = parse_organisations([record], TAXONOMY, "t.csv")
    return {p.column for p in found}


def import_csv(api: Api, header: str, row: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = api.client.post(
        "/v1/organisations/import",
        files={"file": ("orgs.csv", f"{header}\n{row}\n", "text/csv")},
        headers=api.as_role("staff"),
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("column", ["offers", "evidence", "identifiers", "areas"])
def test_deeply_nested_cells_are_a_problem_not_a_crash(api: Api, column: str) -> None:
    cell = "[" * 50_000 + "]" * 50_000
    status, body = import_csv(
        api, f"id,name,kind,country,description,{column}", f"fi-n,N Oy,sme,FI,Heat,{cell}"
    )
    assert status == 422, body
    assert {(d["row"], d["field"]) for d in body["error"]["details"]} >= {(1, column)}
    assert not api.service.has_organisation("fi-n")


@pytest.mark.parametrize("raw", ["inf", "Infinity", "-inf", "nan", "NaN", "1e999"])
def test_non_finite_numbers_are_refused_in_files(raw: str) -> None:
    assert "ticket_max_eur" in problems({**INVESTOR, "ticket_max_eur": raw})
    _, found = parse_needs([{"id": "n1", "title": "T", "budget_eur": raw}], TAXONOMY)
    assert {p.column for p in found} == {"budget_eur"}


def test_a_json_infinity_is_refused_too() -> None:
    assert "ticket_min_eur" in problems({**INVESTOR, "ticket_min_eur": math.inf})
    evidence = [{"text": "Built a plant.", "year": math.inf}]
    assert "evidence" in problems({**BASE, "evidence": evidence})


@pytest.mark.parametrize(
    ("field", "over", "at_limit"),
    [
        ("description", "x" * (MAX_TEXT_CHARS + 1), "x" * MAX_TEXT_CHARS),
        ("offers", ["offer"] * (MAX_LIST_ITEMS + 1), ["offer"] * MAX_LIST_ITEMS),
        ("offers", ["x" * (MAX_TEXT_CHARS + 1)], ["x" * MAX_TEXT_CHARS]),
        ("evidence", [{"text": "x"}] * (MAX_EVIDENCE_ITEMS + 1), [{"text": "x"}] * 100),
        ("evidence", [{"text": "x" * (MAX_TEXT_CHARS + 1)}], [{"text": "x" * MAX_TEXT_CHARS}]),
    ],
)
def test_a_file_and_the_api_refuse_the_same_sizes(
    api: Api, field: str, over: object, at_limit: object
) -> None:
    record = {**BASE, field: over}
    assert field in problems(record)
    response = api.client.post("/v1/organisations", json=record, headers=api.as_role("staff"))
    assert response.status_code == 422, response.text
    assert any(field in d["field"] for d in response.json()["error"]["details"])
    assert field not in problems({**BASE, field: at_limit})
    accepted = api.client.post(
        "/v1/organisations", json={**BASE, field: at_limit}, headers=api.as_role("staff")
    )
    assert accepted.status_code == 201, accepted.text


def test_one_record_holds_a_bounded_amount_of_text() -> None:
    offers = ["y" * MAX_TEXT_CHARS] * (MAX_RECORD_TEXT_CHARS // MAX_TEXT_CHARS + 1)
    assert None in problems({**BASE, "offers": offers})


def test_records_in_the_store_are_read_without_the_size_limits() -> None:
    long = {**BASE, "description": "x" * (MAX_TEXT_CHARS * 3)}
    orgs, found = parse_organisations([long], TAXONOMY, "store", limited=False)
    assert not found and len(orgs[0].description) == MAX_TEXT_CHARS * 3


def test_nesting_depth_ignores_brackets_inside_strings() -> None:
    assert nesting_depth('["a [[[[[[[[[[ b", "c"]') == 1
    assert nesting_depth("[[1], [[2]]]") == 3
    assert nesting_depth("['it''s', \"x\"]") == 1


# --- properties -------------------------------------------------------------------------
HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["inf", "-Infinity", "NaN", "1e999", "=1+1", "[[[[", "]]", "[1,", "{}", "null", "\x00"]
    ),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(0, 3 * MAX_CELL_NESTING)),
    st.builds(lambda n: "[" * n, st.integers(0, 200)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.lists(st.text(max_size=10), max_size=4),
    st.none(),
)
COLUMNS = [
    "id", "name", "kind", "country", "description", "offers", "seeks", "areas", "stage",
    "founded", "evidence", "identifiers", "ticket_min_eur", "ticket_max_eur", "focus_stages",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(COLUMNS), HOSTILE, max_size=8))
def test_any_row_parses_into_problems_or_a_clean_record(row: dict) -> None:  # type: ignore[type-arg]
    record = {**INVESTOR, **row}
    orgs, found = parse_organisations([record], TAXONOMY, "hostile.csv")
    assert all(p.row == 1 and p.source == "hostile.csv" for p in found)
    if found:
        return
    org = orgs[0]
    json.dumps(org.investor.__dict__ if org.investor else {}, allow_nan=False, default=str)
    assert len(org.description) <= MAX_TEXT_CHARS and len(org.offers) <= MAX_LIST_ITEMS
    assert all(len(t) <= MAX_TEXT_CHARS for t in (*org.offers, *org.seeks))


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["id", "title", "budget_eur", "deadline", "kinds"]), HOSTILE)
)
def test_any_need_row_parses_into_problems_or_a_clean_record(row: dict) -> None:  # type: ignore[type-arg]
    needs, found = parse_needs([{"id": "n1", "title": "T", **row}], TAXONOMY, "needs.csv")
    if not found:
        budget = needs[0].budget_eur
        assert budget is None or math.isfinite(budget)


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", '"inf"', '"Infinity"', "1e999"])
def test_non_finite_amounts_are_422_through_the_api(api: Api, value: str) -> None:
    staff = {**api.as_role("staff"), "content-type": "application/json"}
    need = f'{{"id": "n-inf", "title": "Meters", "budget_eur": {value}}}'
    response = api.client.post("/v1/needs", content=need, headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "budget_eur"
    org = json.dumps({**INVESTOR, "ticket_max_eur": 0}).replace(
        '"ticket_max_eur": 0', f'"ticket_max_eur": {value}'
    )
    response = api.client.post("/v1/organisations", content=org, headers=staff)
    assert response.status_code == 422, response.text
    assert not api.service.has_need("n-inf") and not api.service.has_organisation("fi-fund")
