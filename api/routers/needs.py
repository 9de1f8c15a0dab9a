from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from api.convert import filters_of, match_list, matches_csv
from api.deps import ServiceDep, StaffKey, StaffOrMember
from api.errors import ApiError
from api.schemas.matching import FiltersIn, MatchList
from api.schemas.needs import NeedIn, NeedOut, NeedPage
from api.schemas.organisations import Kind
from matcher.limits import MAX_K, MAX_PAGE_SIZE
from matcher.service_imports import ImportReport
from matcher.store.codec import need_record

router = APIRouter(prefix="/v1/needs", tags=["needs"])


@router.get("", response_model=NeedPage)
def list_needs(
    service: ServiceDep,
    key: StaffOrMember,
    type: Annotated[str | None, Query()] = None,
    location: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> NeedPage:
    needs = service.needs(type, location)
    items = [NeedOut(**need_record(n)) for n in needs[offset : offset + limit]]
    return NeedPage(items=items, total=len(needs), offset=offset, limit=limit)


@router.get("/{need_id}", response_model=NeedOut)
def get_need(need_id: str, service: ServiceDep, key: StaffOrMember) -> NeedOut:
    return NeedOut(**need_record(service.need(need_id)))


@router.post("", response_model=NeedOut, status_code=201)
def create_need(body: NeedIn, service: ServiceDep, key: StaffKey) -> NeedOut:
    if service.has_need(body.id):
        raise ApiError(409, "conflict", f"need {body.id!r} exists; use PUT to replace it")
    need, _ = service.put_need(body.model_dump(mode="json"), key.actor)
    return NeedOut(**need_record(need))


@router.put("/{need_id}", response_model=NeedOut)
def replace_need(need_id: str, body: NeedIn, service: ServiceDep, key: StaffKey) -> NeedOut:
    if body.id != need_id:
        raise ApiError(
            422,
            "invalid_input",
            "the id in the body differs from the path",
            [{"field": "id", "message": f"expected {need_id!r}"}],
        )
    service.need(need_id)  # 404 for an unknown id; POST creates
    need, _ = service.put_need(body.model_dump(mode="json"), key.actor)
    return NeedOut(**need_record(need))


@router.delete("/{need_id}", status_code=204)
def delete_need(need_id: str, service: ServiceDep, key: StaffKey) -> Response:
    service.delete_need(need_id, key.actor)
    return Response(status_code=204)


@router.post("/import", response_model=ImportReport)
def import_needs(
    service: ServiceDep, key: StaffKey, file: Annotated[UploadFile, File()]
) -> ImportReport:
    return service.import_file("needs", file.filename or "upload.csv", file.file.read(), key.actor)


@router.get("/{need_id}/matches", response_model=MatchList)
def need_matches(
    need_id: str,
    service: ServiceDep,
    key: StaffOrMember,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
    local: Annotated[
        bool, Query(description="only organisations in the need's city or region")
    ] = False,
    kind: Annotated[list[Kind], Query()] = [],  # noqa: B006 - FastAPI reads defaults, never mutates
    country: Annotated[list[str], Query()] = [],  # noqa: B006
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> MatchList | Response:
    flt = filters_of(FiltersIn(kind=kind, country=country))
    results = service.need_matches(need_id, k, flt, local)
    if format == "csv":
        return Response(matches_csv(results), media_type="text/csv")
    return match_list(results)
