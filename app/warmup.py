"""Warming the server, so that the first viewer after a start or a new load does not wait.

`lat serve` runs app/asgi.py, whose lifespan calls `warm(accounts=False)` before the server
accepts a session and starts `Rewarmer`, which warms each account's landing page at once (the
server is answering by then: with many coordinators that takes a while) and, whenever a load
has replaced the warehouse file, the landing pages of the viewers who used the dashboard in the
last half hour (`note_viewer`, by the router).
`warm()` does what every first view would otherwise do in its own run:
- imports the dashboard's modules (pages import them) and has Altair load its schema;
- attaches the warehouse (the shared reader) and reads the marts once, so DuckDB has them;
- fills the query cache for the landing page (the overview) as each kind of viewer opens it
  with the default filters: national users and viewers share one set of results; each
  coordinator set of municipalities and each worker in the account store has its own;
- after a load (`recent`), also runs again every query the sessions asked in the last half
  hour (any page, any filters: `data.ask_again`, newest first, for ASK_AGAIN_SECONDS at most),
  one after another in this one thread, rather than every session missing at once.

Failures are logged, never raised: a server that could not warm still serves.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from streamlit.logger import get_logger

log = get_logger(__name__)  # Streamlit's: its handler writes INFO lines to the server's log

MODULES = (
    "streamlit.elements.arrow",
    "streamlit.elements.vega_charts",
    "streamlit.dataframe_util",
    "app.auth",
    "app.charts",
    "app.components",
    "app.filters",
    "app.indicator_parts",
    "app.page_charts",
    "app.queries.attention",
    "app.queries.caseloads",
    "app.queries.data_quality",
    "app.queries.fidelity",
    "app.queries.overview",
    "app.queries.prepost",
    "app.queries.progression",
)
POLL_SECONDS = 2.0
WARMED_LOG = "warmed in "  # the log line of each warm-up's end begins so (benchmarks.sessions)
RELEASE_SECONDS = 30.0  # how often freed memory is handed back to the system


@contextmanager
def _quiet_streamlit():
    """Cached functions and session state used outside a script run warn ("missing
    ScriptRunContext") each time; here that is expected (there is no session), so those
    warnings are held back meanwhile (the logger levels are process-wide: a page run at the
    same moment would not warn either, which is harmless)."""
    names = (
        "streamlit.runtime.scriptrunner_utils.script_run_context",
        "streamlit.runtime.state.session_state_proxy",  # a query that asks for the viewer
    )
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _imports() -> None:
    for name in MODULES:
        importlib.import_module(name)
    # Libraries that Streamlit and Altair import lazily on a first chart or table: imported
    # here, before sessions, since two sessions importing one at once can see it half made
    # (seen as "partially initialized module 'pandas'" on a page under load).
    import altair as alt
    import pandas  # noqa: F401
    import polars as pl
    import pyarrow  # noqa: F401

    alt.Chart(pl.DataFrame({"x": [1, 2], "y": [1, 2]})).mark_line().encode(
        x="x:Q", y="y:Q"
    ).to_dict()  # the first to_dict loads and validates against Vega-Lite's schema


RECENT_SECONDS = 30 * 60  # a viewer who ran a page this recently is warmed after a new load
ASK_AGAIN_SECONDS = 120  # after a load, the queries asked lately are run again for this long
_recent: dict[tuple, tuple[object, float]] = {}  # scope key -> (scope, when last seen)
_recent_lock = threading.Lock()


def _key(scope) -> tuple:
    """What a landing page's results depend on (not the user's name)."""
    return (scope.role, frozenset(scope.municipalities), scope.worker_id, scope.presentation)


def note_viewer(scope) -> None:
    """The router's note, each run, of whom the dashboard serves now (see `recent_scopes`)."""
    with _recent_lock:
        _recent[_key(scope)] = (scope, time.monotonic())


def recent_scopes(now: float | None = None) -> list:
    """The coordinators' and workers' scopes that ran a page in the last RECENT_SECONDS."""
    cutoff = (time.monotonic() if now is None else now) - RECENT_SECONDS
    with _recent_lock:
        for key in [key for key, (_, seen) in _recent.items() if seen < cutoff]:
            del _recent[key]
        return [scope for scope, _ in _recent.values() if scope.role in ("coordinator", "worker")]


def landing_scopes(accounts: bool = True, recent: bool = False) -> list:
    """One scope per distinct set of landing-page results: national, an aggregate-only viewer
    (whose figures are counted at another level), then (`accounts`) each coordinator or worker
    account's own, or (`recent`) only those of the viewers who used the dashboard lately."""
    from app.accounts import open_store
    from app.scope import Scope

    scopes = {
        _key(scope): scope
        for scope in (
            Scope(role="national", user="(warm-up)"),
            Scope(role="viewer", user="(warm-up)"),
        )
    }
    try:
        listed = [account.scope() for account in open_store().list()] if accounts else []
    except Exception:  # no account store yet: only the national view
        listed = []
    for scope in listed + (recent_scopes() if recent else []):
        if scope.role in ("coordinator", "worker"):
            scopes.setdefault(_key(scope), scope)
    return list(scopes.values())


