"""Writing one block of organisations from the plan: texts, evidence, names, stages."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np

from benchmarks.synthetic.bulk import BLOCK_STREAM, collector_paused, draw
from benchmarks.synthetic.kinds import FOUNDED_BY_STAGE, KINDS, STAGE_SHARES, TICKETS
from benchmarks.synthetic.names import org_name
from benchmarks.synthetic.places import CITIES, city_text
from benchmarks.synthetic.texts import FIRST_YEAR, Rows, text_writer
from benchmarks.synthetic.vocabulary import LANGUAGES
from matcher.model import (
    COMPANY_KINDS,
    EvidenceDoc,
    InvestorFocus,
    Organisation,
    OrgKind,
    Stage,
)

if TYPE_CHECKING:
    from benchmarks.synthetic.plan import ClusterPlan


_Item = TypeVar("_Item")
_FOCUS_STAGES = (
    (Stage.IDEA, Stage.SEED),
    (Stage.SEED, Stage.EARLY),
    (Stage.EARLY, Stage.GROWTH),
    (Stage.GROWTH, Stage.MATURE),
)
_STAGES = tuple(STAGE_SHARES)
_COMPANY_CODES = [KINDS.index(k) for k in COMPANY_KINDS]


class _Texts(NamedTuple):
    """A block's texts, one entry per organisation."""

    descriptions: list[str]
    offers: list[tuple[str, ...]]
    seeks: list[tuple[str, ...]]
    evidence: list[tuple[EvidenceDoc, ...]]


