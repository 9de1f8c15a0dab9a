"""A service on the mini cluster with the hashing test encoder, and one key per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from fastapi.testclient import TestClient

from api.deps import get_optional_service
from api.main import create_app
from matcher.config import AppSettings
from matcher.service import ClusterService
from matcher.store import Role, Store, create_key
from tests.conftest import HashingEncoder

MINI = Path(__file__).parent / "data" / "mini"


@dataclass
class Api:
    client: TestClient
    service: ClusterService
    keys: dict[str, str]

    def as_role(self, role: str | None) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]} if role else {}


def make_api(
    tmp: Path,
    data: Path = MINI,
    member_org: str = "ru-housing",
    database_url: str | None = None,
    detect_language: Callable[[str], str] | None = None,
) -> Api:
    """`database_url`: the store's database (default: a SQLite file in `tmp`);
    `detect_language`: the engine's language detector (default: none, every text `und`)."""
    settings = AppSettings.for_store(tmp / "store", data)
    if database_url is not None:
        settings = replace(settings, database_url=database_url)
    store = Store(settings.database_url)
    service = ClusterService.open(
        settings.engine, store, data, encoder=HashingEncoder(), detect_language=detect_language
    )
    app = create_app(settings, open_on_start=False)
    app.dependency_overrides[get_optional_service] = lambda: service
    keys = {
        "staff": create_key(store, "staff", Role.STAFF.value, None, "test")[1],
        "member": create_key(store, "member", Role.MEMBER.value, member_org, "test")[1],
        "investor": create_key(store, "investor", Role.INVESTOR.value, None, "test")[1],
    }
    return Api(TestClient(app, raise_server_exceptions=False), service, keys)
