"""`lat reference [INSTRUMENT] [--sd X] ...`: print or change the reference constants."""

from __future__ import annotations

import argparse
import sys

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("reference")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("reference", help=HELP, parents=[with_db()])
    parser.add_argument("instrument", nargs="?")
    parser.add_argument("--sd", type=float)
    parser.add_argument("--reliability", type=float)
    cutoff = parser.add_mutually_exclusive_group()
    cutoff.add_argument("--cutoff", type=float)
    cutoff.add_argument("--no-cutoff", action="store_true")
    mcid = parser.add_mutually_exclusive_group()
    mcid.add_argument("--mcid", type=float)
    mcid.add_argument("--no-mcid", action="store_true")


def requested_changes(args: argparse.Namespace) -> dict[str, float | None]:
    """The columns the command line asks to change (a --no-X option sets X to NULL)."""
    changes: dict[str, float | None] = {}
    for column in ("sd", "reliability", "cutoff", "mcid"):
        value = getattr(args, column, None)
        if value is not None:
            changes[column] = value
        if getattr(args, f"no_{column}", False):
            changes[column] = None
    return changes


def run(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse import reference
    from warehouse.db import db_path

    path = db_path(args.db)
    try:
        instrument, constants, changed = reference.show_or_change(
            path, args.instrument, requested_changes(args)
        )
    except reference.ReferenceError as error:
        print(f"lat reference: {error}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as error:
        print(f"lat reference: cannot use the warehouse {path}: {error}", file=sys.stderr)
        return 2
    if changed:
        print(f"Reference constants of {instrument} changed in {path}:")
    print(reference.format_constants(constants))
    return 0
