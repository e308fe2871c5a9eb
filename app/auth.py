"""Sign-in for the dashboard: `require_sign_in() -> Scope`, called once by the router.

Two ways in:
- Local accounts (default): a sign-in form checked against `app.accounts` (argon2, lockout).
- OpenID Connect, when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's `st.login`,
  which needs Authlib: `streamlit[auth]`). The identity token's claims give the role:

  ```toml
  [auth]                      # Streamlit's own settings (see st.login)
  redirect_uri = "https://lat.example.dk/oauth2callback"
  cookie_secret = "..."
  client_id = "..."
  client_secret = "..."
  server_metadata_url = "https://login.example.dk/.well-known/openid-configuration"

  [lat.oidc]                  # optional; these are the defaults
  name_claim = "email"                      # falls back to "sub"
  role_claim = "lat_role"                   # national | coordinator | worker | viewer
  municipalities_claim = "lat_municipalities"  # list or "101,147"
  worker_id_claim = "lat_worker_id"
  provider = ""                             # a named provider under [auth.NAME], if any
  [lat.oidc.role_values]                    # optional: the IdP's group names -> LAT roles
  "LAT-Koordinatorer" = "coordinator"
  ```
  The claims are checked by `app.claims.OidcIdentity` (pydantic): a token without a usable role,
  or with a bad or missing claim the role needs, is refused with a message naming the claim
  (shown under the refusal and written to the audit trail); a wrong `[lat.oidc]` says which
  setting is wrong in the server log.

Sessions end 8 hours after sign-in or after 30 minutes without activity. A local session is
a row in the account store (`AccountStore.session`, checked on every run), so `lat user revoke`,
a new password or a removed account ends it at the next click; its signed token is also kept
in an HttpOnly cookie (app/session_cookie.py), so a reload (F5) resumes it within those rules.
Sign-in throttling: per name and per client address (app/accounts.py). A page opened before
sign-in (its path and query parameters) is opened after it (`after_navigation`).

Sign-in, failed sign-in and sign-out go to the audit trail; `log_page_view` and `log_download`
are for the router and the download buttons. Presentation mode (forced for viewers) shows a
banner.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import streamlit as st

from app import i18n, session_cookie, warmup
from app.accounts import (
    Account,
    AccountError,
    AccountStore,
    accounts_path,
    authenticate,
    session_expired,
)
from app.claims import ClaimMapping, account_from_claims, mapping_from
from app.data import SCOPE_KEY  # the one place the viewer of a session is kept
from app.scope import Scope
from privacy import audit
from warehouse.db import municipality_names

__all__ = ["current_scope", "require_sign_in", "session_expired"]  # the expiry rule is the store's

ACCOUNT_KEY = "auth_account"
SIGNED_IN_AT_KEY = "auth_signed_in_at"
LAST_SEEN_KEY = "auth_last_seen"
METHOD_KEY = "auth_method"
NOTICE_KEY = "auth_notice"
LAST_VIEW_KEY = "auth_last_view"
TOKEN_KEY = "auth_token"  # the local session's signed token (AccountStore.session)
TICKET_KEY = "auth_cookie_ticket"  # a ticket the browser is still to exchange for its cookie
NEXT_KEY = "auth_next"  # (page url path, query params) asked for before sign-in
UNKNOWN_USER = "(ukendt bruger)"

log = logging.getLogger(__name__)


def text(key: str, **values: object) -> str:
    """A sign-in text (catalogue key `auth.<key>`); the URL's lang=en counts before the router ran."""
    return i18n.t(f"auth.{key}", i18n.init_lang(), **values)


def _audit(event: str, user: str, detail: dict) -> bool:
    """Write to the audit trail; False (never an exception on screen) when it cannot."""
    try:
        audit.record(event, user, detail)
    except Exception:  # the caller decides: sign-in fails closed, a page view does not
        return False
    return True


