"""Award shortlist: up to N eligible companies per category, with the evidence for each pick.

Each category (by default the cluster's subject areas) is a text the engine ranks eligible
companies for. Places are then handed out over all (company, category) pairs from the
highest score down, skipping full categories and companies that already hold their
allowed number of categories. With one score deciding both sides, that order gives the
stable assignment: no company and category would both rather have each other than what
they got, which is the property a jury can check in the exported table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from matcher.csv_export import csv_text
from matcher.engine import Matchmaker
from matcher.errors import DataValidationError, Problem
from matcher.filters import Filters
from matcher.limits import MAX_K
from matcher.model import COMPANY_KINDS, Organisation, OrgKind, Stage

MAX_CATEGORIES = 20
MAX_PER_CATEGORY = 20
EVIDENCE_PER_PICK = 2


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str = ""

    def text(self) -> str:
        return f"{self.name}. {self.description}".strip(". ")


@dataclass(frozen=True)
class ShortlistRequest:
    categories: tuple[Category, ...] = ()  # empty: the taxonomy's subject areas
    per_category: int = 10
    kinds: tuple[str, ...] = tuple(sorted(k.value for k in COMPANY_KINDS))
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # a region or a city
    stages: tuple[str, ...] = ()
    founded_from: int | None = None
    founded_to: int | None = None
    max_categories_per_company: int = 1
    exclude: tuple[str, ...] = ()
    min_score: float = 0.0


@dataclass(frozen=True)
class EvidenceItem:
    field: str  # description, offer or evidence
    text: str
    similarity: float


@dataclass(frozen=True)
class Pick:
    rank: int
    org_id: str
    name: str
    kind: str
    country: str
    city: str
    region: str
    stage: str
    founded: int | None
    score: float
    components: dict[str, float]
    evidence: tuple[EvidenceItem, ...]
    also_strong_in: tuple[str, ...]  # other categories where it would have placed


@dataclass(frozen=True)
class CategoryShortlist:
    category: Category
    picks: tuple[Pick, ...]
    eligible: int  # eligible companies that scored for this category at all


@dataclass(frozen=True)
class Shortlist:
    categories: tuple[CategoryShortlist, ...]
    eligible: int
    warnings: tuple[str, ...] = ()


def build_shortlist(engine: Matchmaker, request: ShortlistRequest) -> Shortlist:
    """The shortlist for every category; raises DataValidationError for a bad request."""
    categories = request.categories or default_categories(engine)
    everyone = engine.snapshot().organisations
    _validate(request, categories, everyone)
    eligible = [o for o in everyone.values() if _eligible(o, request)]
    scores = {c.id: _ranked(engine, c, request, eligible, everyone) for c in categories}
    placed = _assign(scores, request)
    vectors = engine.encode_queries([c.text() for c in categories])
    lists = tuple(
        CategoryShortlist(c, _picks(engine, placed[c.id], scores, c, vectors[i]), len(scores[c.id]))
        for i, c in enumerate(categories)
    )
    warnings = tuple(
        f"category {cs.category.id}: only {len(cs.picks)} of {request.per_category} places filled"
        for cs in lists
        if len(cs.picks) < request.per_category
    )
    return Shortlist(lists, len(eligible), warnings)


def default_categories(engine: Matchmaker) -> tuple[Category, ...]:
    return tuple(
        Category(a.id, a.name, a.descriptions.get("en", next(iter(a.descriptions.values()), "")))
        for a in engine.taxonomy.areas
    )


def _validate(
    request: ShortlistRequest,
    categories: tuple[Category, ...],
    everyone: Mapping[str, Organisation],
) -> None:
    problems = []
    if not 1 <= len(categories) <= MAX_CATEGORIES:
        problems.append(Problem(f"give 1 to {MAX_CATEGORIES} categories", column="categories"))
    ids = [c.id for c in categories]
    if len(set(ids)) != len(ids) or any(not c.id or not c.name.strip() for c in categories):
        problems.append(Problem("ids must be unique and names non-empty", column="categories"))
    if not 1 <= request.per_category <= MAX_PER_CATEGORY:
        problems.append(Problem(f"must be 1..{MAX_PER_CATEGORY}", column="per_category"))
    if request.max_categories_per_company < 1:
        problems.append(Problem("must be at least 1", column="max_categories_per_company"))
    problems += _unknown("kinds", request.kinds, {k.value for k in OrgKind})
    problems += _unknown("stages", request.stages, {s.value for s in Stage})
    problems += _unknown("exclude", request.exclude, set(everyone))
    low, high = request.founded_from, request.founded_to
    if low is not None and high is not None and low > high:
        problems.append(Problem("founded_from is after founded_to", column="founded_from"))
    if problems:
        raise DataValidationError(problems, "invalid shortlist request")


def _unknown(column: str, values: tuple[str, ...], known: set[str]) -> list[Problem]:
    return [Problem(f"unknown value {v!r}", column=column) for v in values if v not in known]


def _eligible(org: Organisation, r: ShortlistRequest) -> bool:
    flt = Filters(r.kinds, r.countries, (), (), r.stages, "", r.founded_from, r.founded_to)
    places = {p.casefold() for p in r.regions}
    in_region = not places or bool({org.region.casefold(), org.city.casefold()} & places)
    return flt.admits(org) and in_region and org.id not in r.exclude


def _ranked(
    engine: Matchmaker,
    category: Category,
    r: ShortlistRequest,
    eligible: list[Organisation],
    everyone: Mapping[str, Organisation],
) -> dict[str, tuple[float, dict[str, float]]]:
    allowed = {o.id for o in eligible}
    if not allowed:
        return {}
    # eligibility is decided above; the index only needs to skip everyone else
    outside = frozenset(everyone) - allowed
    results = engine.search(category.text(), min(MAX_K, len(allowed)), Filters(exclude=outside))
    return {
        m.org_id: (m.score, dict(m.explanation.components))
        for m in results
        if m.org_id in allowed and m.score >= r.min_score
    }


def _assign(
    scores: dict[str, dict[str, tuple[float, dict[str, float]]]], r: ShortlistRequest
) -> dict[str, list[str]]:
    pairs = sorted(
        ((s, cat, org) for cat, ranked in scores.items() for org, (s, _) in ranked.items()),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    placed: dict[str, list[str]] = {cat: [] for cat in scores}
    held: dict[str, int] = {}
    for _, cat, org in pairs:
        if len(placed[cat]) < r.per_category and held.get(org, 0) < r.max_categories_per_company:
            placed[cat].append(org)
            held[org] = held.get(org, 0) + 1
    return placed


def _picks(
    engine: Matchmaker,
    org_ids: list[str],
    scores: dict[str, dict[str, tuple[float, dict[str, float]]]],
    category: Category,
    vector: np.ndarray,
) -> tuple[Pick, ...]:
    picks = []
    for rank, org_id in enumerate(org_ids, start=1):
        org = engine.organisation(org_id)
        score, components = scores[category.id][org_id]
        picks.append(
            Pick(
                rank,
                org.id,
                org.name,
                org.kind.value,
                org.country,
                org.city,
                org.region,
                org.stage.value if org.stage else "",
                org.founded,
                round(score, 4),
                {k: round(v, 4) for k, v in components.items()},
                _evidence(engine, org_id, vector),
                _also_in(scores, category.id, org_id, score),
            )
        )
    return tuple(picks)


def _evidence(engine: Matchmaker, org_id: str, vector: np.ndarray) -> tuple[EvidenceItem, ...]:
    """The organisation's own texts closest to the category: what the jury should read."""
    chunks = engine.capabilities(org_id)
    if not len(chunks):
        return ()
    sims = chunks.vectors @ vector
    top = np.argsort(-sims)[:EVIDENCE_PER_PICK]
    return tuple(
        EvidenceItem(chunks.fields[i], chunks.texts[i], round(float(sims[i]), 4)) for i in top
    )


