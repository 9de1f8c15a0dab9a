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
from typing import Any, Literal

from embeddings import CachedEncoder, EmbeddingCache, Encoder, IndexMismatchError, VectorIndexError
from embeddings.factory import create_encoder
from embeddings.persistence import BUILD_LOCK, current_version, index_lock
from matcher.engine import Matchmaker, chunking_of
from matcher.errors import ConfigError
from matcher.limits import LONG_TEXT_CHARS
from matcher.model import Need
from matcher.settings import EngineSettings
from matcher.store import Store
from matcher.taxonomy import Taxonomy

log = logging.getLogger(__name__)
RebuildPolicy = Literal["auto", "always", "never"]


def cached_encoder(settings: EngineSettings, encoder: Encoder | None = None) -> CachedEncoder:
    """The configured encoder (or the one given) behind the store folder's embedding cache."""
    if isinstance(encoder, CachedEncoder):
        return encoder
    inner = encoder or create_encoder(settings.model, workers=None, long_chars=LONG_TEXT_CHARS)
    return CachedEncoder(inner, EmbeddingCache(settings.cache_path))


def open_engine(
    settings: EngineSettings,
    store: Store,
    taxonomy: Taxonomy,
    encoder: Encoder | None = None,
    detect_language: Callable[[str], str] | None = None,
    policy: RebuildPolicy = "auto",
) -> Matchmaker:
    cached = cached_encoder(settings, encoder)
    opening = _Opening(settings, store, taxonomy, cached, detect_language)
    if policy == "always":
        return opening.build("forced rebuild")
    engine, reason = opening.saved()
    if engine is not None:
        return engine
    if policy == "never":
        raise ConfigError(f"the index at {settings.index_dir} cannot be used: {reason}")
    # one process builds; the others opening at the same time wait, then load its index
    with index_lock(settings.index_dir, exclusive=True, name=BUILD_LOCK):
        engine, _ = opening.saved()
        return engine if engine is not None else opening.build(reason)


class _Opening:
    def __init__(
        self,
        settings: EngineSettings,
        store: Store,
        taxonomy: Taxonomy,
        encoder: CachedEncoder,
        detect_language: Callable[[str], str] | None,
    ) -> None:
        self.settings, self.store, self.taxonomy = settings, store, taxonomy
        self.encoder, self.detect_language = encoder, detect_language

    def saved(self) -> tuple[Matchmaker | None, str]:
        """The saved index caught up with the store, or None and why it cannot be used."""
        if current_version(self.settings.index_dir) is None:
            return None, "no index yet"
        cluster = self.store.load_cluster(self.taxonomy)
        try:
            engine = Matchmaker.load(
                cluster, self.settings, self.encoder, self.taxonomy, self.detect_language
            )
        except IndexMismatchError:
            raise
        except VectorIndexError as exc:  # missing, corrupt or half-written: rebuild it
            return None, f"unusable ({exc})"
        reason = _stale(engine, self.store, chunking_of(self.settings))
        if reason is not None:
            return None, reason
        caught_up = catch_up(engine, self.store, self.taxonomy)
        engine.index_status = f"loaded, {caught_up} change(s) replayed from the store"
        return engine, ""

    def build(self, reason: str) -> Matchmaker:
        log.info("building the index at %s: %s", self.settings.index_dir, reason)
        # the sequence before the records: a write committed in between is replayed later
        seq = self.store.last_seq()
        cluster = self.store.load_cluster(self.taxonomy)
        engine = Matchmaker.build(
            cluster, self.settings, self.encoder, self.taxonomy, self.detect_language
        )
        engine.applied = {"store": self.store.store_id, "seq": seq}
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


def catch_up(engine: Matchmaker, store: Store, taxonomy: Taxonomy, since: int | None = None) -> int:
    """Apply the store's changes after sequence `since` (by default the engine's own) and
    the organisations the index lacks; returns how many changes there were.

    Organisations changed since are put again from their current record, or removed when
    the store no longer has them; needs and links are taken whole from the store. Putting a
    record again is idempotent, so a catch-up that starts too early costs time, never
    correctness: at start-up, and in a running service after a write the engine could not
    take (the store committed it; the engine follows)."""
    start = int(engine.applied.get("seq", 0)) if since is None else since
    changes = store.changes_since(start)
    # never the store's newest sequence read apart from the changes: a commit between the
    # two reads would be marked applied without having been read
    source = {"store": store.store_id, "seq": changes[-1].seq if changes else start}
    touched = list(dict.fromkeys(c.entity_id for c in changes if c.entity == "organisations"))
    present = store.organisations(list(dict.fromkeys([*touched, *engine.missing])), taxonomy)
    for gone in (i for i in touched if i not in present and engine.has_organisation(i)):
        engine.remove_organisation(gone, source)
    if present:
        engine.apply(engine.prepare(list(present.values())), source)
    engine.missing = []
    if any(c.entity == "needs" for c in changes):
        _set_needs(engine, store.needs(taxonomy), source)
    if present or any(c.entity in ("organisations", "partnerships") for c in changes):
        engine.set_partnerships(store.partnerships(), source)  # links of the new ones
    engine.applied.update(source)
    return len(changes)


def _set_needs(engine: Matchmaker, needs: dict[str, Need], source: dict[str, Any]) -> None:
    for gone in [n for n in engine.snapshot().needs if n not in needs]:
        engine.remove_need(gone, source)
    for need in needs.values():
        engine.upsert_need(need, source)
