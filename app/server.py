"""`lat demo` and `lat serve`: start the dashboard (Streamlit) on a warehouse file.

`run_demo(args)` builds data/demo/warehouse.duckdb (under the cwd) from a synthetic export once,
then serves it; `run_serve(args)` serves an existing warehouse (`--db`, `LAT_DB` or the default).
Streamlit runs with the project root as cwd, so .streamlit/config.toml applies.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from privacy.pseudonym import PseudonymKeyError
from warehouse.db import db_path, ensure_warehouse

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "asgi.py"  # st.App around streamlit_app.py, with security headers
DEMO_DB = Path("data") / "demo" / "warehouse.duckdb"
DEMO_CASES = 3000


def streamlit_command(port: int, host: str) -> list[str]:
    """The command line that starts the dashboard (the privacy settings of .streamlit/config.toml
    that must never be lost are repeated here, in case Streamlit is started from elsewhere)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", host,
        "--client.disableDataExport", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def build_demo(db: Path) -> Path:
    """Write a synthetic export and load it into `db` (only when `db` does not exist yet)."""
    if db.exists():
        return db
    from etl.load import load_exports
    from etl.synth import write_synthetic_export

    with tempfile.TemporaryDirectory(prefix="lat-demo-") as tmp:
        export = Path(tmp) / "eksport"
        write_synthetic_export(export, cases=DEMO_CASES, seed=1, messy=True)
        load_exports([export], db)
    return db


def serve(db: Path, port: int, host: str) -> int:
    """Bring `db`'s views up to this version (the dashboard only reads), then become Streamlit
    on it: `lat serve` is then the server process itself, so Ctrl-C, SIGTERM from systemd or
    CI, and its exit code all reach Streamlit directly."""
    ensure_warehouse(db)
    env = {**os.environ, "LAT_DB": str(db.absolute())}
    os.chdir(ROOT)  # so .streamlit/config.toml applies
    command = streamlit_command(port, host)
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaces this process


def run_demo(args: argparse.Namespace) -> int:
    db = DEMO_DB.absolute()
    fresh = not db.exists()
    if fresh:
        print(f"Bygger demo-datalageret (syntetiske data, {DEMO_CASES} forløb) ...", flush=True)
    try:
        build_demo(db)
    except PseudonymKeyError as error:  # a broken data/demo/pseudonym.key: said, not a traceback
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    print(f"Demo-datalager: {db}" + ("" if fresh else " (genbrugt)"), flush=True)
    _print_demo_accounts(db)
    print(f"Dashboardet: http://{args.host}:{args.port}", flush=True)
    return serve(db, args.port, args.host)


def _print_demo_accounts(db: Path) -> None:
    """The demo sign-in accounts, one per role, with their passwords."""
    from app.accounts import ensure_demo_accounts

    accounts = ensure_demo_accounts(db)
    if accounts:
        print("Demo-brugere (navn, rolle, adgangskode):")
        for name, role, password in accounts:
            print(f"  {name:<14} {role:<12} {password}")


def run_serve(args: argparse.Namespace) -> int:
    db = db_path(getattr(args, "db", None))
    if not db.exists():
        print(
            f"Der er intet datalager i {db}. Indlæs en eksport med `lat load EKSPORT` "
            "(eller prøv `lat demo`).",
            file=sys.stderr,
        )
        return 2
    print(f"Dashboardet: http://{args.host}:{args.port}  (datalager {db})", flush=True)
    return serve(db, args.port, args.host)
