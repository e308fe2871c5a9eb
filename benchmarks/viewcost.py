"""Browser cost per view: what one session's Chromium spends on each page, alone on the server.

    python -m benchmarks.viewcost                      # 100,000 cases, national and coordinator
    python -m benchmarks.viewcost --cases 1500 --rounds 1 --poll raf
    python -m benchmarks.viewcost --bare               # Streamlit's own floor: a bare page

One signed-in session (a national user, then a coordinator of the largest municipality, whose
navigation has the record pages) in one Chromium walks every page of its navigation `--rounds`
times; on each it follows the page's link, then changes the "period from" month, as
benchmarks.sessions does. For each view it reads the renderer's own counters (the DevTools
protocol's Performance.getMetrics: TaskDuration, ScriptDuration, LayoutDuration,
RecalcStyleDuration) and the CPU time of every Chromium process of this run (/proc: renderer,
GPU and browser processes) and of Playwright's driver, from just before the click until the view
is drawn plus `--tail` seconds. Then, per page:
- `read`: the same while the view is read (`--read` seconds, nothing clicked): what a tab costs
  while its reader looks at it;
- `wait`: while the server is held (SIGSTOP for `--hold` seconds just after a click, then
  SIGCONT): what a tab costs per second while it waits for a slow server (its running indicator,
  the stale elements), the state 25 tabs are mostly in under load.
A view's end is watched inside the page (a promise its MutationObserver resolves: the run ended,
or the page's title is shown with no run going, and every chart drew), so the driver does not
poll; `--poll raf` waits as benchmarks.sessions did (wait_for_function, which runs its predicate
on every animation frame), to measure what that costs. `kept` (open and period views): the
fewest of the page's charts drawn before the action that were still the same canvas or svg after
it, of the most charts drawn: Streamlit 1.67 keeps a chart whose spec is unchanged and swaps its
data in place (its frontend keys a chart by its spec with the dataset names replaced by their
order, so Altair's content-hash names do not make a chart new); a changed spec re-embeds it.
Prints a table per role, pages ranked by browser CPU per view; figures only, no assertions.

`--bare` measures the framework's floor instead: the same period changes and reading on a
Streamlit page with nothing of ours but the rule that stale elements dim without a fade
(benchmarks/bare_page.py: a select box, a title, four cards, a line), served by plain
`streamlit run` with the project's .streamlit/config.toml; no warehouse, no sign-in.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
NAV_LINK = "[data-testid=stSidebarNav] a"
PERIOD_BOX = "[data-testid=stSidebar] [data-testid=stSelectbox]"

# Arms a watcher and leaves a promise in window.__latView: it resolves (ms since arming) once a
# run started after arming has ended, or the page titled `title` is shown with no run going,
# and every chart holder of the page has drawn its canvas or svg.
ARM_VIEW = """(title) => {
  const app = document.querySelector('[data-testid=stApp]');
  const start = performance.now();
  let ran = false;
  window.__latView = new Promise((resolve) => {
    const shown = () => {
      if (title === null) return false;
      const main = document.querySelector('[data-testid=stMain]');
      return !!main && [...main.querySelectorAll('h1')].some((h) => h.innerText.trim() === title);
    };
    const drawn = () => [...document.querySelectorAll('.vega-embed')]
      .every((e) => e.querySelector('canvas, svg'));
    const check = (records) => {
      if (records && records.some((r) => r.oldValue === 'running')) ran = true;
      const state = app.getAttribute('data-test-script-state');
      if (state === 'running') { ran = true; return; }
      if (state === 'notRunning' && (ran || shown()) && drawn()) {
        watch.disconnect();
        resolve(performance.now() - start);
      }
    };
    const watch = new MutationObserver(check);
    watch.observe(document.body, {subtree: true, childList: true, attributes: true,
      attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  });
}"""
# the same end, as a predicate polled on every animation frame (`--poll raf`)
# Chart identity: each drawn chart (its canvas or marks svg) is marked before the action; after
# it, [marked ones still on the page, charts on the page]: a chart Streamlit kept across the run
# (its data swapped in place, or nothing changed) keeps its node, a re-embedded one is new
MARK_CHARTS = """() => {
  for (const e of document.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks'))
    e.__latBefore = true;
}"""
KEPT_CHARTS = """() => {
  const drawn = [...document.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks')];
  return [drawn.filter((e) => e.__latBefore).length, drawn.length];
}"""
RAF_DONE = """(title) => {
  const app = document.querySelector('[data-testid=stApp]');
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector('[data-testid=stMain]');
  const shown = title === null || [...main.querySelectorAll('h1')]
    .some((h) => h.innerText.trim() === title);
  return shown && [...document.querySelectorAll('.vega-embed')]
    .every((e) => e.querySelector('canvas, svg'));
}"""


def accounts(db: Path) -> list[tuple[str, str, str]]:
    """(name, role, password): the benchmarks' national account and coordinator
    (benchmarks.browser, a fresh random password each run)."""
    from benchmarks.browser import bench_account, bench_coordinator

    (national, national_password), (coordinator, password) = (
        bench_account(db),
        bench_coordinator(db),
    )
    return [(national, "national", national_password), (coordinator, "coordinator", password)]


class Meter:
    """The renderer's counters (CDP) and the CPU ms of this run's Chromium and driver."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

    def read(self) -> dict[str, float]:
        from benchmarks.browser import cpu_ms

        found = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        cpu = cpu_ms()
        figures = {name: found.get(name, 0.0) * 1000 for name in METRICS}  # seconds -> ms
        figures["browser"], figures["driver"] = cpu["browser"], cpu["driver"]
        figures["server"] = cpu["server"]
        return figures


def delta(before: dict, after: dict) -> dict:
    return {key: after[key] - before[key] for key in before}


def reading(meter: Meter, seconds: float) -> dict:
    """Per second, what the tab spends over `seconds` with nothing clicked (a view being read)."""
    before = meter.read()
    time.sleep(seconds)
    return {key: value / seconds for key, value in delta(before, meter.read()).items()}


def wait_view(page, title: str | None, poll: str, timeout_ms: float) -> float:
    """Wait for the view armed before the click to be drawn; ms from arming."""
    if poll == "raf":
        page.wait_for_function(RAF_DONE, arg=title, timeout=timeout_ms)
        return float("nan")
    return settled(page, timeout_ms)


def settled(page, timeout_ms: float) -> float:
    """The armed view's ms (None when it did not end within `timeout_ms`)."""
    return page.evaluate(
        "(ms) => Promise.race([window.__latView, new Promise((r) => setTimeout(r, ms, null))])",
        timeout_ms,
    )


def one_view(page, meter: Meter, action, title, poll, tail_s, timeout_ms) -> dict:
    page.evaluate(MARK_CHARTS)
    before = meter.read()
    page.evaluate(ARM_VIEW, title)
    action()
    ms = wait_view(page, title, poll, timeout_ms)
    if poll == "raf":  # as the sessions benchmark did: a second look, then a short pause
        page.wait_for_timeout(200)
        page.wait_for_function(RAF_DONE, arg=title, timeout=timeout_ms)
    time.sleep(tail_s)
    figures = delta(before, meter.read())
    figures["ms"] = float("nan") if ms is None else ms
    figures["kept"], figures["charts"] = page.evaluate(KEPT_CHARTS)
    if ms is None:
        print(f"  {title or 'period'}: not drawn in {timeout_ms / 1000:.0f} s", flush=True)
    elif os.environ.get("LAT_BENCH_DEBUG"):
        print(f"  {title or 'period'}: {ms:.0f} ms, browser {figures['browser']:.0f} ms CPU")
    return figures


def open_list(page) -> None:
    """Open the period box's list, scrolled into view first (at 1000 px the box sits on the
    window's lower edge, and a click that scrolls the sidebar closes the list it opens); a run
    that starts as it is clicked draws the box anew and closes it: then again, once idle."""
    from harness.browser import wait_for_app

    for attempt in range(3):
        box = page.locator(PERIOD_BOX).first
        box.scroll_into_view_if_needed()
        box.click()
        try:
            page.get_by_role("option").first.wait_for(timeout=5_000)
            return
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page)


def change_period(page, key: str):
    def act():
        open_list(page)
        page.keyboard.press(key)
        page.keyboard.press("Enter")

    return act


@contextmanager
def one_tab(args) -> Iterator:
    """One tab in a Chromium of its own (with `--flag`s), closed on exit."""
    from playwright.sync_api import sync_playwright

    from harness.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + args.flag
        )
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(args.settle_seconds * 1000)
            yield page
        finally:
            browser.close()


def walk(url: str, account, args, server_pid: int) -> dict[str, dict[str, list[dict]]]:
    """{page title: {kind: [figures, ...]}} for one signed-in session."""
    from harness.browser import sign_in

    name, _role, password = account
    found: dict[str, dict[str, list[dict]]] = {}
    with one_tab(args) as page:
        sign_in(page, url, name, password, timeout=args.settle_seconds * 1000)
        meter = Meter(page)
        titles = page.locator(NAV_LINK).all_inner_texts()
        timeout_ms = args.settle_seconds * 1000
        for round_number in range(args.rounds):
            for title in titles:
                kinds = found.setdefault(title, {})
                link = page.locator(NAV_LINK).filter(has_text=title).first
                if title == page.locator("[data-testid=stMain] h1").first.inner_text():
                    continue
                view = one_view(page, meter, link.click, title, args.poll, args.tail,
                                timeout_ms)  # fmt: skip
                kinds.setdefault("open", []).append(view)
                kinds.setdefault("read", []).append(reading(meter, args.read))
                if not page.locator(PERIOD_BOX).count():
                    continue
                key = ("ArrowUp", "ArrowDown")[round_number % 2]
                view = one_view(page, meter, change_period(page, key), None, args.poll,
                                args.tail, timeout_ms)  # fmt: skip
                kinds.setdefault("period", []).append(view)
                if args.hold and round_number == 0:
                    waited = held(page, meter, server_pid, args.hold, timeout_ms)
                    if waited is not None:  # None: the run was never seen going
                        kinds.setdefault("wait", []).append(waited)
    return found


RUNNING = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__latRunning = new Promise((resolve) => {
    const watch = new MutationObserver(() => {
      if (app.getAttribute('data-test-script-state') === 'running') {
        watch.disconnect();
        resolve(true);
      }
    });
    watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  });
}"""


RUN_SEEN_MS = 10_000  # how long `held` waits to see the run going before it gives the hold up


def held(page, meter: Meter, server_pid: int, hold_s: float, timeout_ms: float) -> dict | None:
    """Per second, what the tab spends while its run is going and the server is held
    (SIGSTOP as soon as the page shows the run going): a slow server as a tab sees it."""
    open_list(page)
    page.keyboard.press("ArrowDown")
    page.evaluate(RUNNING)
    page.evaluate(ARM_VIEW, None)
    page.keyboard.press("Enter")
    # a run drawn within one frame is never seen running: no hold then (waiting on the bare
    # promise hung the benchmark for good, seen on a busy machine)
    seen = page.evaluate(
        "(ms) => Promise.race([window.__latRunning, new Promise((r) => setTimeout(r, ms, false))])",
        RUN_SEEN_MS,
    )
    if not seen:
        settled(page, timeout_ms)
        return None
    os.kill(server_pid, signal.SIGSTOP)
    try:
        time.sleep(0.2)
        before = meter.read()
        time.sleep(hold_s)
        figures = delta(before, meter.read())
    finally:
        os.kill(server_pid, signal.SIGCONT)
    settled(page, 60_000)
    return {k: v / hold_s for k, v in figures.items()}


COLUMNS = ("browser", "driver", *METRICS)
SHORT = {"TaskDuration": "task", "ScriptDuration": "script", "LayoutDuration": "layout",
         "RecalcStyleDuration": "style"}  # fmt: skip


def report(role: str, found: dict[str, dict[str, list[dict]]]) -> None:
    heads = " ".join(f"{SHORT.get(c, c):>8}" for c in COLUMNS)
    print(f"\n{role}: median CPU ms per view (open: the link; period: a month changed), and per "
          f"second while read / while the server is held")  # fmt: skip
    print(f"{'page':<30} {'kind':<7} {'n':>2} {'drawn ms':>8} {heads} {'kept':>6}")
    rows = []
    for title, kinds in found.items():
        for kind, views in kinds.items():
            med = {c: statistics.median(v[c] for v in views) for c in COLUMNS}
            ms = statistics.median(v.get("ms", float("nan")) for v in views)
            kept = (
                f"{min(v['kept'] for v in views)}/{max(v['charts'] for v in views)}"
                if "charts" in views[0]
                else ""
            )
            rows.append((title, kind, len(views), ms, med, kept))
    rows.sort(key=lambda row: (row[1], -row[4]["browser"]))
    for title, kind, n, ms, med, kept in rows:
        cells = " ".join(f"{med[c]:>8.0f}" for c in COLUMNS)
        print(f"{title[:30]:<30} {kind:<7} {n:>2} {ms:>8.0f} {cells} {kept:>6}")
    for kind in ("open", "period"):
        views = [v for kinds in found.values() for v in kinds.get(kind, [])]
        if views:
            mean = statistics.mean(v["browser"] for v in views)
            driver = statistics.mean(v["driver"] for v in views)
            print(f"{role} {kind}: {len(views)} views, mean browser CPU {mean:.0f} ms/view, "
                  f"driver {driver:.0f} ms/view")  # fmt: skip


BARE_TITLE = "Bar side (Streamlit alone)"


def bare(args) -> dict[str, dict[str, list[dict]]]:
    """{BARE_TITLE: {"period": [...], "read": [...]}} on benchmarks/bare_page.py."""
    import sys

    from harness.browser import free_port, served, wait_for_app

    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", "benchmarks/bare_page.py",
            "--server.port", str(port)]  # fmt: skip
    args.work.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, list[dict]] = {}
    with served(argv, port, args.work / "bare-server.log") as (_server, url), one_tab(args) as page:
        page.goto(url)
        wait_for_app(page, args.settle_seconds * 1000)
        meter = Meter(page)
        for number in range(args.views):
            key = ("ArrowUp", "ArrowDown")[number % 2]
            view = one_view(page, meter, change_period(page, key), None, args.poll, args.tail,
                            args.settle_seconds * 1000)  # fmt: skip
            kinds.setdefault("period", []).append(view)
            kinds.setdefault("read", []).append(reading(meter, args.read))
    return {BARE_TITLE: kinds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="walks of the navigation")
    parser.add_argument("--read", type=float, default=3.0, help="seconds a view is read")
    parser.add_argument("--tail", type=float, default=1.0, help="seconds counted after drawn")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds the server is held")
    parser.add_argument("--poll", choices=("promise", "raf"), default="promise")
    parser.add_argument("--roles", default="national,coordinator")
    parser.add_argument("--flag", action="append", default=[], help="one more Chromium flag")
    parser.add_argument("--settle-seconds", type=float, default=120.0)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    parser.add_argument("--bare", action="store_true", help="the framework's floor, no LAT page")
    parser.add_argument("--views", type=int, default=8, help="period changes with --bare")
    args = parser.parse_args(argv)
    if args.bare:
        print(f"bare Streamlit page (benchmarks/bare_page.py); Chromium flags {args.flag}")
        report("bare", bare(args))
        return 0

    import shutil

    from benchmarks.sessions import prepare
    from harness.browser import serving

    db, _exports = prepare(args.cases, args.seed, args.work, loads=0)
    made = [a for a in accounts(db) if a[1] in args.roles.split(",")]
    print(f"warehouse: {args.cases:,} cases; poll {args.poll}; Chromium flags {args.flag}")
    try:
        with serving(db, db.parent / "server.log", timeout=300) as (server, url):
            for account in made:
                report(account[1], walk(url, account, args, server.pid))
    finally:
        shutil.rmtree(db.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
