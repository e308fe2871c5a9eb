"""Forløb og kapacitet / Caseloads: cases per municipality over time, workers, loans."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.components import Header
from app.i18n import t
from app.page_charts import caseloads as pc
from app.queries import caseloads as q

TABS = "cl_tabs"  # the page's section tabs (components.sections)
MEASURES = {
    "active_cases": "common.active_cases",
    "new_cases": "common.new_cases",
    "closed_cases": "common.closed_cases",
}
WORKER_COLUMNS = {
    "worker_id": "pages.caseloads.worker_columns.worker_id",
    "name": "pages.caseloads.worker_columns.name",
    "municipality_name": "municipality",
    "role": "audit.detail.role",
    "trained_on": "pages.caseloads.worker_columns.trained_on",
    "active": "vocabulary.code_labels.status.active",
    "languages": "pages.caseloads.worker_columns.languages",
    "active_cases": "pages.caseloads.worker_columns.active_cases",
    "cases_total": "pages.caseloads.worker_columns.cases_total",
    "lent_cases": "pages.caseloads.worker_columns.lent_cases",
    "workers": "common.worker",
    "active_workers": "common.active_workers",
    "trained_workers": "pages.caseloads.worker_columns.trained_workers",
    "cases_per_active_worker": "pages.caseloads.worker_columns.cases_per_active_worker",
    "lent_from_name": "common.lent_from",
    "cases": "common.cases",
}


# the worker list's headers are short, so that it fits a 1280 px projector without sideways
# scrolling; each header's help (hover) says it in full
LIST_HEADERS = WORKER_COLUMNS | {
    "worker_id": Header("pages.caseloads.list.worker_id", "pages.caseloads.list.worker_id_help"),
    "active_cases": Header("pages.caseloads.list.active_cases",
                           "pages.caseloads.list.active_cases_help"),
    "cases_total": Header("pages.caseloads.list.cases_total",
                          "pages.caseloads.list.cases_total_help"),
    "lent_cases": Header("pages.caseloads.list.lent_cases", "pages.caseloads.list.lent_cases_help"),
}  # fmt: skip


def _renamed(frame: pl.DataFrame) -> pl.DataFrame:
    return components.headed(frame, WORKER_COLUMNS)


def _monthly(monthly: pl.DataFrame, n: int | None, filters) -> None:
    st.subheader(t("pages.caseloads.cases_per_municipality_and_month"))
    measure = st.selectbox(
        t("pages.caseloads.show"),
        list(MEASURES),
        format_func=lambda m: t(MEASURES[m]),
        key="cl_measure",
    )
    panels = pc.top_municipalities(monthly, measure)
    shown = monthly.filter(pl.col("municipality_name").is_in(panels))
    # one municipality is one chart (pc.monthly_chart), not small charts of one each
    how_key = "each_small_chart_is_one_2" if len(panels) > 1 else "the_bars_are_m_per_month"
    how = t(f"pages.caseloads.{how_key}", m=t(MEASURES[measure]).lower())
    if len(panels) < len(pc.top_municipalities(monthly, measure, limit=None)):
        how += " " + t("pages.caseloads.showing_the_k_municipalities_with", k=len(panels))
    components.chart_block(
        pc.monthly_chart(shown, measure, t(MEASURES[measure]), (filters.from_month, filters.to_month)),
        shown.select("municipality_code", "municipality_name", "month", "case_type", *q.MEASURES),
        how,
        n,
        key="cl_monthly",
        hidden="pages.caseloads.each_small_chart_is_one_2_hidden",
    )  # fmt: skip


def _none_active(filters) -> str:
    """Why a chart of the cases active on the period's last day is empty: there are none."""
    return t("pages.caseloads.no_active_case_at_the_end", d=i18n.fmt_date(filters.period_end))


def _ranking(scope, filters, n: int | None) -> None:
    st.subheader(t("pages.caseloads.municipalities_by_active_cases"))
    ranking = q.ranking(scope, filters)
    shown = ranking.filter(~pl.col("suppressed"))
    chart = charts.bar_chart(
        shown.select("municipality_name", "active_cases"), "municipality_name", "active_cases",
        horizontal=True, y_title=t(MEASURES["active_cases"]),
    )  # fmt: skip
    components.chart_block(
        chart,
        ranking.select("municipality_code", "municipality_name", "active_cases", "suppressed"),
        t(
            "pages.caseloads.each_bar_is_a_municipality",
            d=i18n.fmt_date(filters.period_end),
            left_out=i18n.tn("pages.caseloads.left_out", int(ranking["suppressed"].sum()))
            if components.hides_small()
            else "",
        ),
        n,
        key="cl_ranking",
        empty=_none_active(filters),
    )


