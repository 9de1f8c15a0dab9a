"""Typed dependencies: the service, the caller's API key, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from api.errors import ApiError
from matcher.service import ClusterService
from matcher.store import ApiKey, Role


def get_optional_service(request: Request) -> ClusterService | None:
    """The service opened at start-up; None while it is still opening."""
    return getattr(request.app.state, "service", None)


def get_service(
    service: Annotated[ClusterService | None, Depends(get_optional_service)],
) -> ClusterService:
    if service is None:
        raise ApiError(503, "not_ready", "the service is starting; try again shortly")
    return service


ServiceDep = Annotated[ClusterService, Depends(get_service)]


def current_key(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> ApiKey:
    """The caller's key from `X-API-Key: <key>` or `Authorization: Bearer <key>`."""
    token = x_api_key
    if token is None and authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:]
    if not token:
        raise ApiError(401, "unauthorized", "an API key is required (header X-API-Key)")
    key = service.verify_key(token)
    if key is None:
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
