"""Organisations: the list, one profile with its partner suggestions and feedback, and the
profile form (staff for any organisation, a member for its own only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.convert import match_list, org_view
from api.deps import ServiceDep, charge_record, ensure_own_org
from api.schemas.matching import FeedbackIn
from api.schemas.organisations import OrganisationIn
from api.web.auth import AnyPage, StaffOrMemberPage, Visitor
from api.web.forms import PostedForm, Values, by_field, field_errors, lines, listed, optional, text
from api.web.render import page, secured
from matcher.errors import DataValidationError
from matcher.filters import Filters
from matcher.limits import MAX_PAGE_SIZE
from matcher.model import OrgKind, Stage

router = APIRouter(include_in_schema=False)
SUGGESTIONS = 10
KINDS = [k.value for k in OrgKind]


@router.get("/organisations", response_class=HTMLResponse)
def organisation_list(request: Request, service: ServiceDep, who: AnyPage) -> Response:
    values = request.query_params
    flt = Filters(
        kinds=tuple(k for k in values.getlist("kind") if k in KINDS),
        countries=tuple(c.upper() for c in listed(values, "country")),
        areas=tuple(values.getlist("area")),
    )
    orgs = service.organisations(flt, text(values, "name") or None)
    offset = int(values["offset"]) if values.get("offset", "").isdigit() else 0
    shown = [org_view(o, who.key).model_dump() for o in orgs[offset : offset + MAX_PAGE_SIZE]]
    return page(
        request,
        who,
        "organisations.html",
        title="nav.organisations",
        orgs=shown,
        total=len(orgs),
        offset=offset,
        page_size=MAX_PAGE_SIZE,
        state={
            "name": text(values, "name"),
            "kind": values.getlist("kind"),
            "country": text(values, "country"),
            "area": values.getlist("area"),
        },
        kinds=KINDS,
    )


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def organisation_page(org_id: str, request: Request, service: ServiceDep, who: AnyPage) -> Response:
    view = org_view(service.organisation(org_id), who.key).model_dump()
    suggestions = None
    if who.may_act_for(org_id):  # the API's rule for GET /v1/organisations/{id}/partners
        found = service.partners(org_id, SUGGESTIONS, Filters())
        suggestions = match_list(found, who.key).model_dump()
    partners = None
    if who.is_staff:  # known partnerships are a staff view in the API (GET /v1/partnerships)
        partners = [
            org_view(service.organisation(p), who.key).model_dump()
            for p in sorted(service.partners_of(org_id))
            if service.has_organisation(p)
        ]
    return page(
        request,
        who,
        "organisation.html",
        title="org.title",
        org=view,
        suggestions=suggestions,
        partners=partners,
        may_edit=who.may_act_for(org_id),
    )


@router.post("/organisations/{org_id}/feedback")
def feedback(
    org_id: str, request: Request, form: PostedForm, service: ServiceDep, who: StaffOrMemberPage
) -> Response:
    """Accept or reject a suggestion, as POST /v1/feedback does; a rejected candidate is
    not suggested to this organisation again."""
    body = FeedbackIn(
        org_id=org_id,
        candidate_id=text(form, "candidate_id"),
        verdict=text(form, "verdict"),  # type: ignore[arg-type]  # the schema checks it
        context="partners",
    )
    ensure_own_org(who.key, body.org_id)
    service.add_feedback(
        body.org_id, body.candidate_id, body.verdict, body.context, body.note, who.key.actor
    )
    notice = "rejected" if body.verdict == "reject" else "accepted"
    target = f"/organisations/{org_id}?notice={notice}#suggestions"
    return secured(RedirectResponse(target, status_code=303))


@router.get("/organisations/{org_id}/edit", response_class=HTMLResponse)
def edit_form(
    org_id: str, request: Request, service: ServiceDep, who: StaffOrMemberPage
) -> Response:
    ensure_own_org(who.key, org_id)  # a member edits its own profile only, as in the API
    view = org_view(service.organisation(org_id), who.key).model_dump()
    return _edit_page(request, who, view, [])


@router.post("/organisations/{org_id}/edit")
def save_profile(
    org_id: str, request: Request, form: PostedForm, service: ServiceDep, who: StaffOrMemberPage
) -> Response:
    """PUT /v1/organisations/{id} from a form: the same check, schema and service call, so
    the same validation and the same audit row."""
    ensure_own_org(who.key, org_id)
    current = org_view(service.organisation(org_id), who.key).model_dump()
    record = profile_record(form, org_id, current)
    try:
        body = OrganisationIn.model_validate(record)
        charge_record(service, who.key, body)
        service.put_organisation(
            body.model_dump(mode="json"), who.key.actor, mode="replace", editor=who.key.role
        )
    except (ValidationError, DataValidationError) as exc:
        return _edit_page(request, who, record, field_errors(exc), status=422)
    return secured(RedirectResponse(f"/organisations/{org_id}?notice=saved", status_code=303))


def profile_record(form: Values, org_id: str, current: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as a whole record; evidence, which the form does not edit, is
    carried over as it is."""
    return {
        "id": org_id,
        "name": text(form, "name"),
        "kind": text(form, "kind"),
        "country": text(form, "country").upper(),
        "city": text(form, "city"),
        "region": text(form, "region"),
        "description": text(form, "description"),
        "offers": lines(form, "offers"),
        "seeks": lines(form, "seeks"),
        "areas": form.getlist("areas"),
        "stage": optional(form, "stage"),
        "founded": optional(form, "founded"),
        "website": text(form, "website"),
        "evidence": current.get("evidence", []),
        "identifiers": lines(form, "identifiers"),
        "language": text(form, "language"),
        "ticket_min_eur": optional(form, "ticket_min_eur"),
        "ticket_max_eur": optional(form, "ticket_max_eur"),
        "focus_stages": form.getlist("focus_stages"),
        "focus_areas": form.getlist("focus_areas"),
    }


def _edit_page(
    request: Request,
    who: Visitor,
    record: dict[str, Any],
    problems: list[dict[str, str]],
    status: int = 200,
) -> Response:
    return page(
        request,
        who,
        "organisation_edit.html",
        status=status,
        title="edit.title",
        org=record,
        problems=problems,
        errors=by_field(problems),
        kinds=KINDS,
        stages=[s.value for s in Stage],
    )
