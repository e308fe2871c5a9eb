"""Driving the dashboard from outside: `lat serve` on a free port and Debian's chromium.

Shared by the browser tests (tests/browser) and the benchmarks (benchmarks/browser.py,
benchmarks/sessions.py), which must not import from the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_TIMEOUT_MS = 120_000
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
SIGN_IN_NAME = "Brugernavn"
SIGN_IN_PASSWORD = "Adgangskode"
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

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART = ".vega-embed canvas, .vega-embed svg"
# true when every chart holder on the page has drawn (a page has several charts, some far down)
ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('.vega-embed')]
    .every(e => e.querySelector('canvas, svg'))"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen) -> None:
    """Stop a server started with start_new_session=True and every process of its group.

    `lat serve` becomes Streamlit itself and stops on SIGTERM (tests/test_server.py); the group
    is stopped too so that nothing a failed test left behind keeps a port busy."""
    group = process.pid  # a new session's process group id is its leader's pid
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:  # the child may outlive its parent: make sure the group is gone
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def served(
    argv: list[str],
    port: int,
    log_path: Path,
    *,
    env: dict | None = None,
    timeout: float = 60,
    cwd: Path = REPO,
) -> Iterator[tuple[subprocess.Popen, str]]:
    """A Streamlit server started from `argv` in `cwd`, answering on `port`, its output in
    `log_path`, stopped as a process group on exit; yields the process and its URL once
    /_stcore/health answers.

    Raises RuntimeError with the end of the server's log when it does not answer in time.
    """
    log = log_path.open("wb")
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stop it with everything it started
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the dashboard did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield process, url
    finally:
        stop_group(process)
        log.close()


@contextmanager
def serving(
    db: Path, log_path: Path, *, env: dict | None = None, timeout: float = 60, cwd: Path = REPO
) -> Iterator[tuple[subprocess.Popen, str]]:
    """`lat serve` on `db` on a free port (`served`)."""
    port = free_port()
    argv = [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--db", str(db)]
    with served(
        argv, port, log_path, env={"LAT_DB": str(db), **(env or {})}, timeout=timeout, cwd=cwd
    ) as started:
        yield started


@contextmanager
def running_server(db: Path, log_path: Path, *, env: dict | None = None, timeout: float = 60):
    """`serving` from the repository, yielding only the URL (what a browser needs)."""
    with serving(db, log_path, env=env, timeout=timeout) as (_process, url):
        yield url


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script and drawn what it drew."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_timeout(300)  # a rerun may follow at once (e.g. the URL being rewritten)
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def wait_for_chart(page) -> None:
    """Wait until at least one Vega chart has drawn its SVG or canvas."""
    page.wait_for_selector(CHART, state="visible", timeout=30_000)


def sign_in(page, url: str, name: str, password: str, timeout: float = 30_000) -> None:
    """Open `url` and sign in through the real form (type, press Enter); waits for the outcome."""
    page.goto(url)
    wait_for_app(page, timeout)
    page.get_by_label(SIGN_IN_NAME).fill(name)
    page.get_by_label(SIGN_IN_PASSWORD).fill(password)
    page.get_by_label(SIGN_IN_PASSWORD).press("Enter")
    # argon2 makes the check take a moment: wait for the app (navigation) or the error box
    page.wait_for_selector(
        "[data-testid=stSidebarNav], [data-testid=stAlertContentError]", timeout=timeout
    )
    wait_for_app(page, timeout)


def nav_titles(page) -> list[str]:
    return page.locator("[data-testid=stSidebarNav] a").all_inner_texts()


def go_to(page, title: str) -> None:
    """Follow a navigation link (same session: a fresh page.goto would need a new sign-in)."""
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).first.click()
    page.locator("h1").filter(has_text=title).first.wait_for()
    wait_for_app(page)


def table_cells(page) -> list[str]:
    """Texts of the table cells drawn on screen (the data grid's accessible rows)."""
    return page.locator("[data-testid=stDataFrame] td").all_inner_texts()


def screenshot(page, name: str) -> Path:
    """Save the whole page: Streamlit scrolls inside its own container, so full_page alone
    would cut at the window; the window is made as tall as the content for the picture."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stAppScrollToBottomContainer], section')].map(e => e.scrollHeight), 0)"
    )
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height + 50, 15_000)})
        page.wait_for_timeout(200)  # let the charts re-lay themselves out at the new size
    # a picture of a page up to 15,000 pixels tall takes chromium long on two busy cores (the
    # full suite timed out once at the 30 s a test gives an action): its own, longer limit
    page.screenshot(path=str(path), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
    if size:
        page.set_viewport_size(size)
    return path


def wait_for_session_cookie(page, timeout_ms: int = 10_000) -> dict:
    """The session cookie a sign-in leaves (set through a one-time ticket just after it): once
    it is there, a new page load of the same browser context resumes the session."""
    for _ in range(timeout_ms // 100):
        cookies = [c for c in page.context.cookies() if c["name"] == "lat_session"]
        if cookies:
            return cookies[0]
        page.wait_for_timeout(100)
    raise AssertionError("the browser never got its session cookie")
