"""Load on the HTTP service: latency and errors for reads, for reads and writes from 8
clients, and for searches while a long import (or a key sending long texts) keeps the
encoder busy.

Starts the real server (uvicorn, one process) on a free local port over a copy of an
existing store (writes change the copy, never the store), sends a bounded number of
requests, prints the figures and writes benchmarks/results/load_api.json. Build the store
first (`make build` or `matcher build`).

    python benchmarks/load_api.py [--store var] [--requests 200] [--concurrency 1,4]
        [--mixed 400] [--import-orgs 60]

- "search" repeats six theses (their vectors are cached after the first request: the
  engine's own time); "search, new text" sends a text never seen before (encoding included).
- "mixed_8_clients": 8 clients, 70% reads (search, new-text search, partners, need matches,
  a record) and 30% writes (a new organisation, its replacement, a verdict with an
  idempotency key, its deletion).
- "search_during_import": two clients search (cached theses, and a new short text every
  0.2 s each, as a person would type them) while a third imports organisations with long
  texts; the import's own duration is reported too.
Latencies are those of answered requests; refused ones (429 past a key's budget, 4xx, 5xx)
are counted under "errors".
- "search_during_long_texts": two clients search while one investor key sends 5,000-character
  texts to /v1/areas from four threads (its budget refuses part of them with 429).

The clients run on the same two cores as the server, so requests also queue behind the load
generator itself; other engineers' jobs shared the machine when the figures were taken.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
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
WORDS = (
    "district heating network retrofit heat pump apartment block insulation facade solar "
    "module inverter battery storage waste sorting recycling plastic cardboard biogas "
    "digester municipal utility metering sensor analytics platform tender procurement "
    "energy efficiency street lighting electric bus charging depot grid substation"
).split()
Call = Callable[[httpx.Client, int], httpx.Response]


def figures(latencies: list[float], errors: Counter[str], wall: float) -> dict[str, object]:
    ordered = sorted(latencies)
    if not ordered:
        return {"requests": 0, "errors": dict(errors)}
    return {
        "requests": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "max_ms": round(1000 * ordered[-1], 1),
        "throughput_rps": round(len(ordered) / wall, 1) if wall else None,
        "errors": dict(errors),
    }


def timed(client: httpx.Client, call: Call, i: int, errors: Counter[str]) -> float | None:
    started = time.perf_counter()
    try:
        response = call(client, i)
    except httpx.HTTPError as exc:
        errors[type(exc).__name__] += 1
        return None
    if response.status_code >= 400:  # counted, but not a served request's latency
        errors[str(response.status_code)] += 1
        return None
    return time.perf_counter() - started


def run(client: httpx.Client, requests: int, concurrency: int, call: Call) -> dict[str, object]:
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        found = list(pool.map(lambda i: timed(client, call, i, errors), range(requests)))
    wall = time.perf_counter() - started
    return {
        **figures([f for f in found if f is not None], errors, wall),
        "concurrency": concurrency,
    }


def new_text(c: httpx.Client, i: int) -> httpx.Response:
    text = f"{THESES[i % len(THESES)]} {uuid.uuid4().hex[:8]}"  # never seen before
    return c.post("/v1/search", json={"text": text, "k": 10})


def cached_search(c: httpx.Client, i: int) -> httpx.Response:
    return c.post("/v1/search", json={"text": THESES[i % len(THESES)], "k": 10})


def reads(
    client: httpx.Client, requests: int, concurrency: int, orgs: list[str], needs: list[str]
) -> dict[str, dict[str, object]]:
    def partners(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(f"/v1/organisations/{orgs[i % len(orgs)]}/partners?k=10")

    def need_matches(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(f"/v1/needs/{needs[i % len(needs)]}/matches?k=10")

    return {
        "partners": run(client, requests, concurrency, partners),
        "need_matches": run(client, requests, concurrency, need_matches),
        "search": run(client, requests, concurrency, cached_search),
        "search_new_text": run(client, requests // 4, concurrency, new_text),
    }


# --- 8 clients, reads and writes ------------------------------------------------------
def mixed(
    client: httpx.Client, requests: int, orgs: list[str], needs: list[str]
) -> dict[str, object]:
    kinds = ["search"] * 25 + ["search_new"] * 10 + ["partners"] * 15 + ["need"] * 10
    kinds += ["get"] * 10 + ["create"] * 10 + ["replace"] * 8 + ["verdict"] * 7 + ["delete"] * 5
    latencies: dict[str, list[float]] = {k: [] for k in set(kinds)}
    errors: dict[str, Counter[str]] = {k: Counter() for k in set(kinds)}
    created: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        kind = random.Random(i).choice(kinds)
        ident = f"fi-load-{i}"
        calls: dict[str, Call] = {
            "search": lambda c, i: c.post("/v1/search", json={"text": THESES[i % 6], "k": 10}),
            "search_new": new_text,
            "partners": lambda c, i: c.get(
                f"/v1/organisations/{orgs[i % len(orgs)]}/partners?k=10"
            ),
            "need": lambda c, i: c.get(f"/v1/needs/{needs[i % len(needs)]}/matches?k=10"),
            "get": lambda c, i: c.get(f"/v1/organisations/{orgs[i % len(orgs)]}"),
            "create": lambda c, i: c.post("/v1/organisations", json=_org(ident, i)),
            "replace": lambda c, i: _replace(c, created, lock, i),
            "verdict": lambda c, i: c.post(
                "/v1/feedback",
                json={
                    "org_id": orgs[i % len(orgs)],
                    "candidate_id": orgs[(i + 1) % len(orgs)],
                    "verdict": "accept",
                },
                headers={"Idempotency-Key": f"verdict-{i}"},
            ),
            "delete": lambda c, i: _delete(c, created, lock),
        }
        took = timed(client, calls[kind], i, errors[kind])
        if took is not None:
            latencies[kind].append(took)
            if kind == "create":
                with lock:
                    created.append(ident)

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    everything = [t for ts in latencies.values() for t in ts]
    total_errors = sum((e for e in errors.values()), Counter())
    return {
        "clients": 8,
        "all": figures(everything, total_errors, wall),
        "reads": figures(
            [t for k in ("search", "search_new", "partners", "need", "get") for t in latencies[k]],
            Counter(), wall,
        ),
        "writes": figures(
            [t for k in ("create", "replace", "verdict", "delete") for t in latencies[k]],
            Counter(), wall,
        ),
        "by_kind": {k: figures(latencies[k], errors[k], wall) for k in sorted(latencies)},
    }  # fmt: skip


def _org(ident: str, i: int) -> dict[str, object]:
    words = " ".join(random.Random(i).choice(WORDS) for _ in range(25))
    return {"id": ident, "name": f"Kuormitus {i} Oy", "kind": "sme", "country": "FI",
            "description": f"Load test organisation: {words}.", "offers": [words[:80]],
            "areas": ["energy_efficiency"]}  # fmt: skip


def _replace(c: httpx.Client, created: list[str], lock: threading.Lock, i: int) -> httpx.Response:
    with lock:
        ident = created[i % len(created)] if created else None
    if ident is None:
        return c.get("/health")
    return c.put(f"/v1/organisations/{ident}", json=_org(ident, i + 1))


def _delete(c: httpx.Client, created: list[str], lock: threading.Lock) -> httpx.Response:
    with lock:
        ident = created.pop() if created else None
    if ident is None:
        return c.get("/health")
    return c.delete(f"/v1/organisations/{ident}")


# --- searches while the encoder is busy --------------------------------------------------
def long_text(rng: random.Random, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ". "
    return text[:chars].strip()


def import_file(orgs: int) -> str:
    rng = random.Random(11)
    rows = []
    for i in range(orgs):
        evidence = json.dumps([{"title": f"Project {i}", "text": long_text(rng, 4_500)}])
        description = long_text(rng, 4_500)
        rows.append(
            {"id": f"fi-long-{i}", "name": f"Pitkä {i} Oy", "kind": "sme", "country": "FI",
             "description": description, "evidence": evidence}
        )  # fmt: skip
    return json.dumps(rows, ensure_ascii=False)


# A searching client sends a new text at most this often (a person typing theses, within
# the key's encoder budget of 1,000 characters a second); cached theses in between.
NEW_TEXT_EVERY_SECONDS = 0.2


def searches_meanwhile(client: httpx.Client, busy: Callable[[], None]) -> dict[str, object]:
    """Two clients search (cached theses, and a new short text every 0.2 s) until `busy`
    returns."""
    latencies: dict[str, list[float]] = {"cached": [], "new_text": []}
    errors: dict[str, Counter[str]] = {k: Counter() for k in latencies}
    done = threading.Event()

    def searcher(n: int) -> None:
        i, last_new = 0, 0.0
        while not done.is_set():
            kind = "cached"
            if time.monotonic() - last_new >= NEW_TEXT_EVERY_SECONDS:
                kind, last_new = "new_text", time.monotonic()
            call = new_text if kind == "new_text" else cached_search
            took = timed(client, call, i + 1000 * n, errors[kind])
            if took is not None:
                latencies[kind].append(took)
            i += 1

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    busy()
    took = time.perf_counter() - started
    done.set()
    for t in threads:
        t.join()
    return {
        "busy_seconds": round(took, 1),
        **{f"search_{k}": figures(latencies[k], errors[k], took) for k in latencies},
    }


def during_import(client: httpx.Client, orgs: int) -> dict[str, object]:
    body = import_file(orgs)
    outcome: dict[str, object] = {}

    def importing() -> None:
        response = client.post(
            "/v1/organisations/import",
            files={"file": ("organisations.json", body, "application/json")},
            timeout=1800,
        )
        outcome.update(status=response.status_code, created=response.json().get("created"))

    result = searches_meanwhile(client, importing)
    return {**result, "import": {"organisations": orgs, "characters": len(body), **outcome}}


def during_long_texts(client: httpx.Client, investor: str, seconds: float) -> dict[str, object]:
    statuses: Counter[str] = Counter()
    rng = random.Random(5)
    texts = [long_text(rng, 4_990) for _ in range(8)]  # and a suffix: 4,997 of 5,000

    def sender() -> None:
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            r = client.post("/v1/areas", json={"text": texts[i % 8] + f" {uuid.uuid4().hex[:6]}"},
                            headers={"X-API-Key": investor}, timeout=600)  # fmt: skip
            statuses[str(r.status_code)] += 1
            i += 1

    def busy() -> None:
        threads = [threading.Thread(target=sender) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    return {**searches_meanwhile(client, busy), "areas_statuses": dict(statuses)}


# --- the server ----------------------------------------------------------------------------
def copied(store: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="load-api-"))
    for name in ("store.sqlite", "embeddings.sqlite"):
        shutil.copy2(store / name, folder / name)
    if (store / "index").is_dir():
        shutil.copytree(store / "index", folder / "index")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path("var"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", default="1,4", help="client counts, comma-separated")
    parser.add_argument("--mixed", type=int, default=400, help="requests of the 8-client mix")
    parser.add_argument("--import-orgs", type=int, default=30)
    args = parser.parse_args()
    folder = copied(args.store)
    store = Store(sqlite_url(folder / "store.sqlite"))
    _, key = create_key(store, "load test", Role.STAFF.value, None, "benchmark")
    _, investor = create_key(store, "load test investor", Role.INVESTOR.value, None, "benchmark")
    store.engine.dispose()
    port = free_port()
    env = {**os.environ, "MATCHER_STORE_DIR": str(folder), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--port",
               str(port), "--log-level", "warning", "--no-server-header"]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
            orgs = [o["id"] for o in client.get("/v1/organisations?limit=200").json()["items"]]
            needs = [n["id"] for n in client.get("/v1/needs?limit=200").json()["items"]]
            for thesis in THESES:  # warm the embedding cache: repeated theses are cached
                client.post("/v1/search", json={"text": thesis, "k": 10}).raise_for_status()
            results: dict[str, object] = {"health": client.get("/health").json()}
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                results[f"concurrency_{concurrency}"] = reads(
                    client, args.requests, concurrency, orgs, needs
                )
            results["mixed_8_clients"] = mixed(client, args.mixed, orgs, needs)
            results["search_during_import"] = during_import(client, args.import_orgs)
            results["search_during_long_texts"] = during_long_texts(client, investor, 30.0)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
