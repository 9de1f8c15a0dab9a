"""A data folder: organisations*, needs* and partnerships* files in CSV, Excel or JSON.

Several files per kind are allowed (registries arrive as several lists); ids must still be
unique across them and every reference must resolve. Everything is checked before a
Cluster is returned: a folder with one bad cell loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matcher.errors import ConfigError, DataValidationError, Problem
from matcher.loading import (
    NEED_COLUMNS,
    ORG_COLUMNS,
    PARTNERSHIP_COLUMNS,
    SUPPORTED_SUFFIXES,
    LanguageDetector,
    Loaded,
    parse_needs,
    parse_organisations,
    parse_partnerships,
    read_table,
    records_of,
    unknown_columns,
)
from matcher.model import Cluster, Need, Organisation, Partnership
from matcher.taxonomy import Taxonomy


def files_of(folder: Path, stem: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"{stem}*") if p.suffix.lower() in SUPPORTED_SUFFIXES)


def load_cluster(
    folder: Path, taxonomy: Taxonomy, detect_language: LanguageDetector | None = None
) -> Loaded:
    """Load and validate a whole data folder; raise once with every problem found."""
    if not folder.is_dir():
        raise ConfigError(f"data folder not found: {folder}")
    org_files = files_of(folder, "organisations")
    if not org_files:
        raise ConfigError(f"no organisations file (organisations*.json|csv|xlsx) in {folder}")
    problems: list[Problem] = []
    notes: list[str] = []
    orgs: list[Organisation] = []
    for path in org_files:
        records = records_of(read_table(path))
        notes += unknown_columns(records, ORG_COLUMNS, path.name)
        parsed, found = parse_organisations(records, taxonomy, path.name, detect_language)
        problems += found + _seen_in_earlier_files(parsed, orgs, path.name)
        orgs += parsed
    known = {o.id for o in orgs}
    needs = _load_needs(folder, taxonomy, known, problems, notes)
    partnerships = _load_partnerships(folder, known, problems, notes)
    cluster = Cluster.of(orgs, needs, partnerships)
    if problems:
        raise DataValidationError(problems, f"data folder {folder} has {len(problems)} problem(s)")
    return Loaded(cluster, tuple(notes))


def _load_needs(
    folder: Path, taxonomy: Taxonomy, known: set[str], problems: list[Problem], notes: list[str]
) -> list[Need]:
    needs: list[Need] = []
    for path in files_of(folder, "needs"):
        records = records_of(read_table(path))
        notes += unknown_columns(records, NEED_COLUMNS, path.name)
        parsed, found = parse_needs(records, taxonomy, path.name)
        problems += found
        for row_no, need in enumerate(parsed, start=1):
            if need.owner_id and need.owner_id not in known:
                msg = f"unknown owner organisation {need.owner_id!r}"
                problems.append(Problem(msg, row_no, "owner_id", path.name))
        needs += parsed
    return needs


def _load_partnerships(
    folder: Path, known: set[str], problems: list[Problem], notes: list[str]
) -> list[Partnership]:
    result: list[Partnership] = []
    for path in files_of(folder, "partnerships"):
        records = records_of(read_table(path))
        notes += unknown_columns(records, PARTNERSHIP_COLUMNS, path.name)
        parsed, found = parse_partnerships(records, path.name)
        problems += found
        for row_no, p in enumerate(parsed, start=1):
            for column, ident in (("a", p.a), ("b", p.b)):
                if ident and ident not in known:
                    msg = f"unknown organisation {ident!r}"
                    problems.append(Problem(msg, row_no, column, path.name))
        result += parsed
    return result


def _seen_in_earlier_files(
    parsed: Sequence[Organisation], earlier: Sequence[Organisation], source: str
) -> list[Problem]:
    known = {o.id for o in earlier}
    return [
        Problem(f"id {o.id!r} is already used in another file", row, "id", source)
        for row, o in enumerate(parsed, start=1)
        if o.id in known
    ]
