"""Browser tests: a real `lat serve` on a synthetic warehouse, driven by Debian's chromium.

The helpers that drive the server and the browser are in harness/browser.py (the benchmarks use
them too); the fixtures are here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser import CHROMIUM, CHROMIUM_ARGS, running_server

pytestmark = pytest.mark.browser


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

    return {
        role: (name, password) for name, role, password in ensure_demo_accounts(browser_warehouse)
    }


@pytest.fixture(scope="session")
def server(browser_warehouse: Path) -> Iterator[str]:
    """Start `lat serve` on a free port; yields its base URL."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it)")
    log_path = browser_warehouse.parent / "server.log"
    with running_server(
        browser_warehouse, log_path, env={"LAT_PSEUDONYM_KEY": "browser-test-key"}
    ) as url:
        yield url


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
