from __future__ import annotations

from fastapi import APIRouter, Response

from api.convert import feedback_file, feedback_out
from api.deps import IdempotentDep, ServiceDep, StaffKey, StaffOrMember, ensure_own_org
from api.params import Format
from api.responses import COMMON, CONFLICT, NOT_FOUND, csv_file
from api.schemas.admin import FeedbackRowOut
from api.schemas.matching import FeedbackIn, FeedbackOut

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=COMMON)


@router.post("", response_model=FeedbackOut, status_code=201, responses={**NOT_FOUND, **CONFLICT})
def give_feedback(
    body: FeedbackIn, service: ServiceDep, key: StaffOrMember, call: IdempotentDep
) -> FeedbackOut:
    """Accept or reject a suggestion; a rejected candidate is not suggested to that org again.
    Each call records a verdict: send an `Idempotency-Key` to make a retry safe."""
    ensure_own_org(key, body.org_id)

    def answer(ident: int) -> FeedbackOut:
        return FeedbackOut(
            id=ident, org_id=body.org_id, candidate_id=body.candidate_id, verdict=body.verdict
        )

    receipt = call.receipt(201, lambda ident: answer(ident).model_dump(mode="json"))
    ident = service.add_feedback(
        body.org_id, body.candidate_id, body.verdict, body.context, body.note, key.actor, receipt
    )
    return answer(ident)


@router.get(
    "/export",
    response_model=list[FeedbackRowOut],
    responses=csv_file("every verdict (CSV with format=csv)"),
)
def export_feedback(
    service: ServiceDep,
    key: StaffKey,
    format: Format = "json",
) -> list[FeedbackRowOut] | Response:
    """Every verdict, oldest first: the labelled pairs for evaluating the ranking."""
    rows = service.feedback_rows()
    if format == "csv":
        return Response(feedback_file(rows, key), media_type="text/csv")
    return feedback_out(rows, key)
