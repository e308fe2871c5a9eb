"""`lat serve` as a service manager runs it: it answers, and SIGTERM stops it for good."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.scope import Scope
from harness.browser import healthy, serving
from tests.support.wording import da
from warehouse.db import ensure_warehouse

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def _serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """`lat serve` on an empty warehouse on a free port, answering; stopped as a group after."""
    db = tmp_path / "warehouse.duckdb"
    ensure_warehouse(db)
    # started in another folder: serve must find the app and its config from anywhere
    with serving(db, tmp_path / "server.log", cwd=tmp_path) as (process, url):
        yield process, urlsplit(url).port


def test_serve_answers_and_stops_on_sigterm(tmp_path: Path):
    with _serving(tmp_path) as (process, port):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        time.sleep(0.5)
        assert not healthy(f"http://127.0.0.1:{port}"), (
            "something still answers on the port after SIGTERM"
        )


def _get(port: int, path: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_the_served_dashboard_may_not_be_framed_and_closes_its_metrics(tmp_path: Path):
    with _serving(tmp_path) as (_process, port):
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            status, headers = _get(port, path)
            assert status == 200, path
            assert headers.get("x-frame-options") == "DENY", path
            assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), path
            assert headers.get("x-content-type-options") == "nosniff", path
        for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=x"):
            status, headers = _get(port, path)
            assert status == 404, path
            assert headers.get("x-frame-options") == "DENY", path


@pytest.mark.parametrize(
    "path, closed",
    [
        ("/_stcore/metrics", True),
        ("/_stcore/metrics/", True),
        ("//_stcore/metrics", True),
        ("/lat/_stcore/metrics", True),  # under a server.baseUrlPath
        ("/_stcore/health", False),
        ("/_stcore/metricsx", False),
        ("/", False),
    ],
)
def test_closed_paths_are_matched_under_any_base_path(path: str, closed: bool):
    from app.asgi import is_closed

    assert is_closed(path) is closed


def test_the_server_config_keeps_the_protections_streamlit_offers():
    import tomllib

    server = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert server["enableAgentApi"] is False
    assert server["enableStaticServing"] is False


def test_serve_without_a_warehouse_says_how_to_get_one(tmp_path: Path, capsys):
    from cli.main import main

    assert main(["serve", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "lat load" in capsys.readouterr().err


def test_serving_a_warehouse_of_an_older_version_brings_its_views_up_to_date(
    tmp_path: Path, monkeypatch
):
    import duckdb

    from app import server
    from warehouse import db as wdb

    path = tmp_path / "warehouse.duckdb"
    ensure_warehouse(path)
    con = duckdb.connect(str(path))
    con.execute("update etl.meta set value = 'older' where key = 'schema_version'")
    con.execute("drop view mart.as_of")  # a view this version has and an older one lacked
    con.close()
    monkeypatch.setattr(server.os, "execve", lambda *args: None)  # do not become Streamlit
    monkeypatch.chdir(tmp_path)  # serve() moves to the repo root; have it moved back after
    server.serve(path, 8599, "127.0.0.1")
    con = duckdb.connect(str(path), read_only=True)
    assert wdb.stored_schema_version(con) == wdb.schema_version()
    assert con.execute("select count(*) from mart.as_of").fetchall() == [(1,)]
    con.close()


PRODUCTION = {
    "server.address": "127.0.0.1",
    "server.headless": True,
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.enableAgentApi": False,
    "server.enableStaticServing": False,
    "server.runOnSave": False,
    "server.fileWatcherType": "none",
    "server.maxUploadSize": 1,
    "server.maxMessageSize": 64,
    "server.maxWidgetStateSize": 2,
    "server.disconnectedSessionTTL": 30,
    "server.maxCacheDataSize": "256mb",
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",
    "client.toolbarMode": "minimal",
    "client.disableDataExport": True,
    "runner.postScriptGC": False,
}

EFFECTIVE = """
import json, sys
from app.server import effective_config, streamlit_command
names = json.loads(sys.argv[1])
print(json.dumps(effective_config(streamlit_command(8599, "127.0.0.1"), names)))
"""


def test_the_effective_streamlit_config_is_the_production_one(tmp_path: Path):
    """What Streamlit runs with (config file plus `lat serve`'s flags), read as Streamlit reads
    it, in a process of its own, from the folder `lat serve` moves to."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", EFFECTIVE, json.dumps([*PRODUCTION, "server.allowedHosts"])],
        cwd=REPO,
        env={**os.environ, "LAT_ALLOWED_HOSTS": "lat.example.dk, "},
        capture_output=True,
        text=True,
        check=True,
    )
    effective = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name: effective[name] for name in PRODUCTION} == PRODUCTION
    assert effective["server.allowedHosts"] == ["localhost", "127.0.0.1", "lat.example.dk"]


