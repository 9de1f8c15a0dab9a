"""The real server under uvicorn: write through the API, restart, find everything again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from matcher.store import Role, Store, create_key, sqlite_url
from tests.api_fixtures import MINI

NEW_ORG = {
    "id": "fi-twin",
    "name": "Verkko Twin Oy",
    "kind": "sme",
    "country": "FI",
    "city": "Espoo",
    "description": "Digital twin software for district heating networks.",
    "offers": ["Heat-loss analytics for district heating networks"],
    "seeks": ["District heating companies in Saint Petersburg"],
    "areas": ["it_cleantech"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(store_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "MATCHER_STORE_DIR": str(store_dir),
        "MATCHER_DATA_DIR": str(MINI),
        "HF_HUB_OFFLINE": "1",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = open(store_dir.parent / f"server-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # a clean shutdown runs the lifespan's save
        process.wait(timeout=60)
        log.close()


def wait_ready(base: str, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError("server did not become ready")


def snapshot(base: str, key: str) -> tuple[list[str], list[str], dict]:  # type: ignore[type-arg]
    headers = {"X-API-Key": key}
    partners = httpx.get(f"{base}/v1/organisations/ru-housing/partners?k=5", headers=headers).json()
    found = httpx.post(
        f"{base}/v1/search", json={"text": "district heating digital twin", "k": 5}, headers=headers
    ).json()
    org = httpx.get(f"{base}/v1/organisations/fi-twin", headers=headers).json()
    return [m["id"] for m in partners["matches"]], [m["id"] for m in found["matches"]], org


@pytest.mark.slow
def test_data_and_matches_survive_restarts_and_a_lost_index(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store = Store(sqlite_url(store_dir / "store.sqlite"))
    _, key = create_key(store, "test staff", Role.STAFF.value, None, "test")
    with server(store_dir) as base:
        response = httpx.post(f"{base}/v1/organisations", json=NEW_ORG, headers={"X-API-Key": key})
        assert response.status_code == 201, response.text
        first = snapshot(base, key)
    assert first[1][0] == "fi-twin"

    with server(store_dir) as base:
        health = httpx.get(f"{base}/health").json()
        assert health["organisations"] == 9
        assert health["index"] == "loaded, 0 change(s) replayed from the store"
        assert snapshot(base, key) == first

    shutil.rmtree(store_dir / "index")  # the store is the truth: the index comes back from it
    with server(store_dir) as base:
        assert httpx.get(f"{base}/health").json()["index"] == "rebuilt at start-up (no index yet)"
        assert snapshot(base, key) == first
