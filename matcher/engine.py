"""The Matchmaker facade: open a cluster, ask for partners, candidates, areas and matches.

It only assembles and guards: loading is in `sources`, the index lifecycle in
`index_sync`, ranking in `ranking`. Queries share a read lock; changes take the write lock,
so an index update never overlaps a search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from embeddings import CachedEncoder, EmbeddingCache, Encoder, VectorIndex
from embeddings.factory import create_encoder
from matcher.areas import AreaTagger
from matcher.chunking import CAPABILITY_FIELDS, build_index, centering_of, index_organisations
from matcher.filters import Filters
from matcher.index_sync import IndexStatus, RebuildPolicy, open_index, save_current
from matcher.locks import ReadWriteLock
from matcher.model import Cluster, Need, Organisation, Partnership
from matcher.ranking.partners import suggest_partners
from matcher.ranking.state import RankingState
from matcher.ranking.text import TextQuery, checked_text, rank_text
from matcher.results import AreaScore, ResultList
from matcher.scoring import ChunkSet
from matcher.settings import EngineSettings
from matcher.sources import load_cluster
from matcher.taxonomy import Taxonomy, load_taxonomy

MAX_K = 100


@dataclass(frozen=True)
class EngineInfo:
    model_id: str
    dimension: int
    organisations: int
    needs: int
    partnerships: int
    vectors: int
    index_status: str
    warnings: tuple[str, ...]


class Matchmaker:
    def __init__(
        self,
        state: RankingState,
        settings: EngineSettings,
        index_status: IndexStatus | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self._state = state
        self.settings = settings
        self.index_status = index_status
        self.load_warnings = warnings
        self._lock = ReadWriteLock()

    # --- opening ---------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        settings: EngineSettings,
        encoder: Encoder | None = None,
        policy: RebuildPolicy = "auto",
        detect_language: Callable[[str], str] | None = None,
    ) -> Matchmaker:
        """Load the data folder, then open (or build) the saved index beside the store."""
        taxonomy = load_taxonomy(settings.taxonomy_path)
        loaded = load_cluster(settings.data_dir, taxonomy, detect_language)
        engine = cls.from_cluster(
            loaded.cluster, settings, encoder, policy, taxonomy, detect_language
        )
        engine.load_warnings = loaded.warnings
        return engine

    @classmethod
    def from_cluster(
        cls,
        cluster: Cluster,
        settings: EngineSettings,
        encoder: Encoder | None = None,
        policy: RebuildPolicy = "auto",
        taxonomy: Taxonomy | None = None,
        detect_language: Callable[[str], str] | None = None,
    ) -> Matchmaker:
        taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
        cached = CachedEncoder(
            encoder or create_encoder(settings.model), EmbeddingCache(settings.cache_path)
        )
        orgs = list(cluster.organisations.values())
        index, status = open_index(
            settings.index_dir,
            orgs,
            cached,
            policy,
            settings.show_progress,
            settings.center_languages,
        )
        return cls(
            _state(cluster, index, cached, taxonomy, settings, detect_language), settings, status
        )

    @classmethod
    def in_memory(
        cls, cluster: Cluster, encoder: Encoder, taxonomy: Taxonomy, settings: EngineSettings
    ) -> Matchmaker:
        """No files at all: for tests and one-off evaluations."""
        orgs = list(cluster.organisations.values())
        index = build_index(orgs, encoder, center_languages=settings.center_languages)
        return cls(_state(cluster, index, encoder, taxonomy, settings, None), settings)

    # --- queries -----------------------------------------------------------------------
    @property
    def cluster(self) -> Cluster:
        return self._state.cluster

    @property
    def taxonomy(self) -> Taxonomy:
        return self._state.taxonomy

    def partners(
        self,
        org_id: str,
        k: int = 10,
        filters: Filters | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> ResultList:
        """Complementary partners for an organisation, without itself or known partners."""
        with self._lock.reading():
            return suggest_partners(self._state, org_id, _k(k), filters or Filters(), exclude)

    def search(self, text: str, k: int = 10, filters: Filters | None = None) -> ResultList:
        """Candidates for a free-text thesis or need."""
        with self._lock.reading():
            return rank_text(self._state, TextQuery(text), _k(k), filters or Filters())

    def need_matches(
        self, need_id: str, k: int = 10, filters: Filters | None = None, local: bool = False
    ) -> ResultList:
        """Organisations for a need; `local` keeps those in the need's city or region."""
        with self._lock.reading():
            need = self._state.cluster.need(need_id)
            flt = filters or Filters()
            if not flt.kinds and need.kinds:
                flt = replace(flt, kinds=tuple(k.value for k in need.kinds))
            if local and need.location:
                flt = replace(flt, location=need.location)
            if need.owner_id:
                flt = flt.with_exclusions(frozenset({need.owner_id}))
            query = TextQuery(
                need.text(), need.areas, need.countries, self.settings.ranking.need_weights,
                asking_org_id=need.owner_id,
            )
            return rank_text(self._state, query, _k(k), flt)

    def areas(self, text: str) -> list[AreaScore]:
        text = checked_text(text)
        with self._lock.reading():
            return self._state.tagger.score_vector(self._state.query_vector(text), text)

    def areas_of(self, org_id: str) -> list[AreaScore]:
        """Areas of an organisation from what it is and offers (not from what it seeks)."""
        with self._lock.reading():
            org = self._state.cluster.organisation(org_id)
            chunks = self._state.chunk_set(org_id).select(CAPABILITY_FIELDS)
            return self._state.tagger.score_vectors(chunks.vectors, org.profile_text())

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query-role vectors for texts (cached), e.g. the competences of a need."""
        with self._lock.reading():
            return self._state.query_vectors(texts)

    def capabilities(self, org_id: str) -> ChunkSet:
        """An organisation's description, offers and evidence with their vectors and texts."""
        with self._lock.reading():
            self._state.cluster.organisation(org_id)
            return self._state.chunk_set(org_id).select(CAPABILITY_FIELDS)

    def info(self) -> EngineInfo:
        with self._lock.reading():
            state = self._state
            return EngineInfo(
                model_id=state.encoder.model_id,
                dimension=state.encoder.dimension,
                organisations=len(state.cluster.organisations),
                needs=len(state.cluster.needs),
                partnerships=len(state.cluster.partnerships),
                vectors=state.index.vector_count,
                index_status=_status_text(self.index_status),
                warnings=self.load_warnings,
            )

    # --- changes -------------------------------------------------------------------------
    def upsert_organisation(self, org: Organisation) -> None:
        self.upsert_organisations([org])

    def upsert_organisations(self, orgs: Sequence[Organisation]) -> None:
        """Add or replace organisations; only their own chunks are (re-)encoded, in one batch."""
        with self._lock.writing():
            state = self._state
            index_organisations(state.index, orgs, state.encoder)
            for org in orgs:
                organisations = {**state.cluster.organisations, org.id: org}
                state.replace_organisation(replace(state.cluster, organisations=organisations), org)

    def remove_organisation(self, org_id: str) -> None:
        with self._lock.writing():
            state = self._state
            state.cluster.organisation(org_id)  # NotFoundError for an unknown id
            state.index.remove(org_id)
            orgs = {k: v for k, v in state.cluster.organisations.items() if k != org_id}
            links = tuple(p for p in state.cluster.partnerships if org_id not in (p.a, p.b))
            state.remove_organisation(
                replace(state.cluster, organisations=orgs, partnerships=links), org_id
            )

    def upsert_need(self, need: Need) -> None:
        with self._lock.writing():
            cluster = self._state.cluster
            self._state.set_cluster(replace(cluster, needs={**cluster.needs, need.id: need}))

    def remove_need(self, need_id: str) -> None:
        with self._lock.writing():
            cluster = self._state.cluster
            cluster.need(need_id)
            needs = {k: v for k, v in cluster.needs.items() if k != need_id}
            self._state.set_cluster(replace(cluster, needs=needs))

    def set_partnerships(self, links: Sequence[Partnership]) -> None:
        with self._lock.writing():
            self._state.set_cluster(replace(self._state.cluster, partnerships=tuple(links)))

    def add_partnership(self, partnership: Partnership) -> None:
        with self._lock.writing():
            cluster = self._state.cluster
            cluster.organisation(partnership.a)
            cluster.organisation(partnership.b)
            if partnership.b in cluster.partners_of(partnership.a):
                return
            links = (*cluster.partnerships, partnership)
            self._state.set_cluster(replace(cluster, partnerships=links))

    def save(self) -> None:
        """Persist the index (after changes) so the next start need not rebuild it."""
        with self._lock.reading():
            orgs = list(self._state.cluster.organisations.values())
            save_current(self._state.index, self.settings.index_dir, orgs)


def _state(
    cluster: Cluster,
    index: VectorIndex,
    encoder: Encoder,
    taxonomy: Taxonomy,
    settings: EngineSettings,
    detect_language: Callable[[str], str] | None,
) -> RankingState:
    tagger = AreaTagger(taxonomy, encoder, settings.ranking.area_threshold, centering_of(index))
    state = RankingState(cluster, index, encoder, taxonomy, tagger, settings.ranking)
    if detect_language is not None:
        state.detect_language = detect_language
    return state


def _status_text(status: IndexStatus | None) -> str:
    if status is None:
        return "in memory"
    return f"rebuilt at start-up ({status.reason})" if status.rebuilt else "up to date"


def _k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        from matcher.errors import DataValidationError, Problem

        raise DataValidationError([Problem(f"must be between 1 and {MAX_K}", column="k")], "bad k")
    return k
