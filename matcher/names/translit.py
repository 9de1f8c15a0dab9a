"""Cyrillic -> Latin transliteration under the schemes found in real registries, and a
phonetic Latin key on which every scheme (and plain Latin spellings) meet.

The registries this project reads spell one Russian name in many ways: GOST 7.79 (system B,
Latin only, used by Russian agencies), ISO 9 (= GOST 7.79 system A, with diacritics),
BGN/PCGN (English-language maps and press), ICAO 9303 (passports since 2014), SFS 4900
(Finnish lists) and informal "how it sounds" spellings. Rather than trying to guess the
scheme of a Latin spelling, both sides are reduced to `latin_key`, which erases the
differences between the schemes (shch/sch/shh/ŝ, ya/ja/ia/â, kh/h/x, ts/cz/c, ...).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "SCHEMES",
    "fix_homoglyphs",
    "fold",
    "latin_key",
    "phonetic_key",
    "script_of",
    "transliterate",
    "transliterations",
]

_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def _table(values: str) -> dict[str, str]:
    """Zip a space-separated list of 33 Latin values onto the Russian alphabet."""
    parts = ["" if v == "-" else v for v in values.split()]
    assert len(parts) == len(_LOWER), values
    return dict(zip(_LOWER, parts, strict=True))


# Columns follow _LOWER: а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я
_GOST_B = _table("a b v g d e yo zh z i j k l m n o p r s t u f x cz ch sh shh `` y' ` e` yu ya")
_ISO9 = _table("a b v g d e ë ž z i j k l m n o p r s t u f h c č š ŝ ʺ y ʹ è û â")
_BGN = _table("a b v g d e ë zh z i y k l m n o p r s t u f kh ts ch sh shch ” y ’ e yu ya")
_ICAO = _table("a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia")
_SFS = _table("a b v g d e jo ž z i j k l m n o p r s t u f h ts tš š štš - y - e ju ja")
_INFORMAL = _table("a b v g d e yo zh z i y k l m n o p r s t u f h ts ch sh sch - y - e yu ya")
_SIMPLE = _table("a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e iu ia")

# Extra letters of Ukrainian/Belarusian names that turn up in Russian lists.
_EXTRA = {"і": "i", "ї": "i", "є": "e", "ґ": "g", "ў": "u"}

_CYR_VOWELS = set("аеёиоуыэюяіїє")


def _apply_case(src: str, out: str, word_upper: bool) -> str:
    if not src.isupper() or not out:
        return out
    return out.upper() if word_upper else out[0].upper() + out[1:]


def _translit_chars(text: str, lookup: Callable[[str, str, str], str]) -> str:
    """Transliterate char by char; `lookup(prev, ch, next)` sees lowercase neighbours."""
    out: list[str] = []
    for word in re.split(r"(\s+)", text):
        upper = len(word) > 1 and word.isupper()
        low = word.lower()
        for i, ch in enumerate(word):
            prev = low[i - 1] if i else ""
            nxt = low[i + 1] if i + 1 < len(low) else ""
            out.append(_apply_case(ch, lookup(prev, low[i], nxt), upper))
    return "".join(out)


def _simple_lookup(table: dict[str, str]) -> Callable[[str, str, str], str]:
    def lookup(prev: str, ch: str, nxt: str) -> str:
        return table.get(ch, _EXTRA.get(ch, ch))

    return lookup


def _gost_b(prev: str, ch: str, nxt: str) -> str:
    # GOST 7.79 B writes ц as "c" before e, i, y, j and "cz" elsewhere.
    if ch == "ц" and nxt in ("е", "и", "ы", "й", "э"):
        return "c"
    return _GOST_B.get(ch, _EXTRA.get(ch, ch))


def _bgn(prev: str, ch: str, nxt: str) -> str:
    # BGN/PCGN writes е/ё as ye/yë at the start of a word and after vowels and й ъ ь.
    if ch in ("е", "ё") and (prev == "" or prev in _CYR_VOWELS or prev in "йъь"):
        return "y" + _BGN[ch]
    return _BGN.get(ch, _EXTRA.get(ch, ch))


def _informal(prev: str, ch: str, nxt: str) -> str:
    # Popular English spellings shorten the adjective endings -ий/-ый to -y ("Dmitry").
    if ch in ("и", "ы") and nxt == "й":
        return "y"
    if ch == "й" and prev in ("и", "ы"):
        return ""
    return _INFORMAL.get(ch, _EXTRA.get(ch, ch))


SCHEMES: dict[str, Callable[[str, str, str], str]] = {
    "gost_7.79_b": _gost_b,
    "iso_9": _simple_lookup(_ISO9),
    "bgn_pcgn": _bgn,
    "icao_9303": _simple_lookup(_ICAO),
    "sfs_4900": _simple_lookup(_SFS),
    "informal": _informal,
}


def transliterate(text: str, scheme: str = "icao_9303") -> str:
    """Latin spelling of `text` under one scheme; non-Cyrillic characters pass through."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; known: {sorted(SCHEMES)}")
    return _translit_chars(text, SCHEMES[scheme])


