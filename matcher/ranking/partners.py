"""Partner suggestions: who complements an organisation, and why.

Candidates come from the index three ways (organisations whose capabilities answer our
seeks, whose seeks our offers answer, and whose profile resembles ours), then each is scored
exactly on all its chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import mean

from embeddings import SearchFilter
from matcher.chunking import CAPABILITY_FIELDS, PROFILE_FIELDS, SEEK
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.ranking.state import RankingState
from matcher.results import Explanation, Match, ResultList, TextPair
from matcher.scoring import (
    ChunkSet,
    best_pair,
    common_neighbours,
    jaccard,
    popularity,
    rescaled,
)


def suggest_partners(
    state: RankingState,
    org_id: str,
    k: int,
    filters: Filters,
    exclude: frozenset[str] = frozenset(),
) -> ResultList:
    org = state.cluster.organisation(org_id)
    blocked = frozenset({org_id}) | state.cluster.partners_of(org_id) | exclude
    me = state.chunk_set(org_id)
    pool = _candidates(state, me, filters, blocked, k)
    matches = [_score(state, org, me, state.cluster.organisation(c)) for c in pool]
    matches = rescaled(matches, ("profile", "fit"), state.settings.partner_weights)
    matches.sort(key=lambda m: (-m.score, m.org_id))
    warning = state.language_warning(org.profile_text())
    return ResultList(tuple(matches[:k]), (warning,) if warning else ())


def _candidates(
    state: RankingState, me: ChunkSet, filters: Filters, blocked: frozenset[str], k: int
) -> set[str]:
    size = max(state.settings.pool_size, 5 * k)
    searches = (
        (me.select({SEEK}), CAPABILITY_FIELDS),  # they can give what we seek
        (me.select(CAPABILITY_FIELDS - PROFILE_FIELDS), frozenset({SEEK})),  # they seek our offers
        (me, None),  # any resemblance; reaches every organisation with any text
    )
    pool: set[str] = set()
    for queries, fields in searches:
        if len(queries):
            flt = filters.to_search_filter(state.cluster, fields, blocked)
            pool.update(_owners(state, queries, size, flt))
    return pool


def _owners(state: RankingState, queries: ChunkSet, size: int, flt: SearchFilter) -> set[str]:
    return {
        hit.owner for hits in state.index.search_batch(queries.vectors, size, flt) for hit in hits
    }


def _score(state: RankingState, org: Organisation, me: ChunkSet, other: Organisation) -> Match:
    them = state.chunk_set(other.id)
    pairs = _pairs(me, them)
    fits = [p.score for name, p in pairs.items() if name.startswith("fit")]
    components = {
        "profile": pairs["profile"].score if "profile" in pairs else 0.0,
        "fit": mean(fits) if fits else 0.0,
        "areas": jaccard(org.areas, other.areas),
        "graph": common_neighbours(
            state.cluster.partners_of(org.id), state.cluster.partners_of(other.id)
        ),
        "popularity": popularity(len(state.cluster.partners_of(other.id)), state.max_degree()),
    }
    weights = state.settings.partner_weights
    explanation = Explanation(
        components={n: round(v, 4) for n, v in components.items()},
        weights=dict(weights),
        best_pair=_strongest(pairs),
        pairs=tuple(pairs.values()),
        shared_areas=tuple(a for a in org.areas if a in other.areas),
    )
    return _match(other, weighted(components, weights), explanation)


def _pairs(me: ChunkSet, them: ChunkSet) -> dict[str, TextPair]:
    """The best text pair per relation: their capability for our seek, and back, and profile."""
    relations = {
        "fit_their_offer_for_our_seek": (me.select({SEEK}), them.select(CAPABILITY_FIELDS)),
        "fit_our_offer_for_their_seek": (me.select(CAPABILITY_FIELDS), them.select({SEEK})),
        "profile": (me.select(PROFILE_FIELDS), them.select(PROFILE_FIELDS)),
    }
    found = {}
    for name, (left, right) in relations.items():
        best = best_pair(left, right)
        if best is not None:
            found[name] = TextPair(
                left.chunks[best.left].field,
                left.texts[best.left],
                right.chunks[best.right].field,
                right.texts[best.right],
                round(best.score, 4),
            )
    return found


def _strongest(pairs: Mapping[str, TextPair]) -> TextPair | None:
    fits = [p for name, p in pairs.items() if name.startswith("fit")]
    candidates = fits or list(pairs.values())
    return max(candidates, key=lambda p: p.score, default=None)


def weighted(components: Mapping[str, float], weights: Mapping[str, float]) -> float:
    return round(sum(weights.get(name, 0.0) * value for name, value in components.items()), 6)


def _match(org: Organisation, score: float, explanation: Explanation) -> Match:
    return Match(org.id, org.name, org.kind.value, org.country, org.city, score, explanation)
