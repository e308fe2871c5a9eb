"""`lat erase --case ID | --citizen KEY [--db FILE]`: erase one case or citizen everywhere."""

from __future__ import annotations

import argparse
import sys

from cli import erasure
from cli.danish import help_text
from cli.options import with_db

HELP = help_text("erase")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("erase", help=HELP, parents=[with_db()])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--case")
    target.add_argument("--citizen")


def run(args: argparse.Namespace) -> int:
    from etl.erase import ErasureError, erase_case, erase_citizen
    from privacy.pseudonym import PseudonymKeyError
    from warehouse.db import db_path

    db = db_path(args.db)
    try:
        if args.case:
            counts, target = erase_case(db, args.case), "case"
        else:
            counts, target = erase_citizen(db, args.citizen), "citizen"
    except (ErasureError, PseudonymKeyError) as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    erasure.print_counts("Slettet (rækker pr. tabel):", counts)
    return erasure.audit("erase", {"target": target, "rows_removed": counts}, db)
