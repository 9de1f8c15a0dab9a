from __future__ import annotations

from fastapi import APIRouter, Response

from api.convert import area_out, filters_of, match_list, matches_csv
from api.deps import AnyKey, ServiceDep, charge
from api.params import Format
from api.responses import COMMON, csv_file
from api.schemas.matching import AreaOut, AreasRequest, MatchList, SearchRequest

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON)


@router.post(
    "/search", response_model=MatchList, responses=csv_file("candidates (CSV with format=csv)")
)
def search(
    body: SearchRequest,
    service: ServiceDep,
    key: AnyKey,
    format: Format = "json",
) -> MatchList | Response:
    """Candidates for a thesis or need text; `format=csv` returns a file for spreadsheets."""
    charge(service, key, body.text)
    results = service.search(body.text, body.k, filters_of(body), asker=key.org_id)
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="candidates.csv"'}
        return Response(matches_csv(results, key), media_type="text/csv", headers=headers)
    return match_list(results, key)


@router.post("/areas", response_model=list[AreaOut])
def areas(body: AreasRequest, service: ServiceDep, key: AnyKey) -> list[AreaOut]:
    charge(service, key, body.text)
    return [area_out(a) for a in service.areas(body.text)]
