"""Glosses of a query text in another language, read beside the text: a query is then
embedded as the mean of its own vector and its gloss's, and the gloss's words join its
lexical terms (matcher.ranking.text).

- Finnish, which the encoder reads poorly, is glossed into English (matcher.gloss.finnish).
- English that names a place in Russia is glossed into Russian (matcher.gloss.english):
  the organisations there describe themselves in Russian.
- Glosses chain (`glossed`): a Finnish text that names a place in Russia is read
  in Russian through its English gloss.

What a glossary needs comes from Debian's packages, not from this repository: Voikko's
Finnish morphology (`voikko-fi`, `libvoikko1`, and the `libvoikko` binding from PyPI),
FreeDict's dictionaries (`dict-freedict-fin-eng`, `dict-freedict-eng-fin`) and Müller's
English-Russian dictionary (`mueller7-dict`); `make install` installs them. Without them a
text is not glossed: a warning says so once, and search reads the text alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from matcher.gloss.dictd import Dictionary, reversed_dictionary
from matcher.gloss.english import EnglishGlossary
from matcher.gloss.finnish import FinnishGlossary
from matcher.gloss.mueller import parse_mueller_entry

log = logging.getLogger(__name__)

DEFAULT_DICTIONARIES = Path("/usr/share/dictd")
# the languages a gloss is written in, by name (what a page or the command line says)
GLOSS_LANGUAGES = {"en": "English", "ru": "Russian"}


class Glossary(Protocol):
    language: str  # the language of the texts it glosses
    into: str  # the language of its glosses
    # a text is glossed only when it names a place in one of these countries (empty: always)
    countries: frozenset[str]

    def gloss(self, text: str, frequency: Callable[[str], int]) -> str: ...


def glossed(
    glossaries: Mapping[str, Glossary],
    text: str,
    language: str,
    countries: frozenset[str],
    frequency: Callable[[str], int],
) -> tuple[str, str]:
    """The gloss and its language, glossed again while a glossary reads the gloss's language
    and the places the text names (`countries`) call for it: a Finnish text that names a place
    in Russia is read in Russian through its English gloss. ("", "") when nothing glosses it."""
    gloss, into = text, language
    for _ in range(len(glossaries)):  # each glossary once at most
        glossary = glossaries.get(into)
        if glossary is None or (glossary.countries and not glossary.countries & countries):
            break
        gloss, into = glossary.gloss(gloss, frequency), glossary.into
        if not gloss:
            return "", ""
    return (gloss, into) if into != language else ("", "")


@lru_cache(maxsize=4)
def load_glossaries(directory: Path | None) -> Mapping[str, Glossary]:
    """The glossaries whose resources are installed, by the language they read (one
    loading per process and directory)."""
    if directory is None:
        return {}
    found: list[Glossary | None] = [_finnish(directory), _english(directory)]
    return {g.language: g for g in found if g is not None}


def _missing(directory: Path, *names: str) -> list[str]:
    return [f"{n}.index" for n in names if not (directory / f"{n}.index").exists()]


def _english(directory: Path) -> EnglishGlossary | None:
    missing = _missing(directory, "mueller7")
    if missing:
        log.warning(
            "English texts naming a place in Russia are not glossed into Russian: no %s in %s",
            ", ".join(missing),
            directory,
        )
        return None
    return EnglishGlossary(Dictionary.read(directory / "mueller7", parse_mueller_entry))


def _finnish(directory: Path) -> FinnishGlossary | None:
    missing = _missing(directory, "freedict-fin-eng", "freedict-eng-fin")
    if missing:
        log.warning("Finnish texts are not glossed: no %s in %s", ", ".join(missing), directory)
        return None
    try:
        import libvoikko  # guarded: the binding and Voikko's Finnish data are optional
    except ImportError as exc:
        log.warning("Finnish texts are not glossed: the libvoikko binding is missing (%s)", exc)
        return None
    try:
        analyser = libvoikko.Voikko("fi")
    except Exception as exc:  # no shared library (OSError) or no Finnish data (its own error)
        log.warning("Finnish texts are not glossed: Voikko cannot read Finnish (%s)", exc)
        return None
    forward = Dictionary.read(directory / "freedict-fin-eng")
    reverse = reversed_dictionary(Dictionary.read(directory / "freedict-eng-fin"))
    return FinnishGlossary(analyser.analyze, forward, reverse)
