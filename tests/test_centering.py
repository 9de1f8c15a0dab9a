"""Language centring on hand-made vectors: topic plus a per-language offset."""

from __future__ import annotations

import numpy as np

from embeddings import normalise_rows
from embeddings.centering import ALL, MIN_TEXTS_PER_LANGUAGE, LanguageCentering

DIM, TOPICS, LANGS = 32, 40, ("en", "ru", "fi")


def corpus() -> tuple[np.ndarray, list[str], list[int]]:
    rng = np.random.default_rng(0)
    topics = rng.normal(size=(TOPICS, DIM))
    offsets = {lang: 3.0 * rng.normal(size=DIM) for lang in LANGS}  # a strong language direction
    rows, langs, ids = [], [], []
    for lang in LANGS:
        for t in range(TOPICS):
            rows.append(topics[t] + offsets[lang] + 0.3 * rng.normal(size=DIM))
            langs.append(lang)
            ids.append(t)
    return normalise_rows(np.asarray(rows)), langs, ids


def translation_rate(vectors: np.ndarray, langs: list[str], ids: list[int]) -> float:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -9)
    best = sims.argmax(axis=1)
    return float(np.mean([ids[j] == ids[i] and langs[j] != langs[i] for i, j in enumerate(best)]))


def test_centring_turns_same_language_neighbours_into_translations() -> None:
    vectors, langs, ids = corpus()
    assert translation_rate(vectors, langs, ids) < 0.2  # the language direction dominates
    centred = LanguageCentering.fit(vectors, langs).apply(vectors, langs)
    assert translation_rate(centred, langs, ids) > 0.95
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)


def test_rare_languages_use_the_mean_of_all_and_json_round_trips() -> None:
    vectors, langs, _ = corpus()
    few = ["xx"] * (MIN_TEXTS_PER_LANGUAGE - 1)
    fitted = LanguageCentering.fit(np.concatenate([vectors, vectors[: len(few)]]), langs + few)
    assert set(fitted.means) == {ALL, *LANGS}
    restored = LanguageCentering.from_json(fitted.to_json())
    sample = vectors[:3]
    assert np.allclose(
        restored.apply(sample, ["xx", "en", "und"]), fitted.apply(sample, ["xx", "en", "und"])
    )
    assert np.allclose(LanguageCentering().apply(sample, ["en"] * 3), sample)  # no means: unchanged
