from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import get_optional_service
from matcher.service import ClusterService

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    model: str | None = None
    organisations: int = 0
    needs: int = 0
    vectors: int = 0
    backend: str = ""
    index: str = ""


@router.get("/health", response_model=HealthOut)
def health(
    service: Annotated[ClusterService | None, Depends(get_optional_service)],
) -> HealthOut:
    """Open to all: is the service up, on which model, with how much data."""
    if service is None:
        return HealthOut(status="starting")
    info = service.info()
    return HealthOut(
        status="ok",
        model=info.model_id,
        organisations=info.organisations,
        needs=info.needs,
        vectors=info.vectors,
        backend=info.backend,
        index=info.index_status,
    )
