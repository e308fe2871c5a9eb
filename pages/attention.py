"""Opmærksomhed / Needs attention: active cases off track, falling, overdue or missing a measurement."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import tr
from app.page_charts import attention as ac
from app.queries import attention as q

QUEUE_COLUMNS = {
    "case_id": {"da": "Forløb", "en": "Case"},
    "why": {"da": "Hvorfor", "en": "Why"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "worker": {"da": "Medarbejder", "en": "Worker"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "latest_score": {"da": "Seneste score", "en": "Latest score"},
    "latest_measured_on": {"da": "Seneste måling", "en": "Last measurement"},
}
CASES = {"da": "Forløb", "en": "Cases"}
NOTHING = {"da": "Ingen aktive forløb kræver opmærksomhed lige nu.",
           "en": "No active case needs attention right now."}  # fmt: skip


def _counts_section(scope, filters, queue: pl.DataFrame | None) -> None:
    st.subheader(tr({"da": "Forløb pr. årsag", "en": "Cases per reason"}))
    if queue is None:  # aggregate viewers: counted in the warehouse, small numbers hidden
        frame = q.reason_counts(scope, filters)
    else:  # the viewer's own list: counted from the rows they see anyway
        reasons = queue.select(pl.col("reasons").explode().alias("reason"))["reason"]
        frame = pl.DataFrame({"reason": list(q.REASONS)}).with_columns(
            pl.col("reason").replace_strict(dict(reasons.value_counts().rows()), default=0,
                                            return_dtype=pl.Int64).alias("n_cases"),
            pl.lit(False).alias("suppressed"), pl.lit(None, pl.String).alias("suppressed_by"),
        )  # fmt: skip
    if (frame["n_cases"] == 0).all():
        st.info(tr(NOTHING))
        return
    rows = frame.to_dicts()
    frame = frame.with_columns(
        pl.Series("label", [tr(ac.REASON_NAMES[r["reason"]]) for r in rows], dtype=pl.String),
        pl.Series("text", [components.value_text(r["n_cases"], r["suppressed"], by=r["suppressed_by"])
                           for r in rows], dtype=pl.String),
    )  # fmt: skip
    components.chart_block(
        ac.reason_bars(frame, x_title=tr(CASES)),
        frame.select("reason", "label", "n_cases", "suppressed"),
        tr({"da": "Hver søjle tæller de aktive forløb med én årsag til opmærksomhed; et forløb "
                  "tæller under hver af sine årsager, så søjlerne kan ikke lægges sammen.",
            "en": "Each bar counts the active cases with one reason for attention; a case counts "
                  "under each of its reasons, so the bars do not add up."}),
        q.cases_with_reasons(scope, filters) if queue is None else queue.height,
        key="attention_reasons",
    )  # fmt: skip
    if frame["suppressed"].any():
        st.caption(i18n.t("suppressed_note"))


def _present(frame: pl.DataFrame) -> pl.DataFrame:
    language = i18n.lang()
    why = [ac.why(row, language) for row in frame.iter_rows(named=True)]
    return (
        frame.with_columns(
            pl.Series("why", why, dtype=pl.String),
            i18n.code_expr("case_type", "case_type"),
            i18n.date_expr("latest_measured_on"),
        )
        .select(list(QUEUE_COLUMNS))
        .rename({c: tr(label) for c, label in QUEUE_COLUMNS.items()})
    )


def _queue_section(queue: pl.DataFrame) -> None:
    st.subheader(tr({"da": "Forløb, der kræver opmærksomhed", "en": "Cases that need attention"}))
    components.case_list(
        queue.with_columns(pl.col("reasons").list.join(",")),
        _present_joined,
        tr({"da": "Aktive forløb pr. dags dato (uanset den valgte periode). Først dem, der er "
                  "langt under forventet, faldet mindst 2 point eller mangler en måling; så dem "
                  "under forventet eller uden første måling; inden for hver gruppe længst tid "
                  "siden seneste måling først. {n} forløb. Klik på et forløb for at åbne det.",
            "en": "Active cases as of today (whatever the chosen period). First those far "
                  "below expected, fallen by 2 points or more or overdue a measurement; then "
                  "those below expected or without a first measurement; within each group the "
                  "longest time since the last measurement first. {n} cases. Click a case to "
                  "open it."},
           n=i18n.fmt_int(queue.height)),
        key="attention_queue",
        opens="case",
        # the reasons are the point of the list: room for two of them ('...; Under forventet: 4 m…'
        # was cut at 1440 px)
        column_config={tr(QUEUE_COLUMNS["why"]): st.column_config.TextColumn(width=520)},
    )  # fmt: skip


def _present_joined(frame: pl.DataFrame) -> pl.DataFrame:
    """The list as shown: its reasons come as text in the CSV, as a list here."""
    return _present(frame.with_columns(pl.col("reasons").str.split(",")))


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    st.caption(
        tr({"da": "Aktive forløb, der er under det forventede, har en faldende score, mangler "
                  "en måling eller mangler førmåling.",
            "en": "Active cases below the expected progress, with a falling score, overdue a "
                  "measurement or missing a pre measurement."})
    )  # fmt: skip
    if scope.case_level:  # a case known by its id opens from here too
        components.search_opens("case", "attention_case_search")
    queue = q.queue(scope, filters) if scope.case_level else None
    if queue is not None and not queue.height:
        st.info(tr(NOTHING))
        return
    _counts_section(scope, filters, queue)
    if components.case_level_only(scope) and queue is not None:
        _queue_section(queue)


components.run_page("page_attention", render)
