from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.limits import MAX_TEXT_CHARS

Kind = Literal[
    "sme",
    "company",
    "investor",
    "incubator",
    "research",
    "university",
    "city_authority",
    "association",
]
StageName = Literal["idea", "seed", "early", "growth", "mature"]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(default="", max_length=300)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    kind: str = Field(default="project", max_length=32)
    year: int | None = Field(default=None, ge=1900, le=2100)
    ref: str | None = Field(default=None, max_length=128)


class OrganisationIn(BaseModel):
    """A whole organisation record, as created or replaced (PUT)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=300)
    kind: Kind
    country: str = Field(min_length=2, max_length=2)
    city: str = Field(default="", max_length=300)
    region: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=MAX_TEXT_CHARS)
    offers: list[str] = Field(default_factory=list, max_length=50)
    seeks: list[str] = Field(default_factory=list, max_length=50)
    areas: list[str] = Field(default_factory=list, max_length=10)
    stage: StageName | None = None
    founded: int | None = None
    website: str = Field(default="", max_length=300)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=100)
    identifiers: list[str] = Field(default_factory=list, max_length=20)
    language: str = Field(default="", max_length=8)
    ticket_min_eur: float | None = Field(default=None, ge=0)
    ticket_max_eur: float | None = Field(default=None, ge=0)
    focus_stages: list[StageName] = Field(default_factory=list)
    focus_areas: list[str] = Field(default_factory=list, max_length=10)


class OrganisationPublic(BaseModel):
    """What any key may see: the profile without evidence, identifiers or ticket sizes."""

    id: str
    name: str
    kind: str
    country: str
    city: str
    region: str
    description: str
    offers: list[str]
    seeks: list[str]
    areas: list[str]
    stage: str | None
    founded: int | None
    website: str
    language: str


class OrganisationOut(OrganisationPublic):
    evidence: list[EvidenceIn]
    identifiers: list[str]
    ticket_min_eur: float | None
    ticket_max_eur: float | None
    focus_stages: list[str]
    focus_areas: list[str]


class OrganisationPage(BaseModel):
    items: list[OrganisationOut | OrganisationPublic]
    total: int
    offset: int
    limit: int
