"""The sidebar's filter widgets (app/filters.py holds the values): kept across pages in
session_state and in the URL (st.query_params).

- `sidebar(options, show_workers) -> Filters`: renders the widgets (called by the router only);
  pages read the result with `app.data.current_filters()`.
- `reset()`: back to the default view (the reset button's callback).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from app import i18n
from app.filters import (
    FROM,
    MULTI,
    TO,
    WIDGET_KEYS,
    FilterOptions,
    Filters,
    from_params,
    to_params,
    validated,
)


def _seed_session(options: FilterOptions) -> None:
    """First run of a session: take the filters from the URL (validated)."""
    if st.session_state.get("_filters_seeded"):
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    if MULTI["municipalities"][0] not in params:
        # no municipality in the URL: the viewer's own (a coordinator's), else the country
        params[MULTI["municipalities"][0]] = list(options.default_municipalities)
    filters = from_params(params, options)
    _store(filters)
    st.session_state["_filters_seeded"] = True


def _store(filters: Filters) -> None:
    st.session_state[FROM[1]] = filters.from_month
    st.session_state[TO[1]] = filters.to_month
    for name, (_, key) in MULTI.items():
        st.session_state[key] = list(getattr(filters, name))


def _from_session(options: FilterOptions) -> Filters:
    state = st.session_state
    return validated(
        Filters(
            state.get(FROM[1]),
            state.get(TO[1]),
            *(tuple(state.get(key) or ()) for _, key in MULTI.values()),
        ),
        options,
    )


def reset() -> None:
    """Back to the default view (callback of the reset button)."""
    for key in WIDGET_KEYS:
        st.session_state.pop(key, None)
    st.session_state["_filters_reset"] = True


def _write_url(filters: Filters, options: FilterOptions) -> None:
    wanted = to_params(filters, options)
    for param in [FROM[0], TO[0], *(param for param, _ in MULTI.values())]:
        if param not in wanted and param in st.query_params:
            del st.query_params[param]
    for param, value in wanted.items():
        current = st.query_params.get_all(param)
        if current != (value if isinstance(value, list) else [value]):
            st.query_params[param] = value


def sidebar(options: FilterOptions, show_workers: bool = True) -> Filters:
    """Render the filter widgets in the sidebar; returns the validated filters of this run."""
    _seed_session(options)
    if st.session_state.pop("_filters_reset", False):
        _store(options.default())
    # Values from an older session (or data that changed under it) must still be allowed ones.
    _store(_from_session(options))
    sb = st.sidebar
    sb.header(i18n.t("filters"))
    language = i18n.lang()  # bound now: format functions may be called outside the run
    if options.months:

        def fmt(month: date) -> str:
            return i18n.fmt_month(month, language)

        sb.selectbox(i18n.t("period_from"), options.months, key=FROM[1], format_func=fmt)
        sb.selectbox(i18n.t("period_to"), options.months, key=TO[1], format_func=fmt)
    labels = {
        "municipalities": lambda code: options.municipalities.get(code, code),
        "case_types": lambda code: i18n.code_label("case_type", code, language),
        "genders": lambda code: i18n.code_label("gender", code, language),
        "age_bands": str,
        "workers": lambda code: options.workers.get(code, code),
    }
    titles = {"municipalities": "municipality", "case_types": "case_type", "genders": "gender",
              "age_bands": "age_band", "workers": "worker"}  # fmt: skip
    for name, (_, key) in MULTI.items():
        if name == "workers" and not (show_workers and options.workers):
            st.session_state[key] = []
            continue
        sb.multiselect(
            i18n.t(titles[name]),
            options.allowed(name),
            key=key,
            format_func=labels[name],
            placeholder=i18n.t("all"),
            select_all=False,  # Streamlit's own "Select all" is English only; none chosen is all
        )
    sb.button(i18n.t("reset_filters"), key="f_reset", on_click=reset)
    filters = _from_session(options)
    _write_url(filters, options)
    return filters