# --- OIDC -----------------------------------------------------------------------------------


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section; no secrets file is simply False."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # a broken secrets file must not take the sign-in page down
        return False


def oidc_settings() -> ClaimMapping:
    """The claim mapping: [lat.oidc] in secrets.toml over the documented defaults (app/claims.py);
    AccountError saying which setting is wrong."""
    try:
        configured = dict(st.secrets.get("lat", {}).get("oidc", {}))
    except Exception:  # no or unreadable secrets: the defaults
        configured = {}
    return mapping_from(configured)


def _oidc_sign_in() -> Account:
    try:
        settings = oidc_settings()
    except AccountError as error:  # a wrong [lat.oidc]: the operator's to fix, said in the log
        log.error("OIDC sign-in is not set up: %s", error)
        st.error(text("oidc_unavailable"))
        st.stop()
    if not st.user.is_logged_in:
        st.title(text("title"))
        _show_notice()
        if st.button(text("oidc_button"), key="auth_oidc_login", type="primary"):
            try:
                if settings.provider:
                    st.login(settings.provider)
                else:
                    st.login()
            except Exception:
                st.error(text("oidc_unavailable"))
        st.stop()
    claims = st.user.to_dict()
    try:
        account = account_from_claims(claims, settings)
    except AccountError as error:
        _audit("sign_in_failed", UNKNOWN_USER, {"method": "oidc", "reason": str(error)})
        st.error(text("no_role"))
        st.caption(str(error))  # which claim was bad or missing, for the administrator
        if st.button(text("sign_out"), key="auth_oidc_logout"):
            st.logout()
        st.stop()
    issued = claims.get("iat")
    started = float(issued) if isinstance(issued, int | float) else time.time()
    if not _start_session(account, "oidc", started):
        st.error(text("audit_down"))
        st.stop()
    return account


# --- local accounts -------------------------------------------------------------------------


def _show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(text(notice))


_stores: dict[str, AccountStore] = {}


def _store() -> AccountStore:
    """The account store beside the warehouse (opened once per file, shared by sessions)."""
    path = str(accounts_path())
    if path not in _stores:
        _stores[path] = AccountStore(accounts_path())
    return _stores[path]


def client_address() -> str:
    """The browser's address, for throttling sign-in per client. Behind N trusted reverse
    proxies (LAT_TRUSTED_PROXIES=N) it is the Nth address from the end of X-Forwarded-For;
    a connection from this machine without a proxy in front is "local"."""
    hops = int(os.environ.get("LAT_TRUSTED_PROXIES", "0") or 0)
    if hops > 0:
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
        parts = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def _requested() -> tuple[str, dict[str, str]]:
    """The page (its url path) and query parameters of the URL the browser opened."""
    url = st.context.url or ""
    path = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    return path, dict(st.query_params.to_dict())


