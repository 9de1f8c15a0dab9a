"""Which kinds of organisation work with which: type fit learned from the cluster's links.

A company that asks usually ends up with research institutes and universities beside it,
a university with companies and other universities; how much more (or less) often than
chance is read from the known partnerships themselves, so the prior follows the data it
ranks (CORDIS consortia, or a cluster's own record) instead of a hand-written table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.model import Partnership
from matcher.ranking.graph import NO_GROUP, Group

# Half a link per kind pair keeps a rare pair from swinging to +-infinity.
SMOOTHING = 0.5


@dataclass(frozen=True)
class KindAffinity:
    kind_of: np.ndarray  # organisation row -> kind index
    links: np.ndarray  # kind x kind link counts, symmetric

    @classmethod
    def build(
        cls, kinds: Sequence[str], rows: Mapping[str, int], partnerships: Sequence[Partnership]
    ) -> KindAffinity:
        names = sorted(set(kinds))
        kind_of = np.asarray([names.index(k) for k in kinds], dtype=np.int64)
        links = np.zeros((len(names), len(names)))
        for p in partnerships:
            a, b = rows.get(p.a), rows.get(p.b)
            if a is not None and b is not None and a != b:
                links[kind_of[a], kind_of[b]] += 1
                links[kind_of[b], kind_of[a]] += 1
        return cls(kind_of, links)

    def fit(self, row: int, held: Group = NO_GROUP) -> np.ndarray:
        """log2 of how much likelier each organisation's kind is as a partner of `row`'s
        kind than as a partner in general, clipped to [-1, 1]; held-out links removed."""
        links = self.links - self._held_links(held)
        mine = links[self.kind_of[row]] + SMOOTHING
        overall = links.sum(axis=0) + SMOOTHING
        lift = (mine / mine.sum()) / (overall / overall.sum())
        return np.clip(np.log2(lift), -1.0, 1.0)[self.kind_of]

    def _held_links(self, held: Group) -> np.ndarray:
        out = np.zeros_like(self.links)
        kinds = self.kind_of[held.members]
        for i, a in enumerate(kinds.tolist()):
            for j, b in enumerate(kinds.tolist()):
                if i != j:
                    out[a, b] += 1
        return out
