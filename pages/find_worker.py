"""Find en medarbejder / Find a worker: who could take a new case, here or on loan from elsewhere."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.components import Header
from app.i18n import t
from app.queries import find_worker as q

COLUMNS = {
    "worker_id": "pages.find_worker.columns.worker_id",
    "name": "pages.find_worker.columns.name",
    "municipality_name": "municipality",
    "role": "pages.find_worker.columns.role",
    "gender": "gender",
    "age": "pages.find_worker.columns.age",
    "age_band": "age_band",
    "languages": "pages.find_worker.columns.languages",
    "trained_on": "pages.find_worker.columns.trained_on",
    "active_cases": "pages.find_worker.columns.active_cases",
    "capacity": "pages.find_worker.columns.capacity",
    "has_capacity": "pages.find_worker.columns.has_capacity",
    "workers": "common.worker",
    "workers_with_capacity": "pages.find_worker.columns.workers_with_capacity",
}
ANY = "pages.find_worker.any"
TABS = "fw_tabs"  # the page's section tabs (components.sections)
LIST_COLUMNS = ("worker_id", "name", "municipality_name", "gender", "age", "languages",
                "trained_on", "active_cases", "capacity", "has_capacity")  # fmt: skip
# the list's headers are short, so that it fits a 1280 px projector without sideways scrolling;
# each header's help (hover) says it in full
LIST_HEADERS = COLUMNS | {
    "worker_id": Header("pages.find_worker.list.worker_id", "pages.find_worker.list.worker_id_help"),
    "age": Header("pages.find_worker.list.age", "pages.find_worker.list.age_help"),
    "active_cases": Header("pages.find_worker.list.active_cases",
                           "pages.find_worker.list.active_cases_help"),
    "capacity": Header("pages.find_worker.list.capacity", "pages.find_worker.list.capacity_help"),
    "has_capacity": Header("pages.find_worker.list.has_capacity",
                           "pages.find_worker.list.has_capacity_help"),
}  # fmt: skip


def _choice() -> q.Choice:
    """The coordinator's wishes: role, gender, language, free places."""
    scope = data.current_scope()
    left, middle, right, last = st.columns(4)
    role = left.selectbox(
        t("pages.find_worker.columns.role"),
        q.ROLES,
        key="fw_role",
        format_func=lambda r: i18n.code_label("role", r),
    )
    genders = middle.multiselect(
        t("gender"),
        ["female", "male", "other"],
        key="fw_gender",
        format_func=lambda g: i18n.code_label("gender", g),
        placeholder=t(ANY),
    )
    language = right.selectbox(
        t("language"),
        [None, *q.languages(scope)],
        key="fw_language",
        format_func=lambda x: t(ANY) if x is None else i18n.fmt_languages(x),
    )
    capacity = last.number_input(
        t("pages.find_worker.at_least_free_places"),
        min_value=0,
        max_value=50,
        value=1,
        step=1,
        key="fw_capacity",
    )
    return q.Choice(role=role, genders=tuple(genders), language=language,
                    min_capacity=int(capacity))  # fmt: skip


def _present(frame: pl.DataFrame, own: bool = False) -> pl.DataFrame:
    """The list in the reader's words, one column per fact a coordinator matches on: the age
    where this viewer may see it, else the ten-year band, in one column; whether a worker has a
    free place only where the free places are not shown; the municipality of an own list only
    when it holds more than one."""
    age = pl.coalesce(pl.col("age").cast(pl.String), pl.col("age_band")).alias("age")
    shown = frame.with_columns(age).select(c for c in LIST_COLUMNS if c in frame.columns)
    shown = shown.with_columns(i18n.code_expr("gender", "gender"), i18n.date_expr("trained_on"),
                               i18n.languages_series(shown["languages"]))  # fmt: skip
    # names nobody here may read; an age, caseload or free places not for this viewer or unknown
    shown = components.without_empty(shown, "name", "age", "active_cases", "capacity")
    if "capacity" in shown.columns and not shown["capacity"].is_null().any():
        shown = shown.drop("has_capacity")  # the free places say it
    if own and shown["municipality_name"].n_unique() == 1:
        shown = shown.drop("municipality_name")  # the caption names it
    return components.headed(shown, LIST_HEADERS)


