"""Language detection for the cluster's four languages.

Texts in the cluster are Russian, English, Finnish or Norwegian. An English-only encoder
returns near-random vectors for the other three, silently, so the engine detects the
language of every text, keeps it on the record, and warns with every result over text in
a language its encoder does not read (matcher.ranking.state.language_warning).

The detector is hand-made and small on purpose: it must not download anything or pull in
a heavy dependency. Cyrillic script decides Russian; for Latin script a scorer counts
characteristic letters (æ ø å against ä ö), frequent function words and word endings.
Measured accuracy on datasets/parallel is in benchmarks/QUALITY.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UNDETERMINED = "und"
LANGUAGES = ("ru", "en", "fi", "no")

# Fewer letters than this carry no evidence ("LED", "CO2", a number).
_MIN_LETTERS = 3
# A Latin text needs this much evidence before it is given a language; a lone
# product name scores below it and stays "und" instead of a guess.
_MIN_SCORE = 2.0

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _endings(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Frequent function words and verbs of member profiles and needs. A word may sit in two
# lists ("for" is English and Norwegian): it then scores for both and decides nothing.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to in for with that is are a an on by from our we which at as its "
        "their this be or into new who will can has have was it up all more than us "
        "looking wants need needs seeks offering providing using used near"
    ),
    "fi": _words(
        "ja on ei että joka jotka jossa joiden joilla jonka kanssa sekä tai myös kuin "
        "ovat mukaan jopa varten yli kaikki kaikkien sen se ne niiden me olemme "
        "tarjoamme tarjoaa etsii etsimme haluaa haluamme tarvitsee tarvitsemme uusia "
        "uudet uusi oman omien omat kautta aikana lisäksi noin alle kun mutta vain "
        "vielä olla"
    ),
    "no": _words(
        "og i på til for med som er av det en et den de ikke fra har vi kan skal vil "
        "ved etter også eller seg sin sitt sine mot om over nye ny nytt alle eget egen "
        "hver slik der hvor ønsker søker trenger bruker mellom gjennom oss vår våre "
        "blir bli være dette disse mer enn uten leverer tilbyr innen samt hos blant både"
    ),
}

# Word endings typical of one language; only checked on words of 5+ letters that are
# not function words, so "med" or "sted" do not count as English "-ed".
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "en": _endings("tion tions sion ity ness ous ed ly ies ers ors"),
    "fi": _endings(
        "ssa ssä sta stä lla llä lta ltä lle ksi nen iin aan ään tta ttä mme vat vät "
        "ja jä ita itä jen ista uksen inen oja ien"
    ),
    "no": _endings("sjon sjoner sjonen heten ene lig lige het ert iske ske elle ende"),
}

# Letter groups: (pattern, language, weight per occurrence).
_LETTER_FEATURES: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile("[æøå]"), "no", 3.0),
    (re.compile("[äö]"), "fi", 3.0),
    (re.compile("aa|ii|uu|yy|uo|yö"), "fi", 1.0),
    (re.compile("kj|skj|gj|hv|sj"), "no", 1.0),
    (re.compile("th|wh|sh|ch|w"), "en", 1.0),
)

# Letters of Ukrainian and Belarusian that Russian never uses, against letters Russian
# uses and they do not: a text with more of the former is not Russian.
_NOT_RUSSIAN = frozenset("іїєґў")
_ONLY_RUSSIAN = frozenset("ыэъё")


def detect_language(text: str) -> str:
    """Return "ru", "en", "fi", "no", or "und" when the text gives too little evidence."""
    letters = [c for c in text.lower() if c.isalpha()]
    if len(letters) < _MIN_LETTERS:
        return UNDETERMINED
    cyrillic = sum(1 for c in letters if "а" <= c <= "я" or c in "ё" or c in _NOT_RUSSIAN)
    if cyrillic * 2 >= len(letters):
        return _cyrillic_language(letters)
    latin = sum(1 for c in letters if c.isascii() or c in "æøåäöéü")
    if latin * 2 < len(letters):
        return UNDETERMINED  # Greek, Arabic, CJK...: none of the four languages
    return _latin_language(text.lower())


def detect_languages(texts: Iterable[str]) -> list[str]:
    """`detect_language` for each text, in order."""
    return [detect_language(t) for t in texts]


def _cyrillic_language(letters: list[str]) -> str:
    foreign = sum(1 for c in letters if c in _NOT_RUSSIAN)
    russian = sum(1 for c in letters if c in _ONLY_RUSSIAN)
    return UNDETERMINED if foreign > russian else "ru"


def _latin_language(lowered: str) -> str:
    scores = latin_scores(lowered)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < _MIN_SCORE or top == second:
        return UNDETERMINED
    return best


def latin_scores(lowered: str) -> dict[str, float]:
    """Evidence for en, fi and no in a lower-cased Latin text (exposed for tuning)."""
    scores = dict.fromkeys(("en", "fi", "no"), 0.0)
    for word in _WORD_RE.findall(lowered):
        hits = [lang for lang, words in _FUNCTION_WORDS.items() if word in words]
        for lang in hits:
            scores[lang] += 2.0
        if hits or len(word) < 5:
            continue
        for lang, endings in _SUFFIXES.items():
            if word.endswith(endings):
                scores[lang] += 1.0
    for pattern, lang, weight in _LETTER_FEATURES:
        scores[lang] += weight * len(pattern.findall(lowered))
    return scores
