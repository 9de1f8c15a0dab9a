"""What the builder returns: teams with members, contributions, coverage, rules and score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from matcher.consortium.decompose import Competence


@dataclass(frozen=True)
class Contribution:
    """A part of the need this member covers best in the team, and the text that shows it."""

    competence_id: str
    competence: str
    match_field: str
    match_text: str
    similarity: float  # raw cosine of the competence to the member's best chunk
    coverage: float  # relative to the candidate pool, in [0, 1]


@dataclass(frozen=True)
class TeamMember:
    org_id: str
    name: str
    kind: str
    country: str
    city: str
    role: str  # the role requirement it fills ("" when none)
    fixed: str  # "asker", "must include" or ""
    relevance: float  # fit to the need as a whole, relative to the pool
    marginal: float  # how much the team's score drops without this member
    contributions: tuple[Contribution, ...]
    areas: tuple[str, ...]  # required areas this member holds
    # how well it covers every competence (id -> coverage), best in the team or not: the
    # rows of a competences-by-members table
    cover: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CoverageRow:
    """One competence or area of the need: who covers it, how well, and whether it is a gap."""

    item: str  # "competence" or "area"
    id: str
    label: str
    weight: float
    coverage: float
    covered_by: str | None
    match_text: str
    gap: bool
    best_outside: str | None = None  # the pool's best candidate for it outside the team
    best_outside_coverage: float = 0.0


@dataclass(frozen=True)
class ConstraintResult:
    name: str
    requirement: str
    actual: int
    met: bool


@dataclass(frozen=True)
class TeamScore:
    total: float
    components: Mapping[str, float]
    weights: Mapping[str, float]


@dataclass(frozen=True)
class Team:
    members: tuple[TeamMember, ...]
    coverage: tuple[CoverageRow, ...]
    gaps: tuple[str, ...]
    constraints: tuple[ConstraintResult, ...]
    score: TeamScore
    origin: str  # "greedy" or "top-k": where the local search that found it started

    def ids(self) -> list[str]:
        return [m.org_id for m in self.members]


@dataclass(frozen=True)
class ConsortiumResult:
    need_id: str | None
    query: str
    competences: tuple[Competence, ...]
    areas: tuple[str, ...]
    best: Team
    alternatives: tuple[Team, ...]
    baseline: Team | None  # the plain ranking's top team, scored on the same objective
    pool_size: int
    warnings: tuple[str, ...] = ()
