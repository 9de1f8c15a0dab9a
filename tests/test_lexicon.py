"""The lexicon: its candidate walk (the best BM25 chunks, rarest terms first, within a
budget) and its saved form, which keeps changing in place after it is opened."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.ranking import postings
from matcher.ranking.lexicon import Lexicon
from matcher.ranking.lexicon_files import load_lexicon, save_lexicon
from matcher.settings import PoolSettings

BUDGET = PoolSettings().lexical_postings  # the lexical source's walk, as the engine sets it

COMMON = "district heating network"
TEXTS = [
    *(f"{COMMON} operator number {i}" for i in range(40)),
    *(f"{COMMON} with seasonal borehole storage {i}" for i in range(3)),
    "borehole drilling rigs for geothermal wells",
    "solar carports for bus depots",
]
QUERY = "seasonal borehole storage for a district heating network"


def built() -> Lexicon:
    lexicon = Lexicon()
    lexicon.add(np.arange(len(TEXTS)), TEXTS)
    return lexicon


def exact_scores(lexicon: Lexicon) -> np.ndarray:
    terms = lexicon.query_terms(QUERY)
    return lexicon.scores(terms, np.arange(len(TEXTS)), lexicon.statistics(terms))


def candidates(lexicon: Lexicon, n: int, postings: int = BUDGET) -> list[int]:
    terms = lexicon.query_terms(QUERY)
    return sorted(lexicon.candidates(terms, n, lexicon.statistics(terms), postings).tolist())


def test_candidates_are_the_exact_best_chunks_when_the_budget_allows() -> None:
    lexicon = built()
    scores = exact_scores(lexicon)
    for n in (1, 3, 5, 10):
        found = candidates(lexicon, n)  # equal scores may come in any order: compare scores
        assert len(found) == n
        assert sorted(scores[found]) == pytest.approx(sorted(-np.sort(-scores)[:n]))


def test_removed_chunks_are_never_candidates() -> None:
    lexicon = built()
    best = [int(np.argmax(exact_scores(lexicon)))]
    lexicon.remove(np.asarray(best))
    assert not set(best) & set(candidates(lexicon, len(TEXTS)))


def test_a_tight_budget_walks_the_rarest_terms_first() -> None:
    lexicon = built()
    found = candidates(lexicon, len(TEXTS), postings=5)
    # "seasonal" (3 postings) fits, "borehole"/"storage" would pass the budget: only the
    # three storage chunks are reached, never the 40 chunks the common words share
    assert found == [40, 41, 42]


@pytest.mark.parametrize("overlay", [postings.OVERLAY_LIMIT, 1])
def test_a_loaded_lexicon_keeps_changing_like_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlay: int
) -> None:
    """Saved, loaded, changed (a removal, a text already there, a new one), saved and
    loaded again: scores, candidates and statistics equal a lexicon of the live texts,
    whether changed text counts stay in the overlay or are folded in at once."""
    monkeypatch.setattr(postings, "OVERLAY_LIMIT", overlay)
    lexicon = built()
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    save_lexicon(lexicon, tmp_path / "one")
    loaded = load_lexicon(tmp_path / "one")
    assert loaded is not None
    loaded.remove(np.asarray([41, 43]))
    extra = [TEXTS[40], "seasonal storage pits for district heating"]
    loaded.add(np.asarray([len(TEXTS), len(TEXTS) + 1]), extra)
    save_lexicon(loaded, tmp_path / "two")
    again = load_lexicon(tmp_path / "two")
    assert again is not None
    live = [i for i in range(len(TEXTS)) if i not in (41, 43)] + [len(TEXTS), len(TEXTS) + 1]
    every = [*TEXTS, *extra]
    fresh = Lexicon()
    fresh.add(np.arange(len(live)), [every[i] for i in live])
    for other in (loaded, again):
        terms, fresh_terms = other.query_terms(QUERY), fresh.query_terms(QUERY)
        stats, fresh_stats = other.statistics(terms), fresh.statistics(fresh_terms)
        assert (stats.documents, stats.average_length) == pytest.approx(
            (fresh_stats.documents, fresh_stats.average_length)
        )
        scores = other.scores(terms, np.asarray(live), stats)
        assert scores == pytest.approx(fresh.scores(fresh_terms, np.arange(len(live)), fresh_stats))
        found = other.candidates(terms, 4, stats, BUDGET)
        assert set(found.tolist()) <= set(live) and len(found) == 4
        # the text held by two live chunks (40 and its copy) is hidden only with both
        assert len(other.hidden_texts(np.asarray([40]))) == 0
        assert len(other.hidden_texts(np.asarray([40, len(TEXTS)]))) == 1
