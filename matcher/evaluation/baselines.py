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
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from matcher.evaluation.harness import Ranker, Scored
from matcher.lexical import tokens
from matcher.ranking.components import combine, per_owner_max
from matcher.ranking.hybrid import usable_chunks
from matcher.ranking.lexicon import Lexicon
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
    return np.random.default_rng(seed).random(s.setup.state.derived.table.size)


def _past_partners(s: Scored) -> np.ndarray:
    """The asker's past partners by number of joint projects, then by track record."""
    popularity = s.signals.components["track_record"]
    if s.case.asker is None:
        return popularity
    graph = s.setup.state.derived.links.graph
    return graph.ties(s.case.asker, s.case.holdout.group) + 1e-3 * popularity


def _tfidf_best_match(s: Scored) -> np.ndarray:
    table = s.setup.state.derived.table
    usable = usable_chunks(table, s.case.holdout)
    held = table.leave_out_docs(table.ref_mask(s.case.holdout.refs))
    cosine = _tfidf(table.lexicon).cosines(s.case.text, held)[table.doc]
    return per_owner_max(np.where(usable, cosine, -np.inf), table.owner, table.size)


@cache
def _tfidf(lexicon: Lexicon) -> TfIdf:
    return TfIdf(lexicon)


@dataclass(frozen=True, eq=False)
class TfIdf:
    """Cosine of sublinear TF-IDF vectors, on the lexicon's tokens and postings."""

    lexicon: Lexicon

    @cached_property
    def _terms(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.lexicon.starts) - 1), np.diff(self.lexicon.starts))

    def cosines(self, query: str, leave_out: Sequence[int] = ()) -> np.ndarray:
        lex = self.lexicon
        idf = self._idf(leave_out)
        weights = (1 + np.log(lex.counts)) * idf[self._terms]
        norms = np.sqrt(np.bincount(lex.docs, weights=weights**2, minlength=len(lex)))
        out = np.zeros(len(lex))
        asked = {
            lex.vocabulary[t]: n for t, n in Counter(tokens(query)).items() if t in lex.vocabulary
        }
        q_norm = math.sqrt(sum(((1 + math.log(n)) * idf[t]) ** 2 for t, n in asked.items()))
        for t, n in asked.items():
            lo, hi = lex.starts[t], lex.starts[t + 1]
            out[lex.docs[lo:hi]] += (1 + math.log(n)) * idf[t] * weights[lo:hi]
        out /= np.maximum(norms, 1e-12) * max(q_norm, 1e-12)
        out[list(leave_out)] = 0.0
        return out

    def _idf(self, leave_out: Sequence[int]) -> np.ndarray:
        """Smoothed idf (as scikit-learn's), with the left-out documents forgotten."""
        lex = self.lexicon
        df = np.diff(lex.starts).astype(np.float64)
        for row in leave_out:
            df[lex.doc_terms[row]] -= 1
        n = len(lex) - len(leave_out)
        return np.log((1 + n) / (1 + df)) + 1
