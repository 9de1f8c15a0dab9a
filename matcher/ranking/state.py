"""The engine's working state: organisations and needs, and everything ranking derives
from them, kept up to date record by record.

One row per organisation (the chunk catalogue's row) indexes every per-organisation array:
facts for filters and priors, the co-participation graph, kind affinity. A write is
prepared outside any lock (chunking, encoding through the cache, centring), then applied:
the index gets the organisation's fresh chunk slots, the lexicon their tokens, the facts
its row; nothing else is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings import ChunkIndex, Encoder
from embeddings.centering import LanguageCentering
from matcher.areas import AreaTagger
from matcher.chunking import TextChunk, chunks_of, owner_chunks
from matcher.errors import NotFoundError
from matcher.model import Cluster, Need, Organisation, Partnership
from matcher.ranking.affinity import CountryAffinity, KindAffinity
from matcher.ranking.facts import OrgFacts
from matcher.ranking.graph import CoParticipation
from matcher.ranking.history import ChunkHistory
from matcher.ranking.lexicon import Lexicon
from matcher.ranking.pairwise import WalkMatrix
from matcher.settings import RankingSettings
from matcher.taxonomy import Taxonomy

CENTERING_KEY = "language_means"


def _undetermined(_text: str) -> str:
    return "und"


@dataclass(frozen=True)
class Prepared:
    """Organisations with their chunks encoded and centred, ready to apply."""

    orgs: tuple[Organisation, ...]
    chunks: tuple[tuple[TextChunk, ...], ...]
    vectors: np.ndarray


def chunk_languages(
    orgs: Sequence[Organisation], chunks: Sequence[Sequence[TextChunk]]
) -> list[str]:
    return [o.language or "und" for o, cs in zip(orgs, chunks, strict=True) for _ in cs]


class RankingState:
    def __init__(
        self,
        index: ChunkIndex,
        encoder: Encoder,
        taxonomy: Taxonomy,
        settings: RankingSettings,
        detect_language: Callable[[str], str] | None = None,
    ) -> None:
        self.index, self.encoder, self.taxonomy, self.settings = index, encoder, taxonomy, settings
        self.detect_language = detect_language or _undetermined
        self.centering = LanguageCentering.from_json(index.extras.get(CENTERING_KEY))
        self.tagger = AreaTagger(taxonomy, encoder, settings.area_threshold, self.centering)
        self.organisations: dict[str, Organisation] = {}
        self.needs: dict[str, Need] = {}
        self.facts = OrgFacts()
        self.lexicon = Lexicon()
        self.graph = CoParticipation()
        self.kinds = KindAffinity()
        self.countries = CountryAffinity()
        self.history = ChunkHistory()
        self.walk = WalkMatrix()  # the graph as a sparse matrix, rebuilt when links change
        self.models: dict[str, object] = {}  # learned rankers, loaded on first use
        self.version = 0  # one more per applied write: caches key on it

    def restore(self, cluster: Cluster, lexicon: Lexicon) -> list[str]:
        """Derive everything but the vectors from the cluster; an empty lexicon is filled
        from the indexed organisations' texts (a saved one is taken as it is). Indexed
        organisations the cluster no longer has are dropped; returns the ids the cluster
        has and the index lacks (the caller applies them)."""
        catalog = self.index.catalog
        if lexicon.documents == 0 and catalog.live_rows:
            self._fill_lexicon(lexicon, cluster)
        self.lexicon = lexicon
        for gone in [i for i in catalog.ids if catalog.has(i) and i not in cluster.organisations]:
            self.lexicon.remove(self.index.remove(gone))
        self.organisations = dict(cluster.organisations)
        self.needs = dict(cluster.needs)
        missing = []
        for org in cluster.organisations.values():
            if org.id in self.index:
                row = catalog.row_of[org.id]
                self.facts.set(row, org)
                self.history.set(catalog.slots_of_rows(np.asarray([row]))[0], self.chunks(org))
            else:
                missing.append(org.id)
        self.graph.grow(catalog.row_count)
        self.link_all(cluster.partnerships)
        return missing

    def _fill_lexicon(self, lexicon: Lexicon, cluster: Cluster) -> None:
        catalog = self.index.catalog
        indexed = [o for o in cluster.organisations.values() if o.id in self.index]
        rows = np.asarray([catalog.row_of[o.id] for o in indexed], dtype=np.int64)
        slots, _ = catalog.slots_of_rows(rows)
        texts = [c.text for o in indexed for c in self.chunks(o)]
        lexicon.add(slots, texts)

    # --- writes ----------------------------------------------------------------------------
    def prepare(self, orgs: Sequence[Organisation]) -> Prepared:
        """Chunk, encode (cached) and centre: the slow part of a write, run outside locks."""
        chunks = tuple(tuple(self.chunks(o)) for o in orgs)
        texts = [c.text for cs in chunks for c in cs]
        vectors = self.encoder.encode(texts, "passage")
        vectors = self.centering.apply(vectors, chunk_languages(orgs, chunks))
        return Prepared(tuple(orgs), chunks, vectors)

    def apply(self, prepared: Prepared) -> None:
        """Put prepared organisations in place: index, lexicon, facts, kind affinity."""
        owners = [owner_chunks(o, cs) for o, cs in zip(prepared.orgs, prepared.chunks, strict=True)]
        dead = self.index.put(owners, prepared.vectors)
        self.lexicon.remove(dead)
        catalog = self.index.catalog
        rows = np.asarray([catalog.row_of[o.id] for o in prepared.orgs], dtype=np.int64)
        slots, _ = catalog.slots_of_rows(rows)
        self.lexicon.add(slots, [c.text for cs in prepared.chunks for c in cs])
        self.history.set(slots, [c for cs in prepared.chunks for c in cs])
        for org, row in zip(prepared.orgs, rows.tolist(), strict=True):
            self._set_facts(row, org)
            self.organisations[org.id] = org
        self.graph.grow(catalog.row_count)
        self.version += 1

    def _set_facts(self, row: int, org: Organisation) -> None:
        """New facts for a row; its links move to its new kind in the kind affinity."""
        old_kind = int(self.facts.kind.view[row]) if row < len(self.facts) else -1
        old_country = int(self.facts.country.view[row]) if row < len(self.facts) else -1
        self.facts.set(row, org)
        new_kind = int(self.facts.kind.view[row])
        if old_kind >= 0 and old_kind != new_kind:
            cols, counts = self.graph.neighbours(row)
            for other, count in zip(cols.tolist(), counts.tolist(), strict=True):
                kind = int(self.facts.kind.view[other])
                self.kinds.link(old_kind, kind, -int(count))
                self.kinds.link(new_kind, kind, int(count))
        new_country = int(self.facts.country.view[row])
        if old_country >= 0 and old_country != new_country:
            cols, counts = self.graph.neighbours(row)
            theirs = self.facts.country.view[cols]
            for other, count in zip(theirs.tolist(), counts.tolist(), strict=True):
                self.countries.link(old_country, other, -int(count))
                self.countries.link(new_country, other, int(count))

    def remove(self, org_id: str) -> None:
        row = self.row(org_id)
        cols, counts = self.graph.neighbours(row)
        for other, count in zip(cols.tolist(), counts.tolist(), strict=True):
            self._link_rows(row, other, -int(count))
        self.lexicon.remove(self.index.remove(org_id))
        self.facts.kill(row)
        del self.organisations[org_id]
        self.version += 1

    def link_all(self, partnerships: Sequence[Partnership], times: int = 1) -> None:
        """Count these links (those between indexed organisations; others wait for both)."""
        catalog = self.index.catalog
        for p in partnerships:
            if catalog.has(p.a) and catalog.has(p.b):
                self._link_rows(catalog.row_of[p.a], catalog.row_of[p.b], times, p.since)
        self.version += 1

    def unlink_all(self) -> None:
        """Forget every link (before the partnerships are set anew)."""
        self.graph = CoParticipation()
        self.graph.grow(self.index.catalog.row_count)
        self.kinds = KindAffinity()
        self.countries = CountryAffinity()
        self.version += 1

    def _link_rows(self, a: int, b: int, times: int, year: int | None = None) -> None:
        if a == b:
            return
        self.graph.link(a, b, times, year)
        facts = self.facts
        self.kinds.link(int(facts.kind.view[a]), int(facts.kind.view[b]), times)
        self.countries.link(int(facts.country.view[a]), int(facts.country.view[b]), times)

    def set_need(self, need: Need) -> None:
        self.needs[need.id] = need

    def remove_need(self, need_id: str) -> None:
        self.need(need_id)
        del self.needs[need_id]

    # --- reading -------------------------------------------------------------------------
    def chunks(self, org: Organisation) -> list[TextChunk]:
        """The organisation's chunks as this index splits them (in slot order)."""
        return chunks_of(org, self.settings.passage_words)

    def organisation(self, org_id: str) -> Organisation:
        try:
            return self.organisations[org_id]
        except KeyError:
            raise NotFoundError("organisation", org_id) from None

    def need(self, need_id: str) -> Need:
        try:
            return self.needs[need_id]
        except KeyError:
            raise NotFoundError("need", need_id) from None

    def row(self, org_id: str) -> int:
        self.organisation(org_id)
        return self.index.catalog.row_of[org_id]

    def org_at(self, row: int) -> Organisation:
        return self.organisations[self.index.catalog.ids[row]]

    def partners_of(self, org_id: str) -> frozenset[str]:
        ids = self.index.catalog.ids
        return frozenset(ids[r] for r in self.graph.neighbours(self.row(org_id))[0].tolist())

    def query_vectors(
        self, texts: Sequence[str], languages: Sequence[str] | None = None
    ) -> np.ndarray:
        """Query-role vectors, centred by each text's language like the indexed chunks."""
        vectors = self.encoder.encode(list(texts), "query")
        found = languages if languages is not None else [self.detect_language(t) for t in texts]
        return self.centering.apply(vectors, found)

    def language_warning(self, language: str) -> str | None:
        """A warning when the encoder cannot read a text in this language, else None."""
        readable = self.encoder.languages
        if readable is None or language in ("und", "") or language in readable:
            return None
        return (
            f"the model {self.encoder.model_id} reads {', '.join(sorted(readable))} only; "
            f"this text is in '{language}', so its semantic scores are unreliable"
        )
