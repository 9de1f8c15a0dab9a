"""English glosses of texts in a language the encoder reads poorly (Finnish): a query is
then embedded as the mean of its own vector and its gloss's, and the gloss's words join
its lexical terms (matcher.ranking.text).

What a glossary needs comes from Debian's packages, not from this repository: Voikko's
Finnish morphology (`voikko-fi`, `libvoikko1`, and the `libvoikko` binding from PyPI) and
FreeDict's dictionaries (`dict-freedict-fin-eng`, `dict-freedict-eng-fin`); `make install`
installs them. Without them a text is not glossed: a warning says so once, and search reads
Finnish as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from matcher.gloss.dictd import Dictionary, reversed_dictionary
from matcher.gloss.finnish import FinnishGlossary

log = logging.getLogger(__name__)

DEFAULT_DICTIONARIES = Path("/usr/share/dictd")
GLOSS_LANGUAGE = "en"  # the language a gloss is written in


class Glossary(Protocol):
    language: str  # the language of the texts it glosses

    def gloss(self, text: str, frequency: Callable[[str], int]) -> str: ...


@lru_cache(maxsize=4)
def load_glossaries(directory: Path | None) -> Mapping[str, Glossary]:
    """The glossaries whose resources are installed, by the language they read (one
    loading per process and directory)."""
    if directory is None:
        return {}
    finnish = _finnish(directory)
    return {finnish.language: finnish} if finnish is not None else {}


def _finnish(directory: Path) -> FinnishGlossary | None:
    forward, backward = directory / "freedict-fin-eng", directory / "freedict-eng-fin"
    missing = [f"{b.name}.index" for b in (forward, backward) if not Path(f"{b}.index").exists()]
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
    reverse = reversed_dictionary(Dictionary.read(backward))
    return FinnishGlossary(analyser.analyze, Dictionary.read(forward), reverse)
