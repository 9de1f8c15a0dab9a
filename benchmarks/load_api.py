"""Load on the HTTP service: p50/p99 latency and throughput for partners, needs and search.

Starts the real server (uvicorn, one process) on a free local port over an existing store,
sends a bounded number of requests with a fixed concurrency, prints the figures and writes
benchmarks/results/load_api.json. Build the store first (`make build` or `matcher build`).
"search" repeats six theses (their vectors are cached after the first request: the
engine's own time); "search, new text" sends a text never seen before (encoding included).

    python benchmarks/load_api.py [--store var] [--requests 200] [--concurrency 1,4]

The clients run on the same two cores as the server, so at concurrency 4 requests also
queue behind the load generator itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from matcher.store import Role, Store, create_key, sqlite_url
from tests.test_server import free_port, wait_ready

RESULTS = Path(__file__).parent / "results" / "load_api.json"
THESES = [
    "solar module manufacturing and rooftop PV installation",
    "heat pumps for Soviet-era apartment blocks",
    "optical sorting of municipal solid waste",
    "электробусы и зарядная инфраструктура для автобусных парков",
    "biogas and biomethane from agricultural waste",
    "district heating digital twin and heat-loss analytics",
]


def run(client: httpx.Client, requests: int, concurrency: int, call) -> dict[str, float]:  # type: ignore[no-untyped-def]
    def timed(i: int) -> float:
        started = time.perf_counter()
        response = call(client, i)
        response.raise_for_status()
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(timed, range(requests)))
    wall = time.perf_counter() - started
    return {
        "requests": requests,
        "concurrency": concurrency,
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "throughput_rps": round(requests / wall, 1),
    }


def scenarios(
    client: httpx.Client, requests: int, concurrency: int, orgs: list[str], needs: list[str]
) -> dict[str, dict[str, float]]:
    def new_text(c: httpx.Client, i: int) -> httpx.Response:
        text = f"{THESES[i % len(THESES)]} {uuid.uuid4().hex[:8]}"  # never seen before
        return c.post("/v1/search", json={"text": text, "k": 10})

    return {
        "partners": run(
            client,
            requests,
            concurrency,
            lambda c, i: c.get(f"/v1/organisations/{orgs[i % len(orgs)]}/partners?k=10"),
        ),
        "need_matches": run(
            client,
            requests,
            concurrency,
            lambda c, i: c.get(f"/v1/needs/{needs[i % len(needs)]}/matches?k=10"),
        ),
        "search": run(
            client,
            requests,
            concurrency,
            lambda c, i: c.post("/v1/search", json={"text": THESES[i % len(THESES)], "k": 10}),
        ),
        "search_new_text": run(client, requests // 4, concurrency, new_text),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path("var"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", default="1,4", help="client counts, comma-separated")
    args = parser.parse_args()
    _, key = create_key(
        Store(sqlite_url(args.store / "store.sqlite")),
        "load test",
        Role.STAFF.value,
        None,
        "benchmark",
    )
    port = free_port()
    env = {**os.environ, "MATCHER_STORE_DIR": str(args.store), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
            orgs = [o["id"] for o in client.get("/v1/organisations?limit=200").json()["items"]]
            needs = [n["id"] for n in client.get("/v1/needs?limit=200").json()["items"]]
            for thesis in THESES:  # warm the embedding cache: repeated theses are cached
                client.post("/v1/search", json={"text": thesis, "k": 10}).raise_for_status()
            results = {"health": client.get("/health").json()}
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                results[f"concurrency_{concurrency}"] = scenarios(
                    client, args.requests, concurrency, orgs, needs
                )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
