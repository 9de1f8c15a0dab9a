"""What the engine returns: matches with their explanations, and area scores."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextPair:
    """Which text of one side answered which text of the other, and how well."""

    query_field: str
    query_text: str
    match_field: str
    match_text: str
    score: float


@dataclass(frozen=True)
class Explanation:
    components: Mapping[str, float]
    weights: Mapping[str, float]
    best_pair: TextPair | None = None
    pairs: tuple[TextPair, ...] = ()
    shared_areas: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for tables: the strongest reason first."""
        parts = []
        if self.best_pair is not None:
            bp = self.best_pair
            parts.append(f"{bp.query_field} ~ {bp.match_field}: {_clip(bp.match_text, 70)}")
        if self.shared_areas:
            parts.append("areas: " + ", ".join(self.shared_areas))
        return "; ".join(parts + list(self.notes))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Match:
    org_id: str
    name: str
    kind: str
    country: str
    city: str
    score: float
    explanation: Explanation


@dataclass(frozen=True)
class AreaScore:
    area_id: str
    name: str
    score: float
    cosine: float  # raw cosine to the area's nearest prototype
    keywords: tuple[str, ...] = ()
    assigned: bool = False


@dataclass(frozen=True)
class ResultList:
    """Matches plus what the user should know about them (warnings on language, etc.)."""

    matches: tuple[Match, ...]
    warnings: tuple[str, ...] = field(default=())
    learned: bool = False  # ranked by the learned need ranker (else by the linear weights)
    gloss: str = ""  # the gloss the text was also read with (matcher.gloss)
    gloss_language: str = ""  # the language of that gloss

    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    def __getitem__(self, i: int) -> Match:
        return self.matches[i]

    def ids(self) -> list[str]:
        return [m.org_id for m in self.matches]
