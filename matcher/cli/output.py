"""Rendering results for the terminal (a table), for programs (JSON) and spreadsheets (CSV)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from matcher.csv_export import csv_text
from matcher.results import AreaScore, Match


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def as_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def match_rows(matches: Sequence[Match]) -> list[dict[str, object]]:
    """Flat rows for tables and CSV: one line per match, components as columns."""
    rows = []
    for rank, m in enumerate(matches, start=1):
        row: dict[str, object] = {
            "rank": rank,
            "id": m.org_id,
            "name": m.name,
            "kind": m.kind,
            "country": m.country,
            "city": m.city,
            "score": round(m.score, 3),
        }
        row.update({k: round(v, 3) for k, v in m.explanation.components.items()})
        row["why"] = m.explanation.summary()
        rows.append(row)
    return rows


def area_rows(areas: Sequence[AreaScore]) -> list[dict[str, object]]:
    return [
        {
            "area": a.area_id,
            "name": a.name,
            "score": round(a.score, 3),
            "cosine": round(a.cosine, 3),
            "assigned": "yes" if a.assigned else "",
            "keywords": ", ".join(a.keywords),
        }
        for a in areas
    ]


def as_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """CSV through the one safe writer (formula-like cells neutralised)."""
    return csv_text(rows)


def as_table(rows: Sequence[Mapping[str, object]], widths: Mapping[str, int] | None = None) -> str:
    """A plain fixed-width table; long cells are clipped so a row stays on one line."""
    if not rows:
        return "(no results)"
    limits = {"name": 34, "why": 70, "keywords": 40, "city": 16, **(widths or {})}
    columns = list(rows[0])
    cells = [[_clip(str(r.get(c, "")), limits.get(c, 24)) for c in columns] for r in rows]
    sizes = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(s) for c, s in zip(columns, sizes, strict=True))
    body = ["  ".join(v.ljust(s) for v, s in zip(row, sizes, strict=True)) for row in cells]
    return "\n".join([line, "-" * len(line), *body])


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
