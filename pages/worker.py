"""Medarbejder / Worker: one worker's cases and figures for the monthly coaching talk
(workflows.md section 3).

Opened by `…/worker?id=WORKER_ID`, a click on a worker row, the case page, or the search box.
Whose page the viewer may open is the data layer's (app/queries/worker.py). The router audits
each view with the worker id.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.components import Header
from app.filters import Filters
from app.i18n import t
from app.page_charts import case as cc
from app.queries import fidelity as fidelity_q
from app.queries import prepost as prepost_q
from app.queries import worker as q

NOT_FOUND = "pages.worker.not_found"
ASK = "pages.worker.ask"
TABS = "worker_tabs"  # the page's section tabs (components.sections)
# the case list's columns, widths in px: a worker opening their own page saw it 1093 px wide in
# 818 at 1280 px; with these (798 in all) it fits, the long texts (tracking, pre/post) wrap onto
# two lines. Each holds its header and the longest word of its cells ('Forældrecoach': 100 px),
# in the grid's font (tests/app/test_chart_review.py measures them).
# Short headers that fit their width; the whole meaning on hover (each header in full, where a
# narrow column cuts it: `hover_headers`)
CASE_COLUMNS = {
    "case_id": Header("pages.worker.case_columns.case_id", width=72),
    "status": Header("common.status", width=92),  # 'Discontinued'; 'F0000554' needs 69 px
    "case_type": Header("case_type", width=102),
    # a loan is said beside its municipality ('Odense (udlånt)'): a column of its own left the
    # list wider than a 1280 px page, and Streamlit then squeezed every column ('Afslutte|t')
    "municipality_name": Header("municipality", width=115),
    "start_date": Header("pages.worker.case_columns.start_date", width=90),
    "latest_score": Header("pages.worker.case_columns.latest_score", "common.latest_score", 55),
    "tracking": Header("pages.worker.case_columns.tracking",
                       "pages.worker.case_columns.tracking_help", 82),
    "days_since_last": Header("pages.worker.case_columns.days_since_last",
                              "pages.worker.case_columns.days_since_last_help", 55),
    "prepost": Header("pages.worker.case_columns.prepost", width=100),
}  # fmt: skip
TRACKING = {
    "start": "pages.worker.tracking.start",
    "on_track": "common.on_track",
    "below_expected": "common.below_expected",
    "off_track": "pages.worker.tracking.off_track",
    "no_reference": "common.no_reference",
    "no_score": "pages.worker.tracking.no_score",
}
UNITS = {
    "worker": "pages.worker.units.worker",
    "municipality": "pages.worker.units.municipality",
    "country": "pages.worker.units.country",
}
YEARS_BACK = 3  # outcomes by year of the case's end: this year and the two before


def _prepost_text(row: dict) -> str:
    pre = t("pages.worker.pre") if row["has_pre"] else t("pages.worker.pre_2")
    post = t("pages.worker.post") if row["has_post"] else t("pages.worker.post_2")
    change = (f", WHO-5 {i18n.code_label('reliable_change', row['who5_change']).lower()}"
              if row["who5_change"] else "")  # fmt: skip
    return f"{pre}, {post}{change}"


def _present(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.to_dicts()
    labels = {code: t(words) for code, words in TRACKING.items()}
    shown = frame.with_columns(
        i18n.code_expr("status", "status"),
        i18n.code_expr("case_type", "case_type"),
        i18n.date_expr("start_date"),
        pl.col("tracking").replace_strict(labels, default=None),
        pl.Series(
            "municipality_name",
            [
                t("pages.worker.case_columns.loaned", municipality=r["municipality_name"])
                if r["is_loan"]
                else r["municipality_name"]
                for r in rows
            ],
            dtype=pl.String,
        ),
        pl.Series("prepost", [_prepost_text(r) for r in rows], dtype=pl.String),
    ).select(list(CASE_COLUMNS))
    return components.headed(shown, CASE_COLUMNS)


def _facts(worker: dict) -> None:
    name = worker["name"] or t("pages.worker.name_not_shown")
    st.header(f"{name} ({worker['worker_id']})")
    # a list in some warehouses, text ("dansk, arabisk") in others
    languages = i18n.fmt_languages(worker["languages"]) or i18n.MISSING
    st.markdown(
        " · ".join(
            [
                f"**{t('pages.worker.role')}:** {i18n.code_label('role', worker['role'])}",
                f"**{t('municipality')}:** "
                f"{worker['municipality_name'] or worker['municipality_code']}",
                f"**{t('pages.worker.trained')}:** {i18n.fmt_date(worker['trained_on'])}",
                f"**{t('pages.worker.languages')}:** {languages}",
            ]
        )
    )
    cols = st.columns(3)
    # active now, as of the data date: the overview's 'Aktive forløb' counts the period's
    cols[0].metric(t("common.active_cases"), i18n.fmt_int(worker["active_cases"]),
                   help=t("pages.worker.active_now_help"))  # fmt: skip
    cols[1].metric(t("pages.worker.cases_in_all"), i18n.fmt_int(worker["cases_total"]))
    cols[2].metric(t("pages.worker.cases_elsewhere_loans"), i18n.fmt_int(worker["lent_cases"]))


def _cases(scope, worker_id: str) -> None:
    st.subheader(t("pages.worker.the_worker_s_cases"))
    frame = q.cases(scope, worker_id)
    if frame.is_empty():
        st.info(t("pages.worker.no_cases_you_have_access"))
        return
    active = frame.filter(pl.col("status") == "active").height
    components.case_list(
        frame,
        _present,
        t(
            "pages.worker.a_active_and_c_ended",
            active=i18n.tn("pages.worker.n_active", active),  # '1 aktivt', never '1 aktive'
            ended=i18n.tn("pages.worker.n_ended_cases", frame.height - active),
        ),
        key="worker_cases",
        opens="case",
        column_config=components.header_config(CASE_COLUMNS, hover_headers=True),
        wrap=True,
    )


def _caseload(scope, filters, worker_id: str) -> None:
    st.subheader(t("pages.worker.caseload_over_time"))
    frame = q.caseload(scope, filters, worker_id)
    long = frame.unpivot(index="month", on=["active_cases", "new_cases"], variable_name="measure",
                         value_name="cases")  # fmt: skip
    names = {"active_cases": t("pages.worker.active"), "new_cases": t("pages.worker.new")}
    long = long.with_columns(pl.col("measure").replace_strict(names))
    chart = cc.worker_caseload(long, x_title=t("pages.worker.month"), y_title=t("common.cases"),
                               period=(filters.from_month, filters.to_month))  # fmt: skip
    components.chart_block(
        chart,
        frame,
        t("pages.worker.the_worker_s_cases_you"),
        int(frame["active_cases"].max() or 0),
        key="worker_caseload",
    )


def _comparisons(scope, filters, worker: dict) -> dict:
    """The filters to compare by; a worker role counts only their own cases, so compares none."""
    units = q.comparison_filters(filters, worker)
    return {"worker": units["worker"]} if scope.role == "worker" else units


def _fidelity(scope, filters, worker: dict) -> None:
    st.subheader(t("pages.worker.on_cadence_over_time"))
    if filters.period_start is None:
        return
    parts = []
    for unit, chosen in _comparisons(scope, filters, worker).items():
        monthly = fidelity_q.monthly(scope, chosen)
        if monthly.height:
            parts.append(monthly.with_columns(pl.lit(t(UNITS[unit])).alias("unit")))
    if not parts:
        st.info(t("pages.worker.no_active_cases_in_the"))
        return
    frame = pl.concat(parts, how="diagonal_relaxed")
    shown = frame.filter(~pl.col("suppressed")) if "suppressed" in frame.columns else frame
    chart = charts.line_chart(
        shown.select("month", "share", "unit", "n_cases"),
        "month",
        "share",
        color="unit",
        x_title=t("pages.worker.month"),
        y_title=t("on_cadence_monthly"),  # as on the fidelity page: the title fits the axis
        y_format=".0%",
        period=(filters.from_month, filters.to_month),
    )
    how = t("pages.worker.the_share_of_each_month", d=fidelity_q.cadence_days())
    if scope.role == "worker":
        how += " " + t("pages.worker.as_a_worker_you_see")
    components.chart_block(chart, frame.select("unit", "month", "n_cases", "share", "suppressed"),
                           how, None if shown.is_empty() else int(
                               frame.filter(pl.col("unit") == t(UNITS["worker"]))["n_cases"]
                               .drop_nulls().max() or 0),
                           key="worker_fidelity")  # fmt: skip


def _outcome_share(scope, chosen, instrument: str) -> tuple[float | None, int | None]:
    """Share reliably improved among the paired outcomes, and n; (None, None) when hidden,
    (None, 0) when there are none."""
    frame = prepost_q.categories(scope, chosen, instrument, "none")
    rows = frame.filter(pl.col("measure") == "reliable_change")
    if rows.is_empty():
        return None, 0  # no case with a pre and post ended then
    if rows["suppressed"].any() or rows["n"].null_count():
        return None, None
    n = int(rows["n"].sum())
    improved = int(rows.filter(pl.col("category") == "improved")["n"].sum())
    return (improved / n if n else None), n


def _share_text(share: float | None, n: int | None) -> str:
    """'40 % (n = 10)'; 'skjult' when hidden, '–' when no case ended that year."""
    if n is None:  # a small category or its complement: the share cannot be shown
        return i18n.t("hidden")
    if not n:
        return i18n.MISSING
    return f"{i18n.fmt_pct(share)} (n = {i18n.fmt_int(n)})"


def _outcomes(scope, filters, worker: dict) -> None:
    st.subheader(t("pages.worker.outcomes_over_time"))
    instrument = (
        st.segmented_control(
            t("common.instrument"),
            list(prepost_q.INSTRUMENTS),
            format_func={"WHO5": "WHO-5", "GSE": "GSE"}.get,
            default="WHO5",
            key="worker_instrument",
        )
        or "WHO5"
    )
    last_year = data.as_of().year
    rows = []
    for year in range(last_year - YEARS_BACK + 1, last_year + 1):
        year_period = Filters(date(year, 1, 1), date(year, 12, 1))
        for unit, chosen in _comparisons(scope, year_period, worker).items():
            share, n = _outcome_share(scope, chosen, instrument)
            rows.append({"year": str(year), "unit": t(UNITS[unit]),
                         "share": _share_text(share, n)})  # fmt: skip
    frame = pl.DataFrame(rows)
    wide = frame.pivot(on="unit", index="year", values="share").rename(
        {"year": t("pages.worker.year_the_case_s_end")}
    )
    components.table(wide, key="worker_outcomes")
    st.caption(t("pages.worker.share_of_cases_with_a"))


def render() -> None:
    components.freshness()
    scope, filters = data.current_scope(), data.current_filters()
    if not scope.case_level:  # the queries refuse too (data.NotAllowed); this says it first
        st.info(i18n.t("not_allowed"))
        return
    worker = components.requested_record(
        "worker",
        lambda wanted: q.worker(scope, wanted),
        ASK,
        NOT_FOUND,
        default=data.own_worker_id(scope),
    )
    if worker is None:
        return
    _facts(worker)
    # the coaching talk starts from the cases; the figures against the municipality and the
    # country, and the caseload, are a click away (only the open tab runs its queries)
    worker_id = worker["worker_id"]
    components.sections(
        TABS,
        [
            ("pages.worker.tabs.cases", partial(_cases, scope, worker_id)),
            ("pages.worker.tabs.fidelity", partial(_fidelity, scope, filters, worker)),
            ("pages.worker.tabs.outcomes", partial(_outcomes, scope, filters, worker)),
            ("pages.worker.tabs.caseload", partial(_caseload, scope, filters, worker_id)),
        ],
    )


components.run_page("page_worker", render)
