"""Multi-label tagging of texts and organisations with the cluster's subject areas.

Two signals: the cosine of the text to each area's prototypes (its name, description and
keywords, one prototype per language, so a Russian text meets the Russian prototype), and
the area's keywords found in the text. Keywords carry the tagging where the encoder cannot
read the language; the embedding carries it where the wording is new.
"""

from __future__ import annotations

import numpy as np

from embeddings import Encoder, normalise_rows
from matcher.results import AreaScore
from matcher.taxonomy import Taxonomy

# The semantic signal is how far an area's cosine stands above the text's median cosine over
# all areas: absolute cosines drift with the model and the text's length, and a text the
# model cannot read (Cyrillic under an English model) lifts every area alike, which this
# cancels. SEM_SPAN is the lead over the median that counts as a full-strength sign.
SEM_SPAN = 0.15
KEYWORD_SATURATION = 3  # three distinct keywords are as strong a sign as many
SEMANTIC_SHARE = 0.6


class AreaTagger:
    def __init__(self, taxonomy: Taxonomy, encoder: Encoder, threshold: float = 0.35) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        self._prototypes: list[np.ndarray] = []
        texts = [area.prototypes() for area in taxonomy.areas]
        flat = encoder.encode([t for group in texts for t in group], "passage")
        start = 0
        for group in texts:
            self._prototypes.append(flat[start : start + len(group)])
            start += len(group)

    def score_vector(self, vector: np.ndarray, text: str) -> list[AreaScore]:
        """Scores for one (query-role) vector and its text, best first."""
        vector = normalise_rows(vector.reshape(1, -1))[0]
        cosines = [float(np.max(p @ vector)) if len(p) else 0.0 for p in self._prototypes]
        median = float(np.median(cosines))
        scored = [self._area_score(i, c, median, text) for i, c in enumerate(cosines)]
        scored.sort(key=lambda a: a.score, reverse=True)
        return self._assign(scored)

    def _area_score(self, i: int, cosine: float, median: float, text: str) -> AreaScore:
        area = self.taxonomy.areas[i]
        semantic = float(np.clip((cosine - median) / SEM_SPAN, 0.0, 1.0))
        hits = tuple(area.keyword_hits(text))
        lexical = min(1.0, len(hits) / KEYWORD_SATURATION)
        score = SEMANTIC_SHARE * semantic + (1 - SEMANTIC_SHARE) * lexical
        return AreaScore(area.id, area.name, round(score, 4), round(cosine, 4), hits)

    def _assign(self, scored: list[AreaScore]) -> list[AreaScore]:
        from dataclasses import replace

        result = []
        for rank, item in enumerate(scored):
            # the best area is always assigned when it shows any sign at all
            chosen = item.score >= self.threshold or (rank == 0 and item.score > 0.15)
            result.append(replace(item, assigned=chosen))
        return result
