"""`TopicEncoder`: a text's vector from its words alone, clustered by topic.

Every word of the vocabulary has a vector, and a text's vector is built from them:

    topic centroid = normalise(shared direction + subject-area direction + own direction)
    topic word     = 0.7 * its topic's centroid + word detail
    filler word    = 0.25 * (its language's direction + word detail)
    text           = normalise(normalise(sum of its known words) + 0.15 * text noise)

so texts on one topic are near each other (cosine about 0.55-0.85), topics of one subject
area are nearer each other (about 0.27) than topics of different areas (about 0.1), a text
mixing two topics sits between them, and texts in one language share a small offset, as
multilingual encoders' do.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sparse

from benchmarks.synthetic.tokens import HashTable, sequence_hashes, spaced_bytes, token_hashes
from benchmarks.synthetic.vocabulary import (
    LANGUAGES,
    TopicVocabulary,
    VocabularySettings,
    default_vocabulary,
)

TextRole = Literal["query", "passage"]
_SEPARATOR = " \x00 "  # before each text encoded together: neither a word character nor a space


@dataclass(frozen=True)
class EncoderSettings:
    dimension: int = 384
    # Word-level detail lives in a subspace this large: it keeps encoding cheap, and real
    # sentence embeddings vary in far fewer directions than they have dimensions.
    detail_dimension: int = 64
    word_topic_cosine: float = 0.7  # a topic word's cosine with its topic's centroid
    shared_share: float = 0.12  # of every centroid: real embeddings share a common direction
    area_share: float = 0.25  # of every centroid: a subject area's topics are near each other
    filler_weight: float = 0.25  # a filler word counts this much against a topic word
    filler_language_share: float = 0.5  # of a filler word: its language's direction
    text_noise: float = 0.15  # relative to the words' sum: identical bags of words still differ
    noise_rows: int = 4096
    batch_size: int = 4096  # texts tokenised and summed at once
    seed: int = 0


class TopicEncoder:
    """A deterministic encoder that reads only the synthetic vocabulary (unknown words add
    nothing). Roles are ignored: a query and a passage with the same words get one vector.
    """

    def __init__(
        self,
        vocabulary: TopicVocabulary | None = None,
        settings: EncoderSettings | None = None,
    ) -> None:
        self.vocabulary = vocabulary or default_vocabulary()
        self.settings = settings or EncoderSettings()
        rng = np.random.default_rng([self.settings.seed, 0xE4C])
        self.centroids = self._centroids(rng)
        self._group_rows, self._detail_rows, self._projection = self._word_tables(rng)
        self._noise = _unit_rows(rng.standard_normal((self.settings.noise_rows, self.dimension)))
        self._word_group = self._word_groups()
        self._table = self._hash_table()
        self._separator_hash = token_hashes(b"\x00")[0]

    @property
    def model_id(self) -> str:
        name = f"synthetic/topics-{self.dimension}"
        if (self.settings, self.vocabulary.settings) == (EncoderSettings(), VocabularySettings()):
            return name
        digest = hashlib.sha256(repr((self.settings, self.vocabulary.settings)).encode())
        return f"{name}-{digest.hexdigest()[:8]}"

    @property
    def dimension(self) -> int:
        return self.settings.dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return None

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.settings.batch_size
        for start in range(0, len(texts), step):
            self._encode_into(texts[start : start + step], out[start : start + step])
        return out

    def _encode_into(self, texts: Sequence[str], out: np.ndarray) -> None:
        """Topic and language part, plus word detail, normalised, plus text noise."""
        word_ids, text_of, text_hash = self._read(texts)
        n, ones = len(texts), np.ones(len(word_ids), np.float32)
        groups = sparse.coo_matrix(
            (ones, (text_of, self._word_group[word_ids])), shape=(n, len(self._group_rows))
        )
        indptr = np.concatenate([[0], np.cumsum(np.bincount(text_of, minlength=n))])
        words = sparse.csr_matrix((ones, word_ids, indptr), shape=(n, len(self._detail_rows)))
        out[:] = groups.tocsr() @ self._group_rows
        out += (words @ self._detail_rows) @ self._projection
        _normalise(out)
        out += self._text_noise(text_hash)
        _normalise(out)

    def _read(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The vocabulary's words in the texts (ids, and which text each is in) and a hash of
        each text's whole sequence of words, known or not."""
        joined = _SEPARATOR + _SEPARATOR.join(texts)
        if joined.count("\x00") != len(texts):
            joined = _SEPARATOR + _SEPARATOR.join(t.replace("\x00", " ") for t in texts)
        hashes = token_hashes(spaced_bytes(joined))
        is_separator = hashes == self._separator_hash
        text_of = np.cumsum(is_separator) - 1
        ids = self._table.lookup(hashes)
        known = (ids >= 0) & ~is_separator
        return ids[known], text_of[known], sequence_hashes(hashes, is_separator)

    def _text_noise(self, text_hash: np.ndarray) -> np.ndarray:
        """Two noise rows picked by the text's hash: stable across runs and machines."""
        rows = len(self._noise)
        noise = self._noise[text_hash % rows]
        noise += self._noise[(text_hash >> 32) % rows]
        noise *= self.settings.text_noise / math.sqrt(2)
        return noise

    def _hash_table(self) -> HashTable:
        """Every spelling's token hash -> its word id."""
        spellings = list(self.vocabulary.index)
        hashes = token_hashes(spaced_bytes(" ".join(spellings)))
        if len(np.unique(hashes)) != len(spellings):
            raise ValueError("two vocabulary words share a hash; change the vocabulary seed")
        ids = np.fromiter(self.vocabulary.index.values(), np.int64, len(spellings))
        return HashTable(hashes, ids)

    def _centroids(self, rng: np.random.Generator) -> np.ndarray:
        s = self.settings
        shared = _unit_rows(rng.standard_normal((1, s.dimension)))
        areas = _unit_rows(rng.standard_normal((len(self.vocabulary.areas), s.dimension)))
        own = _unit_rows(rng.standard_normal((self.vocabulary.n_topics, s.dimension)))
        own_share = 1.0 - s.shared_share - s.area_share
        mixed = (
            math.sqrt(s.shared_share) * shared
            + math.sqrt(s.area_share) * areas[self.vocabulary.topic_area]
            + math.sqrt(own_share) * own
        )
        return _unit_rows(mixed)

    def _word_tables(self, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """Rows per group (topic or filler language), detail rows per word, the projection."""
        s = self.settings
        languages = _unit_rows(rng.standard_normal((len(LANGUAGES), s.dimension)))
        rho, lam = s.word_topic_cosine, s.filler_language_share
        group_rows = np.vstack([rho * self.centroids, s.filler_weight * lam * languages])
        is_topic = self.vocabulary.word_topic >= 0
        detail_weight = np.where(
            is_topic, math.sqrt(1 - rho**2), s.filler_weight * math.sqrt(1 - lam**2)
        )
        detail = rng.standard_normal((len(is_topic), s.detail_dimension)) / math.sqrt(
            s.detail_dimension
        )
        basis, _ = np.linalg.qr(rng.standard_normal((s.dimension, s.detail_dimension)))
        return (
            group_rows.astype(np.float32),
            (detail * detail_weight[:, None]).astype(np.float32),
            basis.T.astype(np.float32),
        )

    def _word_groups(self) -> np.ndarray:
        vocab = self.vocabulary
        return np.where(
            vocab.word_topic >= 0, vocab.word_topic, vocab.n_topics + vocab.word_language
        )


def _normalise(vectors: np.ndarray) -> None:
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    norms[norms == 0] = 1.0
    vectors /= norms[:, None]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
