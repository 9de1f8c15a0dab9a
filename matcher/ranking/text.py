"""Ranking organisations for a text: an investor's thesis, a need, a project call.

Hybrid retrieval: the embedding's nearest organisations and BM25's best lexical matches
are pooled, then every pooled organisation is scored on the same components, so a product
name that the model does not know can still bring its maker in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.chunking import CAPABILITY_FIELDS
from matcher.errors import DataValidationError, Problem
from matcher.filters import Filters
from matcher.lexical import scaled
from matcher.model import Organisation
from matcher.ranking.partners import weighted
from matcher.ranking.state import RankingState
from matcher.results import Explanation, Match, ResultList, TextPair
from matcher.scoring import coverage, rescaled

MAX_QUERY_CHARS = 5_000


@dataclass(frozen=True)
class TextQuery:
    text: str
    areas: tuple[str, ...] = ()  # wanted subject areas; tagged from the text when empty
    countries: tuple[str, ...] = ()  # preferred, not required
    weights: Mapping[str, float] | None = None


def checked_text(text: str, field: str = "text") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DataValidationError([Problem("must not be empty", column=field)], "empty query")
    if len(cleaned) > MAX_QUERY_CHARS:
        message = f"is longer than {MAX_QUERY_CHARS} characters"
        raise DataValidationError([Problem(message, column=field)], "query too long")
    return cleaned


def rank_text(state: RankingState, query: TextQuery, k: int, filters: Filters) -> ResultList:
    text = checked_text(query.text)
    vector = state.query_vector(text)
    areas = query.areas or _tagged_areas(state, vector, text)
    pool = _pool(state, vector, text, k, filters)
    lexical = scaled(state.lexical.scores(text, pool))
    weights = query.weights or state.settings.search_weights
    matches = [
        _score(state, state.cluster.organisation(o), vector, lexical[o], areas, query, weights)
        for o in pool
    ]
    matches = rescaled(matches, ("semantic",), weights)
    matches.sort(key=lambda m: (-m.score, m.org_id))
    warning = state.language_warning(text)
    return ResultList(tuple(matches[:k]), (warning,) if warning else ())


def _tagged_areas(state: RankingState, vector: np.ndarray, text: str) -> tuple[str, ...]:
    return tuple(a.area_id for a in state.tagger.score_vector(vector, text) if a.assigned)


def _pool(
    state: RankingState, vector: np.ndarray, text: str, k: int, filters: Filters
) -> list[str]:
    size = max(state.settings.pool_size, 5 * k)
    flt = filters.to_search_filter(state.cluster, CAPABILITY_FIELDS)
    semantic = [hit.owner for hit in state.index.search(vector, size, flt)]
    admitted = [o.id for o in state.cluster.organisations.values() if filters.admits(o)]
    raw = state.lexical.scores(text, admitted)
    lexical = sorted((o for o in raw if raw[o] > 0), key=lambda o: -raw[o])[:size]
    return list(dict.fromkeys(semantic + lexical))


def _score(
    state: RankingState,
    org: Organisation,
    vector: np.ndarray,
    lexical: float,
    areas: Sequence[str],
    query: TextQuery,
    weights: Mapping[str, float],
) -> Match:
    own = state.chunk_set(org.id).select(CAPABILITY_FIELDS)
    pair = None
    semantic = 0.0
    if len(own):
        sims = own.vectors @ vector
        best = int(np.argmax(sims))
        semantic = float(sims[best])
        pair = TextPair(
            "query", query.text, own.chunks[best].field, own.texts[best], round(semantic, 4)
        )
    components = {
        "semantic": semantic,
        "lexical": lexical,
        "areas": coverage(areas, org.areas),
        "preferred_country": 1.0 if org.country in query.countries else 0.0,
    }
    explanation = Explanation(
        components={n: round(v, 4) for n, v in components.items()},
        weights=dict(weights),
        best_pair=pair,
        pairs=(pair,) if pair else (),
        shared_areas=tuple(a for a in areas if a in org.areas),
    )
    return Match(
        org.id,
        org.name,
        org.kind.value,
        org.country,
        org.city,
        weighted(components, weights),
        explanation,
    )
