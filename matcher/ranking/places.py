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
        # longest aliases first, so "south karelia" wins over "karelia"
        self._aliases = sorted(
            ((stems, place) for place in places for stems in place.stems),
            key=lambda a: -len(a[0]),
        )

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
        taken = np.zeros(len(tokens), dtype=bool)
        found: list[Place] = []
        for stems, place in self._aliases:
            for start in range(len(tokens) - len(stems) + 1):
                span = slice(start, start + len(stems))
                if taken[span].any():
                    continue
                if all(t.startswith(s) for t, s in zip(tokens[span], stems, strict=True)):
                    taken[span] = True
                    found.append(place)
        return _named(found)


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
