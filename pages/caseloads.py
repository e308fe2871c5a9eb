"""Forløb og kapacitet / Caseloads: cases per municipality over time, workers, loans."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.i18n import tr
from app.page_charts import caseloads as pc
from app.queries import caseloads as q

MEASURES = {
    "active_cases": {"da": "Aktive forløb", "en": "Active cases"},
    "new_cases": {"da": "Nye forløb", "en": "New cases"},
    "closed_cases": {"da": "Afsluttede forløb", "en": "Closed cases"},
}
WORKER_COLUMNS = {
    "worker_id": {"da": "Medarbejder-id", "en": "Worker id"},
    "name": {"da": "Navn", "en": "Name"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "role": {"da": "Rolle", "en": "Role"},
    "trained_on": {"da": "Uddannet", "en": "Trained on"},
    "active": {"da": "Aktiv", "en": "Active"},
    "languages": {"da": "Sprog", "en": "Languages"},
    "active_cases": {"da": "Aktive forløb nu", "en": "Active cases now"},
    "cases_total": {"da": "Forløb i alt", "en": "Cases in all"},
    "lent_cases": {"da": "Forløb i andre kommuner", "en": "Cases in other municipalities"},
    "workers": {"da": "Medarbejdere", "en": "Workers"},
    "active_workers": {"da": "Aktive medarbejdere", "en": "Active workers"},
    "trained_workers": {"da": "Med uddannelsesdato", "en": "With a training date"},
    "cases_per_active_worker": {"da": "Forløb pr. aktiv medarbejder",
                                "en": "Cases per active worker"},
    "lent_from_name": {"da": "Udlånt fra", "en": "Lent from"},
    "cases": {"da": "Forløb", "en": "Cases"},
}  # fmt: skip


def _renamed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({c: tr(WORKER_COLUMNS[c]) for c in frame.columns if c in WORKER_COLUMNS})


def _monthly(monthly: pl.DataFrame, n: int | None) -> None:
    st.subheader(
        tr({"da": "Forløb pr. kommune og måned", "en": "Cases per municipality and month"})
    )
    measure = st.selectbox(
        tr({"da": "Vis", "en": "Show"}), list(MEASURES), format_func=lambda m: tr(MEASURES[m]),
        key="cl_measure",
    )  # fmt: skip
    panels = pc.top_municipalities(monthly)
    shown = monthly.filter(pl.col("municipality_name").is_in(panels))
    how = tr(
        {
            "da": "Hver lille figur er én kommune; søjlerne er {m} pr. måned, delt på "
            "forløbstype. Tal under 5 er udeladt; en grå streg på bunden er en måned, hvor "
            "alle tal er under 5.",
            "en": "Each small chart is one municipality; the bars are {m} per month, split by "
            "case type. Numbers below 5 are left out; a grey stroke on the baseline is a month "
            "where every number is below 5.",
        },
        m=tr(MEASURES[measure]).lower(),
    )
    if len(panels) < monthly["municipality_name"].n_unique():
        how += " " + tr({"da": "Viser de {k} kommuner med flest aktive forløb.",
                         "en": "Showing the {k} municipalities with the most active cases."},
                        k=len(panels))  # fmt: skip
    components.chart_block(
        pc.monthly_chart(shown, measure, tr(MEASURES[measure])),
        shown.select("municipality_code", "municipality_name", "month", "case_type", *q.MEASURES),
        how,
        n,
        key="cl_monthly",
    )  # fmt: skip


def _ranking(scope, filters, n: int | None) -> None:
    st.subheader(tr({"da": "Kommuner efter aktive forløb", "en": "Municipalities by active cases"}))
    ranking = q.ranking(scope, filters)
    shown = ranking.filter(~pl.col("suppressed"))
    chart = charts.bar_chart(
        shown.select("municipality_name", "active_cases"), "municipality_name", "active_cases",
        horizontal=True, y_title=tr(MEASURES["active_cases"]),
    )  # fmt: skip
    components.chart_block(
        chart,
        ranking.select("municipality_code", "municipality_name", "active_cases", "suppressed"),
        tr({"da": "Hver søjle er en kommunes aktive forløb på periodens sidste dag ({d}); "
                  "kommuner med under 5, og hvor det skal til for at skjule dem, er udeladt ({k}).",
            "en": "Each bar is a municipality's active cases on the period's last day ({d}); "
                  "municipalities with fewer than 5, and where needed to keep those hidden, are "
                  "left out ({k})."},
           d=i18n.fmt_date(filters.period_end), k=i18n.fmt_int(ranking["suppressed"].sum())),
        n,
        key="cl_ranking",
    )  # fmt: skip


def _worker_load(scope, filters, n: int | None) -> None:
    st.subheader(tr({"da": "Forløb pr. medarbejder", "en": "Cases per worker"}))
    load = q.worker_load(scope, filters)
    shown = load.filter(~pl.col("suppressed"))
    chart = charts.bar_chart(
        shown.select("band", "workers"), "band", "workers", x_title=tr(MEASURES["active_cases"]),
        y_title=tr(WORKER_COLUMNS["workers"]), sort=list(q.LOAD_BANDS),
    )  # fmt: skip
    components.chart_block(
        chart,
        load.select("band", "workers", "cases", "suppressed"),
        tr({"da": "Hver søjle er antal medarbejdere med så mange aktive forløb på periodens "
                  "sidste dag; grupper bygget på under 5 forløb er udeladt.",
            "en": "Each bar is the number of workers with that many active cases on the "
                  "period's last day; groups built on fewer than 5 cases are left out."}),
        n,
        key="cl_worker_load",
    )  # fmt: skip
    if scope.case_level:
        workers = q.worker_list(scope, filters)
        with st.expander(tr({"da": "Medarbejdere med flest forløb",
                             "en": "Workers with the most cases"})):  # fmt: skip
            top = workers.head(20)
            components.table(_renamed(top), key="cl_top_workers", opens="worker",
                             ids=top["worker_id"].to_list())  # fmt: skip


def _loans(scope, filters, n: int | None) -> None:
    st.subheader(tr({"da": "Udlån mellem kommuner", "en": "Loans between municipalities"}))
    loans = q.loans(scope, filters)
    if loans.is_empty():
        st.info(tr({"da": "Ingen forløb i perioden er udlånt mellem kommuner.",
                    "en": "No case in the period is lent between municipalities."}))  # fmt: skip
        return
    shown = loans.filter(~pl.col("suppressed"))
    if shown.is_empty():
        st.info(tr({"da": "Der er udlån i perioden, men hvert par af kommuner har under 5 forløb, "
                          "så de vises ikke.",
                    "en": "There are loans in the period, but every pair of municipalities has "
                          "fewer than 5 cases, so they are not shown."}))  # fmt: skip
        return
    components.chart_block(
        pc.heatmap(loans),
        loans.select("lent_from_municipality_code", "lent_from_name", "municipality_code",
                     "municipality_name", "cases", "suppressed"),
        tr({"da": "Hver celle er antal forløb i perioden, som kommunen i rækken har lånt ud til "
                  "kommunen i kolonnen; par med under 5 forløb er udeladt.",
            "en": "Each cell is the number of cases in the period that the row's municipality "
                  "lent to the column's; pairs with fewer than 5 cases are left out."}),
        n,
        key="cl_loans",
    )  # fmt: skip


def _present_workers(frame: pl.DataFrame) -> pl.DataFrame:
    return _renamed(
        frame.with_columns(i18n.code_expr("role", "role"), i18n.date_expr("trained_on"))
    )


def _workers(scope, filters) -> None:
    st.subheader(tr({"da": "Medarbejdere", "en": "Workers"}))
    if scope.case_level:
        frame = q.workers(scope, filters)
        components.case_list(
            frame,
            _present_workers,
            tr({"da": "1 medarbejder.", "en": "1 worker."})
            if frame.height == 1
            else tr(
                {"da": "{n} medarbejdere.", "en": "{n} workers."}, n=i18n.fmt_int(frame.height)
            ),
            key="cl_workers",
            opens="worker",
        )
        note = {
            "da": "Aktive forløb nu = forløb med status aktiv pr. dataenes dato.",
            "en": "Active cases now = cases with status active as of the data's date.",
        }
    else:
        frame = q.workers_summary(scope, filters).with_columns(
            pl.when(pl.col("suppressed")).then(pl.lit(i18n.SUPPRESSED))
            .otherwise(pl.col("active_cases").cast(pl.String)).alias("active_cases"),
            pl.col("cases_per_active_worker").round(1),
        ).drop("municipality_code", "suppressed", "suppressed_by")  # fmt: skip
        components.table(_renamed(frame), key="cl_workers")
        note = {"da": "Navne vises ikke i denne visning. Aktive forløb nu = forløb med status "
                      "aktiv pr. dataenes dato; under 5 vises som «<5».",
                "en": "Names are not shown in this view. Active cases now = cases with status "
                      "active as of the data's date; below 5 shows as “<5”."}  # fmt: skip
    st.caption(tr(note))


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    monthly = q.monthly(scope, filters)
    if q.is_empty(monthly):
        components.no_match()
        return
    st.caption(
        tr({"da": "Periode: {a} – {b}.", "en": "Period: {a} – {b}."},
           a=i18n.fmt_month(filters.from_month), b=i18n.fmt_month(filters.to_month))
    )  # fmt: skip
    _monthly(monthly, q.cases_in_period(scope, filters))
    totals = q.totals(scope, filters)
    _ranking(scope, filters, totals["at_end"])
    _worker_load(scope, filters, totals["at_end_with_worker"])
    _loans(scope, filters, totals["lent_in_period"])
    _workers(scope, filters)
    st.caption(i18n.t("suppressed_note"))


components.run_page("page_caseloads", render)
