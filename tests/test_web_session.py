"""The workbench's session cookie and CSRF rules, and the API left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from api.main import create_app
from api.web.session import COOKIE, SECRET_FILE, SessionCodec
from matcher.config import AppSettings, settings_from_env
from matcher.errors import ConfigError
from matcher.store import revoke_key
from tests.api_fixtures import Api, make_api
from tests.web_fixtures import csrf_of, sign_in, visitor


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path)


def _codec(api: Api) -> SessionCodec:
    codec: SessionCodec = api.client.app.state.session_codec  # type: ignore[attr-defined]
    return codec


def _replace_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, value)


def _payload(api: Api, client: TestClient) -> dict[str, object]:
    serializer: URLSafeTimedSerializer = _codec(api)._serializer
    data: dict[str, object] = serializer.loads(client.cookies[COOKIE])
    return data


def test_the_cookie_is_httponly_samesite_signed_and_holds_the_key_id_only(api: Api) -> None:
    client = visitor(api, None)
    token = csrf_of(client)
    key = api.keys["staff"]
    response = client.post("/signin", data={"csrf": token, "key": key}, follow_redirects=False)
    header = response.headers["set-cookie"]
    assert f"{COOKIE}=" in header and "HttpOnly" in header and "SameSite=lax" in header
    assert "Path=/" in header and "Max-Age=" in header
    secret = key.split("_", 2)[2]
    assert secret not in header and key not in header
    payload = _payload(api, client)
    assert payload["key"] == key.split("_")[1] and set(payload) == {"csrf", "key"}
    assert payload["csrf"] != token  # a new token with every sign-in


def test_a_tampered_or_foreign_cookie_signs_out(api: Api) -> None:
    client = visitor(api, "staff")
    assert client.get("/audit", follow_redirects=False).status_code == 200
    good = client.cookies[COOKIE]
    _replace_cookie(client, good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"))
    assert client.get("/audit", follow_redirects=False).status_code == 303
    other = URLSafeTimedSerializer("another server's secret", salt="workbench-session")
    key_id = api.keys["staff"].split("_")[1]
    _replace_cookie(client, other.dumps({"csrf": "x", "key": key_id}))
    assert client.get("/audit", follow_redirects=False).status_code == 303
    _replace_cookie(client, good)
    assert client.get("/audit", follow_redirects=False).status_code == 200  # the real one works


def test_an_expired_session_signs_out(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import itsdangerous.timed

    client = visitor(api, "staff")
    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + 13 * 3600)
    assert client.get("/audit", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions(api: Api) -> None:
    client = visitor(api, "member")
    assert client.get("/organisations/ru-housing", follow_redirects=False).status_code == 200
    revoke_key(api.service.store, api.keys["member"].split("_")[1], "test")
    response = client.get("/organisations/ru-housing", follow_redirects=False)
    assert (
        response.status_code == 303
        and "next=/organisations/ru-housing" in response.headers["location"]
    )
    token = csrf_of(client)
    again = client.post("/signin", data={"csrf": token, "key": api.keys["member"]})
    assert again.status_code == 401 and "unknown or revoked" in again.text


def test_sign_out_ends_the_session(api: Api) -> None:
    client = visitor(api, "staff")
    response = client.post("/signout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/audit", follow_redirects=False).status_code == 303
    assert _payload(api, client)["key"] is None


def test_every_form_needs_the_sessions_csrf_token(api: Api) -> None:
    member = visitor(api, "member")
    form = {"candidate_id": "fi-heat", "verdict": "reject"}
    path = "/organisations/ru-housing/feedback"
    assert member.post(path, data=form).status_code == 403
    assert member.post(path, data={**form, "csrf": "guess"}).status_code == 403
    stranger = visitor(api, "staff")
    assert member.post(path, data={**form, "csrf": csrf_of(stranger)}).status_code == 403
    assert api.service.store.rejected_for("ru-housing") == frozenset()
    cross_site = {"Origin": "https://evil.example"}
    refused = member.post(path, data={**form, "csrf": csrf_of(member)}, headers=cross_site)
    assert refused.status_code == 403
    accepted = member.post(path, data={**form, "csrf": csrf_of(member)}, follow_redirects=False)
    assert accepted.status_code == 303
    assert api.service.store.rejected_for("ru-housing") == {"fi-heat"}
    assert member.post("/signout", data={}).status_code == 403  # sign-out too


def test_sign_in_needs_the_token_and_a_valid_key(api: Api) -> None:
    client = visitor(api, None)
    anonymous = csrf_of(client)
    no_token = client.post("/signin", data={"key": api.keys["staff"]}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = client.post("/signin", data={"csrf": anonymous, "key": "cm_dead_beef"})
    assert wrong.status_code == 401 and 'id="signin-error"' in wrong.text
    sign_in(client, api.keys["staff"])
    stale = client.post(
        "/organisations/ru-housing/feedback",
        data={"csrf": anonymous, "candidate_id": "fi-heat", "verdict": "reject"},
    )
    assert stale.status_code == 403  # the token from before signing in is worth nothing


def test_sign_in_returns_to_the_page_asked_for_and_never_to_another_site(api: Api) -> None:
    client = visitor(api, None)
    asked = client.get("/needs/n-meters", follow_redirects=False).headers["location"]
    assert asked == "/?next=/needs/n-meters"
    for target, landing in (("/needs/n-meters", "/needs/n-meters"), ("//evil.example", "/")):
        form = {"csrf": csrf_of(client), "key": api.keys["staff"], "next": target}
        response = client.post("/signin", data=form, follow_redirects=False)
        assert response.headers["location"] == landing


def test_the_api_is_unchanged_and_ignores_the_session_cookie(api: Api) -> None:
    client = visitor(api, "staff")
    refused = client.get("/v1/organisations")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/v1/nope").json()["error"]["code"] == "not_found"
    assert not any(
        path.startswith("/search") for path in client.get("/openapi.json").json()["paths"]
    )


def test_pages_send_safe_headers(api: Api) -> None:
    page = visitor(api, None).get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert '<script src="/static/workbench.js"' in page.text and "<script>" not in page.text
    assert visitor(api, None).get("/static/workbench.css").status_code == 200


def test_the_secret_is_kept_in_the_store_folder_for_the_owner_only(tmp_path: Path) -> None:
    api = make_api(tmp_path)
    client = visitor(api, "staff")
    secret = api.service.store.url.removeprefix("sqlite:///")
    path = Path(secret).parent / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(path.read_text()) >= 32
    settings = AppSettings.for_store(Path(secret).parent)
    again = TestClient(create_app(settings, open_on_start=False))
    again.app.dependency_overrides = dict(api.client.app.dependency_overrides)  # type: ignore[attr-defined]
    again.cookies.set(COOKIE, client.cookies[COOKIE])
    assert again.get("/audit", follow_redirects=False).status_code == 200  # a restart keeps it


def test_the_secret_setting(tmp_path: Path) -> None:
    env = {"MATCHER_STORE_DIR": str(tmp_path), "MATCHER_SESSION_SECRET": "s" * 40}
    assert settings_from_env(env).session_secret == "s" * 40
    assert settings_from_env({"MATCHER_STORE_DIR": str(tmp_path)}).session_secret is None
    with pytest.raises(ConfigError, match="MATCHER_SESSION_SECRET"):
        settings_from_env({**env, "MATCHER_SESSION_SECRET": "short"})