def _also_in(
    scores: dict[str, dict[str, tuple[float, dict[str, float]]]], here: str, org: str, score: float
) -> tuple[str, ...]:
    """Other categories where it scored at least as well as here (it was placed by score)."""
    others = [(s[org][0], cat) for cat, s in scores.items() if cat != here and org in s]
    return tuple(cat for s, cat in sorted(others, reverse=True) if s >= score - 0.02)


# --- export for the jury -------------------------------------------------------------------
def shortlist_rows(shortlist: Shortlist) -> list[dict[str, object]]:
    """One row per pick, the two strongest evidence texts inline, for a spreadsheet."""
    return [_row(cs.category, p) for cs in shortlist.categories for p in cs.picks]


def _row(category: Category, p: Pick) -> dict[str, object]:
    evidence = [f"[{e.field}] {_oneline(e.text)}" for e in p.evidence] + ["", ""]
    return {
        "category_id": category.id,
        "category": category.name,
        "rank": p.rank,
        "org_id": p.org_id,
        "name": p.name,
        "kind": p.kind,
        "country": p.country,
        "city": p.city,
        "region": p.region,
        "stage": p.stage,
        "founded": p.founded or "",
        "score": p.score,
        "evidence_1": evidence[0],
        "evidence_2": evidence[1],
        "also_strong_in": "; ".join(p.also_strong_in),
    }


# the column order is the row builder's, so the header cannot drift from the rows
CSV_COLUMNS = tuple(
    _row(Category("", ""), Pick(0, "", "", "", "", "", "", "", None, 0.0, {}, (), ()))
)


def shortlist_csv(shortlist: Shortlist) -> str:
    return csv_text(shortlist_rows(shortlist), CSV_COLUMNS)


def shortlist_json(shortlist: Shortlist) -> str:
    return json.dumps(asdict(shortlist), ensure_ascii=False, indent=2)


def _oneline(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