def test_allowed_hosts_never_open_to_any_host():
    from app.server import allowed_hosts

    assert allowed_hosts("0.0.0.0", {"LAT_ALLOWED_HOSTS": "*"}) == ["localhost", "127.0.0.1"]
    assert allowed_hosts("10.0.0.5", {"LAT_ALLOWED_HOSTS": "a.dk,b.dk"}) == [
        "localhost",
        "127.0.0.1",
        "10.0.0.5",
        "a.dk",
        "b.dk",
    ]


# --- the session cookie endpoint (app/asgi.py, app/session_cookie.py) -------------------------


def _call(method: str, body: bytes = b"", headers: dict | None = None, path="/_lat/session"):
    """One HTTP request straight through the guard; returns (status, headers, body)."""
    import asyncio
    import concurrent.futures

    from app.asgi import SecurityGuard

    async def inner_app(scope, receive, send):  # what Streamlit would answer
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"streamlit"})

    sent: list[dict] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "scheme": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    # A thread of its own: the browser tests' Playwright keeps an event loop running in
    # the main thread of a single-process run, and asyncio.run refuses to nest in it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, SecurityGuard(inner_app)(scope, receive, send)).result()
    start = sent[0]
    out_headers = {}
    for k, v in start["headers"]:
        out_headers.setdefault(k.decode(), []).append(v.decode())
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent[1:])


SAME_ORIGIN = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}


@pytest.fixture
def session_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from app.accounts import AccountStore, accounts_path, make_account

    monkeypatch.setenv("LAT_DB", str(tmp_path / "warehouse.duckdb"))
    store = AccountStore(accounts_path())
    store.add(make_account("anna", "national"), "korrekt-hest-batteri")
    return store


def test_a_ticket_buys_an_httponly_strict_cookie_once(session_store):
    from app import session_cookie

    token = session_store.open_session("anna")
    ticket = session_cookie.issue_ticket(token)
    status, headers, _ = _call("POST", ticket.encode(), SAME_ORIGIN)
    assert status == 204
    (cookie,) = headers["set-cookie"]
    assert cookie.startswith(f"lat_session={token};")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain http to this machine; https gets Secure
    assert headers["x-frame-options"] == ["DENY"]
    assert _call("POST", ticket.encode(), SAME_ORIGIN)[0] == 403  # used up
    assert _call("POST", b"made-up", SAME_ORIGIN)[0] == 403
    assert _call("GET", b"", SAME_ORIGIN)[0] == 405


def test_the_cookie_endpoint_refuses_other_sites(session_store):
    from app import session_cookie

    ticket = session_cookie.issue_ticket(session_store.open_session("anna"))
    foreign = {"host": "127.0.0.1:8501", "origin": "https://evil.example"}
    assert _call("POST", ticket.encode(), foreign)[0] == 403
    cross_site = {**SAME_ORIGIN, "sec-fetch-site": "cross-site"}
    assert _call("POST", ticket.encode(), cross_site)[0] == 403
    assert _call("DELETE", b"", foreign)[0] == 403


def test_https_behind_a_trusted_proxy_marks_the_cookie_secure(
    session_store, monkeypatch: pytest.MonkeyPatch
):
    from app import session_cookie

    proxied = {**SAME_ORIGIN, "x-forwarded-proto": "https"}
    ticket = session_cookie.issue_ticket(session_store.open_session("anna"))
    assert "Secure" not in _call("POST", ticket.encode(), proxied)[1]["set-cookie"][0]
    monkeypatch.setenv("LAT_TRUSTED_PROXIES", "1")
    ticket = session_cookie.issue_ticket(session_store.open_session("anna"))
    assert "; Secure" in _call("POST", ticket.encode(), proxied)[1]["set-cookie"][0]


def test_delete_ends_the_cookies_session_and_clears_it(session_store):
    token = session_store.open_session("anna")
    status, headers, _ = _call("DELETE", b"", {**SAME_ORIGIN, "cookie": f"lat_session={token}"})
    assert status == 204
    assert headers["set-cookie"][0].startswith("lat_session=;")
    assert "Max-Age=0" in headers["set-cookie"][0]
    assert session_store.session(token) is None


