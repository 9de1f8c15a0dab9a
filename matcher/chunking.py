"""An organisation's texts as index chunks, and keeping the index in step with the cluster.

Each offer and each seek is its own chunk, so an explanation can say which offer answered
which seek; evidence documents (past projects, products) are chunks too, which is how an
organisation with a thin description but a strong record still matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings import Chunk, Encoder, VectorIndex
from embeddings.centering import LanguageCentering
from matcher.filters import facets_of
from matcher.model import Organisation

DESCRIPTION, OFFER, SEEK, EVIDENCE = "description", "offer", "seek", "evidence"
# What an organisation is and can do, as opposed to what it looks for.
PROFILE_FIELDS = frozenset({DESCRIPTION, EVIDENCE})
CAPABILITY_FIELDS = frozenset({DESCRIPTION, OFFER, EVIDENCE})
CENTERING_KEY = "language_means"
# Part of the fingerprint: an index built by an older recipe is rebuilt, not reused.
INDEX_FORMAT = "chunks-v2-language-centred"


@dataclass(frozen=True)
class TextChunk:
    chunk: Chunk
    text: str


def chunks_of(org: Organisation) -> list[TextChunk]:
    found: list[TextChunk] = []

    def add(field: str, position: int, text: str) -> None:
        if text.strip():
            key = f"{org.id}/{field}/{position}"
            found.append(TextChunk(Chunk(key, org.id, field), text.strip()))

    add(DESCRIPTION, 0, _sentence(org.name, org.description) if org.description else "")
    for i, offer in enumerate(org.offers):
        add(OFFER, i, offer)
    for i, seek in enumerate(org.seeks):
        add(SEEK, i, seek)
    for i, doc in enumerate(org.evidence):
        add(EVIDENCE, i, _sentence(doc.title, doc.text) if doc.title else doc.text)
    return found


def _sentence(head: str, body: str) -> str:
    """'Name. Text', without a doubled stop after names like 'Helios sp. z o.o.'."""
    return f"{head} {body}" if head.rstrip().endswith((".", "!", "?")) else f"{head}. {body}"


def fingerprint(orgs: Iterable[Organisation]) -> str:
    """A digest of everything the index is built from: chunk texts and facets."""
    digest = hashlib.sha256(INDEX_FORMAT.encode())
    for org in sorted(orgs, key=lambda o: o.id):
        for tc in chunks_of(org):
            digest.update(f"{tc.chunk.key}\x1f{tc.text}\x1e".encode())
        digest.update(repr(sorted((k, sorted(v)) for k, v in facets_of(org).items())).encode())
        digest.update(org.language.encode())  # the language picks the mean a vector is centred by
    return digest.hexdigest()


def encode_chunks(
    orgs: Sequence[Organisation], encoder: Encoder, show_progress: bool = False
) -> tuple[list[list[TextChunk]], np.ndarray, list[str]]:
    """Every chunk of these organisations encoded in one batch, with each chunk's language."""
    per_org = [chunks_of(o) for o in orgs]
    texts = [tc.text for chunks in per_org for tc in chunks]
    languages = [o.language or "und" for o, cs in zip(orgs, per_org, strict=True) for _ in cs]
    return per_org, encoder.encode(texts, "passage", show_progress=show_progress), languages


def index_organisations(
    index: VectorIndex,
    orgs: Sequence[Organisation],
    encoder: Encoder,
    show_progress: bool = False,
) -> None:
    """Add or replace organisations, centred with the language means the index was built with."""
    per_org, vectors, languages = encode_chunks(orgs, encoder, show_progress)
    _add(index, orgs, per_org, centering_of(index).apply(vectors, languages))


def _add(
    index: VectorIndex,
    orgs: Sequence[Organisation],
    per_org: list[list[TextChunk]],
    vectors: np.ndarray,
) -> None:
    start = 0
    for org, chunks in zip(orgs, per_org, strict=True):
        end = start + len(chunks)
        index.add(org.id, [tc.chunk for tc in chunks], vectors[start:end], facets_of(org))
        start = end


def centering_of(index: VectorIndex) -> LanguageCentering:
    return LanguageCentering.from_json(index.extras.get(CENTERING_KEY))


def build_index(
    orgs: Sequence[Organisation],
    encoder: Encoder,
    show_progress: bool = False,
    center_languages: bool = True,
) -> VectorIndex:
    """A new index; its language means are fitted on these organisations' own texts."""
    index = VectorIndex(encoder.dimension, encoder.model_id)
    per_org, vectors, languages = encode_chunks(orgs, encoder, show_progress)
    if center_languages:
        centering = LanguageCentering.fit(vectors, languages)
        index.extras[CENTERING_KEY] = centering.to_json()
        vectors = centering.apply(vectors, languages)
    _add(index, orgs, per_org, vectors)
    return index


def owner_matrix(index: VectorIndex, owner: str) -> tuple[list[Chunk], np.ndarray]:
    return index.chunks_of(owner), index.vectors_of(owner)
