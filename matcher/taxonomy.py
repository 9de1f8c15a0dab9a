"""The cluster's ten subject areas, read from datasets/taxonomy.json.

Each area has a name, a description and keywords per language. Keywords are lowercase
stems matched at word starts, so "энергосбережен" finds "энергосбережения" and
"энергосбережение" alike without a stemmer per language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from matcher.errors import ConfigError, DataValidationError, Problem

DATASETS_DIR = Path(__file__).resolve().parents[1] / "datasets"
DEFAULT_TAXONOMY = DATASETS_DIR / "taxonomy.json"
_WORD_START = r"(?<![\w])"


@dataclass(frozen=True)
class SubjectArea:
    id: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]

    @property
    def name(self) -> str:
        return self.names.get("en") or next(iter(self.names.values()), self.id)

    def prototypes(self) -> list[tuple[str, str]]:
        """(language, text) per language describing the area, to embed as its vectors."""
        texts = []
        for lang, desc in self.descriptions.items():
            words = ", ".join(self.keywords.get(lang, ())[:12])
            texts.append((lang, f"{self.names.get(lang, self.name)}. {desc} {words}".strip()))
        return texts

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        stems = sorted({k for ks in self.keywords.values() for k in ks}, key=len, reverse=True)
        return re.compile(_WORD_START + "(" + "|".join(map(re.escape, stems)) + ")")

    def keyword_hits(self, text: str) -> list[str]:
        """Distinct keywords found in the text (lowercased)."""
        return sorted(set(self._pattern.findall(text.lower()))) if self.keywords else []


@dataclass(frozen=True)
class Taxonomy:
    areas: tuple[SubjectArea, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.areas)

    def area(self, area_id: str) -> SubjectArea:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise ConfigError(f"unknown subject area {area_id!r}; known: {', '.join(self.ids)}")

    def unknown(self, area_ids: tuple[str, ...]) -> list[str]:
        known = set(self.ids)
        return [a for a in area_ids if a not in known]


def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    if not path.exists():
        raise ConfigError(f"taxonomy file not found: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"taxonomy file {path} is not valid JSON: {exc}") from exc
    areas, problems = [], []
    for i, item in enumerate(raw.get("areas", []), start=1):
        try:
            areas.append(_area(item))
        except (KeyError, TypeError, AttributeError) as exc:
            problems.append(Problem(f"malformed area ({exc})", row=i, source=str(path)))
    if problems or not areas:
        raise DataValidationError(problems or [Problem("no areas", source=str(path))], "taxonomy")
    return Taxonomy(tuple(areas))


def _area(item: Mapping[str, object]) -> SubjectArea:
    keywords = item.get("keywords", {})
    return SubjectArea(
        id=str(item["id"]),
        names=dict(item["name"]),  # type: ignore[call-overload]
        descriptions=dict(item.get("description", {})),  # type: ignore[call-overload]
        keywords={lang: tuple(k.lower() for k in ks) for lang, ks in keywords.items()},  # type: ignore[attr-defined]
    )
