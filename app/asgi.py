"""The dashboard as served: Streamlit's own `st.App` around app/streamlit_app.py, plus our guard.

`lat serve` runs `streamlit run app/asgi.py`; Streamlit finds the `app` object below and serves
it with uvicorn (Streamlit 1.67's server is Starlette). Streamlit's config has no option for
response headers, and `/_stcore/metrics` (session counts, cache sizes) answers anyone, signed in
or not; `st.App(middleware=...)` is Streamlit's documented hook for both, so the guard is an ASGI
middleware that runs before Streamlit's own:

- every HTTP response gets `SECURITY_HEADERS`: the dashboard may not be framed by another site
  (clickjacking), no MIME sniffing, no referrer leaves the site, no plugins, no <base> rewrite;
- `CLOSED_PATHS` answer 404: nothing a browser or a service manager needs (`/_stcore/health`
  stays open for them);
- the lifespan warms the server (app/warmup.py) before it accepts a session, and again after
  each new load, and shuts down the sessions of closed tabs once their TTL has passed
  (`ClosedTabReaper`);
- `session_cookie.PATH` sets (POST, with a one-time ticket) or clears (DELETE) the session cookie
  that lets a signed-in session survive a reload (app/session_cookie.py); same-origin only;
- Streamlit's hashed bundles (`/static/js|css|media/NAME`) are answered from memory
  (`StaticAssets`): Starlette's file responses hop to a worker thread for each stat, open and
  64 KiB read, about 500 hops for the 89 files (2.7 MB) of a first visit, and on a busy server
  each hop waits for the GIL. benchmarks.sessions (25 sessions, 100,000 cases, signing in during
  the accounts' warm-up; the browser's Resource Timing): the longest wait of a sign-in page for a
  file's first byte p50 5.4 s (max 7.1 s) from Starlette's file responses, 1.8 s (the machine
  less busy: 1.1 s) from memory; a page's 62 files six at a time took 50 s, then 28-33 s, the
  rest of which is Chromium's own work (25 tabs on the server's two cores).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from app import session_cookie  # noqa: E402

SCRIPT = Path(__file__).with_name("streamlit_app.py")
MAX_TICKET_BYTES = 200

SECURITY_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    # Only what Streamlit's frontend survives: it needs inline styles and scripts of its own,
    # so the policy forbids framing, plugins, <base> and foreign form targets, not scripts.
    "Content-Security-Policy": (
        "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CLOSED_PATHS = ("/_stcore/metrics",)
# Streamlit's content-hashed bundles, by URL: one folder, a plain file name (no '..', no '/')
STATIC_ASSET = re.compile(r"/static/(?:js|css|media)/[A-Za-z0-9_.-]+")
STATIC_CACHE_CONTROL = b"public, immutable, max-age=31536000"  # Streamlit's for these files


class StaticAssets:
    """Streamlit's hashed bundles, read once and then answered from memory in one message on
    the event loop, with Streamlit's headers (type, length, a year's immutable caching). Only
    files of Streamlit's own static folder that a browser asked for are held (the folder is
    about 25 MB); any other path, or a name not there, is left to Streamlit."""

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            from streamlit import file_util

            directory = Path(file_util.get_static_dir())
        self.directory = directory
        self._held: dict[str, tuple[bytes, bytes]] = {}  # URL path -> (body, content type)

    def lookup(self, path: str) -> tuple[bytes, bytes] | None:
        if not STATIC_ASSET.fullmatch(path) or ".." in path:
            return None
        held = self._held.get(path)
        if held is None:
            file = self.directory / path.lstrip("/")
            try:
                body = file.read_bytes()  # once per file and process, from the page cache
            except OSError:
                return None
            kind = mimetypes.guess_type(file.name)[0] or "text/plain"  # as Starlette's
            if kind.startswith("text/"):
                kind += "; charset=utf-8"
            held = self._held[path] = (body, kind.encode("latin-1"))
        return held

    async def answer(self, scope: Scope, send: Send, held: tuple[bytes, bytes]) -> None:
        body, kind = held
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode("latin-1")),
            (b"cache-control", STATIC_CACHE_CONTROL),
        ]
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": _with_security_headers(headers)})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


class SecurityGuard:
    """Pure ASGI middleware (not BaseHTTPMiddleware, which would buffer Streamlit's streams)."""

    def __init__(self, app: ASGIApp, assets: StaticAssets | None = None) -> None:
        self.app = app
        self.assets = assets or StaticAssets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # the websocket has no response headers
            return
        if is_closed(scope.get("path", "")):
            await _not_found(send)
            return
        if _is_session_path(scope.get("path", "")):
            await _session_endpoint(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD") and (
            held := self.assets.lookup(scope.get("path", ""))
        ):
            await self.assets.answer(scope, send, held)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_security_headers(message.get("headers", []))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_closed(path: str) -> bool:
    """Is `path` one of CLOSED_PATHS, under any server.baseUrlPath and with any trailing '/'?"""
    path = "/" + path.strip("/")
    return any(path == closed or path.endswith(closed) for closed in CLOSED_PATHS)


def _with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    ours = {name.lower().encode("latin-1") for name in SECURITY_HEADERS}
    kept = [(name, value) for name, value in headers if name.lower() not in ours]
    return kept + [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in SECURITY_HEADERS.items()
    ]


async def _not_found(send: Send) -> None:
    await _respond(send, 404, b"Not found")


async def _respond(send: Send, status: int, body: bytes, headers: list | None = None) -> None:
    base = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _with_security_headers(base + (headers or [])),
        }
    )
    await send({"type": "http.response.body", "body": body})


