"""Settings from flags and environment, parsed once at the command line's edge."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matcher.config import ENV_DATA, ENV_MODEL, ENV_STORE, AppSettings, settings_from_env
from matcher.index_sync import RebuildPolicy
from matcher.service import ClusterService
from matcher.store import Store


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help=f"data folder (env {ENV_DATA}; default: demo)")
    parser.add_argument("--store", type=Path, help=f"store folder (env {ENV_STORE}; default: var)")
    parser.add_argument("--model", help=f"encoder name or local path (env {ENV_MODEL})")


def settings_from(args: argparse.Namespace) -> AppSettings:
    return settings_from_env(os.environ, args.data, args.store, args.model, show_progress=True)


@contextmanager
def open_service(
    args: argparse.Namespace, policy: RebuildPolicy = "auto"
) -> Iterator[ClusterService]:
    """The store (seeded from the data folder when empty) and the engine over it; on the
    way out the index is saved if anything changed, so the next command starts warm.

    The CLI reads the same store as the HTTP service, so both always show the same data.
    """
    from embeddings.language import detect_language

    settings = settings_from(args)
    store = Store(settings.database_url)
    service = ClusterService.open(
        settings.engine, store, settings.seed_dir, detect_language=detect_language, policy=policy
    )
    try:
        yield service
    finally:
        service.close()


def quiet_libraries() -> None:
    """The edge decides: no hub look-ups, no library chatter on the user's terminal."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # weight-loading bars
