"""Choosing the team: lazy greedy under the rules, then local search by swaps.

Lazy greedy keeps every candidate's last marginal gain in a heap; since gains only shrink
as the team grows (the objective is submodular), a stale gain is an upper bound, and a
candidate whose fresh gain still tops the heap is the true best without rescoring the rest.
Before each addition the rules are asked whether the team can still be completed, so
greedy never paints itself into a corner; a candidate that would break that stays
unusable for good, because a larger team only has less room.

The plain top-k team (fixed members plus the best-ranked others) is a second starting point
for the local search, and the better end point wins. Local search never lowers the value,
so the result is never worse than the top-k team whenever that team meets the rules.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from matcher.consortium.feasibility import TeamRules
from matcher.consortium.objective import Scorer

EPS = 1e-9
MAX_ROUNDS = 50
MIN_REBUILDS = 2  # rebuilds without one member, tried even when no alternative is asked for


@dataclass(frozen=True)
class Solution:
    members: tuple[int, ...]
    value: float
    components: Mapping[str, float]
    origin: str  # which start the local search ran from: "greedy" or "top-k"


def greedy(scorer: Scorer, rules: TeamRules) -> list[int]:
    """Greedy from the fixed members; assumes rules.completable(rules.fixed). Lazy when the
    objective is submodular, else every gain is recomputed at each step."""
    if not scorer.p.objective.submodular:
        return _plain_greedy(scorer, rules)
    team = list(rules.fixed)
    best, held = scorer.state(team)
    heap = [
        (-scorer.gain(i, team, best, held), i)
        for i in range(scorer.p.size)
        if rules.eligible(i, team)
    ]
    heapq.heapify(heap)
    while len(team) < rules.max_size:
        pick = _pop_best(scorer, rules, team, best, held, heap)
        if pick is None:
            break
        gain, i = pick
        if gain <= EPS and rules.satisfied(team):
            break  # more members would only add redundancy
        team.append(i)
        best, held = scorer.state(team)
    return team


def _plain_greedy(scorer: Scorer, rules: TeamRules) -> list[int]:
    team = list(rules.fixed)
    while len(team) < rules.max_size:
        base = scorer.value(team)
        values = scorer.values_with(team)
        pick = None
        for j in np.argsort(-values, kind="stable").tolist():
            if rules.eligible(j, team) and rules.completable([*team, j]):
                pick = j
                break
        if pick is None:
            break
        if values[pick] - base <= EPS and rules.satisfied(team):
            break  # more members would only add redundancy
        team.append(pick)
    return team


def _pop_best(
    scorer: Scorer,
    rules: TeamRules,
    team: list[int],
    best: np.ndarray,
    held: np.ndarray,
    heap: list[tuple[float, int]],
) -> tuple[float, int] | None:
    while heap:
        _, i = heapq.heappop(heap)
        gain = scorer.gain(i, team, best, held)
        if heap and gain < -heap[0][0] - EPS:
            heapq.heappush(heap, (-gain, i))  # stale bound: re-queue with the fresh gain
            continue
        if rules.completable([*team, i]):
            return gain, i
    return None


def improve(scorer: Scorer, rules: TeamRules, team: Sequence[int]) -> list[int]:
    """Best-improvement local search over swaps, additions and removals within the rules."""
    current, value = list(team), scorer.value(team)
    for _ in range(MAX_ROUNDS):
        move = _best_move(scorer, rules, current, value)
        if move is None:
            break
        current, value = move
    return current


def _best_move(
    scorer: Scorer, rules: TeamRules, team: list[int], value: float
) -> tuple[list[int], float] | None:
    movable = [m for m in team if m not in rules.fixed]
    options: list[tuple[float, list[int]]] = []
    bases: list[tuple[list[int], int | None]] = [(team, None)] if len(team) < rules.max_size else []
    bases += [([m for m in team if m != out], out) for out in movable]
    for base, out in bases:
        values = scorer.values_with(base)
        for j in np.argsort(-values):
            if values[j] <= value + EPS:
                break
            if rules.eligible(int(j), team):
                options.append((float(values[j]), [*base, int(j)]))
        if out is not None and len(base) >= rules.min_size:
            options.append((scorer.value(base), base))
    options.sort(key=lambda o: -o[0])
    for new_value, new_team in options:
        if new_value > value + EPS and rules.satisfied(new_team):
            return new_team, new_value
    return None


def solve(scorer: Scorer, rules: TeamRules, baseline: Sequence[int] = ()) -> Solution:
    """The best of greedy+swaps and (when it meets the rules) top-k+swaps."""
    starts = [("greedy", greedy(scorer, rules))]
    if baseline and rules.satisfied(baseline):
        starts.append(("top-k", list(baseline)))
    ends = [(origin, improve(scorer, rules, team)) for origin, team in starts]
    origin, team = max(ends, key=lambda e: scorer.value(e[1]) + (EPS if e[0] == "greedy" else 0))
    return evaluate(scorer, team, origin)


def teams(
    scorer: Scorer, rules: TeamRules, baseline: Sequence[int] = (), n_alternatives: int = 0
) -> list[Solution]:
    """The best team, then up to n distinct next-best teams, best first.

    Alternatives are the best team rebuilt without one of its members (weakest first). A
    rebuild can escape the local optimum the first search stopped in, so a few are always
    tried and the ranking redone: the team reported best is the best found.
    """
    best = solve(scorer, rules, baseline)
    found: dict[frozenset[int], Solution] = {frozenset(best.members): best}
    for out in _weakest_first(scorer, rules, best.members):
        if len(found) > max(2 * n_alternatives, MIN_REBUILDS):
            break
        banned = replace(rules, banned=rules.banned | {out})
        if banned.completable(banned.fixed):
            other = solve(scorer, banned)
            found.setdefault(frozenset(other.members), other)
    ranked = sorted(found.values(), key=lambda s: -s.value)  # stable: ties keep `best` first
    return ranked[: n_alternatives + 1]


def _weakest_first(scorer: Scorer, rules: TeamRules, team: Sequence[int]) -> list[int]:
    total = scorer.value(team)
    loss = {m: total - scorer.value([x for x in team if x != m]) for m in team}
    return sorted((m for m in team if m not in rules.fixed), key=lambda m: loss[m])


def evaluate(scorer: Scorer, team: Sequence[int], origin: str) -> Solution:
    """A team scored on the objective, with its components."""
    parts = scorer.components(team)
    return Solution(tuple(team), scorer.total(parts), parts, origin)


def top_k(order: Sequence[int], rules: TeamRules) -> list[int]:
    """The plain ranking's team: the fixed members, then the best-ranked others up to size."""
    team = list(rules.fixed)
    for i in order:
        if len(team) >= rules.max_size:
            break
        if rules.eligible(i, team):
            team.append(i)
    return team
