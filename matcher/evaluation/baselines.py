"""The rankers the harness compares: baselines and the engine's hybrid.

Baselines read the same masked signals as the hybrid (popularity = evidence documents
outside the held-out project, BM25 = the lexical component alone, partners = the asker's
links without the held-out project's), plus a TF-IDF best match of its own, so every row
of the table is measured on the same queries with the same hold-out.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from matcher.chunking import CAPABILITY_FIELDS
from matcher.evaluation.harness import Ranker, Scored
from matcher.lexical import tokens
from matcher.ranking.chunks import PoolChunks
from matcher.ranking.components import combine, per_owner_max
from matcher.settings import RankingSettings

BASELINES = ("random", "popularity", "bm25", "tfidf", "partners")
HYBRIDS = ("hybrid", "hybrid-text")
ABLATION = "hybrid-without-"


def rankers(names: Sequence[str], settings: RankingSettings) -> dict[str, Ranker]:
    """Rankers by name; the hybrids use the weights the engine itself uses, and
    "hybrid-without-<component>" the same weights less one component (an ablation)."""
    table: dict[str, Ranker] = {
        "random": _random,
        "popularity": lambda s: s.signals.components["track_record"],
        "bm25": lambda s: s.signals.components["lexical"],
        "tfidf": _tfidf_best_match,
        "partners": _past_partners,
        "semantic": lambda s: s.signals.components["semantic"],
        "hybrid": weighted(settings.need_weights),
        "hybrid-text": weighted(settings.search_weights),
    }
    for name in names:
        if name.startswith(ABLATION):
            dropped = name.removeprefix(ABLATION)
            table[name] = weighted({k: w for k, w in settings.need_weights.items() if k != dropped})
    unknown = [n for n in names if n not in table]
    if unknown:
        raise KeyError(f"unknown ranker(s): {', '.join(unknown)}; known: {', '.join(table)}")
    return {name: table[name] for name in names}


def weighted(weights: Mapping[str, float]) -> Ranker:
    frozen = dict(weights)
    return lambda s: combine(s.signals.components, frozen)


def _random(s: Scored) -> np.ndarray:
    seed = int(hashlib.sha256(s.case.query.project_id.encode()).hexdigest()[:8], 16)
    every_row = np.random.default_rng(seed).random(s.setup.state.index.catalog.row_count)
    return every_row[s.signals.rows]


def _past_partners(s: Scored) -> np.ndarray:
    """The asker's past partners by number of joint projects, then by track record."""
    popularity = s.signals.components["track_record"]
    if s.case.asker is None:
        return popularity
    ties = s.setup.state.graph.ties(s.case.asker, s.signals.rows, s.case.holdout.group)
    return ties + 1e-3 * popularity


def _tfidf_best_match(s: Scored) -> np.ndarray:
    """Each row's best cosine of sublinear TF-IDF vectors (idf smoothed as scikit-learn's,
    the held-out texts forgotten) between the query and one of its capability chunks."""
    state, holdout = s.setup.state, s.case.holdout
    lexicon = state.lexicon
    chunks = PoolChunks.gather(state, s.signals.rows)
    usable = chunks.field_mask(state, CAPABILITY_FIELDS) & ~chunks.ref_mask(
        holdout.ref_codes(state)
    )
    df, documents = lexicon.document_frequencies(lexicon.hidden_texts(holdout.slots(state)))
    idf = np.log((1 + documents) / (1 + df)) + 1
    terms, counts, which = lexicon.term_frequencies(chunks.slots)
    weights = (1 + np.log(counts)) * idf[terms]
    norms = np.sqrt(np.bincount(which, weights=weights**2, minlength=len(chunks.slots)))
    asked = Counter(t for t in tokens(s.case.text) if t in lexicon.vocabulary)
    query = np.zeros(len(idf))  # term -> the query's weight for it
    for term, n in asked.items():
        query[lexicon.vocabulary[term]] = (1 + math.log(n)) * idf[lexicon.vocabulary[term]]
    q_norm = math.sqrt(float(query @ query))
    hits = query[terms]
    dots = np.bincount(which, weights=hits * weights, minlength=len(chunks.slots))
    cosine = dots / (np.maximum(norms, 1e-12) * max(q_norm, 1e-12))
    values = np.where(usable, cosine, -np.inf)
    return per_owner_max(values, chunks.position, len(s.signals.rows))
