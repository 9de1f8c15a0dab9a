"""Pairwise graph scores between an asking organisation and the rows of its candidate set.

Link prediction on collaboration graphs finds most of its signal in such heuristics:
common partners, Adamic-Adar and resource allocation (common partners weighted by how
few partners each has: a shared small partner says more than a shared giant), a
personalised PageRank from the asker (every path, not only two-hop ones), and how long
ago the two last worked together. Every score takes a held-out project (`Group`) out
exactly, as a graph rebuilt without it would give (tests/test_features.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.ranking.graph import NO_GROUP, CoParticipation, Group

# Restart probability of the walk, and its steps: 0.8^25 leaves under 0.4% of the mass
# unsettled, below what separates candidates.
RESTART = 0.2
STEPS = 25


@dataclass(frozen=True)
class TwoHop:
    common: np.ndarray  # shared partners
    adamic_adar: np.ndarray  # sum over shared partners z of 1 / log(partners of z)
    resource_allocation: np.ndarray  # sum over shared partners z of 1 / partners of z


def two_hop(graph: CoParticipation, row: int, rows: np.ndarray, held: Group = NO_GROUP) -> TwoHop:
    """Shared-partner scores of `row` with each of `rows` (the asker's partners' lists only
    are read: a loop over its partners, never over all organisations)."""
    zeros = np.zeros(len(rows))
    mine = graph.partners(row, held)
    if len(mine) == 0 or len(rows) == 0:
        return TwoHop(zeros, zeros.copy(), zeros.copy())
    degree = np.maximum(graph.degrees(mine, held), 1.0)
    reached, owner = [], []
    for i, partner in enumerate(mine.tolist()):
        cols = graph.partners(partner, held) if held.has(partner) else graph.neighbours(partner)[0]
        reached.append(cols)
        owner.append(np.full(len(cols), i))
    found, via = np.concatenate(reached), np.concatenate(owner)
    order = np.argsort(rows, kind="stable")
    at = np.minimum(np.searchsorted(rows[order], found), len(rows) - 1)
    hit = (rows[order][at] == found) & (found != row)
    where, via = order[at[hit]], via[hit]
    size = len(rows)
    return TwoHop(
        np.bincount(where, minlength=size).astype(np.float64),
        np.bincount(where, weights=1.0 / np.log(np.maximum(degree[via], 2.0)), minlength=size),
        np.bincount(where, weights=1.0 / degree[via], minlength=size),
    )


def last_joint_year(
    graph: CoParticipation, row: int, rows: np.ndarray, held: Group = NO_GROUP
) -> np.ndarray:
    """The latest year `row` worked with each of `rows` (NaN: never, or no year known)."""
    out = np.full(len(rows), np.nan)
    partners = graph.partners(row, held)
    hit = np.flatnonzero(np.isin(rows, partners))
    for i in hit.tolist():
        other = int(rows[i])
        counts = graph.years.of(min(row, other), max(row, other))
        if held.year is not None and held.has(row) and held.has(other):
            counts[held.year] = counts.get(held.year, 0) - 1
        years = [y for y, n in counts.items() if n > 0]
        if years:
            out[i] = max(years)
    return out


class WalkMatrix:
    """The graph as a sparse matrix of link counts, rebuilt only after the links changed or
    rows were added (link writes are rare next to queries; the rebuild sums the graph's
    link changes in numpy: a few hundred milliseconds at a million links)."""

    def __init__(self) -> None:
        self._key = (-1, -1)
        self._matrix: sparse.csr_matrix | None = None
        self._strength = np.zeros(0)

    def of(self, graph: CoParticipation) -> tuple[sparse.csr_matrix, np.ndarray]:
        size = len(graph.degree)  # rows added since (a write) need a larger matrix
        if self._matrix is None or self._key != (graph.changes, size):
            a, b, n = graph.link_events()
            counts = np.r_[n, n].astype(np.float64)
            matrix = sparse.coo_matrix(
                (counts, (np.r_[a, b], np.r_[b, a])), shape=(size, size)
            ).tocsr()  # duplicate pairs are summed
            matrix.data = np.maximum(matrix.data, 0.0)
            matrix.eliminate_zeros()
            self._matrix, self._key = matrix, (graph.changes, size)
            self._strength = np.asarray(matrix.sum(axis=1)).ravel()
        return self._matrix, self._strength


def personalised_pagerank(
    walk: WalkMatrix, graph: CoParticipation, row: int, held: Group = NO_GROUP
) -> np.ndarray:
    """Visit probabilities of a walk over joint projects that restarts at `row`, for every
    row, times the number of linked rows (so that 1 is an average row's share whatever the
    graph's size). The held-out project (one link between each two of its members) is
    subtracted from every step exactly; a row left without links sends its mass back."""
    matrix, strength = walk.of(graph)
    size = matrix.shape[0]
    members = held.members[held.members < size]
    strength = strength.copy()
    if len(members) > 1:
        strength[members] -= len(members) - 1
    dangling = strength <= 1e-12
    inverse = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, strength))
    x = np.zeros(size)
    x[row] = 1.0
    for _ in range(STEPS):
        y = x * inverse
        spread = matrix @ y
        if len(members) > 1:
            spread[members] -= y[members].sum() - y[members]
        spread[row] += x[dangling].sum()
        x = (1 - RESTART) * spread
        x[row] += RESTART
    return x * max(int(np.count_nonzero(~dangling)), 1)


def team_closeness(
    walk: WalkMatrix, graph: CoParticipation, rows: np.ndarray, held: Group = NO_GROUP
) -> np.ndarray:
    """(n, n) how near each two of `rows` are in the record, in [0, 1]: either relation
    counts, past joint work (saturating in the number of joint projects) or shared
    partners (Salton index of the two partner sets). Read from the sparse link matrix
    for these rows only; the held-out project's links are taken out."""
    matrix, _ = walk.of(graph)
    rows = np.asarray(rows, dtype=np.int64)
    counts = matrix[rows].tolil(copy=True)
    members = set(held.members.tolist())
    for i, row in enumerate(rows.tolist()):
        if row in members:
            for other in members - {row}:
                counts[i, other] = max(counts[i, other] - 1, 0)
    links = counts.tocsr()
    links.eliminate_zeros()
    binary = (links > 0).astype(np.float64)
    shared = (binary @ binary.T).toarray()
    degree = np.asarray(binary.sum(axis=1)).ravel()
    salton = shared / np.sqrt(np.maximum(np.outer(degree, degree), 1.0))
    ties = np.minimum(np.log1p(links[:, rows].toarray()) / np.log1p(10.0), 1.0)
    out = 1.0 - (1.0 - ties) * (1.0 - np.clip(salton, 0.0, 1.0))
    np.fill_diagonal(out, 0.0)
    return out
