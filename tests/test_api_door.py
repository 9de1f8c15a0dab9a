"""The service's door: bodies, hostile parameters, the connection after an error, security
headers, budgets per client and per key, start-up and health, the OpenAPI document."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from api.deps import get_optional_service
from api.main import create_app
from matcher.config import AppSettings
from matcher.errors import StoreError
from matcher.limits import ENCODE_BURST_CHARS, MAX_BODY_BYTES, MAX_FAILED_KEYS, MAX_TEXT_CHARS
from matcher.service import ClusterService
from tests.api_fixtures import MINI, Api, make_api


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path)


def chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", ["/v1/search", "/v1/organisations/import"])
def test_a_chunked_body_over_the_limit_is_413(api: Api, path: str) -> None:
    headers = {**api.as_role("staff"), "content-type": "application/json"}
    response = api.client.post(path, content=chunks(MAX_BODY_BYTES + 1), headers=headers)
    assert "content-length" not in response.request.headers  # sent chunked
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_chunked_body_under_the_limit_goes_through(api: Api) -> None:
    body = b'{"text": "solar modules", "k": 3}'
    headers = {**api.as_role("staff"), "content-type": "application/json"}
    response = api.client.post("/v1/search", content=iter([body[:10], body[10:]]), headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/audit?offset=9223372036854775808",
        "/v1/organisations?offset=9223372036854775808",
        "/v1/needs?offset=99999999999999999999",
        "/v1/organisations?limit=-1",
        "/v1/organisations/ru-housing/partners?k=18446744073709551616",
    ],
)
def test_huge_integers_are_422_not_500(api: Api, path: str) -> None:
    response = api.client.get(path, headers=api.as_role("staff"))
    assert response.status_code == 422, response.text


def test_a_deeply_nested_json_body_is_422(api: Api) -> None:
    body = '{"text": ' + "[" * 50_000 + "]" * 50_000 + "}"
    headers = {**api.as_role("staff"), "content-type": "application/json"}
    response = api.client.post("/v1/search", content=body, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"


def test_an_unhandled_error_never_leaves_the_application(api: Api) -> None:
    """Starlette's error middleware re-raises after its 500; the server then drops the
    kept-alive connection. The guard answers instead, and nothing escapes the app."""

    def broken() -> None:
        raise RuntimeError("a bug")

    app = api.client.app
    app.dependency_overrides[get_optional_service] = broken  # type: ignore[attr-defined]
    escaped: list[BaseException] = []

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            try:
                return await client.get("/v1/needs", headers=api.as_role("staff"))
            except BaseException as exc:
                escaped.append(exc)
                raise

    response = asyncio.run(call())
    assert not escaped and response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error" and "a bug" not in response.text


def test_the_connection_stays_open_after_an_error(api: Api) -> None:
    """A real server: the same kept-alive connection answers after a 500 and a 404."""
    import uvicorn

    app = api.client.app
    calls = {"n": 0}

    def flaky() -> ClusterService:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug")
        return api.service

    app.dependency_overrides[get_optional_service] = flaky  # type: ignore[attr-defined]
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    peers = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=api.as_role("staff")) as c:
        for path in ("/v1/needs", "/v1/needs/nope", "/v1/needs"):
            response = c.get(path)
            peers.append(response.extensions["network_stream"].get_extra_info("client_addr"))
            assert response.status_code in (500, 404, 200)
    server.should_exit = True
    thread.join(timeout=10)
    assert len(set(peers)) == 1  # one connection for the three requests


def test_security_headers(api: Api) -> None:
    health = api.client.get("/health")
    assert health.headers["x-content-type-options"] == "nosniff"
    for response in (
        api.client.get("/v1/needs", headers=api.as_role("staff")),
        api.client.get("/v1/needs"),
        api.client.get("/v1/nope", headers=api.as_role("staff")),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_client_that_guesses_keys_is_held_off(api: Api) -> None:
    for i in range(MAX_FAILED_KEYS):
        assert api.client.get("/v1/needs", headers={"X-API-Key": f"cm_x_{i}"}).status_code == 401
    refused = api.client.get("/v1/needs", headers={"X-API-Key": "cm_x_last"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert api.client.get("/v1/needs", headers=api.as_role("staff")).status_code == 429
    assert api.client.get("/v1/needs").status_code == 401  # no key is no attempt


def _long_text(n: int) -> dict[str, str]:
    """A text of nearly the longest size, new for every n (nothing cached)."""
    return {"text": f"{n}" + " solar" * (MAX_TEXT_CHARS // 6 - 1)}


def test_a_key_that_sends_too_much_text_waits_others_do_not(api: Api) -> None:
    investor = api.as_role("investor")
    statuses = [
        api.client.post("/v1/areas", json=_long_text(n), headers=investor).status_code
        for n in range(ENCODE_BURST_CHARS // MAX_TEXT_CHARS + 2)
    ]
    assert statuses[0] == 200 and statuses[-1] == 429
    refused = api.client.post("/v1/search", json=_long_text(-1), headers=investor)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    other = api.client.post("/v1/search", json=_long_text(-1), headers=api.as_role("staff"))
    assert other.status_code == 200


def test_a_text_already_encoded_costs_no_budget(api: Api) -> None:
    """A saved search run again or a page reloaded sends nothing to the encoder."""
    investor = api.as_role("investor")
    again = [
        api.client.post("/v1/search", json=_long_text(7), headers=investor).status_code
        for _ in range(3 * ENCODE_BURST_CHARS // MAX_TEXT_CHARS)
    ]
    assert set(again) == {200}
    new = [
        api.client.post("/v1/search", json=_long_text(n), headers=investor).status_code
        for n in range(100, 100 + ENCODE_BURST_CHARS // MAX_TEXT_CHARS + 2)
    ]
    assert new[-1] == 429


def _slow_app(tmp_path: Path, release: threading.Event, fail: bool = False) -> TestClient:
    settings = AppSettings.for_store(tmp_path / "store", MINI)

    def opener(_: AppSettings) -> ClusterService:
        release.wait(30)
        if fail:
            raise StoreError("the store at /x/store.sqlite is damaged: malformed")
        return make_api(tmp_path / "late").service

    return TestClient(create_app(settings, opener=opener))


def test_the_port_answers_while_the_service_opens(tmp_path: Path) -> None:
    release = threading.Event()
    with _slow_app(tmp_path, release) as client:
        starting = client.get("/health")
        assert starting.status_code == 503 and starting.json()["status"] == "starting"
        early = client.get("/v1/needs", headers={"X-API-Key": "cm_a_b"})
        assert early.status_code == 503 and "starting" in early.json()["error"]["message"]
        assert "Retry-After" in early.headers
        release.set()
        deadline = time.monotonic() + 20
        while client.get("/health").json()["status"] == "starting":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.get("/health").json()["status"] == "ok"


def test_a_service_that_cannot_open_says_why(tmp_path: Path) -> None:
    release = threading.Event()
    release.set()
    with _slow_app(tmp_path, release, fail=True) as client:
        deadline = time.monotonic() + 20
        while (health := client.get("/health").json())["status"] == "starting":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert health["status"] == "failed" and "damaged" in health["reasons"][0]
        answer = client.get("/v1/needs", headers={"X-API-Key": "cm_a_b"})
        assert answer.status_code == 503 and "damaged" in answer.json()["error"]["message"]


def test_the_openapi_document_is_valid_and_states_the_limits(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    validate(doc)  # raises on an invalid document
    params = {
        (path, p["name"]): p["schema"]
        for path, ops in doc["paths"].items()
        for op in ops.values()
        for p in op.get("parameters", [])
    }
    assert params[("/v1/audit", "limit")]["maximum"] == 200
    assert params[("/v1/audit", "offset")]["maximum"] >= 1
    csv = doc["paths"]["/v1/search"]["post"]["responses"]["200"]["content"]
    assert "text/csv" in csv and "application/json" in csv
    for path in ("/v1/consortia", "/v1/shortlists", "/v1/audit", "/v1/merges"):
        for op in doc["paths"][path].values():
            schema = op["responses"][next(s for s in op["responses"] if s.startswith("2"))]
            assert "$ref" in str(schema["content"]["application/json"]["schema"])
    assert {"APIKeyHeader", "HTTPBearer"} <= set(doc["components"]["securitySchemes"])


def test_docs_and_the_document_answer_without_a_key_as_the_readme_says(api: Api) -> None:
    for path in ("/health", "/docs", "/redoc", "/openapi.json"):
        assert api.client.get(path).status_code == 200
    assert api.client.get("/v1/organisations").status_code == 401
