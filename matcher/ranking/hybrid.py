"""The hybrid ranker for a text (a need, a call, a project idea), optionally with the
organisation that asks: every component for every row of the candidate pool, vectorised.

Text: the best semantic and the best lexical (BM25) match over an organisation's
capability chunks, and their "mass" (several matching documents beat one); the match of
the projects the candidate already did with the asker. Asker: ties (how often they worked
together), partners of partners, kind fit, same country. Prior: popularity (distinct
partners) and track record (evidence documents). A `Holdout` masks one project's evidence
chunks and links everywhere, which is how the evaluation runs this same code leak-free.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.sets import distinct
from matcher.chunking import CAPABILITY_FIELDS, EVIDENCE
from matcher.ranking.chunks import PoolChunks
from matcher.ranking.components import (
    combine,
    log_share,
    per_owner_argmax,
    per_owner_mass,
    per_owner_max,
    saturating,
)
from matcher.ranking.graph import NO_GROUP, Group
from matcher.ranking.lexicon import EMPTY, QueryTerms, Statistics
from matcher.ranking.places import NO_PLACES, NamedPlaces, location_scores
from matcher.ranking.pool import Pool
from matcher.ranking.state import RankingState

TEXT_COMPONENTS = (
    "semantic", "semantic_mass", "lexical", "lexical_mass", "joint", "ties", "graph",
    "popularity", "track_record", "kind_fit", "same_country", "areas", "preferred_country",
    "location",
)  # fmt: skip
# A candidate whose text match reaches 1 / LOCATION_MATCH of the best one's gets the
# whole of its location's score.
LOCATION_MATCH = 2.0
ASKER_COMPONENTS = frozenset({"joint", "ties", "graph", "kind_fit", "same_country"})


@dataclass(frozen=True)
class Holdout:
    """What the ranking must not see: evidence with these refs, links of this group."""

    refs: frozenset[str] = frozenset()
    group: Group = NO_GROUP

    def ref_codes(self, state: RankingState) -> np.ndarray:
        return state.index.catalog.refs.known(sorted(self.refs))

    def slots(self, state: RankingState) -> np.ndarray:
        """Every live chunk of the held-out documents, in every organisation."""
        codes = self.ref_codes(state)
        if len(codes) == 0:
            return EMPTY
        catalog = state.index.catalog
        return np.flatnonzero(np.isin(catalog.ref.view, codes) & catalog.alive.view)


NO_HOLDOUT = Holdout()


@dataclass(frozen=True)
class TextQueryArrays:
    text: str
    vector: np.ndarray  # query-role vector, centred like the index
    terms: QueryTerms
    areas: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    language: str = ""  # ISO 639-1 of the text, "" when unknown
    year: int | None = None  # when the query is asked (recency is measured from it)
    topics: tuple[str, ...] = ()  # its programme labels, when it answers a programme's call
    places: NamedPlaces = NO_PLACES  # cities, regions and countries the text names


@dataclass(frozen=True)
class TextSignals:
    rows: np.ndarray  # the pool's rows; every array below is aligned with them
    components: Mapping[str, np.ndarray]
    best_chunk: np.ndarray  # slot of each row's best semantic match, -1 when none
    candidates: np.ndarray  # rows that may be ranked: usable text, admitted, not the asker
    best_cosine: np.ndarray | None = None  # that match's cosine
    reference: np.ndarray | None = None  # the pool's reference sample (None: every row)


def text_signals(
    state: RankingState,
    query: TextQueryArrays,
    pool: Pool,
    stats: Statistics,
    asker: int | None = None,
    holdout: Holdout = NO_HOLDOUT,
    names: Collection[str] = TEXT_COMPONENTS,
) -> TextSignals:
    chunks = PoolChunks.of_pool(state, pool)
    size = len(pool.rows)
    masked = chunks.ref_mask(holdout.ref_codes(state))
    usable = chunks.field_mask(state, CAPABILITY_FIELDS) & ~masked
    cosine = np.where(usable, chunks.dot(query.vector)[0].astype(np.float64), -np.inf)
    candidates = np.isfinite(per_owner_max(cosine, chunks.position, size))
    if asker is not None:
        candidates &= pool.rows != asker
    scale = _Scale(chunks.position, candidates, pool.reference)
    semantic = scale.anchored(cosine, relative=True)
    lexical = _lexical(state, query, chunks, usable, stats, scale, semantic)
    components = _text_components(state, query, pool.rows, chunks, semantic, lexical, names)
    components |= _prior_components(state, pool.rows, chunks, masked, holdout, candidates)
    components |= _asker_components(state, pool.rows, chunks, semantic, asker, holdout, names)
    best = per_owner_argmax(cosine, chunks.position, size)
    found = np.maximum(best, 0)
    best_slot = np.where(best >= 0, chunks.slots[found] if len(found) else best, -1)
    best_cosine = np.where(best >= 0, cosine[found] if len(found) else 0.0, 0.0)
    return TextSignals(pool.rows, components, best_slot, candidates, best_cosine, pool.reference)


@dataclass(frozen=True)
class _Scale:
    """Rescales chunk values over the candidates: the best candidate's best chunk becomes
    1 and, for cosines, the median candidate's best chunk 0 (cosine levels drift with the
    model and the query; the median candidate is what "unrelated" means here, read over the
    pool's reference sample); BM25 is divided by the best candidate's score."""

    owner: np.ndarray
    candidates: np.ndarray
    reference: np.ndarray

    def anchored(self, values: np.ndarray, relative: bool) -> np.ndarray:
        best = per_owner_max(values, self.owner, len(self.candidates))
        top = best[self.candidates & np.isfinite(best)]
        if len(top) == 0:
            return np.full_like(values, -np.inf)
        sample = best[self.candidates & self.reference & np.isfinite(best)]
        low = float(np.median(sample if len(sample) else top)) if relative else 0.0
        high = float(top.max())
        if high - low < 1e-9:
            return np.where(np.isfinite(values), 0.0, -np.inf)
        return (values - low) / (high - low)


def _lexical(
    state: RankingState,
    query: TextQueryArrays,
    chunks: PoolChunks,
    usable: np.ndarray,
    stats: Statistics,
    scale: _Scale,
    semantic: np.ndarray,
) -> np.ndarray:
    bm25 = state.lexicon.scores(query.terms, chunks.slots, stats)
    lexical = scale.anchored(np.where(usable, bm25, -np.inf), relative=False)
    # Words cannot meet across languages: there the semantic match stands in for the lexical
    # one, so that a Russian need is not steered to Russian texts by BM25 alone.
    return np.where(_other_language(state, chunks, query.language), semantic, lexical)


def _text_components(
    state: RankingState,
    query: TextQueryArrays,
    rows: np.ndarray,
    chunks: PoolChunks,
    semantic: np.ndarray,
    lexical: np.ndarray,
    names: Collection[str],
) -> dict[str, np.ndarray]:
    owner, size, facts = chunks.position, len(rows), state.facts
    wanted = tuple(c.upper() for c in query.countries)
    out = {
        "semantic": _clipped(per_owner_max(semantic, owner, size)),
        "semantic_mass": _clipped(per_owner_mass(semantic, owner, size), None),
        "lexical": _clipped(per_owner_max(lexical, owner, size)),
        "lexical_mass": _clipped(per_owner_mass(lexical, owner, size), None),
        "preferred_country": np.isin(facts.country.view[rows], facts.countries.known(wanted)),
        "areas": np.zeros(size),
        # where the text names a place: how well a candidate's place answers it, as far as
        # the candidate matches the text at all (a place alone does not make a match; half
        # the best candidate's match counts fully)
        "location": location_scores(facts, rows, query.places)
        * _clipped(LOCATION_MATCH * per_owner_max(np.maximum(semantic, lexical), owner, size)),
    }
    if "areas" in names and query.areas:
        out["areas"] = facts.area_overlap(query.areas, rows)
    return {name: values.astype(np.float64) for name, values in out.items()}


def _prior_components(
    state: RankingState,
    rows: np.ndarray,
    chunks: PoolChunks,
    masked: np.ndarray,
    holdout: Holdout,
    candidates: np.ndarray,
) -> dict[str, np.ndarray]:
    degrees = state.graph.degrees(rows, holdout.group)
    return {
        "popularity": log_share(degrees, candidates),
        "track_record": log_share(evidence_counts(state, rows, chunks, masked), candidates),
    }


def evidence_counts(
    state: RankingState, rows: np.ndarray, chunks: PoolChunks, masked: np.ndarray
) -> np.ndarray:
    """Evidence documents per row, without the held-out ones."""
    evidence = chunks.field_mask(state, {EVIDENCE}) & masked
    held = distinct(chunks.position[evidence] * (2**32) + chunks.refs[evidence])
    lost = np.bincount(held // (2**32), minlength=len(rows))
    return state.facts.evidence.view[rows] - lost


def _asker_components(
    state: RankingState,
    rows: np.ndarray,
    chunks: PoolChunks,
    semantic: np.ndarray,
    asker: int | None,
    holdout: Holdout,
    names: Collection[str],
) -> dict[str, np.ndarray]:
    size = len(rows)
    if asker is None:
        return {name: np.zeros(size) for name in ASKER_COMPONENTS}
    graph, group, facts = state.graph, holdout.group, state.facts
    own = state.index.catalog.ref.view[state.index.catalog.slots_of_rows(np.asarray([asker]))[0]]
    joint_refs = np.setdiff1d(own, holdout.ref_codes(state))
    joint = np.where(chunks.ref_mask(joint_refs), semantic, -np.inf)
    held_kinds = facts.kind.view[group.members].astype(np.int64) if len(group.members) else None
    kinds = facts.kind.view[rows].astype(np.int64)
    return {
        "joint": _clipped(per_owner_max(joint, chunks.position, size)),
        "ties": saturating(graph.ties(asker, rows, group)),
        "graph": graph.common_partners(asker, rows, group) if "graph" in names else np.zeros(size),
        "kind_fit": state.kinds.fit(
            int(facts.kind.view[asker]), kinds, state.kinds_present(), held_kinds
        ),
        "same_country": (facts.country.view[rows] == facts.country.view[asker]).astype(np.float64),
    }


def _other_language(state: RankingState, chunks: PoolChunks, language: str) -> np.ndarray:
    if language in ("", "und"):
        return np.zeros(len(chunks.slots), dtype=bool)
    code = state.index.catalog.languages.known([language])
    mine = code[0] if len(code) else -2
    return (chunks.languages >= 0) & (chunks.languages != mine)


def _clipped(values: np.ndarray, high: float | None = 1.0) -> np.ndarray:
    out = np.where(np.isfinite(values), values, 0.0)
    return np.clip(out, 0.0, high)


def combined(signals: TextSignals, weights: Mapping[str, float]) -> np.ndarray:
    """The hybrid score of every pool row; rows that are not candidates get -inf."""
    scores = combine(signals.components, weights)
    return np.where(signals.candidates, scores, -np.inf)


def weighted_names(
    weights: Mapping[str, float], names: Sequence[str] = TEXT_COMPONENTS
) -> list[str]:
    return [n for n in names if weights.get(n, 0.0)]
