"""Sessions benchmark: many signed-in browser sessions walk the dashboard while loads replace it.

    python -m benchmarks.sessions                      # 25 sessions, 5 minutes, 100,000 cases
    python -m benchmarks.sessions --think 0            # stress: no reading time between views
    python -m benchmarks.sessions --sessions 4 --minutes 1 --cases 20000

Builds (once, like benchmarks.pages) a warehouse of N synthetic cases and one more export of the
same size per load (other seeds), copies the warehouse to a file of its own and starts `lat serve`
on it.
Accounts are made for the run: coordinators of several municipalities, national users and
viewers (a fresh random password each). Then `--browsers` Chromium processes (Debian's
chromium, several contexts each) sign in `--sessions` sessions through the real form; each
walks every page in its navigation, changes the "period from" month on each and, on a page
in section tabs, opens one of the others (drawn at random), again and again, until `--minutes`
have passed. The sign-ins are spread evenly over the first `--ramp`
seconds (default 30), as people arrive over a while rather than in one instant, once `lat serve`
has warmed every account's landing page (as on a morning when it has been up a while;
`--during-warm-up`: as soon as it answers, a restart at the busiest hour). After each view
has settled a session reads it for a time drawn uniformly from [0.5*T, 1.5*T], T = `--think`
(default 8 s, the same draws for the same `--seed`): a coordinator glancing at a card or a
chart and clicking on is quicker than that, one reading a table or a control chart slower;
8 s is on the short side of what a person spends on a view, so the run errs towards more load
than the morning brings (25 sessions then ask for about 2.5 views a second). `--think 0` is
the stress mode: every session clicks on the instant the last view settled, 25 robots whose
Chromium renderers share the server's two cores. Meanwhile `lat load` replaces the served warehouse
`--loads` times, each with a new export of the same size (seeds after `--seed`).

Every click is timed in the browser (performance.now) from the click until the app's script
state is `notRunning` after having been `running` and, on a page with charts, a chart is
visible: "click-to-drawn". An error is an exception box or error message on the page, a
"Traceback" in its text, or a view that never settles (`--settle-seconds`). Server memory is the
RSS of the `lat serve` process (sampled every half second): idle before the sessions, at its
peak, as the browsers closed, and AFTER_SECONDS later (past Streamlit's disconnected-session
TTL and the reaping of those sessions); the server's CPU time per page view (what neighbours on a
shared machine sway least); how many closed tabs' sessions `lat serve` shut down, and whether it
handed back the reader's memory once none was left. The server's log is kept as
`<work>/sessions-server.log`; the served copy of the warehouse is removed.

Also prints how busy the whole machine was (the kernel's count, /proc/stat) and its shares:
the server, the loads and the rest (the browsers): on one machine they compete for the same
cores. Prints the figures; exits 1 when a target is missed (p95 > 3 s, any error) so it can gate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from app.asgi import REAPED_LOG as REAPED
from app.asgi import RELEASED_LOG as RELEASED
from app.warmup import WARMED_LOG

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 3000
LIST_OPENS_MS = 5000  # a select box's list opens in the browser, without the server
WARM_UP_TIMEOUT = 600  # seconds the sessions wait at most for the accounts' warm-up
LOAD_SLOW_MS = 10_000  # a sign-in page's load this slow is shown on its own line
AFTER_SECONDS = 60  # server memory is read again this long after the sessions ended
ERROR_SELECTOR = "[data-testid=stException], [data-testid=stAlertContentError]"
NAV_LINK = "[data-testid=stSidebarNav] a"
PERIOD_BOX = "[data-testid=stSidebar] [data-testid=stSelectbox]"
# a section tab of the page not open now (components.sections: a click runs the page for it)
CLOSED_TAB = "[data-testid=stMain] [role=tab][aria-selected=false]"


# --- the server side -----------------------------------------------------------------------------


def prepare(cases: int, seed: int, work: Path, loads: int) -> tuple[Path, list[Path]]:
    """The served warehouse (a copy of the benchmark one) and one new export per load: an export
    loaded before (the one the warehouse was built from) is recognised and changes nothing, so
    a load of it would replace nothing."""
    from benchmarks.load import synthesise
    from benchmarks.pages import build_warehouse

    os.environ.setdefault("LAT_PSEUDONYM_KEY", "benchmark-key")
    work.mkdir(parents=True, exist_ok=True)
    source = build_warehouse(work, cases, seed)
    exports = []
    for other in range(seed + 1, seed + 1 + loads):
        export = work / f"export-{cases}-{other}"
        export.mkdir(parents=True, exist_ok=True)
        synthesise(export, cases, other)
        exports.append(export)
    served_dir = work / f"sessions-served-{os.getpid()}"  # two runs at once serve apart
    if served_dir.exists():
        shutil.rmtree(served_dir)
    served_dir.mkdir(mode=0o700)
    served = served_dir / "warehouse.duckdb"
    shutil.copy2(source, served)
    return served, exports


def make_accounts(db: Path, sessions: int) -> list[tuple[str, str, str]]:
    """(name, role, password) for each session: about half coordinators (of the warehouse's
    largest municipalities, one to two each), a third national, the rest viewers."""
    import duckdb

    from app.accounts import make_account, open_store

    con = duckdb.connect(str(db), read_only=True)
    try:
        munis = [
            str(int(row[0]))
            for row in con.execute(
                "select municipality_code from raw.cases group by 1 order by count(*) desc limit 8"
            ).fetchall()
        ]
    finally:
        con.close()
    store = open_store(db)
    accounts = []
    for i in range(sessions):
        kind = i % 6
        if kind in (0, 2, 4):
            role, codes = "coordinator", [munis[i % len(munis)]]
            if kind == 4 and len(munis) > 1:
                codes.append(munis[(i + 1) % len(munis)])
        elif kind in (1, 5):
            role, codes = "national", []
        else:
            role, codes = "viewer", []
        name = f"bench-{role}-{i}"
        password = secrets.token_urlsafe(16)
        if store.get(name) is not None:
            store.remove(name)
        store.add(make_account(name, role, codes, None), password)
        accounts.append((name, role, password))
    return accounts


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of `pid` and its children (Streamlit runs in the `lat serve` process)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemorySampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self._stop = pid, 0.0, [], threading.Event()

    def run(self) -> None:
        while not self._stop.wait(0.5):
            now = rss_mib(self.pid)
            self.samples.append(now)
            self.peak = max(self.peak, now)

    def stop(self) -> None:
        self._stop.set()


class BrowserCpu(threading.Thread):
    """CPU seconds of this run's browser side, by kind: the Chromium processes ('browsers'), the
    Playwright drivers ('drivers') and the benchmark's workers ('workers'), the processes below
    this one read from /proc every second (a process's last reading is kept once it ended). The
    machine's busy share counts the neighbours on a shared machine too; this does not."""

    def __init__(self, skip: int):
        super().__init__(daemon=True)
        self.skip, self.last, self._stop = skip, {}, threading.Event()

    def run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def sample(self) -> None:
        tick, procs = os.sysconf("SC_CLK_TCK"), {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, fields = (
                stat[stat.index("(") + 1 : stat.rindex(")")],
                stat[stat.rindex(")") + 2 :].split(),
            )
            cpu = (int(fields[11]) + int(fields[12])) / tick
            procs[int(entry.name)] = (int(fields[1]), name, cpu, fields[19])  # ppid, name, s, start
        me = os.getpid()
        for pid, (_, name, cpu, start) in procs.items():
            parent, chain = pid, []
            while parent in procs and parent not in (me, self.skip):
                chain.append(parent)
                parent = procs[parent][0]
            if parent != me or pid == me:
                continue  # not below this process, or below the server
            kind = (
                "drivers"
                if name.startswith("node")  # its main thread names it node-MainThread
                else "workers"
                if name.startswith("python")
                else "browsers"
            )
            if kind == "workers" and _is_load(pid):
                continue  # the loads are timed apart (run_loads)
            self.last[(pid, start)] = (kind, cpu)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self.sample()
        totals: dict[str, float] = {}
        for kind, cpu in self.last.values():
            totals[kind] = totals.get(kind, 0.0) + cpu
        return totals


def _is_load(pid: int) -> bool:
    try:
        return b"load" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False


def run_loads(
    db: Path, exports: list[Path], starts: list[float], out: list[float], cpu: list[float]
) -> None:
    """`lat load` at each start (seconds from now), timed as whole processes: wall seconds into
    `out`, CPU seconds into `cpu`."""
    from benchmarks.load import lat_command, timed_process

    begun = time.monotonic()
    for i, start in enumerate(starts):
        time.sleep(max(0.0, start - (time.monotonic() - begun)))
        export = exports[i]
        timing = timed_process([*lat_command(), "load", str(export), "--db", str(db)])
        out.append(timing.seconds)
        cpu.append(timing.cpu_seconds)


# --- the browser side ----------------------------------------------------------------------------


async def _settled(page, timeout_ms: float) -> None:
    idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
    await page.wait_for_selector(idle, timeout=timeout_ms)
    await page.wait_for_timeout(200)  # a follow-up run may start at once
    await page.wait_for_selector(idle, timeout=timeout_ms)


# Arms the watcher of one click, inside the page: `window.__latDrawn` is a promise of the ms
# from arming until the run the click caused ended (or, given the `title` of the page whose link
# was clicked, that page is drawn with no run going: a quick page's run, such as a record page
# opened without an id, can start and end within one frame of the browser, and no mutation of
# the script state shows it) and, on a page with charts, a chart shows; null after `ms`. The
# page resolves it itself (MutationObservers): the driver waits on the one promise instead of
# polling the page on every animation frame (wait_for_function's default), which kept 25 tabs
# drawing frames while they waited and cost the machine the CPU the sessions compete for.
ARM_DRAWN = """([title, ms]) => {
  const app = document.querySelector('[data-testid=stApp]');
  const start = performance.now();
  let ran = false;
  const shown = () => {
    if (title === null) return false;
    const main = document.querySelector('[data-testid=stMain]');
    return !!main && [...main.querySelectorAll('h1')].some((h) => h.innerText.trim() === title);
  };
  const chartShown = () => !document.querySelector('.vega-embed') ||
    [...document.querySelectorAll('.vega-embed canvas, .vega-embed svg')]
      .some((e) => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0);
  window.__latDrawnRan = () => ran;  // whether the page saw a run start
  window.__latDrawn = new Promise((resolve) => {
    const watchers = [];
    let over = false;  // the run has ended: only the charts are waited for
    const finish = (value) => { watchers.forEach((w) => w.disconnect()); resolve(value); };
    const timer = setTimeout(finish, ms, null);
    const drawn = () => {
      if (!chartShown()) return;
      clearTimeout(timer);
      finish(performance.now() - start);
    };
    const ended = (records) => {
      if (over) return;
      if (records.some((r) => r.oldValue === 'running')) ran = true;
      const state = app.getAttribute('data-test-script-state');
      if (state === 'running') { ran = true; return; }
      if (state !== 'notRunning' || !(ran || shown())) return;
      over = true;
      watchers.forEach((w) => w.disconnect());
      const charts = new MutationObserver(drawn);
      watchers.push(charts);
      charts.observe(document.body, {subtree: true, childList: true, attributes: true});
      drawn();
    };
    const run = new MutationObserver(ended);
    watchers.push(run);
    run.observe(app, {attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
    if (title !== null) {  // the page may be drawn with no mutation of the script state seen
      const main = new MutationObserver(() => ended([]));
      watchers.push(main);
      main.observe(document.body, {subtree: true, childList: true, characterData: true});
    }
  });
}"""


class RunsFinished:
    """The runs the server finished for one tab, counted from its websocket (each run ends with
    a `script_finished` message): a quick run that changes nothing on the page (a record page
    without an id, its period changed) can be drawn within one frame, its 'running' state never
    reaching the page's script-state attribute, so no watcher in the page sees it."""

    def __init__(self, page):
        self.count, self.at, self.changed = 0, 0.0, asyncio.Event()
        self.unseen = 0  # views ended by a run the page never showed as running
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes):
            return
        try:
            kind = ForwardMsg.FromString(payload).WhichOneof("type")
        except Exception:  # not a ForwardMsg: nothing to count
            return
        if kind == "script_finished":
            self.count, self.at = self.count + 1, time.monotonic()
            self.changed.set()


UNSEEN_RUN_GRACE_S = 1.0  # after the server finished a run, the page's watcher gets this long


async def _timed(
    page, action, timeout_ms: float, title: str | None = None, runs: RunsFinished | None = None
) -> float:
    """ms from `action` (a click) until the run it caused ended (or, for a click on the link
    of the page `title`, that page is drawn and idle) and a chart (if any) shows. A run the
    server finished (`runs`) that the page's watcher has not seen UNSEEN_RUN_GRACE_S later, the
    app idle, ends the view at the moment its last message came (timed here, not in the page)."""
    await page.evaluate(ARM_DRAWN, [title, timeout_ms])
    finished_before, started = (runs.count if runs else 0), time.monotonic()
    await action()
    drawn = asyncio.ensure_future(page.evaluate("window.__latDrawn"))
    try:
        while runs is not None and not drawn.done():
            if runs.count == finished_before:  # no run finished yet: wait for one, or the page
                runs.changed.clear()
                waiter = asyncio.ensure_future(runs.changed.wait())
                await asyncio.wait({drawn, waiter}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                continue
            await asyncio.wait({drawn}, timeout=UNSEEN_RUN_GRACE_S)
            if drawn.done() or await page.evaluate("window.__latDrawnRan()"):
                break  # the page saw the run: its watcher says when it is drawn
            if await _script_state(page) != "notRunning":  # a run follows: wait for its end
                finished_before = runs.count
                continue
            runs.unseen += 1
            return (runs.at - started) * 1000  # a run the page's watcher could not see
        ms = await drawn
    finally:
        drawn.cancel()
    if ms is None:
        raise TimeoutError(f"no run ended and drew within {timeout_ms / 1000:.0f} s")
    return ms


async def _open_list(
    page, box: str, settle_ms: float, attempts: int = 3, stats: dict | None = None
) -> None:
    """Open a select box's list. A run that starts as the box is clicked (a page's follow-up
    run) draws the box anew and closes its list: then it is opened again once the run is over
    (the time counts in the click's), rather than waited for until the view is called stuck.
    The box is scrolled into view first, as a person scrolls before clicking: a click that has
    to scroll the sidebar closes the list it opens, and waiting LIST_OPENS_MS for it put 5 s
    into that view. Each try again is counted in `stats["lists_reopened"]`."""
    for attempt in range(attempts):
        if attempt and stats is not None:
            stats["lists_reopened"] = stats.get("lists_reopened", 0) + 1
        target = page.locator(box).first
        await target.scroll_into_view_if_needed()
        await target.click()
        try:
            await page.get_by_role("option").first.wait_for(timeout=LIST_OPENS_MS)
            return
        except Exception:
            await page.keyboard.press("Escape")
            await _settled(page, settle_ms)
    raise TimeoutError(f"the list of {box} did not open in {attempts} clicks")


async def _script_state(page) -> str:
    """The app's script state now ('running', 'notRunning', ...), for an error's line."""
    try:
        return await page.get_attribute("[data-testid=stApp]", "data-test-script-state") or "?"
    except Exception:
        return "unknown"


async def _shown_title(page) -> str:
    """The title of the page shown now (its h1: the navigation's title of it)."""
    try:
        return (
            await page.locator("[data-testid=stMain] h1").first.inner_text(timeout=5000)
        ).strip()
    except Exception:
        return ""


async def _has_error(page) -> str | None:
    if await page.locator(ERROR_SELECTOR).count():
        return (await page.locator(ERROR_SELECTOR).first.inner_text())[:200]
    body = await page.locator("[data-testid=stMain]").inner_text()
    return "Traceback in the page" if "Traceback" in body else None


# What the browser's own timing says of a page's load (Navigation and Resource Timing, ms from
# the navigation's start): the server's answers (the HTML's first byte, the last file's last
# byte) against the renderer's own work (the module scripts run, the load event).
PAGE_LOAD = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const files = performance.getEntriesByType('resource').filter((r) => r.initiatorType !== 'xmlhttprequest' && r.initiatorType !== 'fetch');
  const ends = files.map((r) => r.responseEnd);
  const waits = files.map((r) => r.responseStart - r.requestStart).filter((w) => w > 0);
  return {
    html_first_byte: nav ? nav.responseStart : null,
    files: files.length,
    files_done: ends.length ? Math.max(...ends) : null,
    slowest_file_wait: waits.length ? Math.max(...waits) : null,
    dom_ready: nav && nav.domContentLoadedEventEnd ? nav.domContentLoadedEventEnd : null,
    loaded: nav && nav.loadEventEnd ? nav.loadEventEnd : null,
  };
}"""


async def _page_load(page, goto_ms: float) -> dict:
    """The sign-in page's load as the browser timed it (PAGE_LOAD), with the goto's own ms;
    what could not be read (a renderer that does not answer) is left out."""
    try:
        timing = await asyncio.wait_for(page.evaluate(PAGE_LOAD), 10)
    except Exception:
        timing = {}
    return {"goto": goto_ms, **timing}


async def _read(reader: random.Random, think: float) -> None:
    """What a person spends reading a view: uniform in [0.5, 1.5] x `think` seconds."""
    if think > 0:
        await asyncio.sleep(reader.uniform(0.5 * think, 1.5 * think))


async def one_session(browser, url: str, account: tuple, until: float, settle_ms: float,
                      think: float = 0.0, seed: int = 0) -> dict:  # fmt: skip
    from harness.browser import SIGN_IN_NAME, SIGN_IN_PASSWORD

    name, role, password = account
    reader = random.Random(f"{seed}-{name}")  # the same reading times for the same run
    stats = {"role": role, "views": 0, "errors": [], "timings": [], "kinds": [], "held": False,
             "started": []}  # fmt: skip
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(settle_ms)
    runs = RunsFinished(page)
    try:
        opening = time.monotonic()
        try:
            await page.goto(url)
        finally:  # where a sign-in page's load went, also (above all) when it timed out
            stats["page_load"] = await _page_load(page, (time.monotonic() - opening) * 1000)
        await _settled(page, settle_ms)
        await page.get_by_label(SIGN_IN_NAME).fill(name)
        await page.get_by_label(SIGN_IN_PASSWORD).fill(password)
        await page.get_by_label(SIGN_IN_PASSWORD).press("Enter")
        signing_in = time.monotonic()
        await page.wait_for_selector(NAV_LINK, timeout=settle_ms)
        await _settled(page, settle_ms)
        stats["sign_in_ms"] = (time.monotonic() - signing_in) * 1000
        stats["signed_in_at"] = time.time()  # the clock every worker of this machine shares
        stats["held"] = True
        if error := await _has_error(page):
            stats["errors"].append(f"first page: {error}")
        titles = await page.locator(NAV_LINK).all_inner_texts()
        if os.environ.get("LAT_BENCH_DEBUG"):
            print(f"{name}: titles {titles}, until in {until - time.time():.0f} s", file=sys.stderr)

        async def view(action, kind: str, where: str, shows: str | None = None) -> None:
            """One timed view (`shows`: the title of the page the action opens), then read."""
            begun = time.time()  # kept with its timing only: a view that never settles has none
            stats["timings"].append(await _timed(page, action, settle_ms, shows, runs))
            stats["started"].append(begun)
            stats["kinds"].append(kind)
            stats["views"] += 1
            await _settled(page, settle_ms)
            if error := await _has_error(page):
                stats["errors"].append(f"{where}: {error}")
            await _read(reader, think)

        step = 0
        while time.time() < until:
            title = titles[step % len(titles)]
            step += 1
            if title == await _shown_title(page):
                # the link of the page shown starts no run (so it never "settles"): not a view
                continue
            try:
                link = page.locator(NAV_LINK).filter(has_text=title).first
                await view(link.click, "page opened", title, shows=title)
                if time.time() >= until or not await page.locator(PERIOD_BOX).count():
                    continue

                async def change_period(key=("ArrowUp", "ArrowDown")[step % 2]):
                    await _open_list(page, PERIOD_BOX, settle_ms, stats=stats)
                    await page.keyboard.press(key)
                    await page.keyboard.press("Enter")

                await view(change_period, "period changed", f"{title} (period changed)")
                closed = page.locator(CLOSED_TAB)
                if time.time() >= until or not await closed.count():
                    continue
                tab = closed.nth(reader.randrange(await closed.count()))
                await view(tab.click, "another tab", f"{title} (another tab)")
            except Exception as error:  # a view that never settles is an error, and we go on
                state = await _script_state(page)
                stats["errors"].append(
                    f"{title}: {type(error).__name__} (app {state}): {str(error)[:160]}"
                )
                try:
                    await page.goto(url)  # the same browser: the session cookie signs in again
                    await page.wait_for_selector(NAV_LINK, timeout=settle_ms)
                    await _settled(page, settle_ms)  # a click during the landing run is lost
                except Exception:
                    break
    except Exception as error:
        stats["errors"].append(f"sign-in: {type(error).__name__}: {str(error)[:160]}")
    finally:
        stats["unseen_runs"] = runs.unseen
        await context.close()
    return stats


async def _later(seconds: float, session):
    await asyncio.sleep(seconds)
    return await session


async def _browser_main(url: str, plan: dict) -> list[dict]:
    """This Chromium's sessions, each signing in at its own time (`plan["starts"]`, seconds
    from the run's start at `plan["begun"]`)."""
    from playwright.async_api import async_playwright

    from harness.browser import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            tasks = [
                _later(
                    max(0.0, plan["begun"] + start - time.time()),
                    one_session(
                        browser,
                        url,
                        account,
                        plan["until"],
                        plan["settle_ms"],
                        plan["think"],
                        plan["seed"],
                    ),  # fmt: skip
                )
                for account, start in zip(plan["accounts"], plan["starts"], strict=True)
            ]
            results = await asyncio.gather(*tasks)
        finally:
            await browser.close()
    return list(results)


def browser_worker(argv: list[str]) -> int:
    """`--worker URL PLAN_JSON`: one Chromium, its sessions; JSON on stdout."""
    results = asyncio.run(_browser_main(argv[0], json.loads(argv[1])))
    print(json.dumps(results))
    return 0


def sign_in_starts(sessions: int, ramp: float) -> list[float]:
    """When each session signs in (seconds from the start): evenly over `ramp` seconds."""
    return [ramp * i / sessions for i in range(sessions)]


# --- the run -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--browsers", type=int, default=4, help="Chromium processes")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--loads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--think", type=float, default=8.0,
        help="mean seconds a session reads each view (0: stress, no pause)",
    )  # fmt: skip
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds to spread sign-ins over")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    parser.add_argument(
        "--during-warm-up", action="store_true",
        help="sign in as soon as the server answers, while it still warms every account's "
        "landing page (a restart at the busiest hour), not after",
    )  # fmt: skip
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return browser_worker(args.worker)

    from harness.browser import CHROMIUM, serving

    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    db, exports = prepare(args.cases, args.seed, args.work, args.loads)
    accounts = make_accounts(db, args.sessions)
    print(f"warehouse: {db} ({args.cases:,} cases); {args.sessions} sessions in "
          f"{args.browsers} Chromium processes for {args.minutes:g} min, {args.loads} loads; "
          f"think {args.think:g} s, sign-ins over {args.ramp:g} s")  # fmt: skip
    log_path = db.parent / "server.log"
    started = time.monotonic()
    try:
        with serving(db, log_path, timeout=300) as (server, url):
            print(f"server answering after {time.monotonic() - started:.1f} s")
            if not args.during_warm_up:
                waited = wait_for_warm_up(log_path, WARM_UP_TIMEOUT)
                print(f"accounts' landing pages warmed {waited:.1f} s later; the sessions start "
                      f"now (--during-warm-up: at once)")  # fmt: skip
            run = _drive(server.pid, url, db, exports, accounts, args)
    finally:
        kept_log = args.work / "sessions-server.log"  # the last run's, beside the warehouses
        if log_path.exists():
            shutil.move(log_path, kept_log)
        shutil.rmtree(db.parent, ignore_errors=True)  # the served copy and its accounts
        log_path = kept_log
    return _report(run, args, log_path)


