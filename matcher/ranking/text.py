"""Ranking organisations for a text: an investor's thesis, a need, a project call.

Two stages: the candidate pool (nearest chunks, best BM25 chunks, the asker's partners and
their partners, the priors' leaders, a reference sample), then every component of the
hybrid for the pool's rows (matcher.ranking.hybrid, shared with the CORDIS evaluation
harness). Explanations are built for the returned matches only.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np

from matcher.filters import Filters
from matcher.gloss import glossed, load_glossaries
from matcher.limits import checked_text
from matcher.ranking.admitted import admitted_rows, top_rows
from matcher.ranking.hybrid import (
    NO_HOLDOUT,
    Holdout,
    TextQueryArrays,
    TextSignals,
    combined,
    text_signals,
    weighted_names,
)
from matcher.ranking.learned import learned_scores, need_model
from matcher.ranking.lexicon import Statistics
from matcher.ranking.places import NO_PLACES, Gazetteer, NamedPlaces
from matcher.ranking.pool import (
    FirstCut,
    Found,
    Pool,
    graph_rows,
    lexical_rows,
    nearest_slots,
    pool_of,
)
from matcher.ranking.state import RankingState
from matcher.results import Explanation, Match, ResultList, TextPair


@dataclass(frozen=True)
class PreparedText:
    """A query text checked, its language detected and, where a glossary reads it (Finnish;
    a text naming a place in Russia), glossed (matcher.gloss): what is read before the
    text is encoded."""

    text: str
    language: str
    gloss: str = ""
    gloss_language: str = ""


def prepare_text(
    state: RankingState, text: str, reading: AbstractContextManager[object] | None = None
) -> PreparedText:
    """`reading` guards the lexicon, which the gloss reads to choose between a word's senses
    (the engine passes its read lock: a gloss takes milliseconds; the glossary's files are
    read once, before it is taken); None for a caller that owns the state or holds it."""
    text = checked_text(text)
    language = state.detect_language(text)
    glossaries = load_glossaries(state.settings.dictionaries)
    if language not in glossaries:
        return PreparedText(text, language)
    with reading or nullcontext():
        countries = frozenset(named_places(state, text).place_countries)
        gloss, into = glossed(glossaries, text, language, countries, state.lexicon.frequency)
    return PreparedText(text, language, gloss, into) if gloss else PreparedText(text, language)


@dataclass(frozen=True)
class EncodedText:
    """A query text with its language and its (centred, query-role) vector: encoded before
    any lock is taken, so a new text's encoding never holds up other queries or writes."""

    text: str
    language: str
    vector: np.ndarray
    gloss: str = ""  # its gloss in another language (matcher.gloss), and that language
    gloss_language: str = ""

    @property
    def words(self) -> str:
        """What the lexicon, the gazetteer and the area tagger read: the text and its gloss."""
        return f"{self.text} ({self.gloss})" if self.gloss else self.text

    @classmethod
    def encode(cls, state: RankingState, prepared: PreparedText) -> EncodedText:
        """The text's vector; a glossed text's is the mean of its own and its gloss's (one
        call to the encoder), which reads what the encoder misses in the original."""
        text, language, gloss = prepared.text, prepared.language, prepared.gloss
        if not gloss:
            return cls(text, language, state.query_vectors([text], [language])[0])
        both = state.query_vectors([text, gloss], [language, prepared.gloss_language])
        mean = both.mean(axis=0)
        return cls(text, language, mean / np.linalg.norm(mean), gloss, prepared.gloss_language)

    @classmethod
    def of(cls, state: RankingState, text: str) -> EncodedText:
        """Prepared and encoded at once, for a caller that owns the state or holds its lock."""
        return cls.encode(state, prepare_text(state, text))


@dataclass(frozen=True)
class TextQuery:
    text: EncodedText
    areas: tuple[str, ...] = ()  # wanted subject areas; tagged from the text when empty
    countries: tuple[str, ...] = ()  # preferred, not required
    weights: Mapping[str, float] | None = None
    # The organisation that asks (a need's owner): brings in its ties, its partners'
    # partners, kind fit and country; it is never a candidate itself.
    asking_org_id: str | None = None


def default_weights(state: RankingState, query: TextQuery) -> Mapping[str, float]:
    """The query's own weights, else those tuned with an asker (need) or without (search)."""
    if query.weights is not None:
        return query.weights
    settings = state.settings
    return settings.need_weights if query.asking_org_id else settings.search_weights


@dataclass(frozen=True)
class Scoring:
    """A text query's arrays and every component over its pool (stage one and two's input)."""

    query: TextQueryArrays
    signals: TextSignals
    weights: Mapping[str, float]
    asker: int | None


def score_text(
    state: RankingState, query: TextQuery, filters: Filters, exhaustive: bool = False
) -> Scoring:
    text, language, vector = query.text.text, query.text.language, query.text.vector
    words = query.text.words
    asker = state.row(query.asking_org_id) if query.asking_org_id else None
    weights = default_weights(state, query)
    areas = query.areas
    if not areas and weights.get("areas", 0.0):
        areas = _tagged_areas(state, vector, words)
    terms = state.lexicon.query_terms(words)
    places = named_places(state, words)
    arrays = TextQueryArrays(text, vector, terms, areas, query.countries, language, places=places)
    blocked = (query.asking_org_id,) if query.asking_org_id else ()
    admitted = admitted_rows(state, filters, blocked)
    stats = state.lexicon.statistics(terms)
    pool = text_pool(state, arrays, admitted, asker, stats, NO_HOLDOUT, exhaustive, weights)
    signals = text_signals(state, arrays, pool, stats, asker, names=list(weights))
    return Scoring(arrays, signals, weights, asker)


