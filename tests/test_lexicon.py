"""The lexicon's candidate walk: the best BM25 chunks, rarest terms first, within a budget."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.ranking import lexicon as lexicon_module
from matcher.ranking.lexicon import Lexicon

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


def candidates(lexicon: Lexicon, n: int) -> list[int]:
    terms = lexicon.query_terms(QUERY)
    return sorted(lexicon.candidates(terms, n, lexicon.statistics(terms)).tolist())


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


def test_a_tight_budget_walks_the_rarest_terms_first(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon = built()
    monkeypatch.setattr(lexicon_module, "CANDIDATE_POSTINGS", 5)
    found = candidates(lexicon, len(TEXTS))
    # "seasonal" (3 postings) fits, "borehole"/"storage" would pass the budget: only the
    # three storage chunks are reached, never the 40 chunks the common words share
    assert found == [40, 41, 42]
