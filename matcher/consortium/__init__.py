"""Consortium builder: the team that covers a need, under role, country and member rules.

    from matcher.consortium import ConsortiumRequest, RoleRequirement, build_consortium
    result = build_consortium(engine, ConsortiumRequest(need_id="need-011", max_size=5))

The need is broken into competences (title, sentences, list items); a team is scored on how
well its best member covers each competence (concave, so coverage has diminishing
returns), on its required subject areas and its fit to the need, minus redundancy; lazy
greedy under the rules, then swaps, builds it (see objective, feasibility, builder).
"""

from matcher.consortium.decompose import Competence, decompose
from matcher.consortium.objective import ObjectiveSettings
from matcher.consortium.request import ConsortiumRequest, CountryRequirement, RoleRequirement
from matcher.consortium.result import (
    ConsortiumResult,
    ConstraintResult,
    Contribution,
    CoverageRow,
    Team,
    TeamMember,
    TeamScore,
)
from matcher.consortium.service import build_consortium

__all__ = [
    "Competence",
    "ConsortiumRequest",
    "ConsortiumResult",
    "ConstraintResult",
    "Contribution",
    "CountryRequirement",
    "CoverageRow",
    "ObjectiveSettings",
    "RoleRequirement",
    "Team",
    "TeamMember",
    "TeamScore",
    "build_consortium",
    "decompose",
]
