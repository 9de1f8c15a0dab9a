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
        links = self.links - _held_links(held) if held is not None else self.links
        links = links[np.ix_(present, present)]
        at = np.cumsum(present) - 1  # kind code -> position among the present kinds
        mine = links[at[kind]] + SMOOTHING
        overall = links.sum(axis=0) + SMOOTHING
        lift = (mine / mine.sum()) / (overall / overall.sum())
        return np.clip(np.log2(lift), -1.0, 1.0)[at[kinds]]


def _held_links(kinds: np.ndarray) -> np.ndarray:
    """Links between every two members of one project, by kind pair."""
    counts = np.bincount(kinds, minlength=len(KINDS)).astype(np.float64)
    out = np.outer(counts, counts)
    out[np.diag_indices(len(KINDS))] -= counts  # a member is not its own partner
    return out
