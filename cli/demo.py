"""`lat demo [--port N] [--host H]`: build the demo warehouse once, then serve it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.danish import help_text

HELP = help_text("demo")
DEMO_DB = Path("data") / "demo" / "warehouse.duckdb"  # under the cwd


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help=HELP)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--host", default="127.0.0.1")


def run(args: argparse.Namespace) -> int:
    from app import server
    from app.accounts import ensure_demo_accounts
    from etl import demo
    from privacy.pseudonym import PseudonymKeyError

    db = DEMO_DB.absolute()
    fresh = not db.exists()
    if fresh:
        print(
            f"Bygger demo-datalageret (syntetiske data, {demo.DEMO_CASES} forløb) ...", flush=True
        )
    try:
        demo.build_demo(db)
    except PseudonymKeyError as error:  # a broken data/demo/pseudonym.key: said, not a traceback
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    print(f"Demo-datalager: {db}" + ("" if fresh else " (genbrugt)"), flush=True)
    accounts = ensure_demo_accounts(db)
    if accounts:
        print("Demo-brugere (navn, rolle, adgangskode):")
        for name, role, password in accounts:
            print(f"  {name:<14} {role:<12} {password}")
    print(f"Dashboardet: http://{args.host}:{args.port}", flush=True)
    return server.serve(db, args.port, args.host)
