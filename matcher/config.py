"""Settings from the environment, parsed once, at the edge: the one place that reads
`MATCHER_*` variables. The CLI (with its flags on top) and the API's `get_settings()` call
it at start-up; library code receives the typed result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from matcher.errors import ConfigError
from matcher.settings import DEFAULT_DATA_DIR, DEFAULT_STORE_DIR, EngineSettings
from matcher.store import sqlite_url

ENV_DATA = "MATCHER_DATA_DIR"
ENV_STORE = "MATCHER_STORE_DIR"
ENV_MODEL = "MATCHER_MODEL"
ENV_DATABASE = "MATCHER_DATABASE_URL"
ENV_SAVE_INTERVAL = "MATCHER_SAVE_INTERVAL"
# Signs the workbench's session cookies; when unset, a random secret is kept in the store
# folder (created once), so sessions survive restarts and no secret lives in the repository.
ENV_SESSION_SECRET = "MATCHER_SESSION_SECRET"
MIN_SESSION_SECRET_CHARS = 32
# How often a serving process writes its changed index to disk (and checks whether it is
# worth compacting); a crash in between loses nothing, the store's change log is replayed.
DEFAULT_SAVE_INTERVAL = 30.0


@dataclass(frozen=True)
class AppSettings:
    engine: EngineSettings
    database_url: str
    seed_dir: Path | None  # the data folder that seeds an empty store
    save_interval: float = DEFAULT_SAVE_INTERVAL
    session_secret: str | None = None  # None: the secret file in the store folder

    @classmethod
    def for_store(
        cls, store_dir: Path, data_dir: Path | None = None, model: str | None = None
    ) -> AppSettings:
        engine = EngineSettings(data_dir=data_dir or DEFAULT_DATA_DIR, store_dir=store_dir)
        if model:
            engine = replace(engine, model=model)
        return cls(engine, sqlite_url(store_dir / "store.sqlite"), data_dir or DEFAULT_DATA_DIR)


def settings_from_env(
    env: Mapping[str, str],
    data: Path | None = None,
    store: Path | None = None,
    model: str | None = None,
    show_progress: bool = False,
) -> AppSettings:
    """Flags (the keyword arguments) win over the environment, which wins over defaults."""
    data_dir = data or (Path(env[ENV_DATA]) if env.get(ENV_DATA) else DEFAULT_DATA_DIR)
    store_dir = store or Path(env.get(ENV_STORE) or DEFAULT_STORE_DIR)
    engine = EngineSettings(data_dir=data_dir, store_dir=store_dir, show_progress=show_progress)
    if model or env.get(ENV_MODEL):
        engine = replace(engine, model=model or env[ENV_MODEL])
    url = env.get(ENV_DATABASE) or sqlite_url(store_dir / "store.sqlite")
    return AppSettings(
        engine,
        url,
        data_dir,
        _seconds(env.get(ENV_SAVE_INTERVAL)),
        _session_secret(env.get(ENV_SESSION_SECRET)),
    )


def _seconds(raw: str | None) -> float:
    if not raw:
        return DEFAULT_SAVE_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{ENV_SAVE_INTERVAL} must be a number of seconds, not {raw!r}") from None
    if not 0 < value < 86_400:
        raise ConfigError(f"{ENV_SAVE_INTERVAL} must be between 0 and 86400 seconds")
    return value


def _session_secret(raw: str | None) -> str | None:
    if not raw:
        return None
    if len(raw) < MIN_SESSION_SECRET_CHARS:
        raise ConfigError(
            f"{ENV_SESSION_SECRET} must be at least {MIN_SESSION_SECRET_CHARS} characters long"
        )
    return raw


def single_threaded_queries() -> None:
    """One BLAS thread per process (called once at start-up by the CLI and the service).

    A query's matrix products are small; with two BLAS threads every product waits at a
    barrier for whichever thread the kernel descheduled, which on a busy 2-core machine
    doubled warm latency. Concurrency comes from serving several requests at once instead.
    FAISS's OpenMP threads are set per call by the retrieval backends.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
