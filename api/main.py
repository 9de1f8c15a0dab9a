"""The HTTP service. `create_app()` only assembles: settings, lifespan, routers, errors.

The port opens at once: the store, the model and the index are opened by a background
thread, and until they are, `/health` says "starting" and every `/v1` route answers 503
with that message. An opening that fails (a damaged store, another model's index) leaves
`/health` at "failed" with the one-line reason; `matcher serve` checks the store before it
starts the server, and exits with that line and status 2.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.guard import Guard
from api.routers import admin, feedback, health, merges, needs, organisations, search, staff
from api.settings import get_settings
from api.web import mount_workbench
from matcher.budget import FailedAttempts
from matcher.config import AppSettings, single_threaded_queries
from matcher.errors import MatchmakerError
from matcher.limits import MAX_BODY_BYTES
from matcher.service import ClusterService

log = logging.getLogger("api")
Opener = Callable[[AppSettings], ClusterService]


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
    service.start_following()  # other processes' writes to the same store
    return service


class _Opening:
    """The service, opened by a background thread; closed on shutdown even if it was still
    opening then (the thread closes it when it is done)."""

    def __init__(self, app: FastAPI, settings: AppSettings, opener: Opener) -> None:
        self.app, self.settings, self.opener = app, settings, opener
        self._lock = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._open, name="service-opening", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _open(self) -> None:
        try:
            service = self.opener(self.settings)
        except MatchmakerError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:
            log.exception("the service could not open")
            self._fail(f"the service could not open: {type(exc).__name__}: {exc}")
            return
        with self._lock:
            if self._closing:
                service.close()
                return
            self.app.state.service = service
        log.info("service ready: %s", service.info())

    def _fail(self, message: str) -> None:
        log.error("error: %s", message)
        self.app.state.failure = message

    def close(self) -> None:
        with self._lock:
            self._closing = True
            service = getattr(self.app.state, "service", None)
        if service is not None:
            service.close()


def create_app(
    settings: AppSettings | None = None, open_on_start: bool = True, opener: Opener = open_service
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opening = _Opening(app, settings, opener) if open_on_start else None
        if opening is not None:
            opening.start()
        yield
        if opening is not None:
            opening.close()

    app = FastAPI(
        title="Cleantech cluster matchmaker",
        version="1.0",
        description="Partners, candidates, subject areas and need matches for a cleantech "
        "cluster. Send an API key as `X-API-Key` (or `Authorization: Bearer`); `/health`, "
        "`/docs`, `/redoc` and `/openapi.json` answer without one.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = None
    app.state.failure = None
    app.state.failed_keys = FailedAttempts()
    install_error_handlers(app)
    for module in (health, organisations, needs, search, feedback, merges, staff, admin):
        app.include_router(module.router)
    app.add_middleware(Guard, max_bytes=MAX_BODY_BYTES)
    mount_workbench(app, settings)  # the pages at `/`, after the API's routes and handlers
    return app
