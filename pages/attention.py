"""Opmærksomhed / Needs attention: active cases off track, falling, overdue or missing a measurement."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import t
from app.page_charts import attention as ac
from app.queries import attention as q

QUEUE_COLUMNS = {
    "case_id": "pages.attention.queue_columns.case_id",
    "why": "pages.attention.queue_columns.why",
    "municipality_name": "municipality",
    "worker": "worker",
    "case_type": "case_type",
    "latest_score": "common.latest_score",
    "latest_measured_on": "pages.attention.queue_columns.latest_measured_on",
}
CASES = "common.cases"
NOTHING = "pages.attention.nothing"


def _counts_section(scope, filters, queue: pl.DataFrame | None) -> None:
    st.subheader(t("pages.attention.cases_per_reason"))
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
        st.info(t(NOTHING))
        return
    rows = frame.to_dicts()
    frame = frame.with_columns(
        pl.Series("label", [t(ac.REASON_NAMES[r["reason"]]) for r in rows], dtype=pl.String),
        pl.Series("text", [components.value_text(r["n_cases"], r["suppressed"], by=r["suppressed_by"])
                           for r in rows], dtype=pl.String),
    )  # fmt: skip
    components.chart_block(
        ac.reason_bars(frame, x_title=t(CASES)),
        frame.select("reason", "label", "n_cases", "suppressed"),
        t("pages.attention.each_bar_counts_the_active"),
        q.cases_with_reasons(scope, filters) if queue is None else queue.height,
        key="attention_reasons",
    )
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
        .rename({c: t(label) for c, label in QUEUE_COLUMNS.items()})
    )


def _queue_section(queue: pl.DataFrame) -> None:
    st.subheader(t("pages.attention.cases_that_need_attention"))
    components.case_list(
        queue.with_columns(pl.col("reasons").list.join(",")),
        _present_joined,
        t("pages.attention.active_cases_as_of_today_2", n=i18n.fmt_int(queue.height)),
        key="attention_queue",
        opens="case",
        # the reasons are the point of the list: room for two of them ('...; Under forventet: 4 m…'
        # was cut at 1440 px)
        column_config={t(QUEUE_COLUMNS["why"]): st.column_config.TextColumn(width=520)},
    )


def _present_joined(frame: pl.DataFrame) -> pl.DataFrame:
    """The list as shown: its reasons come as text in the CSV, as a list here."""
    return _present(frame.with_columns(pl.col("reasons").str.split(",")))


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    st.caption(t("pages.attention.active_cases_below_the_expected"))
    if scope.case_level:  # a case known by its id opens from here too
        components.search_opens("case", "attention_case_search")
    queue = q.queue(scope, filters) if scope.case_level else None
    if queue is not None and not queue.height:
        st.info(t(NOTHING))
        return
    _counts_section(scope, filters, queue)
    if components.case_level_only(scope) and queue is not None:
        _queue_section(queue)


components.run_page("page_attention", render)
