"""A chosen team (pool positions) turned into members, contributions, coverage and checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.consortium.builder import Solution
from matcher.consortium.decompose import Competence
from matcher.consortium.feasibility import TeamRules
from matcher.consortium.objective import Scorer
from matcher.consortium.pool import PoolData
from matcher.consortium.result import (
    ConstraintResult,
    Contribution,
    CoverageRow,
    Team,
    TeamMember,
    TeamScore,
)

# A competence whose best member reaches less than half of the pool's best lead over the
# typical candidate is reported as a gap: someone in the pool would do it clearly better.
GAP_LEVEL = 0.5


@dataclass(frozen=True)
class ReportContext:
    data: PoolData
    competences: Sequence[Competence]
    areas: Sequence[str]
    rules: TeamRules
    scorer: Scorer
    fixed_labels: Mapping[int, str]


def render(ctx: ReportContext, solution: Solution) -> Team:
    team = list(solution.members)
    rows = [*_competence_rows(ctx, team), *_area_rows(ctx, team)]
    checks = tuple(
        ConstraintResult(c.name, c.requirement, c.actual, c.met) for c in ctx.rules.checks(team)
    )
    score = TeamScore(
        round(solution.value, 4),
        {k: round(v, 4) for k, v in solution.components.items()},
        ctx.scorer.p.objective.weights(),
    )
    members = tuple(sorted((_member(ctx, team, m) for m in team), key=_member_order))
    gaps = tuple(r.label for r in rows if r.gap)
    return Team(members, tuple(rows), gaps, checks, score, solution.origin)


def _member_order(m: TeamMember) -> tuple[int, float]:
    return (0 if m.fixed else 1, -m.marginal)


def _member(ctx: ReportContext, team: list[int], m: int) -> TeamMember:
    org, rules = ctx.data.orgs[m], ctx.rules
    role = rules.roles[rules.role_of[m]].name if rules.role_of[m] >= 0 else ""
    without = ctx.scorer.value([x for x in team if x != m])
    held = tuple(a for j, a in enumerate(ctx.areas) if ctx.data.area_hits[m, j])
    return TeamMember(
        org.id,
        org.name,
        org.kind.value,
        org.country,
        org.city,
        role,
        ctx.fixed_labels.get(m, ""),
        round(float(ctx.scorer.p.relevance[m]), 4),
        round(ctx.scorer.value(team) - without, 4),
        tuple(_contributions(ctx, team, m)),
        held,
        {c.id: round(float(ctx.scorer.p.cover[m, j]), 4) for j, c in enumerate(ctx.competences)},
    )


def _contributions(ctx: ReportContext, team: list[int], m: int) -> list[Contribution]:
    cover = ctx.scorer.p.cover
    out = []
    for j, comp in enumerate(ctx.competences):
        best = team[int(np.argmax(cover[team, j]))]
        if best == m and cover[m, j] > 0:
            field, text = _chunk(ctx, m, j)
            raw = round(float(ctx.data.raw_cover[m, j]), 4)
            out.append(
                Contribution(comp.id, comp.text, field, text, raw, round(float(cover[m, j]), 4))
            )
    return out


def _chunk(ctx: ReportContext, m: int, j: int) -> tuple[str, str]:
    k = int(ctx.data.best_chunk[m, j])
    if k < 0:
        return "", ""
    chunks = ctx.data.chunks[m]
    return chunks.fields[k], chunks.texts[k]


def _competence_rows(ctx: ReportContext, team: list[int]) -> list[CoverageRow]:
    cover, rows = ctx.scorer.p.cover, []
    outside = [i for i in range(len(ctx.data.orgs)) if i not in team]
    for j, comp in enumerate(ctx.competences):
        best = team[int(np.argmax(cover[team, j]))] if team else -1
        value = float(cover[best, j]) if best >= 0 else 0.0
        gap = value < GAP_LEVEL
        alt = max(outside, key=lambda i: cover[i, j]) if gap and outside else None
        rows.append(
            CoverageRow(
                "competence",
                comp.id,
                comp.text,
                comp.weight,
                round(value, 4),
                ctx.data.orgs[best].id if value > 0 else None,
                _chunk(ctx, best, j)[1] if value > 0 else "",
                gap,
                ctx.data.orgs[alt].id if alt is not None and cover[alt, j] > value else None,
                round(float(cover[alt, j]), 4) if alt is not None else 0.0,
            )
        )
    return rows


def _area_rows(ctx: ReportContext, team: list[int]) -> list[CoverageRow]:
    rows = []
    ranked = [i for i in ctx.data.ranked if i not in team]
    for j, area in enumerate(ctx.areas):
        holders = [m for m in team if ctx.data.area_hits[m, j]]
        alt = next((i for i in ranked if ctx.data.area_hits[i, j]), None) if not holders else None
        rows.append(
            CoverageRow(
                "area",
                area,
                area,
                1.0,
                1.0 if holders else 0.0,
                ctx.data.orgs[holders[0]].id if holders else None,
                "",
                not holders,
                ctx.data.orgs[alt].id if alt is not None else None,
                1.0 if alt is not None else 0.0,
            )
        )
    return rows
