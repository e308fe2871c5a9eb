"""Entrypoint and router: `streamlit run app/streamlit_app.py` (or `lat serve` / `lat demo`).

Each run: page config, language (URL `lang=en` or the sidebar switch), the viewer's Scope, the
sidebar filters (for every page, so they survive page changes), then the chosen page runs.
Pages find the viewer and the filters with `app.data.current_scope()` / `current_filters()`.
Pages live in pages/<name>.py and are registered in PAGES below (title keys are in app/i18n.py).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import charts, components, data, filter_sidebar, filters, i18n  # noqa: E402
from app.scope import Scope  # noqa: E402

# (file under pages/, title key in the text catalogue texts/, url path)
PAGES = (
    ("overview.py", "page_overview", "overview"),
    ("attention.py", "page_attention", "attention"),
    ("progression.py", "page_progression", "progression"),
    ("fidelity.py", "page_fidelity", "fidelity"),
    ("prepost.py", "page_prepost", "prepost"),
    ("caseloads.py", "page_caseloads", "caseloads"),
    ("data_quality.py", "page_data_quality", "data-quality"),
    ("case.py", "page_case", "case"),
    ("worker.py", "page_worker", "worker"),
    ("reports.py", "page_reports", "reports"),
    ("find_worker.py", "page_find_worker", "find-worker"),
    ("matching.py", "page_matching", "matching"),
    ("citizens.py", "page_citizens", "citizens"),
)
# the page a role lands on: the coordinator's desk starts at the attention queue
LANDING = {"coordinator": "attention", "worker": "attention"}
# the url path of the root URL's own page, which opens the viewer's landing page (`_root_page`)
ROOT_URL = "start"
# pages about one record: their views are audited with the record's id (`?id=`)
RECORD_PAGES = {"case": "case_id", "worker": "worker_id"}
NATIONAL_PAGES = (("audit.py", "page_audit", "audit"),)  # national viewers only
NOT_FOR_WORKERS = ("find_worker.py",)  # finding a worker for a case is the coordinator's task
# pages of single records: left out of the menu of a viewer without case-level access (a link
# to one still opens it, with the page's own "your role ..." message)
CASE_LEVEL_PAGES = ("case", "worker")
# the navigation's sections (title key -> url paths, in the order shown): the coordinator's desk
# first, then the figures, then the records of the warehouse itself; Streamlit would fold a flat
# list of more than ten pages behind "View more"
SECTIONS = {
    "nav_desk": ("attention", "case", "worker", "find-worker", "reports"),
    "nav_figures": (
        "overview", "progression", "fidelity", "prepost", "caseloads", "citizens", "matching",
    ),
    "nav_records": ("data-quality", "audit"),
}  # fmt: skip


def _sign_in() -> Scope:
    """The signed-in viewer; draws the sign-in page and stops the run until then."""
    from app.auth import require_sign_in  # imported late: it opens the account store

    return require_sign_in()


def _after_navigation(pages: list[st.Page], current: st.Page) -> None:
    """A page asked for before sign-in opens now; the browser gets its session cookie."""
    from app import auth

    auth.after_navigation(pages, current)


def _set_lang() -> None:
    chosen = st.session_state.get("_lang_widget")
    if chosen in i18n.LANGS:  # deselecting the current choice keeps the language
        st.session_state["lang"] = chosen


def _language_switch() -> None:
    """Danish/English switch; the choice is kept in the session and the URL."""
    st.session_state["_lang_widget"] = st.session_state["lang"]
    st.sidebar.segmented_control(
        i18n.t("language"),
        options=list(i18n.LANGS),
        format_func=lambda code: i18n.t(f"language_name.{code}"),  # each in its own words
        key="_lang_widget",
        on_change=_set_lang,
    )
    if st.session_state["lang"] == "en":
        st.query_params["lang"] = "en"
    elif "lang" in st.query_params:
        del st.query_params["lang"]
    components.streamlit_texts()  # Streamlit's own English, in the chosen language
    components.calm_reruns()  # stale elements dim at once: no fade drawn frame by frame


def _filters(scope: Scope) -> filters.Filters:
    if data.status() != "ready":
        return filters.Filters()
    options = data.filter_options(scope)
    return filter_sidebar.sidebar(options, show_workers=scope.case_level)


def _landing(scope: Scope) -> str:
    """The url path of the page the viewer starts on (the root URL opens it)."""
    return LANDING.get(scope.role, "overview") if scope.case_level else "overview"


def _log_page_view(page: st.Page, chosen: filters.Filters, scope: Scope) -> None:
    """Audit trail: which page with which filters (written once per change, when signed in)."""
    from app import auth  # imported late: the sign-in module pulls in the account store

    options_free = {
        "from": chosen.from_month.isoformat()[:7] if chosen.from_month else None,
        "to": chosen.to_month.isoformat()[:7] if chosen.to_month else None,
        "municipalities": list(chosen.municipalities),
        "case_types": list(chosen.case_types),
        "genders": list(chosen.genders),
        "age_bands": list(chosen.age_bands),
        "workers": list(chosen.workers),
    }
    url = page.url_path
    if url in RECORD_PAGES:  # which case or worker was looked at: the URL's, or a worker's own
        own = data.own_worker_id(scope) if url == "worker" else None  # (the page opens on it)
        options_free[RECORD_PAGES[url]] = components.record_id() or own
    auth.log_page_view(url, options_free)


def listed_pages(scope: Scope) -> tuple[tuple[str, str, str], ...]:
    """The pages (file, title key, url path) this viewer's navigation lists."""
    listed = PAGES + (NATIONAL_PAGES if scope.reads_audit_trail else ())
    if scope.role == "worker":
        listed = tuple(page for page in listed if page[0] not in NOT_FOR_WORKERS)
    return listed


