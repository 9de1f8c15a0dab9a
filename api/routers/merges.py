from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ServiceDep, StaffKey
from matcher.service import DuplicateOut

router = APIRouter(prefix="/v1", tags=["duplicates"])


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=2, max_length=20)
    survivor_id: str = Field(min_length=1, max_length=128)
    choose: dict[str, str] = Field(
        default_factory=dict, description="field -> id of the record whose value to keep"
    )


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False


class MergeOut(BaseModel):
    merge_id: str
    survivor_id: str
    merged_ids: list[str]
    chosen: list[tuple[str, str]]


@router.get("/duplicates", response_model=list[DuplicateOut])
def duplicates(service: ServiceDep, key: StaffKey) -> tuple[DuplicateOut, ...]:
    """Likely duplicate organisations across the registry, best first; nothing is merged."""
    return service.duplicates()


@router.post("/merges", response_model=MergeOut, status_code=201)
def merge(body: MergeIn, service: ServiceDep, key: StaffKey) -> MergeOut:
    entry = service.merge(body.ids, body.survivor_id, body.choose, key.actor)
    return MergeOut(
        merge_id=entry.merge_id,
        survivor_id=entry.survivor_id,
        merged_ids=list(entry.merged_ids),
        chosen=list(entry.chosen),
    )


@router.post("/merges/{merge_id}/undo", response_model=MergeOut)
def undo(merge_id: str, body: UndoIn, service: ServiceDep, key: StaffKey) -> MergeOut:
    entry = service.unmerge(merge_id, key.actor, body.force)
    return MergeOut(
        merge_id=entry.merge_id,
        survivor_id=entry.survivor_id,
        merged_ids=list(entry.merged_ids),
        chosen=list(entry.chosen),
    )


@router.get("/merges")
def merges(service: ServiceDep, key: StaffKey) -> list[dict[str, Any]]:
    """Every merge, newest first, with who undid it and when."""
    return service.merge_history()
