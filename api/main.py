"""The HTTP service. `create_app()` only assembles: settings, lifespan, routers, errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.routers import admin, feedback, health, merges, needs, organisations, search, staff
from api.settings import get_settings
from api.web import mount_workbench
from matcher.config import AppSettings, single_threaded_queries
from matcher.limits import MAX_BODY_BYTES
from matcher.service import ClusterService

log = logging.getLogger("api")


def open_service(settings: AppSettings) -> ClusterService:
    """Open the store and the engine once: the model and index load here, never per request."""
    from embeddings.language import detect_language
    from matcher.store import Store

    single_threaded_queries()
    store = Store(settings.database_url)
    service = ClusterService.open(
        settings.engine, store, settings.seed_dir, detect_language=detect_language
    )
    service.start_upkeep(settings.save_interval)
    return service


def create_app(settings: AppSettings | None = None, open_on_start: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if open_on_start:
            app.state.service = open_service(settings)
            log.info("service ready: %s", app.state.service.info())
        yield
        service = getattr(app.state, "service", None)
        if service is not None and open_on_start:
            service.close()

    app = FastAPI(
        title="Cleantech cluster matchmaker",
        version="1.0",
        description="Partners, candidates, subject areas and need matches for a cleantech cluster.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (health, organisations, needs, search, feedback, merges, staff, admin):
        app.include_router(module.router)
    mount_workbench(app, settings)  # the pages at `/`, after the API's routes and handlers
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    return app
