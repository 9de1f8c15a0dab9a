"""Registry hygiene (staff): the duplicates queue with the records side by side, merge with
chosen fields, undo from the history; file import with problems shown at their rows and
columns; the audit log with filters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.convert import org_view
from api.deps import ServiceDep
from api.routers.merges import MergeIn
from api.web.auth import StaffPage, Visitor
from api.web.forms import PostedForm, field_errors, text
from api.web.render import page, secured
from matcher.errors import DataValidationError
from matcher.service_imports import read_upload

router = APIRouter(include_in_schema=False)
# what the API imports from files (POST /v1/organisations/import, /v1/needs/import)
IMPORTABLE = ("organisations", "needs")
AUDIT_PAGE = 50
AUDIT_FILTERS = ("actor", "action", "entity", "entity_id")


@router.get("/duplicates", response_class=HTMLResponse)
def duplicates(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    pairs = []
    for d in service.duplicates():
        if service.has_organisation(d.left_id) and service.has_organisation(d.right_id):
            left = org_view(service.organisation(d.left_id), who.key).model_dump()
            right = org_view(service.organisation(d.right_id), who.key).model_dump()
            pairs.append({"pair": d, "left": left, "right": right, "fields": _fields(left, right)})
    return page(request, who, "duplicates.html", title="nav.hygiene", pairs=pairs)


def _fields(left: dict[str, Any], right: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field but the id, with whether the two records differ on it."""
    names = [n for n in dict.fromkeys([*left, *right]) if n != "id"]
    return [{"name": n, "differs": left.get(n) != right.get(n)} for n in names]


@router.post("/duplicates/merge")
def merge(request: Request, form: PostedForm, service: ServiceDep, who: StaffPage) -> Response:
    """POST /v1/merges from the side-by-side form: the survivor and, per field, whose value."""
    ids = [i for i in form.getlist("ids") if isinstance(i, str)]
    choose = {
        str(name)[len("choose_") :]: str(value)
        for name, value in form.multi_items()
        if str(name).startswith("choose_") and isinstance(value, str)
    }
    body = MergeIn(ids=ids, survivor_id=text(form, "survivor_id"), choose=choose)
    entry = service.merge(body.ids, body.survivor_id, body.choose, who.key.actor)
    return secured(
        RedirectResponse(f"/merges?notice=merged#merge-{entry.merge_id}", status_code=303)
    )


@router.get("/merges", response_class=HTMLResponse)
def merges(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    return page(
        request,
        who,
        "merges.html",
        title="merges.title",
        merges=service.merge_history(),
        problems=[],
    )


@router.post("/merges/{merge_id}/undo")
def undo(
    merge_id: str, request: Request, form: PostedForm, service: ServiceDep, who: StaffPage
) -> Response:
    try:
        service.unmerge(merge_id, who.key.actor, form.get("force") == "1")
    except DataValidationError as exc:  # edited since the merge: say so, offer to force
        return page(
            request,
            who,
            "merges.html",
            status=409,
            title="merges.title",
            merges=service.merge_history(),
            problems=field_errors(exc),
            conflict=merge_id,
        )
    return secured(RedirectResponse("/merges?notice=undone", status_code=303))


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, who: StaffPage) -> Response:
    return _import_page(request, who)


@router.post("/import")
def import_file(
    request: Request, form: PostedForm, service: ServiceDep, who: StaffPage
) -> Response:
    """The API's import: every row checked, all rows written or none; problems are shown
    beside the rows and columns they are about."""
    entity, upload = text(form, "entity"), form.get("file")
    if entity not in IMPORTABLE or not isinstance(upload, UploadFile) or not upload.filename:
        problems = [{"field": "file", "message": "choose what to import and a file"}]
        return _import_page(request, who, problems=problems, status=422)
    content = upload.file.read()
    try:
        report = service.import_file(entity, upload.filename, content, who.key.actor)
    except DataValidationError as exc:
        return _import_page(
            request,
            who,
            status=422,
            entity=entity,
            filename=upload.filename,
            failed=exc,
            table=_annotated_rows(upload.filename, content, exc),
        )
    return _import_page(request, who, entity=entity, filename=upload.filename, report=report)


def _annotated_rows(filename: str, content: bytes, exc: DataValidationError) -> dict[str, Any]:
    """The file's rows with each problem placed at its row and column."""
    try:
        rows = read_upload(filename, content)
    except DataValidationError:
        rows = []  # the file itself could not be read: the problems say why
    at: dict[tuple[int, str], list[str]] = {}
    general = []
    for p in exc.problems:
        if p.row is not None and 1 <= p.row <= len(rows):
            at.setdefault((p.row, p.column or ""), []).append(p.message)
        else:
            general.append(f"{p.column + ': ' if p.column else ''}{p.message}")
    columns = list(dict.fromkeys(c for r in rows for c in r))
    columns += sorted({c for _, c in at if c and c not in columns})
    shown = [
        {
            "number": n,
            "cells": [(c, _cell(row.get(c)), at.get((n, c), [])) for c in columns],
            "row_problems": at.get((n, ""), []),
            "bad": any(r == n for r, _ in at),
        }
        for n, row in enumerate(rows, start=1)
    ]
    return {"columns": columns, "rows": shown, "general": general, "count": len(exc.problems)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text_value = str(value)
    return text_value if len(text_value) <= 120 else text_value[:119] + "…"


def _import_page(request: Request, who: Visitor, status: int = 200, **context: Any) -> Response:
    defaults: dict[str, Any] = {
        "entity": "organisations",
        "filename": "",
        "report": None,
        "failed": None,
        "table": None,
        "problems": [],
    }
    return page(
        request,
        who,
        "import.html",
        status=status,
        title="nav.import",
        entities=IMPORTABLE,
        **(defaults | context),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, service: ServiceDep, who: StaffPage) -> Response:
    values = request.query_params
    where = {f: text(values, f) for f in AUDIT_FILTERS if text(values, f)}
    offset = int(values["offset"]) if values.get("offset", "").isdigit() else 0
    rows = service.audit_rows(AUDIT_PAGE + 1, offset, where)
    return page(
        request,
        who,
        "audit.html",
        title="nav.audit",
        rows=[_audit_row(r) for r in rows[:AUDIT_PAGE]],
        more=len(rows) > AUDIT_PAGE,
        offset=offset,
        page_size=AUDIT_PAGE,
        state={f: text(values, f) for f in AUDIT_FILTERS},
    )


def _audit_row(row: dict[str, Any]) -> dict[str, Any]:
    before, after = row.get("before"), row.get("after")
    changed: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {**row, "changed": changed}
