"""Settings from flags and environment, parsed once at the command line's edge."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from matcher.engine import Matchmaker
from matcher.index_sync import RebuildPolicy
from matcher.service import ClusterService
from matcher.settings import DEFAULT_DATA_DIR, DEFAULT_STORE_DIR, EngineSettings
from matcher.store import Store, sqlite_url

ENV_DATA = "MATCHER_DATA_DIR"
ENV_STORE = "MATCHER_STORE_DIR"
ENV_MODEL = "MATCHER_MODEL"
ENV_DATABASE = "MATCHER_DATABASE_URL"


def default_model() -> str:
    from embeddings.factory import DEFAULT_ENCODER

    return DEFAULT_ENCODER


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help=f"data folder (env {ENV_DATA}; default: demo)")
    parser.add_argument("--store", type=Path, help=f"store folder (env {ENV_STORE}; default: var)")
    parser.add_argument("--model", help=f"encoder name or local path (env {ENV_MODEL})")


def settings_from(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> EngineSettings:
    env = os.environ if env is None else env
    return EngineSettings(
        data_dir=args.data or Path(env.get(ENV_DATA) or DEFAULT_DATA_DIR),
        store_dir=args.store or Path(env.get(ENV_STORE) or DEFAULT_STORE_DIR),
        model=args.model or env.get(ENV_MODEL) or default_model(),
        show_progress=True,
    )


def database_url(settings: EngineSettings, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get(ENV_DATABASE) or sqlite_url(settings.store_dir / "store.sqlite")


def open_service(args: argparse.Namespace, policy: RebuildPolicy = "auto") -> ClusterService:
    """The store (seeded from the data folder when empty) and the engine over it.

    The CLI reads the same store as the HTTP service, so both always show the same data.
    """
    from embeddings.language import detect_language

    settings = settings_from(args)
    store = Store(database_url(settings))
    return ClusterService.open(
        settings, store, settings.data_dir, detect_language=detect_language, policy=policy
    )


def open_engine(args: argparse.Namespace) -> Matchmaker:
    return open_service(args).engine


def quiet_libraries() -> None:
    """The edge decides: no hub look-ups, no library chatter on the user's terminal."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # weight-loading bars
