"""Who may see what: one rule for every answer the service gives, in JSON, CSV or a page.

Staff and members see whole records. Investors see the public profile: never evidence
texts, identifiers, ticket sizes or investment focus, and never an explanation, a
shortlist's evidence or a consortium's coverage that quotes an evidence text. Every response
path applies the rule through the functions below (the API's converters call them), so a
new endpoint cannot forget a field: what it returns passes through `visible_*` or it
returns nothing private to begin with.

The rule hides text, not influence: evidence still counts in the ranking for everyone (a
proven record is why a candidate ranks high), so an investor learns that an organisation
matches, never what its private documents say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from matcher.chunking import EVIDENCE
from matcher.consortium import ConsortiumResult, Team
from matcher.consortium.result import CoverageRow, TeamMember
from matcher.results import Explanation, Match, ResultList, TextPair
from matcher.shortlist import Pick, Shortlist
from matcher.store.keys import Role

# Fields of an organisation record that only roles with private access see.
PRIVATE_FIELDS = frozenset(
    {"evidence", "identifiers", "ticket_min_eur", "ticket_max_eur", "focus_stages", "focus_areas"}
)
# Chunk fields whose text is private (an explanation pair quoting one is hidden).
PRIVATE_TEXT_FIELDS = frozenset({EVIDENCE})
_PRIVATE_ACCESS = frozenset({Role.STAFF, Role.MEMBER})
T = TypeVar("T")


def sees_private(role: Role) -> bool:
    return role in _PRIVATE_ACCESS


def visible_record(record: Mapping[str, Any], role: Role) -> dict[str, Any]:
    """An organisation record (a stored document, an audit row's before or after) as the
    role may see it."""
    if sees_private(role):
        return dict(record)
    return {k: v for k, v in record.items() if k not in PRIVATE_FIELDS}


def visible_results(results: ResultList, role: Role) -> ResultList:
    if sees_private(role):
        return results
    return replace(results, matches=tuple(_match(m) for m in results.matches))


def _match(match: Match) -> Match:
    return replace(match, explanation=_explanation(match.explanation))


def _public_pair(pair: TextPair) -> bool:
    return not {pair.query_field, pair.match_field} & PRIVATE_TEXT_FIELDS


def _explanation(e: Explanation) -> Explanation:
    """Pairs quoting a private text leave; the best pair becomes the best public one."""
    pairs = tuple(p for p in e.pairs if _public_pair(p))
    best = e.best_pair if e.best_pair is not None and _public_pair(e.best_pair) else None
    if best is None and pairs:
        best = max(pairs, key=lambda p: p.score)
    return replace(e, pairs=pairs, best_pair=best)


def visible_shortlist(shortlist: Shortlist, role: Role) -> Shortlist:
    if sees_private(role):
        return shortlist
    categories = tuple(
        replace(cs, picks=tuple(_pick(p) for p in cs.picks)) for cs in shortlist.categories
    )
    return replace(shortlist, categories=categories)


def _pick(pick: Pick) -> Pick:
    return replace(
        pick, evidence=tuple(e for e in pick.evidence if e.field not in PRIVATE_TEXT_FIELDS)
    )


def visible_consortium(result: ConsortiumResult, role: Role) -> ConsortiumResult:
    if sees_private(role):
        return result
    teams: Callable[[Team], Team] = _team
    return replace(
        result,
        best=teams(result.best),
        alternatives=tuple(teams(t) for t in result.alternatives),
        baseline=teams(result.baseline) if result.baseline is not None else None,
    )


def _team(team: Team) -> Team:
    members = tuple(_member(m) for m in team.members)
    public = {c.match_text for m in members for c in m.contributions}
    # a coverage row names its text without the field it came from: it stays only when the
    # same text is a member's public contribution, else it is blanked
    coverage = tuple(_coverage(row, public) for row in team.coverage)
    return replace(team, members=members, coverage=coverage)


def _member(member: TeamMember) -> TeamMember:
    kept = tuple(
        c if c.match_field not in PRIVATE_TEXT_FIELDS else replace(c, match_field="", match_text="")
        for c in member.contributions
    )
    return replace(member, contributions=kept)


def _coverage(row: CoverageRow, public: set[str]) -> CoverageRow:
    return row if not row.match_text or row.match_text in public else replace(row, match_text="")


def visible_rows(
    rows: list[dict[str, Any]], role: Role, record_keys: tuple[str, ...] = ("before", "after")
) -> list[dict[str, Any]]:
    """Rows (audit entries) whose `before` and `after` hold organisation records."""
    if sees_private(role):
        return rows
    return [{k: _nested(v) if k in record_keys else v for k, v in r.items()} for r in rows]


def _nested(value: Any) -> Any:
    if isinstance(value, Mapping):
        return visible_record(value, Role.INVESTOR)
    if isinstance(value, list):
        return [_nested(v) for v in value]
    return value
