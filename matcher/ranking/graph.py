"""The co-participation graph, updated in place: who worked with whom, and how often.

Each Partnership record is one joint piece of work (the CORDIS loader writes one per pair
of organisations per project), so a pair's link count is how many times they worked
together. Signals for an asking organisation are read for the rows a query asks about
(its candidate pool), never for all organisations: its ties (link counts), its partners'
partners (Salton index of the two partner sets), and each row's degree (distinct
partners). A `Group` takes one joint project out (one link between each pair of its
members), which is how an evaluation holds a project out without a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embeddings.columns import Column
from matcher.ranking.pair_years import PairYears

EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Group:
    """Organisations (rows) of one held-out joint project; empty holds nothing out."""

    members: np.ndarray = field(default_factory=lambda: EMPTY)
    year: int | None = None  # when the held-out project started (its links carry that year)

    def has(self, row: int) -> bool:
        return bool((self.members == row).any())


NO_GROUP = Group()


class CoParticipation:
    def __init__(self) -> None:
        # rows filled at once (a build, an open): sorted neighbours and link counts as one
        # CSR array set, built in numpy (a dict per row cost seconds at a million rows)
        self._starts = np.zeros(1, dtype=np.int64)
        self._cols = EMPTY
        self._counts = np.zeros(0)
        # rows changed since: their whole {partner: links}, shadowing the arrays
        self._links: dict[int, dict[int, int]] = {}
        self.degree = Column(np.float64)  # row -> distinct partners
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # changed row -> sorted
        self.years = PairYears()  # when each pair last worked together
        self.changes = 0  # one more per change: derived matrices key on it
        # every link change as it came (pair and count): a matrix of the whole graph is
        # summed from these in numpy, never walked out of the dicts in Python
        self._events = (Column(np.int64), Column(np.int64), Column(np.int64))

    # --- changes -------------------------------------------------------------------------
    def grow(self, rows: int) -> None:
        self.degree.resize(rows)

    def link(self, a: int, b: int, times: int = 1, year: int | None = None) -> None:
        """Record `times` more joint pieces of work between two rows (negative: fewer),
        done in `year` when known."""
        years = None if year is None else np.asarray([year])
        self.link_many(np.asarray([a]), np.asarray([b]), times, years)

    def link_many(
        self,
        a: np.ndarray,
        b: np.ndarray,
        times: np.ndarray | int = 1,
        years: np.ndarray | None = None,
    ) -> None:
        """`link` for many pairs at once (a pair may repeat; `years` per pair, or none
        known): the pairs are summed in numpy, then each distinct directed pair touches its
        dict once."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        counts = np.broadcast_to(np.asarray(times, dtype=np.int64), a.shape)
        keep = a != b
        if not keep.any():
            return
        a, b, counts = a[keep], b[keep], counts[keep]
        self.changes += 1
        for column, values in zip(self._events, (a, b, counts), strict=True):
            column.extend(values)
        self._count_years(a, b, counts, None if years is None else np.asarray(years)[keep])
        size = int(max(a.max(), b.max())) + 1
        self.grow(size)
        keys, summed = _summed(np.concatenate([a, b]) * size + np.concatenate([b, a]),
                               np.concatenate([counts, counts]))  # fmt: skip
        ones, others = np.divmod(keys, size)
        if self._empty():  # a graph filled at once (a build, an open)
            self._fill(ones, others, summed, size)
            return
        change = np.zeros(size)
        for one, other, count in zip(ones.tolist(), others.tolist(), summed.tolist(), strict=True):
            links = self._editable(one)
            before = links.get(other, 0)
            after = max(before + count, 0)
            if after:
                links[other] = after
            else:
                links.pop(other, None)
            change[one] += (after > 0) - (before > 0)
            self._arrays.pop(one, None)
        self.degree.view[:size] += change

    def _empty(self) -> bool:
        return len(self._cols) == 0 and not self._links

    def _editable(self, row: int) -> dict[int, int]:
        """The row's links as a dict that a change may edit (taken from the arrays once)."""
        links = self._links.get(row)
        if links is None:
            cols, counts = self.neighbours(row)
            links = self._links[row] = dict(
                zip(cols.tolist(), counts.astype(np.int64).tolist(), strict=True)
            )
        return links

    def _fill(self, ones: np.ndarray, others: np.ndarray, counts: np.ndarray, size: int) -> None:
        """Links into an empty graph, `ones` sorted and `others` sorted within each row."""
        positive = counts > 0
        ones, others, counts = ones[positive], others[positive], counts[positive]
        self._starts = np.searchsorted(ones, np.arange(size + 1)).astype(np.int64)
        self._cols, self._counts = others.astype(np.int64), counts.astype(np.float64)
        self.degree.view[:size] += np.bincount(ones, minlength=size)

    def _count_years(
        self, a: np.ndarray, b: np.ndarray, counts: np.ndarray, years: np.ndarray | None
    ) -> None:
        """Per pair and year, the links done that year (read before the links change: a
        pair whose links are all taken away forgets its years)."""
        low, high = np.minimum(a, b), np.maximum(a, b)
        if years is not None and self.years.empty and self._empty() and (counts > 0).all():
            dated = years >= 0
            self.years.fill(low[dated], high[dated], years[dated], counts[dated])
            return
        each_year = years.tolist() if years is not None else [None] * len(low)
        for one, other, times, year in zip(
            low.tolist(), high.tolist(), counts.tolist(), each_year, strict=True
        ):
            if year is not None and year >= 0:
                self.years.add(one, other, year, times)
            elif times < 0 and self._links_between(one, other) + times <= 0:
                self.years.forget(one, other)

    def _links_between(self, row: int, other: int) -> int:
        return int(_lookup(*self.neighbours(row), np.asarray([other]))[0])

    # --- reading -------------------------------------------------------------------------
    def neighbours(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The row's partners (sorted) and the link count to each."""
        found = self._arrays.get(row)
        if found is not None:
            return found
        links = self._links.get(row)
        if links is None:  # unchanged since the fill: a slice of the arrays (read only)
            if row + 1 >= len(self._starts):
                return EMPTY, np.zeros(0)
            start, end = self._starts[row], self._starts[row + 1]
            return self._cols[start:end], self._counts[start:end]
        cols = np.fromiter(links.keys(), dtype=np.int64, count=len(links))
        counts = np.fromiter(links.values(), dtype=np.float64, count=len(links))
        order = np.argsort(cols)
        found = self._arrays[row] = (cols[order], counts[order])
        return found

    def ties(self, row: int, rows: np.ndarray, held: Group = NO_GROUP) -> np.ndarray:
        """Links from `row` to each of `rows`, without the held-out project's."""
        out = _lookup(*self.neighbours(row), rows)
        if held.has(row):
            others = np.isin(rows, held.members) & (rows != row)
            out[others] = np.maximum(out[others] - 1, 0)
        return out

    def partners(self, row: int, held: Group = NO_GROUP) -> np.ndarray:
        """Rows that worked with `row`, the held-out project's links removed."""
        cols, _ = self.neighbours(row)
        return cols[self.ties(row, cols, held) > 0]

    def degrees(self, rows: np.ndarray, held: Group = NO_GROUP) -> np.ndarray:
        """Distinct partners of each of `rows`, without the held-out project's links."""
        out = self.degree.view[rows].copy()
        if len(held.members) == 0:
            return out
        for member in np.intersect1d(rows, held.members).tolist():
            out[rows == member] -= len(self._lost_links(member, held))
        return out

    def _lost_links(self, row: int, held: Group) -> np.ndarray:
        """Members whose only link with `row` was the held-out project."""
        others = held.members[held.members != row]
        return others[_lookup(*self.neighbours(row), others) == 1]

    def shared_partners(self, row: int, held: Group = NO_GROUP) -> tuple[np.ndarray, np.ndarray]:
        """Rows that share partners with `row` (its partners' partners), with how many."""
        mine = self.partners(row, held)
        if len(mine) == 0:
            return EMPTY, np.zeros(0)
        reached = np.concatenate([self.neighbours(n)[0] for n in mine.tolist()])
        rows, counts = np.unique(reached, return_counts=True)
        totals = counts.astype(np.float64)
        # a held-out partner's links that were only the held-out project do not count
        lost = [self._lost_links(n, held) for n in np.intersect1d(mine, held.members).tolist()]
        if lost:
            gone, times = np.unique(np.concatenate(lost), return_counts=True)
            totals -= _lookup(gone, times.astype(np.float64), rows)
        keep = (rows != row) & (totals > 0)
        return rows[keep], totals[keep]

    def common_partners(self, row: int, rows: np.ndarray, held: Group = NO_GROUP) -> np.ndarray:
        """Salton index of `row`'s partner set with each of `rows`' partner sets, in [0, 1]."""
        mine = len(self.partners(row, held))
        if mine == 0:
            return np.zeros(len(rows))
        shared = _lookup(*self.shared_partners(row, held), rows)
        degree = self.degrees(rows, held)
        return shared / np.sqrt(np.maximum(degree, 1.0) * mine)

    def link_events(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every link change so far as (a, b, count) arrays; summed per pair they are the
        link counts (a pair's sum never goes below what `link` clips to: 0)."""
        return self._events[0].view, self._events[1].view, self._events[2].view

    def pairs(self) -> list[tuple[int, int, int]]:
        """Every linked pair once (a < b) with its count."""
        out = []
        for a in range(len(self.degree)):
            cols, counts = self.neighbours(a)
            pairs = zip(cols.tolist(), counts.tolist(), strict=True)
            out += [(a, b, int(n)) for b, n in pairs if a < b]
        return out


def _summed(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key once, with the sum of its values."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, np.bincount(inverse, weights=values).astype(np.int64)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == w] for each w (0 where absent); keys sorted ascending."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if len(keys) == 0:
        return np.zeros(len(wanted))
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0.0).astype(np.float64)
