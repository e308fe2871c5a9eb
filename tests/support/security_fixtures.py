"""Shared pieces of the security tests: who may see what, crafted values, and a page harness.

- `secrets_of(rows, keep)`: the identifying strings (case ids, citizen keys, worker ids and names)
  of the fixture warehouse's rows whose municipality is NOT in `keep`: what a viewer scoped to
  `keep` must never be shown at case level.
- `CRAFTED_VALUES`: filter values an attacker could put in a URL or a hand-made Filters.
- `page_app(page, role, municipalities, worker_id, presentation)`: the router's frame for a session
  already signed in (app.auth.require_sign_in gives the scope, sidebar and banner), the sidebar
  filters seeded from the URL, then the page. The CSV bytes every download button would serve
  are captured in session_state[DOWNLOADS_KEY].
- `rendered_text(at)`: everything an AppTest shows, including table cells, widget options and the
  data inside the charts.
"""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.support.app_fixtures import fixture_rows

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "pages"
DOWNLOADS_KEY = "_security_downloads"

# Values a URL (or a hand-made Filters) may carry: another municipality, SQL, lists, look-alikes.
SQL_FRAGMENTS = (
    "101' or '1'='1",
    "101); drop table raw.cases; --",
    "' union select case_id from mart.cases --",
    "$scope_limit_munis",
    "%",
    "*",
)
LOOK_ALIKES = (
    "0101",
    "\uff11\uff10\uff11",  # fullwidth 101
    "101\u200b",  # zero-width space
    " 101",
    "١٠١",  # Arabic-Indic digits
    "751\x00",
)
CRAFTED_VALUES: tuple[str, ...] = (*SQL_FRAGMENTS, *LOOK_ALIKES)


def identifying_values(rows: dict[str, list[dict]], keep) -> set[str]:
    """Case ids, citizen keys, worker ids and names of rows whose municipality passes `keep`."""
    found: set[str] = set()
    for case in rows["cases"]:
        if keep(case["municipality_code"]):
            found.update((case["case_id"], case["citizen_key"]))
            if case["worker_id"]:
                found.add(case["worker_id"])
    for worker in rows["workers"]:
        if keep(worker["municipality_code"]):
            found.update((worker["worker_id"], worker["name"]))
    return found


def secrets_of_others(own: set[str] | frozenset[str]) -> set[str]:
    """What a coordinator of `own` must never see: other municipalities' ids and names."""
    return identifying_values(fixture_rows(), lambda code: code not in own)


def corps_worker_ids(own: set[str] | frozenset[str]) -> set[str]:
    """Other municipalities' worker ids: the one thing the find-a-worker view shows a coordinator
    of `own` about the corps elsewhere (workflows.md section 1: "as aggregates and ids, no
    names"); their names, cases and citizens stay secret."""
    return {w["worker_id"] for w in fixture_rows()["workers"] if w["municipality_code"] not in own}


def all_identifying() -> set[str]:
    """Every case id, citizen key, worker id and worker name in the fixture warehouse."""
    return identifying_values(fixture_rows(), lambda _code: True)


def worker_case_ids(worker_id: str) -> set[str]:
    return {c["case_id"] for c in fixture_rows()["cases"] if c["worker_id"] == worker_id}


def leaked(text: str, forbidden: set[str]) -> list[str]:
    """The forbidden values found in `text` (sorted, for a readable assertion message)."""
    return sorted(value for value in forbidden if value in text)


def page_files() -> list[Path]:
    """Every page of the dashboard (new pages join the tests by being added to pages/)."""
    return sorted(PAGES_DIR.glob("*.py"))


def page_app(
    page: str,
    role: str,
    municipalities: tuple[str, ...],
    worker_id: str | None,
    presentation: bool,
) -> None:
    """The router's frame for a signed-in account; downloads are captured (run inside AppTest)."""
    import runpy
    import time

    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    from app import auth, charts, data, filter_sidebar, i18n

    captured: dict[str, bytes] = {}
    original = DeltaGenerator.download_button
    original_st = st.download_button

    def capturing(self, label, data=None, file_name=None, mime=None, *args, **kwargs):
        # what the button would serve, made now (the app makes it lazily, on click)
        if mime == "text/csv":
            body = data() if callable(data) else data
            captured[str(file_name or kwargs.get("key"))] = (
                body.encode("utf-8") if isinstance(body, str) else bytes(body)
            )
        return original(self, label, data, file_name, mime, *args, **kwargs)

    DeltaGenerator.download_button = capturing
    st.download_button = lambda *a, **k: capturing(st._main, *a, **k)
    try:
        i18n.init_lang()
        charts.enable_theme()
        # a signed-in session, so the scope, the sidebar and the banner come from app.auth itself
        account = {"name": "test", "role": role, "municipalities": list(municipalities),
                   "worker_id": worker_id}  # fmt: skip
        now = time.time()
        if auth.TOKEN_KEY not in st.session_state:  # a live store session, as a sign-in leaves
            from app.accounts import Account, AccountStore, accounts_path

            store = AccountStore(accounts_path())
            wanted = Account("test", role, tuple(municipalities), worker_id)
            if store.get("test") != wanted:
                store.remove("test")
                store.add(wanted, "test-password-1234")
            st.session_state[auth.TOKEN_KEY] = store.open_session("test")
            st.session_state[auth.METHOD_KEY] = "local"
        st.session_state.setdefault(auth.ACCOUNT_KEY, account)
        st.session_state.setdefault(auth.SIGNED_IN_AT_KEY, now)
        st.session_state.setdefault(auth.LAST_SEEN_KEY, now)
        if presentation and role != "viewer":
            st.session_state.setdefault("auth_presentation", True)
        scope = auth.require_sign_in()
        st.session_state[data.SCOPE_KEY] = scope
        options = data.filter_options(scope)
        st.session_state[data.FILTERS_KEY] = filter_sidebar.sidebar(
            options, show_workers=scope.case_level
        )
        runpy.run_path(page)
    finally:
        DeltaGenerator.download_button = original
        st.download_button = original_st
        st.session_state["_security_downloads"] = captured


def run_page(
    page: Path,
    role: str,
    municipalities: tuple[str, ...] = (),
    worker_id: str | None = None,
    presentation: bool = False,
    query: dict[str, str | list[str]] | None = None,
) -> AppTest:
    at = AppTest.from_function(
        page_app,
        args=(str(page), role, municipalities, worker_id, presentation),
        default_timeout=60,
    )
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _walk(node):
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _walk(child)


def rendered_text(at: AppTest) -> str:
    """All text of every element: markdown, tables, metrics, widget options, chart data."""
    parts: list[str] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [json.dumps(c.proto.spec) for c in at.get("vega_lite_chart")]
    for widget in [*at.multiselect, *at.selectbox]:
        parts += [str(option) for option in widget.options]
    return "\n".join(parts)


def downloads(at: AppTest) -> dict[str, bytes]:
    """CSV bytes the page's download buttons would serve, by file name."""
    try:
        return dict(at.session_state[DOWNLOADS_KEY])
    except KeyError:
        return {}
