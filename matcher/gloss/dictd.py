"""A bilingual dictionary in the dictd format, as FreeDict ships it (Debian installs them
under /usr/share/dictd): `NAME.index` lists each headword with the base64 offset and length
of its entry in the gzipped body `NAME.dict.dz`.

FreeDict's WikDict entries hold a header line (`word /ipa/ <pos>`), then either one line of
translations and a definition, or numbered senses (`1. quality`, `2. kind, sort`), each
followed by its definition. Only the translations are read, sense by sense.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NUMBERED = re.compile(r"^\d+\.\s")
_TRAILING_NUMBER = re.compile(r"\s+\d+\.$")
_MARKUP = re.compile(r"#\S*|=")  # Wiktionary anchors ("pellet#Englanti"), syllable marks
# entries of the dictionary itself ("00-database-info"), not words
_META = "00"

Senses = tuple[tuple[str, ...], ...]
EntryParser = Callable[[str], Senses]  # one entry's text -> its translations, sense by sense
Frequency = Callable[[str], int]  # how much the cluster's texts use a word or phrase


def _number(code: str) -> int:
    value = 0
    for c in code:
        value = value * 64 + _B64.index(c)
    return value


class Dictionary:
    """Headword (case-folded) -> its translations, sense by sense, read on demand."""

    def __init__(
        self,
        places: Mapping[str, tuple[tuple[int, int], ...]],
        body: bytes,
        parse: EntryParser | None = None,
    ) -> None:
        self._places, self._body = places, body
        self._parse = parse or parse_entry

    @classmethod
    def read(cls, base: Path, parse: EntryParser | None = None) -> Dictionary:
        """The dictionary at `base` (`.index` and `.dict.dz` beside each other); `parse`
        reads its entries (FreeDict's layout by default)."""
        places: dict[str, list[tuple[int, int]]] = {}
        with Path(f"{base}.index").open(encoding="utf-8") as f:
            for line in f:
                word, offset, length = line.rstrip("\n").split("\t")
                if not word.startswith(_META):
                    place = (_number(offset), _number(length))
                    places.setdefault(word.casefold(), []).append(place)
        body = gzip.decompress(Path(f"{base}.dict.dz").read_bytes())
        return cls({w: tuple(p) for w, p in places.items()}, body, parse)

    def senses(self, word: str) -> Senses:
        """The translations of every entry of `word`, sense by sense (empty if unknown)."""
        out: list[tuple[str, ...]] = []
        for offset, length in self._places.get(word.casefold(), ()):
            out.extend(self._parse(self._body[offset : offset + length].decode("utf-8")))
        return tuple(out)

    def headwords(self) -> Iterator[str]:
        return iter(self._places)


def parse_entry(entry: str) -> Senses:
    """The translations of one entry, sense by sense."""
    lines = entry.split("\n")[1:]
    if not lines:
        return ()
    if _NUMBERED.match(lines[0]):
        senses = [_NUMBERED.sub("", x) for x in lines if _NUMBERED.match(x)]
    else:
        senses = [lines[0]]
    out = []
    for sense in senses:
        terms = (_MARKUP.sub("", t).strip() for t in _TRAILING_NUMBER.sub("", sense).split(","))
        kept = tuple(t for t in terms if t)
        if kept:
            out.append(kept)
    return tuple(out)


def most_used(terms: list[str], frequency: Frequency, keep: int) -> list[str]:
    """The `keep` translations the cluster's texts use most, in the dictionary's order among
    equals (the first listed if the cluster uses none of them): `yritys` is an attempt or
    a company, and a cleantech cluster writes of companies."""
    counts = [frequency(t) for t in terms]
    ranked = sorted(range(len(terms)), key=lambda i: (-counts[i], i))
    used = dict.fromkeys(terms[i] for i in ranked if counts[i] > 0)
    return list(used)[:keep] or terms[:1]


def reversed_dictionary(dictionary: Dictionary, longest: int = 3) -> dict[str, tuple[str, ...]]:
    """Translation (case-folded) -> the headwords it translates, in headword order: the
    English-Finnish dictionary read backwards covers Finnish words the Finnish-English one
    lacks. Headwords of more than `longest` words (idioms) are left out."""
    found: dict[str, list[str]] = {}
    for head in dictionary.headwords():
        if len(head.split()) > longest:
            continue
        for sense in dictionary.senses(head):
            for term in sense:
                heads = found.setdefault(term.casefold(), [])
                if head not in heads:
                    heads.append(head)
    return {term: tuple(heads) for term, heads in found.items()}