def _is_session_path(path: str) -> bool:
    path = "/" + path.strip("/")
    return path == session_cookie.PATH or path.endswith(session_cookie.PATH)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def same_origin(headers: dict[str, str]) -> bool:
    """A request the dashboard's own page made: no foreign Origin, no cross-site fetch."""
    if headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = headers.get("origin")
    return origin is None or urlsplit(origin).netloc == headers.get("host", "")


def is_https(scope: Scope, headers: dict[str, str]) -> bool:
    """HTTPS to the browser: directly, or at a trusted reverse proxy (LAT_TRUSTED_PROXIES)."""
    behind_proxy = int(os.environ.get("LAT_TRUSTED_PROXIES", "0") or 0) > 0
    forwarded = headers.get("x-forwarded-proto", "") if behind_proxy else ""
    return scope.get("scheme") == "https" or forwarded.split(",")[-1].strip() == "https"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return body


async def _session_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """POST ticket -> the session cookie; DELETE -> the session ended and the cookie cleared."""
    headers = _headers(scope)
    method = scope.get("method", "GET")
    if method not in ("POST", "DELETE"):
        await _respond(send, 405, b"Method not allowed", [(b"allow", b"POST, DELETE")])
        return
    if not same_origin(headers):
        await _respond(send, 403, b"Forbidden")
        return
    secure = is_https(scope, headers)
    if method == "DELETE":
        from app.accounts import open_store

        open_store().end_session(session_cookie.cookie_from_header(headers.get("cookie", "")))
        cookie = session_cookie.clear_cookie(secure=secure).encode("latin-1")
        await _respond(send, 204, b"", [(b"set-cookie", cookie)])
        return
    body = await _read_body(receive, MAX_TICKET_BYTES)
    token = session_cookie.redeem_ticket(body.decode("ascii", "replace").strip()) if body else None
    if token is None:
        await _respond(send, 403, b"Forbidden")
        return
    cookie = session_cookie.set_cookie(token, secure=secure).encode("latin-1")
    await _respond(send, 204, b"", [(b"set-cookie", cookie)])


REAP_SECONDS = 10.0  # how often closed tabs' sessions past their TTL are shut down


class ClosedTabReaper:
    """Shuts down the sessions of closed tabs once `server.disconnectedSessionTTL` has passed.

    Streamlit 1.67 keeps a closed tab's session in a TTL cache (its session storage) so that a
    dropped connection can come back to it; but the cache lets go of an expired session only
    when another session is stored, and then without shutting it down, and never by itself
    (streamlit/streamlit#12506): its session state, media files and table sources stay until
    a later tab closes, and once the last one has closed, for good. `reap` (on the event loop:
    sessions are not thread-safe) expires the cache and shuts down every session that has left
    it without coming back (a resumed session is active again). Another Streamlit without that
    cache is left alone.
    """

    def __init__(self) -> None:
        self._stored: dict[str, object] = {}  # id -> session, as last seen in the storage

    def reap(self, session_manager: object) -> int:
        """Shut down the sessions that left the storage since the last call; returns how many."""
        storage = getattr(session_manager, "_session_storage", None)
        expire = getattr(getattr(storage, "_cache", None), "expire", None)
        if expire is None or not hasattr(session_manager, "is_active_session"):
            return 0
        expire()  # drops the expired sessions' entries (an expired entry is not listed)
        stored = {info.session.id: info.session for info in storage.list()}
        gone = [
            session
            for session_id, session in self._stored.items()
            if session_id not in stored and not session_manager.is_active_session(session_id)
        ]
        for session in gone:
            session.shutdown()  # a session already shut down (closed) ignores it
        self._stored = stored
        return len(gone)

    def idle(self, session_manager: object) -> bool:
        """No session open, and none waiting for its tab to come back (as of the last `reap`)."""
        active = getattr(session_manager, "num_active_sessions", None)
        return active is not None and active() == 0 and not self._stored


REAPED_LOG = "shut down %d session(s) of closed tabs"  # benchmarks.sessions counts these
RELEASED_LOG = "no sessions left: the reader's memory handed back"


async def _reaping() -> None:
    """Every REAP_SECONDS: closed tabs' sessions shut down; and once the last one has gone, the
    reader's memory handed back (app.warmup.release_reader), so the server's size falls back
    to about its size at start."""
    from streamlit.logger import get_logger
    from streamlit.runtime import Runtime

    from app import warmup

    # nothing to hand back before the first session: the warm-up's reader stays warm
    log, reaper, released = get_logger(__name__), ClosedTabReaper(), True
    while True:
        await asyncio.sleep(REAP_SECONDS)
        if not Runtime.exists():
            continue
        try:
            manager = getattr(Runtime.instance(), "_session_mgr", None)
            if reaped := reaper.reap(manager):
                log.info(REAPED_LOG, reaped)
            if not reaper.idle(manager):
                released = False
            elif not released and await asyncio.to_thread(warmup.release_reader):
                released = True
                log.info(RELEASED_LOG)
        except Exception:  # logged, and tried again at the next pass: the server serves on
            log.exception("shutting down closed tabs' sessions failed")


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Warm before the first session (uvicorn listens only after this yields), then rewarm
    after each load and shut closed tabs' sessions down while serving."""
    from app import warmup

    await asyncio.to_thread(warmup.warm, accounts=False)
    warmup.freeze_imports()  # what the warm-up imported stays: no full collection walks it again
    rewarmer = warmup.Rewarmer()
    rewarmer.start()
    reaper = asyncio.create_task(_reaping())
    try:
        yield
    finally:
        reaper.cancel()
        rewarmer.stop()


app = st.App(SCRIPT, middleware=[Middleware(SecurityGuard)], lifespan=lifespan)
