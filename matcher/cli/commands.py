"""The sub-commands of `matcher`. Each registers its parser and names its handler."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from matcher.cli.config import open_service, settings_from
from matcher.cli.output import area_rows, as_csv, as_json, as_table, match_rows
from matcher.cli.staff_commands import register_consortium, register_shortlist
from matcher.filters import Filters
from matcher.gloss import GLOSS_LANGUAGES
from matcher.results import ResultList

Sub = Any  # argparse's private _SubParsersAction
AddCommon = Callable[[argparse.ArgumentParser], None]


def _output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON")
    group.add_argument("--csv", action="store_true", help="print CSV")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-k", type=int, default=10, help="how many results (1-100)")
    parser.add_argument("--kind", action="append", default=[], help="organisation kind")
    parser.add_argument("--country", action="append", default=[], help="ISO country code")
    parser.add_argument("--city", action="append", default=[], help="city")
    parser.add_argument("--area", action="append", default=[], help="subject area id")
    parser.add_argument("--stage", action="append", default=[], help="company stage")
    parser.add_argument("--founded-from", type=int, help="founded in or after this year")
    parser.add_argument("--founded-to", type=int, help="founded in or before this year")


def filters_from(args: argparse.Namespace) -> Filters:
    return Filters(
        kinds=tuple(args.kind),
        countries=tuple(args.country),
        cities=tuple(args.city),
        areas=tuple(args.area),
        stages=tuple(args.stage),
        founded_from=args.founded_from,
        founded_to=args.founded_to,
    )


def emit(args: argparse.Namespace, results: ResultList) -> None:
    if args.json:
        print(
            as_json(
                {
                    "matches": results.matches,
                    "warnings": results.warnings,
                    "gloss": results.gloss,
                    "gloss_language": results.gloss_language,
                }
            )
        )
    elif args.csv:
        sys.stdout.write(as_csv(match_rows(results.matches)))
    else:
        print(as_table(match_rows(results.matches)))
        for warning in results.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if results.gloss:
            language = GLOSS_LANGUAGES.get(results.gloss_language, results.gloss_language)
            print(f"also read as, in {language}: {results.gloss}", file=sys.stderr)


# --- build ------------------------------------------------------------------------------
def register_build(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("build", help="load the data, encode every text, build the index")
    add_common(p)
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    settings = settings_from(args).engine
    with open_service(args, policy="always" if args.force else "auto") as service:
        info = service.info()
        links = len(service.partnerships())
    print(
        f"{info.organisations} organisations, {info.needs} needs, {links} partnerships; "
        f"{info.vectors} vectors ({info.model_id}, dim {info.dimension}, {info.backend} index); "
        f"index: {info.index_status}; {time.perf_counter() - started:.1f} s"
    )
    print(f"index at {settings.index_dir}")
    return 0


# --- partners, search, needs, areas ------------------------------------------------------
def register_partners(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("partners", help="complementary partners for an organisation")
    p.add_argument("org_id")
    for add in (add_common, _filter_options, _output_options):
        add(p)
    p.set_defaults(handler=run_partners)


def run_partners(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        emit(args, service.partners(args.org_id, args.k, filters_from(args)))
    return 0


def register_search(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("search", help="candidates for a free-text thesis or need")
    p.add_argument("text")
    for add in (add_common, _filter_options, _output_options):
        add(p)
    p.set_defaults(handler=run_search)


def run_search(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        emit(args, service.search(args.text, args.k, filters_from(args)))
    return 0


def register_needs(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("needs", help="organisations for a need (no id: list the needs)")
    p.add_argument("need_id", nargs="?")
    p.add_argument("--local", action="store_true", help="only in the need's city or region")
    for add in (add_common, _filter_options, _output_options):
        add(p)
    p.set_defaults(handler=run_needs)


def run_needs(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        if args.need_id is not None:
            results = service.need_matches(args.need_id, args.k, filters_from(args), args.local)
            emit(args, results)
            return 0
        needs = service.needs()
    rows = [
        {"id": n.id, "type": n.type.value, "location": n.location, "title": n.title} for n in needs
    ]
    print(
        as_json(rows) if args.json else as_csv(rows) if args.csv else as_table(rows, {"title": 80})
    )
    return 0


def register_areas(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("areas", help="subject areas of a text or an organisation")
    p.add_argument("text", nargs="?", help="the text to tag")
    p.add_argument("--org", help="tag this organisation instead of a text")
    add_common(p)
    _output_options(p)
    p.set_defaults(handler=run_areas)


def run_areas(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        scores = service.areas_of(args.org) if args.org else service.areas(args.text or "")
    if args.json:
        print(as_json(scores))
    else:
        rows = area_rows(scores)
        print(as_csv(rows) if args.csv else as_table(rows), end="\n" if not args.csv else "")
    return 0


REGISTRY = [
    register_build,
    register_partners,
    register_search,
    register_needs,
    register_areas,
    register_consortium,
    register_shortlist,
    __import__("matcher.cli.eval_command", fromlist=["register_eval"]).register_eval,
    __import__("matcher.cli.train_command", fromlist=["register_train"]).register_train,
]