def wait_for_warm_up(log_path: Path, timeout: float) -> float:
    """Seconds until `lat serve` has warmed every account's landing page (its second "warmed
    in" line: the first is the warm-up before it answers, app/warmup.py), at most `timeout`.

    Sessions that sign in while it runs compete with it for the two cores: 25 accounts' landing
    pages took 139 s of a run's first minutes on a busy machine, the sign-in ramp's 30 s among
    them, and every sign-in page then waited about 5 s for each of its 62 files (six at a time).
    A morning's coordinators meet a server that has been up for a while; --during-warm-up
    measures the other case, a restart at the busiest hour."""
    begun = time.monotonic()
    while time.monotonic() - begun < timeout:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if text.count(WARMED_LOG) >= 2:
            break
        time.sleep(0.5)
    return time.monotonic() - begun


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot (/proc/stat's first line): what
    the browsers, the server, the loads and everything else used, counted by the kernel."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def _drive(pid: int, url: str, db: Path, exports: list[Path], accounts: list, args) -> dict:
    """The sessions and the loads against the server at `url` (process `pid`); the figures."""
    memory = MemorySampler(pid)
    memory.start()
    browser_cpu = BrowserCpu(pid)
    browser_cpu.start()
    idle_mib = rss_mib(pid)
    cpu_before = cpu_seconds(pid)
    machine_before = machine_cpu()
    seconds = args.minutes * 60
    begun = time.time()
    starts = sign_in_starts(len(accounts), min(args.ramp, seconds / 2))
    workers = []
    for i in range(args.browsers):
        plan = {
            "accounts": accounts[i :: args.browsers],
            "starts": starts[i :: args.browsers],
            "begun": begun,
            "until": begun + seconds,
            "settle_ms": args.settle_seconds * 1000,
            "think": args.think,
            "seed": args.seed,
        }
        if plan["accounts"]:
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.sessions",
                        "--worker",
                        url,
                        json.dumps(plan),
                    ],
                    cwd=REPO,
                    stdout=subprocess.PIPE,
                    text=True,
                )  # fmt: skip
            )
    load_times: list[float] = []
    load_cpu: list[float] = []
    load_starts = [seconds * (i + 1) / (args.loads + 1) for i in range(args.loads)]
    loader = threading.Thread(
        target=run_loads, args=(db, exports, load_starts, load_times, load_cpu)
    )
    loader.start()
    results = []
    for worker in workers:
        out, _ = worker.communicate()
        results += json.loads(out.strip().splitlines()[-1]) if out.strip() else []
    loader.join()
    machine_after = machine_cpu()
    browser_side = browser_cpu.stop()
    end_mib = rss_mib(pid)
    server_cpu = cpu_seconds(pid) - cpu_before
    ended = time.monotonic()
    # a closed tab's session goes after server.disconnectedSessionTTL (30 s) and the next
    # pass of lat serve's reaper (every 10 s); freed heap is handed back every 30 s
    time.sleep(AFTER_SECONDS)
    after_mib = rss_mib(pid)
    memory.stop()
    return {
        "results": results, "load_times": load_times, "server_cpu": server_cpu,
        "load_cpu": load_cpu,
        "machine_busy": machine_after[0] - machine_before[0],
        "machine_all": machine_after[1] - machine_before[1], "browser_side": browser_side,
        "idle_mib": idle_mib, "peak_mib": memory.peak, "end_mib": end_mib,
        "after_mib": after_mib, "after_s": time.monotonic() - ended,
    }  # fmt: skip


