"""Loading organisations, needs and partnerships from CSV, Excel and JSON files.

Validation collects every problem (by file, row and column) and raises once; nothing is
returned unless the whole input is valid, so an import is all-or-nothing by construction.
Rows are numbered from 1 for the first record (the header of a table is not counted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from matcher.errors import ConfigError, DataValidationError, Problem
from matcher.limits import (
    MAX_AREAS,
    MAX_EVIDENCE_ITEMS,
    MAX_ID_CHARS,
    MAX_IDENTIFIERS,
    MAX_IMPORT_ROWS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_RECORD_TEXT_CHARS,
    MAX_SHORT_CHARS,
    MAX_TITLE_CHARS,
)
from matcher.model import (
    COMPANY_KINDS,
    Cluster,
    EvidenceDoc,
    InvestorFocus,
    Need,
    NeedType,
    Organisation,
    OrgKind,
    Partnership,
    Stage,
)
from matcher.rows import RowReader, is_missing
from matcher.taxonomy import Taxonomy

ORG_COLUMNS = frozenset(
    [
        "id",
        "name",
        "kind",
        "country",
        "city",
        "region",
        "description",
        "offers",
        "seeks",
        "areas",
        "stage",
        "founded",
        "website",
        "evidence",
        "identifiers",
        "language",
        "ticket_min_eur",
        "ticket_max_eur",
        "focus_stages",
        "focus_areas",
    ]
)
NEED_COLUMNS = frozenset(
    [
        "id",
        "title",
        "description",
        "type",
        "owner_id",
        "areas",
        "kinds",
        "countries",
        "location",
        "budget_eur",
        "deadline",
        "language",
    ]
)
PARTNERSHIP_COLUMNS = frozenset(["a", "b", "kind", "since", "note"])
SUPPORTED_SUFFIXES = (".json", ".csv", ".xlsx", ".xls")
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
LanguageDetector = Callable[[str], str]


@dataclass(frozen=True)
class Loaded:
    """A validated load: the cluster and the warnings (unknown columns) to show."""

    cluster: Cluster
    warnings: tuple[str, ...]


def read_table(path: Path) -> pd.DataFrame:
    """Read one CSV, Excel or JSON (array of objects) file; every cell kept as given."""
    if not path.exists():
        raise ConfigError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ConfigError(
            f"unsupported file type {suffix!r} for {path.name}; use CSV, Excel or JSON"
        )
    try:
        frame = _read_frame(path, suffix)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, RecursionError) as exc:
        message = f"cannot be read: {str(exc)[:300] or type(exc).__name__}"
        raise DataValidationError([Problem(message, source=path.name)]) from exc
    except Exception as exc:  # a damaged spreadsheet raises what its reader likes
        message = f"cannot be read as {suffix[1:]}: {type(exc).__name__}"
        raise DataValidationError([Problem(message, source=path.name)]) from exc
    if len(frame) > MAX_IMPORT_ROWS:
        message = f"has {len(frame)} records; at most {MAX_IMPORT_ROWS} per file"
        raise DataValidationError([Problem(message, source=path.name)])
    return frame


def _read_frame(path: Path, suffix: str) -> pd.DataFrame:
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    frame = pd.read_json(path, orient="records", dtype=False)
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("a JSON file must hold an array of objects")
    return frame


def records_of(frame: pd.DataFrame) -> list[dict[str, object]]:
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def unknown_columns(
    records: list[dict[str, object]], known: frozenset[str], source: str
) -> list[str]:
    seen = sorted({c for r in records for c in r} - known)
    return [f"{source}: unknown columns ignored: {', '.join(seen)}"] if seen else []


def parse_organisations(
    records: Iterable[Mapping[str, object]],
    taxonomy: Taxonomy,
    source: str = "organisations",
    detect_language: LanguageDetector | None = None,
    limited: bool = True,
) -> tuple[list[Organisation], list[Problem]]:
    """`limited`: hold the records to the service's size limits (files and API calls);
    records read back from the store are checked for their shape only."""
    problems: list[Problem] = []
    orgs = []
    for row_no, record in enumerate(records, start=1):
        reader = RowReader(record, row_no, source, problems, limited)
        org = _organisation(reader, taxonomy)
        if detect_language and not org.language:
            org = _with_language(org, detect_language)
        orgs.append(org)
    _check_unique([o.id for o in orgs], "id", source, problems)
    return orgs, problems


def _organisation(r: RowReader, taxonomy: Taxonomy) -> Organisation:
    kind = r.choice("kind", OrgKind, required=True) or OrgKind.SME
    stage = r.choice("stage", Stage)
    if stage is not None and kind not in COMPANY_KINDS:
        r.problem("stage", f"a stage applies to sme and company only, not {kind.value}")
    org = Organisation(
        id=_identifier(r, "id"),
        name=r.text("name", required=True, max_len=MAX_NAME_CHARS),
        kind=kind,
        country=r.country("country", required=True),
        city=r.text("city", max_len=MAX_SHORT_CHARS),
        region=r.text("region", max_len=MAX_SHORT_CHARS),
        description=r.text("description"),
        offers=r.items("offers"),
        seeks=r.items("seeks"),
        areas=_areas(r, "areas", taxonomy),
        stage=stage,
        founded=r.integer("founded", 1700, date.today().year),
        website=r.text("website", max_len=MAX_SHORT_CHARS),
        evidence=_evidence(r),
        investor=_investor(r, kind, taxonomy),
        identifiers=r.items("identifiers", MAX_IDENTIFIERS, MAX_ID_CHARS),
        language=r.text("language", max_len=16).lower(),
    )
    if not (org.description or org.offers or org.seeks or org.evidence):
        r.problem("description", "the profile is empty: give a description, offers or seeks")
    total = record_text_chars(org)
    if r.limited and total > MAX_RECORD_TEXT_CHARS:
        r.problem(None, f"holds {total} characters of text; at most {MAX_RECORD_TEXT_CHARS}")
    return org


def record_text_chars(org: Organisation) -> int:
    """The characters of text an organisation sends to the encoder."""
    texts = [org.description, *org.offers, *org.seeks]
    texts += [part for doc in org.evidence for part in (doc.title, doc.text)]
    return sum(len(t) for t in texts)


def _identifier(r: RowReader, column: str) -> str:
    value = r.text(column, required=True, max_len=MAX_ID_CHARS)
    if value and not _ID_PATTERN.match(value):
        shown = value if len(value) <= 60 else value[:59] + "…"
        r.problem(column, f"{shown!r} is not a valid id (letters, digits, _ . : @ -)")
    return value


def _areas(r: RowReader, column: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    areas = tuple(a.lower() for a in r.items(column, MAX_AREAS, MAX_ID_CHARS))
    for bad in taxonomy.unknown(areas):
        r.problem(column, f"unknown subject area {bad!r}")
    return areas


def _evidence(r: RowReader) -> tuple[EvidenceDoc, ...]:
    docs = []
    for item in r.raw_list("evidence", MAX_EVIDENCE_ITEMS):
        if not isinstance(item, Mapping) or is_missing(item.get("text")):
            r.problem("evidence", "each evidence item needs at least a text")
            continue
        year = r.checked_number(item.get("year"), "evidence", 1900, 2100)
        ref = r.checked_text(item.get("ref"), "evidence", max_len=MAX_ID_CHARS)
        docs.append(
            EvidenceDoc(
                title=r.checked_text(item.get("title"), "evidence", max_len=MAX_SHORT_CHARS),
                text=r.checked_text(item["text"], "evidence"),
                kind=r.checked_text(item.get("kind"), "evidence", max_len=32) or "project",
                year=int(year) if year is not None else None,
                ref=ref or None,
                topics=_topics(r, item.get("topics")),
            )
        )
    return tuple(docs)


def _topics(r: RowReader, raw: object) -> tuple[str, ...]:
    """An evidence item's programme or topic labels: `a | b` or a list, each a short text."""
    if isinstance(raw, str):
        raw = raw.split("|")
    if not isinstance(raw, list | tuple):
        return ()
    if r.limited and len(raw) > MAX_AREAS:
        r.problem("evidence", f"an evidence item has {len(raw)} topics; at most {MAX_AREAS}")
        return ()
    labels = (r.checked_text(t, "evidence", max_len=MAX_ID_CHARS) for t in raw)
    return tuple(label for label in labels if label)


