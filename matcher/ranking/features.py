"""The learned ranker's features of (query, asker, candidate), vectorised over a candidate set.

Every hybrid component (matcher.ranking.hybrid) is a feature, beside what a linear sum
cannot use well: pairwise graph scores (common partners, Adamic-Adar, resource allocation,
personalised PageRank from the asker, years since the two last worked together), the
candidate's recency (years since it was last active, its projects of the last three
years) and the match of the query to its three most recent projects, country-pair and
kind-pair frequencies learnt from the links, the overlap of the query's programme with
the candidate's, and a few facts of the asker (how connected it is) that let the trees
treat newcomers differently. A feature that cannot be read (no asker, no year) is NaN,
which the trees treat as missing. The held-out project is masked in each of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.chunking import EVIDENCE
from matcher.ranking.chunks import PoolChunks
from matcher.ranking.components import combine, per_owner_max
from matcher.ranking.history import NO_YEAR
from matcher.ranking.hybrid import TEXT_COMPONENTS, Holdout, TextQueryArrays, TextSignals
from matcher.ranking.pairwise import WalkMatrix, last_joint_year, personalised_pagerank, two_hop
from matcher.ranking.state import RankingState

GRAPH_FEATURES = (
    "common_partners", "adamic_adar", "resource_allocation", "pagerank", "years_since_joint",
)  # fmt: skip
RECENCY_FEATURES = ("years_since_active", "recent_projects", "recent_text")
AFFINITY_FEATURES = ("country_lift", "kind_share")
TOPIC_FEATURES = ("topic_share", "topic_best")
PRIOR_FEATURES = ("partners", "projects", "asker_partners", "asker_projects")
KIND_FEATURES = ("kind", "asker_kind")  # categorical: the kind codes
# the linear hybrid's own components, and its score (the need weights' sum of them): the
# trees start from the linear ranking instead of rediscovering it from few queries
HYBRID_FEATURES = (*TEXT_COMPONENTS, "linear")
FEATURES = (
    *HYBRID_FEATURES, *GRAPH_FEATURES, *RECENCY_FEATURES, *AFFINITY_FEATURES,
    *TOPIC_FEATURES, *PRIOR_FEATURES, *KIND_FEATURES,
)  # fmt: skip
GROUPS = {
    "graph": GRAPH_FEATURES,
    "recency": RECENCY_FEATURES,
    "affinity": AFFINITY_FEATURES,
    "topic": TOPIC_FEATURES,
    "priors": PRIOR_FEATURES,
    "kinds": KIND_FEATURES,
}
RECENT_YEARS = 3  # "recent projects": those of the reference year and the two before it
RECENT_DOCS = 3  # "most recent projects": the candidate's three latest documents


@dataclass(frozen=True)
class FeatureInput:
    state: RankingState
    query: TextQueryArrays
    signals: TextSignals
    asker: int | None
    holdout: Holdout
    walk: WalkMatrix


def feature_matrix(given: FeatureInput, positions: np.ndarray) -> np.ndarray:
    """(len(positions), len(FEATURES)) for these positions of the pool."""
    rows = given.signals.rows[positions]
    columns = {n: given.signals.components[n][positions] for n in TEXT_COMPONENTS}
    linear = combine(given.signals.components, given.state.settings.need_weights)
    columns["linear"] = linear[positions]
    columns |= _graph(given, rows)
    columns |= _history(given, rows, positions)
    columns |= _affinity(given, rows)
    out = np.empty((len(positions), len(FEATURES)))
    for j, name in enumerate(FEATURES):
        out[:, j] = columns[name]
    return out


def reference_year(state: RankingState, query: TextQueryArrays) -> int | None:
    """The query's own year, else the cluster's latest: what "recent" is measured from."""
    if query.year is not None:
        return query.year
    return state.history.latest if state.history.latest != NO_YEAR else None


def _graph(given: FeatureInput, rows: np.ndarray) -> dict[str, np.ndarray]:
    state, asker, held = given.state, given.asker, given.holdout.group
    degrees = state.graph.degrees(rows, held)
    out = {"partners": np.log1p(np.maximum(degrees, 0.0))}
    if asker is None:
        nan = np.full(len(rows), np.nan)
        return out | {n: nan for n in (*GRAPH_FEATURES, "asker_partners")}
    hop = two_hop(state.graph, asker, rows, held)
    pagerank = personalised_pagerank(given.walk, state.graph, asker, held)
    year = reference_year(state, given.query)
    joint = last_joint_year(state.graph, asker, rows, held)
    mine = len(state.graph.partners(asker, held))
    return out | {
        "common_partners": hop.common,
        "adamic_adar": hop.adamic_adar,
        "resource_allocation": hop.resource_allocation,
        "pagerank": pagerank[rows],
        "years_since_joint": (year - joint) if year is not None else np.full(len(rows), np.nan),
        "asker_partners": np.full(len(rows), np.log1p(mine)),
    }


def _history(given: FeatureInput, rows: np.ndarray, positions: np.ndarray) -> dict[str, np.ndarray]:
    """Recency, the match to the most recent projects and the programme overlap, from the
    candidates' unmasked evidence chunks."""
    state, size = given.state, len(rows)
    chunks = PoolChunks.gather(state, rows)
    masked = chunks.ref_mask(given.holdout.ref_codes(state))
    evidence = chunks.field_mask(state, {EVIDENCE}) & ~masked
    years = state.history.years_of(chunks.slots)
    dated = evidence & (years != NO_YEAR)
    last = per_owner_max(np.where(dated, years, -np.inf), chunks.position, size)
    now = reference_year(state, given.query)
    docs = _documents(chunks, evidence)
    out = {
        "years_since_active": np.where(np.isfinite(last), (now or 0) - last, np.nan)
        if now is not None
        else np.full(size, np.nan),
        "recent_projects": _recent_count(chunks, docs, years, now, size),
        "recent_text": _recent_text(given, chunks, dated, years, last),
        "projects": np.bincount(chunks.position[docs], minlength=size).astype(np.float64),
    }
    out |= _topics(given, chunks, evidence, size)
    out |= _asker_projects(given, size)
    return out


