"""Keeping the registry clean: import files, find organisations by name, merge duplicates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matcher.cli.commands import AddCommon, Sub
from matcher.cli.config import open_service
from matcher.cli.output import as_json, as_table, to_jsonable
from matcher.errors import ConfigError
from matcher.sources import files_of

CLI_ACTOR = "cli"


def register_import(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("import", help="import a file or folder into the store (all or nothing)")
    p.add_argument("path", type=Path, help="organisations*/needs*/partnerships* file or folder")
    add_common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        reports = [
            service.import_file(_entity(path), path.name, path.read_bytes(), CLI_ACTOR)
            for path in _import_files(args.path)
        ]
    if args.json:
        print(as_json(reports))
        return 0
    for r in reports:
        print(f"{r.entity}: {r.created} created, {r.updated} updated")
        for note in r.warnings:
            print(f"warning: {note}", file=sys.stderr)
        for d in r.duplicates:
            print(f"  possible duplicate ({d.decision}, {d.score:.2f}): {d.left_id} ~ {d.right_id}")
    return 0


def _import_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"not found: {path}")
    # organisations first: needs and partnerships refer to them
    return [f for stem in ("organisations", "needs", "partnerships") for f in files_of(path, stem)]


def _entity(path: Path) -> str:
    for entity in ("organisations", "needs", "partnerships"):
        if path.name.lower().startswith(entity):
            return entity
    raise ConfigError(f"{path.name}: name the file organisations*, needs* or partnerships*")


def register_find(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("find", help="find organisations by name, in any script or spelling")
    p.add_argument("name")
    p.add_argument("-k", type=int, default=10)
    add_common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_find)


def run_find(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        found = [service.organisation(i) for i in service.find_names(args.name, args.k)]
    rows = [
        {"id": o.id, "name": o.name, "kind": o.kind.value, "country": o.country, "city": o.city}
        for o in found
    ]
    print(as_json(rows) if args.json else as_table(rows))
    return 0


def register_duplicates(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("duplicates", help="likely duplicate organisations (nothing is merged)")
    add_common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_duplicates)


def run_duplicates(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        pairs = service.duplicates()
    if args.json:
        print(as_json(pairs))
    else:
        rows = [{k: v for k, v in to_jsonable(p).items() if k != "against_existing"} for p in pairs]
        print(as_table(rows, {"reason": 60}))
    return 0


def register_merge(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("merge", help="merge duplicate organisations into one (undoable)")
    p.add_argument("ids", nargs="+", help="the organisations to merge (2 or more)")
    p.add_argument("--survivor", required=True, help="the id that remains")
    p.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="FIELD=ID",
        help="keep FIELD from record ID (default: the survivor's, if not empty)",
    )
    add_common(p)
    p.set_defaults(handler=run_merge)
    u = sub.add_parser("unmerge", help="undo a merge by its id")
    u.add_argument("merge_id")
    u.add_argument("--force", action="store_true", help="undo even if edited since")
    add_common(u)
    u.set_defaults(handler=run_unmerge)


def run_merge(args: argparse.Namespace) -> int:
    choose = dict(item.split("=", 1) for item in args.take if "=" in item)
    with open_service(args) as service:
        entry = service.merge(args.ids, args.survivor, choose, CLI_ACTOR)
    print(f"{entry.merge_id}: {', '.join(entry.merged_ids)} -> {entry.survivor_id}")
    return 0


def run_unmerge(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        entry = service.unmerge(args.merge_id, CLI_ACTOR, args.force)
    print(f"undone {entry.merge_id}: restored {', '.join(entry.merged_ids)}")
    return 0


REGISTRY_COMMANDS = [register_import, register_find, register_duplicates, register_merge]
