"""Fuzzy organisation-name search over the phonetic core.

A query is normalised like a stored name (legal form off, Cyrillic and Latin to one key), so
"энергосервис", "Energoservis", "ENERGOSERVIS OOO" and "energoservice" all find
«ООО "Энергосервис"». A query that is a valid registry number finds its record directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from matcher.names.identifiers import parse_identifier
from matcher.names.normalize import country_code, normalize_name
from matcher.names.scoring import NameRecord, prepare

__all__ = ["NameIndex"]

_CHUNK = 256  # queries per cdist call: bounds the score matrix to _CHUNK x len(index)
_SHORTLIST = 50  # candidates per query that get the finer (Python-level) score


class NameIndex:
    """In-memory fuzzy index of organisation names; build once, query many times."""

    def __init__(self, records: Iterable[NameRecord]) -> None:
        prepared = [prepare(r) for r in records]
        self.ids = [p.record.id for p in prepared]
        self.cores = [p.name.core for p in prepared]
        self.concats = [p.concat for p in prepared]
        self.countries = np.array([p.country or "" for p in prepared], dtype=object)
        self.by_identifier: dict[str, list[int]] = {}
        for idx, p in enumerate(prepared):
            for scheme, value in p.ids.items():
                self.by_identifier.setdefault(f"{scheme}:{value}", []).append(idx)
            if p.domain:
                self.by_identifier.setdefault(f"DOMAIN:{p.domain}", []).append(idx)

    def __len__(self) -> int:
        return len(self.ids)

    def search(
        self, query: str, k: int = 10, country: str | None = None, *, min_score: float = 0.5
    ) -> list[tuple[str, float]]:
        """Best `k` (id, score in [0, 1]) for one query, best first."""
        return self.search_batch([query], k, country, min_score=min_score)[0]

    def search_batch(
        self,
        queries: Sequence[str],
        k: int = 10,
        country: str | None = None,
        *,
        min_score: float = 0.5,
    ) -> list[list[tuple[str, float]]]:
        """`search` for many queries at once (one vectorised fuzzy pass per chunk)."""
        mask = self._country_mask(country)
        results: list[list[tuple[str, float]]] = []
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start : start + _CHUNK]
            results.extend(self._search_chunk(chunk, k, mask, min_score))
        return results

    def _country_mask(self, country: str | None) -> np.ndarray | None:
        code = country_code(country)
        return None if code is None else self.countries == code

    def _search_chunk(
        self, queries: Sequence[str], k: int, mask: np.ndarray | None, min_score: float
    ) -> list[list[tuple[str, float]]]:
        keys = [normalize_name(q).core for q in queries]
        if not self.ids or k <= 0:
            return [[] for _ in queries]
        coarse = process.cdist(keys, self.cores, scorer=fuzz.WRatio, dtype=np.uint8, workers=-1)
        if mask is not None:
            coarse[:, ~mask] = 0
        return [
            self._rank(q, key, row, k, mask, min_score)
            for q, key, row in zip(queries, keys, coarse, strict=True)
        ]

    def _rank(
        self,
        query: str,
        key: str,
        row: np.ndarray,
        k: int,
        mask: np.ndarray | None,
        min_score: float,
    ) -> list[tuple[str, float]]:
        scores = dict.fromkeys(self._identifier_hits(query, mask), 1.0)
        if key:
            size = min(len(row), max(_SHORTLIST, k))
            for idx in np.argpartition(-row, size - 1)[:size]:
                if row[idx]:
                    scores.setdefault(int(idx), self._fine_score(key, int(idx)))
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.ids[kv[0]]))
        return [(self.ids[i], round(s, 4)) for i, s in ranked[:k] if s >= min_score]

    def _identifier_hits(self, query: str, mask: np.ndarray | None) -> list[int]:
        ident = parse_identifier(query)
        if ident is None or not ident.valid:
            return []
        hits = self.by_identifier.get(str(ident), [])
        return [i for i in hits if mask is None or mask[i]]

    def _fine_score(self, key: str, idx: int) -> float:
        core, concat = self.cores[idx], self.concats[idx]
        if key == core or key.replace(" ", "") == concat:
            return 1.0
        score = (
            0.4 * fuzz.WRatio(key, core)
            + 0.3 * fuzz.token_set_ratio(key, core)
            + 0.3 * fuzz.ratio(key.replace(" ", ""), concat)
        )
        return min(score / 100.0, 0.99)
