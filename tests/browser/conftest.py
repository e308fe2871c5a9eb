"""Browser tests: a real `lat serve` on a synthetic warehouse, driven by Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A realistic warehouse (1,500 synthetic cases, messy export) built through the real ETL."""
    from etl.load import load_exports
    from etl.synth import write_synthetic_export

    home = tmp_path_factory.mktemp("browser")
    export = home / "export"
    write_synthetic_export(export, cases=1500, seed=7, messy=True)
    db = home / "warehouse.duckdb"
    os.environ["LAT_PSEUDONYM_KEY"] = "browser-test-key"
    load_exports([str(export)], db)
    return db


@pytest.fixture(scope="session")
def demo_accounts(browser_warehouse: Path) -> dict[str, tuple[str, str]]:
    """role -> (name, password) of the demo accounts beside the browser warehouse."""
    from app.accounts import ensure_demo_accounts

    return {role: (name, password) for name, role, password in ensure_demo_accounts(browser_warehouse)}


@pytest.fixture(scope="session")
def server(browser_warehouse: Path) -> Iterator[str]:
    """Start `lat serve` on a free port; yields its base URL."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it)")
    port = _free_port()
    env = {**os.environ, "LAT_DB": str(browser_warehouse), "LAT_PSEUDONYM_KEY": "browser-test-key"}
    log = (browser_warehouse.parent / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--db", str(browser_warehouse)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail(f"the dashboard did not start: {(browser_warehouse.parent / 'server.log').read_text()[-2000:]}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished running the script and drawn what it drew."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000)


def wait_for_chart(page) -> None:
    """Wait until at least one Vega chart has drawn its SVG or canvas."""
    page.wait_for_selector(".vega-embed canvas, .vega-embed svg", state="visible", timeout=30_000)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
