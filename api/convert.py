"""Domain objects to response schemas (as the caller's key may see them) and request
schemas to domain inputs.

Every function that renders something for a caller takes the caller's key and applies the
one visibility rule (matcher.visibility) before building the schema: the JSON routes, the
CSV exports and the pages all render through here, so none of them can show a role a
field it may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.schemas.admin import (
    AuditEntryOut,
    ChosenOut,
    DuplicatePairOut,
    FeedbackRowOut,
    ImportReportOut,
    MergeOut,
    MergeRecordOut,
)
from api.schemas.matching import (
    AreaOut,
    ExplanationOut,
    FiltersIn,
    MatchList,
    MatchOut,
    TextPairOut,
)
from api.schemas.organisations import OrganisationOut, OrganisationPublic
from api.schemas.staff import ConsortiumOut, ShortlistOut
from matcher.cli.output import as_csv, match_rows, to_jsonable
from matcher.consortium import ConsortiumResult
from matcher.consortium.export import consortium_csv
from matcher.csv_export import csv_text
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.names import MergeEntry
from matcher.results import AreaScore, Match, ResultList, TextPair
from matcher.service import DuplicateOut
from matcher.service_imports import ImportReport
from matcher.shortlist import Shortlist, shortlist_csv
from matcher.store.codec import org_record
from matcher.store.keys import ApiKey
from matcher.visibility import (
    sees_private,
    visible_consortium,
    visible_record,
    visible_results,
    visible_rows,
    visible_shortlist,
)


def query_filters(
    kind: Sequence[str] = (),
    country: Sequence[str] = (),
    city: Sequence[str] = (),
    area: Sequence[str] = (),
) -> Filters:
    """Filters from a GET's query parameters."""
    return Filters(
        kinds=tuple(kind),
        countries=tuple(c.upper() for c in country),
        cities=tuple(city),
        areas=tuple(area),
    )


def filters_of(body: FiltersIn, **extra: Any) -> Filters:
    return Filters(
        kinds=tuple(body.kind),
        countries=tuple(c.upper() for c in body.country),
        cities=tuple(body.city),
        areas=tuple(body.area),
        stages=tuple(body.stage),
        founded_from=body.founded_from,
        founded_to=body.founded_to,
        **extra,
    )


# --- organisations -------------------------------------------------------------------------
def org_view(org: Organisation, key: ApiKey) -> OrganisationOut | OrganisationPublic:
    """Investors see the public profile; staff and members see the whole record."""
    record = visible_record(org_record(org), key.role)
    if sees_private(key.role):
        return OrganisationOut(**record)
    return OrganisationPublic(**{k: record[k] for k in OrganisationPublic.model_fields})


# --- matches -----------------------------------------------------------------------------
def _pair(p: TextPair | None) -> TextPairOut | None:
    return TextPairOut(**p.__dict__) if p is not None else None


def _match_out(rank: int, m: Match) -> MatchOut:
    e = m.explanation
    explanation = ExplanationOut(
        summary=e.summary(),
        components=dict(e.components),
        weights=dict(e.weights),
        best_pair=_pair(e.best_pair),
        pairs=[TextPairOut(**p.__dict__) for p in e.pairs],
        shared_areas=list(e.shared_areas),
    )
    return MatchOut(
        rank=rank,
        id=m.org_id,
        name=m.name,
        kind=m.kind,
        country=m.country,
        city=m.city,
        score=m.score,
        explanation=explanation,
    )


def match_list(results: ResultList, key: ApiKey) -> MatchList:
    shown = visible_results(results, key.role)
    return MatchList(
        matches=[_match_out(i, m) for i, m in enumerate(shown.matches, start=1)],
        warnings=list(shown.warnings),
        gloss=shown.gloss,
        gloss_language=shown.gloss_language,
    )


def matches_csv(results: ResultList, key: ApiKey) -> str:
    return as_csv(match_rows(visible_results(results, key.role).matches))


def area_out(a: AreaScore) -> AreaOut:
    return AreaOut(
        area=a.area_id,
        name=a.name,
        score=a.score,
        cosine=a.cosine,
        keywords=list(a.keywords),
        assigned=a.assigned,
    )


# --- staff tools ---------------------------------------------------------------------------
def consortium_out(result: ConsortiumResult, key: ApiKey) -> ConsortiumOut:
    return ConsortiumOut.model_validate(to_jsonable(visible_consortium(result, key.role)))


def consortium_file(result: ConsortiumResult, key: ApiKey) -> str:
    return consortium_csv(visible_consortium(result, key.role))


def shortlist_out(shortlist: Shortlist, key: ApiKey) -> ShortlistOut:
    return ShortlistOut.model_validate(to_jsonable(visible_shortlist(shortlist, key.role)))


def shortlist_file(shortlist: Shortlist, key: ApiKey) -> str:
    return shortlist_csv(visible_shortlist(shortlist, key.role))


# --- housekeeping --------------------------------------------------------------------------
def audit_out(rows: Sequence[dict[str, Any]], key: ApiKey) -> list[AuditEntryOut]:
    return [AuditEntryOut.model_validate(r) for r in visible_rows(list(rows), key.role)]


def feedback_out(rows: Sequence[dict[str, Any]], key: ApiKey) -> list[FeedbackRowOut]:
    return [FeedbackRowOut.model_validate(r) for r in visible_rows(list(rows), key.role)]


def feedback_file(rows: Sequence[dict[str, Any]], key: ApiKey) -> str:
    shown = [r.model_dump() for r in feedback_out(rows, key)]
    return csv_text(shown, list(FeedbackRowOut.model_fields))


def merge_out(entry: MergeEntry) -> MergeOut:
    return MergeOut(
        merge_id=entry.merge_id,
        survivor_id=entry.survivor_id,
        merged_ids=list(entry.merged_ids),
        chosen=[ChosenOut(field=f, from_id=i) for f, i in entry.chosen],
    )


def merge_records_out(rows: Sequence[dict[str, Any]]) -> list[MergeRecordOut]:
    return [
        MergeRecordOut.model_validate(
            {**r, "chosen": [{"field": f, "from_id": i} for f, i in r["chosen"]]}
        )
        for r in rows
    ]


def duplicates_out(pairs: Sequence[DuplicateOut]) -> list[DuplicatePairOut]:
    return [DuplicatePairOut.model_validate(to_jsonable(p)) for p in pairs]


def import_report_out(report: ImportReport) -> ImportReportOut:
    return ImportReportOut(
        entity=report.entity,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        warnings=list(report.warnings),
        duplicates=duplicates_out(report.duplicates),
    )
