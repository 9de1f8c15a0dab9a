"""One write path: a write is applied whole (store, index, audit) and answered 2xx, or not
applied at all; retries are safe; a damaged part makes the service degraded, never a 500
that hides a committed write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache import text_hash
from tests.api_fixtures import Api, make_api

NEW = {
    "id": "fi-twin",
    "name": "Verkko Twin Oy",
    "kind": "sme",
    "country": "FI",
    "description": "Digital twin software for district heating networks.",
    "offers": ["Heat-loss analytics for district heating networks"],
    "areas": ["it_cleantech"],
}
TWIN = {"text": "digital twin district heating networks", "k": 3}


@pytest.fixture
def api(tmp_path: Path, store_url: str) -> Api:
    return make_api(tmp_path, database_url=store_url)


def audit_rows(api: Api, entity_id: str) -> list[dict]:  # type: ignore[type-arg]
    rows = api.client.get("/v1/audit?limit=200", headers=api.as_role("staff")).json()
    return [r for r in rows if r["entity_id"] == entity_id]


def in_agreement(api: Api) -> None:
    """Store, index and audit agree: the same organisations, every one audited as it is."""
    store = api.service.store
    stored = {o: store.org_record(o) for o in store.organisations(_ids(api), api.service.taxonomy)}
    engine = api.service.engine.snapshot().organisations
    catalog = api.service.engine.index.catalog
    indexed = {i for i in catalog.ids if catalog.has(i)}
    assert set(stored) == set(engine) == indexed
    for ident, record in stored.items():
        latest = audit_rows(api, ident)[0]
        assert latest["after"] == record


def _ids(api: Api) -> list[str]:
    from sqlalchemy import select

    from matcher.store import schema

    with api.service.store.engine.connect() as conn:
        return list(conn.scalars(select(schema.organisations.c.id)))


def wait_until(check, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_write_the_index_cannot_take_is_answered_and_caught_up(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = api.service.engine
    real_apply = engine.apply
    calls = {"n": 0}

    def failing_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise MemoryError("the backend could not grow")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(engine, "apply", failing_once)
    monkeypatch.setattr("matcher.following.FIRST_RETRY_SECONDS", 0.5)
    staff = api.as_role("staff")
    response = api.client.post("/v1/organisations", json=NEW, headers=staff)
    assert response.status_code == 201, response.text
    health = api.client.get("/health").json()
    assert health["status"] == "degraded" and "lags the store" in health["reasons"][0]
    assert api.client.get("/v1/organisations/fi-twin", headers=staff).status_code == 200
    wait_until(lambda: api.client.get("/health").json()["status"] == "ok")
    found = api.client.post("/v1/search", json=TWIN, headers=staff).json()["matches"]
    assert found[0]["id"] == "fi-twin"
    assert len(audit_rows(api, "fi-twin")) == 1
    in_agreement(api)


def test_an_encoder_failure_writes_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the model file is gone")

    monkeypatch.setattr(api.service.engine, "prepare", broken)
    counts = api.service.store.counts()
    response = api.client.post("/v1/organisations", json=NEW, headers=api.as_role("staff"))
    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
    assert "Retry-After" in response.headers
    assert api.service.store.counts() == counts


def test_damaged_cached_vectors_never_reach_the_index(api: Api) -> None:
    """Vectors of the wrong size in the cache for the new record's texts used to be found
    only by the index, after the store had committed (a 500 hiding a write)."""
    encoder = api.service.encoder
    assert encoder is not None
    texts = [c.text for c in api.service.engine._state.chunks(_org(api))]
    bad = {text_hash(t): np.ones(7, dtype=np.float32) for t in texts}
    encoder.cache.put_many(encoder.model_id, "passage", bad)
    response = api.client.post("/v1/organisations", json=NEW, headers=api.as_role("staff"))
    assert response.status_code == 201, response.text
    assert api.client.get("/health").json()["status"] == "ok"
    in_agreement(api)


def test_a_cache_failing_while_serving_degrades_but_writes_go_through(api: Api) -> None:
    encoder = api.service.encoder
    assert encoder is not None
    encoder.cache.close()
    response = api.client.post("/v1/organisations", json=NEW, headers=api.as_role("staff"))
    assert response.status_code == 201
    health = api.client.get("/health").json()
    assert health["status"] == "degraded" and "embedding cache" in health["reasons"][0]
    in_agreement(api)


def test_an_idempotency_key_makes_a_retry_answer_the_same_and_write_nothing(api: Api) -> None:
    headers = {**api.as_role("staff"), "Idempotency-Key": "create-fi-twin-1"}
    first = api.client.post("/v1/organisations", json=NEW, headers=headers)
    again = api.client.post("/v1/organisations", json=NEW, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replay"] == "true"
    assert len(audit_rows(api, "fi-twin")) == 1
    other = api.client.post("/v1/organisations", json={**NEW, "name": "X Oy"}, headers=headers)
    assert other.status_code == 409


def test_a_retried_verdict_with_a_key_is_recorded_once(api: Api) -> None:
    headers = {**api.as_role("member"), "Idempotency-Key": "verdict-7"}
    verdict = {"org_id": "ru-housing", "candidate_id": "fi-heat", "verdict": "reject"}
    answers = [api.client.post("/v1/feedback", json=verdict, headers=headers) for _ in range(3)]
    assert {a.status_code for a in answers} == {201} and len({a.json()["id"] for a in answers}) == 1
    assert api.service.store.counts()["feedback"] == 1


def test_retries_without_a_key_are_safe_by_id(api: Api) -> None:
    staff = api.as_role("staff")
    assert api.client.post("/v1/organisations", json=NEW, headers=staff).status_code == 201
    assert api.client.post("/v1/organisations", json=NEW, headers=staff).status_code == 409
    record = api.client.get("/v1/organisations/fi-twin", headers=staff).json()
    for _ in range(2):
        assert (
            api.client.put("/v1/organisations/fi-twin", json=record, headers=staff).status_code
            == 200
        )
    assert len(audit_rows(api, "fi-twin")) == 1  # the unchanged PUTs wrote nothing


def test_an_import_retried_changes_nothing(api: Api) -> None:
    csv = "id,name,kind,country,description\nfi-a,Alpha Oy,sme,FI,Heat recovery units\n"
    files = {"file": ("orgs.csv", csv, "text/csv")}
    staff = api.as_role("staff")
    first = api.client.post("/v1/organisations/import", files=files, headers=staff).json()
    audit = api.service.store.counts()["audit_log"]
    again = api.client.post("/v1/organisations/import", files=files, headers=staff).json()
    assert (first["created"], again["created"], again["updated"], again["unchanged"]) == (
        1,
        0,
        0,
        1,
    )
    assert api.service.store.counts()["audit_log"] == audit


def test_two_racing_creates_of_one_id_give_one_record(api: Api) -> None:
    staff = api.as_role("staff")
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(
                api.client.post("/v1/organisations", json=NEW, headers=staff).status_code
            )
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    assert len(audit_rows(api, "fi-twin")) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "investor"}, "kind"),
        ({"identifiers": ["FI-YT:1234567-1"]}, "identifiers"),
        ({"name": "Sortering AS"}, "name"),
        ({"name": "sortering  as"}, "name"),
        ({"name": "Sortering"}, "name"),
    ],
)
def test_a_member_keeps_to_its_own_profile(api: Api, change: dict, field: str) -> None:  # type: ignore[type-arg]
    member = api.as_role("member")
    record = api.client.get("/v1/organisations/ru-housing", headers=member).json()
    response = api.client.put(
        "/v1/organisations/ru-housing", json={**record, **change}, headers=member
    )
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    staff = api.client.put(
        "/v1/organisations/ru-housing", json={**record, **change}, headers=api.as_role("staff")
    )
    assert staff.status_code == 200


def test_a_member_may_rename_itself_to_a_free_name(api: Api) -> None:
    member = api.as_role("member")
    record = api.client.get("/v1/organisations/ru-housing", headers=member).json()
    renamed = {
        **record,
        "name": "ТСЖ «Невский проспект 28»",
        "description": "Retrofit of 12 blocks.",
    }
    assert (
        api.client.put("/v1/organisations/ru-housing", json=renamed, headers=member).status_code
        == 200
    )


def _org(api: Api):  # type: ignore[no-untyped-def]
    from matcher.store.codec import org_from_record

    return org_from_record(NEW, api.service.taxonomy)


def test_a_lagging_index_is_not_saved(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save while the index lacks a committed write would record a change sequence it
    does not hold, and the next start would never replay that write."""
    from matcher.upkeep import Upkeep

    monkeypatch.setattr("matcher.following.FIRST_RETRY_SECONDS", 60.0)
    engine = api.service.engine
    monkeypatch.setattr(engine, "apply", lambda *a, **k: (_ for _ in ()).throw(MemoryError("x")))
    saved = engine.saved
    upkeep = Upkeep(engine, 60.0, lambda: not api.service.follower.lagging)
    assert (
        api.client.post("/v1/organisations", json=NEW, headers=api.as_role("staff")).status_code
        == 201
    )
    upkeep.tick()
    assert engine.saved == saved
