from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.limits import (
    MAX_AREAS,
    MAX_EVIDENCE_ITEMS,
    MAX_ID_CHARS,
    MAX_IDENTIFIERS,
    MAX_LIST_ITEMS,
    MAX_NAME_CHARS,
    MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
)

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
ORG_EXAMPLE: dict[str, Any] = {
    "id": "fi-verkko",
    "name": "Verkko Twin Oy",
    "kind": "sme",
    "country": "FI",
    "city": "Espoo",
    "description": "Digital twin software for district heating networks.",
    "offers": ["Heat-loss analytics for district heating networks"],
    "seeks": ["District heating companies in Saint Petersburg"],
    "areas": ["it_cleantech", "energy_efficiency"],
    "stage": "early",
    "founded": 2019,
    "evidence": [
        {"title": "Pilot in Vantaa", "text": "Heat-loss map of a 40 km network.", "year": 2023}
    ],
}
# a replacement of a record of the demo cluster (what PUT takes: the id is the path's)
ORG_REPLACE_EXAMPLE: dict[str, Any] = {
    "id": "ru-050",
    "name": "ООО «ЭкоСорт»",
    "kind": "sme",
    "country": "RU",
    "city": "Saint Petersburg",
    "region": "Saint Petersburg",
    "description": "Sorting station for separately collected and mixed commercial waste.",
    "offers": ["Sorted fractions: PET by colour, HDPE, cardboard, aluminium cans"],
    "seeks": ["Optical NIR sorters for plastics and cardboard"],
    "areas": ["waste_management", "clean_production"],
    "stage": "growth",
    "founded": 2017,
}
# The limits of matcher.limits, declared here too so that the OpenAPI document states them;
# the service's parser enforces the same ones for files and for calls.
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
Ident = Annotated[str, Field(max_length=MAX_ID_CHARS)]
Euros = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(default="", max_length=MAX_SHORT_CHARS)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    kind: str = Field(default="project", max_length=32)
    year: int | None = Field(default=None, ge=1900, le=2100)
    ref: str | None = Field(default=None, max_length=MAX_ID_CHARS)


class OrganisationIn(BaseModel):
    """A whole organisation record, as created or replaced (PUT)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ORG_EXAMPLE]})
    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    kind: Kind
    country: str = Field(min_length=2, max_length=2)
    city: str = Field(default="", max_length=MAX_SHORT_CHARS)
    region: str = Field(default="", max_length=MAX_SHORT_CHARS)
    description: Text = ""
    offers: list[Text] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    seeks: list[Text] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    areas: list[Ident] = Field(default_factory=list, max_length=MAX_AREAS)
    stage: StageName | None = None
    founded: int | None = Field(default=None, ge=1700, le=2100)
    website: str = Field(default="", max_length=MAX_SHORT_CHARS)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_EVIDENCE_ITEMS)
    identifiers: list[Ident] = Field(default_factory=list, max_length=MAX_IDENTIFIERS)
    language: str = Field(default="", max_length=8)
    ticket_min_eur: Euros | None = None
    ticket_max_eur: Euros | None = None
    focus_stages: list[StageName] = Field(default_factory=list, max_length=5)
    focus_areas: list[Ident] = Field(default_factory=list, max_length=MAX_AREAS)


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
