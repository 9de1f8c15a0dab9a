"""Records <-> domain objects. A stored record has the same shape as a row of an import
file, so the store re-validates what it reads with the very parsers that imports use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matcher.errors import DataValidationError
from matcher.loading import parse_needs, parse_organisations
from matcher.model import Need, Organisation
from matcher.taxonomy import Taxonomy


def org_record(org: Organisation) -> dict[str, Any]:
    investor = org.investor
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "country": org.country,
        "city": org.city,
        "region": org.region,
        "description": org.description,
        "offers": list(org.offers),
        "seeks": list(org.seeks),
        "areas": list(org.areas),
        "stage": org.stage.value if org.stage else None,
        "founded": org.founded,
        "website": org.website,
        "evidence": [
            {"title": d.title, "text": d.text, "kind": d.kind, "year": d.year, "ref": d.ref}
            | ({"topics": list(d.topics)} if d.topics else {})
            for d in org.evidence
        ],
        "identifiers": list(org.identifiers),
        "language": org.language,
        "ticket_min_eur": investor.ticket_min_eur if investor else None,
        "ticket_max_eur": investor.ticket_max_eur if investor else None,
        "focus_stages": [s.value for s in investor.stages] if investor else [],
        "focus_areas": list(investor.areas) if investor else [],
    }


def need_record(need: Need) -> dict[str, Any]:
    return {
        "id": need.id,
        "title": need.title,
        "description": need.description,
        "type": need.type.value,
        "owner_id": need.owner_id,
        "areas": list(need.areas),
        "kinds": [k.value for k in need.kinds],
        "countries": list(need.countries),
        "location": need.location,
        "budget_eur": need.budget_eur,
        "deadline": need.deadline.isoformat() if need.deadline else None,
        "language": need.language,
    }


def org_from_record(
    record: Mapping[str, Any], taxonomy: Taxonomy, limited: bool = True
) -> Organisation:
    """`limited`: held to the service's size limits (a record from outside); a record read
    back from the store is checked for its shape only."""
    orgs, problems = parse_organisations([record], taxonomy, "organisation", limited=limited)
    if problems:
        raise DataValidationError(problems, "invalid organisation")
    return orgs[0]


def need_from_record(record: Mapping[str, Any], taxonomy: Taxonomy, limited: bool = True) -> Need:
    needs, problems = parse_needs([record], taxonomy, "need", limited=limited)
    if problems:
        raise DataValidationError(problems, "invalid need")
    return needs[0]
