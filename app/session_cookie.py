"""The browser's session cookie: how a signed-in session survives a reload (F5).

No Streamlit here (the ASGI guard in app/asgi.py and the sign-in in app/auth.py share it).

A Streamlit script cannot set an HttpOnly cookie, and page JavaScript must never see the
session token. So after a sign-in the script hands the browser a one-time ticket (random, valid
for `TICKET_SECONDS`, usable once, kept in this process's memory only), the browser posts it to
`PATH`, and the guard answers with the token in an HttpOnly, SameSite=Strict cookie (Secure
over HTTPS). On a reload Streamlit passes the cookie to the new session (`st.context.cookies`),
and `AccountStore.session` decides whether it is still live (signed, expiring, revocable).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time

from app.accounts import SESSION_MAX_SECONDS

COOKIE_NAME = "lat_session"
PATH = "/_lat/session"
TICKET_SECONDS = 60
MAX_TICKETS = 10_000  # a bound on memory: the oldest tickets go first

_TICKET = re.compile(r"[A-Za-z0-9_-]{20,100}")  # what secrets.token_urlsafe makes
_BASE_PATH = re.compile(r"[A-Za-z0-9/_.-]*")  # server.baseUrlPath, set by the operator

_tickets: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def issue_ticket(token: str, now: float | None = None) -> str:
    """A one-time ticket the browser exchanges at PATH for a cookie holding `token`."""
    stamp = time.monotonic() if now is None else now
    ticket = secrets.token_urlsafe(32)
    with _lock:
        for old in [k for k, (_, at) in _tickets.items() if stamp - at > TICKET_SECONDS]:
            del _tickets[old]
        while len(_tickets) >= MAX_TICKETS:
            del _tickets[next(iter(_tickets))]
        _tickets[ticket] = (token, stamp)
    return ticket


def redeem_ticket(ticket: str, now: float | None = None) -> str | None:
    """The token of a live ticket (which is used up by this), else None."""
    stamp = time.monotonic() if now is None else now
    with _lock:
        entry = _tickets.pop(ticket, None)
    if entry is None or stamp - entry[1] > TICKET_SECONDS:
        return None
    return entry[0]


def set_cookie(token: str, *, secure: bool) -> str:
    """The Set-Cookie header value that keeps `token` in the browser, out of JavaScript's reach."""
    flags = f"Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_MAX_SECONDS}"
    return f"{COOKIE_NAME}={token}; {flags}" + ("; Secure" if secure else "")


def clear_cookie(*, secure: bool) -> str:
    flags = "Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    return f"{COOKIE_NAME}=; {flags}" + ("; Secure" if secure else "")


def cookie_from_header(header: str) -> str | None:
    """Our cookie's value from a Cookie request header."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return value
    return None


def browser_script(base_path: str, ticket: str | None) -> str:
    """The one script the dashboard sends: post `ticket` to PATH for the cookie, or (None)
    have a stale cookie cleared. Built from a checked ticket and base path only, never from
    anything a user typed (tests/etl/test_crafted_input.py)."""
    if ticket is not None and not _TICKET.fullmatch(ticket):
        raise ValueError("not a session ticket")
    if not _BASE_PATH.fullmatch(base_path):
        raise ValueError("unexpected characters in server.baseUrlPath")
    parts = [part for part in base_path.split("/") if part] + [PATH.strip("/")]
    url = json.dumps("/" + "/".join(parts))
    request = (
        f"{{method: 'POST', body: {json.dumps(ticket)}, credentials: 'same-origin'}}"
        if ticket
        else "{method: 'DELETE', credentials: 'same-origin'}"
    )
    return f"<script>fetch({url}, {request});</script>"
