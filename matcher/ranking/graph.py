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
        self._links: dict[int, dict[int, int]] = {}
        self.degree = Column(np.float64)  # row -> distinct partners
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # row -> sorted neighbours
        # (low row, high row) -> {year: links that year}: when a pair last worked together
        self.years: dict[tuple[int, int], dict[int, int]] = {}
        self.changes = 0  # one more per change: derived matrices key on it

    # --- changes -------------------------------------------------------------------------
    def grow(self, rows: int) -> None:
        self.degree.resize(rows)

    def link(self, a: int, b: int, times: int = 1, year: int | None = None) -> None:
        """Record `times` more joint pieces of work between two rows (negative: fewer),
        done in `year` when known."""
        if a == b:
            return
        self.grow(max(a, b) + 1)
        self.changes += 1
        self._count_year((min(a, b), max(a, b)), times, year)
        for one, other in ((a, b), (b, a)):
            links = self._links.setdefault(one, {})
            before = links.get(other, 0)
            after = max(before + times, 0)
            if after:
                links[other] = after
            else:
                links.pop(other, None)
            self.degree.view[one] += (after > 0) - (before > 0)
            self._arrays.pop(one, None)

    def _count_year(self, pair: tuple[int, int], times: int, year: int | None) -> None:
        if year is None:
            if times < 0 and self._links.get(pair[0], {}).get(pair[1], 0) + times <= 0:
                self.years.pop(pair, None)
            return
        counts = self.years.setdefault(pair, {})
        counts[year] = counts.get(year, 0) + times
        if counts[year] <= 0:
            del counts[year]
        if not counts:
            del self.years[pair]

    def drop(self, row: int) -> None:
        """Remove every link of a row (an organisation deleted or merged away)."""
        for other, count in list(self._links.get(row, {}).items()):
            self.link(row, other, -count)

    # --- reading -------------------------------------------------------------------------
    def neighbours(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The row's partners (sorted) and the link count to each."""
        found = self._arrays.get(row)
        if found is None:
            links = self._links.get(row, {})
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

    def pairs(self) -> list[tuple[int, int, int]]:
        """Every linked pair once (a < b) with its count."""
        return [(a, b, n) for a, links in self._links.items() for b, n in links.items() if a < b]


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == w] for each w (0 where absent); keys sorted ascending."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if len(keys) == 0:
        return np.zeros(len(wanted))
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0.0).astype(np.float64)
