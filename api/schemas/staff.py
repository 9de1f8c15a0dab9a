"""Responses of the staff tools: consortia for a need, and the award shortlist."""

from __future__ import annotations

from pydantic import BaseModel


class CompetenceOut(BaseModel):
    id: str
    text: str
    weight: float
    source: str


class ContributionOut(BaseModel):
    competence_id: str
    competence: str
    match_field: str
    match_text: str
    similarity: float
    coverage: float


class TeamMemberOut(BaseModel):
    org_id: str
    name: str
    kind: str
    country: str
    city: str
    role: str
    fixed: str
    relevance: float
    marginal: float
    contributions: list[ContributionOut]
    areas: list[str]
    cover: dict[str, float]  # coverage of every competence by this member (id -> coverage)


class CoverageRowOut(BaseModel):
    item: str
    id: str
    label: str
    weight: float
    coverage: float
    covered_by: str | None
    match_text: str
    gap: bool
    best_outside: str | None
    best_outside_coverage: float


class ConstraintOut(BaseModel):
    name: str
    requirement: str
    actual: int
    met: bool


class TeamScoreOut(BaseModel):
    total: float
    components: dict[str, float]
    weights: dict[str, float]


class TeamOut(BaseModel):
    members: list[TeamMemberOut]
    coverage: list[CoverageRowOut]
    gaps: list[str]
    constraints: list[ConstraintOut]
    score: TeamScoreOut
    origin: str


class ConsortiumOut(BaseModel):
    need_id: str | None
    query: str
    competences: list[CompetenceOut]
    areas: list[str]
    best: TeamOut
    alternatives: list[TeamOut]
    baseline: TeamOut | None
    pool_size: int
    warnings: list[str]


class CategoryOut(BaseModel):
    id: str
    name: str
    description: str


class EvidenceItemOut(BaseModel):
    field: str
    text: str
    similarity: float


class PickOut(BaseModel):
    rank: int
    org_id: str
    name: str
    kind: str
    country: str
    city: str
    region: str
    stage: str
    founded: int | None
    score: float
    components: dict[str, float]
    evidence: list[EvidenceItemOut]
    also_strong_in: list[str]


class CategoryShortlistOut(BaseModel):
    category: CategoryOut
    picks: list[PickOut]
    eligible: int


class ShortlistOut(BaseModel):
    categories: list[CategoryShortlistOut]
    eligible: int
    warnings: list[str]
