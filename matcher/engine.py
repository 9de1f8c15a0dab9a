"""The Matchmaker: the ranking state behind a readers-writer lock, built, saved and opened.

Queries share the read lock; a write takes the write lock only to put prepared records in
place (encoding happens before, outside any lock). Saving takes the write gate (writes
wait, queries go on) and writes a new index version beside the old one. The service
(matcher.service) is the one door to it for the CLI, the API and the pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from embeddings import ChunkIndex, Encoder
from embeddings.persistence import index_lock, open_index, saving
from matcher.chunking import CAPABILITY_FIELDS
from matcher.errors import DataValidationError
from matcher.filters import Filters
from matcher.limits import checked_k
from matcher.locks import ReadWriteLock
from matcher.model import Cluster, Need, Organisation, Partnership
from matcher.ranking.build import build_state
from matcher.ranking.history import load_history, save_history
from matcher.ranking.lexicon_files import load_lexicon, save_lexicon
from matcher.ranking.pairwise import team_closeness
from matcher.ranking.partners import chunk_set, suggest_partners
from matcher.ranking.state import Prepared, RankingState
from matcher.ranking.text import EncodedText, TextQuery, prepare_text, rank_text
from matcher.results import AreaScore, ResultList
from matcher.scoring import ChunkSet
from matcher.settings import EngineSettings
from matcher.taxonomy import Taxonomy, load_taxonomy

# Part of a saved index's source: an index chunked by another recipe is rebuilt, not reused.
CHUNKING = "chunks-v3"


def chunking_of(settings: EngineSettings) -> str:
    return f"{CHUNKING}/passages-{settings.ranking.passage_words}"


@dataclass(frozen=True)
class EngineInfo:
    model_id: str
    dimension: int
    organisations: int
    needs: int
    vectors: int
    backend: str
    index_status: str


class Matchmaker:
    def __init__(self, state: RankingState, settings: EngineSettings, status: str = "in memory"):
        self._state = state
        self.settings = settings
        self.index_status = status
        self.applied: dict[str, Any] = {}  # the source of what is applied (a store's sequence)
        self.saved: dict[str, Any] | None = None  # the source of the last saved version
        self.missing: list[str] = []  # organisations a loaded index lacks (to apply)
        self._lock = ReadWriteLock()
        self._gate = threading.Lock()  # one writer at a time; a save keeps writers out

    # --- building and opening -----------------------------------------------------------
    @classmethod
    def build(
        cls,
        cluster: Cluster,
        settings: EngineSettings,
        encoder: Encoder,
        taxonomy: Taxonomy | None = None,
        detect_language: Callable[[str], str] | None = None,
    ) -> Matchmaker:
        """Encode (through the encoder's cache) and index a whole cluster in memory."""
        state = build_state(
            cluster,
            encoder,
            taxonomy or load_taxonomy(settings.taxonomy_path),
            settings.ranking,
            detect_language,
            settings.center_languages,
            settings.show_progress,
        )
        return cls(state, settings, "built")

    @classmethod
    def load(
        cls,
        cluster: Cluster,
        settings: EngineSettings,
        encoder: Encoder,
        taxonomy: Taxonomy | None = None,
        detect_language: Callable[[str], str] | None = None,
    ) -> Matchmaker:
        """The saved index (model and dimension checked, files verified) for this cluster;
        organisations changed since it was saved must be applied by the caller."""
        # under the folder's shared lock: another process's save waits to remove this version
        with index_lock(settings.index_dir, exclusive=False):
            index, manifest, version, verification = open_index(
                settings.index_dir, encoder.model_id, encoder.dimension
            )
            with verification.trusted():
                lexicon = load_lexicon(version)
                history = load_history(version)
        taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
        state = RankingState(index, encoder, taxonomy, settings.ranking, detect_language)
        engine = cls(state, settings, "loaded")
        with verification.trusted():  # the files are still being checked meanwhile
            engine.missing = state.restore(cluster, lexicon or state.lexicon, history)
        verification.check()
        engine.saved, engine.applied = dict(manifest.source), dict(manifest.source)
        return engine

    def save(self) -> None:
        """Write the index as a new version; writes wait meanwhile, queries go on."""
        with self._gate:
            source = {**self.applied, "chunking": chunking_of(self.settings)}
            with saving(self._state.index, self.settings.index_dir, source) as folder:
                save_lexicon(self._state.lexicon, folder)
                save_history(self._state.history, folder)
            self.saved = source

    def compact(self) -> bool:
        """Rebuild the vector backend without tombstones (its kind chosen anew by size) when
        it is worth it. Writes wait only while the live vectors are copied and while the
        changes made meanwhile are replayed; queries never wait for the rebuild."""
        index = self._state.index
        if not index.needs_compaction():
            return False
        with self._gate:
            snapshot = index.snapshot()
        backend = index.rebuilt(snapshot)
        with self._gate, self._lock.writing():
            index.adopt(backend, snapshot)
        return True

    @property
    def dirty(self) -> bool:
        return self.saved is None or self.saved.get("seq") != self.applied.get("seq")

    # --- queries -----------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[RankingState]:
        """The state under the read lock, for reads that span several calls."""
        with self._lock.reading():
            yield self._state

    def query_texts(self, text: str) -> list[str]:
        """What the encoder reads for a query text: the text and, in a glossed language, its
        gloss (a text the query checks refuse is returned alone: the query says why)."""
        try:
            prepared = prepare_text(self._state, text, self._lock.reading())
        except DataValidationError:
            return [text]
        return [prepared.text, prepared.gloss] if prepared.gloss else [prepared.text]

    def _encoded(self, text: str) -> EncodedText:
        """Encoded outside the lock: only a gloss's few lexicon reads take it."""
        prepared = prepare_text(self._state, text, self._lock.reading())
        return EncodedText.encode(self._state, prepared)

    def partners(
        self,
        org_id: str,
        k: int = 10,
        filters: Filters | None = None,
        exclude: frozenset[str] = frozenset(),
        exhaustive: bool = False,
    ) -> ResultList:
        """Complementary partners for an organisation, without itself or known partners."""
        with self._lock.reading():
            return suggest_partners(
                self._state, org_id, checked_k(k), filters or Filters(), exclude, exhaustive
            )

    def search(
        self, text: str, k: int = 10, filters: Filters | None = None, exhaustive: bool = False
    ) -> ResultList:
        """Candidates for a free-text thesis or need."""
        query = TextQuery(self._encoded(text))
        with self._lock.reading():
            return rank_text(self._state, query, checked_k(k), filters or Filters(), exhaustive)

    def need_matches(
        self,
        need_id: str,
        k: int = 10,
        filters: Filters | None = None,
        local: bool = False,
        exclude: frozenset[str] = frozenset(),
        exhaustive: bool = False,
    ) -> ResultList:
        """Organisations for a need; `local` keeps those in the need's city or region."""
        need = self.need(need_id)
        text = self._encoded(need.text())
        with self._lock.reading():
            flt = filters or Filters()
            if not flt.kinds and need.kinds:
                flt = replace(flt, kinds=tuple(k.value for k in need.kinds))
            if local and need.location:
                flt = replace(flt, location=need.location)
            # no explicit weights: the learned need ranker when present, else the need weights
            query = TextQuery(text, need.areas, need.countries, asking_org_id=need.owner_id)
            return rank_text(
                self._state, query, checked_k(k), flt.with_exclusions(exclude), exhaustive
            )

    def areas(self, text: str) -> list[AreaScore]:
        encoded = self._encoded(text)  # the tagger reads no mutable state
        return self._state.tagger.score_vector(encoded.vector, encoded.words)

    def areas_of(self, org_id: str) -> list[AreaScore]:
        """Areas of an organisation from what it is and offers (not from what it seeks)."""
        with self._lock.reading():
            org = self._state.organisation(org_id)
            chunks = self._capabilities(org_id)
            return self._state.tagger.score_vectors(chunks.vectors, org.profile_text())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query-role vectors for texts (cached), e.g. the competences of a need."""
        return self._state.query_vectors(texts)

    def team_closeness(self, org_ids: Sequence[str]) -> np.ndarray:
        """(n, n) how near each two organisations are in the record of joint work."""
        with self._lock.reading():
            state = self._state
            rows = np.asarray([state.row(o) for o in org_ids], dtype=np.int64)
            return team_closeness(state.walk, state.graph, rows)

    def capabilities(self, org_id: str) -> ChunkSet:
        """An organisation's description, offers and evidence with their vectors and texts."""
        with self._lock.reading():
            return self._capabilities(org_id)

    def _capabilities(self, org_id: str) -> ChunkSet:
        return chunk_set(self._state, self._state.row(org_id)).select(CAPABILITY_FIELDS)

    def organisation(self, org_id: str) -> Organisation:
        with self._lock.reading():
            return self._state.organisation(org_id)

    def need(self, need_id: str) -> Need:
        with self._lock.reading():
            return self._state.need(need_id)

    def has_organisation(self, org_id: str) -> bool:
        with self._lock.reading():
            return org_id in self._state.organisations

    def has_need(self, need_id: str) -> bool:
        with self._lock.reading():
            return need_id in self._state.needs

    def partners_of(self, org_id: str) -> frozenset[str]:
        with self._lock.reading():
            return self._state.partners_of(org_id)

    def snapshot(self) -> Cluster:
        """The organisations and needs now (a copy; links are not included)."""
        with self._lock.reading():
            return Cluster(dict(self._state.organisations), dict(self._state.needs))

    @property
    def taxonomy(self) -> Taxonomy:
        return self._state.taxonomy

    @property
    def index(self) -> ChunkIndex:
        """The chunk index itself, for tools that measure or inspect it (not for queries:
        those go through the ranking above)."""
        return self._state.index

    def info(self) -> EngineInfo:
        with self._lock.reading():
            state = self._state
            return EngineInfo(
                model_id=state.encoder.model_id,
                dimension=state.encoder.dimension,
                organisations=len(state.organisations),
                needs=len(state.needs),
                vectors=state.index.vector_count,
                backend=state.index.backend.kind,
                index_status=self.index_status,
            )

    # --- changes -------------------------------------------------------------------------
    def prepare(self, orgs: Sequence[Organisation]) -> Prepared:
        """Chunk and encode organisations (cached); no lock is held, queries go on."""
        return self._state.prepare(orgs)

    def apply(self, prepared: Prepared, source: dict[str, Any] | None = None) -> None:
        with self._gate, self._lock.writing():
            self._state.apply(prepared)
            self.applied.update(source or {})

    def upsert_organisations(self, orgs: Sequence[Organisation]) -> None:
        self.apply(self.prepare(orgs))

    def remove_organisation(self, org_id: str, source: dict[str, Any] | None = None) -> None:
        with self._gate, self._lock.writing():
            self._state.remove(org_id)
            self.applied.update(source or {})

    def upsert_need(self, need: Need, source: dict[str, Any] | None = None) -> None:
        with self._gate, self._lock.writing():
            self._state.set_need(need)
            self.applied.update(source or {})

    def remove_need(self, need_id: str, source: dict[str, Any] | None = None) -> None:
        with self._gate, self._lock.writing():
            self._state.remove_need(need_id)
            self.applied.update(source or {})

    def add_partnerships(
        self, links: Sequence[Partnership], source: dict[str, Any] | None = None
    ) -> None:
        with self._gate, self._lock.writing():
            self._state.link_all(links)
            self.applied.update(source or {})

    def set_partnerships(
        self, links: Sequence[Partnership], source: dict[str, Any] | None = None
    ) -> None:
        with self._gate, self._lock.writing():
            self._state.unlink_all()
            self._state.link_all(links)
            self.applied.update(source or {})
