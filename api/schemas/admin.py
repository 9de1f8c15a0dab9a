"""Responses of the registry's housekeeping: the audit log, feedback, merges."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# A stored document as it was before or after a change (an organisation, a need, a link,
# a verdict, a key's public fields), or the records a merge joined: its shape is the
# entity's own, documented with that entity.
Document = dict[str, Any] | list[dict[str, Any]] | None


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Document
    after: Document


class FeedbackRowOut(BaseModel):
    id: int
    org_id: str
    candidate_id: str
    verdict: str
    context: str
    note: str
    actor: str
    created_at: str


class ChosenOut(BaseModel):
    field: str
    from_id: str


class MergeOut(BaseModel):
    merge_id: str
    survivor_id: str
    merged_ids: list[str]
    chosen: list[ChosenOut]


class MergeRecordOut(MergeOut):
    actor: str
    at: str
    undone_at: str | None
    undone_by: str | None


class DuplicatePairOut(BaseModel):
    left_id: str
    right_id: str
    score: float
    decision: str  # "match" (merge is likely right) or "review" (a person should look)
    reason: str
    against_existing: bool


class ImportReportOut(BaseModel):
    entity: str
    created: int
    updated: int
    unchanged: int  # records already exactly so: not written again
    warnings: list[str]
    duplicates: list[DuplicatePairOut]  # likely duplicates; nothing is merged until asked