def _list_help() -> dict:
    """The full meaning of each short header, shown on hover."""
    return components.header_config(LIST_HEADERS, k=q.capacity_cases())


def _count_sentence(n: int) -> str:
    if n == 1:
        return t("pages.find_worker.1_worker")
    return i18n.tn("pages.find_worker.n_workers", n)


def _lists(scope, choice: q.Choice) -> None:
    workers = q.workers(scope, choice)
    if scope.role == "coordinator":
        own = workers.filter(pl.col("is_own"))
        st.subheader(t("pages.find_worker.in_your_municipality"))
        if own.is_empty():
            st.info(t("pages.find_worker.none_of_your_workers_fits"))
        else:
            components.case_list(own, lambda f: _present(f, own=True),
                                 _count_sentence(own.height), key="fw_own",
                                 column_config=_list_help())  # fmt: skip
        workers = workers.filter(~pl.col("is_own"))
        st.subheader(t("pages.find_worker.other_municipalities_in_the_corps"))
        note = t("pages.find_worker.workers_of_other_municipalities_show")
        population = t("population_other_municipalities")
    else:
        st.subheader(t("pages.find_worker.workers_in_the_corps"))
        note = t("pages.find_worker.workers_show_by_id_not")
        population = t("population_country")
    if workers.is_empty():
        st.info(t("pages.find_worker.no_worker_fits_the_choice"))
    else:
        components.case_list(workers, _present, _count_sentence(workers.height), key="fw_corps",
                             column_config=_list_help(), population=population)  # fmt: skip
    st.caption(note)


def _summary(scope, choice: q.Choice) -> None:
    st.subheader(t("pages.find_worker.free_places_per_municipality"))
    frame = q.by_municipality(scope, choice)
    if frame.is_empty():
        st.info(t("pages.find_worker.no_worker_fits_the_choice"))
        return
    shown = frame.filter(~pl.col("suppressed"))
    chart = charts.bar_chart(
        shown.select("municipality_name", "capacity"),
        "municipality_name",
        "capacity",
        horizontal=True,
        y_title=t(COLUMNS["capacity"]),
    )  # fmt: skip (a horizontal bar chart gives each row its own height)
    components.chart_block(
        chart,
        frame.select(
            "municipality_code",
            "municipality_name",
            "workers",
            "workers_with_capacity",
            "active_cases",
            "capacity",
            "suppressed",
        ),
        t("pages.find_worker.each_bar_is_the_free"),
        int(frame["workers"].sum()),
        key="fw_capacity_chart",
        unit="pages.find_worker.workers",
        population=t("population_country"),  # every municipality of the corps, whatever the view
        title=t("pages.find_worker.free_places_per_municipality"),
    )
    rows = frame.to_dicts()
    table = frame.select("municipality_name", "workers", "workers_with_capacity").with_columns(
        pl.Series("active_cases", [components.value_text(r["active_cases"], r["suppressed"],
                                                         by=r["suppressed_by"]) for r in rows]),
        # hidden with its small count, the free places themselves are not small: 'skjult', as
        # a figure hidden so as not to reveal another ('<5' read as under five free places)
        pl.Series("capacity", [components.value_text(r["capacity"], r["suppressed"],
                                                     by="complement") for r in rows]),
    )  # fmt: skip
    components.table(table.rename({c: t(COLUMNS[c]) for c in table.columns}), key="fw_summary")


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    choice = _choice()
    st.caption(t("pages.find_worker.active_workers_only_free_places", k=q.capacity_cases()))
    if scope.case_level:
        # the lists to match from open first; the free places per municipality (a chart and
        # its table) are a click away, and only the open tab runs its query and draws
        components.sections(
            TABS,
            [
                ("pages.find_worker.tabs.workers", partial(_lists, scope, choice)),
                ("pages.find_worker.tabs.municipalities", partial(_summary, scope, choice)),
            ],
        )
    else:  # no list of workers to choose from: the counts per municipality are the page
        st.info(t("pages.find_worker.this_view_shows_counts_per"))
        _summary(scope, choice)
    components.suppression_note()


components.run_page("page_find_worker", render)
