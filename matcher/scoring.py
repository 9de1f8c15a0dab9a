"""Score components: semantic best match between chunk sets, area overlap, graph signals.

Best match (max) rather than mean: an organisation's one offer that answers a seek is the
reason to introduce it; averaging over its other texts would bury it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings import Chunk


@dataclass(frozen=True)
class ChunkSet:
    """One side's chunks with their vectors and texts, all aligned."""

    chunks: Sequence[Chunk]
    vectors: np.ndarray
    texts: Sequence[str]

    def select(self, fields: Collection[str]) -> ChunkSet:
        keep = [i for i, c in enumerate(self.chunks) if c.field in fields]
        return ChunkSet(
            [self.chunks[i] for i in keep], self.vectors[keep], [self.texts[i] for i in keep]
        )

    def __len__(self) -> int:
        return len(self.chunks)


@dataclass(frozen=True)
class PairScore:
    score: float
    left: int
    right: int


def best_pair(left: ChunkSet, right: ChunkSet) -> PairScore | None:
    """The most similar (left chunk, right chunk) pair; None when either side is empty."""
    if len(left) == 0 or len(right) == 0:
        return None
    sims = left.vectors @ right.vectors.T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return PairScore(float(sims[i, j]), int(i), int(j))


def jaccard(a: Collection[str], b: Collection[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def coverage(wanted: Collection[str], have: Collection[str]) -> float:
    """Share of the wanted items present; 0 when nothing is wanted."""
    return len(set(wanted) & set(have)) / len(set(wanted)) if wanted else 0.0


def common_neighbours(a: Collection[str], b: Collection[str]) -> float:
    """Partners-of-partners signal: cosine of the two neighbour sets (Salton index)."""
    if not a or not b:
        return 0.0
    return len(set(a) & set(b)) / math.sqrt(len(a) * len(b))


def popularity(degree: int, max_degree: int) -> float:
    """Log-scaled degree in [0, 1]: experience counts, but with diminishing returns."""
    if max_degree <= 0:
        return 0.0
    return math.log1p(degree) / math.log1p(max_degree)
