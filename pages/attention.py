"""Opmærksomhed / Needs attention: active cases off track, falling, overdue or missing a measurement."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.components import Header
from app.i18n import t
from app.page_charts import attention as ac
from app.queries import attention as q

# The queue at 1280 px without sideways scrolling: rows two lines high, so a row's reasons wrap
# in a column of at least its own width, and of all the width left on a wider screen (1920 px:
# the reasons last, the column that takes the width the others leave, components.fill_config);
# short headers with the full words on hover; the municipality beside the worker when the list
# holds several, else named by the caption.
QUEUE_COLUMNS = {
    "case_id": "pages.attention.queue_columns.case_id",
    "municipality_name": "municipality",
    "worker": Header("worker", "pages.attention.list.worker_help", 140),
    "case_type": Header("pages.attention.list.case_type", "case_type", 110),
    "latest_score": Header("pages.attention.list.latest_score", "common.latest_score", 60),
    "latest_measured_on": Header("pages.attention.list.latest_measured_on",
                                 "pages.attention.queue_columns.latest_measured_on", 100),
    "why": Header("pages.attention.queue_columns.why", width=290),
}  # fmt: skip
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
    components.suppression_note(frame["suppressed"].any())


def _present(frame: pl.DataFrame) -> pl.DataFrame:
    language = i18n.lang()
    why = [ac.why(row, language) for row in frame.iter_rows(named=True)]
    shown = frame.with_columns(
        pl.Series("why", why, dtype=pl.String),
        i18n.code_expr("case_type", "case_type"),
        i18n.date_expr("latest_measured_on"),
    ).select(list(QUEUE_COLUMNS))
    if shown["municipality_name"].n_unique() > 1:  # 'Malene Knudsen · København'
        beside = pl.concat_str(pl.col("worker").fill_null(i18n.MISSING), pl.lit(" · "),
                               pl.col("municipality_name").fill_null(i18n.MISSING))  # fmt: skip
        shown = shown.with_columns(beside.alias("worker"))
    return components.headed(shown.drop("municipality_name"), QUEUE_COLUMNS)


def _queue_section(queue: pl.DataFrame) -> None:
    st.subheader(t("pages.attention.cases_that_need_attention"))
    components.case_list(
        queue.with_columns(pl.col("reasons").list.join(",")),
        _present_joined,
        i18n.tn("pages.attention.active_cases_as_of_today_2", queue.height),
        key="attention_queue",
        opens="case",
        # the reasons are the point of the list: two of them in a row wrap to a second line
        # (one line cut them: '...; Under forventet: 4 m…')
        column_config=components.header_config(QUEUE_COLUMNS),
        wrap=True,
        fill=t(QUEUE_COLUMNS["why"].text),
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
