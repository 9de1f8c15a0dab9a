from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import ServiceDep, StaffKey, StaffOrMember, ensure_own_org
from api.schemas.matching import FeedbackIn, FeedbackOut
from matcher.cli.output import as_csv

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])


@router.post("", response_model=FeedbackOut, status_code=201)
def give_feedback(body: FeedbackIn, service: ServiceDep, key: StaffOrMember) -> FeedbackOut:
    """Accept or reject a suggestion; a rejected candidate is not suggested to that org again."""
    ensure_own_org(key, body.org_id)
    ident = service.add_feedback(
        body.org_id, body.candidate_id, body.verdict, body.context, body.note, key.actor
    )
    return FeedbackOut(
        id=ident, org_id=body.org_id, candidate_id=body.candidate_id, verdict=body.verdict
    )


@router.get("/export", response_model=None)
def export_feedback(
    service: ServiceDep,
    key: StaffKey,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> list[dict[str, Any]] | Response:
    """Every verdict, oldest first: the labelled pairs for evaluating the ranking."""
    rows = service.feedback_rows()
    if format == "csv":
        return Response(as_csv(rows), media_type="text/csv")
    return rows
