"""Errors on pages are pages: the same exceptions the API turns into JSON, shown as HTML.

The API's handlers stay in charge of the API's paths; these wrap them and answer
everything else (the workbench) with an error page or a trip to the sign-in page.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ApiError
from api.web.auth import SignInRequired, sign_in_url
from api.web.render import page, secured
from matcher.errors import (
    DataValidationError,
    InfeasibleRequestError,
    MatchmakerError,
    NotFoundError,
)

log = logging.getLogger("api")
Handler = Callable[[Request, Any], Any]  # the API's handlers, awaited below
API_PATHS = ("/v1/", "/health", "/docs", "/redoc", "/openapi.json")


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/v1" or path.startswith(API_PATHS)


def install_page_errors(app: FastAPI) -> None:
    for exc_type in (ApiError, MatchmakerError, StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(exc_type, _either(app.exception_handlers.get(exc_type)))
    unexpected = app.exception_handlers.get(Exception)
    # a page validates forms with the API's schemas; their errors are a 422 page, while
    # on the API's paths they stay what they were (unexpected)
    app.add_exception_handler(ValidationError, _either(unexpected))
    app.add_exception_handler(Exception, _either(unexpected))
    app.add_exception_handler(SignInRequired, _to_sign_in)


def _either(api_handler: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_api(request) and api_handler is not None:
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return error_page(request, exc)

    return handle


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return secured(RedirectResponse(sign_in_url(exc.next_path), status_code=303))


def error_page(request: Request, exc: Exception) -> Response:
    status, code, message, details = _describe(exc)
    if status >= 500:
        log.exception("unhandled error on a page", exc_info=exc)
    return page(
        request,
        getattr(request.state, "visitor", None),
        "error.html",
        status=status,
        title="error.title",
        error_status=status,
        code=code,
        message=message,
        details=details,
    )


def _describe(exc: Exception) -> tuple[int, str, str, list[Any]]:
    if isinstance(exc, ApiError):
        return exc.status, exc.code, exc.message, []
    if isinstance(exc, NotFoundError):
        return 404, "not_found", str(exc), []
    if isinstance(exc, DataValidationError):
        details = [f"{p.column or ''}: {p.message}" for p in exc.problems]
        return 422, "invalid_input", str(exc), details
    if isinstance(exc, InfeasibleRequestError):
        return 422, "infeasible", str(exc), list(exc.reasons)
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, "http_error", str(exc.detail), []
    if isinstance(exc, RequestValidationError | ValidationError):
        details = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return 422, "invalid_input", "invalid request", details
    if isinstance(exc, MatchmakerError):
        return 500, "engine_error", str(exc), []
    return 500, "internal_error", "internal error; it has been logged", []
