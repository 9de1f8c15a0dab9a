"""Who is looking at a page: the session's key, checked by the service on every request,
and the API's own role rules (api.deps) deciding what that key may do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from api.deps import ServiceDep, require
from api.errors import ApiError
from api.web.i18n import language_of
from api.web.session import Session, SessionCodec
from matcher.store import ApiKey, Role


class SignInRequired(Exception):
    """No valid session: the page sends the visitor to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Visitor:
    key: ApiKey
    session: Session
    lang: str

    @property
    def role(self) -> str:
        return self.key.role.value

    @property
    def is_staff(self) -> bool:
        return self.key.role == Role.STAFF

    def may_act_for(self, org_id: str) -> bool:
        """The API's rule (api.deps.ensure_own_org): staff for any, a member for its own."""
        return self.is_staff or (self.key.role == Role.MEMBER and self.key.org_id == org_id)


def codec(request: Request) -> SessionCodec:
    found: SessionCodec = request.app.state.session_codec
    return found


def current_session(request: Request) -> Session | None:
    return codec(request).read(request)


def visitor(request: Request, service: ServiceDep) -> Visitor:
    """The signed-in visitor; a missing, forged, expired or revoked session signs out."""
    session = current_session(request)
    key = service.active_key(session.key_id) if session and session.key_id else None
    if session is None or key is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    who = Visitor(key, session, language_of(request))
    request.state.visitor = who  # an error page after this still shows the visitor's menu
    return who


VisitorDep = Annotated[Visitor, Depends(visitor)]


def page_for(*roles: Role) -> Callable[[Visitor], Visitor]:
    """The API's role check (api.deps.require) applied to the session's key."""
    check = require(*roles)

    def allowed(who: VisitorDep) -> Visitor:
        check(who.key)  # raises the API's 403, shown as a page
        return who

    return allowed


AnyPage = Annotated[Visitor, Depends(page_for(Role.STAFF, Role.MEMBER, Role.INVESTOR))]
StaffOrMemberPage = Annotated[Visitor, Depends(page_for(Role.STAFF, Role.MEMBER))]
StaffPage = Annotated[Visitor, Depends(page_for(Role.STAFF))]


def check_csrf(request: Request, session: Session | None, token: object) -> None:
    """Refuse a form post whose token is not the session's, or that another site sent."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and _host_of(origin) != request.headers.get("host"):
        raise ApiError(403, "forbidden", "the form was sent from another site")
    if session is None or not session.csrf_matches(token if isinstance(token, str) else None):
        raise ApiError(403, "csrf", "the form has expired or was not sent from this workbench")


def _host_of(origin: str) -> str:
    return origin.split("://", 1)[-1].rstrip("/")


def sign_in_url(next_path: str) -> str:
    return "/?next=" + quote(next_path, safe="/")
