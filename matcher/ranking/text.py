"""Ranking organisations for a text: an investor's thesis, a need, a project call.

Every organisation is scored exactly (no candidate pool): the chunk table gives all cosines
and all BM25 scores in one pass each, so a product name that the model does not know still
brings its maker in, and an organisation the asker worked with is never lost to a pool
cut-off. The components and their combination are matcher.ranking.hybrid's, shared with
the CORDIS evaluation harness.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from matcher.errors import DataValidationError, Problem
from matcher.filters import Filters
from matcher.ranking.derived import top_rows
from matcher.ranking.hybrid import (
    TextQueryArrays,
    TextSignals,
    combined,
    text_signals,
    weighted_names,
)
from matcher.ranking.state import RankingState
from matcher.results import Explanation, Match, ResultList, TextPair

MAX_QUERY_CHARS = 5_000


@dataclass(frozen=True)
class TextQuery:
    text: str
    areas: tuple[str, ...] = ()  # wanted subject areas; tagged from the text when empty
    countries: tuple[str, ...] = ()  # preferred, not required
    weights: Mapping[str, float] | None = None
    # The organisation that asks (a need's owner): brings in its ties, its partners'
    # partners, kind fit and country; it is never a candidate itself.
    asking_org_id: str | None = None


def checked_text(text: str, field: str = "text") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DataValidationError([Problem("must not be empty", column=field)], "empty query")
    if len(cleaned) > MAX_QUERY_CHARS:
        message = f"is longer than {MAX_QUERY_CHARS} characters"
        raise DataValidationError([Problem(message, column=field)], "query too long")
    return cleaned


def default_weights(state: RankingState, query: TextQuery) -> Mapping[str, float]:
    """The query's own weights, else those tuned with an asker (need) or without (search)."""
    if query.weights is not None:
        return query.weights
    settings = state.settings
    return settings.need_weights if query.asking_org_id else settings.search_weights


def rank_text(state: RankingState, query: TextQuery, k: int, filters: Filters) -> ResultList:
    text = checked_text(query.text)
    derived = state.derived
    asker = _asker_row(state, query.asking_org_id)
    vector = state.query_vector(text)
    weights = default_weights(state, query)
    areas = query.areas
    if not areas and weights.get("areas", 0.0):
        areas = _tagged_areas(state, vector, text)
    arrays = TextQueryArrays(text, vector, areas, query.countries, state.detect_language(text))
    admitted = admitted_rows(state, filters)
    signals = text_signals(derived, arrays, asker, admitted=admitted, names=list(weights))
    scores = combined(signals, weights)
    rows = top_rows(scores, signals.candidates, derived.id_rank, k)
    matches = tuple(_match(state, signals, weights, scores, int(r), arrays, asker) for r in rows)
    warning = state.language_warning(text)
    return ResultList(matches, (warning,) if warning else ())


def admitted_rows(
    state: RankingState, filters: Filters, blocked: frozenset[str] = frozenset()
) -> np.ndarray:
    """Rows the filters let through (and not blocked), in the chunk table's order."""
    orgs = state.cluster.organisations
    return np.asarray(
        [i not in blocked and filters.admits(orgs[i]) for i in state.derived.table.org_ids],
        dtype=bool,
    )


def _asker_row(state: RankingState, org_id: str | None) -> int | None:
    if org_id is None:
        return None
    state.cluster.organisation(org_id)  # NotFoundError for an unknown id
    return state.derived.table.row_of.get(org_id)


def _tagged_areas(state: RankingState, vector: np.ndarray, text: str) -> tuple[str, ...]:
    return tuple(a.area_id for a in state.tagger.score_vector(vector, text) if a.assigned)


def _match(
    state: RankingState,
    signals: TextSignals,
    weights: Mapping[str, float],
    scores: np.ndarray,
    row: int,
    query: TextQueryArrays,
    asker: int | None,
) -> Match:
    table = state.derived.table
    org = state.cluster.organisation(table.org_ids[row])
    pair = None
    chunk = int(signals.best_chunk[row])
    if chunk >= 0:
        cosine = float(table.vectors[chunk] @ query.vector)
        pair = TextPair(
            "query", query.text, table.fields[chunk], table.texts[chunk], round(cosine, 4)
        )
    components = {n: round(float(signals.components[n][row]), 4) for n in weighted_names(weights)}
    explanation = Explanation(
        components=components,
        weights=dict(weights),
        best_pair=pair,
        pairs=(pair,) if pair else (),
        shared_areas=tuple(a for a in query.areas if a in org.areas),
        notes=_notes(state, row, asker),
    )
    score = round(float(scores[row]), 6)
    return Match(org.id, org.name, org.kind.value, org.country, org.city, score, explanation)


def _notes(state: RankingState, row: int, asker: int | None) -> tuple[str, ...]:
    if asker is None:
        return ()
    ties = int(
        state.derived.links.graph.ties(
            asker,
        )[row]
    )
    if ties <= 0:
        return ()
    who = state.derived.table.org_ids[asker]
    return (f"worked with {who} {ties} time{'s' if ties > 1 else ''}",)
