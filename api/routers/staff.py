"""Staff tools over HTTP: consortia for a need, and the award shortlist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ServiceDep, StaffKey
from api.schemas.organisations import Kind, StageName
from matcher.cli.output import to_jsonable
from matcher.consortium import (
    ConsortiumRequest,
    CountryRequirement,
    RoleRequirement,
)
from matcher.limits import MAX_TEXT_CHARS
from matcher.shortlist import Category, ShortlistRequest, shortlist_csv

router = APIRouter(prefix="/v1", tags=["staff tools"])


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[Kind] = Field(min_length=1)
    at_least: int = Field(default=1, ge=0, le=20)
    at_most: int | None = Field(default=None, ge=0, le=20)


class CountryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(min_length=2, max_length=2)
    at_least: int = Field(default=1, ge=0, le=20)
    at_most: int | None = Field(default=None, ge=0, le=20)


class ConsortiumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    need_id: str | None = Field(default=None, max_length=128)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    min_size: int = Field(default=3, ge=1, le=30)
    max_size: int = Field(default=5, ge=1, le=30)
    areas: list[str] = Field(default_factory=list, max_length=10)
    roles: list[RoleIn] = Field(default_factory=list, max_length=10)
    countries: list[CountryIn] = Field(default_factory=list, max_length=20)
    other_countries: bool = True
    must_include: list[str] = Field(default_factory=list, max_length=20)
    must_exclude: list[str] = Field(default_factory=list, max_length=200)
    asker_id: str | None = Field(default=None, max_length=128)
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
    description: str = Field(default="", max_length=2_000)


def _company_kinds() -> list[Kind]:
    return ["company", "sme"]


class ShortlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[CategoryIn] = Field(default_factory=list, max_length=20)
    per_category: int = Field(default=10, ge=1, le=50)
    kinds: list[Kind] = Field(default_factory=_company_kinds)
    countries: list[str] = Field(default_factory=list, max_length=50)
    regions: list[str] = Field(default_factory=list, max_length=50)
    stages: list[StageName] = Field(default_factory=list)
    founded_from: int | None = Field(default=None, ge=1700, le=2100)
    founded_to: int | None = Field(default=None, ge=1700, le=2100)
    max_categories_per_company: int = Field(default=1, ge=1, le=10)
    exclude: list[str] = Field(default_factory=list, max_length=500)

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


@router.post("/consortia")
def consortia(body: ConsortiumIn, service: ServiceDep, key: StaffKey) -> dict[str, Any]:
    """The best team for a need and alternatives: members, contributions, coverage, gaps,
    rules met and the score; an impossible request is a 422 naming the failing rule."""
    return dict(to_jsonable(service.consortium(body.to_request())))


@router.post("/shortlists", response_model=None)
def shortlists(
    body: ShortlistIn,
    service: ServiceDep,
    key: StaffKey,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> dict[str, Any] | Response:
    """Up to `per_category` eligible companies per category, with evidence; CSV for a jury."""
    shortlist = service.shortlist(body.to_request())
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="shortlist.csv"'}
        return Response(shortlist_csv(shortlist), media_type="text/csv", headers=headers)
    return dict(to_jsonable(shortlist))
