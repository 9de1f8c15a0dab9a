"""Encoding throughput of the default encoder: one process or every core, whole long texts
or passages, and the demo's short texts.

Takes a sample of real CORDIS project texts (title and objective, ~300 words each) and the
demo cluster's chunk texts, encodes them with no cache, and reports texts (and words) per
second for: one process; one worker process per core (embeddings.parallel); and the same
project texts split into passages as the index splits evidence, and into 120-word ones.
Prints the figures and writes benchmarks/results/encode_bench.json.

    python benchmarks/encode_bench.py [--cordis ../shared/data/cordis-cleantech] [--texts 96]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from embeddings import Encoder
from embeddings.factory import create_encoder
from matcher.chunking import PASSAGE_WORDS, chunks_of, passages
from matcher.sources import load_cluster
from matcher.taxonomy import DATASETS_DIR, load_taxonomy

RESULTS = Path(__file__).parent / "results" / "encode_bench.json"
SHORT_PASSAGE_WORDS = 120  # the shorter passages measured (and not taken) for CORDIS


def project_texts(folder: Path, count: int) -> list[str]:
    with (folder / "projects.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['title']}. {r['objective']}" for r in rows[:count]]


def demo_texts() -> list[str]:
    cluster = load_cluster(DATASETS_DIR / "demo", load_taxonomy()).cluster
    return [c.text for o in cluster.organisations.values() for c in chunks_of(o)]


def rate(encoder: Encoder, texts: Sequence[str]) -> dict[str, float]:
    started = time.perf_counter()
    encoder.encode(list(texts), "passage")
    seconds = time.perf_counter() - started
    words = sum(len(t.split()) for t in texts)
    return {
        "texts": len(texts),
        "seconds": round(seconds, 1),
        "texts_per_s": round(len(texts) / seconds, 2),
        "words_per_s": round(words / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cordis", type=Path, default=Path("../shared/data/cordis-cleantech"))
    parser.add_argument("--texts", type=int, default=64)
    args = parser.parse_args()
    long = project_texts(args.cordis, args.texts)
    split = [p for text in long for p in passages(text)]
    short_passages = [p for text in long for p in passages(text, SHORT_PASSAGE_WORDS)]
    short = demo_texts()
    one = create_encoder(workers=1)
    every_core = create_encoder(workers=None)
    results = {
        "cpus": os.cpu_count(),
        "passage_words": PASSAGE_WORDS,
        "long_one_process": rate(one, long),
        "long_every_core": rate(every_core, long),
        "passages_every_core": rate(every_core, split),
        "passages_120_words_every_core": rate(every_core, short_passages),
        "demo_one_process": rate(one, short),
        "demo_every_core": rate(every_core, short),
    }
    print(json.dumps(results, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
