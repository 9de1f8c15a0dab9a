"""Entries of Müller's English-Russian dictionary (Debian's `mueller7-dict`, dictd format).

An entry holds the headword, its transcription in brackets, then senses numbered `1.`
(part of speech) and `1)` or `а)` (meaning), each a list of Russian translations
separated by `;` or `,`, with labels such as `_n.` or `_тех.`, remarks in parentheses, and
English examples with their Russian renderings. Only the translations are read: an
English example ends what a sense's segment can give.
"""

from __future__ import annotations

import re

from matcher.gloss.dictd import Senses

_TRANSCRIPTION = re.compile(r"\[[^\]]*\]")
_SENSE = re.compile(r"(?:^|\s)(?:\d+\.|\d+\)|[а-я]\))\s")
_LABEL = re.compile(r"_[^\s.]+\.?")
_REMARK = re.compile(r"\([^)]*\)")
_RUSSIAN = re.compile(r"^[а-яё][а-яё -]*$")
_SPACES = re.compile(r"\s+")


def parse_mueller_entry(entry: str) -> Senses:
    """The Russian translations of one entry, sense by sense."""
    body = " ".join(line.strip() for line in entry.split("\n")[1:])
    out = []
    for sense in _SENSE.split(_TRANSCRIPTION.sub(" ", body)):
        plain = _REMARK.sub(" ", _LABEL.sub(" ", sense))
        terms = (_SPACES.sub(" ", t).strip().casefold() for t in re.split(r"[;,]", plain))
        kept = tuple(t for t in terms if _RUSSIAN.match(t))
        if kept:
            out.append(kept)
    return tuple(out)