def _send_cookie_script(ticket: str | None) -> None:
    """The browser posts its ticket for the session cookie, or (None) has a stale one cleared."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "")
    script = session_cookie.browser_script(base, ticket)
    st.html(script, unsafe_allow_javascript=True)


def _local_sign_in() -> Account:
    store = _store()
    st.session_state.setdefault(NEXT_KEY, _requested())  # opened after sign-in
    if _browser_cookie():  # the cookie of a session that has ended
        _send_cookie_script(None)
    st.title(text("title"))
    _show_notice()
    st.write(text("intro"))
    with st.form("auth_form", clear_on_submit=True, enter_to_submit=True):
        name = st.text_input(text("name"), key="auth_name", autocomplete="username")
        password = st.text_input(
            text("password"), type="password", key="auth_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(text("submit"), type="primary", key="auth_submit")
    if submitted:
        if not name.strip() or not password:
            st.error(text("missing"))
        else:
            client = client_address()
            account = authenticate(store, name, password, client=client)
            if account is not None:
                if _start_session(account, "local", time.time()):
                    st.rerun()  # draw the app without the form
                st.error(text("audit_down"))
            else:
                _refuse(store, name, client)
    st.stop()
    raise RuntimeError("st.stop() ends the run")  # only reached outside `streamlit run`


def _refuse(store: AccountStore, name: str, client: str) -> None:
    client_locked = store.client_locked_until(client)
    locked_until = client_locked or store.locked_until(name)
    known = store.get(name)
    # An unknown name is not written down: it may be a password typed into the wrong field.
    _audit(
        "sign_in_failed",
        known.name if known else UNKNOWN_USER,
        {
            "method": "local",
            "locked": locked_until is not None,
            "client_locked": client_locked is not None,
        },
    )
    if locked_until is not None:
        minutes = max(1, math.ceil((locked_until - time.time()) / 60))
        st.error(text("client_locked" if client_locked else "locked", minutes=minutes))
    else:
        st.error(text("wrong"))


# --- the session ----------------------------------------------------------------------------


def _start_session(
    account: Account, method: str, started: float, *, token: str | None = None
) -> bool:
    """Keep the signed-in account in the session; a local sign-in opens a store session (or
    resumes `token`, from the cookie) and hands the browser a ticket for its cookie."""
    detail = {"method": method, "role": account.role}
    if token is not None:
        detail["resumed"] = True  # a reload within the session's rules, not a new password
    if not _audit("sign_in", account.name, detail):
        return False
    if method == "local":
        if token is None:
            token = _store().open_session(account.name)
            st.session_state[TICKET_KEY] = session_cookie.issue_ticket(token)
        st.session_state[TOKEN_KEY] = token
    st.session_state[ACCOUNT_KEY] = dataclasses.asdict(account)
    st.session_state[SIGNED_IN_AT_KEY] = started
    st.session_state[LAST_SEEN_KEY] = time.time()
    st.session_state[METHOD_KEY] = method
    return True


def _current_account() -> Account | None:
    stored = st.session_state.get(ACCOUNT_KEY)
    if not stored:
        return None
    return Account(
        name=stored["name"],
        role=stored["role"],
        municipalities=tuple(stored["municipalities"]),
        worker_id=stored["worker_id"],
    )


def _end_session(account: Account, reason: str) -> None:
    """Audit the sign-out, end the store session and forget all of this session but the
    language."""
    _audit("sign_out", account.name, {"reason": reason})
    token = st.session_state.get(TOKEN_KEY)
    if token:
        _store().end_session(token)
    lang = st.session_state.get("lang")
    st.session_state.clear()
    if lang:
        st.session_state["lang"] = lang


def _sign_out(account: Account) -> None:
    method = st.session_state.get(METHOD_KEY)
    _end_session(account, "user")
    st.session_state[NOTICE_KEY] = "signed_out"
    if method == "oidc":
        st.logout()
    else:
        st.rerun()


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def _markdown_literal(value: str) -> str:
    """A name from an identity token shown as itself, never as Markdown (links, images, HTML)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", value)


def _sidebar(account: Account) -> bool:
    """Who is signed in, the presentation switch and sign-out; returns presentation on/off."""
    with st.sidebar:
        role = text(account.role)
        if account.municipalities:  # the scope in words: "koordinator, København"
            names = municipality_names()
            role += ", " + ", ".join(names.get(c, c) for c in sorted(account.municipalities))
        st.caption(text("signed_in_as", name=_markdown_literal(account.name), role=role))
        if account.role == "viewer":
            st.toggle(
                text("presentation"),
                value=True,
                disabled=True,
                key="auth_presentation_forced",
                help=text("presentation_help"),
            )
            presentation = True  # leadership screens are always safe to share
        else:
            presentation = st.toggle(
                text("presentation"), key="auth_presentation", help=text("presentation_help")
            )
        if st.button(text("sign_out"), key="auth_sign_out"):
            _sign_out(account)
    return bool(presentation)


