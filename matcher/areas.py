"""Multi-label tagging of texts and organisations with the cluster's subject areas.

Two signals: the cosine of the text to each area's prototypes (its name, description and
keywords, one prototype per language, so a Russian text meets the Russian prototype), and
the area's keywords found in the text. Keywords carry the tagging where the encoder cannot
read the language; the embedding carries it where the wording is new.
"""

from __future__ import annotations

import numpy as np

from embeddings import Encoder, normalise_rows
from embeddings.centering import LanguageCentering
from matcher.results import AreaScore
from matcher.taxonomy import Taxonomy

# The semantic signal is how far an area's cosine stands above the text's median cosine over
# all areas: absolute cosines drift with the model and the text's length, and a text the
# model cannot read (Cyrillic under an English model) lifts every area alike, which this
# cancels. The lead that counts as a full-strength sign is measured on the model itself:
# SPREAD_WIDTHS standard deviations of the cosines between different areas' descriptions
# (about 0.05 for multilingual E5, whose cosines are compressed, 0.24 for MiniLM).
SPREAD_WIDTHS = 3.0
MIN_SPAN = 0.02
KEYWORD_SATURATION = 3  # three distinct keywords are as strong a sign as many
SEMANTIC_SHARE = 0.6


class AreaTagger:
    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Encoder,
        threshold: float = 0.35,
        centering: LanguageCentering | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        self._prototypes: list[np.ndarray] = []
        texts = [area.prototypes() for area in taxonomy.areas]
        pairs = [pair for group in texts for pair in group]
        flat = encoder.encode([text for _, text in pairs], "passage")
        if centering is not None:  # in the same space as the centred chunks and queries
            flat = centering.apply(flat, [lang for lang, _ in pairs])
        start = 0
        for group in texts:
            self._prototypes.append(flat[start : start + len(group)])
            start += len(group)
        self.span = self._model_span()

    def _model_span(self) -> float:
        firsts = np.stack([p[0] for p in self._prototypes if len(p)])
        cosines = firsts @ firsts.T
        between = cosines[~np.eye(len(firsts), dtype=bool)]
        return max(MIN_SPAN, SPREAD_WIDTHS * float(between.std())) if len(between) else MIN_SPAN

    def score_vector(self, vector: np.ndarray, text: str) -> list[AreaScore]:
        """Scores for one (query-role) vector and its text, best first."""
        return self.score_vectors(vector.reshape(1, -1), text)

    def score_vectors(self, vectors: np.ndarray, text: str) -> list[AreaScore]:
        """Scores for a text given as several vectors (an organisation's chunks).

        Each area takes its strongest lead over any one vector: an organisation whose one
        offer is about biogas works in biofuels even if its other texts are about heat.
        """
        vectors = normalise_rows(np.asarray(vectors, dtype=np.float32))
        cosines = np.stack([(vectors @ p.T).max(axis=1) for p in self._prototypes], axis=1)
        leads = cosines - np.median(cosines, axis=1, keepdims=True)
        semantic = np.clip(leads / self.span, 0.0, 1.0).max(axis=0)
        best_cosine = cosines.max(axis=0)
        scored = [
            self._area_score(i, float(semantic[i]), float(best_cosine[i]), text)
            for i in range(len(self.taxonomy.areas))
        ]
        scored.sort(key=lambda a: a.score, reverse=True)
        return self._assign(scored)

    def _area_score(self, i: int, semantic: float, cosine: float, text: str) -> AreaScore:
        area = self.taxonomy.areas[i]
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
