"""Partner suggestions: who complements an organisation, and why.

Every organisation is scored exactly from the chunk table (no candidate pool): profile
resemblance, the two directed seek->offer fits, area overlap, partners of partners,
popularity, and, when weighted, the hybrid's kind fit, same country and track record.
Text pairs for the explanation are computed for the returned matches only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matcher.chunking import CAPABILITY_FIELDS, PROFILE_FIELDS, SEEK
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.ranking.components import log_share, min_max, per_owner_max
from matcher.ranking.derived import Derived, top_rows
from matcher.ranking.hybrid import TextSignals, combined, weighted_names
from matcher.ranking.state import RankingState
from matcher.ranking.text import admitted_rows
from matcher.results import Explanation, Match, ResultList, TextPair
from matcher.scoring import MIN_SPREAD, ChunkSet, best_pair

PARTNER_COMPONENTS = (
    "profile", "fit", "areas", "graph", "popularity", "kind_fit", "same_country", "track_record",
)  # fmt: skip


def suggest_partners(
    state: RankingState,
    org_id: str,
    k: int,
    filters: Filters,
    exclude: frozenset[str] = frozenset(),
) -> ResultList:
    org = state.cluster.organisation(org_id)
    derived = state.derived
    blocked = frozenset({org_id}) | state.cluster.partners_of(org_id) | exclude
    admitted = admitted_rows(state, filters, blocked)
    weights = state.settings.partner_weights
    signals = partner_signals(derived, derived.table.row_of[org_id], admitted)
    scores = combined(signals, weights)
    rows = top_rows(scores, signals.candidates, derived.id_rank, k)
    me = state.chunk_set(org_id)
    matches = tuple(_match(state, org, me, signals, scores, int(r), weights) for r in rows)
    warning = state.language_warning(org.profile_text())
    return ResultList(matches, (warning,) if warning else ())


def partner_signals(derived: Derived, row: int, admitted: np.ndarray) -> TextSignals:
    """Every partner component for every organisation (rows not admitted stay out)."""
    mine = derived.table.chunks_of_row(row)
    profile = _best_over(derived, mine, PROFILE_FIELDS, PROFILE_FIELDS)
    theirs = _best_over(derived, mine, {SEEK}, CAPABILITY_FIELDS)  # they offer what we seek
    ours = _best_over(derived, mine, CAPABILITY_FIELDS, {SEEK})  # they seek what we offer
    candidates = admitted & (np.isfinite(profile) | np.isfinite(theirs) | np.isfinite(ours))
    candidates[row] = False
    text = {
        "profile": min_max(profile, candidates, MIN_SPREAD),
        "fit": min_max(_mean_of_present(theirs, ours), candidates, MIN_SPREAD),
    }
    components = text | _relational(derived, row, candidates)
    return TextSignals(components, np.full(derived.table.size, -1), candidates)


def _mean_of_present(*values: np.ndarray) -> np.ndarray:
    """The mean of the fits each organisation has (-inf when it has none)."""
    stacked = np.stack(values)
    present = np.isfinite(stacked)
    mean = np.where(present, stacked, 0.0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)
    return np.where(present.any(axis=0), mean, -np.inf)


def _relational(derived: Derived, row: int, candidates: np.ndarray) -> dict[str, np.ndarray]:
    links, mine = derived.links, derived.areas[row]
    return {
        "areas": np.asarray([_jaccard(mine, theirs) for theirs in derived.areas]),
        "graph": links.graph.common_partners(row),
        "popularity": log_share(links.graph.degrees(), candidates),
        "kind_fit": links.kinds.fit(row),
        "same_country": (derived.countries == derived.countries[row]).astype(np.float64),
        "track_record": log_share(derived.table.evidence_counts(), candidates),
    }


def _best_over(
    derived: Derived,
    mine: np.ndarray,
    left: set[str] | frozenset[str],
    right: set[str] | frozenset[str],
) -> np.ndarray:
    """Each organisation's best cosine between our `left` chunks and its `right` chunks."""
    table = derived.table
    ours = mine[table.field_mask(left)[mine]]
    targets = table.field_mask(right)
    if len(ours) == 0:
        return np.full(table.size, -np.inf)
    best = (table.vectors[ours] @ table.vectors.T).max(axis=0)
    return per_owner_max(np.where(targets, best, -np.inf), table.owner, table.size)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _match(
    state: RankingState,
    org: Organisation,
    me: ChunkSet,
    signals: TextSignals,
    scores: np.ndarray,
    row: int,
    weights: Mapping[str, float],
) -> Match:
    other = state.cluster.organisation(state.derived.table.org_ids[row])
    pairs = _pairs(me, state.chunk_set(other.id))
    names = weighted_names(weights, PARTNER_COMPONENTS)
    explanation = Explanation(
        components={n: round(float(signals.components[n][row]), 4) for n in names},
        weights=dict(weights),
        best_pair=_strongest(pairs),
        pairs=tuple(pairs.values()),
        shared_areas=tuple(a for a in org.areas if a in other.areas),
    )
    score = round(float(scores[row]), 6)
    return Match(
        other.id, other.name, other.kind.value, other.country, other.city, score, explanation
    )


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