def _documents(chunks: PoolChunks, evidence: np.ndarray) -> np.ndarray:
    """One evidence chunk per document (passages of one document share its ref)."""
    at = np.flatnonzero(evidence)
    refs = chunks.refs[at]
    keys = np.where(refs >= 0, chunks.position[at] * (2**32) + refs, -1 - at)
    _, first = np.unique(keys, return_index=True)
    return at[np.sort(first)]


def _recent_count(
    chunks: PoolChunks, docs: np.ndarray, years: np.ndarray, now: int | None, size: int
) -> np.ndarray:
    if now is None:
        return np.full(size, np.nan)
    recent = docs[
        (years[docs] != NO_YEAR) & (years[docs] <= now) & (years[docs] > now - RECENT_YEARS)
    ]
    return np.bincount(chunks.position[recent], minlength=size).astype(np.float64)


def _recent_text(
    given: FeatureInput, chunks: PoolChunks, dated: np.ndarray, years: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """The best cosine of the query to one of the candidate's RECENT_DOCS latest documents,
    less the typical candidate's best cosine (cosine levels drift with the query), read over
    the pool's reference sample so that it does not depend on which rows joined the pool."""
    size = len(last)
    # rank of each dated chunk's year among its owner's distinct years, latest first
    at = np.flatnonzero(dated)
    if len(at) == 0:  # no dated document in any candidate
        return np.full(size, np.nan)
    order = np.lexsort((-years[at], chunks.position[at]))
    at = at[order]
    owner, year = chunks.position[at], years[at]
    new_owner = np.r_[True, owner[1:] != owner[:-1]]
    new_year = new_owner | np.r_[True, year[1:] != year[:-1]]
    step = np.cumsum(new_year)
    rank = step - np.maximum.accumulate(np.where(new_owner, step, 0))
    keep = at[rank < RECENT_DOCS]
    cosine = np.full(len(chunks.slots), -np.inf)
    if len(keep):
        cosine[keep] = chunks.index.vectors(chunks.slots[keep]) @ given.query.vector
    best = per_owner_max(cosine, chunks.position, size)
    typical, candidates = given.signals.best_cosine, given.signals.candidates
    if given.signals.reference is not None and (candidates & given.signals.reference).any():
        candidates = candidates & given.signals.reference
    low = float(np.median(typical[candidates])) if typical is not None and candidates.any() else 0.0
    return np.where(np.isfinite(best), best - low, np.nan)


def _topics(
    given: FeatureInput, chunks: PoolChunks, evidence: np.ndarray, size: int
) -> dict[str, np.ndarray]:
    if not given.query.topics:
        return {"topic_share": np.full(size, np.nan), "topic_best": np.full(size, np.nan)}
    history = given.state.history
    wanted = history.mask(given.query.topics)
    labels = history.topics_of(chunks.slots)
    both = np.bitwise_count(labels & wanted).astype(np.float64)
    union = np.maximum(np.bitwise_count(labels | wanted), 1)
    docs = np.flatnonzero(evidence)
    counts = np.bincount(chunks.position[docs], minlength=size)
    shared = np.bincount(chunks.position[docs], weights=both[docs] > 0, minlength=size)
    best = per_owner_max(np.where(evidence, both / union, -np.inf), chunks.position, size)
    return {
        "topic_share": np.where(counts > 0, shared / np.maximum(counts, 1), np.nan),
        "topic_best": np.where(np.isfinite(best), best, np.nan),
    }


def _asker_projects(given: FeatureInput, size: int) -> dict[str, np.ndarray]:
    if given.asker is None:
        return {"asker_projects": np.full(size, np.nan)}
    state = given.state
    mine = PoolChunks.gather(state, np.asarray([given.asker]))
    masked = mine.ref_mask(given.holdout.ref_codes(state))
    evidence = mine.field_mask(state, {EVIDENCE}) & ~masked
    return {"asker_projects": np.full(size, float(len(_documents(mine, evidence))))}


def _affinity(given: FeatureInput, rows: np.ndarray) -> dict[str, np.ndarray]:
    state, asker, group = given.state, given.asker, given.holdout.group
    facts = state.facts
    kinds = facts.kind.view[rows].astype(np.int64)
    out = {"kind": kinds.astype(np.float64)}
    if asker is None:
        nan = np.full(len(rows), np.nan)
        return out | {"asker_kind": nan, "country_lift": nan, "kind_share": nan}
    members = group.members
    held_kinds = facts.kind.view[members].astype(np.int64) if len(members) else None
    held_countries = facts.country.view[members].astype(np.int64) if len(members) else None
    kind = int(facts.kind.view[asker])
    countries = facts.country.view[rows].astype(np.int64)
    return out | {
        "asker_kind": np.full(len(rows), float(kind)),
        "kind_share": state.kinds.share(kind, kinds, state.kinds_present(), held_kinds),
        "country_lift": state.countries.lift(
            int(facts.country.view[asker]), countries, held_countries
        ),
    }