def _worker_load(scope, filters, n: int | None) -> None:
    st.subheader(t("pages.caseloads.cases_per_worker"))
    load = q.worker_load(scope, filters)
    chart = pc.worker_load_chart(
        load, x_title=t(MEASURES["active_cases"]), y_title=t(WORKER_COLUMNS["workers"])
    )
    components.chart_block(
        chart,
        load.select("band", "workers", "cases", "suppressed"),
        t("pages.caseloads.each_bar_is_the_number"),
        n,
        key="cl_worker_load",
        empty=_none_active(filters),
        hidden="pages.caseloads.each_bar_is_the_number_hidden",
    )
    workers = q.worker_list(scope, filters) if scope.case_level else None
    # none with an active case at the end: the chart above says so, an expander would be empty
    if workers is not None and not workers.is_empty():
        with st.expander(
            t("pages.caseloads.workers_with_the_most_cases"), key="cl_top_workers_expander"
        ):
            top = workers.head(20)
            components.table(
                _renamed(top), key="cl_top_workers", opens="worker", ids=top["worker_id"].to_list()
            )


def _loans(scope, filters, n: int | None) -> None:
    st.subheader(t("pages.caseloads.loans_between_municipalities"))
    loans = q.loans(scope, filters)
    if loans.is_empty():
        st.info(t("pages.caseloads.no_case_in_the_period"))
        return
    shown = loans.filter(~pl.col("suppressed"))
    if shown.is_empty():
        st.info(t("pages.caseloads.there_are_loans_in_the"))
        return
    components.chart_block(
        pc.heatmap(loans),
        loans.select(
            "lent_from_municipality_code",
            "lent_from_name",
            "municipality_code",
            "municipality_name",
            "cases",
            "suppressed",
        ),
        t("pages.caseloads.each_cell_is_the_number"),
        n,
        key="cl_loans",
        hidden="pages.caseloads.each_cell_is_the_number_hidden",
    )


def _present_workers(frame: pl.DataFrame) -> pl.DataFrame:
    """The worker list in the reader's words; the municipality only when it holds more than one
    (the caption names it); the names only where this reader may read some."""
    shown = frame.with_columns(i18n.code_expr("role", "role"), i18n.date_expr("trained_on"),
                               i18n.languages_series(frame["languages"]))  # fmt: skip
    if "municipality_name" in shown.columns and shown["municipality_name"].n_unique() == 1:
        shown = shown.drop("municipality_name")
    return components.headed(components.without_empty(shown, "name"), LIST_HEADERS)


def _workers(scope, filters) -> None:
    st.subheader(t("common.worker"))
    if scope.case_level:
        frame = q.workers(scope, filters)
        components.case_list(
            frame,
            _present_workers,
            i18n.tn("pages.caseloads.workers", frame.height),
            key="cl_workers",
            opens="worker",
            column_config=components.header_config(LIST_HEADERS),
        )
        note = "pages.caseloads.note"
    else:
        frame = q.workers_summary(scope, filters).with_columns(
            pl.when(pl.col("suppressed")).then(pl.lit(i18n.SUPPRESSED))
            .otherwise(pl.col("active_cases").cast(pl.String)).alias("active_cases"),
            pl.col("cases_per_active_worker").round(1),
        ).drop("municipality_code", "suppressed", "suppressed_by")  # fmt: skip
        components.table(_renamed(frame), key="cl_workers")
        note = "pages.caseloads.note_2"
    st.caption(t(note))


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    monthly = q.monthly(scope, filters)
    if q.is_empty(monthly):
        components.no_match()
        return
    st.caption(
        t(
            "pages.caseloads.period_a_b",
            a=i18n.fmt_month(filters.from_month),
            b=i18n.fmt_month(filters.to_month),
        )
    )

    def by_month() -> None:
        _monthly(monthly, q.cases_in_period(scope, filters), filters)

    def municipalities() -> None:
        _ranking(scope, filters, q.totals(scope, filters)["at_end"])

    def workers() -> None:
        _worker_load(scope, filters, q.totals(scope, filters)["at_end_with_worker"])
        _workers(scope, filters)

    def loans() -> None:
        _loans(scope, filters, q.totals(scope, filters)["lent_in_period"])

    components.sections(
        TABS,
        [
            ("pages.caseloads.tabs.months", by_month),
            ("pages.caseloads.tabs.municipalities", municipalities),
            ("pages.caseloads.tabs.workers", workers),
            ("pages.caseloads.tabs.loans", loans),
        ],
    )
    components.suppression_note()


components.run_page("page_caseloads", render)
