"""An organisation's texts as index chunks.

Each offer and each seek is its own chunk, so an explanation can say which offer answered
which seek; evidence documents (past projects, products) are chunks too, which is how an
organisation with a thin description but a strong record still matches. An evidence
chunk keeps its document's `ref` (e.g. a project id), so an evaluation can mask a held-out
project's chunks in every organisation at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.catalog import ChunkSpec
from embeddings.index import OwnerChunks
from matcher.model import EvidenceDoc, Organisation

DESCRIPTION, OFFER, SEEK, EVIDENCE = "description", "offer", "seek", "evidence"
# What an organisation is and can do, as opposed to what it looks for.
PROFILE_FIELDS = frozenset({DESCRIPTION, EVIDENCE})
CAPABILITY_FIELDS = frozenset({DESCRIPTION, OFFER, EVIDENCE})
# Evidence longer than this many words is split into passages of whole sentences (the
# default of RankingSettings.passage_words): the encoder reads at most 512 tokens, about 350
# English words, and would silently drop the rest. Shorter passages were measured and not
# taken: at 120 words the real CORDIS consortia lost 0.007 recall@10 (hybrid) and 0.013
# (text alone), a project's description matching better whole (benchmarks/QUALITY.md).
PASSAGE_WORDS = 350
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class TextChunk:
    field: str
    text: str
    ref: str = ""
    year: int | None = None  # an evidence document's year
    topics: tuple[str, ...] = ()  # and its programme labels


def chunks_of(org: Organisation, passage_words: int = 0) -> list[TextChunk]:
    """The organisation's chunks, in index order; evidence is split into passages of at
    most `passage_words` words (0: the default, PASSAGE_WORDS)."""
    found: list[TextChunk] = []

    def add(field: str, text: str, ref: str = "", doc: EvidenceDoc | None = None) -> None:
        if text.strip():
            year, topics = (doc.year, doc.topics) if doc else (None, ())
            found.append(TextChunk(field, text.strip(), ref, year, topics))

    add(DESCRIPTION, _sentence(org.name, org.description) if org.description else "")
    for offer in org.offers:
        add(OFFER, offer)
    for seek in org.seeks:
        add(SEEK, seek)
    for doc in org.evidence:
        text = _sentence(doc.title, doc.text) if doc.title else doc.text
        for passage in passages(text, passage_words):
            add(EVIDENCE, passage, doc.ref or "", doc)
    return found


def passages(text: str, limit: int = 0) -> list[str]:
    """A long text as consecutive passages of whole sentences, each at most `limit` words
    (a sentence longer than that is cut between words); a short text stays whole."""
    limit = limit or PASSAGE_WORDS
    words = text.split()
    if len(words) <= limit:
        return [text]
    found: list[list[str]] = [[]]
    for sentence in _SENTENCE_END.split(text):
        pieces = sentence.split()
        while len(pieces) > limit:  # a run-on sentence: cut it between words
            found.append(pieces[:limit])
            pieces = pieces[limit:]
        if len(found[-1]) + len(pieces) > limit:
            found.append([])
        found[-1].extend(pieces)
    return [" ".join(p) for p in found if p]


def evidence_count(org: Organisation) -> int:
    """Evidence documents that become chunks (a document without any text does not)."""
    return sum(1 for doc in org.evidence if doc.title or doc.text.strip())


def _sentence(head: str, body: str) -> str:
    """'Name. Text', without a doubled stop after names like 'Helios sp. z o.o.'."""
    return f"{head} {body}" if head.rstrip().endswith((".", "!", "?")) else f"{head}. {body}"


def owner_chunks(org: Organisation, chunks: Sequence[TextChunk]) -> OwnerChunks:
    """The index's view of an organisation's chunks: field, reference and language."""
    language = org.language if org.language not in ("", "und") else ""
    return OwnerChunks(org.id, [ChunkSpec(c.field, c.ref, language) for c in chunks])
