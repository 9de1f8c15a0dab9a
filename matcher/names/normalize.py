"""Organisation-name normalisation: quotes, punctuation, case, script and legal form.

`normalize_name` splits a raw name into its legal form (a canonical code, kept as its own
field) and a core: lowercase phonetic Latin key tokens on which Cyrillic and Latin
spellings of one name meet. Normalising a core again gives the same core.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from matcher.names.legal_forms import LEGAL_FORMS, canonical_form, lookup_form
from matcher.names.translit import fix_homoglyphs, fold, latin_key, phonetic_key, script_of

__all__ = ["NormalizedName", "city_key", "country_code", "normalize_name", "tokenize"]


@dataclass(frozen=True)
class NormalizedName:
    original: str
    core: str  # phonetic Latin key of the name without its legal form
    legal_form: str | None  # canonical code ("OOO", "OY", "AS", ...)
    script: str  # "latin", "cyrillic", "mixed" or "none"
    tokens: tuple[str, ...]  # core split into tokens
    display: str = ""  # the name as written, without quotes and legal form


_CONNECTORS = frozenset({"&", "and", "og", "ja", "och", "und", "the"})
# Roman numerals tell numbered plants apart ("Solar Park II"); single letters are too
# ambiguous (Latin "I", Cyrillic "и" = "and").
_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vii": "7", "viii": "8", "ix": "9"}

_QUOTE_IN_WORD = re.compile(r"(?<=\w)['’ʼ`](?=\w)")
_DOTTED = re.compile(r"\b(?:\w\.){2,}")
_SLASHED = re.compile(r"\b(\w)/(\w)\b")
_WORDS = re.compile(r"\w+|&")


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    text = " ".join(fix_homoglyphs(w) for w in text.split())
    text = _QUOTE_IN_WORD.sub("", text)
    text = _DOTTED.sub(lambda m: m.group().replace(".", ""), text)
    return _SLASHED.sub(r"\1\2", text)


def _raw_words(raw: str) -> list[str]:
    return ["&" if w in ("и", "И") else w for w in _WORDS.findall(_clean(raw))]


def _spelling_tokens(spelling: str) -> tuple[str, ...]:
    return tuple(w for r in _raw_words(spelling) for w in _WORDS.findall(fold(r)))


_FOLDED_SPELLINGS = [(lf.code, _spelling_tokens(s)) for lf in LEGAL_FORMS for s in lf.spellings]
# Short legal-form tokens keep their folded spelling as their key so that "oy" and "oyj"
# stay apart; any word whose phonetic key would collide with one keeps its folded form too.
_PROTECTED = frozenset(t for _, toks in _FOLDED_SPELLINGS for t in toks if len(toks) == 1)
_PROTECTED |= _CONNECTORS


# Abbreviations that registries write out in other lists ("Intl" / "International").
_ABBREVIATIONS = {
    "intl": "international", "tekn": "teknologi",
    "techn": "technology", "engr": "engineering", "mgmt": "management", "svcs": "services",
    "sys": "systems", "assn": "association",
}  # fmt: skip


def _key(word: str) -> str:
    if word in _PROTECTED:
        return word
    if word in _ROMAN:
        return _ROMAN[word]
    if word in _ABBREVIATIONS:
        return phonetic_key(fold(_ABBREVIATIONS[word]))
    key = phonetic_key(word)
    # A word whose key would read as a legal form or numeral keeps its folded spelling, so
    # that normalising a core again cannot strip or renumber it.
    return word if key in _PROTECTED or key in _ROMAN else key


# Later definitions win, so the generic "S.A." owns the spelling "SA" (Norway's is an alias).
_SPELLINGS: dict[tuple[str, ...], str] = {
    tuple(_key(t) for t in toks): code for code, toks in _FOLDED_SPELLINGS if toks
}
_MAX_SPELLING = max(len(k) for k in _SPELLINGS)


@lru_cache(maxsize=1 << 18)
def _word_keys(word: str) -> tuple[str, ...]:
    # Cached: registries repeat the same words (and legal forms) across many thousand names.
    return tuple(_key(w) for w in _WORDS.findall(fold(word)))


def tokenize(raw: str) -> list[tuple[str, int]]:
    """Key tokens of `raw`, each with the index of the raw word it came from."""
    return [(k, i) for i, word in enumerate(_raw_words(raw)) for k in _word_keys(word)]


def _match(tokens: list[tuple[str, int]], at_end: bool) -> tuple[int, str] | None:
    for size in range(min(_MAX_SPELLING, len(tokens) - 1), 0, -1):
        part = tokens[-size:] if at_end else tokens[:size]
        code = _SPELLINGS.get(tuple(t for t, _ in part))
        if code is not None:
            return size, code
    return None


def _strip_forms(tokens: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], list[str]]:
    """Peel legal forms off both ends, always leaving at least one token."""
    found: list[str] = []
    while len(tokens) > 1:
        end = _match(tokens, at_end=True)
        start = None if end else _match(tokens, at_end=False)
        if end:
            tokens = tokens[: -end[0]]
        elif start:
            tokens = tokens[start[0] :]
        else:
            break
        found.append((end or start)[1])  # type: ignore[index]
    return tokens, found


def _choose_form(found: list[str], country: str | None) -> str | None:
    """Of several forms on one name ("Oy Helen Ab"), prefer the country's, then a specific
    one over an English catch-all."""

    def rank(code: str) -> tuple[bool, bool]:
        lf = lookup_form(code)
        local = bool(lf and country and country in lf.countries)
        return (not local, bool(lf and lf.kind == "loose"))

    if not found:
        return None
    return canonical_form(min(found, key=rank), country)


def normalize_name(raw: str, country: str | None = None) -> NormalizedName:
    country = country_code(country)
    words = _raw_words(raw)
    tokens = [(k, i) for i, word in enumerate(words) for k in _word_keys(word)]
    kept = [t for t in tokens if t[0] not in _CONNECTORS] or tokens
    kept, found = _strip_forms(kept)
    raw_idx = sorted({i for _, i in kept})
    keys = tuple(t for t, _ in kept)
    return NormalizedName(
        original=raw,
        core=" ".join(keys),
        legal_form=_choose_form(found, country),
        script=script_of(raw),
        tokens=keys,
        display=" ".join(words[i] for i in raw_idx),
    )


_COUNTRIES = {
    "RU": "ru|rus|russia|russian federation|россия|рф|российская федерация|venäjä|russland",
    "FI": "fi|fin|finland|suomi|финляндия|finnland",
    "NO": "no|nor|norway|norge|noreg|норвегия|norja",
    "SE": "se|swe|sweden|sverige|швеция|ruotsi",
    "DK": "dk|denmark|danmark|дания",
    "EE": "ee|estonia|eesti|эстония|viro",
    "DE": "de|germany|deutschland|германия",
    "GB": "gb|uk|united kingdom|great britain|великобритания",
    "US": "us|usa|united states|сша",
}
_COUNTRY_KEYS = {
    latin_key(name): code for code, names in _COUNTRIES.items() for name in names.split("|")
}


@lru_cache(maxsize=4096)
def country_code(country: str | None) -> str | None:
    """ISO 3166 alpha-2 code of a country name or code in English, Russian or a local language;
    unknown names pass through upper-cased."""
    if not country or not country.strip():
        return None
    return _COUNTRY_KEYS.get(latin_key(country), country.strip().upper())


# Exonyms of the cluster's cities: the same city arrives as Moskva/Moscow/Москва,
# Helsingfors/Helsinki, Åbo/Turku, Trondhjem/Trondheim.
_CITIES = {
    "moskva": "moscow|moskau|moskova|москва",
    "sankt-peterburg": "saint petersburg|st petersburg|st. petersburg|spb|petersburg|pietari"
    "|санкт-петербург|спб|петербург|leningrad",
    "arkhangelsk": "archangel|arkangelsk|архангельск|arkangeli",
    "petrozavodsk": "petroskoi|петрозаводск",
    "vyborg": "viipuri|выборг",
    "murmansk": "мурманск",
    "yekaterinburg": "ekaterinburg|екатеринбург",
    "nizhny novgorod": "nizhniy novgorod|нижний новгород",
    "helsinki": "helsingfors|хельсинки",
    "espoo": "esbo|эспоо",
    "vantaa": "vanda|вантаа",
    "turku": "abo|åbo|турку",
    "tampere": "tammerfors|тампере",
    "oulu": "uleaborg|uleåborg|оулу",
    "vaasa": "vasa|вааса",
    "lappeenranta": "villmanstrand|лаппеенранта",
    "porvoo": "borga|borgå|порвоо",
    "oslo": "christiania|kristiania|осло",
    "trondheim": "trondhjem|nidaros|тронхейм",
    "tromso": "tromsø|tromsoe|тромсё",
    "bergen": "берген",
    "stavanger": "ставангер",
    "kirkenes": "киркенес",
}
_CITY_KEYS = {
    latin_key(name): latin_key(canonical)
    for canonical, names in _CITIES.items()
    for name in (canonical, *names.split("|"))
}


@lru_cache(maxsize=1 << 14)
def city_key(city: str | None) -> str | None:
    """Comparable key of a city name, with the region's exonyms folded together."""
    if not city or not city.strip():
        return None
    key = latin_key(city)
    return _CITY_KEYS.get(key, key) or None
