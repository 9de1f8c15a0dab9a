"""Team rules (size, roles, countries, fixed members) and whether a team can still meet them.

Each candidate has one role group (or none) and one constrained country (or none), so the
question "can this partial team be completed?" is a transportation problem: pick counts per
(role, country) type within what the pool still offers, so that every role and country
total lands within its bounds and the size within its range. That is a feasible
circulation with lower bounds, answered exactly by one max-flow on a graph of a dozen
nodes; the builder asks it before every addition, so it never walks into a dead end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Bound:
    """At least / at most this many members of one role group or one country."""

    name: str
    at_least: int = 0
    at_most: int | None = None

    def describe(self) -> str:
        if self.at_most is None:
            return f">= {self.at_least}"
        if self.at_most == self.at_least:
            return f"= {self.at_least}"
        return f"{self.at_least}..{self.at_most}"

    def admits(self, count: int) -> bool:
        return count >= self.at_least and (self.at_most is None or count <= self.at_most)


@dataclass(frozen=True)
class RuleCheck:
    name: str
    requirement: str
    actual: int
    met: bool


@dataclass(frozen=True)
class TeamRules:
    """Rules over a pool of candidates 0..n-1; -1 in role_of/country_of means unconstrained."""

    min_size: int
    max_size: int
    role_of: tuple[int, ...]
    country_of: tuple[int, ...]
    roles: tuple[Bound, ...] = ()
    countries: tuple[Bound, ...] = ()
    fixed: tuple[int, ...] = ()
    banned: frozenset[int] = frozenset()
    _types: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # type id of each candidate: role (or none) x country (or none)
        types = [self._type(r, c) for r, c in zip(self.role_of, self.country_of, strict=True)]
        object.__setattr__(self, "_types", np.asarray(types, dtype=int))

    @property
    def n_types(self) -> int:
        return (len(self.roles) + 1) * (len(self.countries) + 1)

    def _type(self, role: int, country: int) -> int:
        r = role if role >= 0 else len(self.roles)
        c = country if country >= 0 else len(self.countries)
        return r * (len(self.countries) + 1) + c

    def type_counts(self, members: Sequence[int]) -> tuple[int, ...]:
        return tuple(np.bincount(self._types[list(members)], minlength=self.n_types).tolist())

    def available(self) -> tuple[int, ...]:
        allowed = [i for i in range(len(self.role_of)) if i not in self.banned]
        return self.type_counts(allowed)

    def eligible(self, candidate: int, team: Sequence[int]) -> bool:
        return candidate not in self.banned and candidate not in team

    def counts(self, team: Sequence[int]) -> tuple[list[int], list[int]]:
        roles = [sum(1 for m in team if self.role_of[m] == g) for g in range(len(self.roles))]
        countries = [
            sum(1 for m in team if self.country_of[m] == c) for c in range(len(self.countries))
        ]
        return roles, countries

    def checks(self, team: Sequence[int]) -> list[RuleCheck]:
        roles, countries = self.counts(team)
        size = Bound("size", self.min_size, self.max_size)
        out = [RuleCheck("team size", size.describe(), len(team), size.admits(len(team)))]
        for bound, n in zip(self.roles, roles, strict=True):
            out.append(RuleCheck(f"role {bound.name}", bound.describe(), n, bound.admits(n)))
        for bound, n in zip(self.countries, countries, strict=True):
            out.append(RuleCheck(f"country {bound.name}", bound.describe(), n, bound.admits(n)))
        return out

    def satisfied(self, team: Sequence[int]) -> bool:
        return set(self.fixed) <= set(team) and all(c.met for c in self.checks(team))

    def completable(self, team: Sequence[int], max_size: int | None = None) -> bool:
        """Can `team` (with the fixed members) grow, from the unbanned rest of the pool, into
        a team meeting the rules?"""
        have = self.type_counts(sorted(set(team) | set(self.fixed)))
        left = tuple(a - h for a, h in zip(self.available(), have, strict=True))
        limit = self.max_size if max_size is None else max_size
        return _completable(self._shape(), have, left, self.min_size, limit)

    def _shape(
        self,
    ) -> tuple[tuple[tuple[int, int | None], ...], tuple[tuple[int, int | None], ...]]:
        return (
            tuple((b.at_least, b.at_most) for b in self.roles),
            tuple((b.at_least, b.at_most) for b in self.countries),
        )


Shape = tuple[tuple[tuple[int, int | None], ...], tuple[tuple[int, int | None], ...]]


@lru_cache(maxsize=65_536)
def _completable(
    shape: Shape, have: tuple[int, ...], left: tuple[int, ...], min_size: int, max_size: int
) -> bool:
    roles, countries = shape
    n_r, n_c = len(roles) + 1, len(countries) + 1
    have_m = np.asarray(have).reshape(n_r, n_c)
    left_m = np.asarray(left).reshape(n_r, n_c)
    size = int(have_m.sum())
    big = int(left_m.sum()) + max_size + 1
    # nodes: 0 source, 1 sink, 2.. role groups (last: no role), then countries (last: other)
    edges: list[tuple[int, int, int, int]] = [(1, 0, max(0, min_size - size), max_size - size)]
    for g in range(n_r):
        lo, hi = _residual(roles[g] if g < len(roles) else (0, None), int(have_m[g].sum()), big)
        edges.append((0, 2 + g, lo, hi))
        for c in range(n_c):
            edges.append((2 + g, 2 + n_r + c, 0, int(left_m[g, c])))
    for c in range(n_c):
        bound = countries[c] if c < len(countries) else (0, None)
        lo, hi = _residual(bound, int(have_m[:, c].sum()), big)
        edges.append((2 + n_r + c, 1, lo, hi))
    return _feasible_circulation(edges, 2 + n_r + n_c)


def _residual(bound: tuple[int, int | None], have: int, big: int) -> tuple[int, int]:
    at_least, at_most = bound
    return max(0, at_least - have), (big if at_most is None else at_most - have)


def _feasible_circulation(edges: list[tuple[int, int, int, int]], n: int) -> bool:
    """Standard reduction: lower bounds become supplies, then one max-flow must saturate."""
    cap = np.zeros((n + 2, n + 2), dtype=np.int64)
    excess = np.zeros(n, dtype=np.int64)
    for u, v, lo, hi in edges:
        if hi < lo:
            return False
        cap[u, v] += hi - lo
        excess[v] += lo
        excess[u] -= lo
    src, dst = n, n + 1
    for v in range(n):
        if excess[v] > 0:
            cap[src, v] = excess[v]
        elif excess[v] < 0:
            cap[v, dst] = -excess[v]
    return _max_flow(cap, src, dst) == int(excess[excess > 0].sum())


def _max_flow(cap: np.ndarray, src: int, dst: int) -> int:
    """Edmonds-Karp on a dense capacity matrix (the graph has a few dozen nodes)."""
    flow = 0
    while True:
        parent = np.full(cap.shape[0], -1)
        parent[src] = src
        queue = [src]
        while queue and parent[dst] < 0:
            u = queue.pop(0)
            for v in np.nonzero((cap[u] > 0) & (parent < 0))[0]:
                parent[v] = u
                queue.append(int(v))
        if parent[dst] < 0:
            return flow
        path, node = [], dst
        while node != src:
            path.append((int(parent[node]), node))
            node = int(parent[node])
        push = min(int(cap[u, w]) for u, w in path)
        for u, w in path:
            cap[u, w] -= push
            cap[w, u] += push
        flow += push
