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

from app import charts, data, filters, i18n  # noqa: E402
from app.scope import Scope  # noqa: E402

# (file under pages/, title key in the text catalogue app/texts/, url path)
PAGES = (
    ("overview.py", "page_overview", "overview"),
    ("attention.py", "page_attention", "attention"),
    ("progression.py", "page_progression", "progression"),
    ("fidelity.py", "page_fidelity", "fidelity"),
    ("prepost.py", "page_prepost", "prepost"),
    ("caseloads.py", "page_caseloads", "caseloads"),
    ("data_quality.py", "page_data_quality", "data-quality"),
)
NATIONAL_PAGES = (("audit.py", "page_audit", "audit"),)  # national viewers only


def _sign_in() -> Scope:
    """The signed-in viewer; draws the sign-in page and stops the run until then."""
    from app.auth import require_sign_in  # imported late: it opens the account store

    return require_sign_in()


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


def _filters(scope: Scope) -> filters.Filters:
    if data.status() != "ready":
        return filters.Filters()
    options = data.filter_options(scope)
    return filters.sidebar(options, show_workers=scope.case_level)


def _log_page_view(page: st.Page, chosen: filters.Filters) -> None:
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
    auth.log_page_view(page.url_path or "overview", options_free)


def _pages(scope: Scope) -> list[st.Page]:
    listed = PAGES + (NATIONAL_PAGES if scope.reads_audit_trail else ())
    return [
        st.Page(ROOT / "pages" / name, title=i18n.t(key), url_path=url, default=url == "overview")
        for name, key, url in listed
    ]


def main() -> None:
    st.set_page_config(page_title="LAT Indsigt", layout="wide")
    i18n.init_lang()
    charts.enable_theme()
    _language_switch()  # before sign-in, so the sign-in page can be read in English
    scope = _sign_in()
    navigation = st.navigation(_pages(scope))
    try:
        chosen = _filters(scope)
    except Exception:  # a broken warehouse must still let the page explain itself
        logging.getLogger(__name__).exception("the sidebar filters could not be built")
        chosen = filters.Filters()
    st.session_state[data.FILTERS_KEY] = chosen
    _log_page_view(navigation, chosen)
    navigation.run()


if __name__ == "__main__":  # Streamlit runs the entrypoint as __main__; imports only read PAGES
    main()
