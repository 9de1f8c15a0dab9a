"""Sign in with an API key, sign out, the home page and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ServiceDep
from api.web.auth import Visitor, codec, current_session
from api.web.forms import PostedForm, text
from api.web.i18n import LANG_COOKIE, LANGUAGES, language_of
from api.web.render import page, secured
from api.web.session import Session

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another site's address (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    service: ServiceDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The workbench's start: the jobs this key may do, or the sign-in form."""
    session = current_session(request)
    key = service.active_key(session.key_id) if session and session.key_id else None
    if session is not None and key is not None:
        return page(
            request, Visitor(key, session, language_of(request)), "home.html", title="home.title"
        )
    return sign_in_page(request, session, safe_next(next))


def sign_in_page(
    request: Request, session: Session | None, next_path: str, failed: bool = False
) -> Response:
    """The sign-in form; a visitor without a session gets an anonymous one for its token."""
    anonymous = session if session is not None and session.key_id is None else Session.fresh()
    response = page(
        request,
        None,
        "signin.html",
        status=401 if failed else 200,
        title="signin.title",
        next_path=next_path,
        failed=failed,
        csrf=anonymous.csrf,
    )
    codec(request).write(response, anonymous, request)
    return response


@router.post("/signin")
def sign_in(request: Request, form: PostedForm, service: ServiceDep) -> Response:
    """The key is checked as the API checks it; the session keeps only its id."""
    session = current_session(request)
    key = service.verify_key(text(form, "key"))
    next_path = safe_next(text(form, "next"))
    if key is None or session is None:
        return sign_in_page(request, session, next_path, failed=True)
    response = secured(RedirectResponse(next_path, status_code=303))
    codec(request).write(response, session.signed_in(key.id), request)
    return response


@router.post("/signout")
def sign_out(request: Request, form: PostedForm) -> Response:
    response = secured(RedirectResponse("/?notice=signed_out", status_code=303))
    codec(request).write(response, Session.fresh(), request)
    return response


@router.get("/language/{lang}")
def switch_language(
    lang: str, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    response = secured(RedirectResponse(safe_next(next), status_code=303))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response
