"""A Russian gloss of an English text that names a place in Russia.

Organisations near St. Petersburg describe themselves in Russian, and the encoder puts an
English text far from Russian ones on the same subject (an English request for
district-heating hardware made near St. Petersburg found none of the Russian producers in
its top 10: benchmarks/QUALITY.md). Where the text asks for a place in Russia, it is also
read in Russian, word by word through Müller's English-Russian dictionary: of a word's
translations, the two the cluster's own texts use most (`heat` is "жара" or "теплота"; a
cleantech cluster writes of "отопление").
"""

from __future__ import annotations

import re

from matcher.gloss.dictd import Dictionary, Frequency, most_used
from matcher.lexical import STOPWORDS
from matcher.limits import MAX_GLOSSED_WORDS

_WORD = re.compile(r"[A-Za-z]+")
KEPT_SENSES = 2  # translations kept for a word
LONGEST = 2  # words in a translation that is kept (longer ones are explanations)
# words that say where or how, not what: a gloss of them only adds noise
NOT_GLOSSED = STOPWORDS | frozenset("near made such in of to at on by an or as is be".split())
# a translation that is or starts with a preposition explains a use ("в области", "до")
_PREPOSITION = re.compile(r"^(в|во|на|с|со|к|по|за|из|от|до|для|при|о|об|у) ")


class EnglishGlossary:
    language = "en"
    into = "ru"
    countries = frozenset({"RU"})  # a text is glossed when it names a place in one of them

    def __init__(self, dictionary: Dictionary) -> None:
        self._dictionary = dictionary

    def gloss(self, text: str, frequency: Frequency) -> str:
        """The Russian gloss of `text`, word by word (a word it cannot read is left out:
        the text itself is read beside the gloss)."""
        words: list[str] = []
        for token in _WORD.findall(text)[:MAX_GLOSSED_WORDS]:
            if token.casefold() not in NOT_GLOSSED and len(token) > 2:
                words.extend(self._word(token, frequency))
        return " ".join(words)

    def _word(self, token: str, frequency: Frequency) -> list[str]:
        for form in base_forms(token):
            terms = [t for sense in self._dictionary.senses(form) for t in sense if _kept(t)]
            if terms:
                return most_used(terms, frequency, KEPT_SENSES)
        return []


def _kept(term: str) -> bool:
    return len(term.split()) <= LONGEST and not _PREPOSITION.match(f"{term} ")


def base_forms(word: str) -> list[str]:
    """The word, then what it may be the plural of (`pumps`, `batteries`, `boxes`)."""
    word = word.casefold()
    forms = [word]
    if word.endswith("s") and not word.endswith("ss"):  # plain `s` first: `pipes` is no `pip`
        forms.append(word[:-1])
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    return forms
