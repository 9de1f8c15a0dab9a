from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Query, Response, UploadFile

from api.convert import import_report_out, match_list, matches_csv, query_filters
from api.deps import IdempotentDep, ServiceDep, StaffKey, StaffOrMember, charge
from api.errors import ApiError
from api.params import AnyId, Format, K, Limit, NeedId, Offset
from api.responses import COMMON, CONFLICT, NOT_FOUND, csv_file
from api.schemas.admin import ImportReportOut
from api.schemas.matching import MatchList
from api.schemas.needs import NEED_REPLACE_EXAMPLE, NeedIn, NeedOut, NeedPage
from api.schemas.organisations import Ident, Kind
from matcher.limits import MAX_SHORT_CHARS
from matcher.model import Need
from matcher.store.codec import need_record

router = APIRouter(prefix="/v1/needs", tags=["needs"], responses=COMMON)
_REPLACE = {"need": {"summary": "a new deadline", "value": NEED_REPLACE_EXAMPLE}}
NeedType = Annotated[str | None, Query(pattern="^(project|call|city_need|import_substitution)$")]


def need_out(need: Need) -> NeedOut:
    return NeedOut(**need_record(need))


@router.get("", response_model=NeedPage)
def list_needs(
    service: ServiceDep,
    key: StaffOrMember,
    type: NeedType = None,
    location: Annotated[str | None, Query(max_length=MAX_SHORT_CHARS)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> NeedPage:
    needs = service.needs(type, location)
    items = [need_out(n) for n in needs[offset : offset + limit]]
    return NeedPage(items=items, total=len(needs), offset=offset, limit=limit)


@router.get("/{need_id}", response_model=NeedOut, responses=NOT_FOUND)
def get_need(need_id: NeedId, service: ServiceDep, key: StaffOrMember) -> NeedOut:
    return need_out(service.need(need_id))


@router.post("", response_model=NeedOut, status_code=201, responses=CONFLICT)
def create_need(body: NeedIn, service: ServiceDep, key: StaffKey, call: IdempotentDep) -> NeedOut:
    """Create a need (409 when the id exists); with `Idempotency-Key`, a retry of the same
    request gets the first answer."""
    charge(service, key, body.title, body.description)
    receipt = call.receipt(201, lambda need: need_out(need).model_dump(mode="json"))
    need, _ = service.put_need(
        body.model_dump(mode="json"), key.actor, mode="create", receipt=receipt
    )
    return need_out(need)


@router.put("/{need_id}", response_model=NeedOut, responses=NOT_FOUND)
def replace_need(
    need_id: NeedId,
    body: Annotated[NeedIn, Body(openapi_examples=_REPLACE)],
    service: ServiceDep,
    key: StaffKey,
) -> NeedOut:
    if body.id != need_id:
        raise ApiError(
            422,
            "invalid_input",
            "the id in the body differs from the path",
            [{"field": "id", "message": f"expected {need_id!r}"}],
        )
    charge(service, key, body.title, body.description)
    need, _ = service.put_need(body.model_dump(mode="json"), key.actor, mode="replace")
    return need_out(need)


@router.delete("/{need_id}", status_code=204, responses=NOT_FOUND)
def delete_need(need_id: AnyId, service: ServiceDep, key: StaffKey) -> Response:
    service.delete_need(need_id, key.actor)
    return Response(status_code=204)


@router.post("/import", response_model=ImportReportOut)
def import_needs(
    service: ServiceDep, key: StaffKey, file: Annotated[UploadFile, File()]
) -> ImportReportOut:
    report = service.import_file(
        "needs", file.filename or "upload.csv", file.file.read(), key.actor
    )
    return import_report_out(report)


@router.get(
    "/{need_id}/matches",
    response_model=MatchList,
    responses={**NOT_FOUND, **csv_file("organisations for the need (CSV with format=csv)")},
)
def need_matches(
    need_id: NeedId,
    service: ServiceDep,
    key: StaffOrMember,
    k: K = 10,
    local: Annotated[
        bool, Query(description="only organisations in the need's city or region")
    ] = False,
    kind: Annotated[list[Kind], Query(max_length=50)] = [],  # noqa: B006 - read, never mutated
    country: Annotated[list[Ident], Query(max_length=50)] = [],  # noqa: B006
    format: Format = "json",
) -> MatchList | Response:
    flt = query_filters(kind, country)
    results = service.need_matches(need_id, k, flt, local)
    if format == "csv":
        return Response(matches_csv(results, key), media_type="text/csv")
    return match_list(results, key)
