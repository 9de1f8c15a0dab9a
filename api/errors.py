"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}.

Engine errors map to their HTTP status; anything unforeseen becomes a 500 with a generic
message, logged on the server; no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.errors import (
    ConfigError,
    DataValidationError,
    InfeasibleRequestError,
    MatchmakerError,
    NotFoundError,
)

log = logging.getLogger("api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _json(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def _problems(exc: DataValidationError) -> list[dict[str, Any]]:
    return [
        {"source": p.source, "row": p.row, "field": p.column, "message": p.message}
        for p in exc.problems
    ]


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(exc.status, exc.code, exc.message, exc.details)


async def _engine_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFoundError):
        return _json(404, "not_found", str(exc), [{"what": exc.what, "id": exc.ident}])
    if isinstance(exc, DataValidationError):
        return _json(422, "invalid_input", str(exc), _problems(exc))
    if isinstance(exc, InfeasibleRequestError):
        return _json(422, "infeasible", str(exc), list(exc.reasons))
    if isinstance(exc, ConfigError):
        return _json(400, "bad_request", str(exc))
    return _json(500, "engine_error", str(exc))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            "message": err.get("msg"),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(d["field"] for d in details)
    return _json(422, "invalid_input", f"invalid request: {fields}", details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
    }
    return _json(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return _json(500, "internal_error", "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(MatchmakerError, _engine_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
