"""The entry point: `build_consortium(engine, request) -> ConsortiumResult`."""

from __future__ import annotations

from matcher.consortium.builder import evaluate, teams, top_k
from matcher.consortium.explain import explain
from matcher.consortium.feasibility import Bound, TeamRules
from matcher.consortium.objective import Scorer, default_objective, make_problem
from matcher.consortium.pool import (
    NeedSpec,
    PoolData,
    build_pool,
    competences_of,
    pool_data,
    resolve,
)
from matcher.consortium.report import ReportContext, render
from matcher.consortium.request import ConsortiumRequest, validate
from matcher.consortium.result import ConsortiumResult
from matcher.engine import Matchmaker
from matcher.errors import InfeasibleRequestError


def build_consortium(engine: Matchmaker, request: ConsortiumRequest) -> ConsortiumResult:
    """The best team for a need under the request's rules, alternatives, and the baseline.

    Raises DataValidationError for a malformed request, NotFoundError for an unknown need,
    InfeasibleRequestError (with every reason) when no team can meet the rules.
    """
    validate(request, engine.snapshot(), engine.taxonomy)
    spec = resolve(engine, request)
    competences = competences_of(spec)
    pool = build_pool(engine, spec, request)
    data = pool_data(engine, spec, competences, pool)
    rules = team_rules(request, spec, data)
    if not rules.completable(rules.fixed):
        reasons = explain(rules, [o.id for o in data.orgs[: len(spec.fixed)]])
        raise InfeasibleRequestError(f"no team can meet the request: {reasons[0]}", reasons)
    problem = make_problem(
        data.raw_cover,
        data.raw_relevance,
        request.max_size,
        data.area_hits,
        objective=request.objective or default_objective(pool.learned),
        closeness=data.closeness,
    )
    scorer = Scorer(problem)
    baseline = top_k(data.ranked, rules)
    best, *others = teams(scorer, rules, baseline, request.alternatives)
    labels = {i: label for i, (_, label) in enumerate(spec.fixed)}
    ctx = ReportContext(data, competences, spec.areas, rules, scorer, labels)
    plain = evaluate(scorer, baseline, "top-k") if baseline else None
    return ConsortiumResult(
        spec.need_id,
        spec.text,
        tuple(competences),
        spec.areas,
        render(ctx, best),
        tuple(render(ctx, s) for s in others),
        render(ctx, plain) if plain else None,
        len(pool.ids),
        _warnings(spec, data, rules, baseline),
    )


def team_rules(request: ConsortiumRequest, spec: NeedSpec, data: PoolData) -> TeamRules:
    roles = tuple(Bound(r.name, r.at_least, r.at_most) for r in request.roles)
    countries = tuple(Bound(c.country.upper(), c.at_least, c.at_most) for c in request.countries)
    role_index = {k: g for g, r in enumerate(request.roles) for k in r.kinds}
    country_index = {c.country.upper(): i for i, c in enumerate(request.countries)}
    return TeamRules(
        min_size=request.min_size,
        max_size=request.max_size,
        role_of=tuple(role_index.get(o.kind.value, -1) for o in data.orgs),
        country_of=tuple(country_index.get(o.country.upper(), -1) for o in data.orgs),
        roles=roles,
        countries=countries,
        fixed=tuple(range(len(spec.fixed))),
    )


def _warnings(
    spec: NeedSpec, data: PoolData, rules: TeamRules, baseline: list[int]
) -> tuple[str, ...]:
    out = []
    if not rules.satisfied(baseline):
        out.append("the plain ranking's top team breaks the rules; it is shown for comparison only")
    empty = [o.id for o, c in zip(data.orgs, data.chunks, strict=True) if len(c) == 0]
    if empty:
        out.append(f"no capability texts for {', '.join(empty)}: they cover no competence")
    if not spec.areas:
        out.append("no subject areas given or recognised in the text")
    return tuple(out)
