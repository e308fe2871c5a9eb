"""`lat serve [--db FILE] [--port N] [--host H]`: the dashboard on an existing warehouse."""

from __future__ import annotations

import argparse
import sys

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("serve")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help=HELP, parents=[with_db()])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--host", default="127.0.0.1")


def run(args: argparse.Namespace) -> int:
    from app import server
    from warehouse.db import db_path

    db = db_path(args.db)
    if not db.exists():
        print(
            f"Der er intet datalager i {db}. Indlæs en eksport med `lat load EKSPORT` "
            "(eller prøv `lat demo`).",
            file=sys.stderr,
        )
        return 2
    print(f"Dashboardet: http://{args.host}:{args.port}  (datalager {db})", flush=True)
    return server.serve(db, args.port, args.host)
