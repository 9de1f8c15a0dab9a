"""Every chunk of every organisation as one table: vectors, owners, fields and references.

Ranking scores all organisations at once: one matrix product gives every chunk's cosine to
the query, one pass of the lexicon every chunk's BM25, and per-owner reductions give each
organisation's best match. Chunks are ordered by owner so those reductions are contiguous.
An evidence chunk keeps its document's `ref` (e.g. a project id), so an evaluation can mask
a held-out project's chunks in every organisation at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from embeddings import VectorIndex
from matcher.chunking import EVIDENCE, chunks_of
from matcher.model import Organisation
from matcher.ranking.lexicon import Lexicon


@dataclass(frozen=True)
class ChunkTable:
    org_ids: tuple[str, ...]
    keys: tuple[str, ...]
    owner: np.ndarray  # chunk -> organisation row, ascending
    fields: np.ndarray  # chunk -> field name
    refs: np.ndarray  # chunk -> its document's ref, "" when none
    languages: np.ndarray  # chunk -> its organisation's language, "" when unknown
    texts: tuple[str, ...]  # chunk texts
    vectors: np.ndarray  # chunk vectors as indexed (unit length, language-centred)
    doc: np.ndarray  # chunk -> row of its (de-duplicated) text in the lexicon
    lexicon: Lexicon

    @classmethod
    def build(cls, orgs: Sequence[Organisation], index: VectorIndex) -> ChunkTable:
        rows = _Rows()
        for row, org in enumerate(orgs):
            rows.add(row, org, index)
        distinct = list(dict.fromkeys(rows.texts))
        position = {text: i for i, text in enumerate(distinct)}
        return cls(
            org_ids=tuple(o.id for o in orgs),
            keys=tuple(rows.keys),
            owner=np.asarray(rows.owner, dtype=np.int64),
            fields=np.asarray(rows.fields, dtype=object),
            refs=np.asarray(rows.refs, dtype=object),
            languages=np.asarray(rows.languages, dtype=object),
            texts=tuple(rows.texts),
            vectors=_stacked(rows.vectors, index.dimension),
            doc=np.asarray([position[t] for t in rows.texts], dtype=np.int64),
            lexicon=Lexicon.build(distinct),
        )

    @cached_property
    def row_of(self) -> Mapping[str, int]:
        return {org_id: row for row, org_id in enumerate(self.org_ids)}

    @property
    def size(self) -> int:
        return len(self.org_ids)

    def field_mask(self, fields: Collection[str]) -> np.ndarray:
        return np.isin(self.fields, list(fields))

    def ref_mask(self, refs: Collection[str]) -> np.ndarray:
        """Chunks whose document carries one of these refs."""
        wanted = [r for r in refs if r]
        return np.isin(self.refs, wanted) if wanted else np.zeros(len(self.keys), dtype=bool)

    def chunks_of_row(self, row: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.owner, [row, row + 1])
        return np.arange(lo, hi)

    def refs_of_row(self, row: int) -> frozenset[str]:
        return frozenset(r for r in self.refs[self.chunks_of_row(row)].tolist() if r)

    def evidence_counts(self, masked: np.ndarray | None = None) -> np.ndarray:
        """Evidence documents per organisation, without masked chunks."""
        keep = self.fields == EVIDENCE
        if masked is not None:
            keep &= ~masked
        return np.bincount(self.owner[keep], minlength=self.size).astype(np.float64)

    def leave_out_docs(self, masked: np.ndarray) -> list[int]:
        """Texts whose every chunk is masked: the lexicon's statistics must forget them."""
        if not masked.any():
            return []
        hidden = set(self.doc[masked].tolist())
        visible = set(self.doc[~masked].tolist())
        return sorted(hidden - visible)


class _Rows:
    """Accumulates the table's columns one organisation at a time."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.owner: list[int] = []
        self.fields: list[str] = []
        self.refs: list[str] = []
        self.languages: list[str] = []
        self.texts: list[str] = []
        self.vectors: list[np.ndarray] = []

    def add(self, row: int, org: Organisation, index: VectorIndex) -> None:
        texts = {tc.chunk.key: tc.text for tc in chunks_of(org)}
        refs = {f"{org.id}/{EVIDENCE}/{i}": d.ref or "" for i, d in enumerate(org.evidence)}
        chunks = index.chunks_of(org.id)
        vectors = index.vectors_of(org.id)
        for chunk, vector in zip(chunks, vectors, strict=True):
            self.keys.append(chunk.key)
            self.owner.append(row)
            self.fields.append(chunk.field)
            self.refs.append(refs.get(chunk.key, ""))
            self.languages.append(org.language if org.language != "und" else "")
            self.texts.append(texts.get(chunk.key, ""))
            self.vectors.append(vector)


def _stacked(vectors: list[np.ndarray], dimension: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.ascontiguousarray(np.stack(vectors), dtype=np.float32)
