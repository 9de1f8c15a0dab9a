"""Text-only search quality on the judged demo queries with the real model, and
`matcher train` / `matcher eval --ranker learned` end to end on a small CORDIS folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.search_eval import LANGUAGES, bm25_alone, ndcg_at_10, read, top10
from embeddings import CachedEncoder, EmbeddingCache
from embeddings.language import detect_language
from matcher import EngineSettings, Filters, Matchmaker, load_cluster, load_taxonomy
from matcher.cli import main
from matcher.ranking.components import combine
from matcher.ranking.text import EncodedText, TextQuery, score_text
from tests.conftest import DEMO_DIR, TEST_CACHE
from tests.test_evaluation import folder  # noqa: F401  (a fixture)

pytestmark = pytest.mark.model
# Measured with the default encoder (benchmarks/QUALITY.md, text-only search): 0.86 en
# (0.80 without the Russian gloss of texts naming a place in Russia), 0.79 ru, 0.79 fi
# (Finnish glossed into English, and through it into Russian), 0.80 no; BM25 0.10-0.47.
# The floors leave room for noise only.
FLOOR = {"en": 0.75, "ru": 0.72, "fi": 0.70, "no": 0.74}


@pytest.fixture(scope="module")
def demo(real_encoder) -> Matchmaker:  # type: ignore[no-untyped-def]
    taxonomy = load_taxonomy()
    cluster = load_cluster(DEMO_DIR, taxonomy, detect_language).cluster
    encoder = CachedEncoder(real_encoder, EmbeddingCache(TEST_CACHE))
    return Matchmaker.build(cluster, EngineSettings(), encoder, taxonomy, detect_language)


def test_text_search_beats_bm25_in_every_language(demo: Matchmaker) -> None:
    queries, grades = read()
    found: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    bm25: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    with demo.reading() as state:
        for q in queries:
            scoring = score_text(state, TextQuery(EncodedText.of(state, q.text)), Filters(), True)
            ranked = top10(demo, scoring, combine(scoring.signals.components, scoring.weights))
            found[q.language].append(ndcg_at_10(ranked, grades[q.need]))
            words = top10(demo, scoring, bm25_alone(demo, scoring))
            bm25[q.language].append(ndcg_at_10(words, grades[q.need]))
    for lang in LANGUAGES:
        assert np.mean(found[lang]) >= FLOOR[lang], lang
        assert np.mean(found[lang]) > np.mean(bm25[lang]) + 0.25, lang


def test_a_place_named_in_english_brings_the_russian_local_producers_up(demo: Matchmaker) -> None:
    text = "Manufacturers of LED street luminaires near St. Petersburg"
    ids = demo.search(text, k=10).ids()
    assert {"ru-017", "ru-048"} <= set(ids)  # Okhta (St. Petersburg) and SvetoLine (Gatchina)


@pytest.mark.skipif(
    not Path("/usr/share/dictd/mueller7.index").exists(), reason="no English-Russian dictionary"
)
def test_an_english_request_near_st_petersburg_finds_the_russian_producers(
    demo: Matchmaker,
) -> None:
    # the judged need N01 in English: read alone, none of the four producers (grade 2), who
    # describe themselves in Russian, was in the top 10 (nDCG@10 0.15)
    queries, grades = read()
    text = next(q.text for q in queries if q.query_id == "N01-en")
    results = demo.search(text, k=10)
    assert results.gloss_language == "ru" and "насос" in results.gloss.split()
    producers = {org for org, grade in grades["N01"].items() if grade == 2}
    assert len(producers & set(results.ids())) >= 3


def test_a_finnish_compound_is_read_through_its_gloss(demo: Matchmaker) -> None:
    # "air-quality sensors and cities' air-quality measurement networks": unglossed, the
    # encoder lands on city environment departments and none of these is in the top 10
    ids = demo.search("Ilmanlaatuanturit ja kaupunkien ilmanlaadun mittausverkot", k=10).ids()
    assert ids[0] == "ru-072"  # CitySense, air-quality stations
    assert {"ru-031", "fi-032"} <= set(ids)  # the urban air research centre, sensor lamp posts


@pytest.mark.slow
def test_train_writes_a_model_that_eval_reads(folder: Path, tmp_path: Path) -> None:  # noqa: F811
    model = tmp_path / "model.txt"
    common = ["--data", str(folder), "--queries", str(folder / "queries.csv")]
    common += ["--store", str(tmp_path), "--model", "all-MiniLM-L6-v2"]
    assert main(["train", *common, "--out", str(model)]) == 0
    meta = json.loads(model.with_suffix(".json").read_text())
    assert meta["protocol"] == "lopo" and meta["training_groups"] > 0
    assert len(meta["training_data_sha256"]) == 64 and "unseen_queries" in meta
    out = tmp_path / "eval.json"
    argv = ["eval", "cordis", *common, "--ranker", "learned", "--ranker-model", str(model)]
    assert main([*argv, "--out", str(out)]) == 0
    learned = json.loads(out.read_text())["rankers"]["learned"]
    assert learned["all"]["queries"] == 12 and learned["candidate_recall_of_targets"] == 1.0
