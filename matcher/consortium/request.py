"""What staff ask for: a need, a team size, roles, countries, members in and out.

Validation collects every problem at once (each naming its field), so the CLI and the API
can show them together; whether the request can be met is a separate question, answered by
the builder with InfeasibleRequestError.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.consortium.objective import ObjectiveSettings
from matcher.errors import DataValidationError, Problem
from matcher.model import Cluster, OrgKind
from matcher.taxonomy import Taxonomy

MAX_TEAM = 50
MAX_ALTERNATIVES = 5
POOL_RANGE = (10, 100)


@dataclass(frozen=True)
class RoleRequirement:
    """At least / at most this many members of these kinds (alternatives: research OR uni)."""

    kinds: tuple[str, ...]
    at_least: int = 1
    at_most: int | None = None
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or "/".join(self.kinds)


@dataclass(frozen=True)
class CountryRequirement:
    country: str  # ISO 3166 alpha-2, e.g. "FI"
    at_least: int = 1
    at_most: int | None = None


@dataclass(frozen=True)
class ConsortiumRequest:
    """A need id or a free text, plus the team's constraints.

    Eligible kinds: `kinds` when given; else the need's kinds (or every kind but investor)
    plus the kinds the roles name. `other_countries=False` admits only the countries listed.
    The need's owner asks rather than joins: it is a member only as asker or must-include.
    """

    need_id: str | None = None
    text: str = ""
    min_size: int = 3
    max_size: int = 5
    areas: tuple[str, ...] = ()
    roles: tuple[RoleRequirement, ...] = ()
    countries: tuple[CountryRequirement, ...] = ()
    other_countries: bool = True
    kinds: tuple[str, ...] = ()
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()
    asker_id: str | None = None
    alternatives: int = 2
    pool_size: int = 60
    # None: the default for the ranking that fills the pool (objective.default_objective)
    objective: ObjectiveSettings | None = None


def validate(request: ConsortiumRequest, cluster: Cluster, taxonomy: Taxonomy) -> None:
    """Raise DataValidationError naming every field that is wrong."""
    problems = [
        *_source_problems(request),
        *_size_problems(request),
        *_role_problems(request.roles, request.kinds),
        *_country_problems(request.countries),
        *_member_problems(request, cluster),
    ]
    problems += [
        Problem(f"unknown subject area {a!r}", column="areas")
        for a in taxonomy.unknown(request.areas)
    ]
    if problems:
        raise DataValidationError(problems, "invalid consortium request")


def _source_problems(r: ConsortiumRequest) -> list[Problem]:
    if bool(r.need_id) == bool(r.text.strip()):
        return [Problem("give either a need id or a text, not both", column="need_id")]
    return []


def _size_problems(r: ConsortiumRequest) -> list[Problem]:
    out = []
    if not 1 <= r.min_size <= r.max_size <= MAX_TEAM:
        out.append(Problem(f"need 1 <= min_size <= max_size <= {MAX_TEAM}", column="min_size"))
    if not 0 <= r.alternatives <= MAX_ALTERNATIVES:
        out.append(Problem(f"must be between 0 and {MAX_ALTERNATIVES}", column="alternatives"))
    if not POOL_RANGE[0] <= r.pool_size <= POOL_RANGE[1]:
        out.append(
            Problem(f"must be between {POOL_RANGE[0]} and {POOL_RANGE[1]}", column="pool_size")
        )
    return out


def _role_problems(roles: tuple[RoleRequirement, ...], kinds: tuple[str, ...]) -> list[Problem]:
    known = {k.value for k in OrgKind}
    out: list[Problem] = []
    seen: set[str] = set()
    for kind in kinds:
        if kind not in known:
            out.append(Problem(f"unknown kind {kind!r}", column="kinds"))
    for role in roles:
        bad = [k for k in role.kinds if k not in known]
        if bad or not role.kinds:
            out.append(Problem(f"role {role.name!r}: unknown or no kinds {bad}", column="roles"))
        if role.at_least < 0 or (role.at_most is not None and role.at_most < role.at_least):
            out.append(
                Problem(f"role {role.name!r}: need 0 <= at_least <= at_most", column="roles")
            )
        # a member fills one role; overlapping groups would make its count ambiguous
        if seen & set(role.kinds):
            out.append(
                Problem(f"kind(s) {sorted(seen & set(role.kinds))} in two roles", column="roles")
            )
        seen |= set(role.kinds)
        if kinds and not set(role.kinds) <= set(kinds):
            out.append(Problem(f"role {role.name!r} names kinds outside `kinds`", column="roles"))
    return out


def _country_problems(countries: tuple[CountryRequirement, ...]) -> list[Problem]:
    out, seen = [], set()
    for c in countries:
        code = c.country.upper()
        if len(code) != 2 or not code.isalpha():
            out.append(
                Problem(f"{c.country!r} is not a two-letter country code", column="countries")
            )
        if code in seen:
            out.append(Problem(f"{code} listed twice", column="countries"))
        if c.at_least < 0 or (c.at_most is not None and c.at_most < c.at_least):
            out.append(Problem(f"{code}: need 0 <= at_least <= at_most", column="countries"))
        seen.add(code)
    return out


def _member_problems(r: ConsortiumRequest, cluster: Cluster) -> list[Problem]:
    out = []
    named = [("must_include", i) for i in r.must_include] + [
        ("must_exclude", i) for i in r.must_exclude
    ]
    named += [("asker_id", r.asker_id)] if r.asker_id else []
    for column, org_id in named:
        if org_id not in cluster.organisations:
            out.append(Problem(f"unknown organisation id {org_id!r}", column=column))
    both = (set(r.must_include) | ({r.asker_id} if r.asker_id else set())) & set(r.must_exclude)
    if both:
        out.append(Problem(f"both required and excluded: {sorted(both)}", column="must_exclude"))
    return out