class OrganisationWriter:
    """Writes one block of organisations from the plan and the block's own random draws."""

    def __init__(self, plan: ClusterPlan, start: int) -> None:
        self.plan, self.start = plan, start
        self.stop = min(start + plan.settings.block_size, plan.n_orgs)
        self._rng = np.random.default_rng(
            [plan.seed, BLOCK_STREAM, start // plan.settings.block_size]
        )
        self._writer = text_writer(plan.vocabulary)
        block = slice(start, self.stop)
        self._kind, self._language, self._city = (
            plan.kind[block],
            plan.language[block],
            plan.city[block],
        )
        self._first = plan.primary[block]
        self._second = np.where(plan.secondary[block] >= 0, plan.secondary[block], self._first)
        self._complement = plan.vocabulary.complement
        self._company = np.isin(self._kind, _COMPANY_CODES).tolist()

    def write(self) -> list[Organisation]:
        with collector_paused():
            texts = _Texts(
                self._descriptions(), self._lines("offer"), self._lines("seek"), self._evidence()
            )
            return self._assemble(texts)

    def _rows(
        self, orgs: np.ndarray, topic: np.ndarray, other: np.ndarray, year: np.ndarray | None = None
    ) -> Rows:
        year = np.zeros(len(orgs), np.int64) if year is None else year
        return Rows(
            self._language[orgs], topic, other, self._complement[topic], self._city[orgs], year
        )

    def _descriptions(self) -> list[str]:
        """An opening (an investor's thesis, anyone else's lead), more, and sometimes the place."""
        rows = self._rows(np.arange(self.stop - self.start), self._first, self._second)
        investor = self._kind == KINDS.index(OrgKind.INVESTOR)
        sentences = zip(
            self._write_where("lead", rows, ~investor),
            self._write_where("thesis", rows, investor),
            self._writer.write(self._rng, "more", rows),
            self._write_where("place", rows, self._rng.random(len(investor)) < 0.5),
            strict=True,
        )
        return [" ".join(filter(None, parts)) for parts in sentences]

    def _write_where(self, part: str, rows: Rows, chosen: np.ndarray) -> list[str]:
        """Texts for the chosen rows, "" for the others."""
        out = np.full(len(chosen), "", dtype=object)
        at = np.flatnonzero(chosen)
        out[at] = self._writer.write(self._rng, part, rows.take(at))
        return out.tolist()

    def _lines(self, part: str) -> list[tuple[str, ...]]:
        """Two or three offers (or seeks) each, alternating between the organisation's topics."""
        counts = 2 + self._rng.integers(0, 2, self.stop - self.start)
        org, position = _expand(counts)
        topic = np.where(position % 2 == 0, self._first[org], self._second[org])
        texts = self._writer.write(self._rng, part, self._rows(org, topic, self._second[org]))
        return _group(texts, counts)

    def _evidence(self) -> list[tuple[EvidenceDoc, ...]]:
        """Up to three of its joint projects (shared refs) and its own work, one to three in all."""
        counts, org, position, project = self._documents()
        rows = self._document_rows(org, position, project)
        titles, bodies = (self._writer.write(self._rng, p, rows) for p in ("title", "evidence"))
        details = (rows.year.tolist(), project.tolist(), org.tolist(), position.tolist())
        return _group(list(map(self._document, titles, bodies, *details)), counts)

    def _documents(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Documents per organisation, and per document: its organisation, its position there
        and its joint project (-1 for the organisation's own work)."""
        projects = self.plan.projects
        first = projects.by_org_start[self.start : self.stop + 1]
        joint = np.minimum(np.diff(first), 3)
        counts = np.maximum(joint, 1 + self._rng.integers(0, 3, len(joint)))
        org, position = _expand(counts)
        project = np.full(len(org), -1)
        is_joint = position < joint[org]
        project[is_joint] = projects.by_org[first[org[is_joint]] + position[is_joint]]
        return counts, org, position, project

    def _document_rows(self, org: np.ndarray, position: np.ndarray, project: np.ndarray) -> Rows:
        """A joint project is told on its own topic from the organisation's side; its own work
        on its topics in turn."""
        projects, joint = self.plan.projects, project >= 0
        topic = np.where(position % 2 == 0, self._first[org], self._second[org])
        other, year = topic.copy(), self._rng.integers(FIRST_YEAR, 2027, len(org))
        topic[joint], other[joint] = projects.topic[project[joint]], self._first[org[joint]]
        year[joint] = projects.year[project[joint]]
        return self._rows(org, topic, other, year)

    def _document(
        self, title: str, body: str, year: int, project: int, org: int, position: int
    ) -> EvidenceDoc:
        if project >= 0:
            return EvidenceDoc(title, body, "project", year, f"SYN-P-{project + 1:07d}")
        if self._company[org]:  # a company's own work is a product, without a reference
            return EvidenceDoc(title, body, "product", year)
        ref = f"SYN-S-{self.start + org + 1:07d}-{position + 1}"
        return EvidenceDoc(title, body, "project", year, ref)

    def _assemble(self, texts: _Texts) -> list[Organisation]:
        plan, m = self.plan, self.stop - self.start
        kinds = [KINDS[k] for k in self._kind.tolist()]
        languages = [LANGUAGES[x] for x in self._language.tolist()]
        places = [CITIES[c] for c in self._city.tolist()]
        areas = [
            plan.areas_of((a, b))
            for a, b in zip(self._first.tolist(), self._second.tolist(), strict=True)
        ]
        stages, founded = self._stages()
        names = self._names(kinds, languages, places)
        focus = self._investor_focus(kinds, areas)
        return [
            Organisation(
                id=plan.ids[self.start + k],
                name=names[k],
                kind=kinds[k],
                country=places[k][0],
                city=places[k][1],
                region=places[k][2],
                description=texts.descriptions[k],
                offers=texts.offers[k],
                seeks=texts.seeks[k],
                areas=areas[k],
                stage=stages[k],
                founded=founded[k],
                evidence=texts.evidence[k],
                investor=focus[k],
                language=languages[k],
            )
            for k in range(m)
        ]

    def _stages(self) -> tuple[list[Stage | None], list[int | None]]:
        """A stage and a founding year that fits it, for companies only."""
        stage = draw(self._rng, list(STAGE_SHARES.values()), len(self._kind))
        low, high = (np.array([FOUNDED_BY_STAGE[s][end] for s in _STAGES])[stage] for end in (0, 1))
        year = low + (self._rng.random(len(stage)) * (high - low + 1)).astype(np.int64)
        company = self._company
        stages = [_STAGES[s] if c else None for s, c in zip(stage.tolist(), company, strict=True)]
        return stages, [y if c else None for y, c in zip(year.tolist(), company, strict=True)]

    def _names(
        self, kinds: list[OrgKind], languages: list[str], places: list[tuple[str, str, str]]
    ) -> list[str]:
        picks = self._rng.integers(0, 2**31, len(kinds)).tolist()
        rows = zip(kinds, languages, places, picks, strict=True)
        return [
            org_name(self.start + k, kind, place[0], language, city_text(place[1], language), pick)
            for k, (kind, language, place, pick) in enumerate(rows)
        ]

    def _investor_focus(
        self, kinds: list[OrgKind], areas: list[tuple[str, ...]]
    ) -> list[InvestorFocus | None]:
        picks = self._rng.integers(0, 2**31, (len(kinds), 3)).tolist()
        return [
            _focus(pick, area) if kind == OrgKind.INVESTOR else None
            for kind, area, pick in zip(kinds, areas, picks, strict=True)
        ]


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-organisation counts: each item's organisation, and its position within it."""
    org = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return org, np.arange(len(org)) - starts[org]


def _group(items: list[_Item], counts: np.ndarray) -> list[tuple[_Item, ...]]:
    bounds = [0, *np.cumsum(counts).tolist()]
    return [tuple(items[a:b]) for a, b in itertools.pairwise(bounds)]


def _focus(pick: list[int], areas: tuple[str, ...]) -> InvestorFocus:
    ticket = TICKETS[pick[0] % len(TICKETS)]
    stages = _FOCUS_STAGES[pick[2] % len(_FOCUS_STAGES)]
    return InvestorFocus(ticket, ticket * (5, 10, 20)[pick[1] % 3], stages, areas)
