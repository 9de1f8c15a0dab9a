"""Bringing the saved vector index up to date with the organisations it must hold.

The organisations (files or the store) are the source of truth; the index is derived and
may be deleted at any time. Opening it checks its manifest: another model is refused with
a clear message, a missing, corrupt or stale index is rebuilt (fast: the embedding cache
already holds every text it has seen).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from embeddings import (
    Encoder,
    IndexMismatchError,
    VectorIndex,
    VectorIndexError,
    load_index,
    read_manifest,
    save_index,
)
from matcher.chunking import build_index, fingerprint
from matcher.errors import ConfigError
from matcher.model import Organisation

log = logging.getLogger(__name__)
RebuildPolicy = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class IndexStatus:
    path: Path
    rebuilt: bool
    reason: str
    fingerprint: str


def open_index(
    directory: Path,
    orgs: Sequence[Organisation],
    encoder: Encoder,
    policy: RebuildPolicy = "auto",
    show_progress: bool = False,
    center_languages: bool = True,
) -> tuple[VectorIndex, IndexStatus]:
    wanted = fingerprint(orgs)
    reason = "forced rebuild" if policy == "always" else _stale_reason(directory, encoder, wanted)
    if reason is None:
        try:
            index, _ = load_index(directory, encoder.model_id, encoder.dimension)
            return index, IndexStatus(directory, False, "up to date", wanted)
        except IndexMismatchError:
            raise
        except VectorIndexError as exc:  # corrupt or half-written: rebuild from the source
            reason = f"unreadable ({exc})"
    if policy == "never":
        raise ConfigError(f"the index at {directory} cannot be used: {reason}; run `matcher build`")
    log.info("building the index at %s: %s", directory, reason)
    index = build_index(orgs, encoder, show_progress, center_languages)
    save_index(index, directory, source_fingerprint=wanted)
    return index, IndexStatus(directory, True, reason, wanted)


def _stale_reason(directory: Path, encoder: Encoder, wanted: str) -> str | None:
    try:
        manifest = read_manifest(directory)
    except VectorIndexError:
        return "no index yet"
    if manifest.model_id != encoder.model_id or manifest.dimension != encoder.dimension:
        raise IndexMismatchError(
            f"the index at {directory} was built with model {manifest.model_id!r} "
            f"(dimension {manifest.dimension}) but the engine uses {encoder.model_id!r} "
            f"(dimension {encoder.dimension}); rebuild it with `matcher build --force`"
        )
    if manifest.source_fingerprint != wanted:
        return "the organisations changed since it was built"
    return None


def save_current(index: VectorIndex, directory: Path, orgs: Sequence[Organisation]) -> None:
    save_index(index, directory, source_fingerprint=fingerprint(orgs))
