"""What the OpenAPI document says a route may answer besides its success: the one error
shape with every status the service returns, and the CSV files some routes send."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_WHY = {
    401: "no API key, or an unknown or revoked one",
    403: "the key's role may not do this",
    404: "an unknown id",
    409: "the record exists already, or the idempotency key was used for another request",
    413: "the request body is larger than the limit",
    422: "invalid input; the details name each field (and row and column for files)",
    429: "too many failed key attempts from this client, or too much text from this key; "
    "see Retry-After",
    503: "the service is starting, or a part it needs is damaged; nothing was changed",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[Any]


class ErrorOut(BaseModel):
    error: ErrorBody


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorOut, "description": _WHY[s]} for s in statuses}


# Every route under /v1 may answer these (keys, roles, body size, validation, rate limits,
# start-up); routes add 404 and 409 where they apply.
COMMON = errors(401, 403, 413, 422, 429, 503)
NOT_FOUND = errors(404)
CONFLICT = errors(409)


def csv_file(description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 that is JSON by default and a CSV file with `format=csv`."""
    return {
        200: {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}}}
    }
