"""Staff tools over HTTP: consortia for a need, and the award shortlist."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.convert import consortium_file, consortium_out, shortlist_file, shortlist_out
from api.deps import ServiceDep, StaffKey, charge
from api.params import Format, NeedId
from api.responses import COMMON, NOT_FOUND, csv_file
from api.schemas.organisations import Ident, Kind, StageName
from api.schemas.staff import ConsortiumOut, ShortlistOut
from matcher.consortium import (
    ConsortiumRequest,
    CountryRequirement,
    RoleRequirement,
)
from matcher.limits import MAX_ID_CHARS, MAX_NOTE_CHARS, MAX_TEXT_CHARS
from matcher.shortlist import Category, ShortlistRequest

router = APIRouter(prefix="/v1", tags=["staff tools"], responses=COMMON)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[Kind] = Field(min_length=1, max_length=8)
    at_least: int = Field(default=1, ge=0, le=20)
    at_most: int | None = Field(default=None, ge=0, le=20)


class CountryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(min_length=2, max_length=2)
    at_least: int = Field(default=1, ge=0, le=20)
    at_most: int | None = Field(default=None, ge=0, le=20)


class ConsortiumIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"need_id": "need-019", "min_size": 3, "max_size": 5}]},
    )
    need_id: NeedId | None = Field(default=None, max_length=MAX_ID_CHARS)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    min_size: int = Field(default=3, ge=1, le=30)
    max_size: int = Field(default=5, ge=1, le=30)
    areas: list[Ident] = Field(default_factory=list, max_length=10)
    roles: list[RoleIn] = Field(default_factory=list, max_length=10)
    countries: list[CountryIn] = Field(default_factory=list, max_length=20)
    other_countries: bool = True
    must_include: list[Ident] = Field(default_factory=list, max_length=20)
    must_exclude: list[Ident] = Field(default_factory=list, max_length=200)
    asker_id: str | None = Field(default=None, max_length=MAX_ID_CHARS)
    alternatives: int = Field(default=2, ge=0, le=5)

    def to_request(self) -> ConsortiumRequest:
        return ConsortiumRequest(
            need_id=self.need_id,
            text=self.text,
            min_size=self.min_size,
            max_size=self.max_size,
            areas=tuple(self.areas),
            roles=tuple(RoleRequirement(tuple(r.kinds), r.at_least, r.at_most) for r in self.roles),
            countries=tuple(
                CountryRequirement(c.country.upper(), c.at_least, c.at_most) for c in self.countries
            ),
            other_countries=self.other_countries,
            must_include=tuple(self.must_include),
            must_exclude=tuple(self.must_exclude),
            asker_id=self.asker_id,
            alternatives=self.alternatives,
        )


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(default="", max_length=64, description="defaults to c1, c2, ... in order")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=MAX_NOTE_CHARS)


def _company_kinds() -> list[Kind]:
    return ["company", "sme"]


class ShortlistIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "categories": [{"name": "Waste", "description": "sorting and recycling"}],
                    "per_category": 5,
                }
            ]
        },
    )
    categories: list[CategoryIn] = Field(default_factory=list, max_length=20)
    per_category: int = Field(default=10, ge=1, le=50)
    kinds: list[Kind] = Field(default_factory=_company_kinds, max_length=8)
    countries: list[Ident] = Field(default_factory=list, max_length=50)
    regions: list[Ident] = Field(default_factory=list, max_length=50)
    stages: list[StageName] = Field(default_factory=list, max_length=5)
    founded_from: int | None = Field(default=None, ge=1700, le=2100)
    founded_to: int | None = Field(default=None, ge=1700, le=2100)
    max_categories_per_company: int = Field(default=1, ge=1, le=10)
    exclude: list[Ident] = Field(default_factory=list, max_length=500)

    def to_request(self) -> ShortlistRequest:
        return ShortlistRequest(
            categories=tuple(
                Category(c.id or f"c{i}", c.name, c.description)
                for i, c in enumerate(self.categories, start=1)
            ),
            per_category=self.per_category,
            kinds=tuple(self.kinds),
            countries=tuple(c.upper() for c in self.countries),
            regions=tuple(self.regions),
            stages=tuple(self.stages),
            founded_from=self.founded_from,
            founded_to=self.founded_to,
            max_categories_per_company=self.max_categories_per_company,
            exclude=tuple(self.exclude),
        )


@router.post(
    "/consortia",
    response_model=ConsortiumOut,
    responses={**NOT_FOUND, **csv_file("the teams, a row per member (CSV with format=csv)")},
)
def consortia(
    body: ConsortiumIn, service: ServiceDep, key: StaffKey, format: Format = "json"
) -> ConsortiumOut | Response:
    """The best team for a need and alternatives: members, contributions, coverage, gaps,
    rules met and the score; an impossible request is a 422 naming the failing rule.
    `format=csv`: one row per member of each team, its coverage of every competence."""
    charge(service, key, body.text)
    result = service.consortium(body.to_request())
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="consortium.csv"'}
        return Response(consortium_file(result, key), media_type="text/csv", headers=headers)
    return consortium_out(result, key)


@router.post(
    "/shortlists",
    response_model=ShortlistOut,
    responses=csv_file("the shortlist (CSV with format=csv)"),
)
def shortlists(
    body: ShortlistIn,
    service: ServiceDep,
    key: StaffKey,
    format: Format = "json",
) -> ShortlistOut | Response:
    """Up to `per_category` eligible companies per category, with evidence; CSV for a jury."""
    charge(service, key, *(f"{c.name} {c.description}" for c in body.categories))
    shortlist = service.shortlist(body.to_request())
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="shortlist.csv"'}
        return Response(shortlist_file(shortlist, key), media_type="text/csv", headers=headers)
    return shortlist_out(shortlist, key)
