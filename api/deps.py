"""Typed dependencies: the service, the caller's API key, role checks, idempotency keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError, Replay, retry_after
from api.schemas.organisations import OrganisationIn
from matcher.budget import FailedAttempts
from matcher.errors import RateLimitedError
from matcher.service import ClusterService
from matcher.store import ApiKey, Role
from matcher.store.receipts import Receipt

# Declared as security schemes, so the OpenAPI document says how to authenticate.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


def get_optional_service(request: Request) -> ClusterService | None:
    """The service opened at start-up; None while it is still opening."""
    return getattr(request.app.state, "service", None)


def get_service(
    request: Request,
    service: Annotated[ClusterService | None, Depends(get_optional_service)],
) -> ClusterService:
    if service is None:
        failure = getattr(request.app.state, "failure", None)
        message = failure or "the service is starting (loading the model and the index)"
        raise ApiError(503, "not_ready", f"{message}; try again shortly", headers=retry_after(5))
    return service


ServiceDep = Annotated[ClusterService, Depends(get_service)]


def _failed_attempts(request: Request) -> FailedAttempts:
    attempts = getattr(request.app.state, "failed_keys", None)
    if attempts is None:
        attempts = request.app.state.failed_keys = FailedAttempts()
    return attempts


def current_key(
    request: Request,
    service: ServiceDep,
    x_api_key: Annotated[str | None, Depends(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> ApiKey:
    """The caller's key from `X-API-Key: <key>` or `Authorization: Bearer <key>`; a client
    that sent too many unknown keys is refused for a while (429), even with a good one."""
    token = x_api_key or (bearer.credentials if bearer is not None else None)
    if not token:
        raise ApiError(401, "unauthorized", "an API key is required (header X-API-Key)")
    client = request.client.host if request.client is not None else "unknown"
    attempts = _failed_attempts(request)
    try:
        attempts.check(client)
    except RateLimitedError as exc:
        raise ApiError(
            429, "rate_limited", str(exc), headers=retry_after(exc.retry_after)
        ) from None
    key = service.verify_key(token)
    if key is None:
        attempts.failed(client)
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked")
    return key


KeyDep = Annotated[ApiKey, Depends(current_key)]


def require(*roles: Role) -> Callable[[ApiKey], ApiKey]:
    def check(key: KeyDep) -> ApiKey:
        if key.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise ApiError(
                403, "forbidden", f"this needs a {allowed} key; yours is {key.role.value}"
            )
        return key

    return check


StaffKey = Annotated[ApiKey, Depends(require(Role.STAFF))]
StaffOrMember = Annotated[ApiKey, Depends(require(Role.STAFF, Role.MEMBER))]
AnyKey = Annotated[ApiKey, Depends(require(Role.STAFF, Role.MEMBER, Role.INVESTOR))]


def ensure_own_org(key: ApiKey, org_id: str) -> None:
    """Members act for their own organisation only; staff act for any."""
    if key.role == Role.MEMBER and key.org_id != org_id:
        raise ApiError(403, "forbidden", f"a member key acts only for organisation {key.org_id!r}")


def charge(service: ClusterService, key: ApiKey, *texts: str) -> None:
    """Count the query texts this call sends to the encoder against the key's budget (429
    past it)."""
    service.charge(key.id, texts)


def charge_record(service: ClusterService, key: ApiKey, body: OrganisationIn) -> None:
    """Count the texts a record sends to the encoder against the key's budget."""
    texts = [body.description, *body.offers, *body.seeks]
    texts += [part for doc in body.evidence for part in (doc.title, doc.text)]
    service.charge(key.id, texts, "passage")


# --- idempotency keys ---------------------------------------------------------------------
class IdempotentCall:
    """A POST that creates, with the client's `Idempotency-Key`: `receipt(status, render)`
    is what the service stores with the write; a retry with the same key and the same
    request was answered before this point (by its stored answer)."""

    def __init__(self, key: ApiKey, header: str | None, fingerprint: str) -> None:
        self.key, self.header, self.fingerprint = key, header, fingerprint

    def receipt(self, status: int, render: Callable[[Any], Any]) -> Receipt | None:
        if self.header is None:
            return None
        return Receipt(self.key.actor, self.header, self.fingerprint, status, render)


async def idempotent_call(
    request: Request,
    service: ServiceDep,
    key: KeyDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="any unique string per intended write (a UUID); a retry with the "
            "same key and the same request gets the first answer and writes nothing",
        ),
    ] = None,
) -> IdempotentCall:
    body = await request.body()
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    call = IdempotentCall(key, idempotency_key, digest)
    if idempotency_key is not None:
        stored = service.recall(key.actor, idempotency_key)
        if stored is not None and stored.fingerprint != digest:
            message = "this Idempotency-Key was used for another request; use a new key"
            raise ApiError(409, "conflict", message, [{"field": "Idempotency-Key"}])
        if stored is not None:
            raise Replay(stored.status, stored.body)
    return call


IdempotentDep = Annotated[IdempotentCall, Depends(idempotent_call)]