def _report_page_loads(results: list[dict]) -> None:
    """Where the sign-in pages' loads went: the server's part (the HTML's first byte, every
    file's last byte, the longest a file waited for its first byte) and the renderer's (its
    scripts run until the DOM is ready and the load event), p50 and max over the sessions; and
    each load that took over LOAD_SLOW_MS on its own line."""
    loads = [r["page_load"] for r in results if r.get("page_load")]
    if not loads:
        return
    parts = ("goto", "html_first_byte", "files_done", "slowest_file_wait", "dom_ready", "loaded")

    def summary(part: str) -> str:
        values = [load[part] for load in loads if load.get(part) is not None]
        if not values:
            return f"{part} -"
        return f"{part} {statistics.median(values):.0f}/{max(values):.0f}"

    print("sign-in page load, ms p50/max: " + ", ".join(summary(part) for part in parts))
    for load in loads:
        if load["goto"] > LOAD_SLOW_MS:
            print("  slow: " + ", ".join(
                f"{part} {load[part]:.0f}" if load.get(part) is not None else f"{part} -"
                for part in parts
            ) + f" ({load.get('files', '?')} files)")  # fmt: skip


def after_sign_ins(results: list[dict]) -> list[float]:
    """The click-to-drawn times of the views begun after the last session that signed in had
    drawn its first page: the steady part of the run, once no tab is loading the sign-in page's
    scripts any more. Empty when no session signed in."""
    signed_in = [r["signed_in_at"] for r in results if "signed_in_at" in r]
    if not signed_in:
        return []
    last = max(signed_in)
    return [
        ms
        for r in results
        for begun, ms in zip(r["started"], r["timings"], strict=True)
        if begun >= last
    ]


