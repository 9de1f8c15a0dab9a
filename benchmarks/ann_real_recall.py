"""Recall of the approximate backends on real embeddings: CORDIS project texts and the demo.

Synthetic vectors can flatter (or wrong) an approximate index, so this builds HNSW and
IVF-PQ over the real chunk vectors the engine holds (the CORDIS cluster's project texts;
the demo's descriptions, offers, seeks and evidence) and asks them the real queries (the
CORDIS project texts as queries; the demo's needs and a few theses), measuring recall@10
and recall@100 against the exact backend. Encodings come from the embedding caches
(`matcher eval cordis` and `matcher build` fill them). Writes
benchmarks/results/ann_real_recall.json.

    python benchmarks/ann_real_recall.py [--cordis ../shared/data/cordis-cleantech]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from embeddings import CachedEncoder, ChunkIndex, EmbeddingCache
from embeddings.ann import factory
from embeddings.factory import create_encoder
from matcher.cordis import load_cordis
from matcher.ranking.build import build_state
from matcher.settings import RankingSettings
from matcher.sources import load_cluster
from matcher.taxonomy import DATASETS_DIR, load_taxonomy

RESULTS = Path(__file__).parent / "results" / "ann_real_recall.json"
THESES = [
    "solar module manufacturing and rooftop PV installation",
    "heat pumps for Soviet-era apartment blocks",
    "optical sorting of municipal solid waste",
    "электробусы и зарядная инфраструктура для автобусных парков",
    "Lämpöpumput ja kaukolämpö kerrostaloihin",
    "Solceller og batterilager for borettslag i Oslo",
]


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    hits = [
        len(set(f[:k].tolist()) & set(t[:k].tolist()) - {-1})
        for f, t in zip(found, truth, strict=True)
    ]
    return round(float(np.mean(hits)) / k, 4)


def recall_by_score(found_scores: np.ndarray, truth_scores: np.ndarray, k: int) -> float:
    """Share of the k returned whose exact score reaches the exact k-th best: a joint
    project's text sits in every partner's profile, so identical vectors tie, and which
    copy an index returns does not matter."""
    kth = truth_scores[:, k - 1 : k] - 1e-3  # IVF-PQ re-scores from 8-bit copies
    return round(float(np.mean(found_scores[:, :k] >= kth)), 4)


def measure(index: ChunkIndex, queries: np.ndarray) -> dict[str, object]:
    slots = index.catalog.live_slots()
    vectors = index.vectors(slots)
    truth_scores, truth = factory.build(slots, vectors, "exact").search(queries, 100)
    out: dict[str, object] = {"vectors": len(slots), "queries": len(queries)}
    for kind in ("hnsw", "ivfpq"):
        params = factory.params_for(len(slots), index.dimension, kind)
        scores, found = factory.build(slots, vectors, kind, params).search(queries, 100)
        out[kind] = {
            "recall_at_10": recall(found, truth, 10),
            "recall_at_100": recall(found, truth, 100),
            "recall_at_10_by_score": recall_by_score(scores, truth_scores, 10),
            "recall_at_100_by_score": recall_by_score(scores, truth_scores, 100),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cordis", type=Path, default=Path("../shared/data/cordis-cleantech"))
    parser.add_argument("--store", type=Path, default=Path("var"))
    args = parser.parse_args()
    taxonomy, settings = load_taxonomy(), RankingSettings()
    results = {}
    cordis = load_cordis(args.cordis)
    encoder = CachedEncoder(
        create_encoder(workers=None), EmbeddingCache(args.store / "cordis" / "embeddings.sqlite")
    )
    state = build_state(cordis.cluster(), encoder, taxonomy, settings)
    texts = [f"{p.title}. {p.objective}".strip() for p in list(cordis.projects.values())[:400]]
    results["cordis"] = measure(state.index, state.query_vectors(texts))
    demo = load_cluster(DATASETS_DIR / "demo", taxonomy).cluster
    encoder = CachedEncoder(
        create_encoder(workers=None), EmbeddingCache(args.store / "embeddings.sqlite")
    )
    state = build_state(demo, encoder, taxonomy, settings)
    texts = [n.text() for n in demo.needs.values()] + THESES
    results["demo"] = measure(state.index, state.query_vectors(texts))
    print(json.dumps(results, indent=2))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
