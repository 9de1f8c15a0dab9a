"""The award shortlist (staff): categories with eligibility filters, the evidence for each
pick, and the jury's CSV (the same export as POST /v1/shortlists?format=csv)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.convert import shortlist_file, shortlist_out
from api.deps import ServiceDep, charge
from api.routers.staff import ShortlistIn
from api.web.auth import StaffPage
from api.web.forms import Values, field_errors, lines, listed, optional, state_of
from api.web.render import page, secured
from matcher.errors import DataValidationError
from matcher.model import COMPANY_KINDS, OrgKind, Stage

router = APIRouter(include_in_schema=False)
DEFAULT_KINDS = sorted(k.value for k in COMPANY_KINDS)


def categories(values: Values) -> list[dict[str, str]]:
    """One category a line: `Name: description` (the description may be left out)."""
    out = []
    for line in lines(values, "categories"):
        name, _, description = line.partition(":")
        out.append({"name": name.strip(), "description": description.strip()})
    return out


def request_body(values: Values) -> ShortlistIn:
    return ShortlistIn.model_validate(
        {
            "categories": categories(values),
            "per_category": optional(values, "per_category") or 10,
            "kinds": values.getlist("kinds") or DEFAULT_KINDS,
            "countries": listed(values, "countries"),
            "regions": listed(values, "regions"),
            "stages": values.getlist("stages"),
            "founded_from": optional(values, "founded_from"),
            "founded_to": optional(values, "founded_to"),
            "max_categories_per_company": optional(values, "max_categories_per_company") or 1,
            "exclude": listed(values, "exclude"),
        }
    )


STATE = {
    "run": False,
    "categories": False,
    "per_category": False,
    "kinds": True,
    "countries": False,
    "regions": False,
    "stages": True,
    "founded_from": False,
    "founded_to": False,
    "max_categories_per_company": False,
    "exclude": False,
}


@router.get("/shortlist", response_class=HTMLResponse)
def shortlist_page(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    values = request.query_params
    state = state_of(values, STATE)
    state["kinds"] = state["kinds"] or DEFAULT_KINDS
    result, problems = None, []
    if values.get("run"):
        try:
            body = request_body(values)
            charge(service, who.key, *(f"{c.name} {c.description}" for c in body.categories))
            found = service.shortlist(body.to_request())
            result = shortlist_out(found, who.key).model_dump(mode="json")
        except (ValidationError, DataValidationError) as exc:
            problems = field_errors(exc)
    return page(
        request,
        who,
        "shortlist.html",
        title="nav.shortlist",
        state=state,
        result=result,
        problems=problems,
        kinds=[k.value for k in OrgKind],
        stages=[s.value for s in Stage],
    )


@router.get("/shortlist.csv")
def shortlist_export(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    shortlist = service.shortlist(request_body(request.query_params).to_request())
    headers = {"Content-Disposition": 'attachment; filename="shortlist.csv"'}
    csv = shortlist_file(shortlist, who.key)
    return secured(Response(csv, media_type="text/csv; charset=utf-8", headers=headers))
