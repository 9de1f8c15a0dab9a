"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}.

Engine errors map to their HTTP status; anything unforeseen becomes a 500 with a generic
message, logged on the server; no stack trace ever reaches a client. The 500 is answered by
the guard (api.guard) inside Starlette's error middleware, so the exception never leaves the
application and the server keeps the client's connection open.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.errors import (
    ConfigError,
    ConflictError,
    DataValidationError,
    EncoderError,
    InfeasibleRequestError,
    MatchmakerError,
    NotFoundError,
    RateLimitedError,
    StoreError,
    UnavailableError,
)

log = logging.getLogger("api")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


class Replay(Exception):
    """Answer with the response stored for an idempotency key (nothing is executed)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"replay of a {status} answer")
        self.status, self.body = status, body


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _json(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, int(seconds + 0.999)))}


def _problems(exc: DataValidationError) -> list[dict[str, Any]]:
    return [
        {"source": p.source, "row": p.row, "field": p.column, "message": p.message}
        for p in exc.problems
    ]


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _replay(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Replay)
    return JSONResponse(exc.body, status_code=exc.status, headers={"Idempotent-Replay": "true"})


async def _engine_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFoundError):
        return _json(404, "not_found", str(exc), [{"what": exc.what, "id": exc.ident}])
    if isinstance(exc, DataValidationError):
        return _json(422, "invalid_input", str(exc), _problems(exc))
    if isinstance(exc, InfeasibleRequestError):
        return _json(422, "infeasible", str(exc), list(exc.reasons))
    if isinstance(exc, ConfigError):  # in a request: a file type or a value that cannot work
        return _json(422, "invalid_input", str(exc))
    if isinstance(exc, ConflictError):
        return _json(409, "conflict", str(exc))
    if isinstance(exc, RateLimitedError):
        return _json(429, "rate_limited", str(exc), headers=retry_after(exc.retry_after))
    if isinstance(exc, UnavailableError | EncoderError | StoreError):
        log.error("unavailable: %s", exc)
        return _json(503, "unavailable", str(exc), headers=retry_after(5))
    log.error("engine error: %s", exc)
    return _json(500, "engine_error", str(exc))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    """A request that fails its schema (or a model built from it inside a route)."""
    assert isinstance(exc, RequestValidationError | ValidationError)
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
    if exc.status_code == 400:  # a body the framework could not parse (too deep, bad form)
        return _json(422, "invalid_input", f"the request body cannot be parsed: {exc.detail}")
    codes = {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
    }
    code = codes.get(exc.status_code, "http_error")
    return _json(exc.status_code, code, str(exc.detail), headers=exc.headers)


def internal_error() -> JSONResponse:
    return _json(500, "internal_error", "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Handlers for what the service raises on purpose; the rest is the guard's."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Replay, _replay)
    app.add_exception_handler(MatchmakerError, _engine_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
