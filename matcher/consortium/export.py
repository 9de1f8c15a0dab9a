"""A consortium as a spreadsheet: one row per member of each team, coverage as columns.

The best team comes first, then each alternative; every competence of the need is a
`cover:<id>` column, so the table a jury or a partner opens is the coverage heat table.
"""

from __future__ import annotations

from matcher.consortium.result import ConsortiumResult, Team
from matcher.csv_export import csv_text


def team_label(index: int) -> str:
    return "best" if index == 0 else f"alternative {index}"


def consortium_rows(result: ConsortiumResult) -> list[dict[str, object]]:
    teams = (result.best, *result.alternatives)
    return [
        _row(team_label(i), team, position, result)
        for i, team in enumerate(teams)
        for position in range(len(team.members))
    ]


def _row(label: str, team: Team, position: int, result: ConsortiumResult) -> dict[str, object]:
    m = team.members[position]
    row: dict[str, object] = {
        "team": label,
        "team_score": team.score.total,
        "org_id": m.org_id,
        "name": m.name,
        "kind": m.kind,
        "country": m.country,
        "city": m.city,
        "role": m.role,
        "fixed": m.fixed,
        "relevance": m.relevance,
        "marginal": m.marginal,
        "covers": "; ".join(c.competence for c in m.contributions),
        "areas": "; ".join(m.areas),
        "gaps": "; ".join(team.gaps),
    }
    row.update({f"cover:{c.id}": m.cover.get(c.id, 0.0) for c in result.competences})
    return row


def consortium_csv(result: ConsortiumResult) -> str:
    """Through the one CSV writer (cells a spreadsheet would run as formulas neutralised)."""
    rows = consortium_rows(result)
    return csv_text(rows, None if rows else ["team", "org_id"])
