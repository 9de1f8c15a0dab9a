"""A need broken into competences: its title and the sentences or clauses of its text.

Each sentence of a need usually asks for one thing (suppliers of substations, installation
with short outages, dispatching to the city's platform), which is the grain at which one
member rather than another covers it. Fragments too short to say anything are merged into
their neighbour; abbreviations ("St.", "e.g.", "г.") do not end a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COMPETENCES = 12
MIN_WORDS = 4
LIST_SENTENCE = 100  # characters; a longer sentence with two or more commas is a list

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"«(\[]?[A-ZА-ЯЁÅÄÖØÆ0-9])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_AND = re.compile(r"\s+(?:and|or|и|или|ja|tai|og|eller)\s+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:St|Mr|Dr|Prof|e\.g|i\.e|etc|approx|incl|vs|no|Nr|ca|г|ул|им|т\.е|т\.д|др|"
    r"пр|д|млн|тыс|руб|[A-ZА-Я])\.)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Competence:
    id: str
    text: str
    weight: float = 1.0
    source: str = "description"  # "title" or "description"


def split_sentences(text: str) -> list[str]:
    """Sentences; a break after an abbreviation or before a scrap of a few words is undone."""
    return _merged(_SENTENCE_END.split(" ".join(text.split())), _ABBREVIATION)


def _merged(parts: list[str], glue: re.Pattern[str] | None = None) -> list[str]:
    pieces: list[str] = []
    for part in (p.strip() for p in parts):
        short = len(part.split()) < MIN_WORDS
        if part and pieces and (short or (glue is not None and glue.search(pieces[-1]))):
            pieces[-1] = f"{pieces[-1]} {part}"
        elif part:
            pieces.append(part)
    if len(pieces) > 1 and len(pieces[0].split()) < MIN_WORDS:
        first = pieces.pop(0)
        pieces[0] = f"{first} {pieces[0]}"
    return [p.rstrip(",;: ") for p in pieces]


def fit_to(sentences: list[str], limit: int) -> list[str]:
    """Short texts: split list-like sentences into clauses while room remains (each item of
    "partners for heat pumps, metering, EV charging" is its own competence). Long texts:
    merge the shortest neighbouring pair until `limit`, so no part of the text is dropped."""
    out, tried = list(sentences), set()
    while len(out) < limit:
        lists = [s for s in out if s not in tried and len(s) > LIST_SENTENCE and s.count(", ") > 1]
        if not lists:
            break
        longest = max(lists, key=len)
        tried.add(longest)
        clauses = _last_item_split(_merged(_CLAUSE_END.split(longest)))
        at = out.index(longest)
        if 1 < len(clauses) <= limit - len(out) + 1:
            out[at : at + 1] = clauses
    while len(out) > limit:
        at = min(range(len(out) - 1), key=lambda i: len(out[i]) + len(out[i + 1]))
        out[at : at + 2] = [f"{out[at]} {out[at + 1]}"]
    return out


def _last_item_split(clauses: list[str]) -> list[str]:
    """The last "and" of a list joins two items: "..., EV charging and waste collection"."""
    if len(clauses) < 2:
        return clauses
    head, conj, tail = _rsplit_and(clauses[-1])
    if conj and len(head.split()) >= 2 and len(tail.split()) >= 2:
        return [*clauses[:-1], head, tail]
    return clauses


def _rsplit_and(text: str) -> tuple[str, str, str]:
    matches = list(_AND.finditer(text))
    if not matches:
        return text, "", ""
    last = matches[-1]
    return text[: last.start()], last.group(0), text[last.end() :]


def decompose(title: str, description: str, limit: int = MAX_COMPETENCES) -> list[Competence]:
    """The title (when it says something) and up to `limit - 1` parts of the text, in order."""
    found: list[Competence] = []
    if len(title.split()) >= 2:
        found.append(Competence("c1", title.strip(), 1.0, "title"))
    seen = {c.text.casefold() for c in found}
    room = max(1, limit - len(found))
    for part in fit_to(split_sentences(description), room):
        if part.casefold() not in seen and len(part.split()) >= 2:
            seen.add(part.casefold())
            found.append(Competence(f"c{len(found) + 1}", part, 1.0, "description"))
    return found