def test_streamlits_bundles_are_answered_from_memory_with_its_headers():
    """A first visit's 89 files without a worker-thread hop each (app/asgi.StaticAssets): the
    bytes of the file, Streamlit's type and caching, our security headers; Streamlit is not
    asked. Any other path, or a name that is not a file there, is still Streamlit's."""
    from streamlit import file_util

    folder = Path(file_util.get_static_dir()) / "static" / "js"
    script = sorted(folder.glob("*.js"))[0]
    path = f"/static/js/{script.name}"
    status, headers, body = _call("GET", path=path)
    assert status == 200
    assert body == script.read_bytes()
    assert headers["content-type"] == ["text/javascript; charset=utf-8"]
    assert headers["content-length"] == [str(len(body))]
    assert headers["cache-control"] == ["public, immutable, max-age=31536000"]
    assert headers["x-frame-options"] == ["DENY"]
    status, headers, body = _call("HEAD", path=path)
    assert (status, body, headers["content-length"]) == (200, b"", [str(script.stat().st_size)])
    for other in ("/", "/static/js/../index.html", "/static/js/nothing-here.js",
                  "/static/js", "/static/other/x.js", f"/lat/static/js/{script.name}"):  # fmt: skip
        assert _call("GET", path=other)[2] == b"streamlit", other
    assert _call("POST", path=path)[2] == b"streamlit"


def test_tickets_expire():
    from app import session_cookie

    ticket = session_cookie.issue_ticket("token", now=100.0)
    assert (
        session_cookie.redeem_ticket(ticket, now=100.0 + session_cookie.TICKET_SECONDS + 1) is None
    )


# --- warming (app/warmup.py) ----------------------------------------------------------------------


def _queries_during(monkeypatch: pytest.MonkeyPatch, action) -> list[str]:
    from warehouse.db import Reader

    seen: list[str] = []
    original = Reader.frame

    def counting(self, query, params=None):
        seen.append(query)
        return original(self, query, params)

    monkeypatch.setattr(Reader, "frame", counting)
    action()
    monkeypatch.setattr(Reader, "frame", original)
    return seen


@pytest.mark.parametrize(
    ("role", "municipalities"), [("national", ()), ("viewer", ()), ("coordinator", ("101",))]
)
def test_after_warming_the_first_landing_page_runs_no_query(
    app_db, monkeypatch: pytest.MonkeyPatch, role: str, municipalities: tuple
):
    """What `lat serve` does before it takes sessions: the landing page's first run for a
    national user, a viewer (the overview) and a coordinator account in the store (the attention
    queue) then reads only the cache."""
    import streamlit as st

    from app import warmup
    from app.accounts import AccountStore, accounts_path, make_account
    from tests.support.app_fixtures import signed_in_app

    st.cache_data.clear()
    store = AccountStore(accounts_path())
    if store.get("warm-coordinator") is None:
        store.add(make_account("warm-coordinator", "coordinator", ["101"]), "korrekt-hest-batteri")
    at = signed_in_app(role, municipalities=municipalities)  # before warming: it adds accounts
    assert _queries_during(monkeypatch, warmup.warm), "warming ran no query at all"
    queries = _queries_during(monkeypatch, lambda: at.run(timeout=60))
    assert not at.exception
    if role == "coordinator":
        assert at.title[0].value == da("page_attention"), "the coordinator landed on the queue"
    else:
        assert at.metric, "the overview drew its figures"
    assert queries == [], f"the first view still ran {len(queries)} queries"