def _report(run: dict, args, log_path: Path) -> int:
    """Print the figures of `run`; 0 when the targets are met, else 1."""
    results, server_cpu, load_times = run["results"], run["server_cpu"], run["load_times"]
    idle_mib, peak_mib, end_mib, after_mib, after_s = (
        run["idle_mib"], run["peak_mib"], run["end_mib"], run["after_mib"], run["after_s"]
    )  # fmt: skip
    timings = [t for r in results for t in r["timings"]]
    errors = [e for r in results for e in r["errors"]]
    held = sum(r["held"] for r in results)
    views = sum(r["views"] for r in results)
    log_text = log_path.read_text(errors="replace")
    print(f"sessions held: {held} of {args.sessions}")
    print(f"page views: {views}")
    print(f"errors: {len(errors)}")
    unseen = sum(r.get("unseen_runs", 0) for r in results)
    print(f"views whose run the page never showed as running (ended by the server's "
          f"script_finished): {unseen}")  # fmt: skip
    reopened = sum(r.get("lists_reopened", 0) for r in results)
    print(f"select lists opened again (a click that did not open one; the wait counts in its view): "
          f"{reopened}")  # fmt: skip
    for error in errors[:10]:
        print(f"  {error}")
    if timings:
        print(f"click-to-drawn: p50 {statistics.median(timings):.0f} ms, "
              f"p95 {percentile(timings, 0.95):.0f} ms, max {max(timings):.0f} ms")  # fmt: skip
        if steady := after_sign_ins(results):
            print(f"  once every session had signed in: p50 {statistics.median(steady):.0f} ms, "
                  f"p95 {percentile(steady, 0.95):.0f} ms ({len(steady)} views; the sign-in "
                  f"pages' loads no longer competing)")  # fmt: skip
        by_kind: dict[str, list[float]] = {}
        for r in results:
            for kind, ms in zip(r["kinds"], r["timings"], strict=True):
                by_kind.setdefault(kind, []).append(ms)
        print("  by action: " + "; ".join(
            f"{kind} p50 {statistics.median(ms):.0f} / p95 {percentile(ms, 0.95):.0f} ms "
            f"({len(ms)})" for kind, ms in by_kind.items()
        ))  # fmt: skip
    if views:  # what neighbours on a shared machine sway least: the server's own work per view
        print(f"server CPU per page view: {server_cpu / views * 1000:.0f} ms "
              f"({server_cpu:.0f} s in all, warm-ups after the loads included)")  # fmt: skip
        # the kernel's count of the whole machine, less the server and the loads: the browsers
        # (Chromium's renderers are not reaped up to this process: no rusage of ours has them)
        busy, total, loads = run["machine_busy"], run["machine_all"], sum(run["load_cpu"])
        rest = busy - server_cpu - loads
        print(f"machine: busy {busy / total:.0%} of {total:.0f} CPU seconds while the sessions "
              f"ran; server {server_cpu / total:.0%}, loads {loads / total:.0%}, the rest (the "
              f"browsers and this benchmark) {rest / total:.0%}, {rest / views * 1000:.0f} ms "
              f"per page view")  # fmt: skip
        side = run["browser_side"]  # this run's own processes, whatever the neighbours do
        print("browser side, CPU per page view: " + ", ".join(
            f"{kind} {side.get(kind, 0.0) / views * 1000:.0f} ms"
            for kind in ("browsers", "drivers", "workers")
        ) + " (this run's processes, from /proc)")  # fmt: skip
    print("load times during the run: " + ", ".join(f"{s:.1f} s" for s in load_times))
    print(f"server memory: {idle_mib:.0f} MiB idle before the sessions, peak {peak_mib:.0f} "
          f"MiB, {end_mib:.0f} MiB as they ended, {after_mib:.0f} MiB {after_s:.0f} s after")  # fmt: skip
    pattern = re.escape(REAPED).replace("%d", r"(\d+)")
    reaped = sum(int(found) for found in re.findall(pattern, log_text))
    print(f"closed tabs' sessions shut down by lat serve: {reaped} "
          f"(sessions held: {held}; a reload after an error closes one more); reader's memory "
          f"handed back when none was left: {log_text.count(RELEASED)} time(s)")  # fmt: skip
    warnings = log_text.count("missing ScriptRunContext")
    tracebacks = log_text.count("Traceback")
    sign_ins = [r["sign_in_ms"] for r in results if "sign_in_ms" in r]
    if sign_ins:
        print(f"sign-in to first page drawn: p50 {statistics.median(sign_ins):.0f} ms, "
              f"max {max(sign_ins):.0f} ms")  # fmt: skip
    _report_page_loads(results)
    print(f"server log: {tracebacks} tracebacks, {warnings} 'missing ScriptRunContext' warnings "
          f"({log_path})")  # fmt: skip
    met = (
        held == args.sessions
        and not errors
        and not tracebacks  # a page's error message is logged with its traceback
        and percentile(timings, 0.95) <= TARGET_P95_MS
    )
    print("targets (p95 <= 3 s, 0 errors, every session held): " + ("met" if met else "MISSED"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
