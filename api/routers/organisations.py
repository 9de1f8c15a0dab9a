from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from api.convert import filters_of, match_list, matches_csv, org_view
from api.deps import AnyKey, ServiceDep, StaffKey, StaffOrMember, ensure_own_org
from api.errors import ApiError
from api.schemas.matching import FiltersIn, MatchList
from api.schemas.organisations import (
    Kind,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPublic,
)
from matcher.filters import Filters
from matcher.limits import MAX_K, MAX_PAGE_SIZE
from matcher.service_imports import ImportReport

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])
OrgView = OrganisationOut | OrganisationPublic


@router.get("", response_model=OrganisationPage)
def list_organisations(
    service: ServiceDep,
    key: AnyKey,
    kind: Annotated[list[Kind], Query()] = [],  # noqa: B006 - FastAPI reads defaults, never mutates
    country: Annotated[list[str], Query()] = [],  # noqa: B006
    city: Annotated[list[str], Query()] = [],  # noqa: B006
    area: Annotated[list[str], Query()] = [],  # noqa: B006
    name: Annotated[str | None, Query(max_length=300)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> OrganisationPage:
    flt = Filters(
        kinds=tuple(kind),
        countries=tuple(c.upper() for c in country),
        cities=tuple(city),
        areas=tuple(area),
    )
    orgs = service.organisations(flt, name)
    page = orgs[offset : offset + limit]
    return OrganisationPage(
        items=[org_view(o, key) for o in page], total=len(orgs), offset=offset, limit=limit
    )


@router.get("/{org_id}", response_model=OrgView)
def get_organisation(org_id: str, service: ServiceDep, key: AnyKey) -> OrgView:
    return org_view(service.organisation(org_id), key)


@router.post("", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, service: ServiceDep, key: StaffKey) -> OrgView:
    if service.has_organisation(body.id):
        raise ApiError(409, "conflict", f"organisation {body.id!r} exists; use PUT to replace it")
    org, _ = service.put_organisation(body.model_dump(mode="json"), key.actor)
    return org_view(org, key)


@router.put("/{org_id}", response_model=OrganisationOut)
def replace_organisation(
    org_id: str, body: OrganisationIn, service: ServiceDep, key: StaffOrMember
) -> OrgView:
    ensure_own_org(key, org_id)
    if body.id != org_id:
        raise ApiError(
            422,
            "invalid_input",
            "the id in the body differs from the path",
            [{"field": "id", "message": f"expected {org_id!r}"}],
        )
    service.organisation(org_id)  # 404 for an unknown id; POST creates
    org, _ = service.put_organisation(body.model_dump(mode="json"), key.actor)
    return org_view(org, key)


@router.delete("/{org_id}", status_code=204)
def delete_organisation(org_id: str, service: ServiceDep, key: StaffKey) -> Response:
    service.delete_organisation(org_id, key.actor)
    return Response(status_code=204)


@router.post("/import", response_model=ImportReport)
def import_organisations(
    service: ServiceDep, key: StaffKey, file: Annotated[UploadFile, File()]
) -> ImportReport:
    """A CSV, Excel or JSON file; all rows land or none (errors by row and column)."""
    return service.import_file(
        "organisations", file.filename or "upload.csv", file.file.read(), key.actor
    )


@router.get("/{org_id}/partners", response_model=MatchList)
def partners(
    org_id: str,
    service: ServiceDep,
    key: StaffOrMember,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
    kind: Annotated[list[Kind], Query()] = [],  # noqa: B006
    country: Annotated[list[str], Query()] = [],  # noqa: B006
    city: Annotated[list[str], Query()] = [],  # noqa: B006
    area: Annotated[list[str], Query()] = [],  # noqa: B006
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> MatchList | Response:
    ensure_own_org(key, org_id)
    body = FiltersIn(kind=kind, country=country, city=city, area=area)
    results = service.partners(org_id, k, filters_of(body))
    if format == "csv":
        return Response(matches_csv(results), media_type="text/csv")
    return match_list(results)
