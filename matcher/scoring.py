"""Score components: semantic best match between chunk sets, area overlap, graph signals.

Best match (max) rather than mean: an organisation's one offer that answers a seek is the
reason to introduce it; averaging over its other texts would bury it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from embeddings import Chunk
from matcher.results import Match


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


# Below this spread a component does not separate the candidates: it is left as it is
# rather than blown up to [0, 1] (which would turn noise into a full-weight signal).
MIN_SPREAD = 0.02


def rescaled(
    matches: Sequence[Match], names: Collection[str], weights: Mapping[str, float]
) -> list[Match]:
    """Min-max the named components over the candidate pool, then re-weigh each match.

    Cosines of a multilingual model crowd into a narrow band (0.75-0.9 for E5) while area
    overlap and graph signals span [0, 1]: without this the narrow signals would carry
    almost no weight whatever their nominal weight. Raw cosines stay in the text pairs.
    """
    if len(matches) < 2:
        return list(matches)
    spans = {}
    for name in names:
        values = [m.explanation.components.get(name, 0.0) for m in matches]
        low, high = min(values), max(values)
        if high - low >= MIN_SPREAD:
            spans[name] = (low, high - low)
    return [_reweighed(m, spans, weights) for m in matches]


def _reweighed(
    match: Match, spans: Mapping[str, tuple[float, float]], weights: Mapping[str, float]
) -> Match:
    components = dict(match.explanation.components)
    for name, (low, width) in spans.items():
        components[name] = round((components.get(name, 0.0) - low) / width, 4)
    score = round(sum(weights.get(n, 0.0) * v for n, v in components.items()), 6)
    explanation = replace(match.explanation, components=components)
    return replace(match, score=score, explanation=explanation)
