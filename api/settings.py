"""Service settings, read from the environment once (cached) at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from matcher.settings import DEFAULT_DATA_DIR, DEFAULT_STORE_DIR, EngineSettings
from matcher.store import sqlite_url


@dataclass(frozen=True)
class ApiSettings:
    engine: EngineSettings
    database_url: str
    seed_dir: Path | None
    max_body_bytes: int = 10 * 1024 * 1024  # imports of a few thousand rows fit
    max_page_size: int = 200
    max_text_chars: int = 5_000

    @classmethod
    def for_store(
        cls, store_dir: Path, data_dir: Path | None = None, model: str | None = None
    ) -> ApiSettings:
        engine = EngineSettings(data_dir=data_dir or DEFAULT_DATA_DIR, store_dir=store_dir)
        if model:
            engine = replace(engine, model=model)
        return cls(engine, sqlite_url(store_dir / "store.sqlite"), data_dir or DEFAULT_DATA_DIR)


@lru_cache
def get_settings() -> ApiSettings:
    env = os.environ
    store_dir = Path(env.get("MATCHER_STORE_DIR") or DEFAULT_STORE_DIR)
    data_dir = Path(env["MATCHER_DATA_DIR"]) if env.get("MATCHER_DATA_DIR") else None
    settings = ApiSettings.for_store(store_dir, data_dir, env.get("MATCHER_MODEL") or None)
    if env.get("MATCHER_DATABASE_URL"):
        settings = ApiSettings(settings.engine, env["MATCHER_DATABASE_URL"], settings.seed_dir)
    return settings