def warm_landing(scope) -> None:
    """The landing page's queries for `scope` with its default filters, as a first view runs
    them: the overview (with the country beside a coordinator's municipality), and for the roles
    that land on it the attention queue (app.streamlit_app.LANDING)."""
    from app import data
    from app.queries import attention, fidelity, overview, prepost

    filters = data.filter_options(scope).default()
    data.population(scope, filters)  # whom the figures count: the municipalities' names
    data.rule_constants()  # the numbers the texts state (the cadence, the pre/post window)
    overview.figures(scope, filters)
    country = data.country(scope, filters)
    if country is not None:
        overview.figures(scope, country)
    fidelity.control_chart(scope, filters)
    fidelity.cadence_days()
    prepost.reference(scope, "WHO5")
    if scope.case_level and scope.role in ("coordinator", "worker"):
        attention.reason_counts(scope, filters)
        attention.queue(scope, filters)


def warm(
    db: Path | None = None, *, accounts: bool = True, recent: bool = False
) -> dict[str, float]:
    """Warm imports, the reader and the landing page (national; with `accounts` also each
    coordinator's and worker's, with `recent` those who used the dashboard lately, and then
    every query asked lately); returns seconds since the start per step (for the log)."""
    from app import data
    from warehouse.db import db_path

    path = db_path(db)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with _quiet_streamlit():
        try:
            _imports()
            steps["imports"] = time.perf_counter() - started
            if data.status() == "ready":  # else the pages only say how to load one
                data.as_of()
                data.last_load()
                steps["reader"] = time.perf_counter() - started
                for scope in landing_scopes(accounts, recent):
                    warm_landing(scope)
                steps["landing"] = time.perf_counter() - started
                if recent:  # after a load: every query the sessions asked lately, newest first
                    data.ask_again(RECENT_SECONDS, time.monotonic() + ASK_AGAIN_SECONDS)
                    steps["asked lately"] = time.perf_counter() - started
        except Exception:
            log.exception("warming the dashboard failed (it serves anyway) on %s", path)
    log.info(WARMED_LOG + "%.1f s: %s", time.perf_counter() - started, steps)
    return steps


def collect_garbage() -> int:
    """A full garbage collection, for the reference cycles that runs leave (Streamlit's own
    collection after every run is off: .streamlit/config.toml, runner.postScriptGC); returns
    the objects it found unreachable."""
    return gc.collect()


def freeze_imports() -> None:
    """Move what is alive now (the imported modules, Altair's schema, Streamlit itself) out of
    the collector's sight: it is never freed, and each full collection would walk it again."""
    gc.collect()
    gc.freeze()


def release_memory() -> bool:
    """Hand freed heap memory back to the system (glibc keeps it otherwise), so the server's
    size falls again when sessions end and their results leave the cache."""
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc: nothing to do
        return False


def release_reader() -> bool:
    """When the last session has ended: DuckDB's memory for the reader and the freed heap
    handed back (the next view attaches the warehouse again; the query cache stays)."""
    from app import data

    with _quiet_streamlit():
        try:
            released = data.release_reader()
        except Exception:  # no warehouse yet, or it could not be read: nothing held
            released = False
    release_memory()
    return released


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        seen = path.stat()
    except OSError:
        return None
    return seen.st_ino, seen.st_mtime_ns, seen.st_size


class Rewarmer(threading.Thread):
    """Warms every account's landing page once the server answers, again after each new load
    (the warehouse file was replaced or changed) for the viewers of the last RECENT_SECONDS,
    and every RELEASE_SECONDS collects garbage and hands freed memory back to the system."""

    def __init__(self, db: Path | None = None, poll: float = POLL_SECONDS):
        super().__init__(name="lat-rewarm", daemon=True)
        from warehouse.db import db_path

        self.path = db_path(db)
        self.poll = poll
        self.warmed = 0
        self._stop_event = threading.Event()
        self._seen = _stamp(self.path)

    def run(self) -> None:
        warm(self.path)  # the accounts' landing pages, after the server took its first session
        last_release = time.monotonic()
        while not self._stop_event.wait(self.poll):
            if time.monotonic() - last_release > RELEASE_SECONDS:
                collect_garbage()  # cycles first: their memory is then freed and handed back
                release_memory()
                last_release = time.monotonic()
            now = _stamp(self.path)
            if now is None or now == self._seen:
                continue
            self._seen = now
            # after a load, only the viewers of the last half hour: warming each of 185
            # accounts would compete for the cores with the sessions a load morning brings
            warm(self.path, accounts=False, recent=True)
            self.warmed += 1

    def stop(self) -> None:
        self._stop_event.set()