def transliterations(text: str) -> frozenset[str]:
    """All Latin spellings of `text` under the known schemes (just `text` if it has no Cyrillic)."""
    if not _CYRILLIC.search(text):
        return frozenset({text})
    return frozenset(transliterate(text, name) for name in SCHEMES)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def script_of(text: str) -> str:
    """ "cyrillic", "latin", "mixed" or "none" (no letters of either script)."""
    cyr, lat = bool(_CYRILLIC.search(text)), bool(_LATIN.search(text))
    if cyr and lat:
        return "mixed"
    return "cyrillic" if cyr else "latin" if lat else "none"


_LAT_LOOK = "aceopxyABCEHKMOPTXy"
_CYR_LOOK = "асеорхуАВСЕНКМОРТХу"
_TO_CYR = str.maketrans(_LAT_LOOK, _CYR_LOOK)
_TO_LAT = str.maketrans(_CYR_LOOK, _LAT_LOOK)


def fix_homoglyphs(word: str) -> str:
    """Repair a word typed in two scripts ("Энергосepвис" with Latin e, p): the minority
    script's look-alike letters are swapped for the majority script's."""
    if word.isascii():
        return word
    cyr = len(_CYRILLIC.findall(word))
    lat = len(_LATIN.findall(word))
    if not cyr or not lat:
        return word
    return word.translate(_TO_CYR if cyr >= lat else _TO_LAT)


# Letters NFKD does not decompose, or decomposes into the wrong Latin: ISO 9's š ž č ŝ stand
# for sh zh ch shch, its â û for ya yu.
_PRE_FOLD = str.maketrans(
    {
        "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "ð": "d",
        "ı": "i", "š": "sh", "ž": "zh", "č": "ch", "ŝ": "shch", "â": "ya", "û": "yu",
        "ʹ": "", "ʺ": "", "’": "", "'": "", "`": "", "”": "", "ʼ": "",
    }
)  # fmt: skip

_FOLD_CYR = {**_SIMPLE, **_EXTRA}


def fold(text: str) -> str:
    """Lowercase Latin folding without phonetics: Cyrillic by a fixed table, diacritics off.

    Legal forms are matched on this level because the phonetic key would merge "Oy" and "Oyj".
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_PRE_FOLD)
    text = "".join(_FOLD_CYR.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# Ordered rewrites that make the schemes (and English/Nordic habits) agree; `phonetic_key`
# repeats them to a fixed point so that the key of a key is itself.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # Russian firms write English "Energy" as Энерджи and "-tech" as -тех.
        (r"dzh", "g"),
        (r"tech", "teh"),
        (r"shch|sch|shh", "sh"),
        (r"tsh|tch", "ch"),
        (r"kh", "h"),
        (r"ph", "f"),
        (r"th", "t"),
        (r"x", "ks"),
        (r"ck", "k"),
        (r"cz|tz", "ts"),
        (r"c(?=[eiy])", "s"),
        (r"c(?!h)", "k"),
        (r"ts", "s"),
        (r"q", "k"),
        (r"w", "v"),
        (r"[yj]", "i"),
        # ё is yo/jo/io in some schemes and plain e in others.
        (r"io", "e"),
        (r"ae", "a"),
        (r"oe", "o"),
        (r"^ie", "e"),
        (r"(?<=[aeiou])ie", "e"),
        (r"(?<=[^aeiou])e$", ""),
        (r"([a-z])\1+", r"\1"),
    )
)


def phonetic_key(token: str) -> str:
    """Phonetic key of one already folded token (lowercase, a-z and digits)."""
    for _ in range(8):
        before = token
        for pattern, repl in _RULES:
            token = pattern.sub(repl, token)
        if token == before:
            break
    return token


def latin_key(text: str) -> str:
    """Common phonetic Latin key of a whole text: "Энергосервис", "Energoservis" and
    "ENERGOSERVICE" all give "energoservis"."""
    words = re.findall(r"\w+", fold(" ".join(fix_homoglyphs(w) for w in text.split())))
    keys = (phonetic_key(w) for w in words)
    return " ".join(k for k in keys if k)
