"""Pages from templates: one Jinja environment, the visitor's language, safe headers.

Templates receive the API's response schemas (dumped to plain data), never domain
objects, so the API's field visibility holds on every page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from api.web.auth import Visitor, current_session
from api.web.i18n import LANGUAGES, language_of, translator
from matcher.lexical import PREFIX, STOPWORDS, tokens
from matcher.store import Role
from matcher.taxonomy import Taxonomy

TEMPLATES = Path(__file__).parent / "templates"
# Scripts, styles and images come from this server only; no page may be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# (path, catalogue label, roles that see it): the role decides which links appear; the
# pages themselves refuse the other roles whatever the link
NAV = (
    ("/search", "nav.search", {Role.STAFF, Role.MEMBER, Role.INVESTOR}),
    ("/organisations", "nav.organisations", {Role.STAFF, Role.MEMBER, Role.INVESTOR}),
    ("/needs", "nav.needs", {Role.STAFF, Role.MEMBER}),
    ("/consortium", "nav.consortium", {Role.STAFF}),
    ("/shortlist", "nav.shortlist", {Role.STAFF}),
    ("/duplicates", "nav.hygiene", {Role.STAFF}),
    ("/import", "nav.import", {Role.STAFF}),
    ("/audit", "nav.audit", {Role.STAFF}),
)

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def nav_for(who: Visitor | None, path: str) -> list[dict[str, Any]]:
    if who is None:
        return []
    items = [(href, label) for href, label, roles in NAV if who.key.role in roles]
    if who.key.role == Role.MEMBER and who.key.org_id:
        items.insert(2, (f"/organisations/{who.key.org_id}", "nav.own"))
    return [
        {"href": href, "label": label, "current": path == href or path.startswith(href + "/")}
        for href, label in items
    ]


def page(
    request: Request,
    who: Visitor | None,
    template: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = who.lang if who else language_of(request)
    session = who.session if who else current_session(request)
    taxonomy: Taxonomy = request.app.state.workbench.taxonomy
    values = {
        "csrf": session.csrf if session else "",
        "who": who,
        "lang": lang,
        "languages": LANGUAGES,
        "t": translator(lang),
        "nav": nav_for(who, request.url.path),
        "path": request.url.path,
        "here": _here(request),
        "notice": _notice(request),
        "area_name": _area_namer(taxonomy, lang),
        "area_ids": taxonomy.ids,
        "num": lambda value, digits=3: format_number(value, lang, digits),
        "when": lambda value: format_when(value, lang),
        "day": lambda value: format_day(value, lang),
        "highlight": highlight,
        "query": query_string,
        **context,
    }
    html = _env.get_template(template).render(values)
    return secured(HTMLResponse(html, status_code=status))


def secured(response: Any) -> Any:
    response.headers.update(SECURITY_HEADERS)
    return response


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _notice(request: Request) -> str | None:
    """A one-word notice after a redirect; only catalogue words are shown (see base.html)."""
    word = request.query_params.get("notice", "")
    return word if re.fullmatch(r"[a-z_]{1,32}", word) else None


def _area_namer(taxonomy: Taxonomy, lang: str) -> Callable[[str], str]:
    names = {a.id: a.names.get(lang) or a.name for a in taxonomy.areas}
    return lambda area_id: names.get(area_id, area_id)


def format_number(value: Any, lang: str, digits: int = 3) -> str:
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=lang))


def format_when(value: Any, lang: str) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return str(format_datetime(moment, "medium", locale=lang))


def format_day(value: Any, lang: str) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return str(format_date(day, "long", locale=lang))


_WORD = re.compile(r"([^\W\d_]{2,}|\d{2,})")
SHARED_START = 5  # letters two forms of a word share, so "модули" meets "модулей"


def highlight(text: str, query: str) -> Markup:
    """The text with the words it shares with the query marked: the lexical ranking's
    stems (stopwords left out), met by any word that begins the same way."""
    stems = set(tokens(query or ""))
    out = []
    for i, part in enumerate(_WORD.split(text or "")):
        folded = part.casefold()
        if i % 2 and folded not in STOPWORDS and _meets(folded[:PREFIX], stems):
            out.append(Markup("<mark>{}</mark>").format(part))
        else:
            out.append(escape(part))
    return Markup("").join(out)


def _meets(word: str, stems: set[str]) -> bool:
    for stem in stems:
        need = min(SHARED_START, len(stem), len(word))
        if (need >= 3 and word[:need] == stem[:need]) or word == stem:
            return True
    return False


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    """The page's parameters with some changed (None drops one), for links and exports."""
    merged = {**params, **changes}
    pairs = []
    for name, value in merged.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, str(v)) for v in values if v is not None and v != ""]
    return urlencode(pairs)
