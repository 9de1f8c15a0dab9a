from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import get_optional_service
from matcher.service import ClusterService

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str  # starting, failed, ok or degraded
    reasons: list[str] = []  # what is wrong (failed, degraded)
    notes: list[str] = []  # what was repaired at start-up
    model: str | None = None
    organisations: int = 0
    needs: int = 0
    vectors: int = 0
    backend: str = ""
    index: str = ""
    changes: int = 0  # the store's change sequence this process's index holds
    # the store's newest change sequence: above `changes` while this process follows
    # another's writes (for a moment), or while it catches up after a failure
    store_changes: int = 0
    process: int = 0  # the id of the server process that answered (one of several workers)


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "starting, or failed to open"}},
)
def health(
    request: Request,
    service: Annotated[ClusterService | None, Depends(get_optional_service)],
) -> HealthOut | JSONResponse:
    """Open to all: is the service up (ok; degraded: answering, but a part is damaged or
    behind), on which model, with how much data. 503 while starting or when it failed."""
    if service is None:
        failure = getattr(request.app.state, "failure", None)
        out = (
            HealthOut(status="failed", reasons=[failure])
            if failure
            else HealthOut(status="starting")
        )
        return JSONResponse(out.model_dump(), status_code=503)
    info, state = service.info(), service.health()
    return HealthOut(
        status=state.status,
        reasons=list(state.reasons),
        notes=list(state.notes),
        model=info.model_id,
        organisations=info.organisations,
        needs=info.needs,
        vectors=info.vectors,
        backend=info.backend,
        index=info.index_status,
        changes=state.applied_seq,
        store_changes=state.store_seq,
        process=os.getpid(),
    )
