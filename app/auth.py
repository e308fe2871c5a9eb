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
  A token without a usable role is refused (and the refusal audited).

Sessions end 8 hours after sign-in or after 30 minutes without activity. Sign-in, failed
sign-in and sign-out go to the audit trail; `log_page_view` and `log_download` are for the
router and the download buttons. Presentation mode (forced for viewers) shows a banner.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Mapping

import streamlit as st

from app import audit, i18n
from app.accounts import (
    Account,
    AccountError,
    AccountStore,
    authenticate,
    make_account,
    open_store,
)
from app.data import SCOPE_KEY  # the one place the viewer of a session is kept
from app.scope import ROLES, Scope
from warehouse.db import municipality_names

SESSION_MAX_SECONDS = 8 * 60 * 60
IDLE_MAX_SECONDS = 30 * 60

ACCOUNT_KEY = "auth_account"
SIGNED_IN_AT_KEY = "auth_signed_in_at"
LAST_SEEN_KEY = "auth_last_seen"
METHOD_KEY = "auth_method"
NOTICE_KEY = "auth_notice"
LAST_VIEW_KEY = "auth_last_view"
UNKNOWN_USER = "(ukendt bruger)"

OIDC_DEFAULTS = {
    "name_claim": "email",
    "role_claim": "lat_role",
    "municipalities_claim": "lat_municipalities",
    "worker_id_claim": "lat_worker_id",
    "provider": "",
    "role_values": {},
}


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


def oidc_settings() -> dict:
    """The claim mapping: [lat.oidc] in secrets.toml over the documented defaults."""
    settings = dict(OIDC_DEFAULTS)
    try:
        configured = st.secrets.get("lat", {}).get("oidc", {})
        settings.update({k: v for k, v in dict(configured).items() if k in OIDC_DEFAULTS})
    except Exception:
        pass
    return settings


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return [str(value)]


def account_from_claims(claims: Mapping, settings: Mapping | None = None) -> Account:
    """Map identity-token claims to an account; AccountError when no usable role is given."""
    config = {**OIDC_DEFAULTS, **(settings or {})}
    role_values = dict(config["role_values"])
    roles = [role_values.get(value, value) for value in _as_list(claims.get(config["role_claim"]))]
    role = next((r for r in roles if r in ROLES), None)  # the first claim value that is a role
    if role is None:
        raise AccountError("no LAT role in the identity token")
    name = str(claims.get(config["name_claim"]) or claims.get("sub") or "").strip().lower()
    if not name:
        raise AccountError("no user name in the identity token")
    worker = claims.get(config["worker_id_claim"])
    municipalities = _as_list(claims.get(config["municipalities_claim"]))
    checked = make_account("oidc", role, municipalities, str(worker) if worker else None)
    return dataclasses.replace(checked, name=name)


def _oidc_sign_in() -> Account:
    settings = oidc_settings()
    if not st.user.is_logged_in:
        st.title(text("title"))
        _show_notice()
        if st.button(text("oidc_button"), key="auth_oidc_login", type="primary"):
            try:
                if settings["provider"]:
                    st.login(settings["provider"])
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


def _local_sign_in() -> Account:
    store = open_store()
    st.title(text("title"))
    _show_notice()
    st.write(text("intro"))
    with st.form("auth_form", clear_on_submit=True, enter_to_submit=True):
        name = st.text_input(text("name"), key="auth_name", autocomplete="username")
        password = st.text_input(
            text("password"), type="password", key="auth_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(text("submit"), type="primary")
    if submitted:
        if not name.strip() or not password:
            st.error(text("missing"))
        else:
            account = authenticate(store, name, password)
            if account is not None:
                if _start_session(account, "local", time.time()):
                    st.rerun()  # draw the app without the form
                st.error(text("audit_down"))
            else:
                _refuse(store, name)
    st.stop()
    raise RuntimeError("st.stop() ends the run")  # only reached outside `streamlit run`


def _refuse(store: AccountStore, name: str) -> None:
    locked_until = store.locked_until(name)
    known = store.get(name)
    # An unknown name is not written down: it may be a password typed into the wrong field.
    _audit(
        "sign_in_failed",
        known.name if known else UNKNOWN_USER,
        {"method": "local", "locked": locked_until is not None},
    )
    if locked_until is not None:
        minutes = max(1, math.ceil((locked_until - time.time()) / 60))
        st.error(text("locked", minutes=minutes))
    else:
        st.error(text("wrong"))


# --- the session ----------------------------------------------------------------------------


def _start_session(account: Account, method: str, started: float) -> bool:
    if not _audit("sign_in", account.name, {"method": method, "role": account.role}):
        return False
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


def session_expired(signed_in_at: float, last_seen: float, now: float) -> bool:
    """8 hours after sign-in, or 30 minutes without any activity."""
    return now - signed_in_at > SESSION_MAX_SECONDS or now - last_seen > IDLE_MAX_SECONDS


def _end_session(account: Account, reason: str) -> None:
    """Audit the sign-out and forget everything of this session but the language."""
    _audit("sign_out", account.name, {"reason": reason})
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


def require_sign_in() -> Scope:
    """The signed-in viewer's Scope; draws the sign-in page and stops the run until then."""
    now = time.time()
    account = _current_account()
    if account is not None and session_expired(
        st.session_state.get(SIGNED_IN_AT_KEY, 0.0), st.session_state.get(LAST_SEEN_KEY, 0.0), now
    ):
        oidc = st.session_state.get(METHOD_KEY) == "oidc"
        _end_session(account, "expired")
        st.session_state[NOTICE_KEY] = "expired"
        if oidc:
            st.logout()
        account = None
    if account is None:
        account = _oidc_sign_in() if oidc_configured() else _local_sign_in()
    st.session_state[LAST_SEEN_KEY] = now
    scope = account.scope(presentation=_sidebar(account))
    st.session_state[SCOPE_KEY] = scope
    if scope.presentation:
        st.info(text("banner"), icon="🔒")
    return scope


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
