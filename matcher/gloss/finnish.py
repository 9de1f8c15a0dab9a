"""An English gloss of a Finnish text, word by word.

The encoder reads Finnish compounds poorly ("Ilmanlaatuanturit", air-quality sensors, lands
on city environment departments), and few organisations write Finnish, so a Finnish search
has neither a good vector nor words to match (benchmarks/QUALITY.md). Dictionary-based
query translation, the classic remedy for Finnish in cross-language retrieval: Voikko gives
each word's base form and compound parts; the Finnish-English dictionary, or the
English-Finnish one read backwards, translates the base form, else the longest runs of
parts it knows. Where a word has several senses, those the cluster's own texts use most
are taken (`yritys` is an attempt or a company; a cleantech cluster writes of companies).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence

from matcher.gloss.dictd import Dictionary, Frequency, most_used
from matcher.limits import MAX_GLOSSED_WORDS

# word -> its analyses; each a dict with Voikko's BASEFORM and WORDBASES
Analyser = Callable[[str], Sequence[Mapping[str, str]]]

_WORD = re.compile(r"[\w-]+")
_PART = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")
KEPT_SENSES = 2  # translations kept for a word the dictionary knows whole
# words whose dictionary entries are less useful than their plain translation
FUNCTION_WORDS = {"ja": "and", "tai": "or"}


class FinnishGlossary:
    language = "fi"
    into = "en"
    countries: frozenset[str] = frozenset()  # every Finnish text is glossed

    def __init__(
        self, analyse: Analyser, forward: Dictionary, backward: Mapping[str, tuple[str, ...]]
    ) -> None:
        self._analyse, self._forward, self._backward = analyse, forward, backward
        # one Voikko handle must not analyse on two threads at once (libvoikko's rule), and
        # searches gloss on the service's worker threads
        self._analysing = threading.Lock()

    def gloss(self, text: str, frequency: Frequency) -> str:
        """The English gloss of `text`, word by word (a word it cannot read is kept)."""
        words: list[str] = []
        for token in _WORD.findall(text)[:MAX_GLOSSED_WORDS]:
            plain = FUNCTION_WORDS.get(token.casefold())
            words.extend([plain] if plain else self._word(token, frequency))
        return " ".join(words)

    def _word(self, token: str, frequency: Frequency) -> list[str]:
        with self._analysing:
            analyses = self._analyse(token)
        if not analyses:
            return [token]
        first = analyses[0]
        whole = self._translations(first.get("BASEFORM", token), frequency, KEPT_SENSES)
        return whole or self._compound(compound_parts(first.get("WORDBASES", "")), frequency)

    def _compound(self, parts: list[tuple[str, str]], frequency: Frequency) -> list[str]:
        """Translate the longest runs of parts the dictionaries know, left to right."""
        out, start = [], 0
        while start < len(parts):
            for end in range(len(parts), start, -1):
                found = self._run(parts[start:end], frequency)
                if found:
                    out.extend(found)
                    start = end
                    break
            else:
                out.append(parts[start][1])
                start += 1
        return out

    def _run(self, run: list[tuple[str, str]], frequency: Frequency) -> list[str]:
        for spelling in _spellings(run):
            found = self._translations(spelling, frequency, 1)
            if found:
                return found
        return []

    def _translations(self, word: str, frequency: Frequency, keep: int) -> list[str]:
        """The `keep` translations the cluster's texts use most (the first listed if the
        cluster uses none of them)."""
        terms = [t for sense in self._forward.senses(word) for t in sense]
        terms = terms or list(self._backward.get(word.casefold(), ()))
        return most_used(terms, frequency, keep) if terms else []


def compound_parts(wordbases: str) -> list[tuple[str, str]]:
    """Voikko's WORDBASES (`+mitta(mitata)+us(+us)+verkko(verkko)`) as (surface, base form)
    parts; a derivational suffix joins the part before it (`mittaus`)."""
    parts: list[tuple[str, str]] = []
    for surface, base in _PART.findall(wordbases):
        if not surface or surface == "-":
            continue
        if base.startswith("+") and parts:
            joined = parts[-1][0] + surface
            parts[-1] = (joined, joined)
        else:
            parts.append((surface, base or surface))
    return parts


def _spellings(run: list[tuple[str, str]]) -> list[str]:
    """How a run of parts may stand in the dictionary: as written, and with its last part
    in its base form (`ilmanlaatu` from `ilman` + `laatu`)."""
    written = "".join(s for s, _ in run)
    based = "".join(s for s, _ in run[:-1]) + run[-1][1]
    return [written] if based == written else [written, based]
