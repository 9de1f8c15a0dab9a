from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.organisations import Euros, Ident, Kind
from matcher.limits import (
    MAX_AREAS,
    MAX_ID_CHARS,
    MAX_LIST_ITEMS,
    MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
)

NeedTypeName = Literal["project", "call", "city_need", "import_substitution"]


NEED_EXAMPLE: dict[str, Any] = {
    "id": "need-heat-2027",
    "title": "Heat pumps for twelve apartment blocks",
    "description": "Retrofit of heating with ground-source heat pumps in Soviet-era blocks.",
    "type": "city_need",
    "owner_id": "ru-050",
    "areas": ["energy_efficiency"],
    "kinds": ["sme", "company"],
    "countries": ["RU", "FI"],
    "location": "Saint Petersburg",
    "budget_eur": 1500000,
    "deadline": "2027-06-30",
}


NEED_REPLACE_EXAMPLE: dict[str, Any] = {
    **NEED_EXAMPLE,
    "id": "need-019",
    "title": "Locally made LED street luminaires under an annual framework agreement",
    "owner_id": "ru-009",
    "type": "import_substitution",
}


class NeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [NEED_EXAMPLE]})
    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    description: str = Field(default="", max_length=MAX_TEXT_CHARS)
    type: NeedTypeName = "city_need"
    owner_id: str | None = Field(default=None, max_length=MAX_ID_CHARS)
    areas: list[Ident] = Field(default_factory=list, max_length=MAX_AREAS)
    kinds: list[Kind] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    countries: list[Ident] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    location: str = Field(default="", max_length=MAX_SHORT_CHARS)
    budget_eur: Euros | None = None
    deadline: date | None = None
    language: str = Field(default="", max_length=8)


class NeedOut(NeedIn):
    model_config = ConfigDict(extra="ignore")


class NeedPage(BaseModel):
    items: list[NeedOut]
    total: int
    offset: int
    limit: int
