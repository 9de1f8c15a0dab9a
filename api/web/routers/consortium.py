"""The consortium workbench (staff): a need or a text and the rules; the team with its
coverage heat table, gaps and the best candidate outside the team; lock, exclude or swap a
member and see coverage and score change; alternatives side by side; CSV and JSON."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.convert import consortium_file, consortium_out, org_view
from api.deps import ServiceDep, charge
from api.routers.staff import ConsortiumIn
from api.web.auth import StaffPage, Visitor
from api.web.forms import Values, field_errors, listed, optional, state_of, text
from api.web.render import page, query_string, secured
from matcher.consortium import ConsortiumResult
from matcher.errors import DataValidationError, InfeasibleRequestError, NotFoundError
from matcher.model import OrgKind

router = APIRouter(include_in_schema=False)
ROLE_ROWS = COUNTRY_ROWS = 3
HEAT_LEVELS = 5


def state_names() -> dict[str, bool]:
    """Every parameter of the page, and whether it repeats."""
    names = {"need_id": False, "text": False, "min_size": False, "max_size": False}
    for i in range(ROLE_ROWS):
        names |= {f"role{i}_kinds": True, f"role{i}_min": False, f"role{i}_max": False}
    for i in range(COUNTRY_ROWS):
        names |= {f"country{i}": False, f"country{i}_min": False, f"country{i}_max": False}
    return names | {"other": True, "include": False, "exclude": False, "alternatives": False}


def request_body(values: Values) -> ConsortiumIn:
    """The API's request schema (POST /v1/consortia) from the page's parameters."""
    roles = [
        {
            "kinds": values.getlist(f"role{i}_kinds"),
            "at_least": optional(values, f"role{i}_min") or 1,
            "at_most": optional(values, f"role{i}_max"),
        }
        for i in range(ROLE_ROWS)
        if values.getlist(f"role{i}_kinds")
    ]
    countries = [
        {
            "country": text(values, f"country{i}").upper(),
            "at_least": optional(values, f"country{i}_min") or 1,
            "at_most": optional(values, f"country{i}_max"),
        }
        for i in range(COUNTRY_ROWS)
        if text(values, f"country{i}")
    ]
    other = values.getlist("other")
    return ConsortiumIn.model_validate(
        {
            "need_id": optional(values, "need_id"),
            "text": text(values, "text"),
            "min_size": optional(values, "min_size") or 3,
            "max_size": optional(values, "max_size") or 5,
            "roles": roles,
            "countries": countries,
            "other_countries": not other or "1" in other,
            "must_include": listed(values, "include"),
            "must_exclude": listed(values, "exclude"),
            "alternatives": optional(values, "alternatives") or 2,
        }
    )


def _asked(values: Values) -> bool:
    return bool(text(values, "need_id") or text(values, "text"))


@router.get("/consortium", response_class=HTMLResponse)
def workbench(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    values = request.query_params
    result, problems = None, []
    if _asked(values):
        try:
            body = request_body(values)
            charge(service, who.key, body.text)
            result = service.consortium(body.to_request())
        except (ValidationError, DataValidationError) as exc:
            problems = field_errors(exc)
        except InfeasibleRequestError as exc:
            problems = [{"field": "", "message": r} for r in exc.reasons]
        except NotFoundError as exc:
            problems = [{"field": "need_id", "message": str(exc)}]
    view = _team_view(service, who, result, values) if result else None
    return page(
        request,
        who,
        "consortium.html",
        title="nav.consortium",
        state=state_of(values, state_names()),
        view=view,
        problems=problems,
        needs=[(n.id, n.title) for n in service.needs()],
        kinds=[k.value for k in OrgKind],
        role_rows=range(ROLE_ROWS),
        country_rows=range(COUNTRY_ROWS),
    )


@router.get("/consortium/change")
def change(request: Request, who: StaffPage) -> Response:
    """Lock, unlock, exclude or swap a member: the rules change, and the page is built
    again with the current team's score and coverage kept to show the difference."""
    values = request.query_params
    state = state_of(values, state_names())
    include, exclude = listed(values, "include"), listed(values, "exclude")
    action, member, other = text(values, "action"), text(values, "org"), text(values, "with")
    if action == "lock" and member not in include:
        include.append(member)
    elif action == "unlock":
        include = [i for i in include if i != member]
    elif action in ("exclude", "swap"):
        include = [i for i in include if i != member]
        exclude.append(member)
        if action == "swap" and other:
            include.append(other)
            exclude = [e for e in exclude if e != other]
    state |= {
        "include": ",".join(dict.fromkeys(include)),
        "exclude": ",".join(dict.fromkeys(exclude)),
    }
    previous = {"prev_score": text(values, "was_score"), "prev_cov": text(values, "was_cov")}
    target = "/consortium?" + query_string(state | previous)
    return secured(RedirectResponse(target, status_code=303))


