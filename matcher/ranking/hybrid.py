"""The hybrid ranker for a text (a need, a call, a project idea), optionally with the
organisation that asks: every component for every organisation in one pass.

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

from matcher.chunking import CAPABILITY_FIELDS
from matcher.ranking.components import (
    combine,
    log_share,
    per_owner_argmax,
    per_owner_mass,
    per_owner_max,
    saturating,
)
from matcher.ranking.derived import Derived
from matcher.ranking.graph import NO_GROUP, Group
from matcher.ranking.table import ChunkTable

TEXT_COMPONENTS = (
    "semantic", "semantic_mass", "lexical", "lexical_mass", "joint", "ties", "graph",
    "popularity", "track_record", "kind_fit", "same_country", "areas", "preferred_country",
)  # fmt: skip
ASKER_COMPONENTS = frozenset({"joint", "ties", "graph", "kind_fit", "same_country"})


@dataclass(frozen=True)
class Holdout:
    """What the ranking must not see: evidence with these refs, links of this group."""

    refs: frozenset[str] = frozenset()
    group: Group = NO_GROUP


NO_HOLDOUT = Holdout()


@dataclass(frozen=True)
class TextQueryArrays:
    text: str
    vector: np.ndarray  # query-role vector, centred like the index
    areas: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    language: str = ""  # ISO 639-1 of the text, "" when unknown


@dataclass(frozen=True)
class TextSignals:
    components: Mapping[str, np.ndarray]
    best_chunk: np.ndarray  # row -> chunk of its best semantic match, -1 when none
    candidates: np.ndarray  # rows that may be ranked: usable text, admitted, not the asker


def text_signals(
    derived: Derived,
    query: TextQueryArrays,
    asker: int | None = None,
    holdout: Holdout = NO_HOLDOUT,
    admitted: np.ndarray | None = None,
    names: Collection[str] = TEXT_COMPONENTS,
) -> TextSignals:
    table = derived.table
    masked = table.ref_mask(holdout.refs)
    usable = usable_chunks(table, holdout)
    cosine = np.where(usable, table.vectors @ query.vector, -np.inf)
    candidates = np.isfinite(per_owner_max(cosine, table.owner, table.size))
    if admitted is not None:
        candidates &= admitted
    if asker is not None:
        candidates[asker] = False
    semantic = _anchored(cosine, table.owner, candidates, relative=True)
    components = _text_components(derived, query, semantic, masked, usable, candidates, names)
    components |= _prior_components(derived, masked, holdout, candidates)
    components |= _asker_components(derived, semantic, asker, holdout, names)
    best = per_owner_argmax(cosine, table.owner, table.size)
    return TextSignals(components, best, candidates)


def usable_chunks(table: ChunkTable, holdout: Holdout = NO_HOLDOUT) -> np.ndarray:
    """Chunks a text can match: capabilities (not seeks), without held-out evidence."""
    return table.field_mask(CAPABILITY_FIELDS) & ~table.ref_mask(holdout.refs)


def _text_components(
    derived: Derived,
    query: TextQueryArrays,
    semantic: np.ndarray,
    masked: np.ndarray,
    usable: np.ndarray,
    candidates: np.ndarray,
    names: Collection[str],
) -> dict[str, np.ndarray]:
    table, size = derived.table, derived.table.size
    bm25 = table.lexicon.scores(query.text, table.leave_out_docs(masked))[table.doc]
    lexical = _anchored(np.where(usable, bm25, -np.inf), table.owner, candidates, relative=False)
    # Words cannot meet across languages: there the semantic match stands in for the lexical
    # one, so that a Russian need is not steered to Russian texts by BM25 alone.
    apart = _other_language(table, query.language)
    lexical = np.where(apart, semantic, lexical)
    out = {
        "semantic": _clipped(per_owner_max(semantic, table.owner, size)),
        "semantic_mass": _clipped(per_owner_mass(semantic, table.owner, size), None),
        "lexical": _clipped(per_owner_max(lexical, table.owner, size)),
        "lexical_mass": _clipped(per_owner_mass(lexical, table.owner, size), None),
        "preferred_country": np.isin(derived.countries, [c.upper() for c in query.countries]),
    }
    if "areas" in names and query.areas:
        wanted = set(query.areas)
        out["areas"] = np.asarray([len(wanted & have) / len(wanted) for have in derived.areas])
    else:
        out["areas"] = np.zeros(size)
    return {name: values.astype(np.float64) for name, values in out.items()}


def _prior_components(
    derived: Derived, masked: np.ndarray, holdout: Holdout, candidates: np.ndarray
) -> dict[str, np.ndarray]:
    degrees = derived.links.graph.degrees(holdout.group)
    return {
        "popularity": log_share(degrees, candidates),
        "track_record": log_share(derived.table.evidence_counts(masked), candidates),
    }


def _asker_components(
    derived: Derived,
    semantic: np.ndarray,
    asker: int | None,
    holdout: Holdout,
    names: Collection[str],
) -> dict[str, np.ndarray]:
    size = derived.table.size
    if asker is None:
        return {name: np.zeros(size) for name in ASKER_COMPONENTS}
    graph, group = derived.links.graph, holdout.group
    joint_refs = derived.table.refs_of_row(asker) - holdout.refs
    joint = np.where(derived.table.ref_mask(joint_refs), semantic, -np.inf)
    out = {
        "joint": _clipped(per_owner_max(joint, derived.table.owner, size)),
        "ties": saturating(graph.ties(asker, group)),
        "graph": graph.common_partners(asker, group) if "graph" in names else np.zeros(size),
        "kind_fit": derived.links.kinds.fit(asker, group),
        "same_country": (derived.countries == derived.countries[asker]).astype(np.float64),
    }
    return out


def _other_language(table: ChunkTable, language: str) -> np.ndarray:
    if language in ("", "und"):
        return np.zeros(len(table.keys), dtype=bool)
    return (table.languages != "") & (table.languages != language)


def _anchored(
    values: np.ndarray, owner: np.ndarray, candidates: np.ndarray, relative: bool
) -> np.ndarray:
    """Chunk values rescaled so that the best candidate's best chunk is 1 and, for cosines,
    the median candidate's best chunk is 0 (cosine levels drift with the model and the
    query; the median candidate is what "unrelated" means here); BM25 is divided by the
    best candidate's score."""
    best = per_owner_max(values, owner, len(candidates))[candidates]
    best = best[np.isfinite(best)]
    if len(best) == 0:
        return np.full_like(values, -np.inf)
    low = float(np.median(best)) if relative else 0.0
    high = float(best.max())
    if high - low < 1e-9:
        return np.where(np.isfinite(values), 0.0, -np.inf)
    return (values - low) / (high - low)


def _clipped(values: np.ndarray, high: float | None = 1.0) -> np.ndarray:
    out = np.where(np.isfinite(values), values, 0.0)
    return np.clip(out, 0.0, high)


def combined(signals: TextSignals, weights: Mapping[str, float]) -> np.ndarray:
    """The hybrid score of every row; rows that are not candidates get -inf."""
    scores = combine(signals.components, weights)
    return np.where(signals.candidates, scores, -np.inf)


def weighted_names(
    weights: Mapping[str, float], names: Sequence[str] = TEXT_COMPONENTS
) -> list[str]:
    return [n for n in names if weights.get(n, 0.0)]
