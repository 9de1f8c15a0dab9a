"""Domain objects to response schemas and request schemas to domain inputs."""

from __future__ import annotations

from typing import Any

from api.schemas.matching import (
    AreaOut,
    ExplanationOut,
    FiltersIn,
    MatchList,
    MatchOut,
    TextPairOut,
)
from api.schemas.organisations import OrganisationOut, OrganisationPublic
from matcher.cli.output import as_csv, match_rows
from matcher.filters import Filters
from matcher.model import Organisation
from matcher.results import AreaScore, Match, ResultList, TextPair
from matcher.store.codec import org_record
from matcher.store.keys import ApiKey, Role


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


def _pair(p: TextPair | None) -> TextPairOut | None:
    return TextPairOut(**p.__dict__) if p is not None else None


def match_out(rank: int, m: Match) -> MatchOut:
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


def match_list(results: ResultList) -> MatchList:
    return MatchList(
        matches=[match_out(i, m) for i, m in enumerate(results.matches, start=1)],
        warnings=list(results.warnings),
    )


def matches_csv(results: ResultList) -> str:
    return as_csv(match_rows(results.matches))


def area_out(a: AreaScore) -> AreaOut:
    return AreaOut(
        area=a.area_id,
        name=a.name,
        score=a.score,
        cosine=a.cosine,
        keywords=list(a.keywords),
        assigned=a.assigned,
    )


def org_view(org: Organisation, key: ApiKey) -> OrganisationOut | OrganisationPublic:
    """Investors see the public profile; staff and members see the whole record."""
    record = org_record(org)
    if key.role == Role.INVESTOR:
        return OrganisationPublic(**{k: record[k] for k in OrganisationPublic.model_fields})
    return OrganisationOut(**record)
