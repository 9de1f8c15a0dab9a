"""Search (every role): a thesis or need text with filters, ranked candidates with their
score components and matching words, and the same list as CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.convert import filters_of, match_list, matches_csv
from api.deps import ServiceDep, charge
from api.schemas.matching import SearchRequest
from api.web.auth import AnyPage
from api.web.forms import Values, by_field, field_errors, listed, optional, state_of, text
from api.web.render import page, secured
from matcher.errors import DataValidationError
from matcher.model import OrgKind, Stage
from matcher.results import ResultList

router = APIRouter(include_in_schema=False)
PARAMS = {
    "text": False,
    "kind": True,
    "country": False,
    "city": False,
    "area": True,
    "stage": True,
    "founded_from": False,
    "founded_to": False,
    "k": False,
}


def search_request(values: Values) -> SearchRequest:
    """The API's own request schema, so a page searches exactly as POST /v1/search does."""
    return SearchRequest.model_validate(
        {
            "text": text(values, "text"),
            "kind": values.getlist("kind"),
            "country": listed(values, "country"),
            "city": listed(values, "city"),
            "area": values.getlist("area"),
            "stage": values.getlist("stage"),
            "founded_from": optional(values, "founded_from"),
            "founded_to": optional(values, "founded_to"),
            "k": optional(values, "k") or 10,
        }
    )


def run_search(service: ServiceDep, who: AnyPage, body: SearchRequest) -> ResultList:
    return service.search(body.text, body.k, filters_of(body), asker=who.key.org_id)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, service: ServiceDep, who: AnyPage) -> Response:
    values = request.query_params
    problems: list[dict[str, str]] = []
    results = None
    if text(values, "text"):
        try:
            body = search_request(values)
            charge(service, who.key, body.text)
            results = match_list(run_search(service, who, body), who.key).model_dump()
        except (ValidationError, DataValidationError) as exc:
            problems = field_errors(exc)
    template = "search_results.html" if values.get("fragment") else "search.html"
    return page(
        request,
        who,
        template,
        title="nav.search",
        state=state_of(values, PARAMS),
        results=results,
        problems=problems,
        errors=by_field(problems),
        kinds=[k.value for k in OrgKind],
        stages=[s.value for s in Stage],
    )


@router.get("/search.csv")
def search_csv(request: Request, service: ServiceDep, who: AnyPage) -> Response:
    """The rows the page shows, from the API's CSV export of the same search."""
    body = search_request(request.query_params)
    headers = {"Content-Disposition": 'attachment; filename="candidates.csv"'}
    charge(service, who.key, body.text)
    csv = matches_csv(run_search(service, who, body), who.key)
    return secured(Response(csv, media_type="text/csv; charset=utf-8", headers=headers))
