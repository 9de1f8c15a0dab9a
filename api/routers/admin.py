from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ServiceDep, StaffKey
from matcher.limits import MAX_PAGE_SIZE
from matcher.model import Partnership

router = APIRouter(prefix="/v1", tags=["admin"])


class PartnershipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str = Field(min_length=1, max_length=128)
    b: str = Field(min_length=1, max_length=128)
    kind: str = Field(default="project", max_length=32)
    since: int | None = Field(default=None, ge=1900, le=2100)
    note: str = Field(default="", max_length=2_000)


@router.get("/partnerships", response_model=list[PartnershipIn])
def list_partnerships(service: ServiceDep, key: StaffKey) -> list[PartnershipIn]:
    return [PartnershipIn(**p.__dict__) for p in service.partnerships()]


@router.post("/partnerships", response_model=PartnershipIn, status_code=201)
def add_partnership(body: PartnershipIn, service: ServiceDep, key: StaffKey) -> PartnershipIn:
    service.add_partnership(
        Partnership(body.a, body.b, body.kind, body.since, body.note), key.actor
    )
    return body


@router.get("/audit")
def audit_log(
    service: ServiceDep,
    key: StaffKey,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Who changed what and when, newest first, with the record before and after."""
    return service.audit_rows(limit, offset)
