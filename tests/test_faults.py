"""Faults against a real server process (uvicorn, the default encoder, the mini cluster):
kill -9 in the middle of an import and of a burst of writes, then a restart; damaged cache,
index and store files. Every test ends with the store, the index and the audit log in
agreement, and every write the server acknowledged is in the store.

Marked `fault` (not in the default run): `make fault`, which CI runs after the tests.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from matcher import load_taxonomy
from matcher.store import Role, Store, create_key, schema, sqlite_url
from tests.api_fixtures import MINI
from tests.test_server import free_port

pytestmark = pytest.mark.fault
TAXONOMY = load_taxonomy()


class Server:
    def __init__(self, store_dir: Path, database_url: str | None = None) -> None:
        """`database_url`: the store's database (default: the SQLite file in `store_dir`)."""
        self.store_dir = store_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "MATCHER_STORE_DIR": str(store_dir),
            "MATCHER_DATA_DIR": str(MINI),
            "MATCHER_SAVE_INTERVAL": "1",
            "HF_HUB_OFFLINE": "1",
        }
        if database_url is not None:
            env["MATCHER_DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
                   "--no-server-header", "--port", str(self.port)]  # fmt: skip
        self.log = open(store_dir.parent / f"server-{self.port}.log", "w")  # noqa: SIM115
        # a session of its own: kill -9 takes the encoder's worker processes with it
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def health(self) -> dict:  # type: ignore[type-arg]
        return httpx.get(f"{self.base}/health", timeout=5).json()  # type: ignore[no-any-return]

    def wait(self, until: tuple[str, ...] = ("ok", "degraded", "failed")) -> dict:  # type: ignore[type-arg]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited with {self.process.returncode}"
            try:
                health = self.health()
                if health["status"] in until:
                    return health
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not become ready")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # a clean shutdown closes the workers too
        self.process.wait(timeout=120)
        self.log.close()


@contextmanager
def running(store_dir: Path) -> Iterator[Server]:
    server = Server(store_dir)
    try:
        server.wait()
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    with running(folder):  # seed the store and build the index once
        pass
    return folder


def staff_key(store_dir: Path) -> dict[str, str]:
    store = Store(sqlite_url(store_dir / "store.sqlite"))
    token = create_key(store, "faults", Role.STAFF.value, None, "test")[1]
    store.engine.dispose()
    return {"X-API-Key": token}


def org(ident: str, words: str) -> dict[str, object]:
    return {
        "id": ident,
        "name": f"Firm {ident} Oy",
        "kind": "sme",
        "country": "FI",
        "description": f"{words} for district heating networks and apartment blocks.",
        "offers": [f"{words} service number {ident}"],
        "areas": ["energy_efficiency"],
    }


