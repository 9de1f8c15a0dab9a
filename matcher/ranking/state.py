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
from typing import TypeVar

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
T = TypeVar("T")


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
        self._memo: dict[object, object] = {}
        self._memo_version = -1

    def restore(
        self, cluster: Cluster, lexicon: Lexicon, history: ChunkHistory | None = None
    ) -> list[str]:
        """Derive everything but the vectors from the cluster; an empty lexicon is filled
        from the indexed organisations' texts (a saved one is taken as it is). Indexed
        organisations the cluster no longer has are dropped; returns the ids the cluster
        has and the index lacks (the caller applies them)."""
        catalog = self.index.catalog
        if lexicon.documents == 0 and catalog.live_rows:
            self._fill_lexicon(lexicon, cluster)
        self.lexicon = lexicon
        for gone in sorted(catalog.row_of.keys() - cluster.organisations.keys()):
            if catalog.has(gone):
                self.lexicon.remove(self.index.remove(gone))
        self.organisations = dict(cluster.organisations)
        self.needs = dict(cluster.needs)
        orgs = list(cluster.organisations.values())
        rows = np.fromiter((catalog.row_of.get(o.id, -1) for o in orgs), np.int64, len(orgs))
        indexed = rows >= 0
        indexed[indexed] = catalog.row_alive.view[rows[indexed]]
        present = [orgs[i] for i in np.flatnonzero(indexed).tolist()]
        self.facts.set_many(rows[indexed], present)
        if history is not None:
            self.history = history
        else:  # no saved history: from the indexed organisations' chunks, in one pass
            slots, _ = catalog.slots_of_rows(rows[indexed])
            self.history.set(slots, [c for o in present for c in self.chunks(o)])
        self.graph.grow(catalog.row_count)
        self.link_all(cluster.partnerships)
        return [orgs[i].id for i in np.flatnonzero(~indexed).tolist()]

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
        self._set_facts(rows, prepared.orgs)
        self.organisations.update((o.id, o) for o in prepared.orgs)
        self.graph.grow(catalog.row_count)
        self.version += 1

    def _set_facts(self, rows: np.ndarray, orgs: Sequence[Organisation]) -> None:
        """New facts for these rows; the links of a row whose kind or country changed move
        to its new kind or country in the affinities."""
        known = rows[rows < len(self.facts)]
        old_kinds = self.facts.kind.view[known].astype(np.int64)
        old_countries = self.facts.country.view[known].astype(np.int64)
        self.facts.set_many(rows, orgs)
        new_kinds = self.facts.kind.view[known].astype(np.int64)
        new_countries = self.facts.country.view[known].astype(np.int64)
        moved = ((old_kinds >= 0) & (old_kinds != new_kinds)) | (
            (old_countries >= 0) & (old_countries != new_countries)
        )
        for i in np.flatnonzero(moved).tolist():
            cols, counts = self.graph.neighbours(int(known[i]))
            ones = np.ones(len(cols), dtype=np.int64)
            kinds = self.facts.kind.view[cols].astype(np.int64)
            self.kinds.link_many(ones * old_kinds[i], kinds, -counts)
            self.kinds.link_many(ones * new_kinds[i], kinds, counts)
            countries = self.facts.country.view[cols].astype(np.int64)
            self.countries.link_many(ones * old_countries[i], countries, -counts)
            self.countries.link_many(ones * new_countries[i], countries, counts)

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
        row, count = catalog.row_of.get, len(partnerships)
        # one typed pass per column: a list of tuples turned into an array cost seconds at
        # millions of partnerships (the start-up of a large saved index)
        pairs = np.stack([
            np.fromiter((row(p.a, -1) for p in partnerships), np.int64, count),
            np.fromiter((row(p.b, -1) for p in partnerships), np.int64, count),
            np.fromiter((-1 if p.since is None else p.since for p in partnerships), np.int64,
                        count),
        ], axis=1)  # fmt: skip
        alive = catalog.row_alive.view
        pairs = pairs[(pairs[:, :2] >= 0).all(axis=1)]
        pairs = pairs[alive[pairs[:, 0]] & alive[pairs[:, 1]] & (pairs[:, 0] != pairs[:, 1])]
        a, b, years = pairs[:, 0], pairs[:, 1], pairs[:, 2]
        self.graph.link_many(a, b, times, years)
        kinds, countries = self.facts.kind.view, self.facts.country.view
        self.kinds.link_many(kinds[a].astype(np.int64), kinds[b].astype(np.int64), times)
        self.countries.link_many(
            countries[a].astype(np.int64), countries[b].astype(np.int64), times
        )
        self.version += 1

    def unlink_all(self) -> None:
        """Forget every link (before the partnerships are set anew)."""
        self.graph = CoParticipation()
        self.graph.grow(self.index.catalog.row_count)
        self.kinds = KindAffinity()
        self.countries = CountryAffinity()
        self.version += 1

    def _link_rows(self, a: int, b: int, times: int) -> None:
        if a == b:
            return
        self.graph.link(a, b, times)
        facts = self.facts
        self.kinds.link(int(facts.kind.view[a]), int(facts.kind.view[b]), times)
        self.countries.link(int(facts.country.view[a]), int(facts.country.view[b]), times)

    def set_need(self, need: Need) -> None:
        self.needs[need.id] = need

    def remove_need(self, need_id: str) -> None:
        self.need(need_id)
        del self.needs[need_id]

    # --- reading -------------------------------------------------------------------------
    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """`compute()`, kept until the next write: for derived values every query reads
        alike (queries share the state; two computing at once is harmless)."""
        if self._memo_version != self.version:
            self._memo, self._memo_version = {}, self.version
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[return-value]

    def kinds_present(self) -> np.ndarray:
        """Which organisation kinds the live rows hold (counted once per write)."""
        return self.memo("kinds_present", self.facts.kinds_present)

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
