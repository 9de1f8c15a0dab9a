from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Query, Response, UploadFile

from api.convert import import_report_out, match_list, matches_csv, org_view, query_filters
from api.deps import (
    AnyKey,
    IdempotentDep,
    ServiceDep,
    StaffKey,
    StaffOrMember,
    charge_record,
    ensure_own_org,
)
from api.errors import ApiError
from api.params import AnyId, Format, K, Limit, Offset, OrgId
from api.responses import COMMON, CONFLICT, NOT_FOUND, csv_file
from api.schemas.admin import ImportReportOut
from api.schemas.matching import MatchList
from api.schemas.organisations import (
    ORG_REPLACE_EXAMPLE,
    Ident,
    Kind,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPublic,
)
from matcher.limits import MAX_AREAS, MAX_NAME_CHARS
from matcher.visibility import sees_private

router = APIRouter(prefix="/v1/organisations", tags=["organisations"], responses=COMMON)
OrgView = OrganisationOut | OrganisationPublic
_REPLACE = {"profile": {"summary": "a new profile text", "value": ORG_REPLACE_EXAMPLE}}
Kinds = Annotated[list[Kind], Query(max_length=50)]
Facet = Annotated[list[Ident], Query(max_length=50)]
Areas = Annotated[list[Ident], Query(max_length=MAX_AREAS)]


@router.get("", response_model=OrganisationPage)
def list_organisations(
    service: ServiceDep,
    key: AnyKey,
    kind: Kinds = [],  # noqa: B006 - FastAPI reads defaults, never mutates
    country: Facet = [],  # noqa: B006
    city: Facet = [],  # noqa: B006
    area: Areas = [],  # noqa: B006
    name: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> OrganisationPage:
    flt = query_filters(kind, country, city, area)
    orgs = service.organisations(flt, name, public=not sees_private(key.role))
    page = orgs[offset : offset + limit]
    return OrganisationPage(
        items=[org_view(o, key) for o in page], total=len(orgs), offset=offset, limit=limit
    )


@router.get("/{org_id}", response_model=OrgView, responses=NOT_FOUND)
def get_organisation(org_id: OrgId, service: ServiceDep, key: AnyKey) -> OrgView:
    return org_view(service.organisation(org_id), key)


@router.post("", response_model=OrganisationOut, status_code=201, responses=CONFLICT)
def create_organisation(
    body: OrganisationIn, service: ServiceDep, key: StaffKey, call: IdempotentDep
) -> OrgView:
    """Create a record (409 when the id exists); with `Idempotency-Key`, a retry of the
    same request gets the first answer."""
    record = body.model_dump(mode="json")
    charge_record(service, key, body)
    receipt = call.receipt(201, lambda org: org_view(org, key).model_dump(mode="json"))
    org, _ = service.put_organisation(record, key.actor, mode="create", receipt=receipt)
    return org_view(org, key)


@router.put("/{org_id}", response_model=OrganisationOut, responses={**NOT_FOUND, **CONFLICT})
def replace_organisation(
    org_id: OrgId,
    body: Annotated[OrganisationIn, Body(openapi_examples=_REPLACE)],
    service: ServiceDep,
    key: StaffOrMember,
) -> OrgView:
    """Replace a whole record (404 for an unknown id; POST creates). A member replaces its
    own organisation's profile but not its kind or identifiers, nor takes another's name."""
    ensure_own_org(key, org_id)
    if body.id != org_id:
        raise ApiError(
            422,
            "invalid_input",
            "the id in the body differs from the path",
            [{"field": "id", "message": f"expected {org_id!r}"}],
        )
    charge_record(service, key, body)
    org, _ = service.put_organisation(
        body.model_dump(mode="json"), key.actor, mode="replace", editor=key.role
    )
    return org_view(org, key)


@router.delete("/{org_id}", status_code=204, responses=NOT_FOUND)
def delete_organisation(org_id: AnyId, service: ServiceDep, key: StaffKey) -> Response:
    service.delete_organisation(org_id, key.actor)
    return Response(status_code=204)


@router.post("/import", response_model=ImportReportOut)
def import_organisations(
    service: ServiceDep, key: StaffKey, file: Annotated[UploadFile, File()]
) -> ImportReportOut:
    """A CSV, Excel or JSON file; all rows land or none (errors by row and column). Rows
    already exactly so are not written again: a retried import changes nothing."""
    report = service.import_file(
        "organisations", file.filename or "upload.csv", file.file.read(), key.actor
    )
    return import_report_out(report)


@router.get(
    "/{org_id}/partners",
    response_model=MatchList,
    responses={**NOT_FOUND, **csv_file("partner suggestions (CSV with format=csv)")},
)
def partners(
    org_id: OrgId,
    service: ServiceDep,
    key: StaffOrMember,
    k: K = 10,
    kind: Kinds = [],  # noqa: B006
    country: Facet = [],  # noqa: B006
    city: Facet = [],  # noqa: B006
    area: Areas = [],  # noqa: B006
    format: Format = "json",
) -> MatchList | Response:
    ensure_own_org(key, org_id)
    results = service.partners(org_id, k, query_filters(kind, country, city, area))
    if format == "csv":
        return Response(matches_csv(results, key), media_type="text/csv")
    return match_list(results, key)
