"""Per-organisation facts as columns over rows: what filters and priors read, vectorised.

A filter (kind, country, city, area, stage, founded years, location) becomes a boolean mask
over rows in a few numpy operations, never a Python loop over organisations. Subject areas
are a bit mask per row, so area overlap and Jaccard are two bit operations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.columns import Codes, Column
from matcher.chunking import evidence_count
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.ranking.affinity import KIND_CODE, KINDS

NO_YEAR = -(2**31)
MAX_AREAS = 64  # one bit each in a 64-bit mask


class OrgFacts:
    def __init__(self) -> None:
        self.countries, self.places, self.areas_codes = Codes(), Codes(), Codes()
        self.stages = Codes()
        self.kind = Column(np.int8, -1)
        self.country = Column(np.int32, -1)
        self.city = Column(np.int32, -1)  # casefolded city, in `places`
        self.region = Column(np.int32, -1)
        self.areas = Column(np.uint64, 0)
        self.stage = Column(np.int32, -1)
        self.founded = Column(np.int32, NO_YEAR)
        self.evidence = Column(np.float64, 0)  # evidence documents
        self.alive = Column(np.bool_, False)

    def __len__(self) -> int:
        return len(self.alive)

    def set(self, row: int, org: Organisation) -> None:
        self.set_many(np.asarray([row]), [org])

    def set_many(self, rows: np.ndarray, orgs: Sequence[Organisation]) -> None:
        """The facts of many rows in one pass per column: opening a registry of a million
        organisations sets them all at once."""
        if len(orgs) == 0:
            return
        for column in self._columns():
            column.resize(int(rows.max()) + 1)
        self.kind.view[rows] = [KIND_CODE[o.kind.value] for o in orgs]
        self.country.view[rows] = self.countries.codes(o.country.upper() for o in orgs)
        self.city.view[rows] = self._place_codes([o.city for o in orgs])
        self.region.view[rows] = self._place_codes([o.region for o in orgs])
        self.areas.view[rows] = self._area_bits([o.areas for o in orgs])
        self.stage.view[rows] = [self.stages.code(o.stage.value) if o.stage else -1 for o in orgs]
        self.founded.view[rows] = [o.founded if o.founded is not None else NO_YEAR for o in orgs]
        self.evidence.view[rows] = [evidence_count(o) for o in orgs]
        self.alive.view[rows] = True

    def _place_codes(self, places: list[str]) -> np.ndarray:
        """Casefolded place codes, -1 where a record names none."""
        named = np.flatnonzero([bool(p) for p in places])
        out = np.full(len(places), -1, dtype=np.int64)
        out[named] = self.places.codes(places[i].casefold() for i in named.tolist())
        return out

    def _area_bits(self, areas: list[tuple[str, ...]]) -> np.ndarray:
        """One bit per area code, OR-ed per record, for all records at once."""
        counts = np.fromiter((len(a) for a in areas), dtype=np.int64, count=len(areas))
        codes = self.areas_codes.codes(area for record in areas for area in record)
        if len(self.areas_codes) > MAX_AREAS:
            raise ValueError(f"at most {MAX_AREAS} distinct subject areas are supported")
        bits = np.zeros(len(areas), dtype=np.uint64)
        owners = np.repeat(np.arange(len(areas)), counts)
        np.bitwise_or.at(bits, owners, np.left_shift(np.uint64(1), codes.astype(np.uint64)))
        return bits

    def kill(self, row: int) -> None:
        self.alive.view[row] = False

    def _columns(self) -> tuple[Column, ...]:
        return (self.kind, self.country, self.city, self.region, self.areas, self.stage,
                self.founded, self.evidence, self.alive)  # fmt: skip

    def area_mask(self, area_ids: tuple[str, ...] | list[str]) -> np.uint64:
        """The bits of these areas (areas no organisation has match nothing)."""
        codes = self.areas_codes.known(area_ids)
        return np.uint64(np.bitwise_or.reduce(np.left_shift(1, codes), initial=0))

    def kinds_present(self) -> np.ndarray:
        counts = np.bincount(self.kind.view[self.alive.view], minlength=len(KINDS))
        return counts > 0

    # --- filters -------------------------------------------------------------------------
    def admitted(self, filters: Filters) -> np.ndarray:
        """Live rows the filters let through (exclusions are ids, applied by the caller)."""
        mask = self.alive.view.copy()
        if filters.kinds:
            mask &= np.isin(self.kind.view, [KIND_CODE.get(k.lower(), -2) for k in filters.kinds])
        if filters.countries:
            mask &= np.isin(self.country.view, self.countries.known(_upper(filters.countries)))
        if filters.cities:
            cities = self.places.known([c.casefold() for c in filters.cities])
            mask &= np.isin(self.city.view, cities)
        if filters.areas:
            mask &= (self.areas.view & self.area_mask(filters.areas)) != 0
        if filters.stages:
            mask &= np.isin(self.stage.view, self.stages.known([s.lower() for s in filters.stages]))
        if filters.location:
            place = self.places.known([filters.location.casefold()])
            mask &= np.isin(self.city.view, place) | np.isin(self.region.view, place)
        if filters.founded_from is not None or filters.founded_to is not None:
            mask &= self._founded_between(filters.founded_from, filters.founded_to)
        return mask

    def _founded_between(self, low: int | None, high: int | None) -> np.ndarray:
        years = self.founded.view
        low = low if low is not None else -10_000
        high = high if high is not None else 10_000
        return (years != NO_YEAR) & (years >= low) & (years <= high)

    # --- priors over rows ------------------------------------------------------------------
    def area_overlap(self, wanted: tuple[str, ...], rows: np.ndarray) -> np.ndarray:
        """Share of the wanted areas each row has."""
        if not wanted:
            return np.zeros(len(rows))
        mask = self.area_mask(wanted)
        return np.bitwise_count(self.areas.view[rows] & mask) / len(set(wanted))

    def area_jaccard(self, row: int, rows: np.ndarray) -> np.ndarray:
        mine, theirs = self.areas.view[row], self.areas.view[rows]
        union = np.bitwise_count(theirs | mine).astype(np.float64)
        both = np.bitwise_count(theirs & mine)
        return np.where((theirs != 0) & (mine != 0), both / np.maximum(union, 1), 0.0)


def _upper(values: tuple[str, ...]) -> list[str]:
    return [v.upper() for v in values]
