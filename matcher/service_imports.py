"""File imports through the service: read an upload, validate every row, report.

Validation collects every problem (file, row, column) and raises once; nothing is written
unless the whole file is valid.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.errors import DataValidationError, Problem
from matcher.loading import (
    NEED_COLUMNS,
    ORG_COLUMNS,
    PARTNERSHIP_COLUMNS,
    parse_needs,
    parse_organisations,
    parse_partnerships,
    read_table,
    records_of,
    unknown_columns,
)
from matcher.model import Need, Organisation, Partnership
from matcher.taxonomy import Taxonomy


@dataclass(frozen=True)
class ImportReport:
    entity: str
    created: int
    updated: int
    warnings: tuple[str, ...]
    # likely duplicates among the imported records and with existing ones; nothing is
    # merged until someone asks (POST /v1/merges, `matcher merge`)
    duplicates: tuple[Any, ...] = ()
    unchanged: int = 0  # records already exactly so: not written again, no audit row


@dataclass(frozen=True)
class ParsedImport:
    orgs: list[Organisation] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    links: list[Partnership] = field(default_factory=list)
    warnings: tuple[str, ...] = ()


def read_upload(filename: str, content: bytes) -> list[dict[str, Any]]:
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return records_of(read_table(path))


def validate_import(
    entity: str,
    records: list[dict[str, Any]],
    source: str,
    taxonomy: Taxonomy,
    known: Mapping[str, Organisation],
    detect_language: Callable[[str], str] | None,
) -> ParsedImport:
    """Every record parsed and checked (references included); raises with every problem."""
    if entity == "organisations":
        orgs, problems = parse_organisations(records, taxonomy, source, detect_language)
        _raise_if(problems, source)
        return ParsedImport(orgs=orgs, warnings=_notes(records, ORG_COLUMNS, source))
    if entity == "needs":
        needs, problems = parse_needs(records, taxonomy, source)
        problems += [
            Problem(f"unknown organisation {n.owner_id!r}", row, "owner_id", source)
            for row, n in enumerate(needs, 1)
            if n.owner_id and n.owner_id not in known
        ]
        _raise_if(problems, source)
        return ParsedImport(needs=needs, warnings=_notes(records, NEED_COLUMNS, source))
    links, problems = parse_partnerships(records, source)
    problems += [
        Problem(f"unknown organisation {ident!r}", row, column, source)
        for row, link in enumerate(links, 1)
        for column, ident in (("a", link.a), ("b", link.b))
        if ident and ident not in known
    ]
    _raise_if(problems, source)
    return ParsedImport(links=links, warnings=_notes(records, PARTNERSHIP_COLUMNS, source))


def _notes(records: list[dict[str, Any]], columns: frozenset[str], source: str) -> tuple[str, ...]:
    return tuple(unknown_columns(records, columns, source))


def _raise_if(problems: Sequence[Problem], source: str) -> None:
    if problems:
        raise DataValidationError(
            problems, f"{source}: {len(problems)} problem(s), nothing imported"
        )
