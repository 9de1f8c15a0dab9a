"""Chunk sets of one organisation and the best text pair between two of them.

Best match (max) rather than mean: an organisation's one offer that answers a seek is the
reason to introduce it; averaging over its other texts would bury it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChunkSet:
    """One side's chunks: their fields, vectors and texts, all aligned."""

    fields: Sequence[str]
    vectors: np.ndarray
    texts: Sequence[str]

    def select(self, fields: Collection[str]) -> ChunkSet:
        keep = [i for i, f in enumerate(self.fields) if f in fields]
        return ChunkSet(
            [self.fields[i] for i in keep], self.vectors[keep], [self.texts[i] for i in keep]
        )

    def __len__(self) -> int:
        return len(self.fields)


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
