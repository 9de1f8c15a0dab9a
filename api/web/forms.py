"""Form and query values to the API's request schemas, and their errors to form fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, QueryParams

from api.web.auth import check_csrf, current_session
from matcher.errors import DataValidationError

Values = QueryParams | FormData


def text(values: Values, name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def listed(values: Values, name: str) -> list[str]:
    """Every value given for a name: repeated fields, or one field split at commas."""
    out: list[str] = []
    for value in values.getlist(name):
        if isinstance(value, str):
            out += [v.strip() for v in re.split(r"[,;\n]", value) if v.strip()]
    return out


def lines(values: Values, name: str) -> list[str]:
    """A textarea with one item per line."""
    raw = values.get(name)
    return (
        [line.strip() for line in raw.splitlines() if line.strip()] if isinstance(raw, str) else []
    )


def optional(values: Values, name: str) -> str | None:
    """A blank field is no value; anything else is left for the schema to judge."""
    return text(values, name) or None


def field_errors(exc: ValidationError | DataValidationError) -> list[dict[str, str]]:
    """One shape for the schema's and the engine's complaints: field and message."""
    if isinstance(exc, ValidationError):
        return [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())),
                "message": str(err.get("msg", "")),
            }
            for err in exc.errors()
        ]
    return [{"field": p.column or "", "message": p.message} for p in exc.problems]


def by_field(problems: list[dict[str, str]]) -> dict[str, list[str]]:
    """Problems keyed by the form field they belong to (the first part of a nested name)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p["field"].split(".")[0], []).append(p["message"])
    return out


def state_of(values: Values, names: Mapping[str, bool]) -> dict[str, Any]:
    """The page's parameters as given (lists where `names` says so), for links and forms."""
    return {n: values.getlist(n) if many else text(values, n) for n, many in names.items()}


async def posted_form(request: Request) -> FormData:
    """A POST form, refused (403) unless it carries this session's CSRF token."""
    form = await request.form()
    check_csrf(request, current_session(request), form.get("csrf"))
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]
