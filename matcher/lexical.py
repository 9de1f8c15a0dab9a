"""BM25 over organisation profiles: the exact-word signal next to the embeddings.

Words are cut to a prefix so that Russian and Finnish inflections ("насосов", "насосы";
"lämpöpumppu", "lämpöpumpun") meet without a stemmer per language; a multilingual model
can miss rare technical terms and product names that a lexical match catches.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"[^\W\d_]{2,}|\d{2,}")
PREFIX = 7
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "are",
        "our",
        "its",
        "into",
        "will",
        "have",
        "has",
        "was",
        "were",
        "been",
        "their",
        "they",
        "them",
        "than",
        "then",
        "also",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "how",
        "all",
        "any",
        "can",
        "may",
        "per",
        "via",
        "not",
        "but",
        "и",
        "в",
        "во",
        "на",
        "с",
        "со",
        "по",
        "для",
        "от",
        "до",
        "из",
        "к",
        "о",
        "об",
        "что",
        "как",
        "это",
        "или",
        "а",
        "но",
        "же",
        "при",
        "за",
        "не",
        "его",
        "их",
        "ее",
        "ja",
        "tai",
        "sekä",
        "on",
        "ovat",
        "oli",
        "että",
        "kanssa",
        "myös",
        "joka",
        "jotka",
        "sen",
        "niiden",
        "se",
        "og",
        "i",
        "på",
        "med",
        "for",
        "til",
        "av",
        "fra",
        "som",
        "er",
        "var",
        "det",
        "den",
        "de",
        "en",
        "et",
        "å",
        "ikke",
        "har",
    ]
)


def tokens(text: str) -> list[str]:
    words = _TOKEN.findall(text.casefold())
    return [w[:PREFIX] for w in words if w not in STOPWORDS]


class BM25:
    """Okapi BM25 with in-place add and remove of one document."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._docs: dict[str, Counter[str]] = {}
        self._lengths: dict[str, int] = {}
        self._df: Counter[str] = Counter()
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, doc_id: str, text: str) -> None:
        self.remove(doc_id)
        counts = Counter(tokens(text))
        self._docs[doc_id] = counts
        self._lengths[doc_id] = sum(counts.values())
        self._total_length += self._lengths[doc_id]
        self._df.update(counts.keys())

    def add_many(self, docs: Mapping[str, str]) -> None:
        for doc_id, text in docs.items():
            self.add(doc_id, text)

    def remove(self, doc_id: str) -> None:
        counts = self._docs.pop(doc_id, None)
        if counts is None:
            return
        self._total_length -= self._lengths.pop(doc_id)
        self._df.subtract(counts.keys())

    def idf(self, term: str) -> float:
        n, df = len(self._docs), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str, doc_ids: Iterable[str]) -> dict[str, float]:
        """Raw BM25 of the query against each given document (0 for unknown ids)."""
        terms = Counter(tokens(query))
        avg = self._total_length / max(1, len(self._docs))
        weights = {t: self.idf(t) for t in terms}
        return {d: self._score(d, terms, weights, avg) for d in doc_ids}

    def _score(
        self, doc_id: str, terms: Counter[str], idf: Mapping[str, float], avg: float
    ) -> float:
        counts = self._docs.get(doc_id)
        if not counts:
            return 0.0
        norm = self.k1 * (1 - self.b + self.b * self._lengths[doc_id] / max(avg, 1e-9))
        total = 0.0
        for term, qtf in terms.items():
            tf = counts.get(term, 0)
            if tf:
                total += idf[term] * qtf * tf * (self.k1 + 1) / (tf + norm)
        return total


def scaled(scores: Mapping[str, float]) -> dict[str, float]:
    """Divide by the best score so the lexical component lives in [0, 1] like cosine."""
    top = max(scores.values(), default=0.0)
    return {k: (v / top if top > 0 else 0.0) for k, v in scores.items()}
