from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.convert import duplicates_out, merge_out, merge_records_out
from api.deps import IdempotentDep, ServiceDep, StaffKey
from api.params import MergeId
from api.responses import COMMON, CONFLICT, NOT_FOUND
from api.schemas.admin import DuplicatePairOut, MergeOut, MergeRecordOut
from matcher.limits import MAX_ID_CHARS

router = APIRouter(prefix="/v1", tags=["duplicates"], responses=COMMON)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=2, max_length=20)
    survivor_id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    choose: dict[str, str] = Field(
        default_factory=dict, description="field -> id of the record whose value to keep"
    )


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False


@router.get("/duplicates", response_model=list[DuplicatePairOut])
def duplicates(service: ServiceDep, key: StaffKey) -> list[DuplicatePairOut]:
    """Likely duplicate organisations across the registry, best first; nothing is merged."""
    return duplicates_out(service.duplicates())


@router.post(
    "/merges", response_model=MergeOut, status_code=201, responses={**NOT_FOUND, **CONFLICT}
)
def merge(body: MergeIn, service: ServiceDep, key: StaffKey, call: IdempotentDep) -> MergeOut:
    """Merge records into the survivor; with `Idempotency-Key` a retry gets the first answer."""
    receipt = call.receipt(201, lambda entry: merge_out(entry).model_dump(mode="json"))
    entry = service.merge(body.ids, body.survivor_id, body.choose, key.actor, receipt)
    return merge_out(entry)


@router.post("/merges/{merge_id}/undo", response_model=MergeOut, responses=NOT_FOUND)
def undo(merge_id: MergeId, body: UndoIn, service: ServiceDep, key: StaffKey) -> MergeOut:
    return merge_out(service.unmerge(merge_id, key.actor, body.force))


@router.get("/merges", response_model=list[MergeRecordOut])
def merges(service: ServiceDep, key: StaffKey) -> list[MergeRecordOut]:
    """Every merge, newest first, with who undid it and when."""
    return merge_records_out(service.merge_history())
