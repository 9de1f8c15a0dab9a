"""The domain: organisations, needs, known partnerships and the cluster that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from matcher.errors import NotFoundError


class OrgKind(StrEnum):
    SME = "sme"
    COMPANY = "company"
    INVESTOR = "investor"
    INCUBATOR = "incubator"
    RESEARCH = "research"
    UNIVERSITY = "university"
    CITY_AUTHORITY = "city_authority"
    ASSOCIATION = "association"


# Kinds that have a company stage and compete for awards.
COMPANY_KINDS = frozenset({OrgKind.SME, OrgKind.COMPANY})


class Stage(StrEnum):
    IDEA = "idea"
    SEED = "seed"
    EARLY = "early"
    GROWTH = "growth"
    MATURE = "mature"


class NeedType(StrEnum):
    PROJECT = "project"
    CALL = "call"
    CITY_NEED = "city_need"
    IMPORT_SUBSTITUTION = "import_substitution"


@dataclass(frozen=True)
class EvidenceDoc:
    """A past project or a product: proof of what an organisation can do."""

    title: str
    text: str
    kind: str = "project"
    year: int | None = None
    ref: str | None = None  # an external reference (a project id) used to hold data out
    topics: tuple[str, ...] = ()  # programme labels (e.g. a funding programme and scheme)


@dataclass(frozen=True)
class InvestorFocus:
    ticket_min_eur: float | None = None
    ticket_max_eur: float | None = None
    stages: tuple[Stage, ...] = ()
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: OrgKind
    country: str
    city: str = ""
    region: str = ""
    description: str = ""
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    stage: Stage | None = None
    founded: int | None = None
    website: str = ""
    evidence: tuple[EvidenceDoc, ...] = ()
    investor: InvestorFocus | None = None
    identifiers: tuple[str, ...] = ()
    language: str = ""

    def profile_text(self) -> str:
        """All of the organisation's own words, for lexical signals and area tagging."""
        parts = [self.name, self.description, *self.offers, *self.seeks]
        parts += [f"{d.title}. {d.text}" for d in self.evidence]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Need:
    """A project, a call, a city need, or a product bought from outside the region."""

    id: str
    title: str
    description: str = ""
    type: NeedType = NeedType.CITY_NEED
    owner_id: str | None = None
    areas: tuple[str, ...] = ()
    kinds: tuple[OrgKind, ...] = ()
    countries: tuple[str, ...] = ()
    location: str = ""
    budget_eur: float | None = None
    deadline: date | None = None
    language: str = ""

    def text(self) -> str:
        return f"{self.title}. {self.description}".strip()


@dataclass(frozen=True)
class Partnership:
    a: str
    b: str
    kind: str = "project"
    since: int | None = None
    note: str = ""

    def key(self) -> frozenset[str]:
        return frozenset((self.a, self.b))


@dataclass(frozen=True)
class Cluster:
    """Everything the engine knows, immutable; changes produce a new Cluster."""

    organisations: Mapping[str, Organisation] = field(default_factory=dict)
    needs: Mapping[str, Need] = field(default_factory=dict)
    partnerships: tuple[Partnership, ...] = ()

    @classmethod
    def of(
        cls,
        organisations: Iterable[Organisation],
        needs: Iterable[Need] = (),
        partnerships: Iterable[Partnership] = (),
    ) -> Cluster:
        return cls({o.id: o for o in organisations}, {n.id: n for n in needs}, tuple(partnerships))

    def organisation(self, org_id: str) -> Organisation:
        try:
            return self.organisations[org_id]
        except KeyError:
            raise NotFoundError("organisation", org_id) from None

    def need(self, need_id: str) -> Need:
        try:
            return self.needs[need_id]
        except KeyError:
            raise NotFoundError("need", need_id) from None

    @cached_property
    def _adjacency(self) -> dict[str, frozenset[str]]:
        # cached_property writes to the instance dict, which a frozen dataclass allows
        links: dict[str, set[str]] = {}
        for p in self.partnerships:
            links.setdefault(p.a, set()).add(p.b)
            links.setdefault(p.b, set()).add(p.a)
        return {org: frozenset(others) for org, others in links.items()}

    def partners_of(self, org_id: str) -> frozenset[str]:
        return self._adjacency.get(org_id, frozenset())