def _investor(r: RowReader, kind: OrgKind, taxonomy: Taxonomy) -> InvestorFocus | None:
    low, high = r.number("ticket_min_eur"), r.number("ticket_max_eur")
    stages = tuple(s for s in (_stage(r, raw) for raw in r.items("focus_stages")) if s)
    areas = _areas(r, "focus_areas", taxonomy)
    if kind != OrgKind.INVESTOR:
        return None
    if low is not None and high is not None and low > high:
        r.problem("ticket_min_eur", f"ticket minimum {low:g} is above the maximum {high:g}")
    return InvestorFocus(low, high, stages, areas)


def _stage(r: RowReader, raw: str) -> Stage | None:
    try:
        return Stage(raw.lower())
    except ValueError:
        r.problem("focus_stages", f"{raw!r} is not a stage ({', '.join(s.value for s in Stage)})")
        return None


def _with_language(org: Organisation, detect: LanguageDetector) -> Organisation:
    from dataclasses import replace

    return replace(org, language=detect(org.profile_text()))


def parse_needs(
    records: Iterable[Mapping[str, object]],
    taxonomy: Taxonomy,
    source: str = "needs",
    limited: bool = True,
) -> tuple[list[Need], list[Problem]]:
    problems: list[Problem] = []
    needs = [
        _need(RowReader(rec, i, source, problems, limited), taxonomy)
        for i, rec in enumerate(records, 1)
    ]
    _check_unique([n.id for n in needs], "id", source, problems)
    return needs, problems


