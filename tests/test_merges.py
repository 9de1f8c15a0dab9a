"""Duplicates reported at import, merged only on request, with history and undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.filters import Filters
from tests.api_fixtures import Api, make_api

DUPLICATE_CSV = (
    "id,name,kind,country,city,description\n"
    "ru-waste-2,EkoSort LLC,sme,RU,Saint Petersburg,Sorting of municipal waste\n"
)


@pytest.fixture
def api(tmp_path: Path, store_url: str) -> Api:
    return make_api(tmp_path, database_url=store_url)


def _import_duplicate(api: Api) -> dict:  # type: ignore[type-arg]
    files = {"file": ("organisations.csv", DUPLICATE_CSV, "text/csv")}
    response = api.client.post(
        "/v1/organisations/import", files=files, headers=api.as_role("staff")
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_import_reports_the_likely_duplicate_and_merges_nothing(api: Api) -> None:
    report = _import_duplicate(api)
    pairs = {(d["left_id"], d["right_id"], d["against_existing"]) for d in report["duplicates"]}
    assert ("ru-waste-2", "ru-waste", True) in pairs
    assert {"ru-waste", "ru-waste-2"} <= {o.id for o in api.service.organisations(Filters())}


def test_name_search_finds_any_script_or_legal_form(api: Api) -> None:
    staff = api.as_role("staff")
    for query in ("экосорт", "EkoSort", "ECOSORT OOO", "ООО Эко Сорт"):
        items = api.client.get(f"/v1/organisations?name={query}", headers=staff).json()["items"]
        assert items and items[0]["id"] == "ru-waste", query


def test_merge_then_undo_restores_records_and_partnerships(api: Api) -> None:
    staff = api.as_role("staff")
    _import_duplicate(api)
    link = {"a": "ru-waste-2", "b": "no-sort", "kind": "supply"}
    assert api.client.post("/v1/partnerships", json=link, headers=staff).status_code == 201
    before = api.client.get("/v1/organisations/ru-waste-2", headers=staff).json()

    body = {
        "ids": ["ru-waste", "ru-waste-2"],
        "survivor_id": "ru-waste",
        "choose": {"description": "ru-waste-2"},
    }
    merged = api.client.post("/v1/merges", json=body, headers=staff)
    assert merged.status_code == 201, merged.text
    merge_id = merged.json()["merge_id"]
    survivor = api.client.get("/v1/organisations/ru-waste", headers=staff).json()
    assert survivor["description"] == "Sorting of municipal waste"
    assert api.client.get("/v1/organisations/ru-waste-2", headers=staff).status_code == 404
    assert "no-sort" in api.service.partners_of("ru-waste")
    history = api.client.get("/v1/merges", headers=staff).json()
    assert (
        history[0]["merged_ids"] == ["ru-waste", "ru-waste-2"] and history[0]["undone_at"] is None
    )

    undone = api.client.post(f"/v1/merges/{merge_id}/undo", json={}, headers=staff)
    assert undone.status_code == 200, undone.text
    assert api.client.get("/v1/organisations/ru-waste-2", headers=staff).json() == before
    assert api.service.partners_of("ru-waste-2") == {"no-sort"}
    assert "no-sort" not in api.service.partners_of("ru-waste")


def test_undo_refuses_when_the_survivor_changed_unless_forced(api: Api) -> None:
    staff = api.as_role("staff")
    _import_duplicate(api)
    merged = api.client.post(
        "/v1/merges",
        json={"ids": ["ru-waste", "ru-waste-2"], "survivor_id": "ru-waste"},
        headers=staff,
    )
    merge_id = merged.json()["merge_id"]
    record = api.client.get("/v1/organisations/ru-waste", headers=staff).json()
    record["city"] = "Kolpino"
    assert (
        api.client.put("/v1/organisations/ru-waste", json=record, headers=staff).status_code == 200
    )
    refused = api.client.post(f"/v1/merges/{merge_id}/undo", json={}, headers=staff)
    assert refused.status_code == 422 and "changed since" in refused.json()["error"]["message"]
    forced = api.client.post(f"/v1/merges/{merge_id}/undo", json={"force": True}, headers=staff)
    assert forced.status_code == 200
    assert api.client.post(f"/v1/merges/{merge_id}/undo", json={}, headers=staff).status_code == 404


def test_merge_of_unknown_ids_or_a_foreign_survivor_is_refused(api: Api) -> None:
    staff = api.as_role("staff")
    unknown = api.client.post(
        "/v1/merges", json={"ids": ["ru-waste", "ghost"], "survivor_id": "ru-waste"}, headers=staff
    )
    assert unknown.status_code == 404
    foreign = api.client.post(
        "/v1/merges", json={"ids": ["ru-waste", "no-sort"], "survivor_id": "fi-heat"}, headers=staff
    )
    assert foreign.status_code == 422
    assert (
        api.client.post(
            "/v1/merges",
            json={"ids": ["ru-waste", "no-sort"], "survivor_id": "ru-waste"},
            headers=api.as_role("member"),
        ).status_code
        == 403
    )