@router.get("/consortium.json")
def export_json(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    """The same JSON as POST /v1/consortia answers."""
    result = service.consortium(request_body(request.query_params).to_request())
    headers = {"Content-Disposition": 'attachment; filename="consortium.json"'}
    data = consortium_out(result, who.key).model_dump(mode="json")
    return secured(JSONResponse(data, headers=headers))


@router.get("/consortium.csv")
def export_csv(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    result = service.consortium(request_body(request.query_params).to_request())
    headers = {"Content-Disposition": 'attachment; filename="consortium.csv"'}
    csv = consortium_file(result, who.key)
    return secured(Response(csv, media_type="text/csv; charset=utf-8", headers=headers))


def _team_view(
    service: ServiceDep, who: Visitor, result: ConsortiumResult, values: Values
) -> dict[str, Any]:
    data = consortium_out(result, who.key).model_dump(mode="json")  # the API's answer
    best = data["best"]
    previous = _previous(values)
    team_ids = {m["org_id"] for m in best["members"]}
    return {
        "result": data,
        "heat": [_heat_row(row, best["members"], previous) for row in best["coverage"]],
        "score_change": _change(best["score"]["total"], previous.get("__score__")),
        "was_score": best["score"]["total"],
        "was_cov": ",".join(f"{r['id']}:{r['coverage']}" for r in best["coverage"]),
        "candidates": _swap_candidates(service, who, data, team_ids),
        "teams": [("best", 0, best)]
        + [("alt", i, t) for i, t in enumerate(data["alternatives"], 1)],
        "names": _outside_names(service, who, best["coverage"]),
    }


def _heat_row(
    row: dict[str, Any], members: list[dict[str, Any]], previous: dict[str, float]
) -> dict[str, Any]:
    if row["item"] == "competence":
        cells = [float(m["cover"].get(row["id"], 0.0)) for m in members]
    else:
        cells = [1.0 if row["id"] in m["areas"] else 0.0 for m in members]
    return {
        **row,
        "cells": [(v, min(HEAT_LEVELS - 1, int(v * HEAT_LEVELS))) for v in cells],
        "change": _change(row["coverage"], previous.get(row["id"])),
    }


def _change(now: float, before: float | None) -> float | None:
    return None if before is None else round(now - before, 4)


def _previous(values: Values) -> dict[str, float]:
    """The score and coverage before the last change (kept in the address, best effort)."""
    out: dict[str, float] = {}
    for part in text(values, "prev_cov").split(","):
        ident, _, raw = part.rpartition(":")
        try:
            out[ident] = float(raw)
        except ValueError:
            continue
    with contextlib.suppress(ValueError):
        out["__score__"] = float(text(values, "prev_score"))
    return out


def _swap_candidates(
    service: ServiceDep, who: Visitor, data: dict[str, Any], team: set[str]
) -> list[tuple[str, str]]:
    """Who could come in: the best candidates for the gaps, then the alternatives' members."""
    ids = [r["best_outside"] for r in data["best"]["coverage"] if r["best_outside"]]
    for other in [*data["alternatives"], data["baseline"] or {"members": []}]:
        ids += [m["org_id"] for m in other["members"]]
    fresh = [i for i in dict.fromkeys(ids) if i not in team and service.has_organisation(i)]
    return [(i, org_view(service.organisation(i), who.key).name) for i in fresh]


def _outside_names(service: ServiceDep, who: Visitor, rows: list[dict[str, Any]]) -> dict[str, str]:
    ids = {r["best_outside"] for r in rows if r["best_outside"]}
    return {
        i: org_view(service.organisation(i), who.key).name
        for i in ids
        if service.has_organisation(i)
    }
