"""Filters on candidate organisations, shared by partners, search and need matching."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from matcher.model import Organisation


def facets_of(org: Organisation) -> dict[str, frozenset[str]]:
    """The categorical values an organisation is filtered on (lowercase where free text)."""
    return {
        "kind": frozenset({org.kind.value}),
        "country": frozenset({org.country.upper()}),
        "city": frozenset({org.city.casefold()}) if org.city else frozenset(),
        "region": frozenset({org.region.casefold()}) if org.region else frozenset(),
        "area": frozenset(org.areas),
        "stage": frozenset({org.stage.value}) if org.stage else frozenset(),
    }


@dataclass(frozen=True)
class Filters:
    """Every field narrows the candidates; an empty field does not filter.

    Values within one field are alternatives (kind sme OR company); fields combine with AND.
    `location` matches a city or a region, which is how local producers are found.
    """

    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    location: str = ""
    founded_from: int | None = None
    founded_to: int | None = None
    exclude: frozenset[str] = frozenset()

    def _where(self) -> dict[str, frozenset[str]]:
        where: dict[str, frozenset[str]] = {}
        pairs: Mapping[str, tuple[str, ...]] = {
            "kind": tuple(k.lower() for k in self.kinds),
            "country": tuple(c.upper() for c in self.countries),
            "city": tuple(c.casefold() for c in self.cities),
            "area": self.areas,
            "stage": tuple(s.lower() for s in self.stages),
        }
        for facet, values in pairs.items():
            if values:
                where[facet] = frozenset(values)
        return where

    def admits(self, org: Organisation) -> bool:
        """The same rule as the index applies, for records outside the index."""
        facets = facets_of(org)
        if any(not facets[name] & allowed for name, allowed in self._where().items()):
            return False
        return org.id not in self.exclude and self._admits_location(org) and self._in_years(org)

    def _admits_location(self, org: Organisation) -> bool:
        place = self.location.casefold()
        return not place or place in (org.city.casefold(), org.region.casefold())

    def _in_years(self, org: Organisation) -> bool:
        if self.founded_from is None and self.founded_to is None:
            return True
        if org.founded is None:
            return False
        low = self.founded_from if self.founded_from is not None else -10_000
        high = self.founded_to if self.founded_to is not None else 10_000
        return low <= org.founded <= high

    def with_exclusions(self, ids: frozenset[str]) -> Filters:
        return replace(self, exclude=self.exclude | ids) if ids else self
