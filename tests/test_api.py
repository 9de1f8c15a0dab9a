"""Every endpoint with every role, bad input, and the write path into the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.limits import MAX_BODY_BYTES
from tests.api_fixtures import Api, make_api

NEW_ORG = {
    "id": "fi-new",
    "name": "Uusi Energia Oy",
    "kind": "sme",
    "country": "FI",
    "description": "District heating network digital twin software.",
    "offers": ["Digital twin of district heating networks"],
    "seeks": ["District heating companies"],
    "areas": ["it_cleantech"],
}
NEW_NEED = {"id": "n-new", "title": "Digital twin of the heat network", "owner_id": "ru-bus"}


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path)


# (method, path, json body, roles allowed); the member key belongs to ru-housing
ENDPOINTS = [
    ("get", "/v1/organisations", None, {"staff", "member", "investor"}),
    ("get", "/v1/organisations/ru-waste", None, {"staff", "member", "investor"}),
    ("post", "/v1/organisations", NEW_ORG, {"staff"}),
    ("put", "/v1/organisations/ru-housing", None, {"staff", "member"}),
    ("put", "/v1/organisations/ru-waste", None, {"staff"}),
    ("delete", "/v1/organisations/ru-bus", None, {"staff"}),
    ("get", "/v1/organisations/ru-housing/partners", None, {"staff", "member"}),
    ("get", "/v1/organisations/ru-waste/partners", None, {"staff"}),
    ("post", "/v1/search", {"text": "solar modules"}, {"staff", "member", "investor"}),
    ("post", "/v1/areas", {"text": "waste sorting"}, {"staff", "member", "investor"}),
    ("get", "/v1/needs", None, {"staff", "member"}),
    ("get", "/v1/needs/n-meters", None, {"staff", "member"}),
    ("post", "/v1/needs", NEW_NEED, {"staff"}),
    ("put", "/v1/needs/n-meters", None, {"staff"}),
    ("delete", "/v1/needs/n-modules", None, {"staff"}),
    ("get", "/v1/needs/n-meters/matches", None, {"staff", "member"}),
    (
        "post",
        "/v1/feedback",
        {"org_id": "ru-housing", "candidate_id": "fi-heat", "verdict": "reject"},
        {"staff", "member"},
    ),
    ("get", "/v1/feedback/export", None, {"staff"}),
    ("get", "/v1/partnerships", None, {"staff"}),
    ("post", "/v1/partnerships", {"a": "fi-heat", "b": "ru-housing"}, {"staff"}),
    ("get", "/v1/audit", None, {"staff"}),
]


def _body_for(api: Api, method: str, path: str, body: dict | None) -> dict | None:  # type: ignore[type-arg]
    if method == "put" and path.startswith("/v1/organisations/"):
        return api.client.get(path, headers=api.as_role("staff")).json()
    if method == "put" and path.startswith("/v1/needs/"):
        return api.client.get(path, headers=api.as_role("staff")).json()
    return body


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
@pytest.mark.parametrize("role", ["staff", "member", "investor", None])
def test_roles(
    api: Api, method: str, path: str, body: dict | None, allowed: set[str], role: str | None
) -> None:  # type: ignore[type-arg]
    payload = _body_for(api, method, path, body)
    response = api.client.request(method, path, json=payload, headers=api.as_role(role))
    if role is None:
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code in (200, 201, 204), response.text
    else:
        assert response.status_code == 403
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_health_and_docs_need_no_key(api: Api) -> None:
    health = api.client.get("/health").json()
    assert health["status"] == "ok" and health["organisations"] == 8 and health["model"]
    assert api.client.get("/docs").status_code == 200
    assert "/v1/search" in api.client.get("/openapi.json").json()["paths"]


def test_revoked_or_forged_keys_are_refused(api: Api) -> None:
    assert (
        api.client.get("/v1/organisations", headers={"X-API-Key": "cm_dead_beef"}).status_code
        == 401
    )
    good = api.keys["staff"]
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert api.client.get("/v1/organisations", headers={"X-API-Key": forged}).status_code == 401
    bearer = {"Authorization": f"Bearer {good}"}
    assert api.client.get("/v1/organisations", headers=bearer).status_code == 200


def test_investors_see_public_fields_only(api: Api) -> None:
    public = api.client.get("/v1/organisations/no-fund", headers=api.as_role("investor")).json()
    full = api.client.get("/v1/organisations/no-fund", headers=api.as_role("staff")).json()
    assert "ticket_min_eur" not in public and "evidence" not in public
    assert full["ticket_min_eur"] == 100000


def test_unknown_ids_are_404(api: Api) -> None:
    staff = api.as_role("staff")
    for path in (
        "/v1/organisations/nope",
        "/v1/organisations/nope/partners",
        "/v1/needs/nope",
        "/v1/needs/nope/matches",
    ):
        response = api.client.get(path, headers=staff)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/v1/search", {"text": ""}, "text"),
        ("post", "/v1/search", {"text": "x", "k": 101}, "k"),
        ("post", "/v1/search", {"text": "x" * 5001}, "text"),
        ("post", "/v1/search", {"text": "x", "kind": ["spaceship"]}, "kind"),
        ("get", "/v1/organisations?limit=500", None, "limit"),
        ("get", "/v1/organisations/ru-waste/partners?k=0", None, "k"),
        ("post", "/v1/organisations", {**NEW_ORG, "country": "XX"}, "country"),
        ("post", "/v1/organisations", {**NEW_ORG, "areas": ["moon"]}, "areas"),
        ("post", "/v1/organisations", {k: v for k, v in NEW_ORG.items() if k != "name"}, "name"),
        ("post", "/v1/needs", {**NEW_NEED, "owner_id": "ghost"}, "owner_id"),
        (
            "post",
            "/v1/feedback",
            {"org_id": "ru-waste", "candidate_id": "x", "verdict": "maybe"},
            "verdict",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(
    api: Api, method: str, path: str, body: dict | None, field: str
) -> None:  # type: ignore[type-arg]
    response = api.client.request(method, path, json=body, headers=api.as_role("staff"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert any(field in (d.get("field") or "") for d in error["details"]), error


def test_oversized_body_is_413(api: Api) -> None:
    limit = MAX_BODY_BYTES
    big = {"text": "x" * (limit + 1)}
    response = api.client.post("/v1/search", json=big, headers=api.as_role("staff"))
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_writes_reach_the_index_at_once(api: Api) -> None:
    staff = api.as_role("staff")
    assert api.client.post("/v1/organisations", json=NEW_ORG, headers=staff).status_code == 201
    found = api.client.post(
        "/v1/search", json={"text": "digital twin district heating"}, headers=staff
    )
    assert found.json()["matches"][0]["id"] == "fi-new"
    assert api.client.delete("/v1/organisations/fi-new", headers=staff).status_code == 204
    again = api.client.post(
        "/v1/search", json={"text": "digital twin district heating", "k": 20}, headers=staff
    )
    assert "fi-new" not in [m["id"] for m in again.json()["matches"]]


def test_member_edits_own_organisation_and_the_audit_keeps_before_and_after(api: Api) -> None:
    member = api.as_role("member")
    record = api.client.get("/v1/organisations/ru-housing", headers=member).json()
    record["description"] = "Housing association; 12 blocks to retrofit."
    assert (
        api.client.put("/v1/organisations/ru-housing", json=record, headers=member).status_code
        == 200
    )
    entry = api.client.get("/v1/audit", headers=api.as_role("staff")).json()[0]
    assert entry["entity_id"] == "ru-housing" and entry["actor"].startswith("key:")
    assert entry["before"]["description"] == "Housing association of Soviet-era apartment blocks."
    assert entry["after"]["description"] == "Housing association; 12 blocks to retrofit."


def test_rejected_candidates_are_not_suggested_again(api: Api) -> None:
    member = api.as_role("member")
    before = api.client.get("/v1/organisations/ru-housing/partners?k=7", headers=member).json()
    top = before["matches"][0]["id"]
    feedback = {"org_id": "ru-housing", "candidate_id": top, "verdict": "reject"}
    assert api.client.post("/v1/feedback", json=feedback, headers=member).status_code == 201
    after = api.client.get("/v1/organisations/ru-housing/partners?k=7", headers=member).json()
    assert top not in [m["id"] for m in after["matches"]]
    export = api.client.get("/v1/feedback/export?format=csv", headers=api.as_role("staff"))
    assert f"ru-housing,{top},reject" in export.text


def test_search_exports_csv_with_filters(api: Api) -> None:
    response = api.client.post(
        "/v1/search?format=csv",
        json={"text": "solar", "country": ["FI"], "k": 5},
        headers=api.as_role("investor"),
    )
    lines = response.text.strip().splitlines()
    assert response.headers["content-type"].startswith("text/csv")
    assert lines[0].startswith("rank,id,name,kind,country") and len(lines) > 1
    assert all(",FI," in line for line in lines[1:])


def test_need_matches_with_local_filter_finds_local_producers(api: Api) -> None:
    response = api.client.get(
        "/v1/needs/n-modules/matches?local=true&k=10", headers=api.as_role("staff")
    )
    matches = response.json()["matches"]
    assert matches and {m["city"] for m in matches} == {"Saint Petersburg"}
    assert matches[0]["id"] == "ru-solar"


def test_import_is_all_or_nothing(api: Api) -> None:
    staff = api.as_role("staff")
    counts = api.service.store.counts()
    csv = (
        "id,name,kind,country,description\n"
        "fi-a,Alpha Oy,sme,FI,Heat recovery units\n"
        "fi-b,Beta Oy,spaceship,FI,Batteries\n"
        "fi-c,Gamma Oy,sme,ZZ,Wind blades\n"
    )
    response = api.client.post(
        "/v1/organisations/import", files={"file": ("orgs.csv", csv, "text/csv")}, headers=staff
    )
    assert response.status_code == 422
    where = {(d["row"], d["field"]) for d in response.json()["error"]["details"]}
    assert where == {(2, "kind"), (3, "country")}
    assert api.service.store.counts() == counts
    assert not api.service.has_organisation("fi-a")

    good = csv.replace("spaceship", "sme").replace(",ZZ,", ",FI,")
    response = api.client.post(
        "/v1/organisations/import", files={"file": ("orgs.csv", good, "text/csv")}, headers=staff
    )
    assert response.status_code == 200 and response.json()["created"] == 3
    assert (
        api.client.post("/v1/search", json={"text": "heat recovery units"}, headers=staff).json()[
            "matches"
        ][0]["id"]
        == "fi-a"
    )


def test_a_crash_mid_write_leaves_the_store_as_it_was(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.store.store as store_module

    counts = api.service.store.counts()
    calls = {"n": 0}
    real_audit = store_module.audit

    def failing_audit(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        real_audit(*args, **kwargs)

    monkeypatch.setattr(store_module, "audit", failing_audit)
    csv = "id,name,kind,country,description\n" + "".join(
        f"fi-{i},Firm {i} Oy,sme,FI,Wind turbine blades\n" for i in range(5)
    )
    response = api.client.post(
        "/v1/organisations/import",
        files={"file": ("o.csv", csv, "text/csv")},
        headers=api.as_role("staff"),
    )
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": "internal error; it has been logged",
        "details": [],
    }
    assert "Traceback" not in response.text and "disk on fire" not in response.text
    assert api.service.store.counts() == counts


def test_consortium_endpoint_builds_a_team_with_rules_and_gaps(api: Api) -> None:
    body = {
        "text": "Heat pumps for apartment blocks. Optical sorting of waste. Solar modules.",
        "min_size": 3,
        "max_size": 4,
        "roles": [{"kinds": ["sme", "company"], "at_least": 2}],
        "countries": [{"country": "RU", "at_least": 1}, {"country": "FI", "at_least": 1}],
    }
    response = api.client.post("/v1/consortia", json=body, headers=api.as_role("staff"))
    assert response.status_code == 200, response.text
    best = response.json()["best"]
    countries = [m["country"] for m in best["members"]]
    assert 3 <= len(countries) <= 4 and "RU" in countries and "FI" in countries
    assert all(c["met"] for c in best["constraints"])
    impossible = {**body, "countries": [{"country": "SE", "at_least": 2}]}
    refused = api.client.post("/v1/consortia", json=impossible, headers=api.as_role("staff"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "infeasible"
    assert (
        api.client.post("/v1/consortia", json=body, headers=api.as_role("member")).status_code
        == 403
    )


def test_shortlist_endpoint_exports_csv_for_the_jury(api: Api) -> None:
    body = {
        "categories": [
            {"name": "Solar", "description": "solar modules and installation"},
            {"name": "Waste", "description": "waste sorting"},
        ],
        "per_category": 2,
    }
    staff = api.as_role("staff")
    result = api.client.post("/v1/shortlists", json=body, headers=staff)
    assert result.status_code == 200, result.text
    csv = api.client.post("/v1/shortlists?format=csv", json=body, headers=staff)
    assert csv.headers["content-type"].startswith("text/csv") and "Solar" in csv.text
    picked = [p["org_id"] for c in result.json()["categories"] for p in c["picks"]]
    assert len(picked) == len(set(picked))  # one category per company by default
    assert (
        api.client.post("/v1/shortlists", json=body, headers=api.as_role("investor")).status_code
        == 403
    )
