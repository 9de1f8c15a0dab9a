"""Consortium builder: each rule, must-in/out, infeasible requests with their reasons, and the
objective never below the plain top-k team's (property tests against brute force)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import (
    Cluster,
    DataValidationError,
    EngineSettings,
    InfeasibleRequestError,
    Matchmaker,
    Need,
    NotFoundError,
    Organisation,
    OrgKind,
    load_taxonomy,
)
from matcher.consortium import (
    ConsortiumRequest,
    ConsortiumResult,
    CountryRequirement,
    RoleRequirement,
    build_consortium,
    decompose,
)
from matcher.consortium.builder import greedy, solve, top_k
from matcher.consortium.feasibility import Bound, TeamRules
from matcher.consortium.objective import RELEVANCE_LED, ObjectiveSettings, Scorer, TeamProblem
from tests.conftest import HashingEncoder


def org(ident: str, kind: str, country: str, text: str, *areas: str) -> Organisation:
    offers = tuple(part.strip() for part in text.split(";"))
    return Organisation(
        ident,
        ident.replace("-", " ").title(),
        OrgKind(kind),
        country,
        description=offers[0],
        offers=offers[1:],
        areas=areas,
    )


ORGS = [
    org(
        "heat-fi",
        "sme",
        "FI",
        "Exhaust air heat pumps for domestic hot water in apartment blocks; "
        "heat pumps for hot water",
        "energy_efficiency",
    ),
    org(
        "heat-fi2",
        "sme",
        "FI",
        "Exhaust air heat pumps for domestic hot water; heat pumps for "
        "apartment blocks and domestic hot water",
        "energy_efficiency",
    ),
    org(
        "meter-no",
        "sme",
        "NO",
        "Smart metering of all utilities; meter data platform for water, "
        "heat and electricity utilities",
        "smart_city_grids",
    ),
    org(
        "ev-ru",
        "company",
        "RU",
        "EV charging in underground car parks; charging stations for electric cars in car parks",
        "urban_transport",
    ),
    org(
        "waste-ru",
        "sme",
        "RU",
        "Separate waste collection; containers and sorting for separate "
        "waste collection in housing",
        "waste_management",
    ),
    org(
        "lab-fi",
        "research",
        "FI",
        "Quarter level energy management system; research on energy "
        "management systems for a city quarter",
        "it_cleantech",
        "smart_city_grids",
    ),
    org(
        "uni-no",
        "university",
        "NO",
        "University research on energy management and metering data; teaching",
        "it_cleantech",
    ),
    org(
        "city-ru",
        "city_authority",
        "RU",
        "District administration offering pilot sites in a city quarter; housing department",
    ),
    org(
        "city-no",
        "city_authority",
        "NO",
        "Municipality offering pilot sites for a city quarter; urban development office",
    ),
    org(
        "owner-ru",
        "city_authority",
        "RU",
        "City development agency for an energy efficient city quarter",
    ),
    org(
        "fund-fi",
        "investor",
        "FI",
        "Investor in smart metering of all utilities; EV charging in underground car parks",
    ),
]
NEED = Need(
    "need-q",
    "Energy efficient city quarter",
    "Partners are sought for exhaust air heat pumps for domestic hot water, a quarter level "
    "energy management system, smart metering of all utilities, EV charging in underground car "
    "parks and separate waste collection.",
    owner_id="owner-ru",
    areas=("energy_efficiency", "smart_city_grids", "urban_transport", "waste_management"),
)
SPECIALISTS = {"meter-no", "ev-ru", "waste-ru", "lab-fi"}


@pytest.fixture(scope="module")
def engine() -> Matchmaker:
    cluster = Cluster.of(ORGS, [NEED])
    # a bag-of-words encoder has no language direction to centre away
    settings = EngineSettings(center_languages=False)
    return Matchmaker.build(cluster, settings, HashingEncoder(), load_taxonomy())


# The hashing encoder's cosines spread over 0..1, wider than a real model's, so the lead
# that counts as covering a competence is scaled to it.
HASHING = ObjectiveSettings(min_lead=0.4)


def build(engine: Matchmaker, **kw: object) -> ConsortiumResult:
    fields = {"need_id": "need-q", "objective": HASHING, **kw}
    return build_consortium(engine, ConsortiumRequest(**fields))  # type: ignore[arg-type]


# --- decomposition ---------------------------------------------------------------------------
def test_list_sentence_becomes_one_competence_per_item() -> None:
    parts = [c.text for c in decompose(NEED.title, NEED.description)]
    assert parts[0] == "Energy efficient city quarter"
    assert any(p.endswith("for domestic hot water") for p in parts)
    assert "smart metering of all utilities" in parts and len(parts) == 6


def test_abbreviations_do_not_split_and_long_texts_are_merged_not_cut() -> None:
    parts = decompose("", "Pilots in St. Petersburg and Oslo need partners now. " * 1 + "Short.")
    assert parts[0].text.startswith("Pilots in St. Petersburg and Oslo")
    long_text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(30))
    pieces = decompose("", long_text, limit=8)
    assert len(pieces) == 8 and "topic 29" in pieces[-1].text and "topic 0" in pieces[0].text


# --- the team ----------------------------------------------------------------------------------
def test_best_team_covers_every_competence_without_two_heat_pump_makers(engine: Matchmaker) -> None:
    result = build(engine, min_size=5, max_size=5)
    ids = set(result.best.ids())
    assert ids >= SPECIALISTS and len(ids & {"heat-fi", "heat-fi2"}) == 1
    assert not result.best.gaps
    covered = {c.competence_id for m in result.best.members for c in m.contributions}
    assert covered == {c.id for c in result.competences}
    # the plain ranking takes both heat-pump makers (they repeat the need's words) and misses one
    assert result.baseline is not None and {"heat-fi", "heat-fi2"} <= set(result.baseline.ids())
    assert result.best.score.total >= result.baseline.score.total


def test_contributions_quote_the_members_own_text(engine: Matchmaker) -> None:
    result = build(engine, min_size=5, max_size=5)
    for member in result.best.members:
        texts = set(engine.capabilities(member.org_id).texts)
        assert all(c.match_text in texts for c in member.contributions)
    ev = next(m for m in result.best.members if m.org_id == "ev-ru")
    assert any("EV charging" in c.competence for c in ev.contributions)


def test_alternatives_are_distinct_and_not_better(engine: Matchmaker) -> None:
    result = build(engine, min_size=4, max_size=5, alternatives=3)
    teams = [frozenset(t.ids()) for t in (result.best, *result.alternatives)]
    assert len(result.alternatives) >= 2 and len(set(teams)) == len(teams)
    assert all(t.score.total <= result.best.score.total + 1e-9 for t in result.alternatives)


def test_role_requirements_are_met(engine: Matchmaker) -> None:
    roles = (
        RoleRequirement(("research", "university"), 1, 1),
        RoleRequirement(("city_authority",), 1),
        RoleRequirement(("sme",), 2),
    )
    team = build(engine, min_size=4, max_size=5, roles=roles).best
    kinds = [m.kind for m in team.members]
    assert sum(k in ("research", "university") for k in kinds) == 1
    assert "city_authority" in kinds and kinds.count("sme") >= 2
    assert all(c.met for c in team.constraints)
    assert {m.role for m in team.members if m.kind == "city_authority"} == {"city_authority"}


def test_country_requirements_at_least_and_at_most(engine: Matchmaker) -> None:
    countries = (
        CountryRequirement("RU", 1),
        CountryRequirement("FI", 1, 1),
        CountryRequirement("NO", 2),
    )
    team = build(engine, min_size=4, max_size=5, countries=countries).best
    found = [m.country for m in team.members]
    assert found.count("FI") == 1 and found.count("NO") >= 2 and "RU" in found


def test_only_listed_countries(engine: Matchmaker) -> None:
    countries = (CountryRequirement("FI", 0), CountryRequirement("NO", 1))
    team = build(engine, min_size=2, max_size=4, countries=countries, other_countries=False).best
    assert {m.country for m in team.members} <= {"FI", "NO"}


def test_must_include_must_exclude_and_asker(engine: Matchmaker) -> None:
    result = build(
        engine,
        min_size=4,
        max_size=5,
        alternatives=2,
        must_include=("uni-no", "uni-no", "owner-ru"),
        must_exclude=("meter-no", "ev-ru"),
        asker_id="owner-ru",
    )
    for team in (result.best, *result.alternatives):
        ids = team.ids()
        assert {"uni-no", "owner-ru"} <= set(ids) and not {"meter-no", "ev-ru"} & set(ids)
    fixed = {m.org_id: m.fixed for m in result.best.members if m.fixed}
    assert fixed == {"owner-ru": "asker", "uni-no": "must include"}
    assert result.baseline is not None and "meter-no" not in result.baseline.ids()


def test_investors_join_only_when_asked_for(engine: Matchmaker) -> None:
    assert "fund-fi" not in build(engine, min_size=5, max_size=6).best.ids()
    roles = (RoleRequirement(("investor",), 1),)
    assert "fund-fi" in build(engine, min_size=5, max_size=6, roles=roles).best.ids()


def test_a_competence_nobody_covers_is_a_named_gap(engine: Matchmaker) -> None:
    text = (
        "Smart metering of all utilities. Tokamak plasma confinement with superconducting magnets."
    )
    result = build(engine, need_id=None, text=text, min_size=2, max_size=3)
    gaps = [r for r in result.best.coverage if r.gap]
    assert any("Tokamak" in r.label for r in gaps)
    assert any("Tokamak" in g for g in result.best.gaps)


# --- infeasible and invalid requests --------------------------------------------------------
def reasons_of(engine: Matchmaker, **kw: object) -> list[str]:
    with pytest.raises(InfeasibleRequestError) as exc:
        build(engine, **kw)
    assert str(exc.value).startswith("no team can meet the request")
    return list(exc.value.reasons)


def test_infeasible_role_count_names_the_role(engine: Matchmaker) -> None:
    roles = (RoleRequirement(("city_authority",), 4),)
    reasons = reasons_of(engine, min_size=3, max_size=5, roles=roles)
    # three city authorities, but the need's owner asks rather than joins unless it is the asker
    assert any("role city_authority needs at least 4, but only 2" in r for r in reasons)


def test_infeasible_when_requirements_exceed_the_team_size(engine: Matchmaker) -> None:
    countries = (
        CountryRequirement("RU", 2),
        CountryRequirement("FI", 2),
        CountryRequirement("NO", 2),
    )
    reasons = reasons_of(engine, min_size=3, max_size=5, countries=countries)
    assert any(
        "at least 6 members together, more than the maximum team size 5" in r for r in reasons
    )


def test_infeasible_fixed_members_break_a_limit(engine: Matchmaker) -> None:
    reasons = reasons_of(
        engine,
        min_size=2,
        max_size=3,
        must_include=("heat-fi", "heat-fi2"),
        countries=(CountryRequirement("FI", 0, 1),),
    )
    assert any("country FI: the fixed members already include 2" in r for r in reasons)
    too_many = reasons_of(engine, min_size=1, max_size=1, must_include=("heat-fi", "lab-fi"))
    assert any("2 members are fixed (heat-fi, lab-fi)" in r for r in too_many)


def test_infeasible_combination_is_explained_with_the_table(engine: Matchmaker) -> None:
    # research bodies are only in FI and NO; forbid both countries' research by the limits
    roles = (RoleRequirement(("research", "university"), 1),)
    countries = (CountryRequirement("FI", 0, 0), CountryRequirement("NO", 0, 0))
    reasons = reasons_of(engine, min_size=2, max_size=4, roles=roles, countries=countries)
    assert len(reasons) == 1 and "together" in reasons[0]
    assert "research/university: FI 1, NO 1, other countries 0" in reasons[0]


def test_infeasible_upper_limits_leave_too_few_seats(engine: Matchmaker) -> None:
    countries = (CountryRequirement("FI", 0, 0), CountryRequirement("RU", 0, 1))
    reasons = reasons_of(engine, min_size=2, max_size=3, countries=countries, other_countries=False)
    assert reasons == [
        "the country limits leave room for at most 1 of the candidates, "
        "fewer than the minimum team size 2"
    ]


def test_validation_names_every_bad_field(engine: Matchmaker) -> None:
    bad = ConsortiumRequest(
        need_id="need-q",
        text="also text",
        min_size=4,
        max_size=2,
        areas=("nope",),
        roles=(RoleRequirement(("sme",), 1), RoleRequirement(("sme", "martian"), 1)),
        countries=(CountryRequirement("Finland", 1),),
        must_include=("ghost",),
        must_exclude=("lab-fi",),
        asker_id="lab-fi",
    )
    with pytest.raises(DataValidationError) as exc:
        build_consortium(engine, bad)
    columns = {p.column for p in exc.value.problems}
    assert columns >= {"need_id", "min_size", "areas", "roles", "countries", "must_include"}
    assert "must_exclude" in columns  # lab-fi both asker and excluded


def test_unknown_need_is_not_found(engine: Matchmaker) -> None:
    with pytest.raises(NotFoundError):
        build_consortium(engine, ConsortiumRequest(need_id="need-404"))


# --- the optimiser against brute force -------------------------------------------------------
@st.composite
def instances(draw: st.DrawFn) -> tuple[TeamProblem, TeamRules]:
    n = draw(st.integers(3, 7))
    c = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    lo = draw(st.integers(1, 3))
    hi = draw(st.integers(lo, min(4, n)))
    problem = TeamProblem(
        cover=rng.random((n, c)) * (rng.random((n, c)) < 0.7),
        weights=rng.random(c) + 0.2,
        relevance=rng.random(n),
        area_hits=rng.random((n, 2)) < 0.4,
        max_size=hi,
        objective=ObjectiveSettings(
            1.0, draw(st.sampled_from([0.0, 0.5])), 0.3, draw(st.sampled_from([0.0, 0.3, 1.0]))
        ),
    )
    n_roles, n_countries = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    roles = tuple(_bound(draw, f"r{i}") for i in range(n_roles))
    countries = tuple(_bound(draw, f"c{i}") for i in range(n_countries))
    rules = TeamRules(
        lo,
        hi,
        role_of=tuple(int(x) for x in rng.integers(-1, n_roles, n)),
        country_of=tuple(int(x) for x in rng.integers(-1, n_countries, n)),
        roles=roles,
        countries=countries,
        fixed=tuple(draw(st.sets(st.integers(0, n - 1), max_size=2))),
    )
    return problem, rules


def _bound(draw: st.DrawFn, name: str) -> Bound:
    at_least = draw(st.integers(0, 2))
    at_most = draw(st.one_of(st.none(), st.integers(at_least, 3)))
    return Bound(name, at_least, at_most)


def feasible_teams(rules: TeamRules, n: int) -> list[list[int]]:
    teams = []
    for size in range(rules.min_size, rules.max_size + 1):
        teams += [list(t) for t in itertools.combinations(range(n), size) if rules.satisfied(t)]
    return teams


@settings(max_examples=250, deadline=None)
@given(instances())
def test_builder_never_below_top_k_and_never_above_the_optimum(
    instance: tuple[TeamProblem, TeamRules],
) -> None:
    problem, rules = instance
    scorer = Scorer(problem)
    teams = feasible_teams(rules, problem.size)
    assert rules.completable(rules.fixed) == bool(teams)
    if not teams:
        return
    order = [int(i) for i in np.argsort(-problem.relevance)]
    baseline = top_k(order, rules)
    found = solve(scorer, rules, baseline)
    assert rules.satisfied(found.members)
    optimum = max(scorer.value(t) for t in teams)
    assert found.value <= optimum + 1e-9
    if rules.satisfied(baseline):
        assert found.value >= scorer.value(baseline) - 1e-9


@settings(max_examples=200, deadline=None)
@given(instances(), st.data())
def test_completable_matches_brute_force_for_partial_teams(
    instance: tuple[TeamProblem, TeamRules], data: st.DataObject
) -> None:
    problem, rules = instance
    n = problem.size
    partial = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=rules.max_size)))
    expected = any(set(partial) <= set(t) for t in feasible_teams(rules, n))
    assert rules.completable(partial) == expected


@settings(max_examples=150, deadline=None)
@given(instances(), st.data())
def test_marginal_gains_shrink_and_agree_with_the_objective(
    instance: tuple[TeamProblem, TeamRules], data: st.DataObject
) -> None:
    problem, _ = instance
    scorer, n = Scorer(problem), problem.size
    big = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n - 1)))
    small = [m for m in big if data.draw(st.booleans())]
    outside = [i for i in range(n) if i not in big]
    for i in outside:
        g_small = scorer.gain(i, small, *scorer.state(small))
        g_big = scorer.gain(i, big, *scorer.state(big))
        assert g_small >= g_big - 1e-9  # submodular: what lazy greedy relies on
        assert g_big == pytest.approx(scorer.value([*big, i]) - scorer.value(big))
        assert scorer.values_with(big)[i] == pytest.approx(scorer.value([*big, i]))


def test_duplicates_are_members_whose_coverage_the_other_repeats() -> None:
    cover = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],  # heat pumps
            [0.9, 0.0, 0.0, 0.0],  # heat pumps again
            [0.0, 1.0, 0.0, 0.0],  # metering
            [0.8, 0.7, 0.6, 0.0],  # a generalist
        ]
    )
    problem = TeamProblem(cover, np.ones(4), np.ones(4), np.zeros((4, 0), bool), 3)
    dup = problem.overlap()
    assert dup[0, 1] == pytest.approx(1.0) and dup[0, 2] == 0.0
    assert dup[1, 0] == dup[0, 1] and np.all(np.diag(dup) == 0)
    # the generalist repeats 0.8 of the heat-pump maker's 1.0: (0.8 - 0.5) / 0.5 = 0.6
    assert dup[0, 3] == pytest.approx(0.6) and dup[2, 3] == pytest.approx(0.4)


def test_lazy_greedy_matches_plain_greedy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n, c = 12, 5
        problem = TeamProblem(
            rng.random((n, c)), np.ones(c), rng.random(n), np.zeros((n, 0), bool), 5
        )
        rules = TeamRules(5, 5, (-1,) * n, (-1,) * n)
        scorer = Scorer(problem)
        eager: list[int] = []
        for _ in range(5):
            pick = max(
                (i for i in range(n) if i not in eager), key=lambda i: scorer.value([*eager, i])
            )
            eager.append(pick)
        assert greedy(scorer, rules) == eager


def test_default_objective_follows_what_ranked_the_pool(engine: Matchmaker) -> None:
    # a need with an owner is ranked by the learned need ranker (the shipped model): the
    # default objective is then led by that ranking; the same words as a free text (no
    # asker, the linear search weights) get the set-aware default
    assert engine.need_matches("need-q", 5).learned
    assert not engine.search(NEED.text(), 5).learned
    by_need = build_consortium(engine, ConsortiumRequest(need_id="need-q", min_size=4, max_size=4))
    by_text = build_consortium(engine, ConsortiumRequest(text=NEED.text(), min_size=4, max_size=4))
    assert by_need.best.score.weights == RELEVANCE_LED.weights()
    assert by_text.best.score.weights == ObjectiveSettings().weights()
    assert RELEVANCE_LED.team == 0 < ObjectiveSettings().team
    # a request that sets its own objective keeps it, whatever ranked the pool
    own = build(engine, min_size=4, max_size=4)
    assert own.best.score.weights == HASHING.weights()


def test_a_relevance_led_team_keeps_the_ranking_unless_coverage_gains_more() -> None:
    # three candidates ranked 0 > 1 > 2; 0 and 1 cover the same competence, 2 another one.
    # Led by relevance, a team of two follows the ranking when relevance differs a lot, and
    # still takes the complementary member when the ranking barely separates them
    cover = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    rules = TeamRules(2, 2, (-1,) * 3, (-1,) * 3)
    for relevance, expected in (([1.0, 0.9, 0.0], {0, 1}), ([1.0, 0.99, 0.98], {0, 2})):
        problem = TeamProblem(
            cover, np.ones(2), np.asarray(relevance), np.zeros((3, 0), bool), 2, RELEVANCE_LED
        )
        assert set(solve(Scorer(problem), rules).members) == expected
