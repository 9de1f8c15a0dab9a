"""From the engine to arrays: the need's text and areas, the candidate pool and its scores.

The pool is the engine's own ranking for the need (which becomes the plain top-k baseline),
topped up with the best candidates of each required role and country, since a city
authority or a Norwegian research body rarely ranks high on a technical text and a team
cannot meet its rules from candidates it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from matcher.consortium.decompose import Competence, decompose
from matcher.consortium.request import ConsortiumRequest
from matcher.engine import Matchmaker
from matcher.filters import Filters
from matcher.model import Organisation, OrgKind
from matcher.results import ResultList
from matcher.scoring import ChunkSet

EXTRA_PER_RULE = 15  # top candidates fetched for each role and country requirement
# Eligible when neither the request nor the need names kinds: investors fund a consortium
# rather than deliver part of its work, so they join only when asked for.
MEMBER_KINDS = tuple(k.value for k in OrgKind if k is not OrgKind.INVESTOR)


@dataclass(frozen=True)
class NeedSpec:
    need_id: str | None
    title: str
    description: str
    areas: tuple[str, ...]
    kinds: tuple[str, ...]  # eligible kinds; empty: any
    countries: tuple[str, ...]  # admitted countries; empty: any
    fixed: tuple[tuple[str, str], ...]  # (org id, "asker" | "must include")
    exclude: frozenset[str]

    @property
    def text(self) -> str:
        return f"{self.title}. {self.description}".strip(". ") if self.title else self.description


@dataclass(frozen=True)
class PoolData:
    orgs: tuple[Organisation, ...]
    ranked: tuple[int, ...]  # pool positions in the plain ranking's order (baseline)
    chunks: tuple[ChunkSet, ...]
    raw_cover: np.ndarray  # (n, c) best cosine of each competence to each candidate
    best_chunk: np.ndarray  # (n, c) which chunk gave it (-1: the candidate has none)
    raw_relevance: np.ndarray  # (n,) the engine's ranking score for the need
    area_hits: np.ndarray  # (n, a)
    closeness: np.ndarray  # (n, n) past joint work and shared partners of each pair


def resolve(engine: Matchmaker, request: ConsortiumRequest) -> NeedSpec:
    role_kinds = tuple(k for role in request.roles for k in role.kinds)
    if request.need_id:
        need = engine.need(request.need_id)
        title, description, need_areas = need.title, need.description, need.areas
        need_kinds = tuple(k.value for k in need.kinds)
    else:
        title, description, need_areas, need_kinds = "", request.text.strip(), (), ()
    kinds = request.kinds or tuple(dict.fromkeys((need_kinds or MEMBER_KINDS) + role_kinds))
    areas = request.areas or need_areas or _inferred_areas(engine, f"{title}. {description}")
    fixed = [(request.asker_id, "asker")] if request.asker_id else []
    others = dict.fromkeys(o for o in request.must_include if o != request.asker_id)
    fixed += [(o, "must include") for o in others]
    countries = (
        () if request.other_countries else tuple(c.country.upper() for c in request.countries)
    )
    return NeedSpec(
        request.need_id,
        title,
        description,
        tuple(areas),
        kinds,
        countries,
        tuple(fixed),
        frozenset(request.must_exclude),
    )


def _inferred_areas(engine: Matchmaker, text: str) -> tuple[str, ...]:
    return tuple(a.area_id for a in engine.areas(text) if a.assigned)


def competences_of(spec: NeedSpec) -> list[Competence]:
    return decompose(spec.title, spec.description)


@dataclass(frozen=True)
class RankedPool:
    ids: list[str]  # fixed members first
    ranked: list[str]  # the plain ranking's ids, best first
    scores: dict[str, float]  # ranking score per id
    learned: bool  # the plain ranking came from the learned need ranker


def build_pool(engine: Matchmaker, spec: NeedSpec, request: ConsortiumRequest) -> RankedPool:
    """The pool: the need's own ranking, then the best of each required role and country."""
    fixed = [org_id for org_id, _ in spec.fixed]
    base = Filters(kinds=spec.kinds, countries=spec.countries, exclude=spec.exclude | set(fixed))
    main = _ranking(engine, spec, request.pool_size, base)
    extra: dict[str, float] = {}
    for role in request.roles:
        k = max(EXTRA_PER_RULE, 3 * role.at_least)
        extra.update(_scores(_ranking(engine, spec, k, replace(base, kinds=role.kinds))))
    for country in request.countries:
        if country.at_least > 0:
            k = max(EXTRA_PER_RULE, 3 * country.at_least)
            flt = replace(base, countries=(country.country,))
            extra.update(_scores(_ranking(engine, spec, k, flt)))
    ranked = _scores(main)
    pool = list(dict.fromkeys([*fixed, *ranked, *extra]))
    return RankedPool(pool, list(ranked), {**extra, **ranked}, main.learned)


def _ranking(engine: Matchmaker, spec: NeedSpec, k: int, flt: Filters) -> ResultList:
    k = min(k, 100)
    if spec.need_id:
        return engine.need_matches(spec.need_id, k, flt)
    return engine.search(spec.text, k, flt)


def _scores(results: ResultList) -> dict[str, float]:
    return {m.org_id: m.score for m in results}


def pool_data(
    engine: Matchmaker, spec: NeedSpec, competences: list[Competence], ranked_pool: RankedPool
) -> PoolData:
    pool, ranked, scores = ranked_pool.ids, ranked_pool.ranked, ranked_pool.scores
    vectors = engine.encode_queries([c.text for c in competences])
    orgs = tuple(engine.organisation(o) for o in pool)
    chunks = tuple(engine.capabilities(o) for o in pool)
    raw = np.zeros((len(pool), len(competences)))
    arg = np.full((len(pool), len(competences)), -1)
    for i, cs in enumerate(chunks):
        if len(cs):
            sims = cs.vectors @ vectors.T
            raw[i], arg[i] = sims.max(axis=0), sims.argmax(axis=0)
    # fixed members outside the ranking get the pool's lowest score: they are in every team,
    # so it only sets where the reported relevance starts
    floor = min(scores.values(), default=0.0)
    relevance = np.array([scores.get(o, floor) for o in pool])
    hits = np.array([[a in org.areas for a in spec.areas] for org in orgs], dtype=bool)
    position = {o: i for i, o in enumerate(pool)}
    return PoolData(
        orgs,
        tuple(position[o] for o in ranked),
        chunks,
        raw,
        arg,
        relevance,
        hits.reshape(len(pool), len(spec.areas)),
        engine.team_closeness(pool),
    )
