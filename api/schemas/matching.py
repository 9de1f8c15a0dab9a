from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.organisations import Ident, Kind, StageName
from matcher.limits import MAX_AREAS, MAX_K, MAX_NOTE_CHARS, MAX_TEXT_CHARS


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: list[Kind] = Field(default_factory=list, max_length=50)
    country: list[Ident] = Field(default_factory=list, max_length=50)
    city: list[Ident] = Field(default_factory=list, max_length=50)
    area: list[Ident] = Field(default_factory=list, max_length=MAX_AREAS)
    stage: list[StageName] = Field(default_factory=list, max_length=50)
    founded_from: int | None = Field(default=None, ge=1700, le=2100)
    founded_to: int | None = Field(default=None, ge=1700, le=2100)


class SearchRequest(FiltersIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "optical sorting of municipal solid waste", "k": 10}]
        },
    )
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    k: int = Field(default=10, ge=1, le=MAX_K)


class AreasRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Электробусы с зарядкой от солнечных панелей"}]},
    )
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class TextPairOut(BaseModel):
    query_field: str
    query_text: str
    match_field: str
    match_text: str
    score: float


class ExplanationOut(BaseModel):
    summary: str
    components: dict[str, float]
    weights: dict[str, float]
    best_pair: TextPairOut | None
    pairs: list[TextPairOut]
    shared_areas: list[str]


class MatchOut(BaseModel):
    rank: int
    id: str
    name: str
    kind: str
    country: str
    city: str
    score: float
    explanation: ExplanationOut


class MatchList(BaseModel):
    matches: list[MatchOut]
    warnings: list[str]
    gloss: str = Field(
        "",
        description="the gloss the text was also read with (a Finnish text's in English, an "
        "English text naming a place in Russia's in Russian); empty if none",
    )
    gloss_language: str = Field("", description="the gloss's language: en, ru, or empty")


class AreaOut(BaseModel):
    area: str
    name: str
    score: float
    cosine: float
    keywords: list[str]
    assigned: bool


class FeedbackIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"org_id": "ru-050", "candidate_id": "ru-014", "verdict": "accept"}]
        },
    )
    org_id: str = Field(min_length=1, max_length=128)
    candidate_id: str = Field(min_length=1, max_length=128)
    verdict: Literal["accept", "reject"]
    context: Literal["partners", "need", "search", "consortium"] = "partners"
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class FeedbackOut(BaseModel):
    id: int
    org_id: str
    candidate_id: str
    verdict: str
