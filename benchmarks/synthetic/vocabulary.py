"""The topic vocabulary: topics of pseudo-words (in Latin and Cyrillic spelling), each in a
subject area and paired with a complementary topic, and the filler words of each language."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from benchmarks.synthetic.templates import filler_words
from benchmarks.synthetic.tokens import tokens
from matcher.taxonomy import DEFAULT_TAXONOMY

LANGUAGES = ("en", "ru", "fi", "no")


def area_ids() -> tuple[str, ...]:
    """The subject areas of the taxonomy file, in file order."""
    raw = json.loads(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    return tuple(area["id"] for area in raw["areas"])


# Pseudo-words are consonant-vowel syllables, so they end in a vowel; brand names (names.py)
# end in a consonant and therefore never spell a topic word.
_CONSONANTS = ("k", "l", "m", "n", "p", "r", "s", "t", "v", "d")
_CONSONANTS_RU = ("к", "л", "м", "н", "п", "р", "с", "т", "в", "д")
_VOWELS, _VOWELS_RU = ("a", "e", "i", "o"), ("а", "е", "и", "о")
SYLLABLES = tuple(c + v for c in _CONSONANTS for v in _VOWELS)
SYLLABLES_RU = tuple(c + v for c in _CONSONANTS_RU for v in _VOWELS_RU)


@dataclass(frozen=True)
class VocabularySettings:
    n_topics: int = 600
    words_per_topic: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        if self.words_per_topic < 1 or self.n_topics < 2:
            raise ValueError("need two or more topics of one or more words")


class TopicVocabulary:
    """Topics (each a subject area and a set of pseudo-words) and the filler words.

    A topic word has a Latin and a Cyrillic spelling with one meaning, the way a multilingual
    encoder puts a term and its translation together; the complement of a topic is the topic
    its organisations look for partners in (an involution where the topics pair up).
    """

    def __init__(self, settings: VocabularySettings | None = None) -> None:
        self.settings = settings or VocabularySettings()
        self.areas = area_ids()
        n_topics = self.settings.n_topics
        rng = np.random.default_rng([self.settings.seed, 0x70C])
        self.topic_area = np.arange(n_topics) % len(self.areas)
        self.filler = {lang: filler_words(lang) for lang in LANGUAGES}
        self.latin, self.cyrillic = self._topic_words(rng)
        self.complement = self._complements(rng)
        self.index, self.word_topic, self.word_language = self._index()

    @property
    def n_topics(self) -> int:
        return self.settings.n_topics

    def area_of(self, topic: int) -> str:
        return self.areas[int(self.topic_area[topic])]

    def topics_of(self, text: str) -> Counter[int]:
        """How many words of each topic a text holds."""
        found = (self.index.get(w, -1) for w in tokens(text))
        return Counter(int(self.word_topic[i]) for i in found if i >= 0 and self.word_topic[i] >= 0)

    def _topic_words(self, rng: np.random.Generator) -> tuple[list[list[str]], list[list[str]]]:
        size = self.settings.n_topics * self.settings.words_per_topic
        reserved = {w for words in self.filler.values() for w in words}
        codes = [c for c in _word_codes(rng, size + 64) if _spell(c, SYLLABLES) not in reserved]
        codes = codes[:size]
        per = self.settings.words_per_topic
        latin = [[_spell(c, SYLLABLES) for c in codes[i : i + per]] for i in range(0, size, per)]
        cyrillic = [
            [_spell(c, SYLLABLES_RU) for c in codes[i : i + per]] for i in range(0, size, per)
        ]
        return latin, cyrillic

    def _complements(self, rng: np.random.Generator) -> np.ndarray:
        """Pair topics of different areas at random; a leftover borrows a partner's."""
        complement = np.full(self.n_topics, -1)
        waiting: list[int] = []
        for topic in rng.permutation(self.n_topics).tolist():
            match = next((w for w in waiting if self._area(w) != self._area(topic)), None)
            if match is None:
                waiting.append(topic)
                continue
            waiting.remove(match)
            complement[topic], complement[match] = match, topic
        for topic in waiting:
            others = np.flatnonzero(self.topic_area != self.topic_area[topic])
            complement[topic] = others[rng.integers(len(others))] if len(others) else topic
        return complement

    def _area(self, topic: int) -> int:
        return int(self.topic_area[topic])

    def _index(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Every spelling -> a word id; each id's topic (-1 for filler) and filler language."""
        index: dict[str, int] = {}
        word_topic: list[int] = []
        word_language: list[int] = []
        for topic, (latin, cyrillic) in enumerate(zip(self.latin, self.cyrillic, strict=True)):
            for lat, cyr in zip(latin, cyrillic, strict=True):
                index[lat] = index[cyr] = len(word_topic)
                word_topic.append(topic)
                word_language.append(-1)
        for lang_id, lang in enumerate(LANGUAGES):
            for word in self.filler[lang]:
                if word not in index:  # a word two languages share keeps its first meaning
                    index[word] = len(word_topic)
                    word_topic.append(-1)
                    word_language.append(lang_id)
        return index, np.array(word_topic, np.int32), np.array(word_language, np.int32)


def _word_codes(rng: np.random.Generator, size: int) -> list[int]:
    """Distinct codes, half spelling three syllables and half four."""
    three, four = len(SYLLABLES) ** 3, len(SYLLABLES) ** 4
    short = rng.choice(three, size=min(size // 2, three // 2), replace=False)
    long = three + rng.choice(four, size=size - len(short), replace=False)
    codes = np.concatenate([short, long])
    return codes[rng.permutation(len(codes))].tolist()


def _spell(code: int, syllables: Sequence[str]) -> str:
    three = len(syllables) ** 3
    count, code = (3, code) if code < three else (4, code - three)
    return "".join(syllables[(code // len(syllables) ** k) % len(syllables)] for k in range(count))


@lru_cache(maxsize=4)
def default_vocabulary(settings: VocabularySettings | None = None) -> TopicVocabulary:
    return TopicVocabulary(settings)
