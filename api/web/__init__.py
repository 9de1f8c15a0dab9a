"""The workbench: server-rendered pages for staff, members and investors.

Pages go through the same service methods, key checks, role rules and request schemas as
the JSON API, and render the API's response schemas, so nothing is shown or allowed on a
page that the API would not show or allow. The API stays under /v1; the pages own `/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web.errors import install_page_errors
from api.web.routers import consortium, home, needs, organisations, registry, search, shortlist
from api.web.session import SessionCodec, session_secret
from matcher.config import AppSettings
from matcher.taxonomy import Taxonomy, load_taxonomy

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Workbench:
    taxonomy: Taxonomy  # area names in every language, for labels


def mount_workbench(app: FastAPI, settings: AppSettings) -> None:
    app.state.session_codec = SessionCodec(session_secret(settings))
    app.state.workbench = Workbench(load_taxonomy(settings.engine.taxonomy_path))
    for module in (home, search, organisations, needs, consortium, shortlist, registry):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_page_errors(app)
