"""`lat audit verify [--db FILE]`: 0 when the chain holds, 3 at the first broken event."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("audit")


def add_parser(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help=HELP)
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help=help_text("audit_verify"), parents=[with_db()])


def run(args: argparse.Namespace) -> int:
    from privacy import audit

    path = audit.audit_path(args.db)
    if not path.exists():
        print(f"Der er intet revisionsspor i {path}.", file=sys.stderr)
        return 2
    try:
        found = audit.verify(args.db)
    except sqlite3.DatabaseError as error:  # not an SQLite file any more, or its table is gone
        print(f"Revisionssporet {path} kan ikke læses ({error}).", file=sys.stderr)
        return audit.BROKEN_EXIT
    if found.broken_event is not None:
        print(
            f"Revisionssporet er BRUDT ved hændelse {found.broken_event} ({found.broken_at}): "
            "den eller en tidligere hændelse er ændret, fjernet eller indsat bagefter. "
            f"{found.events} hændelser før den er i orden.",
            file=sys.stderr,
        )
        return audit.BROKEN_EXIT
    print(f"Revisionssporet er i orden: {found.events} hændelser, sidste kædehash {found.head}.")
    return 0
