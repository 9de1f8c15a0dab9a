"""CORDIS projects and participants as the engine's organisations and known partnerships.

A CORDIS folder in the format of datasets such as ../shared/data/cordis-cleantech/:
- projects.csv: project_id, title, objective, start_year (plus acronym, rcn, programme_part,
  funding_scheme, coordinator_org_id when present);
- organizations.csv: org_id, name, type (PRC, HES, REC, PUB, OTH), country (plus pic);
- participation.csv: project_id, org_id (plus role);
- optionally h2020_all_participation_graph.csv.gz (rcn, pic, start_year): participations in
  projects without a text, which count as partnerships and track record but not evidence.

Each organisation's evidence documents are the texts of its projects, with the project id
as the document's `ref` (so one project can be held out everywhere); each pair of
organisations in a project is one Partnership. Any export with these columns loads.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from matcher.errors import DataValidationError, Problem
from matcher.model import Cluster, EvidenceDoc, Organisation, OrgKind, Partnership

GRAPH_FILE = "h2020_all_participation_graph.csv.gz"
KINDS = {
    "PRC": OrgKind.COMPANY,  # private for-profit
    "HES": OrgKind.UNIVERSITY,  # higher or secondary education
    "REC": OrgKind.RESEARCH,
    "PUB": OrgKind.CITY_AUTHORITY,  # public bodies: the engine's nearest kind
    "OTH": OrgKind.ASSOCIATION,
}
# CORDIS writes the United Kingdom and Greece as UK and EL; the engine speaks ISO 3166.
ISO_COUNTRY = {"UK": "GB", "EL": "GR"}
REQUIRED = {
    "projects.csv": ("project_id", "title", "objective"),
    "organizations.csv": ("org_id", "name", "type", "country"),
    "participation.csv": ("project_id", "org_id"),
}


@dataclass(frozen=True)
class Project:
    id: str
    title: str
    objective: str
    acronym: str = ""
    rcn: str = ""
    start_year: int | None = None
    programme_part: str = ""
    funding_scheme: str = ""
    coordinator: str = ""


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    type: str  # the CORDIS activity type, "" when unknown
    country: str
    pic: str = ""


@dataclass(frozen=True)
class Event:
    """A joint project: who took part and when; `project` is empty when it has no text."""

    key: str
    members: tuple[str, ...]
    year: int | None
    project: str = ""


@dataclass(frozen=True)
class CordisData:
    projects: Mapping[str, Project]
    participants: Mapping[str, Participant]
    events: Mapping[str, Event]  # by key: the project id, or "rcn:<rcn>" without a text

    def consortium(self, project_id: str) -> tuple[str, ...]:
        event = self.events.get(project_id)
        return event.members if event else ()

    def cluster(self, until_year: int | None = None) -> Cluster:
        """The engine's view, from the projects that started up to `until_year` (all if None)."""
        events = [e for e in self.events.values() if _until(e.year, until_year)]
        evidence: dict[str, list[EvidenceDoc]] = {}
        for event in events:
            if event.project:
                doc = _evidence(self.projects[event.project])
                for org in event.members:
                    evidence.setdefault(org, []).append(doc)
        linked = {org for e in events for org in e.members if len(e.members) > 1}
        orgs = [
            _organisation(p, tuple(evidence.get(p.id, ())))
            for p in self.participants.values()
            if p.id in evidence or p.id in linked
        ]
        return Cluster.of(orgs, (), _partnerships(events, self.projects))


def load_cordis(folder: Path, with_graph: bool = True) -> CordisData:
    """Read a CORDIS folder; `with_graph` also reads the all-participation graph if present."""
    projects = {p.id: p for p in _projects(_rows(folder, "projects.csv"))}
    participants = {p.id: p for p in _participants(_rows(folder, "organizations.csv"))}
    members: dict[str, list[str]] = {}
    for row in _rows(folder, "participation.csv"):
        if row["project_id"] in projects and row["org_id"] in participants:
            members.setdefault(row["project_id"], []).append(row["org_id"])
    graph = folder / GRAPH_FILE
    extra = _graph_events(graph, projects, participants) if with_graph and graph.exists() else {}
    return CordisData(projects, participants, _events(projects, members, extra))


def _rows(folder: Path, name: str) -> Iterator[dict[str, str]]:
    path = folder / name
    if not path.exists():
        raise DataValidationError([Problem("file not found", source=str(path))], "no CORDIS data")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED.get(name, ()) if c not in (reader.fieldnames or ())]
        if missing:
            problems = [Problem("required column missing", column=c, source=name) for c in missing]
            raise DataValidationError(problems, f"{name} is not a CORDIS export")
        for row in reader:
            yield {k: (v or "").strip() for k, v in row.items() if k is not None}


