"""The dashboard as served: Streamlit's own `st.App` around app/streamlit_app.py, plus our guard.

`lat serve` runs `streamlit run app/asgi.py`; Streamlit finds the `app` object below and serves
it with uvicorn (Streamlit 1.67's server is Starlette). Streamlit's config has no option for
response headers, and `/_stcore/metrics` (session counts, cache sizes) answers anyone, signed in
or not; `st.App(middleware=...)` is Streamlit's documented hook for both, so the guard is an ASGI
middleware that runs before Streamlit's own:

- every HTTP response gets `SECURITY_HEADERS`: the dashboard may not be framed by another site
  (clickjacking), no MIME sniffing, no referrer leaves the site, no plugins, no <base> rewrite;
- `CLOSED_PATHS` answer 404: nothing a browser or a service manager needs (`/_stcore/health`
  stays open for them).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCRIPT = Path(__file__).with_name("streamlit_app.py")

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


class SecurityGuard:
    """Pure ASGI middleware (not BaseHTTPMiddleware, which would buffer Streamlit's streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # the websocket has no response headers
            return
        if is_closed(scope.get("path", "")):
            await _not_found(send)
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
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": _with_security_headers([(b"content-type", b"text/plain; charset=utf-8")]),
        }
    )
    await send({"type": "http.response.body", "body": b"Not found"})


app = st.App(SCRIPT, middleware=[Middleware(SecurityGuard)])
