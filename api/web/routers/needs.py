"""Needs (staff and members): the list, one need with its matching organisations, the
local-producers switch, and the matches as CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.convert import filters_of, match_list, matches_csv
from api.deps import ServiceDep
from api.schemas.matching import FiltersIn
from api.schemas.needs import NeedOut
from api.web.auth import StaffOrMemberPage
from api.web.forms import Values, listed, optional, text
from api.web.render import page, secured
from matcher.limits import MAX_K
from matcher.model import NeedType, OrgKind
from matcher.results import ResultList
from matcher.store.codec import need_record

router = APIRouter(include_in_schema=False)


@router.get("/needs", response_class=HTMLResponse)
def need_list(request: Request, service: ServiceDep, who: StaffOrMemberPage) -> Response:
    values = request.query_params
    kind = optional(values, "type")
    needs = service.needs(kind if kind in {t.value for t in NeedType} else None)
    return page(
        request,
        who,
        "needs.html",
        title="nav.needs",
        needs=[NeedOut(**need_record(n)).model_dump(mode="json") for n in needs],
        state={"type": kind or ""},
        types=[t.value for t in NeedType],
    )


def _matches(service: ServiceDep, need_id: str, values: Values) -> ResultList:
    """GET /v1/needs/{id}/matches with the same filters and limits."""
    body = FiltersIn.model_validate(
        {"kind": values.getlist("kind"), "country": listed(values, "country")}
    )
    k = int(text(values, "k")) if text(values, "k").isdigit() else 10
    return service.need_matches(
        need_id, max(1, min(MAX_K, k)), filters_of(body), values.get("local") == "1"
    )


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(
    need_id: str, request: Request, service: ServiceDep, who: StaffOrMemberPage
) -> Response:
    values = request.query_params
    need = NeedOut(**need_record(service.need(need_id))).model_dump(mode="json")
    results = match_list(_matches(service, need_id, values), who.key).model_dump()
    query_text = f"{need['title']}. {need['description']}"
    return page(
        request,
        who,
        "need.html",
        title="need.title",
        need=need,
        results=results,
        query_text=query_text,
        state={
            "local": values.get("local", ""),
            "kind": values.getlist("kind"),
            "country": text(values, "country"),
            "k": values.get("k", ""),
        },
        kinds=[k.value for k in OrgKind],
    )


@router.get("/needs/{need_id}/matches.csv")
def need_csv(
    need_id: str, request: Request, service: ServiceDep, who: StaffOrMemberPage
) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{need_id}-matches.csv"'}
    csv = matches_csv(_matches(service, need_id, request.query_params), who.key)
    return secured(Response(csv, media_type="text/csv; charset=utf-8", headers=headers))
