"""Opmærksomhed / Needs attention: active cases off track, falling, overdue or missing a measurement."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import t
from app.page_charts import attention as ac
from app.queries import attention as q

# the reasons last: the column that takes the width the others leave (components.fill_config)
QUEUE_COLUMNS = {
    "case_id": "pages.attention.queue_columns.case_id",
    "municipality_name": "municipality",
    "worker": "worker",
    "case_type": "case_type",
    "latest_score": "common.latest_score",
    "latest_measured_on": "pages.attention.queue_columns.latest_measured_on",
    "why": "pages.attention.queue_columns.why",
}
CASES = "common.cases"
NOTHING = "pages.attention.nothing"
# The queue at 1280 px without sideways scrolling: rows two lines high, so a row's reasons wrap
# in a column of at least its own width, and of all the width left on a wider screen (1920 px);
# short headers with the full words on hover; the municipality beside the worker when the list
# holds several, else named by the caption.
SHORT_HEADERS = {
    "case_type": ("pages.attention.list.case_type", "case_type"),
    "latest_score": ("pages.attention.list.latest_score", "common.latest_score"),
    "latest_measured_on": ("pages.attention.list.latest_measured_on",
                           "pages.attention.queue_columns.latest_measured_on"),
}  # fmt: skip
WIDTHS = {"why": 290, "worker": 140, "case_type": 110, "latest_score": 60,
          "latest_measured_on": 100}  # fmt: skip


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


def _header(column: str) -> str:
    return t(SHORT_HEADERS[column][0]) if column in SHORT_HEADERS else t(QUEUE_COLUMNS[column])


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
    return shown.drop("municipality_name").rename({c: _header(c) for c in shown.columns
                                                   if c != "municipality_name"})  # fmt: skip


def _queue_config() -> dict:
    """The queue's column widths, and the full words of its short headers on hover."""
    helps = {column: t(full) for column, (_, full) in SHORT_HEADERS.items()}
    config = {
        _header(c): st.column_config.Column(width=width, help=helps.get(c))
        for c, width in WIDTHS.items()
    }
    config[_header("worker")]["help"] = t("pages.attention.list.worker_help")
    return config


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
        column_config=_queue_config(),
        wrap=True,
        fill=_header("why"),
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