def _projects(rows: Iterator[dict[str, str]]) -> Iterator[Project]:
    for r in rows:
        yield Project(
            id=r["project_id"],
            title=r["title"],
            objective=r["objective"],
            acronym=r.get("acronym", ""),
            rcn=r.get("rcn", ""),
            start_year=_year(r.get("start_year") or r.get("start_date", "")[:4]),
            programme_part=r.get("programme_part", ""),
            funding_scheme=r.get("funding_scheme", ""),
            coordinator=r.get("coordinator_org_id", ""),
        )


def _participants(rows: Iterator[dict[str, str]]) -> Iterator[Participant]:
    for r in rows:
        country = r["country"].upper()
        yield Participant(
            r["org_id"],
            r["name"],
            r["type"].upper(),
            ISO_COUNTRY.get(country, country),
            r.get("pic", ""),
        )


def _graph_events(
    path: Path, projects: Mapping[str, Project], participants: Mapping[str, Participant]
) -> dict[str, Event]:
    """Participations by project (rcn) from the all-participation graph, known orgs only."""
    by_pic = {p.pic: p.id for p in participants.values() if p.pic}
    by_rcn = {p.rcn: p.id for p in projects.values() if p.rcn}
    members: dict[str, list[str]] = {}
    years: dict[str, int | None] = {}
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            org = by_pic.get((row.get("pic") or "").strip())
            rcn = (row.get("rcn") or "").strip()
            key = by_rcn.get(rcn, f"rcn:{rcn}")
            years.setdefault(key, _year(row.get("start_year", "")))
            if org is not None:
                members.setdefault(key, []).append(org)
    return {k: Event(k, tuple(dict.fromkeys(v)), years[k]) for k, v in members.items()}


def _events(
    projects: Mapping[str, Project], members: Mapping[str, list[str]], extra: Mapping[str, Event]
) -> dict[str, Event]:
    """Projects with texts (their participants as listed), then those the graph adds; the
    listing, not the graph, says who took part in a project with a text."""
    events = {}
    for pid, project in projects.items():
        listed = tuple(dict.fromkeys(members.get(pid, ())))
        events[pid] = Event(pid, listed, project.start_year, pid)
    for key, event in extra.items():
        if key not in projects and len(event.members) > 1:
            events[key] = event
    return events


def _evidence(project: Project) -> EvidenceDoc:
    return EvidenceDoc(
        project.title, project.objective, "project", project.start_year, project.id,
        project_topics(project),
    )  # fmt: skip


def project_topics(project: Project) -> tuple[str, ...]:
    """A project's programme parts and funding scheme, as topic labels."""
    parts = [p.strip() for p in project.programme_part.split(";") if p.strip()]
    scheme = [f"scheme:{project.funding_scheme}"] if project.funding_scheme else []
    return tuple(parts + scheme)


def _organisation(p: Participant, evidence: tuple[EvidenceDoc, ...]) -> Organisation:
    ids = (f"PIC:{p.pic}",) if p.pic else ()
    kind = KINDS.get(p.type) or _kind_from_name(p.name)
    return Organisation(
        p.id, p.name, kind, p.country, evidence=evidence, identifiers=ids, language="en"
    )


def _partnerships(events: Sequence[Event], projects: Mapping[str, Project]) -> list[Partnership]:
    links = []
    for event in events:
        project = projects.get(event.project)
        note = f"CORDIS {event.key}" + (
            f" {project.acronym}" if project and project.acronym else ""
        )
        for a, b in combinations(event.members, 2):
            links.append(Partnership(a, b, "project", event.year, note))
    return links


_UNIVERSITY = re.compile(r"univers|universit|hochschule|college|school|academ|politecn", re.I)
_RESEARCH = re.compile(r"institut|research|forschung|recherche|centre|center|centro|laborat", re.I)
_COMPANY = re.compile(
    r"\b(gmbh|ag|ltd|limited|plc|sa|s\.a|sas|sarl|srl|s\.r\.l|spa|s\.p\.a|bv|b\.v|nv|oy|oyj|ab"
    r"|as|asa|a/s|aps|sl|s\.l|inc|llc|kft|sp\. ?z ?o\.?o|d\.o\.o|ooo|ltda|lda|ug)\b",
    re.I,
)


def _kind_from_name(name: str) -> OrgKind:
    """A kind for participants CORDIS could not type, from words in the name."""
    if _UNIVERSITY.search(name):
        return OrgKind.UNIVERSITY
    if _RESEARCH.search(name):
        return OrgKind.RESEARCH
    if _COMPANY.search(name):
        return OrgKind.COMPANY
    return OrgKind.ASSOCIATION


def _year(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _until(year: int | None, until: int | None) -> bool:
    return until is None or (year is not None and year <= until)
