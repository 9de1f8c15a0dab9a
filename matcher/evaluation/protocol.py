"""The evaluation protocols on real consortia: queries, held-out data, halves and slices.

Leave-one-project-out (LOPO): the query is a project's title and objective, asked by its
coordinator; its other organisations are the targets; the project's evidence (its text in
every member's profile) and its links are held out while the query is ranked. Time split
(`until_year`): profiles, links and popularity come from projects that started up to that
year; the queries are the projects that started after it, so nothing needs masking.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.cordis import CordisData
from matcher.errors import DataValidationError, Problem
from matcher.ranking.graph import Group
from matcher.ranking.hybrid import NO_HOLDOUT, Holdout

COMPANY_TYPES = frozenset({"PRC"})
RESEARCH_TYPES = frozenset({"HES", "REC", "PUB"})
CLUSTER_COUNTRIES = ("FI", "NO", "RU")
TRAINING_YEARS = (2, 1)  # a time split's model learns from splits this many years earlier


@dataclass(frozen=True)
class Query:
    project_id: str
    coordinator: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Protocol:
    until_year: int | None = None  # None: leave-one-project-out
    # with until_year: only the queries that started by this year (a split inside the
    # years a time split's model may learn from)
    queries_until: int | None = None

    @property
    def name(self) -> str:
        if self.until_year is None:
            return "lopo"
        last = f"-to{self.queries_until}" if self.queries_until is not None else ""
        return f"until{self.until_year}{last}"

    @property
    def training_name(self) -> str:
        """What a model this protocol may be evaluated with was trained on."""
        return "lopo" if self.until_year is None else f"until{self.until_year}-training"

    def training_splits(self) -> tuple[Protocol, ...]:
        """The protocols a model for this one is trained on: for leave-one-project-out
        itself (its tune half); for a time split, splits of the same kind inside the years
        up to the cut-off (profiles up to the year before last, queries from the last two
        years; profiles up to last year, queries from the last year), so that training sees
        queries later than every profile, as the evaluation does."""
        year = self.until_year
        if year is None:
            return (self,)
        return tuple(Protocol(year - back, queries_until=year) for back in TRAINING_YEARS)

    def asks(self, data: CordisData, query: Query) -> bool:
        """Whether the query belongs to this protocol (time split: started after the year)."""
        if self.until_year is None:
            return True
        year = data.projects[query.project_id].start_year
        if year is None:
            return False
        return year > self.until_year and (self.queries_until is None or year <= self.queries_until)

    def holdout(self, data: CordisData, row_of: Mapping[str, int], query: Query) -> Holdout:
        if self.until_year is not None:
            return NO_HOLDOUT  # the project is not in the profiles at all
        rows = [row_of[o] for o in data.consortium(query.project_id) if o in row_of]
        year = data.projects[query.project_id].start_year
        return Holdout(
            frozenset({query.project_id}), Group(np.asarray(sorted(rows), dtype=np.int64), year)
        )


@dataclass(frozen=True)
class Case:
    """One query, ready to rank: its text, asker and targets, and what to hold out."""

    query: Query
    text: str
    asker: int | None  # the coordinator's row; None when it has no profile
    targets: np.ndarray  # rows of the targets that have usable text once the project is out
    holdout: Holdout
    half: str  # "tune" or "report"
    year: int | None = None  # the project's start year: when the query is asked
    topics: tuple[str, ...] = ()  # its programme parts and funding scheme


def read_queries(path: Path) -> list[Query]:
    """A query file: project_id, coordinator_org_id, target_org_ids (';'-separated)."""
    if not path.exists():
        raise DataValidationError([Problem("file not found", source=str(path))], "no queries")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    needed = ("project_id", "coordinator_org_id", "target_org_ids")
    missing = [c for c in needed if rows and c not in rows[0]]
    if missing:
        problems = [Problem("required column missing", column=c, source=str(path)) for c in missing]
        raise DataValidationError(problems, "not a query file")
    return [
        Query(
            r["project_id"],
            r["coordinator_org_id"],
            tuple(t for t in r["target_org_ids"].split(";") if t),
        )
        for r in rows
    ]


def half_of(project_id: str) -> str:
    """Deterministic halves: the parity of the project id's SHA-256."""
    return "tune" if int(hashlib.sha256(project_id.encode()).hexdigest(), 16) % 2 == 0 else "report"


def slices_of(data: CordisData, query: Query, targets: Sequence[str]) -> dict[str, np.ndarray]:
    """Slices by target type and country (positions of the targets in them) and by
    programme part (all targets)."""
    everyone = np.arange(len(targets))
    types = [data.participants[t].type for t in targets]
    countries = [data.participants[t].country for t in targets]
    out = {
        "targets: companies": _where(types, COMPANY_TYPES),
        "targets: research, universities, public": _where(types, RESEARCH_TYPES),
    }
    for country in CLUSTER_COUNTRIES:
        out[f"targets in {country}"] = _where(countries, {country})
    for part in data.projects[query.project_id].programme_part.split(";"):
        out[f"programme: {part.strip() or 'none'}"] = everyone
    return {name: rows for name, rows in out.items() if len(rows)}


def _where(values: Sequence[str], wanted: set[str] | frozenset[str]) -> np.ndarray:
    return np.asarray([i for i, v in enumerate(values) if v in wanted], dtype=np.int64)
