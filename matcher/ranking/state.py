"""The engine's working state: the cluster and everything derived from it for ranking.

Derived pieces (chunk texts, graph degrees, and the arrays of `Derived`: the chunk table
with its lexicon, the co-participation graph, the kind affinity) are built once per
cluster version, never per request: chunk texts are updated in place for one organisation,
the arrays are rebuilt lazily on the first query after a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from embeddings import Encoder, VectorIndex
from embeddings.centering import LanguageCentering
from matcher.areas import AreaTagger
from matcher.chunking import centering_of, chunks_of
from matcher.model import Cluster, Organisation
from matcher.ranking.derived import Derived
from matcher.scoring import ChunkSet
from matcher.settings import RankingSettings
from matcher.taxonomy import Taxonomy


def _undetermined(_text: str) -> str:
    return "und"


@dataclass
class RankingState:
    cluster: Cluster
    index: VectorIndex
    encoder: Encoder
    taxonomy: Taxonomy
    tagger: AreaTagger
    settings: RankingSettings
    detect_language: Callable[[str], str] = _undetermined
    chunk_texts: dict[str, str] = field(default_factory=dict)
    _max_degree: int | None = None
    _derived: Derived | None = None
    centering: LanguageCentering = field(default_factory=LanguageCentering)

    def __post_init__(self) -> None:
        self.centering = centering_of(self.index)
        for org in self.cluster.organisations.values():
            self._derive(org)

    def _derive(self, org: Organisation) -> None:
        for tc in chunks_of(org):
            self.chunk_texts[tc.chunk.key] = tc.text
        self._derived = None

    def replace_organisation(self, cluster: Cluster, org: Organisation) -> None:
        """Swap in a cluster where `org` was added or changed; the index is updated apart."""
        self._forget(org.id)
        self.set_cluster(cluster)
        self._derive(org)

    def remove_organisation(self, cluster: Cluster, org_id: str) -> None:
        self._forget(org_id)
        self.set_cluster(cluster)

    def set_cluster(self, cluster: Cluster) -> None:
        """A new cluster version whose organisations' texts are unchanged (e.g. new links)."""
        same_orgs = cluster.organisations is self.cluster.organisations
        same_links = cluster.partnerships is self.cluster.partnerships
        self.cluster = cluster
        self._max_degree = None
        if self._derived is not None and not same_orgs:
            self._derived = None
        elif self._derived is not None and not same_links:
            self._derived = self._derived.with_links(cluster)

    def _forget(self, org_id: str) -> None:
        old = self.cluster.organisations.get(org_id)
        if old is not None:
            for tc in chunks_of(old):
                self.chunk_texts.pop(tc.chunk.key, None)
        self._derived = None

    @property
    def derived(self) -> Derived:
        """The arrays every ranking reads; rebuilt here after organisations changed."""
        if self._derived is None:
            self._derived = Derived.build(self.cluster, self.index)
        return self._derived

    def chunk_set(self, org_id: str) -> ChunkSet:
        chunks = self.index.chunks_of(org_id)
        vectors = self.index.vectors_of(org_id)
        return ChunkSet(chunks, vectors, [self.chunk_texts.get(c.key, "") for c in chunks])

    def query_vector(self, text: str) -> np.ndarray:
        return self.query_vectors([text])[0]

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """Query-role vectors, centred by each text's language like the indexed chunks."""
        vectors = self.encoder.encode(texts, "query")
        return self.centering.apply(vectors, [self.detect_language(t) for t in texts])

    def max_degree(self) -> int:
        if self._max_degree is None:
            degrees = (len(self.cluster.partners_of(o)) for o in self.cluster.organisations)
            self._max_degree = max(degrees, default=0)
        return self._max_degree

    def language_warning(self, text: str) -> str | None:
        """A warning when the encoder cannot read the text's language, else None."""
        readable = self.encoder.languages
        language = self.detect_language(text)
        if readable is None or language in ("und", "") or language in readable:
            return None
        return (
            f"the model {self.encoder.model_id} reads {', '.join(sorted(readable))} only; "
            f"this text looks like '{language}', so its semantic scores are unreliable"
        )
