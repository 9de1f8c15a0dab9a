"""When each linked pair worked together: per pair (low row, high row), the links done each year.

A graph filled at once (a build, the open of a saved index with millions of partnerships)
sets these as sorted numpy arrays, summed in one pass; later writes touch few pairs and
keep theirs in a dict overlay that shadows the arrays. A Python dict per pair, filled one
link at a time, took 8 of the 34 seconds of opening a million organisations.
"""

from __future__ import annotations

import numpy as np

_SHIFT = np.int64(1 << 32)  # rows stay far below 2**31: low * 2**32 + high is one int64 key


def _keys(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.asarray(low, dtype=np.int64) * _SHIFT + np.asarray(high, dtype=np.int64)


class PairYears:
    def __init__(self) -> None:
        # one entry per (pair, year) with a positive count, sorted by pair key then year
        self._keys = np.zeros(0, dtype=np.int64)
        self._years = np.zeros(0, dtype=np.int64)
        self._counts = np.zeros(0, dtype=np.int64)
        # pairs changed after the fill: their whole {year: links}; empty means forgotten
        self._changed: dict[tuple[int, int], dict[int, int]] = {}

    @property
    def empty(self) -> bool:
        return len(self._keys) == 0 and not self._changed

    def fill(
        self, low: np.ndarray, high: np.ndarray, years: np.ndarray, counts: np.ndarray
    ) -> None:
        """Set every pair's years at once (only into an empty table): links summed per
        (pair, year) in numpy."""
        if not self.empty:
            raise ValueError("a filled table takes changes one pair at a time")
        keys = _keys(low, high)
        if len(keys) == 0:
            return
        order = np.lexsort((years, keys))
        keys, years, counts = keys[order], np.asarray(years)[order], np.asarray(counts)[order]
        first = np.r_[True, (keys[1:] != keys[:-1]) | (years[1:] != years[:-1])]
        summed = np.add.reduceat(counts, np.flatnonzero(first))
        keep = summed > 0
        self._keys, self._years = keys[first][keep], years[first][keep].astype(np.int64)
        self._counts = summed[keep].astype(np.int64)

    def of(self, low: int, high: int) -> dict[int, int]:
        """The pair's links per year (a copy)."""
        changed = self._changed.get((low, high))
        if changed is not None:
            return dict(changed)
        start, end = self._span(low, high)
        return dict(
            zip(self._years[start:end].tolist(), self._counts[start:end].tolist(), strict=True)
        )

    def add(self, low: int, high: int, year: int, times: int) -> None:
        """`times` more (negative: fewer) links of the pair in `year`."""
        found = self._editable(low, high)
        found[year] = found.get(year, 0) + times
        if found[year] <= 0:
            del found[year]

    def forget(self, low: int, high: int) -> None:
        """The pair no longer works together: its years go."""
        if self._filled((low, high)):
            self._changed[(low, high)] = {}
        else:
            self._changed.pop((low, high), None)

    def _editable(self, low: int, high: int) -> dict[int, int]:
        found = self._changed.get((low, high))
        if found is None:
            found = self._changed[(low, high)] = self.of(low, high)
        return found

    def _span(self, low: int, high: int) -> tuple[int, int]:
        key = int(low) * int(_SHIFT) + int(high)
        start = int(np.searchsorted(self._keys, key, side="left"))
        end = int(np.searchsorted(self._keys, key, side="right"))
        return start, end

    def _filled(self, pair: tuple[int, int]) -> bool:
        start, end = self._span(*pair)
        return end > start
