"""`lat check [--db FILE]`: print each check with its result; exit 0, or 3 when one fails."""

from __future__ import annotations

import argparse
import sys

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("check")


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("check", help=HELP, parents=[with_db()])


def run(args: argparse.Namespace) -> int:
    from warehouse import checks
    from warehouse.db import db_path

    db = db_path(args.db)
    if not db.exists():
        print(f"Lageret {db} findes ikke; indlæs først en eksport med `lat load`.", file=sys.stderr)
        return 2
    if not checks.is_warehouse(db):
        # a write would give it the warehouse's schema and then report every check held
        print(
            f"{db} er ikke et LAT-lager (ingen tabel etl.batches); angiv lageret med --db.",
            file=sys.stderr,
        )
        return 2
    try:
        results = checks.check_warehouse(db)
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"Kontrollen kunne ikke køre ({type(exc).__name__}): {first}", file=sys.stderr)
        return 1
    for result in results:
        print(result.line())
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} af {len(results)} kontroller holder.")
    return checks.EXIT_FAILED if failed else 0