def write_burst(
    base: str,
    headers: dict[str, str],
    prefix: str,
    acknowledged: list[str],
    stop: threading.Event,
    search_every: int = 0,
) -> None:
    """One client's writes until `stop` or the server goes away: creates (each acknowledged
    id noted), a replacement of every third, and a search every `search_every` (0: none)."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for i in range(10_000):
            if stop.is_set():
                return
            ident = f"{prefix}-{i}"
            try:
                response = client.post("/v1/organisations", json=org(ident, f"Burst {ident}"))
                if response.status_code == 201:
                    acknowledged.append(ident)
                if i % 3 == 0:
                    client.put(f"/v1/organisations/{ident}", json=org(ident, f"Again {ident}"))
                if search_every and i % search_every == 0:
                    client.post("/v1/search", json={"text": f"burst {ident}", "k": 5})
            except httpx.HTTPError:
                return


def check_agreement(server: Server, headers: dict[str, str]) -> set[str]:
    """Store = index = audit: the same organisations in the store and in the service, the
    index at the store's last change, every change audited in its own transaction and every
    record audited as it now is. Returns the organisation ids."""
    store = Store(sqlite_url(server.store_dir / "store.sqlite"))
    with store.engine.connect() as conn:
        stored = set(conn.scalars(select(schema.organisations.c.id)))
        changes = conn.scalar(
            select(func.count())
            .select_from(schema.changes)
            .where(schema.changes.c.entity == "organisations")
        )
        audited = conn.scalar(
            select(func.count())
            .select_from(schema.audit_log)
            .where(schema.audit_log.c.entity == "organisations")
        )
    served: set[str] = set()
    offset = 0
    while True:
        page = httpx.get(f"{server.base}/v1/organisations", params={"limit": 200, "offset": offset},
                         headers=headers, timeout=30).json()  # fmt: skip
        served |= {o["id"] for o in page["items"]}
        offset += 200
        if offset >= page["total"]:
            break
    health = server.health()
    assert health["status"] == "ok", health
    assert stored == served and health["organisations"] == len(stored)
    assert health["changes"] == store.last_seq()  # the index holds every committed change
    assert changes == audited  # each change has its audit row (same transaction)
    latest = {}
    for row in reversed(store.audit_rows(limit=100_000)):
        if row["entity"] == "organisations":
            latest[row["entity_id"]] = row["after"]
    for ident in stored:
        assert latest[ident] == store.org_record(ident), ident
    store.engine.dispose()
    return stored


def test_kill_during_an_import_leaves_all_of_it_or_none(store_dir: Path) -> None:
    headers = staff_key(store_dir)
    rng = random.Random(7)
    for round_no, delay in enumerate((0.3, 1.5, 4.0)):
        ids = [f"fi-imp{round_no}-{i}" for i in range(50)]
        csv = "id,name,kind,country,description,offers\n" + "".join(
            f"{i},Firm {i} Oy,sme,FI,Heat pumps and digital twins {rng.random():.6f},Retrofit {i}\n"
            for i in ids
        )
        server = Server(store_dir)
        server.wait()
        thread = threading.Thread(
            target=_quietly,
            args=(httpx.post, f"{server.base}/v1/organisations/import"),
            kwargs={
                "files": {"file": ("organisations.csv", csv, "text/csv")},
                "headers": headers,
                "timeout": 300,
            },
        )
        thread.start()
        time.sleep(delay)
        server.kill()
        thread.join()
        with running(store_dir) as again:
            present = check_agreement(again, headers) & set(ids)
            assert present in (set(), set(ids)), f"round {round_no}: {len(present)} of 50"


def test_kill_during_a_burst_of_writes_loses_no_acknowledged_write(store_dir: Path) -> None:
    headers = staff_key(store_dir)
    server = Server(store_dir)
    server.wait()
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=write_burst,
            args=(server.base, headers, f"fi-w{n}", acknowledged, stop, 5),
        )
        for n in range(8)
    ]
    for t in threads:
        t.start()
    time.sleep(6)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    assert acknowledged, "no write was acknowledged before the kill"
    with running(store_dir) as again:
        stored = check_agreement(again, headers)
        assert set(acknowledged) <= stored


def test_a_damaged_cache_is_moved_aside_and_answers_stay_right(store_dir: Path) -> None:
    headers = staff_key(store_dir)
    query = {"text": "solar modules", "k": 5}
    with running(store_dir) as server:
        before = httpx.post(f"{server.base}/v1/search", json=query, headers=headers).json()
    (store_dir / "embeddings.sqlite").write_bytes(os.urandom(64 * 1024))
    for extra in ("embeddings.sqlite-wal", "embeddings.sqlite-shm"):
        (store_dir / extra).unlink(missing_ok=True)
    with running(store_dir) as server:
        health = server.health()
        assert health["status"] == "ok" and "moved to" in health["notes"][0]
        assert "server" not in httpx.get(f"{server.base}/health").headers  # no banner
        after = httpx.post(f"{server.base}/v1/search", json=query, headers=headers).json()
        assert [m["id"] for m in after["matches"]] == [m["id"] for m in before["matches"]]
        created = httpx.post(
            f"{server.base}/v1/organisations", json=org("fi-c", "Cache"), headers=headers
        )
        assert created.status_code == 201
        check_agreement(server, headers)


def test_a_damaged_index_is_rebuilt_from_the_store(store_dir: Path) -> None:
    headers = staff_key(store_dir)
    query = {"text": "heat pumps for apartment blocks", "k": 5}
    with running(store_dir) as server:
        before = httpx.post(f"{server.base}/v1/search", json=query, headers=headers).json()
    backend = next(p for p in (store_dir / "index").rglob("backend/*") if p.is_file())
    backend.write_bytes(backend.read_bytes()[: max(1, backend.stat().st_size // 3)])
    with running(store_dir) as server:
        assert server.health()["index"].startswith("rebuilt at start-up (unusable")
        after = httpx.post(f"{server.base}/v1/search", json=query, headers=headers).json()
        assert [m["id"] for m in after["matches"]] == [m["id"] for m in before["matches"]]
        check_agreement(server, headers)


def test_a_damaged_store_is_one_line_and_exit_2_or_a_failed_health(store_dir: Path) -> None:
    path = store_dir / "store.sqlite"
    for extra in ("store.sqlite-wal", "store.sqlite-shm"):
        (store_dir / extra).unlink(missing_ok=True)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    command = [str(Path(sys.executable).parent / "matcher"), "serve", "--store", str(store_dir),
               "--data", str(MINI), "--port", str(free_port())]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    err = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(err) == 1 and err[0].startswith("error: the store at ") and str(path) in err[0]
    server = Server(store_dir)
    try:
        health = server.wait(("failed",))
        assert "store" in health["reasons"][0] and "\n" not in health["reasons"][0]
        answer = httpx.get(f"{server.base}/v1/needs", headers={"X-API-Key": "cm_a_b"})
        assert answer.status_code == 503 and "store" in answer.json()["error"]["message"]
    finally:
        server.stop()


def _quietly(call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(httpx.HTTPError):
        call(*args, **kwargs)
