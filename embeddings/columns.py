"""Growable numpy columns and interned string codes: the storage of per-slot and per-row facts.

Records arrive one at a time (a member edits its profile) as well as in millions (a
registry import), so columns grow in place with doubling capacity: appending is amortised
O(1) and a reader always sees a plain numpy view of the filled part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class Column:
    """A 1-d numpy array that grows by doubling; `view` is the filled part."""

    def __init__(self, dtype: np.dtype | type, fill: object = 0, capacity: int = 64) -> None:
        self.dtype = np.dtype(dtype)
        self.fill = fill
        self._data = np.full(max(capacity, 1), fill, dtype=self.dtype)
        self._size = 0

    @classmethod
    def of(cls, values: np.ndarray, fill: object = 0) -> Column:
        column = cls(values.dtype, fill, capacity=len(values))
        column.extend(values)
        return column

    @classmethod
    def adopt(cls, values: np.ndarray, fill: object = 0) -> Column:
        """A column over `values` itself, not a copy (an array just read or mapped from a
        file, which nobody else writes: filling and copying a million-row column cost as
        much as reading it). It must be writable; growing it copies it into memory."""
        column = cls(values.dtype, fill, capacity=1)
        column._data, column._size = values, len(values)
        return column

    def __len__(self) -> int:
        return self._size

    @property
    def view(self) -> np.ndarray:
        return self._data[: self._size]

    def extend(self, values: np.ndarray | Sequence[object]) -> None:
        values = np.asarray(values, dtype=self.dtype)
        self.resize(self._size + len(values))
        self._data[self._size - len(values) : self._size] = values

    def resize(self, size: int) -> None:
        """Grow (new cells hold `fill`) or keep; the array is reallocated only on doubling."""
        if size > len(self._data):
            grown = np.full(max(size, 2 * len(self._data)), self.fill, dtype=self.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._size = max(self._size, size)


class Codes:
    """Small integer codes for repeated strings (fields, languages, countries, refs)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}
        for value in values:
            self.code(value)

    def __len__(self) -> int:
        return len(self.values)

    def code(self, value: str) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found

    def codes(self, values: Iterable[str]) -> np.ndarray:
        """The code of each value, new values coded in first-seen order (one dict look-up a
        value: a million values in a fraction of a second)."""
        values = list(values)
        index = self._index
        for value in dict.fromkeys(values):
            if value not in index:
                index[value] = len(self.values)
                self.values.append(value)
        return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))

    def known(self, values: Iterable[str]) -> np.ndarray:
        """Codes of the values already seen (unknown ones cannot match anything)."""
        return np.asarray([self._index[v] for v in values if v in self._index], dtype=np.int64)

    def value(self, code: int) -> str:
        return self.values[code]


def ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges [start, start + count) and, for each element, which range.

    The vectorised form of `[i for s, c in zip(starts, counts) for i in range(s, s + c)]`:
    how an organisation's contiguous block of chunk slots is gathered for many at once.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    which = np.repeat(np.arange(len(counts)), counts)
    if total == 0:
        return np.zeros(0, dtype=np.int64), which
    offsets = np.cumsum(counts) - counts
    within = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
    return np.repeat(np.asarray(starts, dtype=np.int64), counts) + within, which