def _live_local_account() -> tuple[Account | None, str]:
    """This run's local account as the store has it now, or None with why (a session row is
    gone when revoked, its password changed, its account removed or it expired)."""
    stored = _store().session(st.session_state.get(TOKEN_KEY))
    if stored is None:
        return None, "revoked"
    return stored, ""


def _browser_cookie() -> str | None:
    """The session cookie the browser sent when this session's connection opened."""
    token = st.context.cookies.get(session_cookie.COOKIE_NAME)
    return token if isinstance(token, str) else None


def _resume_from_cookie() -> Account | None:
    """A reload: the session cookie's session, when it is still live."""
    token = _browser_cookie()
    account = _store().session(token) if token else None
    if account is None or not _start_session(account, "local", time.time(), token=token):
        return None
    return account


def require_sign_in() -> Scope:
    """The signed-in viewer's Scope; draws the sign-in page and stops the run until then."""
    now = time.time()
    account = _current_account()
    local = st.session_state.get(METHOD_KEY) != "oidc"  # every session but an IdP's is ours
    reason = ""
    if account is not None and session_expired(
        st.session_state.get(SIGNED_IN_AT_KEY, 0.0), st.session_state.get(LAST_SEEN_KEY, 0.0), now
    ):
        reason = "expired"
    elif account is not None and local:
        live, reason = _live_local_account()
        if live is not None and live != account:  # role or municipalities changed meanwhile
            st.session_state[ACCOUNT_KEY] = dataclasses.asdict(live)
            account = live
    if account is not None and reason:
        oidc = st.session_state.get(METHOD_KEY) == "oidc"
        _end_session(account, reason)
        st.session_state[NOTICE_KEY] = reason
        if oidc:
            st.logout()
        account = None
    if account is None and not oidc_configured():
        account = _resume_from_cookie()
    if account is None:
        account = _oidc_sign_in() if oidc_configured() else _local_sign_in()
    st.session_state[LAST_SEEN_KEY] = now
    scope = account.scope(presentation=_sidebar(account))
    st.session_state[SCOPE_KEY] = scope
    warmup.note_viewer(scope)  # whose landing page to warm after the next load
    if scope.presentation:
        st.info(text("banner"), icon="🔒")
    return scope


def after_navigation(pages: list[st.Page], current: st.Page) -> None:
    """For the router, once the pages are known: open the page and query parameters asked
    for before sign-in (a deep link), then let the browser fetch its session cookie."""
    wanted = st.session_state.pop(NEXT_KEY, None)
    if wanted:
        path, params = wanted
        target = next((page for page in pages if page.url_path == path), None)
        if target is not None and target.url_path != current.url_path:
            st.switch_page(target, query_params=params)  # ends this run; the ticket waits
        if params and st.query_params.to_dict() != params:
            st.query_params.from_dict(params)
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket:
        _send_cookie_script(ticket)


def current_scope() -> Scope | None:
    """The scope require_sign_in() gave in this session (for pages), or None when signed out."""
    scope = st.session_state.get(SCOPE_KEY)
    return scope if isinstance(scope, Scope) and _current_account() is not None else None


def log_page_view(page: str, filters: Mapping | None = None) -> None:
    """Audit a page view once per change of page or filters (not on every rerun)."""
    scope = current_scope()
    if scope is None:
        return
    view = (page, repr(sorted((filters or {}).items(), key=lambda kv: str(kv[0]))))
    if st.session_state.get(LAST_VIEW_KEY) == view:
        return
    st.session_state[LAST_VIEW_KEY] = view
    _audit("page_view", scope.user, {"page": page, "filters": dict(filters or {})})


def log_download(what: str, detail: Mapping | None = None, *, user: str | None = None) -> None:
    """Audit a download (what was taken: a table name, filters, row count; never its rows).

    `user`: who took it, when known already (a download's file is made outside the session)."""
    if user is None:
        scope = current_scope()
        user = scope.user if scope else UNKNOWN_USER
    _audit("download", user, {"what": what, **(detail or {})})
