"""Signed-in test clients for the workbench pages: one cookie jar per visitor."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api_fixtures import Api

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> None:
    token = csrf_of(client)
    response = client.post("/signin", data={"csrf": token, "key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text


def visitor(api: Api, role: str | None) -> TestClient:
    """A fresh client, signed in with the role's key (None: nobody signed in)."""
    client = TestClient(api.client.app, raise_server_exceptions=False)
    if role is not None:
        sign_in(client, api.keys[role])
    return client
