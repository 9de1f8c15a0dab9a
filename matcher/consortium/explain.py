"""Why a consortium request cannot be met, in words a staff member can act on.

Single constraints are checked first (they name the culprit); only when each is fine on its
own is the joint failure described, with the eligible organisations counted by role and
country, since that table is what shows which combination is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.consortium.feasibility import Bound, TeamRules


def explain(rules: TeamRules, fixed_names: Sequence[str] = ()) -> list[str]:
    """Reasons the rules cannot be met; empty when a team exists."""
    reasons = _size_reasons(rules, fixed_names)
    pool = [i for i in range(len(rules.role_of)) if i not in rules.banned]
    fixed_roles, fixed_countries = rules.counts(rules.fixed)
    pool_roles, pool_countries = rules.counts(pool)
    for kind, bounds, fixed, avail, of in (
        ("role", rules.roles, fixed_roles, pool_roles, rules.role_of),
        ("country", rules.countries, fixed_countries, pool_countries, rules.country_of),
    ):
        reasons += _bound_reasons(kind, bounds, fixed, avail, rules.max_size)
        others = sum(1 for i in pool if of[i] < 0)
        reasons += _capacity_reason(kind, bounds, avail, others, rules.min_size)
    if not reasons and not rules.completable(rules.fixed):
        reasons.append(_joint_reason(rules, pool))
    return reasons


def _size_reasons(rules: TeamRules, fixed_names: Sequence[str]) -> list[str]:
    reasons = []
    fixed = len(rules.fixed)
    if fixed > rules.max_size:
        who = f" ({', '.join(fixed_names)})" if fixed_names else ""
        reasons.append(
            f"{fixed} members are fixed{who} but the team may have at most {rules.max_size}"
        )
    pool = len(rules.role_of) - len(rules.banned)
    if pool < rules.min_size:
        reasons.append(
            f"only {pool} eligible organisations, but the team needs at least {rules.min_size}"
        )
    return reasons


def _bound_reasons(
    kind: str, bounds: Sequence[Bound], fixed: Sequence[int], avail: Sequence[int], max_size: int
) -> list[str]:
    reasons = []
    for bound, have, can in zip(bounds, fixed, avail, strict=True):
        if bound.at_most is not None and have > bound.at_most:
            reasons.append(
                f"{kind} {bound.name}: the fixed members already include {have}, "
                f"more than the {bound.at_most} allowed"
            )
        if can < bound.at_least:
            reasons.append(
                f"{kind} {bound.name} needs at least {bound.at_least}, but only {can} eligible "
                f"organisation{'s' if can != 1 else ''} remain after the kind, country and "
                f"exclusion filters"
            )
    need = sum(b.at_least for b in bounds)
    if need > max_size:
        reasons.append(
            f"the {kind} requirements need at least {need} members together, "
            f"more than the maximum team size {max_size}"
        )
    return reasons


def _capacity_reason(
    kind: str, bounds: Sequence[Bound], avail: Sequence[int], others: int, min_size: int
) -> list[str]:
    """Upper limits (and a pool without other candidates) can leave too few seats."""
    room = others + sum(
        can if b.at_most is None else min(can, b.at_most)
        for b, can in zip(bounds, avail, strict=True)
    )
    if room >= min_size:
        return []
    return [
        f"the {kind} limits leave room for at most {room} of the candidates, "
        f"fewer than the minimum team size {min_size}"
    ]


def _joint_reason(rules: TeamRules, pool: Sequence[int]) -> str:
    larger = next(
        (m for m in range(rules.max_size + 1, len(pool) + 1) if rules.completable(rules.fixed, m)),
        None,
    )
    hint = f"; a team of {larger} members would be possible" if larger else ""
    return (
        f"no team of {rules.min_size}..{rules.max_size} members meets the role and country "
        f"requirements together{hint}. Candidates by role and country: "
        f"{_table(rules, pool)}"
    )


def _table(rules: TeamRules, pool: Sequence[int]) -> str:
    role_names = [b.name for b in rules.roles] + ["other roles"]
    country_names = [b.name for b in rules.countries] + ["other countries"]
    rows = []
    for g, role in enumerate(role_names):
        g_id = g if g < len(rules.roles) else -1
        cells = []
        for c, country in enumerate(country_names):
            c_id = c if c < len(rules.countries) else -1
            n = sum(1 for i in pool if rules.role_of[i] == g_id and rules.country_of[i] == c_id)
            cells.append(f"{country} {n}")
        rows.append(f"{role}: {', '.join(cells)}")
    return "; ".join(rows)
