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


LOCAL_HOSTS = ("localhost", "127.0.0.1")


def allowed_hosts(host: str, environ: dict | None = None) -> list[str]:
    """Host names a browser may use to reach the dashboard (Streamlit refuses the websocket of
    any other Host header: DNS rebinding): this machine, the bind address and LAT_ALLOWED_HOSTS
    (comma-separated, e.g. the reverse proxy's public name)."""
    extra = (environ if environ is not None else os.environ).get("LAT_ALLOWED_HOSTS", "")
    names = [*LOCAL_HOSTS, host, *(part.strip() for part in extra.split(","))]
    return list(
        dict.fromkeys(name for name in names if name and name not in ("0.0.0.0", "::", "*"))
    )


def streamlit_command(port: int, host: str) -> list[str]:
    """The command line that starts the dashboard (the privacy settings of .streamlit/config.toml
    that must never be lost are repeated here, in case Streamlit is started from elsewhere)."""
    hosts = [part for name in allowed_hosts(host) for part in ("--server.allowedHosts", name)]
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", host,
        "--client.disableDataExport", "true", "--browser.gatherUsageStats", "false",
        "--server.enableXsrfProtection", "true", *hosts,
    ]  # fmt: skip


def effective_config(command: list[str], names: list[str]) -> dict:
    """The values Streamlit will run with for `command` (a `streamlit_command`): its config files
    under the current folder overlaid by the command's flags, parsed as `streamlit run` does.
    Changes this process's Streamlit config: call it in a process of its own."""
    from streamlit import config
    from streamlit.web import bootstrap, cli

    context = cli.main_run.make_context("run", list(command[command.index("run") + 1 :]))
    flags = {k: v for k, v in context.params.items() if k not in ("target", "args")}
    bootstrap.load_config_options(flag_options=flags)
    return {name: config.get_option(name) for name in names}


def serve(db: Path, port: int, host: str) -> int:
    """Bring `db`'s views up to this version (the dashboard only reads), then become Streamlit
    on it: `lat serve` is then the server process itself, so Ctrl-C, SIGTERM from systemd or
    CI, and its exit code all reach Streamlit directly."""
    ensure_warehouse(db)
    env = {**os.environ, "LAT_DB": str(db.absolute())}
    # Each session's script runs in a thread of its own, and glibc gives busy threads memory
    # arenas of their own (up to 8 per core) that it hardly ever hands back: two arenas keep
    # the server's memory near what it uses (benchmarks.sessions).
    env.setdefault("MALLOC_ARENA_MAX", "2")
    os.chdir(ROOT)  # so .streamlit/config.toml applies
    command = streamlit_command(port, host)
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaces this process
