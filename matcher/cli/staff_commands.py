"""Staff tools: `matcher consortium` (build a team for a need) and `matcher shortlist`
(award candidates per category, exported for the jury)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matcher.cli.config import open_service
from matcher.cli.output import as_json, as_table
from matcher.consortium import (
    ConsortiumRequest,
    ConsortiumResult,
    CountryRequirement,
    RoleRequirement,
    Team,
)
from matcher.errors import InfeasibleRequestError
from matcher.service import ClusterService
from matcher.shortlist import (
    Category,
    Shortlist,
    ShortlistRequest,
    shortlist_csv,
    shortlist_json,
    shortlist_rows,
)

# commands.py imports this module for its REGISTRY, so nothing is imported back from it
Sub = Any  # argparse's private _SubParsersAction
AddCommon = Callable[[argparse.ArgumentParser], None]

_BOUNDS = re.compile(r"^(?P<lo>\d+)?(?:\.\.(?P<hi>\d+)?)?$")


def parse_bounds(text: str) -> tuple[int, int | None]:
    """Counts: "2" is at least 2, "1..3" 1 to 3, "..2" at most 2, "1.." at least 1."""
    match = _BOUNDS.match(text.strip())
    if not match or not text.strip():
        raise argparse.ArgumentTypeError(f"bad count {text!r}: use N, N..M, ..M or N..")
    lo, hi = int(match["lo"] or 0), match["hi"]
    if ".." not in text:
        return lo, None
    return lo, int(hi) if hi is not None else None


def parse_role(text: str) -> RoleRequirement:
    kinds, _, count = text.partition("=")
    lo, hi = parse_bounds(count or "1")
    return RoleRequirement(tuple(k.strip() for k in kinds.split(",") if k.strip()), lo, hi)


def parse_country(text: str) -> CountryRequirement:
    code, _, count = text.partition("=")
    lo, hi = parse_bounds(count or "1")
    return CountryRequirement(code.strip().upper(), lo, hi)


def parse_size(text: str) -> tuple[int, int]:
    lo, hi = parse_bounds(text)
    if ".." not in text:
        return lo, lo
    if hi is None:
        raise argparse.ArgumentTypeError("give the largest team size, e.g. 3..5")
    return max(lo, 1), hi


# --- consortium -------------------------------------------------------------------------
def register_consortium(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("consortium", help="build a team that covers a need, under rules")
    p.add_argument("need_id", nargs="?", help="the need (or use --text)")
    p.add_argument("--text", default="", help="a free-text need instead of an id")
    p.add_argument("--size", type=parse_size, default=(3, 5), help="team size: N or N..M")
    p.add_argument("--area", action="append", default=[], help="required subject area")
    p.add_argument(
        "--role",
        type=parse_role,
        action="append",
        default=[],
        help="KINDS=COUNT, e.g. sme=1, research,university=1..2",
    )
    p.add_argument(
        "--country",
        type=parse_country,
        action="append",
        default=[],
        help="CC=COUNT, e.g. FI=1, NO=1..2, RU=..1",
    )
    p.add_argument(
        "--only-listed-countries",
        action="store_true",
        help="admit only the countries given with --country",
    )
    p.add_argument("--kind", action="append", default=[], help="eligible kind (default: need's)")
    p.add_argument("--include", action="append", default=[], help="organisation that must be in")
    p.add_argument("--exclude", action="append", default=[], help="organisation to keep out")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--asker", help="the asking organisation, a fixed member")
    who.add_argument("--with-owner", action="store_true", help="the need's owner as the asker")
    p.add_argument("--alternatives", type=int, default=2, help="alternative teams (0-5)")
    p.add_argument("--pool", type=int, default=60, help="candidates from the ranking (10-100)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_common(p)
    p.set_defaults(handler=run_consortium)


def run_consortium(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        return _consortium(args, service)


def _consortium(args: argparse.Namespace, service: ClusterService) -> int:
    asker = args.asker
    if args.with_owner and args.need_id:
        asker = service.need(args.need_id).owner_id
    request = ConsortiumRequest(
        need_id=args.need_id,
        text=args.text,
        min_size=args.size[0],
        max_size=args.size[1],
        areas=tuple(args.area),
        roles=tuple(args.role),
        countries=tuple(args.country),
        other_countries=not args.only_listed_countries,
        kinds=tuple(args.kind),
        must_include=tuple(args.include),
        must_exclude=tuple(args.exclude),
        asker_id=asker,
        alternatives=args.alternatives,
        pool_size=args.pool,
    )
    try:
        result = service.consortium(request)
    except InfeasibleRequestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for reason in exc.reasons[1:]:  # the first one is in the message
            print(f"  also: {reason}", file=sys.stderr)
        return 2
    print(as_json(result) if args.json else render_consortium(result))
    return 0


def render_consortium(result: ConsortiumResult) -> str:
    head = f"Need: {result.need_id or '(text)'}: {_clip(result.query, 110)}"
    lines = [head, f"Areas: {', '.join(result.areas) or '-'}; candidate pool: {result.pool_size}"]
    lines += ["", *_team_block("Best team", result.best, detail=True)]
    for i, team in enumerate(result.alternatives, start=1):
        lines += ["", *_team_block(f"Alternative {i}", team, detail=False)]
    if result.baseline is not None:
        lines += ["", *_team_block("Plain ranking (top of the list)", result.baseline, False)]
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def _team_block(title: str, team: Team, detail: bool) -> list[str]:
    parts = ", ".join(f"{k} {v:.3f}" for k, v in team.score.components.items())
    lines = [f"{title}: score {team.score.total:.3f} ({parts})"]
    rows = [
        {
            "id": m.org_id,
            "name": m.name,
            "kind": m.kind,
            "country": m.country,
            "role": m.role or "-",
            "fixed": m.fixed or "",
            "adds": f"{m.marginal:.3f}",
            "covers": " ".join(c.competence_id for c in m.contributions) or "-",
        }
        for m in team.members
    ]
    lines += [as_table(rows)]
    if detail:
        lines += ["", "Coverage:", as_table(_coverage_rows(team), {"need": 60, "evidence": 60})]
    checks = "; ".join(
        f"{c.name} {c.requirement}: {c.actual}{'' if c.met else ' (NOT MET)'}"
        for c in team.constraints
    )
    lines.append(f"Rules: {checks}")
    lines.append(f"Gaps: {'; '.join(_clip(g, 60) for g in team.gaps) or 'none'}")
    return lines


def _coverage_rows(team: Team) -> list[dict[str, object]]:
    return [
        {
            "id": r.id,
            "need": r.label,
            "by": r.covered_by or "-",
            "cover": f"{r.coverage:.2f}",
            "gap": "GAP" if r.gap else "",
            "evidence": r.match_text or "-",
            "better outside": r.best_outside or "",
        }
        for r in team.coverage
    ]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --- shortlist --------------------------------------------------------------------------
def register_shortlist(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("shortlist", help="award shortlist: companies per category, for a jury")
    p.add_argument("--categories", type=Path, help="JSON list of {id, name, description}")
    p.add_argument("--category", action="append", default=[], help='"Name: description"')
    p.add_argument("--per-category", type=int, default=10, help="places per category")
    p.add_argument(
        "--kind", action="append", default=[], help="eligible kind (default: sme, company)"
    )
    p.add_argument("--country", action="append", default=[], help="eligible country")
    p.add_argument("--region", action="append", default=[], help="eligible region or city")
    p.add_argument("--stage", action="append", default=[], help="eligible company stage")
    p.add_argument("--founded-from", type=int, help="founded in or after this year")
    p.add_argument("--founded-to", type=int, help="founded in or before this year")
    p.add_argument("--per-company", type=int, default=1, help="categories one company may hold")
    p.add_argument("--exclude", action="append", default=[], help="organisation to leave out")
    p.add_argument("--export", type=Path, help="write shortlist.csv and shortlist.json here")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON")
    group.add_argument("--csv", action="store_true", help="print CSV")
    add_common(p)
    p.set_defaults(handler=run_shortlist)


def run_shortlist(args: argparse.Namespace) -> int:
    request = ShortlistRequest(
        categories=_categories(args),
        per_category=args.per_category,
        kinds=tuple(args.kind) or ShortlistRequest().kinds,
        countries=tuple(args.country),
        regions=tuple(args.region),
        stages=tuple(args.stage),
        founded_from=args.founded_from,
        founded_to=args.founded_to,
        max_categories_per_company=args.per_company,
        exclude=tuple(args.exclude),
    )
    with open_service(args) as service:
        shortlist = service.shortlist(request)
    if args.export:
        args.export.mkdir(parents=True, exist_ok=True)
        (args.export / "shortlist.csv").write_text(shortlist_csv(shortlist), encoding="utf-8")
        (args.export / "shortlist.json").write_text(shortlist_json(shortlist), encoding="utf-8")
        print(f"wrote {args.export / 'shortlist.csv'} and shortlist.json", file=sys.stderr)
    if args.json:
        print(shortlist_json(shortlist))
    elif args.csv:
        sys.stdout.write(shortlist_csv(shortlist))
    else:
        print(render_shortlist(shortlist))
    return 0


def _categories(args: argparse.Namespace) -> tuple[Category, ...]:
    found = []
    if args.categories:
        raw = json.loads(args.categories.read_text(encoding="utf-8"))
        found += [
            Category(str(c["id"]), str(c["name"]), str(c.get("description", ""))) for c in raw
        ]
    for text in args.category:
        name, _, description = text.partition(":")
        slug = re.sub(r"\W+", "_", name.strip().casefold()).strip("_")
        found.append(Category(slug, name.strip(), description.strip()))
    return tuple(found)


def render_shortlist(shortlist: Shortlist) -> str:
    lines = [f"{shortlist.eligible} eligible organisations"]
    for cs in shortlist.categories:
        lines += ["", f"{cs.category.name} ({cs.category.id}): {len(cs.picks)} picks"]
        rows = [
            {k: r[k] for k in ("rank", "org_id", "name", "country", "stage", "score")}
            | {"evidence": r["evidence_1"], "also": r["also_strong_in"]}
            for r in shortlist_rows(Shortlist((cs,), shortlist.eligible))
        ]
        lines.append(as_table(rows, {"evidence": 70}))
    lines += [f"warning: {w}" for w in shortlist.warnings]
    return "\n".join(lines)
