"""The `matcher` command: build the index, then ask for partners, candidates, areas, matches.

Every failure the engine foresees prints one line (`error: ...`) and exits with 2; the
full traceback is kept for --debug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from matcher.cli import commands
from matcher.cli.batch_commands import BATCH_COMMANDS
from matcher.cli.config import add_common_options, quiet_libraries
from matcher.cli.registry_commands import REGISTRY_COMMANDS
from matcher.cli.service_commands import register_db, register_keys, register_serve
from matcher.config import single_threaded_queries
from matcher.errors import DataValidationError, MatchmakerError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="matcher", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registers = (*commands.REGISTRY, *REGISTRY_COMMANDS, *BATCH_COMMANDS)
    for register in (*registers, register_serve, register_keys, register_db):
        register(sub, add_common_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    single_threaded_queries()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except DataValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems[5:50] if args.debug else ():
            print(f"  {problem}", file=sys.stderr)
        return 2
    except MatchmakerError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
