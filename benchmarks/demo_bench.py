"""Query latency on the demo cluster with the real encoder, in process (no HTTP).

Opens the service on a built store (`make build` or `matcher build`), warms it up, then
times every organisation's partner query, every need's matches and a set of theses in four
languages (their vectors come from the embedding cache after the first call, so the figure
is the engine's own time; "search, new text" includes encoding a text never seen before,
and a new Finnish text its English gloss as well),
one query at a time on one thread. Prints the figures and writes
benchmarks/results/demo_latency.json.

    python benchmarks/demo_bench.py [--store var] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from embeddings.language import detect_language
from matcher.config import AppSettings, single_threaded_queries
from matcher.filters import Filters
from matcher.service import ClusterService
from matcher.store import Store

RESULTS = Path(__file__).parent / "results" / "demo_latency.json"
THESES = [
    "solar module manufacturing and rooftop PV installation",
    "heat pumps for Soviet-era apartment blocks",
    "optical sorting of municipal solid waste",
    "электробусы и зарядная инфраструктура для автобусных парков",
    "производство светодиодных уличных светильников в Санкт-Петербурге",
    "Lämpöpumput ja kaukolämpö kerrostaloihin",
    "Solceller og batterilager for borettslag i Oslo",
    "district heating digital twin and heat-loss analytics",
]
# new Finnish texts are glossed into English (matcher.gloss): two texts to encode, not one
FINNISH_THESES = [
    "Ilmanlaatuanturit ja kaupunkien mittausverkot",
    "Jätteen kierrätys ja lajittelu Uudellamaalla",
    "Aurinkosähköjärjestelmien asentajat taloyhtiöille",
    "Sähköbussien latausasemat varikoille",
]


def timed(calls: list[Callable[[], object]]) -> dict[str, float]:
    """Wall-clock p50/p99/mean, and the p50 of the thread's CPU time (the engine's own work,
    whatever else the shared machine runs meanwhile)."""
    latencies, cpu = [], []
    for call in calls:
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        latencies.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.thread_time() - started_cpu))
    latencies.sort()
    return {
        "queries": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path("var"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    single_threaded_queries()
    settings = AppSettings.for_store(args.store)
    started = time.perf_counter()
    service = ClusterService.open(
        settings.engine, Store(settings.database_url), None, detect_language=detect_language
    )
    opened = time.perf_counter() - started
    snapshot = service.engine.snapshot()
    orgs, needs, none = sorted(snapshot.organisations), sorted(snapshot.needs), Filters()
    for text in THESES:  # warm: the theses' and needs' vectors land in the embedding cache
        service.search(text, 10, none)
    for need in needs:
        service.need_matches(need, 10, none, False)
    service.partners(orgs[0], 10, none)
    results = {
        "machine": platform.machine(),
        "store": str(args.store),
        "info": service.info().__dict__,
        "open_seconds": round(opened, 2),
        "partners": timed([lambda o=o: service.partners(o, 10, none) for o in orgs * args.repeat]),
        "need_matches": timed(
            [lambda n=n: service.need_matches(n, 10, none, False) for n in needs * args.repeat]
        ),
        "search": timed(
            [lambda t=t: service.search(t, 10, none) for t in THESES * 10 * args.repeat]
        ),
        "search_filtered": timed(
            [
                lambda t=t: service.search(t, 10, Filters(kinds=("sme", "company")))
                for t in THESES * 10 * args.repeat
            ]
        ),
        "search_new_text": timed(
            [lambda t=t: service.search(f"{t} {uuid.uuid4().hex[:6]}", 10, none) for t in THESES]
        ),
        "search_new_finnish_text": timed(
            [
                lambda t=t: service.search(f"{t} {uuid.uuid4().hex[:6]}", 10, none)
                for t in FINNISH_THESES * 5
            ]
        ),
    }
    results["load_average"] = round(os.getloadavg()[0], 1)  # other jobs meanwhile
    print(json.dumps(results, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
