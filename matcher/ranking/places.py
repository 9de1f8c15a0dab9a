"""Places named in a query text, and how well each candidate's location answers them.

"District-heating hardware near St. Petersburg", "в Ленинградской области", "Pietarissa",
"i Norge": a place named in a search is part of what is asked, whatever the language, and
no embedding or BM25 match of the words carries it reliably (a Russian producer in
Gatchina does not write "near St. Petersburg"). The gazetteer (datasets/places) maps word
stems in the four languages to the cluster's own city, region and country values; the
`location` component then scores each candidate row from its city, region and country
codes, vectorised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.ranking.facts import OrgFacts

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# a named city or region, a place the text means by it (St. Petersburg's region), the
# region a named city lies in, the country of a named place
IN_PLACE, NEAR, SAME_REGION, SAME_COUNTRY = 1.0, 0.7, 0.5, 0.25


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # city, region or country
    country: str
    region: str | None
    stems: tuple[tuple[str, ...], ...]
    near: tuple[str, ...]


@dataclass(frozen=True)
class NamedPlaces:
    """What a text names: city and region values, countries, and what they imply."""

    cities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    city_regions: tuple[str, ...] = ()
    place_countries: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.cities or self.regions or self.countries)


NO_PLACES = NamedPlaces()


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("ё", "е"))


class Gazetteer:
    def __init__(self, places: Sequence[Place]) -> None:
        self.places = tuple(places)
        # longest aliases first, so "south karelia" wins over "karelia"; an alias that reads
        # as no words names nothing
        aliases = sorted(
            ((stems, place) for place in places for stems in place.stems if stems),
            key=lambda a: -len(a[0]),
        )
        # by first stem: a word finds the aliases that may start at it through its own
        # prefixes (a stem matches every word it begins), not by trying every alias
        self._by_first: dict[str, list[tuple[int, tuple[str, ...], Place]]] = {}
        for order, (stems, place) in enumerate(aliases):
            self._by_first.setdefault(stems[0], []).append((order, stems, place))

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        body = json.loads(path.read_text(encoding="utf-8"))
        places = [
            Place(
                p["name"],
                p["kind"],
                p["country"],
                p.get("region"),
                tuple(tuple(words(a)) for a in p["aliases"]),
                tuple(p.get("near", ())),
            )
            for p in body["places"]
        ]
        return cls(places)

    def named(self, text: str) -> NamedPlaces:
        """The places a text names (each word is read by one alias at most)."""
        tokens = words(text)
        # every alias occurrence, then taken greedily: longer aliases first, left to right
        occurrences = sorted(self._occurrences(tokens), key=lambda o: (o[0], o[1]))
        taken = [False] * len(tokens)
        found: list[Place] = []
        for _, start, end, place in occurrences:
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                found.append(place)
        return _named(found)

    def _occurrences(self, tokens: list[str]) -> list[tuple[int, int, int, Place]]:
        """(alias order, start, end, place) for every alias whose stems begin the words
        from `start` on."""
        out = []
        for start, token in enumerate(tokens):
            for cut in range(1, len(token) + 1):
                for order, stems, place in self._by_first.get(token[:cut], ()):
                    end = start + len(stems)
                    rest = zip(tokens[start + 1 : end], stems[1:], strict=False)
                    if end <= len(tokens) and all(t.startswith(s) for t, s in rest):
                        out.append((order, start, end, place))
        return out


def _named(found: Sequence[Place]) -> NamedPlaces:
    def of(kind: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for p in found if p.kind == kind))

    cities = [p for p in found if p.kind == "city"]
    return NamedPlaces(
        cities=of("city"),
        regions=of("region"),
        countries=of("country"),
        near=tuple(dict.fromkeys(n for p in found for n in p.near)),
        city_regions=tuple(dict.fromkeys(p.region for p in cities if p.region)),
        place_countries=tuple(dict.fromkeys(p.country for p in found)),
    )


def location_scores(facts: OrgFacts, rows: np.ndarray, named: NamedPlaces) -> np.ndarray:
    """How well each row's city, region and country answer the places named, in [0, 1]."""
    out = np.zeros(len(rows))
    if not named:
        return out
    city, region = facts.city.view[rows], facts.region.view[rows]
    country = facts.country.view[rows]

    def at(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        return np.isin(values, facts.places.known([n.casefold() for n in names]))

    def in_country(names: tuple[str, ...]) -> np.ndarray:
        return np.isin(country, facts.countries.known([n.upper() for n in names]))

    finer = bool(named.cities or named.regions)
    exact = at(city, named.cities) | at(region, named.regions) | at(city, named.regions)
    if not finer:
        exact |= in_country(named.countries)
    near = at(city, named.near) | at(region, named.near)
    levels = (
        (exact, IN_PLACE),
        (near, NEAR),
        (at(region, named.city_regions), SAME_REGION),
        (in_country(named.place_countries), SAME_COUNTRY),
    )
    for mask, value in levels:
        out = np.where(mask, np.maximum(out, value), out)
    return out
