"""BM25 over a fixed collection of texts, as arrays: every document's score for a query in
one pass, with documents left out on request.

The formula and the tokens are those of matcher.lexical.BM25 (Okapi, k1 = 1.2, b = 0.75,
7-character prefixes), arranged for scoring thousands of short documents per query:
postings per term, summed with numpy. Leaving documents out adjusts the collection
statistics (document count, document frequencies, average length) as if they had never
been added, which is how an evaluation holds a project out without rebuilding anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.lexical import tokens


@dataclass(frozen=True, eq=False)  # identity: it holds arrays, and caches key on it
class Lexicon:
    vocabulary: Mapping[str, int]
    starts: np.ndarray  # term t's postings are [starts[t], starts[t + 1])
    docs: np.ndarray  # posting -> document row
    counts: np.ndarray  # posting -> term count in that document
    doc_terms: tuple[np.ndarray, ...]  # each document's distinct term ids
    lengths: np.ndarray  # tokens per document
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def build(cls, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> Lexicon:
        vocabulary: dict[str, int] = {}
        triples: list[tuple[int, int, int]] = []
        doc_terms, lengths = [], []
        for row, text in enumerate(texts):
            counts = Counter(tokens(text))
            ids = [vocabulary.setdefault(term, len(vocabulary)) for term in counts]
            triples += [(i, row, n) for i, n in zip(ids, counts.values(), strict=True)]
            doc_terms.append(np.asarray(sorted(ids), dtype=np.int64))
            lengths.append(sum(counts.values()))
        table = np.asarray(sorted(triples), dtype=np.int64).reshape(-1, 3)
        starts = np.searchsorted(table[:, 0], np.arange(len(vocabulary) + 1))
        return cls(
            vocabulary, starts, table[:, 1], table[:, 2].astype(np.float64),
            tuple(doc_terms), np.asarray(lengths, dtype=np.float64), k1, b,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.lengths)

    def scores(self, query: str, leave_out: Sequence[int] = ()) -> np.ndarray:
        """Raw BM25 of the query against every document; left-out documents score 0."""
        out = np.zeros(len(self), dtype=np.float64)
        held = np.asarray(sorted(set(leave_out)), dtype=np.int64)
        n = len(self) - len(held)
        if n <= 0:
            return out
        average = max((self.lengths.sum() - self.lengths[held].sum()) / n, 1e-9)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / average)
        removed = self._held_frequencies(held)
        for term, qtf in Counter(tokens(query)).items():
            t = self.vocabulary.get(term)
            if t is None:
                continue
            lo, hi = self.starts[t], self.starts[t + 1]
            df = hi - lo - removed.get(t, 0)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            rows, tf = self.docs[lo:hi], self.counts[lo:hi]
            out[rows] += idf * qtf * tf * (self.k1 + 1) / (tf + norm[rows])
        out[held] = 0.0
        return out

    def _held_frequencies(self, held: np.ndarray) -> dict[int, int]:
        removed: Counter[int] = Counter()
        for row in held.tolist():
            removed.update(self.doc_terms[row].tolist())
        return dict(removed)
