from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.organisations import Kind
from matcher.limits import MAX_TEXT_CHARS

NeedTypeName = Literal["project", "call", "city_need", "import_substitution"]


class NeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=MAX_TEXT_CHARS)
    type: NeedTypeName = "city_need"
    owner_id: str | None = Field(default=None, max_length=128)
    areas: list[str] = Field(default_factory=list, max_length=10)
    kinds: list[Kind] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list, max_length=50)
    location: str = Field(default="", max_length=200)
    budget_eur: float | None = Field(default=None, ge=0)
    deadline: date | None = None
    language: str = Field(default="", max_length=8)


class NeedOut(NeedIn):
    model_config = ConfigDict(extra="ignore")


class NeedPage(BaseModel):
    items: list[NeedOut]
    total: int
    offset: int
    limit: int
