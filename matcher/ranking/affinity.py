"""Which kinds of organisation work with which: type fit learned from the cluster's links.

A company that asks usually ends up with research institutes and universities beside it,
a university with companies and other universities; how much more (or less) often than
chance is read from the known partnerships themselves, so the prior follows the data it
ranks (CORDIS consortia, or a cluster's own record) instead of a hand-written table. The
kind-by-kind counts are updated link by link.
"""

from __future__ import annotations

import numpy as np

from matcher.model import OrgKind

# Half a link per kind pair keeps a rare pair from swinging to +-infinity.
SMOOTHING = 0.5
KINDS = tuple(OrgKind)
KIND_CODE = {kind.value: i for i, kind in enumerate(KINDS)}


class KindAffinity:
    def __init__(self) -> None:
        self.links = np.zeros((len(KINDS), len(KINDS)))  # kind x kind link counts, symmetric

    def link(self, kind_a: int, kind_b: int, times: int = 1) -> None:
        self.link_many(np.asarray([kind_a]), np.asarray([kind_b]), times)

    def link_many(self, kinds_a: np.ndarray, kinds_b: np.ndarray, times: np.ndarray | int = 1):
        counts = np.broadcast_to(np.asarray(times, dtype=np.float64), np.shape(kinds_a))
        np.add.at(self.links, (kinds_a, kinds_b), counts)
        np.add.at(self.links, (kinds_b, kinds_a), counts)

    def fit(
        self, kind: int, kinds: np.ndarray, present: np.ndarray, held: np.ndarray | None = None
    ) -> np.ndarray:
        """log2 of how much likelier each candidate's kind (`kinds`) is as a partner of
        `kind` than as a partner in general, clipped to [-1, 1]. Only the kinds `present`
        in the cluster take part (smoothing an absent kind would shift every share);
        `held` are the kinds of a held-out project's members, whose links with each other
        are taken out."""
        share, overall = self._shares(kind, present, held)
        return np.clip(np.log2(share / overall), -1.0, 1.0)[np.cumsum(present)[kinds] - 1]

    def share(
        self, kind: int, kinds: np.ndarray, present: np.ndarray, held: np.ndarray | None = None
    ) -> np.ndarray:
        """The share of `kind`'s links that go to each candidate's kind (a frequency)."""
        share, _ = self._shares(kind, present, held)
        return share[np.cumsum(present)[kinds] - 1]

    def _shares(
        self, kind: int, present: np.ndarray, held: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        links = self.links - _held_links(held) if held is not None else self.links
        links = links[np.ix_(present, present)]
        at = np.cumsum(present) - 1  # kind code -> position among the present kinds
        mine = links[at[kind]] + SMOOTHING
        overall = links.sum(axis=0) + SMOOTHING
        return mine / mine.sum(), overall / overall.sum()


class CountryAffinity:
    """Which countries' organisations work together: link counts by country pair, grown as
    countries appear. A Finnish coordinator's consortia lean to Nordic and Baltic partners
    more than chance; the lift says how much, learnt from the links themselves."""

    def __init__(self) -> None:
        self.links = np.zeros((0, 0))

    def link(self, a: int, b: int, times: int = 1) -> None:
        self.link_many(np.asarray([a]), np.asarray([b]), times)

    def link_many(self, a: np.ndarray, b: np.ndarray, times: np.ndarray | int = 1) -> None:
        """Links between countries (codes; -1, an unknown country, is left out)."""
        counts = np.broadcast_to(np.asarray(times, dtype=np.float64), np.shape(a))
        known = (a >= 0) & (b >= 0)
        a, b, counts = a[known], b[known], counts[known]
        if len(a) == 0:
            return
        size = int(max(a.max(), b.max())) + 1
        if size > len(self.links):
            grown = np.zeros((size, size))
            grown[: len(self.links), : len(self.links)] = self.links
            self.links = grown
        np.add.at(self.links, (a, b), counts)
        np.add.at(self.links, (b, a), counts)

    def lift(
        self, country: int, countries: np.ndarray, held: np.ndarray | None = None
    ) -> np.ndarray:
        """log2 of how much likelier each candidate's country is as a partner of `country`
        than as a partner in general (clipped to [-3, 3]); `held` are the country codes of
        a held-out project's members, whose links with each other are taken out."""
        size = len(self.links)
        if country < 0 or country >= size:
            return np.zeros(len(countries))
        links = self.links - _held_links(held, size) if held is not None else self.links
        mine = links[country] + SMOOTHING
        overall = links.sum(axis=0) + SMOOTHING
        lift = np.log2((mine / mine.sum()) / (overall / overall.sum()))
        known = (countries >= 0) & (countries < size)
        return np.where(known, np.clip(lift[np.where(known, countries, 0)], -3.0, 3.0), 0.0)


def _held_links(codes: np.ndarray, size: int = len(KINDS)) -> np.ndarray:
    """Links between every two members of one project, by kind (or country) pair."""
    codes = codes[(codes >= 0) & (codes < size)]
    counts = np.bincount(codes, minlength=size).astype(np.float64)
    out = np.outer(counts, counts)
    out[np.diag_indices(size)] -= counts  # a member is not its own partner
    return out