def _need(r: RowReader, taxonomy: Taxonomy) -> Need:
    kinds = []
    for raw in r.items("kinds", max_len=32):
        try:
            kinds.append(OrgKind(raw.lower()))
        except ValueError:
            r.problem("kinds", f"{raw!r} is not an organisation kind")
    return Need(
        id=_identifier(r, "id"),
        title=r.text("title", required=True, max_len=MAX_TITLE_CHARS),
        description=r.text("description"),
        type=r.choice("type", NeedType) or NeedType.CITY_NEED,
        owner_id=r.text("owner_id", max_len=MAX_ID_CHARS) or None,
        areas=_areas(r, "areas", taxonomy),
        kinds=tuple(kinds),
        countries=tuple(c.upper() for c in r.items("countries", max_len=MAX_ID_CHARS)),
        location=r.text("location", max_len=MAX_SHORT_CHARS),
        budget_eur=r.number("budget_eur"),
        deadline=r.day("deadline"),
        language=r.text("language", max_len=16).lower(),
    )


def parse_partnerships(
    records: Iterable[Mapping[str, object]], source: str = "partnerships"
) -> tuple[list[Partnership], list[Problem]]:
    problems: list[Problem] = []
    result = []
    for row_no, record in enumerate(records, start=1):
        r = RowReader(record, row_no, source, problems)
        a = r.text("a", required=True, max_len=MAX_ID_CHARS)
        b = r.text("b", required=True, max_len=MAX_ID_CHARS)
        if a and a == b:
            r.problem("b", "an organisation cannot partner with itself")
        kind = r.text("kind", max_len=32) or "project"
        since, note = r.integer("since", 1900, 2100), r.text("note", max_len=MAX_NOTE_CHARS)
        result.append(Partnership(a, b, kind, since, note))
    return result, problems


def _check_unique(ids: list[str], column: str, source: str, problems: list[Problem]) -> None:
    first_row: dict[str, int] = {}
    for row_no, ident in enumerate(ids, start=1):
        if ident and ident in first_row:
            problems.append(
                Problem(
                    f"duplicate id {ident!r} (first at row {first_row[ident]})",
                    row_no,
                    column,
                    source,
                )
            )
        first_row.setdefault(ident, row_no)
