"""Opening the engine on a store: the saved index, caught up with the store's change log.

The store is the source of truth; the index is derived and may be deleted at any time.
Opening reads the saved index (its manifest refuses another model with a clear message)
and replays the organisations changed since the change sequence it was saved at, so a
crash between two saves loses nothing and costs only those records. A missing or damaged
index, one built from another store, or one chunked by an older recipe is rebuilt (fast:
the embedding cache already holds every text it has seen).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from embeddings import CachedEncoder, EmbeddingCache, Encoder, IndexMismatchError, VectorIndexError
from embeddings.factory import create_encoder
from embeddings.persistence import current_version
from matcher.engine import Matchmaker, chunking_of
from matcher.errors import ConfigError
from matcher.settings import EngineSettings
from matcher.store import Store
from matcher.taxonomy import Taxonomy

log = logging.getLogger(__name__)
RebuildPolicy = Literal["auto", "always", "never"]


def open_engine(
    settings: EngineSettings,
    store: Store,
    taxonomy: Taxonomy,
    encoder: Encoder | None = None,
    detect_language: Callable[[str], str] | None = None,
    policy: RebuildPolicy = "auto",
) -> Matchmaker:
    cached = CachedEncoder(
        encoder or create_encoder(settings.model, workers=None), EmbeddingCache(settings.cache_path)
    )
    cluster = store.load_cluster(taxonomy)
    reason = "forced rebuild" if policy == "always" else None
    if reason is None and current_version(settings.index_dir) is None:
        reason = "no index yet"
    if reason is None:
        try:
            engine = Matchmaker.load(cluster, settings, cached, taxonomy, detect_language)
            reason = _stale(engine, store, chunking_of(settings))
        except IndexMismatchError:
            raise
        except VectorIndexError as exc:  # missing, corrupt or half-written: rebuild it
            reason = f"unusable ({exc})"
    if reason is None:
        caught_up = catch_up(engine, store, taxonomy)
        engine.index_status = f"loaded, {caught_up} change(s) replayed from the store"
        return engine
    if policy == "never":
        raise ConfigError(f"the index at {settings.index_dir} cannot be used: {reason}")
    log.info("building the index at %s: %s", settings.index_dir, reason)
    engine = Matchmaker.build(cluster, settings, cached, taxonomy, detect_language)
    engine.applied = {"store": store.store_id, "seq": store.last_seq()}
    engine.save()
    engine.index_status = f"rebuilt at start-up ({reason})"
    return engine


def _stale(engine: Matchmaker, store: Store, chunking: str) -> str | None:
    saved = engine.saved or {}
    if saved.get("store") != store.store_id:
        return "built from another store"
    if saved.get("chunking") != chunking:
        return "chunked by an older recipe"
    if int(saved.get("seq", -1)) > store.last_seq():
        return "newer than the store (the store was replaced)"
    return None


def catch_up(engine: Matchmaker, store: Store, taxonomy: Taxonomy) -> int:
    """Apply the organisations changed since the engine's sequence number (and any the
    index lacks); returns how many changes there were. Needs and links come whole from the
    store at every start; deleted organisations left the index when it was loaded."""
    changes = store.changes_since(int(engine.applied.get("seq", 0)))
    source = {"store": store.store_id, "seq": changes[-1].seq if changes else store.last_seq()}
    touched = [c.entity_id for c in changes if c.entity == "organisations"]
    present = store.organisations(list(dict.fromkeys([*touched, *engine.missing])), taxonomy)
    if present:
        engine.apply(engine.prepare(list(present.values())), source)
        engine.set_partnerships(store.partnerships(), source)  # links of the new ones
    engine.applied.update(source)
    return len(changes)
