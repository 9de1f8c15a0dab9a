"""Partner suggestions: who complements an organisation, and why.

Two stages, like every ranking: the candidate pool (the chunks nearest to any of the
asker's chunks, its partners' partners, the priors' leaders, a reference sample), then
every component for the pool's rows: profile resemblance, the two directed seek->offer
fits, area overlap, partners of partners, popularity, and, when weighted, kind fit, same
country and track record. Text pairs for the explanation are computed for the returned
matches only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.chunking import CAPABILITY_FIELDS, PROFILE_FIELDS, SEEK, TextChunk
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.ranking.admitted import admitted_rows, top_rows
from matcher.ranking.chunks import PoolChunks
from matcher.ranking.components import log_share, min_max, per_owner_max
from matcher.ranking.hybrid import TextSignals, combined, evidence_counts, weighted_names
from matcher.ranking.pool import Found, Pool, graph_rows, nearest_slots, pool_of
from matcher.ranking.state import RankingState
from matcher.results import Explanation, Match, ResultList, TextPair
from matcher.scoring import ChunkSet

PARTNER_COMPONENTS = (
    "profile", "fit", "areas", "graph", "popularity", "kind_fit", "same_country", "track_record",
)  # fmt: skip


def suggest_partners(
    state: RankingState,
    org_id: str,
    k: int,
    filters: Filters,
    exclude: frozenset[str] = frozenset(),
    exhaustive: bool = False,
) -> ResultList:
    org = state.organisation(org_id)
    row = state.row(org_id)
    blocked = {org_id} | state.partners_of(org_id) | exclude
    admitted = admitted_rows(state, filters, blocked)
    me = own_chunks(state, row)
    pool = _pool(state, row, me, admitted, exhaustive)
    weights = state.settings.partner_weights
    scoring = partner_signals(state, row, me, pool)
    scores = combined(scoring.signals, weights)
    ids = state.index.catalog.ids
    best = top_rows(scores, lambda i: ids[pool.rows[i]], k)
    mine = state.chunks(org)
    matches = tuple(_match(state, org, mine, scoring, scores, int(i), weights) for i in best)
    warning = state.language_warning(org.language)
    return ResultList(matches, (warning,) if warning else ())


def own_chunks(state: RankingState, row: int) -> PoolChunks:
    return PoolChunks.gather(state, np.asarray([row]))


def _pool(
    state: RankingState, row: int, me: PoolChunks, admitted: np.ndarray, exhaustive: bool
) -> Pool:
    settings = state.settings.pool
    weights = state.settings.partner_weights
    return pool_of(
        state,
        admitted,
        lambda: Found(
            [graph_rows(state, row, settings.graph_rows)],
            nearest_slots(state, me.vectors, settings.semantic_chunks, admitted),
        ),
        settings,
        exhaustive,
        first_cut=lambda sketch: combined(partner_signals(state, row, me, sketch).signals, weights),
    )


RELATIONS = {
    "fit_their_offer_for_our_seek": ({SEEK}, CAPABILITY_FIELDS),
    "fit_our_offer_for_their_seek": (CAPABILITY_FIELDS, {SEEK}),
    "profile": (PROFILE_FIELDS, PROFILE_FIELDS),
}


@dataclass(frozen=True)
class PartnerScoring:
    """The components, and the chunk cosines they came from (the explanations' source)."""

    signals: TextSignals
    me: PoolChunks
    chunks: PoolChunks
    sims: np.ndarray  # our chunks x the pool's chunks

    def relations(self, state: RankingState) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per relation: our chunks on its left (indices), the pool's on its right (mask)."""
        if not self._relations:
            for name, (left, right) in RELATIONS.items():
                ours = np.flatnonzero(self.me.field_mask(state, left))
                self._relations[name] = (ours, self.chunks.field_mask(state, right))
        return self._relations

    _relations: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def partner_signals(state: RankingState, row: int, me: PoolChunks, pool: Pool) -> PartnerScoring:
    """Every partner component for every pool row."""
    chunks = PoolChunks.of_pool(state, pool)
    sims = chunks.dot(me.vectors)
    profile = _best_over(state, me, chunks, sims, PROFILE_FIELDS, PROFILE_FIELDS, len(pool.rows))
    theirs = _best_over(state, me, chunks, sims, {SEEK}, CAPABILITY_FIELDS, len(pool.rows))
    ours = _best_over(state, me, chunks, sims, CAPABILITY_FIELDS, {SEEK}, len(pool.rows))
    candidates = np.isfinite(profile) | np.isfinite(theirs) | np.isfinite(ours)
    candidates &= pool.rows != row
    components = {
        "profile": min_max(profile, candidates, pool.reference),
        "fit": min_max(_mean_of_present(theirs, ours), candidates, pool.reference),
    }
    components |= _relational(state, row, pool.rows, chunks, candidates)
    signals = TextSignals(pool.rows, components, np.full(len(pool.rows), -1), candidates)
    return PartnerScoring(signals, me, chunks, sims)


def _best_over(
    state: RankingState,
    me: PoolChunks,
    chunks: PoolChunks,
    sims: np.ndarray,
    left: Collection[str],
    right: Collection[str],
    size: int,
) -> np.ndarray:
    """Each row's best cosine between our `left` chunks and its `right` chunks."""
    ours = me.field_mask(state, left)
    if not ours.any():
        return np.full(size, -np.inf)
    best = sims[ours].max(axis=0)
    return per_owner_max(
        np.where(chunks.field_mask(state, right), best, -np.inf), chunks.position, size
    )


def _mean_of_present(*values: np.ndarray) -> np.ndarray:
    """The mean of the fits each organisation has (-inf when it has none)."""
    stacked = np.stack(values)
    present = np.isfinite(stacked)
    mean = np.where(present, stacked, 0.0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)
    return np.where(present.any(axis=0), mean, -np.inf)


def _relational(
    state: RankingState, row: int, rows: np.ndarray, chunks: PoolChunks, candidates: np.ndarray
) -> dict[str, np.ndarray]:
    facts, graph = state.facts, state.graph
    kinds = facts.kind.view[rows].astype(np.int64)
    no_evidence_held = np.zeros(len(chunks.slots), dtype=bool)
    return {
        "areas": facts.area_jaccard(row, rows),
        "graph": graph.common_partners(row, rows),
        "popularity": log_share(graph.degrees(rows), candidates),
        "kind_fit": state.kinds.fit(int(facts.kind.view[row]), kinds, state.kinds_present()),
        "same_country": (facts.country.view[rows] == facts.country.view[row]).astype(np.float64),
        "track_record": log_share(
            evidence_counts(state, rows, chunks, no_evidence_held), candidates
        ),
    }


def chunk_set(state: RankingState, row: int) -> ChunkSet:
    """An organisation's chunks with their vectors and texts, for explanations."""
    texts = state.chunks(state.org_at(row))
    slots, _ = state.index.catalog.slots_of_rows(np.asarray([row]))
    return ChunkSet([c.field for c in texts], state.index.vectors(slots), [c.text for c in texts])


def _match(
    state: RankingState,
    org: Organisation,
    mine: Sequence[TextChunk],
    scoring: PartnerScoring,
    scores: np.ndarray,
    at: int,
    weights: Mapping[str, float],
) -> Match:
    row = int(scoring.signals.rows[at])
    other = state.org_at(row)
    pairs = _pairs(state, mine, state.chunks(other), scoring, at)
    names = weighted_names(weights, PARTNER_COMPONENTS)
    explanation = Explanation(
        components={n: round(float(scoring.signals.components[n][at]), 4) for n in names},
        weights=dict(weights),
        best_pair=_strongest(pairs),
        pairs=tuple(pairs.values()),
        shared_areas=tuple(a for a in org.areas if a in other.areas),
    )
    score = round(float(scores[at]), 6)
    return Match(
        other.id, other.name, other.kind.value, other.country, other.city, score, explanation
    )


def _pairs(
    state: RankingState,
    mine: Sequence[TextChunk],
    theirs: Sequence[TextChunk],
    scoring: PartnerScoring,
    at: int,
) -> dict[str, TextPair]:
    """The best text pair per relation (their capability for our seek, and back, and
    profile), read from the cosines the ranking computed."""
    lo, hi = np.searchsorted(scoring.chunks.position, [at, at + 1])
    found = {}
    for name, (ours, right) in scoring.relations(state).items():
        cols = lo + np.flatnonzero(right[lo:hi])
        if len(ours) and len(cols):
            block = scoring.sims[np.ix_(ours, cols)]
            i, j = np.unravel_index(int(np.argmax(block)), block.shape)
            mine_chunk, their_chunk = mine[int(ours[i])], theirs[int(cols[j] - lo)]
            found[name] = TextPair(
                mine_chunk.field,
                mine_chunk.text,
                their_chunk.field,
                their_chunk.text,
                round(float(block[i, j]), 4),
            )
    return found


def _strongest(pairs: Mapping[str, TextPair]) -> TextPair | None:
    fits = [p for name, p in pairs.items() if name.startswith("fit")]
    candidates = fits or list(pairs.values())
    return max(candidates, key=lambda p: p.score, default=None)
