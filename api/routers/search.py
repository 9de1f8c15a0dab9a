from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.convert import area_out, filters_of, match_list, matches_csv
from api.deps import AnyKey, ServiceDep
from api.schemas.matching import AreaOut, AreasRequest, MatchList, SearchRequest

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", response_model=MatchList)
def search(
    body: SearchRequest,
    service: ServiceDep,
    key: AnyKey,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> MatchList | Response:
    """Candidates for a thesis or need text; `format=csv` returns a file for spreadsheets."""
    results = service.search(body.text, body.k, filters_of(body), asker=key.org_id)
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="candidates.csv"'}
        return Response(matches_csv(results), media_type="text/csv", headers=headers)
    return match_list(results)


@router.post("/areas", response_model=list[AreaOut])
def areas(body: AreasRequest, service: ServiceDep, key: AnyKey) -> list[AreaOut]:
    return [area_out(a) for a in service.areas(body.text)]
