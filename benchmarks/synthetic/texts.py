"""Writing texts in bulk: the rows of words that fill the templates, and `TextWriter`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from benchmarks.synthetic.places import CITIES, city_text
from benchmarks.synthetic.templates import FIELDS, TEMPLATES, Template
from benchmarks.synthetic.vocabulary import LANGUAGES, TopicVocabulary

FIRST_YEAR, LAST_YEAR = 2008, 2030  # what {year} may say when no year is given
_CITY, _YEAR = FIELDS.index("city"), FIELDS.index("year")


class Rows(NamedTuple):
    """One row per text to write: its language and what fills each field."""

    language: np.ndarray  # index into LANGUAGES
    topic: np.ndarray  # {t}
    other: np.ndarray  # {u}
    complement: np.ndarray  # {c}
    city: np.ndarray  # {city}, index into CITIES
    year: np.ndarray  # {year}; 0 for any year

    def take(self, at: np.ndarray) -> Rows:
        return Rows(*(column[at] for column in self))


def one_topic_rows(
    rng: np.random.Generator, languages: Sequence[int], topics: np.ndarray, cities: Sequence[int]
) -> Rows:
    """Rows for texts about one topic alone, in the years to come (needs, queries, edits)."""
    topics = np.asarray(topics)
    years = rng.integers(2027, LAST_YEAR + 1, len(topics))
    return Rows(np.asarray(languages), topics, topics, topics, np.asarray(cities), years)


class TextWriter:
    """Writes many texts from the templates at once: numpy picks the templates and gathers
    the words, and each text is one %-format of its row of words. (Picking words one at a
    time in Python would be most of the cost of a million organisations.)"""

    def __init__(self, vocabulary: TopicVocabulary) -> None:
        self._width = vocabulary.settings.words_per_topic
        self._spellings = {
            script: (_objects(flat), _objects(w.capitalize() for w in flat))
            for script, flat in (
                ("latin", [w for words in vocabulary.latin for w in words]),
                ("cyrillic", [w for words in vocabulary.cyrillic for w in words]),
            )
        }
        self._places = [_objects(city_text(c, lang) for _, c, _ in CITIES) for lang in LANGUAGES]
        self._years = _objects(str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1))

    def write(self, rng: np.random.Generator, part: str, rows: Rows) -> list[str]:
        """A text from the part's templates (a key of TEMPLATES) for each row, in order."""
        out = np.empty(len(rows.topic), dtype=object)
        pick = rng.integers(0, 2**31, len(out))
        for language_id, language in enumerate(LANGUAGES):
            templates = TEMPLATES[language][part]
            mine = rows.language == language_id
            for k, template in enumerate(templates):
                at = np.flatnonzero(mine & (pick % len(templates) == k))
                if len(at):
                    out[at] = self._fill(rng, template, rows.take(at), language)
        return out.tolist()

    def _fill(
        self, rng: np.random.Generator, template: Template, rows: Rows, language: str
    ) -> list[str]:
        columns = [
            self._words(rng, field, rows, language, capital=template.capitalise and slot == 0)
            for slot, field in enumerate(template.fields)
        ]
        if not columns:
            return [template.pattern % ()] * len(rows.topic)
        return [template.pattern % words for words in zip(*columns, strict=True)]

    def _words(
        self, rng: np.random.Generator, field: int, rows: Rows, language: str, capital: bool
    ) -> list[str]:
        n = len(rows.topic)
        if field == _CITY:
            return self._places[LANGUAGES.index(language)][rows.city].tolist()
        if field == _YEAR:
            any_year = rng.integers(FIRST_YEAR, LAST_YEAR + 1, n)
            return self._years[np.where(rows.year > 0, rows.year, any_year) - FIRST_YEAR].tolist()
        topics = (rows.topic, rows.other, rows.complement)[field]
        spellings = self._spellings["cyrillic" if language == "ru" else "latin"][capital]
        return spellings[topics * self._width + rng.integers(0, self._width, n)].tolist()


def _objects(items: Iterable[str]) -> np.ndarray:
    values = list(items)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@lru_cache(maxsize=4)
def text_writer(vocabulary: TopicVocabulary) -> TextWriter:
    return TextWriter(vocabulary)