def test_after_a_load_the_queries_asked_lately_are_asked_again_of_the_new_file(
    app_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Any page's query with any filters that a session asked lately is in the cache for the
    new warehouse file once the warm-up after a load is done; one asked long ago is not."""
    import shutil
    from collections import OrderedDict

    import streamlit as st

    from app import data, warmup
    from app.filters import Filters

    served = tmp_path / "warehouse.duckdb"
    shutil.copy2(app_warehouse, served)
    monkeypatch.setenv("LAT_DB", str(served))
    monkeypatch.setattr(data, "_asked", OrderedDict())
    st.cache_data.clear()
    scope = Scope(role="coordinator", user="anna", municipalities=frozenset({"101"}))
    lately = "select count(*) as n from scoped_cases"
    long_ago = "select count(*) as n, 2 as two from scoped_cases"
    filters = Filters(case_types=("mentor",))
    real_clock = time.monotonic
    monkeypatch.setattr(data.time, "monotonic", lambda: real_clock() - warmup.RECENT_SECONDS - 1)
    data.run(long_ago, scope=scope, filters=filters, level="case")
    monkeypatch.setattr(data.time, "monotonic", real_clock)
    before = data.run(lately, scope=scope, filters=filters, level="case")
    stamp = served.stat().st_mtime_ns + 10**9
    os.utime(served, ns=(stamp, stamp))  # a load: the file changed, every cached result is old
    asked = _queries_during(monkeypatch, lambda: data.ask_again(warmup.RECENT_SECONDS))
    assert len(asked) == 1 and lately in asked[0]
    after = _queries_during(
        monkeypatch, lambda: data.run(lately, scope=scope, filters=filters, level="case")
    )
    assert after == []  # the session's next run reads the cache
    assert data.run(lately, scope=scope, filters=filters, level="case").equals(before)


def test_warming_after_a_load_asks_the_recent_queries_again(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
):
    from app import data, warmup

    calls: list[float] = []
    monkeypatch.setattr(data, "ask_again", lambda within, deadline=None: calls.append(within))
    monkeypatch.setattr(warmup, "warm_landing", lambda scope: None)
    warmup.warm(app_db, accounts=False)
    assert calls == []  # at start: nothing was asked yet
    warmup.warm(app_db, accounts=False, recent=True)
    assert calls == [warmup.RECENT_SECONDS]


def test_a_new_load_is_warmed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from app import warmup

    db = tmp_path / "warehouse.duckdb"
    ensure_warehouse(db)
    calls: list[tuple] = []
    monkeypatch.setattr(
        warmup,
        "warm",
        lambda path=None, accounts=True, recent=False: calls.append((path, accounts, recent)),
    )
    rewarmer = warmup.Rewarmer(db, poll=0.05)
    rewarmer.start()
    try:
        time.sleep(0.3)
        assert calls == [(db, True, False)]  # every account's landing page, once it answers
        calls.clear()
        time.sleep(0.2)
        assert calls == []  # nothing changed: nothing to warm
        replacement = tmp_path / "new.duckdb"
        ensure_warehouse(replacement)
        os.replace(replacement, db)  # what a load does
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        rewarmer.stop()
    assert calls == [(db, False, True)]  # after a load: the viewers of late


def test_the_rewarmer_collects_the_cycles_runs_leave_since_streamlit_no_longer_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import gc
    import weakref

    from app import warmup

    db = tmp_path / "warehouse.duckdb"
    ensure_warehouse(db)
    monkeypatch.setattr(warmup, "warm", lambda *args, **kwargs: None)
    monkeypatch.setattr(warmup, "RELEASE_SECONDS", 0.1)

    class Node:
        pass

    cycle = Node()
    cycle.self = cycle  # freed only by a collection, not by reference counting
    gone = weakref.ref(cycle)
    del cycle
    gc.disable()  # no automatic collection meanwhile: only the rewarmer's can free it
    rewarmer = warmup.Rewarmer(db, poll=0.05)
    rewarmer.start()
    try:
        deadline = time.monotonic() + 5
        while gone() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        rewarmer.stop()
        gc.enable()
    assert gone() is None


def test_after_a_load_the_landing_pages_of_recent_viewers_are_warmed_not_every_accounts(
    monkeypatch: pytest.MonkeyPatch,
):
    """A coordinator who ran a page lately is warmed again after a load (with the national view
    and the viewers'); one whose last page is older than RECENT_SECONDS is not, nor are the
    accounts that did not come at all; two users of one scope are warmed once."""
    from app import warmup

    monkeypatch.setattr(warmup, "_recent", {})
    now = time.monotonic()
    anna = Scope(role="coordinator", user="anna", municipalities=frozenset({"101"}))
    bo = Scope(role="coordinator", user="bo", municipalities=frozenset({"101"}))
    old = Scope(role="coordinator", user="carl", municipalities=frozenset({"751"}))
    monkeypatch.setattr(warmup.time, "monotonic", lambda: now - warmup.RECENT_SECONDS - 1)
    warmup.note_viewer(old)
    monkeypatch.setattr(warmup.time, "monotonic", lambda: now)
    warmup.note_viewer(anna)
    warmup.note_viewer(bo)
    warmup.note_viewer(Scope(role="national", user="dorte"))
    scopes = warmup.landing_scopes(accounts=False, recent=True)
    assert [(s.role, s.municipalities) for s in scopes] == [
        ("national", frozenset()), ("viewer", frozenset()), ("coordinator", frozenset({"101"})),
    ]  # fmt: skip


def test_serve_keeps_the_servers_memory_arenas_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from app import server

    seen: dict = {}
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(server.os, "execve", lambda path, argv, env: seen.update(env))
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "warehouse.duckdb"
    ensure_warehouse(db)
    server.serve(db, 8599, "127.0.0.1")
    assert seen["MALLOC_ARENA_MAX"] == "2"
    assert seen["LAT_DB"] == str(db)


def test_serve_answers_only_once_it_is_warm(tmp_path: Path):
    """The health check (what a proxy and a service manager wait for) answers after warming."""
    db = tmp_path / "warehouse.duckdb"
    ensure_warehouse(db)
    log_path = tmp_path / "server.log"
    with serving(db, log_path, cwd=tmp_path, timeout=90):
        assert "warmed in" in log_path.read_text(), "it answered before it was warm"


class _ClosedTab:
    """An AppSession as the session storage holds it after its tab closed."""

    def __init__(self, session_id: str):
        self.id, self.shut_down = session_id, False

    def shutdown(self) -> None:
        self.shut_down = True


def test_a_closed_tabs_session_is_shut_down_once_its_ttl_has_passed():
    """Streamlit's own session manager and storage, as `lat serve` runs them: a closed tab's
    session past its TTL is shut down and let go, whether it expired alone or was dropped as
    another tab closed (Streamlit would drop it without a shutdown, or keep it); one within its
    TTL stays, and one that came back (active again) is not shut down."""
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.session_manager import SessionInfo
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    from app.asgi import ClosedTabReaper

    storage = MemorySessionStorage(ttl_seconds=0.2)
    manager = WebsocketSessionManager(
        session_storage=storage,
        uploaded_file_manager=None,
        script_cache=None,
        message_enqueued_callback=None,
    )
    reaper = ClosedTabReaper()
    first, dropped, back = _ClosedTab("first"), _ClosedTab("dropped"), _ClosedTab("back")
    for session in (first, dropped, back):
        storage.save(SessionInfo(client=None, session=session))
    assert reaper.reap(manager) == 0  # all within their TTL
    assert not reaper.idle(manager)  # tabs may still come back
    storage.delete("back")  # the tab came back: Streamlit made its session active again
    manager._active_session_info_by_id["back"] = SessionInfo(client=None, session=back)
    time.sleep(0.3)  # past the TTL (the order of events, not a duration, is what is checked)
    recent = _ClosedTab("recent")
    storage.save(SessionInfo(client=None, session=recent))  # drops the expired, no shutdown
    assert reaper.reap(manager) == 2
    assert first.shut_down and dropped.shut_down
    assert not back.shut_down and not recent.shut_down
    assert [info.session for info in storage.list()] == [recent]
    time.sleep(0.3)  # the last tab's session expires with no other tab closing after it
    assert reaper.reap(manager) == 1
    assert recent.shut_down and not storage._cache._data  # let go, not merely hidden
    del manager._active_session_info_by_id["back"]  # and the tab that came back closed for good
    assert reaper.idle(manager)  # no session left: the server may hand back the reader's memory


def test_closed_tabs_sessions_are_reaped_sooner_than_their_ttl_twice_over():
    """The reaper runs often enough that a closed tab's session goes within its TTL plus a
    fraction of it (the sessions benchmark reads memory after the TTL and one pass)."""
    from app.asgi import REAP_SECONDS

    assert REAP_SECONDS <= PRODUCTION["server.disconnectedSessionTTL"] / 2


# --- what a session may hold ----------------------------------------------------------------------


def test_every_cache_of_the_dashboard_is_bounded_in_entries_and_time():
    """Each st.cache_data in app/ and pages/ says how many results it keeps and for how long
    (shared by every session: unbounded, a morning of views would grow without end)."""
    import re

    sources = [*(REPO / "app").rglob("*.py"), *(REPO / "pages").rglob("*.py")]
    caches = [
        (path.name, match.group(0))
        for path in sources
        for match in re.finditer(r"@st\.cache_data(\([^)]*\))?", path.read_text())
    ]
    assert caches, "no cache found: the pattern no longer matches the code"
    unbounded = [
        (name, found) for name, found in caches if not ("ttl=" in found and "max_entries=" in found)
    ]
    assert unbounded == []


def test_a_session_walking_every_page_keeps_no_table_in_its_state(app_db):
    """Session state holds the viewer, the filters and at most one made document per button,
    never a query's frame: frames live in the shared, bounded cache."""
    import pandas as pd
    import polars as pl

    from app.streamlit_app import PAGES
    from tests.support.app_fixtures import signed_in_app

    at = signed_in_app("national")
    at.run(timeout=60)
    for file_name, _, _ in PAGES:
        at.switch_page(f"../pages/{file_name}").run(timeout=60)
        assert not at.exception, file_name
    held = {key: type(at.session_state[key]).__name__ for key in at.session_state}
    frames = [
        key
        for key in at.session_state
        if isinstance(at.session_state[key], (pl.DataFrame, pd.DataFrame))
    ]
    assert held and frames == []