def rank_text(
    state: RankingState, query: TextQuery, k: int, filters: Filters, exhaustive: bool = False
) -> ResultList:
    scoring = score_text(state, query, filters, exhaustive)
    arrays, signals, weights, asker = scoring.query, scoring.signals, scoring.weights, scoring.asker
    language = arrays.language
    model = need_model(state) if asker is not None and query.weights is None else None
    if model is not None:
        scores = learned_scores(state, model, arrays, signals, weights, asker)
    else:
        scores = combined(signals, weights)
    ids = state.index.catalog.ids
    best = top_rows(scores, lambda i: ids[signals.rows[i]], k)
    matches = tuple(_match(state, signals, weights, scores, int(i), arrays, asker) for i in best)
    warning = state.language_warning(language)
    warnings = (warning,) if warning else ()
    return ResultList(
        matches,
        warnings,
        learned=model is not None,
        gloss=query.text.gloss,
        gloss_language=query.text.gloss_language,
    )


def text_pool(
    state: RankingState,
    query: TextQueryArrays,
    admitted: np.ndarray,
    asker: int | None,
    stats: Statistics,
    holdout: Holdout = NO_HOLDOUT,
    exhaustive: bool = False,
    weights: Mapping[str, float] | None = None,
) -> Pool:
    """The candidate pool of a text query (held-out chunks never bring a row in); with
    `weights`, the rows the vector index finds are first cut by the hybrid they weight."""
    settings = state.settings.pool

    def sources() -> Found:
        held = holdout.slots(state)
        chunks, postings = (
            (settings.need_lexical_chunks, settings.need_lexical_postings)
            if asker is not None
            else (settings.lexical_chunks, settings.lexical_postings)
        )
        lexical = state.lexicon.candidates(query.terms, chunks + len(held), stats, postings)
        rows = [lexical_rows(state, np.setdiff1d(lexical, held))]
        if asker is not None:
            rows.append(graph_rows(state, asker, settings.graph_rows, holdout.group))
        nearest = nearest_slots(
            state, query.vector[None, :], settings.semantic_chunks, admitted, held
        )
        return Found(rows, nearest)

    cut = None if weights is None else _hybrid_cut(state, query, stats, asker, holdout, weights)
    return pool_of(state, admitted, sources, settings, exhaustive, query.areas, cut)


def _hybrid_cut(
    state: RankingState,
    query: TextQueryArrays,
    stats: Statistics,
    asker: int | None,
    holdout: Holdout,
    weights: Mapping[str, float],
) -> FirstCut:
    names = list(weights)
    return lambda sketch: combined(
        text_signals(state, query, sketch, stats, asker, holdout, names), weights
    )


def named_places(state: RankingState, text: str) -> NamedPlaces:
    """The places the text names, read with the settings' gazetteer (loaded once)."""
    key = "gazetteer"
    if key not in state.models:
        path = state.settings.places
        state.models[key] = Gazetteer.load(path) if path is not None and path.exists() else None
    gazetteer = state.models[key]
    return gazetteer.named(text) if isinstance(gazetteer, Gazetteer) else NO_PLACES


def _tagged_areas(state: RankingState, vector: np.ndarray, text: str) -> tuple[str, ...]:
    return tuple(a.area_id for a in state.tagger.score_vector(vector, text) if a.assigned)


def _match(
    state: RankingState,
    signals: TextSignals,
    weights: Mapping[str, float],
    scores: np.ndarray,
    at: int,
    query: TextQueryArrays,
    asker: int | None,
) -> Match:
    row = int(signals.rows[at])
    org = state.org_at(row)
    pair = _best_pair(state, row, signals, at, query)
    components = {n: round(float(signals.components[n][at]), 4) for n in weighted_names(weights)}
    explanation = Explanation(
        components=components,
        weights=dict(weights),
        best_pair=pair,
        pairs=(pair,) if pair else (),
        shared_areas=tuple(a for a in query.areas if a in org.areas),
        notes=_notes(state, row, asker),
    )
    score = round(float(scores[at]), 6)
    return Match(org.id, org.name, org.kind.value, org.country, org.city, score, explanation)


def _best_pair(
    state: RankingState, row: int, signals: TextSignals, at: int, query: TextQueryArrays
) -> TextPair | None:
    slot = int(signals.best_chunk[at])
    if slot < 0 or signals.best_cosine is None:
        return None
    chunk = state.chunks(state.org_at(row))[slot - int(state.index.catalog.start.view[row])]
    cosine = float(signals.best_cosine[at])
    return TextPair("query", query.text, chunk.field, chunk.text, round(cosine, 4))


def _notes(state: RankingState, row: int, asker: int | None) -> tuple[str, ...]:
    if asker is None:
        return ()
    ties = int(state.graph.ties(asker, np.asarray([row]))[0])
    if ties <= 0:
        return ()
    who = state.index.catalog.ids[asker]
    return (f"worked with {who} {ties} time{'s' if ties > 1 else ''}",)
