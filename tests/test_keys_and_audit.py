"""A key found by its id (how a page session is checked), and the audit log's filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import DataValidationError
from matcher.store import Role, revoke_key
from tests.api_fixtures import Api, make_api


@pytest.fixture
def api(tmp_path: Path, store_url: str) -> Api:
    return make_api(tmp_path, database_url=store_url)


def test_a_key_by_its_id_until_it_is_revoked(api: Api) -> None:
    key_id = api.keys["member"].split("_")[1]
    key = api.service.active_key(key_id)
    assert key is not None and key.role == Role.MEMBER and key.org_id == "ru-housing"
    assert api.service.active_key("nope") is None
    revoke_key(api.service.store, key_id, "test")
    assert api.service.active_key(key_id) is None


def test_audit_rows_filtered_by_column(api: Api) -> None:
    api.service.add_feedback("ru-housing", "fi-heat", "reject", "partners", "", "key:abc")
    rows = api.service.audit_rows(50, 0, {"action": "feedback"})
    assert [r["entity_id"] for r in rows] == ["ru-housing->fi-heat"]
    assert api.service.audit_rows(50, 0, {"actor": "key:abc", "entity": "feedback"}) == rows
    assert api.service.audit_rows(50, 0, {"actor": "nobody"}) == []
    seeded = api.service.audit_rows(3, 0, {"action": "seed", "entity": "organisations"})
    assert len(seeded) == 3 and {r["actor"] for r in seeded} == {"seed"}
    with pytest.raises(DataValidationError, match="invalid audit filter"):
        api.service.audit_rows(5, 0, {"before": "x"})
