"""Every endpoint and every export, with every role: no response carries a field the role
may not see. Canary values (an evidence text, an identifier, ticket sizes) are planted in
the records and every response body is searched for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from matcher.visibility import PRIVATE_FIELDS, PRIVATE_TEXT_FIELDS
from tests.api_fixtures import Api, make_api

EVIDENCE = "Kvarts canary digester: ground-source heat pumps retrofitted in apartment blocks"
ASKED = "digester ground-source heat pumps retrofitted in apartment blocks"  # no canary in it
IDENTIFIER = "FI-YT:1234567-1"  # a valid Finnish business id: the name search keys on it
TICKET = "987654.25"
CANARIES = {"evidence": "Kvarts canary", "identifiers": IDENTIFIER, "ticket": "987654"}
SME = {
    "id": "fi-canary",
    "name": "Kanarialintu Oy",
    "kind": "sme",
    "country": "FI",
    "city": "Espoo",
    "description": "Heat pump installer for apartment blocks.",
    "offers": ["Heat pump retrofit"],
    "seeks": ["Housing associations with apartment blocks"],
    "areas": ["energy_efficiency"],
    "evidence": [{"title": "Kvarts", "text": EVIDENCE, "kind": "project", "year": 2022}],
    "identifiers": [IDENTIFIER],
}
FUND = {
    "id": "fi-canary-fund",
    "name": "Kanaria Capital Ky",
    "kind": "investor",
    "country": "FI",
    "description": "Investor in heat pump and solar companies.",
    "ticket_min_eur": float(TICKET),
    "ticket_max_eur": 1987654.25,
    "focus_stages": ["growth"],
    "focus_areas": ["energy_efficiency"],
    "evidence": [{"text": EVIDENCE + " (fund)"}],
}
ROLES = ["staff", "member", "investor", None]
QUERY = {"text": ASKED, "k": 20}
CONSORTIUM = {"text": ASKED + ". Solar modules. Waste sorting.", "min_size": 2, "max_size": 3}
SHORTLIST = {"categories": [{"name": "Heat", "description": ASKED}], "per_category": 5}
IMPORT = "id,name,kind,country,description\nfi-imp,Tuonti Oy,sme,FI,Heat pumps for blocks\n"
NEEDS = "id,title\nn-imp,Meters\n"
VERDICT = {"org_id": "ru-housing", "candidate_id": "fi-canary", "verdict": "accept"}

# (method, path, json body or None, multipart files or None): every route under /v1 and
# each of its formats; writes last, each on a record of its own
WALK: list[tuple[str, str, object, object]] = [
    ("get", "/health", None, None),
    ("get", "/v1/organisations", None, None),
    ("get", "/v1/organisations?name=Kanarialintu", None, None),
    ("get", "/v1/organisations?name=1234567-1", None, None),
    ("get", "/v1/organisations/fi-canary", None, None),
    ("get", "/v1/organisations/fi-canary-fund", None, None),
    ("get", "/v1/organisations/ru-housing/partners?k=20", None, None),
    ("get", "/v1/organisations/ru-housing/partners?k=20&format=csv", None, None),
    ("get", "/v1/organisations/fi-canary/partners?k=20", None, None),
    ("post", "/v1/search", QUERY, None),
    ("post", "/v1/search?format=csv", QUERY, None),
    ("post", "/v1/areas", {"text": ASKED}, None),
    ("get", "/v1/needs", None, None),
    ("get", "/v1/needs/n-meters", None, None),
    ("get", "/v1/needs/n-meters/matches?k=20", None, None),
    ("get", "/v1/needs/n-meters/matches?k=20&format=csv", None, None),
    ("post", "/v1/consortia", CONSORTIUM, None),
    ("post", "/v1/shortlists", SHORTLIST, None),
    ("post", "/v1/shortlists?format=csv", SHORTLIST, None),
    ("get", "/v1/feedback/export", None, None),
    ("get", "/v1/feedback/export?format=csv", None, None),
    ("get", "/v1/partnerships", None, None),
    ("get", "/v1/audit?limit=200", None, None),
    ("get", "/v1/duplicates", None, None),
    ("get", "/v1/merges", None, None),
    ("post", "/v1/feedback", VERDICT, None),
    ("post", "/v1/partnerships", {"a": "fi-canary", "b": "ru-housing"}, None),
    ("put", "/v1/organisations/ru-housing", "own record", None),
    ("put", "/v1/needs/n-meters", "own record", None),
    ("post", "/v1/needs", {"id": "n-canary", "title": "Heat pumps", "owner_id": "fi-canary"}, None),
    ("post", "/v1/organisations", {**SME, "id": "fi-canary-2", "name": "Toinen Lintu Oy"}, None),
    ("post", "/v1/organisations/import", None, {"file": ("organisations.csv", IMPORT, "text/csv")}),
    ("post", "/v1/needs/import", None, {"file": ("needs.csv", NEEDS, "text/csv")}),
    ("post", "/v1/merges", {"ids": ["fi-canary-2", "fi-imp"], "survivor_id": "fi-imp"}, None),
    ("post", "/v1/merges/{merge_id}/undo", {"force": True}, None),
    ("delete", "/v1/needs/n-imp", None, None),
    ("delete", "/v1/organisations/fi-imp", None, None),
]  # fmt: skip


def forbidden(role: str | None) -> dict[str, str]:
    """The canaries a role must never receive (every one, for a role without private access)."""
    return {} if role in ("staff", "member") else CANARIES


def _resolved(api: Api, method: str, path: str, body: object) -> tuple[str, object]:
    if body == "own record":
        body = api.client.get(path, headers=api.as_role("staff")).json()
    if "{merge_id}" in path:
        history = api.client.get("/v1/merges", headers=api.as_role("staff")).json()
        path = path.replace("{merge_id}", history[0]["merge_id"] if history else "none")
    return path, body


def walk(api: Api, role: str | None) -> Iterator[tuple[str, int, str]]:
    """(what was asked, status, body) for every call of the walk with this role's key, each
    allowed write also replayed by staff so that later calls see the same records."""
    for method, path, body, files in WALK:
        path, body = _resolved(api, method, path, body)
        response = api.client.request(
            method,
            path,
            json=body,
            files=files,
            headers=api.as_role(role),  # type: ignore[arg-type]
        )
        yield f"{method.upper()} {path}", response.status_code, response.text
        if method != "get" and response.status_code >= 400 and role != "staff":
            api.client.request(method, path, json=body, files=files, headers=api.as_role("staff"))  # type: ignore[arg-type]


@pytest.fixture
def api(tmp_path: Path) -> Api:
    api = make_api(tmp_path)
    staff = api.as_role("staff")
    for record in (SME, FUND):
        assert api.client.post("/v1/organisations", json=record, headers=staff).status_code == 201
    note = {"org_id": "ru-housing", "candidate_id": "fi-canary", "verdict": "reject",
            "note": f"see {IDENTIFIER}"}  # fmt: skip
    assert api.client.post("/v1/feedback", json=note, headers=staff).status_code == 201
    return api


@pytest.mark.parametrize("role", ROLES)
def test_no_response_carries_a_field_the_role_may_not_see(api: Api, role: str | None) -> None:
    leaks = [
        (asked, status, what)
        for asked, status, body in walk(api, role)
        for what, canary in forbidden(role).items()
        if canary in body
    ]
    assert not leaks, leaks


def test_the_canaries_do_reach_the_roles_that_may_see_them(api: Api) -> None:
    """The walk can fail: staff receives every canary somewhere, through the same paths."""
    seen = {what for _, _, body in walk(api, "staff") for what, c in CANARIES.items() if c in body}
    assert seen == set(CANARIES)
    staff_search = api.client.post("/v1/search", json=QUERY, headers=api.as_role("staff"))
    best = staff_search.json()["matches"][0]["explanation"]["best_pair"]
    assert best["match_field"] == "evidence" and CANARIES["evidence"] in best["match_text"]


def test_investors_get_the_same_candidates_with_public_reasons(api: Api) -> None:
    staff = api.client.post("/v1/search", json=QUERY, headers=api.as_role("staff")).json()
    investor = api.client.post("/v1/search", json=QUERY, headers=api.as_role("investor")).json()
    assert [m["id"] for m in investor["matches"]] == [m["id"] for m in staff["matches"]]
    for match in investor["matches"]:
        fields = {p["match_field"] for p in match["explanation"]["pairs"]}
        assert not fields & PRIVATE_TEXT_FIELDS


def test_an_identifier_cannot_be_tested_through_the_name_search(api: Api) -> None:
    found = api.client.get(
        "/v1/organisations?name=1234567-1", headers=api.as_role("investor")
    ).json()
    assert "fi-canary" not in [o["id"] for o in found["items"]]
    staff = api.client.get("/v1/organisations?name=1234567-1", headers=api.as_role("staff"))
    assert [o["id"] for o in staff.json()["items"]][:1] == ["fi-canary"]


def test_the_walk_covers_every_route(api: Api) -> None:
    walked = {(m.upper(), p.split("?")[0]) for m, p, _, _ in WALK}
    routes = {
        (method, route.path)
        for route in api.client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith(("/v1", "/health"))
        for method in route.methods
    }
    normalised = {(m, _template(p)) for m, p in walked}
    assert {(m, _template(p)) for m, p in routes} <= normalised


def test_the_public_schema_is_the_record_without_the_private_fields() -> None:
    from api.schemas.organisations import OrganisationOut, OrganisationPublic

    private = set(OrganisationOut.model_fields) - set(OrganisationPublic.model_fields)
    assert private == PRIVATE_FIELDS


def _template(path: str) -> str:
    """/v1/organisations/fi-canary/partners -> /v1/organisations/{}/partners."""
    known = ("organisations", "needs", "merges", "partners", "matches", "import", "undo", "export")
    parts = path.strip("/").split("/")
    return "/" + "/".join(
        p if p in known or i < 2 or p.startswith("v1") else "{}" for i, p in enumerate(parts)
    )
