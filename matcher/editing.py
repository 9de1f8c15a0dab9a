"""What a member may change in its own record, and what stays with staff.

A member key edits its organisation's profile (texts, offers, seeks, evidence, places) but
not what the cluster decides about it: its kind (an SME that turns itself into an investor
would change what every other key sees of it) and its registry identifiers (the hard keys
duplicate detection merges on). Nor may it take another organisation's name, exactly or
nearly (the name matcher's "match": legal forms, transliteration and spelling aside).
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.errors import Problem
from matcher.model import Organisation
from matcher.names import NameRecord, find_duplicates

STAFF_OWNED = ("kind", "identifiers")


def member_edit_problems(
    before: Organisation, after: Organisation, others: Iterable[Organisation]
) -> list[Problem]:
    """Why a member may not replace `before` by `after` (empty when it may)."""
    problems = []
    if after.kind != before.kind:
        problems.append(Problem("only staff change an organisation's kind", column="kind"))
    if sorted(after.identifiers) != sorted(before.identifiers):
        problems.append(Problem("only staff change registry identifiers", column="identifiers"))
    if _key(after.name) != _key(before.name):
        taken = name_taken(after, others)
        if taken is not None:
            message = f"is (nearly) the name of organisation {taken!r}; ask staff to rename"
            problems.append(Problem(message, column="name"))
    return problems


def name_taken(org: Organisation, others: Iterable[Organisation]) -> str | None:
    """The id of another organisation whose name this one's equals or nearly equals."""
    rivals = [o for o in others if o.id != org.id]
    exact = [o.id for o in rivals if _key(o.name) == _key(org.name)]
    if exact:
        return exact[0]
    existing = [NameRecord(o.id, o.name) for o in rivals]
    report = find_duplicates([NameRecord(org.id, org.name)], existing)
    matches = [p for p in report.pairs if p.decision == "match"]
    if not matches:
        return None
    pair = matches[0]
    return pair.right_id if pair.left_id == org.id else pair.left_id


def _key(name: str) -> str:
    return " ".join(name.casefold().split())
