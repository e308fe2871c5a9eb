"""Medarbejder / Worker: one worker's cases and figures for the monthly coaching talk
(workflows.md section 3).

Opened by `…/worker?id=WORKER_ID`, a click on a worker row, the case page, or the search box.
Whose page the viewer may open is the data layer's (app/queries/worker.py). The router audits
each view with the worker id.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.filters import Filters
from app.i18n import tr
from app.page_charts import case as cc
from app.queries import fidelity as fidelity_q
from app.queries import prepost as prepost_q
from app.queries import worker as q

NOT_FOUND = {"da": "Medarbejderen findes ikke, eller du har ikke adgang til medarbejderen.",
             "en": "The worker does not exist, or you do not have access to them."}  # fmt: skip
ASK = {"da": "Skriv et medarbejder-id i feltet, eller klik på en medarbejder i en liste (f.eks. "
             "på siden Forløb og kapacitet).",
       "en": "Type a worker id in the box, or click a worker in a list (e.g. on the Caseloads "
             "page)."}  # fmt: skip
CASE_COLUMNS = {
    "case_id": {"da": "Forløb", "en": "Case"},
    "status": {"da": "Status", "en": "Status"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "loan": {"da": "Udlånt", "en": "Loan"},
    "start_date": {"da": "Start", "en": "Start"},
    "latest_score": {"da": "Seneste score", "en": "Latest score"},
    "tracking": {"da": "Forløb mod forventet", "en": "Tracking"},
    "days_since_last": {"da": "Dage siden seneste måling", "en": "Days since last measurement"},
    "prepost": {"da": "Før/efter", "en": "Pre/post"},
}
TRACKING = {
    "start": {"da": "Kun første score", "en": "First score only"},
    "on_track": {"da": "Som forventet", "en": "On track"},
    "below_expected": {"da": "Under forventet", "en": "Below expected"},
    "off_track": {"da": "Langt under forventet", "en": "Off track"},
    "no_reference": {"da": "Ingen reference", "en": "No reference"},
    "no_score": {"da": "Ingen score", "en": "No score"},
}
UNITS = {
    "worker": {"da": "Medarbejderen", "en": "The worker"},
    "municipality": {"da": "Kommunen", "en": "The municipality"},
    "country": {"da": "Hele landet", "en": "The whole country"},
}
YEARS_BACK = 3  # outcomes by year of the case's end: this year and the two before


def _prepost_text(row: dict) -> str:
    pre = (
        tr({"da": "før ✓", "en": "pre ✓"}) if row["has_pre"] else tr({"da": "før –", "en": "pre –"})
    )
    post = (tr({"da": "efter ✓", "en": "post ✓"}) if row["has_post"]
            else tr({"da": "efter –", "en": "post –"}))  # fmt: skip
    change = (f", WHO-5 {i18n.code_label('reliable_change', row['who5_change']).lower()}"
              if row["who5_change"] else "")  # fmt: skip
    return f"{pre}, {post}{change}"


def _present(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.to_dicts()
    labels = {code: tr(words) for code, words in TRACKING.items()}
    return (
        frame.with_columns(
            i18n.code_expr("status", "status"),
            i18n.code_expr("case_type", "case_type"),
            i18n.date_expr("start_date"),
            pl.col("tracking").replace_strict(labels, default=None),
            pl.Series("loan", [tr({"da": "Ja", "en": "Yes"}) if r["is_loan"] else "" for r in rows],
                      dtype=pl.String),
            pl.Series("prepost", [_prepost_text(r) for r in rows], dtype=pl.String),
        )
        .select(list(CASE_COLUMNS))
        .rename({c: tr(label) for c, label in CASE_COLUMNS.items()})
    )  # fmt: skip


def _facts(worker: dict) -> None:
    name = worker["name"] or tr({"da": "(navn vises ikke)", "en": "(name not shown)"})
    st.header(f"{name} ({worker['worker_id']})")
    languages = worker["languages"]
    if isinstance(languages, list):  # a list in some warehouses, text ("dansk, arabisk") in others
        languages = ", ".join(languages)
    languages = languages or i18n.MISSING
    st.markdown(" · ".join([
        f"**{tr({'da': 'Rolle', 'en': 'Role'})}:** {i18n.code_label('role', worker['role'])}",
        f"**{tr({'da': 'Kommune', 'en': 'Municipality'})}:** "
        f"{worker['municipality_name'] or worker['municipality_code']}",
        f"**{tr({'da': 'Uddannet', 'en': 'Trained'})}:** {i18n.fmt_date(worker['trained_on'])}",
        f"**{tr({'da': 'Sprog', 'en': 'Languages'})}:** {languages}",
    ]))  # fmt: skip
    cols = st.columns(3)
    cols[0].metric(tr({"da": "Aktive forløb", "en": "Active cases"}),
                   i18n.fmt_int(worker["active_cases"]))  # fmt: skip
    cols[1].metric(
        tr({"da": "Forløb i alt", "en": "Cases in all"}), i18n.fmt_int(worker["cases_total"])
    )
    cols[2].metric(tr({"da": "Forløb i andre kommuner (udlån)", "en": "Cases elsewhere (loans)"}),
                   i18n.fmt_int(worker["lent_cases"]))  # fmt: skip


def _cases(scope, worker_id: str) -> pl.DataFrame:
    st.subheader(tr({"da": "Medarbejderens forløb", "en": "The worker's cases"}))
    frame = q.cases(scope, worker_id)
    if frame.is_empty():
        st.info(
            tr({"da": "Ingen forløb, du har adgang til.", "en": "No cases you have access to."})
        )
        return frame
    active = frame.filter(pl.col("status") == "active").height
    components.case_list(
        frame, _present,
        tr({"da": "{a} aktive og {c} afsluttede forløb; aktive først, længst tid siden seneste "
                  "måling først. Klik på et forløb for at åbne det.",
            "en": "{a} active and {c} ended cases; active first, longest since the last "
                  "measurement first. Click a case to open it."},
           a=i18n.fmt_int(active), c=i18n.fmt_int(frame.height - active)),
        key="worker_cases", opens="case",
    )  # fmt: skip
    return frame


def _caseload(scope, worker_id: str) -> None:
    st.subheader(tr({"da": "Forløb over tid", "en": "Caseload over time"}))
    frame = q.caseload(scope, worker_id, data.as_of())
    long = frame.unpivot(index="month", on=["active_cases", "new_cases"], variable_name="measure",
                         value_name="cases")  # fmt: skip
    names = {"active_cases": tr({"da": "Aktive", "en": "Active"}),
             "new_cases": tr({"da": "Nye", "en": "New"})}  # fmt: skip
    long = long.with_columns(pl.col("measure").replace_strict(names))
    chart = cc.worker_caseload(long, x_title=tr({"da": "Måned", "en": "Month"}),
                               y_title=tr({"da": "Forløb", "en": "Cases"}))  # fmt: skip
    components.chart_block(
        chart, frame,
        tr({"da": "Medarbejderens forløb, du har adgang til, der var aktive i hver måned, og de "
                  "nye i måneden; de seneste 24 måneder.",
            "en": "The worker's cases you have access to that were active in each month, and "
                  "the new ones of the month; the last 24 months."}),
        int(frame["active_cases"].max() or 0), key="worker_caseload",
    )  # fmt: skip


def _comparisons(scope, filters, worker: dict) -> dict:
    """The filters to compare by; a worker role counts only their own cases, so compares none."""
    units = q.comparison_filters(filters, worker)
    return {"worker": units["worker"]} if scope.role == "worker" else units


def _fidelity(scope, filters, worker: dict) -> None:
    st.subheader(tr({"da": "Målt til tiden over tid", "en": "On cadence over time"}))
    if filters.period_start is None:
        return
    parts = []
    for unit, chosen in _comparisons(scope, filters, worker).items():
        monthly = fidelity_q.monthly(scope, chosen)
        if monthly.height:
            parts.append(monthly.with_columns(pl.lit(tr(UNITS[unit])).alias("unit")))
    if not parts:
        st.info(
            tr({"da": "Ingen aktive forløb i perioden.", "en": "No active cases in the period."})
        )
        return
    frame = pl.concat(parts, how="diagonal_relaxed")
    shown = frame.filter(~pl.col("suppressed")) if "suppressed" in frame.columns else frame
    chart = charts.line_chart(shown.select("month", "share", "unit", "n_cases"), "month", "share", color="unit",
                              x_title=tr({"da": "Måned", "en": "Month"}),
                              y_title=tr({"da": "Andel målt til tiden", "en": "Share on cadence"}),
                              y_format=".0%")  # fmt: skip
    how = tr({"da": "Andelen af hver måneds aktive forløb, der er målt mindst hver {d}. dag, for "
                    "medarbejderens forløb i egen kommune mod kommunen og hele landet; tal for "
                    "forløb, du ikke selv kan se, er udeladt under 5 forløb.",
              "en": "The share of each month's active cases measured at least every {d} days, "
                    "for the worker's cases in their own municipality against the municipality and "
                    "the whole country; figures of cases you cannot see yourself are left out "
                    "below 5 cases."}, d=fidelity_q.cadence_days())  # fmt: skip
    if scope.role == "worker":
        how += " " + tr({"da": "Som medarbejder ser du kun dine egne forløb.",
                         "en": "As a worker you see only your own cases."})  # fmt: skip
    components.chart_block(chart, frame.select("unit", "month", "n_cases", "share", "suppressed"),
                           how, None if shown.is_empty() else int(
                               frame.filter(pl.col("unit") == tr(UNITS["worker"]))["n_cases"]
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
    st.subheader(tr({"da": "Resultater over tid", "en": "Outcomes over time"}))
    instrument = st.segmented_control(
        tr({"da": "Instrument", "en": "Instrument"}), list(prepost_q.INSTRUMENTS),
        format_func={"WHO5": "WHO-5", "GSE": "GSE"}.get, default="WHO5", key="worker_instrument",
    ) or "WHO5"  # fmt: skip
    last_year = data.as_of().year
    rows = []
    for year in range(last_year - YEARS_BACK + 1, last_year + 1):
        year_period = Filters(date(year, 1, 1), date(year, 12, 1))
        for unit, chosen in _comparisons(scope, year_period, worker).items():
            share, n = _outcome_share(scope, chosen, instrument)
            rows.append({"year": str(year), "unit": tr(UNITS[unit]),
                         "share": _share_text(share, n)})  # fmt: skip
    frame = pl.DataFrame(rows)
    wide = frame.pivot(on="unit", index="year", values="share").rename(
        {"year": tr({"da": "År (forløbets slut)", "en": "Year (the case's end)"})}
    )
    components.table(wide, key="worker_outcomes")
    st.caption(tr({"da": "Andel af forløb med gyldig før- og eftermåling, der er pålideligt "
                         "forbedret (Jacobson-Truax), efter året forløbet sluttede; «skjult» betyder "
                         "under 5 forløb i en kategori (eller et tal, der kunne regnes ud).",
                   "en": "Share of cases with a valid pre and post that reliably improved "
                         "(Jacobson-Truax), by the year the case ended; “hidden” means fewer than 5 "
                         "cases in a category (or a figure that could be worked out)."}))  # fmt: skip


def render() -> None:
    components.freshness()
    scope, filters = data.current_scope(), data.current_filters()
    if not scope.case_level:  # the queries refuse too (data.NotAllowed); this says it first
        st.info(i18n.t("not_allowed"))
        return
    wanted = components.record_search("worker")
    worker_id = q.clean_id(wanted)
    if wanted is None:
        st.info(tr(ASK))
        return
    worker = q.worker(scope, worker_id) if worker_id else None
    if worker is None:
        st.warning(tr(NOT_FOUND))
        return
    _facts(worker)
    _cases(scope, worker["worker_id"])
    _caseload(scope, worker["worker_id"])
    _fidelity(scope, filters, worker)
    _outcomes(scope, filters, worker)


components.run_page("page_worker", render)