def _pages(scope: Scope) -> dict[str, st.Page]:
    """The viewer's pages by url path, each at its own URL (none is the default page: that is
    the root URL's, `_root_page`)."""
    hidden = () if scope.case_level else CASE_LEVEL_PAGES
    return {
        url: st.Page(
            ROOT / "pages" / name, title=i18n.t(key), url_path=url,
            visibility="hidden" if url in hidden else "visible",
        )
        for name, key, url in listed_pages(scope)
    }  # fmt: skip


def _open_landing() -> None:
    """The root page's body: never drawn, the router opens the landing page before it runs."""


def _root_page(landing: st.Page) -> st.Page:
    """The page at the root URL, left out of the menu: it opens the viewer's landing page.
    Streamlit serves its default page only at the root URL: were the landing page the default,
    a bookmark of its own URL (`/attention`) would get "Page not found"."""
    return st.Page(
        _open_landing, title=landing.title, url_path=ROOT_URL, default=True, visibility="hidden"
    )


def _to_landing(landing: st.Page) -> None:
    """At the root URL: the landing page, at its own URL, with the URL's query parameters
    (ends this run; whatever the run still has to do, the landing page's run does)."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    st.switch_page(landing, query_params=params)


def _sections(by_url: dict[str, st.Page], landing: str) -> dict[str, list[st.Page]]:
    """The pages under their section titles, the section of the viewer's landing page first,
    each section in its own order (empty ones left out)."""
    order = sorted(SECTIONS, key=lambda key: landing not in SECTIONS[key])
    grouped = {
        i18n.t(key): [by_url[url] for url in SECTIONS[key] if url in by_url] for key in order
    }
    return {title: listed for title, listed in grouped.items() if listed}


def main() -> None:
    st.set_page_config(page_title="LAT Indsigt", layout="wide")
    i18n.init_lang()
    charts.enable_theme()
    _language_switch()  # before sign-in, so the sign-in page can be read in English
    scope = _sign_in()
    by_url = _pages(scope)
    landing = _landing(scope)
    sections = _sections(by_url, landing)
    next(iter(sections.values())).append(_root_page(by_url[landing]))
    navigation = st.navigation(sections, expanded=True)
    if navigation.url_path == "":  # the root URL: nothing of it is drawn or audited
        _to_landing(by_url[landing])
    _after_navigation(list(by_url.values()), navigation)
    components.open_clicked_record()  # a row clicked in a table: its record's page, at once
    try:
        chosen = _filters(scope)
    except Exception:  # a broken warehouse must still let the page explain itself
        logging.getLogger(__name__).exception("the sidebar filters could not be built")
        chosen = filters.Filters()
    st.session_state[data.FILTERS_KEY] = chosen
    _log_page_view(navigation, chosen, scope)
    navigation.run()


if __name__ == "__main__":  # Streamlit runs the entrypoint as __main__; imports only read PAGES
    main()
