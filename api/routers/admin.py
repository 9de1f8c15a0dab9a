from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.convert import audit_out
from api.deps import ServiceDep, StaffKey
from api.errors import ApiError
from api.params import Limit, Offset
from api.responses import COMMON, NOT_FOUND
from api.schemas.admin import AuditEntryOut
from matcher.limits import MAX_ID_CHARS, MAX_NOTE_CHARS
from matcher.model import Partnership

router = APIRouter(prefix="/v1", tags=["admin"], responses=COMMON)


class PartnershipIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"a": "ru-050", "b": "ru-014", "since": 2023}]},
    )
    a: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    b: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    kind: str = Field(default="project", max_length=32)
    since: int | None = Field(default=None, ge=1900, le=2100)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


@router.get("/partnerships", response_model=list[PartnershipIn])
def list_partnerships(service: ServiceDep, key: StaffKey) -> list[PartnershipIn]:
    return [PartnershipIn(**p.__dict__) for p in service.partnerships()]


@router.post("/partnerships", response_model=PartnershipIn, status_code=201, responses=NOT_FOUND)
def add_partnership(body: PartnershipIn, service: ServiceDep, key: StaffKey) -> PartnershipIn:
    """Record a known partnership (a pair is kept once: a retry writes nothing)."""
    if body.a == body.b:
        problem = [{"field": "b", "message": "equals a"}]
        raise ApiError(422, "invalid_input", "an organisation cannot partner with itself", problem)
    service.add_partnership(
        Partnership(body.a, body.b, body.kind, body.since, body.note), key.actor
    )
    return body


@router.get("/audit", response_model=list[AuditEntryOut])
def audit_log(
    service: ServiceDep,
    key: StaffKey,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[AuditEntryOut]:
    """Who changed what and when, newest first, with the record before and after."""
    return audit_out(service.audit_rows(limit, offset), key)
