"""Start the dashboard (Streamlit) on a warehouse file: what `lat demo` and `lat serve` run.

Streamlit runs with the project root as cwd, so .streamlit/config.toml applies.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from warehouse.db import ensure_warehouse

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
