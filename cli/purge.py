"""`lat purge --closed-before YYYY-MM-DD [--db FILE]`: remove closed cases past retention."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from cli import erasure
from cli.danish import help_text
from cli.options import with_db

HELP = help_text("purge")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("purge", help=HELP, parents=[with_db()])
    parser.add_argument("--closed-before", required=True)


def run(args: argparse.Namespace) -> int:
    from etl.erase import ErasureError, purge_closed
    from privacy.pseudonym import PseudonymKeyError
    from warehouse.db import db_path

    db = db_path(args.db)
    try:
        try:
            cutoff = date.fromisoformat(args.closed_before.strip())
        except ValueError:
            raise ErasureError(
                f"Datoen {args.closed_before!r} skal skrives ÅÅÅÅ-MM-DD, fx 2020-01-01."
            ) from None
        counts = purge_closed(db, cutoff)
    except (ErasureError, PseudonymKeyError) as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    erasure.print_counts(f"Afsluttede forløb før {cutoff.isoformat()} fjernet:", counts)
    return erasure.audit("purge", {"closed_before": cutoff.isoformat(), "rows_removed": counts}, db)
