"""The co-participation graph as arrays: who worked with whom, and how often.

Each Partnership record is one joint piece of work (the CORDIS loader writes one per pair
of organisations per project), so a pair's link count is how many times they worked
together. Signals for an asking organisation are vectors over every organisation: its ties
(link counts), its partners' partners (Salton index of the two partner sets), everyone's
degree (distinct partners). A `Group` takes one joint project out (one link between each
pair of its members), which is how an evaluation holds a project out without a rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.model import Partnership


@dataclass(frozen=True)
class Group:
    """Organisations (rows) of one held-out joint project; empty holds nothing out."""

    members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def has(self, row: int) -> bool:
        return bool((self.members == row).any())


NO_GROUP = Group()


@dataclass(frozen=True)
class CoParticipation:
    indptr: np.ndarray  # CSR over organisation rows, columns sorted
    indices: np.ndarray
    counts: np.ndarray  # links between the two organisations

    @classmethod
    def build(cls, rows: Mapping[str, int], partnerships: Sequence[Partnership]) -> CoParticipation:
        pairs: Counter[tuple[int, int]] = Counter()
        for p in partnerships:
            a, b = rows.get(p.a), rows.get(p.b)
            if a is not None and b is not None and a != b:
                pairs[(a, b)] += 1
                pairs[(b, a)] += 1
        table = np.asarray(sorted((a, b, n) for (a, b), n in pairs.items()), dtype=np.int64)
        table = table.reshape(-1, 3)
        indptr = np.searchsorted(table[:, 0], np.arange(len(rows) + 1))
        return cls(indptr, table[:, 1], table[:, 2].astype(np.float64))

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    def _row(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[row], self.indptr[row + 1]
        return self.indices[lo:hi], self.counts[lo:hi]

    def ties(self, row: int, held: Group = NO_GROUP) -> np.ndarray:
        """Links from `row` to every organisation, without the held-out project's."""
        out = np.zeros(self.size)
        cols, counts = self._row(row)
        out[cols] = counts
        if held.has(row):
            others = held.members[held.members != row]
            out[others] = np.maximum(out[others] - 1, 0)
        return out

    def degrees(self, held: Group = NO_GROUP) -> np.ndarray:
        """Distinct partners of every organisation, without the held-out project's links."""
        out = np.diff(self.indptr).astype(np.float64)
        for m in held.members.tolist():
            out[m] -= len(self._lost_links(m, held))
        return out

    def _lost_links(self, row: int, held: Group) -> np.ndarray:
        """Members whose only link with `row` was the held-out project."""
        others = held.members[held.members != row]
        cols, counts = self._row(row)
        at = np.searchsorted(cols, others)
        found = (at < len(cols)) & (cols[np.minimum(at, len(cols) - 1)] == others)
        single = np.zeros(len(others), dtype=bool)
        single[found] = counts[at[found]] == 1
        return others[single]

    def common_partners(self, row: int, held: Group = NO_GROUP) -> np.ndarray:
        """Salton index of `row`'s partner set with every organisation's, in [0, 1]."""
        mine = np.flatnonzero(self.ties(row, held) > 0)
        if len(mine) == 0:
            return np.zeros(self.size)
        spans = [self._row(n)[0] for n in mine.tolist()]
        shared = np.bincount(np.concatenate(spans), minlength=self.size).astype(np.float64)
        for n in np.intersect1d(mine, held.members).tolist():
            shared[self._lost_links(n, held)] -= 1  # those links of the partner are held out
        shared[row] = 0.0
        degree = self.degrees(held)
        return shared / np.sqrt(np.maximum(degree, 1.0) * len(mine))
