"""Cross-process visibility: how long after one server process acknowledges a write another
process serving the same store answers with it.

Starts two real server processes (uvicorn, the default encoder, the mini cluster) on one
store and one index folder, for each database: PostgreSQL (the followers hear a NOTIFY)
and SQLite (the followers poll the change log every 200 ms). Then, `--writes` times, it
renames one organisation through one process (alternating which) and reads it through the
other, as fast as one client can, until the new name comes back; the lag is counted from
the write's acknowledgement. Prints the figures and writes
benchmarks/results/multiprocess.json.

    python benchmarks/multiprocess_bench.py [--writes 100]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

`--postgres` names a server; the benchmark creates a database of its own there and drops
it at the end (without it, PostgreSQL is left out). The client runs on the same two cores
as both servers.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from matcher.store import Role, Store, create_key, sqlite_url
from tests.test_faults import Server, org

RESULTS = Path(__file__).parent / "results" / "multiprocess.json"
GIVE_UP_SECONDS = 30.0


@contextmanager
def own_database(server_url: str) -> Iterator[str]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"matcher_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def measure(url: str, store_dir: Path, writes: int) -> dict[str, object]:
    with ExitStack() as stack:
        servers = [Server(store_dir, url), Server(store_dir, url)]
        for server in servers:
            stack.callback(_stop, server)
        for server in servers:
            server.wait()
        store = Store(url)
        headers = {"X-API-Key": create_key(store, "bench", Role.STAFF.value, None, "bench")[1]}
        store.engine.dispose()
        clients = [
            stack.enter_context(httpx.Client(base_url=s.base, headers=headers, timeout=60))
            for s in servers
        ]
        record = org("fi-bench", "Seasonal heat storage")
        assert clients[0].post("/v1/organisations", json=record).status_code == 201
        lags, write_times, reads = [], [], 0
        for i in range(writes):
            writer, reader = clients[i % 2], clients[1 - i % 2]
            name = f"Firm bench {i} Oy"
            started = time.perf_counter()
            answer = writer.put("/v1/organisations/fi-bench", json={**record, "name": name})
            acknowledged = time.perf_counter()
            assert answer.status_code == 200, answer.text
            write_times.append(acknowledged - started)
            while True:
                reads += 1
                got = reader.get("/v1/organisations/fi-bench")
                if got.status_code == 200 and got.json()["name"] == name:
                    break
                if time.perf_counter() - acknowledged > GIVE_UP_SECONDS:
                    raise RuntimeError(f"write {i} not visible after {GIVE_UP_SECONDS} s")
            lags.append(time.perf_counter() - acknowledged)
        return {
            "writes": writes,
            "lag_ms": _summary(lags),
            "write_ms": _summary(write_times),
            "reads_while_waiting": reads - writes,
        }


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50": round(statistics.median(ms), 1),
        "p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        "p99": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 1),
        "max": round(ms[-1], 1),
        "mean": round(statistics.fmean(ms), 1),
    }


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (SQLAlchemy form)")
    args = parser.parse_args()
    results: dict[str, object] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        results["sqlite_2_processes"] = measure(
            sqlite_url(folder / "store.sqlite"), folder, args.writes
        )
        if args.postgres:
            with own_database(args.postgres) as url:
                results["postgresql_2_processes"] = measure(url, Path(tmp) / "pg", args.writes)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
