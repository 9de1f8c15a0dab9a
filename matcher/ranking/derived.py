"""Everything ranking derives from one cluster version, as arrays over organisation rows.

Built once per version (the state rebuilds it lazily after a change), never per request:
the chunk table with its lexicon, the co-participation graph, the kind affinity, and the
per-organisation facts the components read (country, areas, the tie-break order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings import VectorIndex
from matcher.model import Cluster, Organisation
from matcher.ranking.affinity import KindAffinity
from matcher.ranking.graph import CoParticipation
from matcher.ranking.table import ChunkTable


@dataclass(frozen=True)
class Links:
    """The parts that change when partnerships change."""

    graph: CoParticipation
    kinds: KindAffinity

    @classmethod
    def build(cls, table: ChunkTable, cluster: Cluster) -> Links:
        orgs = [cluster.organisations[i] for i in table.org_ids]
        links = cluster.partnerships
        return cls(
            CoParticipation.build(table.row_of, links),
            KindAffinity.build([o.kind.value for o in orgs], table.row_of, links),
        )


@dataclass(frozen=True)
class Derived:
    table: ChunkTable
    links: Links
    countries: np.ndarray  # row -> upper-case ISO country
    areas: tuple[frozenset[str], ...]
    id_rank: np.ndarray  # row -> position of the id in sorted order: the tie-break

    @classmethod
    def build(cls, cluster: Cluster, index: VectorIndex, links: Links | None = None) -> Derived:
        orgs = list(cluster.organisations.values())
        table = ChunkTable.build(orgs, index)
        return cls.of(table, orgs, links or Links.build(table, cluster))

    @classmethod
    def of(cls, table: ChunkTable, orgs: list[Organisation], links: Links) -> Derived:
        order = np.argsort(np.asarray(table.org_ids, dtype=object), kind="stable")
        id_rank = np.empty(len(order), dtype=np.int64)
        id_rank[order] = np.arange(len(order))
        return cls(
            table,
            links,
            np.asarray([o.country.upper() for o in orgs], dtype=object),
            tuple(frozenset(o.areas) for o in orgs),
            id_rank,
        )

    def with_links(self, cluster: Cluster) -> Derived:
        return Derived(
            self.table, Links.build(self.table, cluster), self.countries, self.areas, self.id_rank
        )


def top_rows(scores: np.ndarray, candidates: np.ndarray, id_rank: np.ndarray, k: int) -> np.ndarray:
    """The k best candidate rows, best first; equal scores in id order (as the engine sorts)."""
    rows = np.flatnonzero(candidates)
    if len(rows) > k:
        # every row tied with the k-th best must be kept for the id tie-break
        kth = np.partition(scores[rows], len(rows) - k)[len(rows) - k]
        rows = rows[scores[rows] >= kth]
    order = np.lexsort((id_rank[rows], -scores[rows]))
    return rows[order][:k]
