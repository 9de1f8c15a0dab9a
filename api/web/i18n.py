"""Interface text in English and Russian: one catalogue, chosen per visitor.

The language comes from the visitor's choice (a cookie set by the switch in the header),
else from the browser's Accept-Language, else English. Dates and numbers follow it too
(render.py formats them with Babel for the same locale).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from api.web.catalogue import MESSAGES

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "workbench_lang"


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def translate(lang: str, key: str, default: str | None = None, **values: object) -> str:
    """The text for a key in a language; `{name}` fields are filled from `values`."""
    entry = MESSAGES.get(key)
    if entry is None:
        return default if default is not None else key
    message = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return message.format(**values) if values else message


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, default: str | None = None, **values: object) -> str:
        return translate(lang, key, default, **values)

    return t
