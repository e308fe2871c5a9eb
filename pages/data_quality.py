"""Datakvalitet / Data quality: load history, rejected rows to fix, rows waiting for their case."""

from __future__ import annotations

import json
import math
from functools import partial

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.filters import Filters
from app.i18n import t
from app.queries import data_quality as q

COLUMNS = {
    "batch_id": "pages.data_quality.columns.batch_id",
    "source_path": "pages.data_quality.columns.source_path",
    "exported_at": "pages.data_quality.columns.exported_at",
    "loaded_at": "pages.data_quality.columns.loaded_at",
    "rows_read": "pages.data_quality.columns.rows_read",
    "rows_loaded": "vocabulary.code_labels.batch_status.loaded",
    "rows_unchanged": "vocabulary.code_labels.reliable_change.unchanged",
    "rows_superseded": "pages.data_quality.columns.rows_superseded",
    "rows_rejected": "pages.data_quality.columns.rows_rejected",
    "status": "common.status",
    "source_file": "audit.detail.what",
    "source_row": "pages.data_quality.columns.source_row",
    "column_name": "pages.data_quality.columns.column_name",
    "reason_code": "audit.detail.reason",
    "message": "pages.data_quality.columns.message",
    "raw_values": "pages.data_quality.columns.raw_values",
}
COUNTS = ("rows_read", "rows_loaded", "rows_unchanged", "rows_superseded", "rows_rejected")
TABS = "dq_tabs"  # the page's section tabs (components.sections)


# the rejected rows' long texts wrap in these widths (px), so the tables fit 1280 px without
# sideways scrolling; the rows are as high as the longest message or original values need
# (`row_lines`)
WRAPPED_WIDTHS = {"source_file": 130, "column_name": 110, "message": 250, "raw_values": 150}
# Source Sans at the grid's 14 px averages under 7 px a character in Danish and English
# texts; words wrap whole, so a line is filled word by word (tests/pages measure the real font)
MESSAGE_CHAR_PX = 7.0
# rows higher still would make a table of ten rows taller than a screen: a message or values
# longer than this are cut in the table and shown whole for a selected row below it
# (`_row_details`; the CSV download holds them whole too)
MAX_MESSAGE_LINES = 8


def _lines(text: str, width: int) -> int:
    """The lines `text` wraps into in a column `width` px wide, word by word (estimated)."""
    per_line = (width - 16) / MESSAGE_CHAR_PX  # the grid's padding
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += len(word) + (1 if used else 0)
        lines += max(0, math.ceil(len(word) / per_line) - 1)  # a word wider than the column
    return lines


def wrapped_lines(texts: pl.Series, column: str) -> int:
    """The lines the longest-wrapping of `texts` needs in `column` (two at least, at most
    `MAX_MESSAGE_LINES`): at two lines, 'Forløbet ... findes ikke i forløbsdata (hverken ...'
    was cut after 'findes'."""
    width, needed = WRAPPED_WIDTHS[column], 2
    for text in texts.drop_nulls().unique():  # up to ROW_LIMIT rows a table: each text once
        needed = max(needed, _lines(str(text), width))
        if needed >= MAX_MESSAGE_LINES:  # the tallest row: no text can ask for more
            break
    return min(needed, MAX_MESSAGE_LINES)


def row_lines(shown: pl.DataFrame) -> int:
    """The lines of a rejected rows' table (as shown, before its headers are renamed): as
    many as its longest message or original values need: a measurement's ten items were cut
    after seven lines when only the message counted."""
    return max(wrapped_lines(shown[c], c) for c in ("message", "raw_values") if c in shown.columns)


def _show_table(frame: pl.DataFrame, key: str, headers: dict[str, str] | None = None) -> None:
    """A table with the reader's column names (`headers`: other keys for some), date and count
    formats (36.231 in Danish; the counts are text then, so they are aligned right as numbers
    are). A table with a message column (the rejected rows) has rows as high as its longest
    message needs."""
    counts, language = [c for c in COUNTS if c in frame.columns], i18n.lang()
    words = {c: lambda v: i18n.fmt_int(v, language) for c in counts} | {
        "exported_at": i18n.fmt_date,
        "loaded_at": i18n.fmt_time,
        "reason_code": lambda v: i18n.code_label("reason_code", v),
        "status": lambda v: i18n.code_label("batch_status", v),
        "column_name": _column_word,
        "raw_values": _cells_text,
    }
    shown = frame.with_columns(
        i18n.labelled(frame[c], word) for c, word in words.items() if c in frame.columns
    )
    names = COLUMNS | (headers or {})
    wrap = "message" in frame.columns
    config = {t(names[c]): st.column_config.Column(width=w)
              for c, w in WRAPPED_WIDTHS.items() if wrap and c in frame.columns}  # fmt: skip
    if "rows_rejected" in frame.columns:  # all of the load's rejections, not those still to fix
        config[t(names["rows_rejected"])] = st.column_config.Column(
            help=t("pages.data_quality.columns.rows_rejected_help")
        )
    lines = row_lines(shown) if wrap else 2
    headed = shown.rename({c: t(names[c]) for c in shown.columns if c in names})
    if "raw_values" not in frame.columns:
        components.table(headed, key=key, column_config=config, wrap=wrap, lines=lines)
        return
    components.table(
        headed,
        key=key,
        column_config=config,
        wrap=wrap,
        lines=lines,
        details=lambda row: _row_details(frame.row(row, named=True), f"{key}_row"),
    )
    st.caption(t("pages.data_quality.select_a_row_for_its_values"))


def _row_details(row: dict, key: str) -> None:
    """A selected rejected row's original cells, each whole on a line of its own (the table's
    cell wraps them into its column and cuts them after `MAX_MESSAGE_LINES`)."""
    st.markdown(
        t(
            "pages.data_quality.the_whole_row",
            row=i18n.fmt_int(row.get("source_row")),
            file=row.get("source_file") or i18n.MISSING,
        )
    )
    cells = _cells(row.get("raw_values"))
    column, value = t(COLUMNS["column_name"]), t("pages.data_quality.columns.value")
    table = pl.DataFrame(
        {
            column: [_column_word(k) for k in cells],
            value: [i18n.MISSING if v is None else str(v) for v in cells.values()],
        },
        schema={column: pl.String, value: pl.String},
    )
    components.table(table, key=key, fill=value)


def _column_word(name: str) -> str:
    """An export column in words, as a table cell starts ('foedselsaar' -> 'Fødselsår')."""
    word = i18n.code_label("export_column", name)
    return word[:1].upper() + word[1:]


def _cells(raw_values: str | None) -> dict[str, object]:
    """A rejected row's original cells (JSON as stored) by column; text that is not a JSON
    object as one cell of no column."""
    if not raw_values:
        return {}
    try:
        cells = json.loads(raw_values)
    except ValueError:
        return {"": raw_values}
    return cells if isinstance(cells, dict) else {"": str(cells)}


def _cells_text(raw_values: str | None) -> str:
    """A rejected row's original cells (JSON as stored) as 'Forløbs-id: F-7; Kommunekode: 999'."""
    cells = _cells(raw_values)
    if not cells:
        return i18n.MISSING
    return "; ".join(f"{_column_word(k)}: {v if v is not None else i18n.MISSING}" if k else str(v)
                     for k, v in cells.items())  # fmt: skip


def _when(value) -> str:
    return i18n.fmt_time(value)


def _checks(scope) -> None:
    """When the warehouse's own checks last held; a load is refused when one fails."""
    st.subheader(t("pages.data_quality.the_warehouse_s_own_checks"))
    runs = q.last_checks(scope)
    if runs["last_run_at"] is None:
        st.info(t("pages.data_quality.the_checks_have_not_run"))
    elif runs["last_passed"]:
        by = (
            t("pages.data_quality.at_load_batch", batch=runs["last_batch_id"])
            if runs["last_trigger"] == "load"
            else t("pages.data_quality.by_lat_check")
        )
        st.success(
            t("pages.data_quality.every_check_held_last_on", when=_when(runs["last_run_at"]), by=by)
        )
    else:
        passed = _when(runs["passed_at"]) if runs["passed_at"] else t("pages.data_quality.never")
        st.error(
            t(
                "pages.data_quality.the_checks_failed_on_when",
                when=_when(runs["last_run_at"]),
                checks=runs["last_failed_checks"],
                passed=passed,
            )
        )
    st.caption(t("pages.data_quality.before_a_load_replaces_the"))


def _history(scope) -> None:
    st.subheader(t("pages.data_quality.loads"))
    history = q.load_history(scope)
    # 'Nr.' for the load's number: with 'Indlæsning' the table was wider than 1280 px
    _show_table(history, "dq_history", {"batch_id": "pages.data_quality.columns.batch_no"})
    if "rows_read" in history.columns:
        st.caption(t("pages.data_quality.one_row_per_loaded_export"))
    else:
        st.caption(t("pages.data_quality.one_row_per_loaded_export_2"))


def _reasons_chart(reasons: pl.DataFrame) -> None:
    labelled = reasons.with_columns(
        i18n.labelled(reasons["reason_code"], lambda v: i18n.code_label("reason_code", v))
        .alias("reason")
    )  # fmt: skip
    chart = charts.bar_chart(
        labelled.select("reason", "rows_rejected"),
        "reason",
        "rows_rejected",
        horizontal=True,
        y_title=t("pages.data_quality.rejected_rows"),
    )
    components.chart_block(
        chart,
        labelled.select("reason_code", "reason", "rows_rejected", "files"),
        t("pages.data_quality.each_bar_is_the_number"),
        int(labelled["rows_rejected"].sum()),
        key="dq_reasons",
        # the rows still to fix: the loads table's 'Afvist' counts all of a load's rejections
        unit="pages.data_quality.rows_to_fix",
    )


def _rows_per_reason(scope, reasons: pl.DataFrame) -> None:
    for reason in reasons["reason_code"].to_list():
        rows = q.rejected_rows(scope, reason)
        label = f"{i18n.code_label('reason_code', reason)}: {i18n.fmt_int(rows.height)}"
        with st.expander(label, key=f"dq_reason_{reason}"):
            _show_table(rows.head(q.ROW_LIMIT).drop("reason_code"), f"dq_rows_{reason}")
            components.download(
                t("pages.data_quality.download_the_rows_csv"),
                lambda rows=rows: components.csv_bytes(rows),
                f"rejected_{reason}",
                "csv",
            )


def _rejected(scope) -> None:
    st.subheader(t("pages.data_quality.rejected_rows"))
    reasons = q.rejected_by_reason(scope)
    if not scope.case_level:
        # rejected rows are case rows: an aggregate view lists none, and must not read as if
        # there were none to fix
        st.info(t("pages.data_quality.rejected_rows_are_not_shown"))
    elif reasons.is_empty():
        st.success(
            t(
                "pages.data_quality.no_rejected_rows_are_waiting_2",
                who=components.population_of("case", Filters()),
            )
        )
    else:
        _reasons_chart(reasons)
        _rows_per_reason(scope, reasons)


def _orphans(scope) -> None:
    st.subheader(t("pages.data_quality.rows_waiting_for_their_case"))
    orphans = q.orphans(scope)
    st.caption(t("pages.data_quality.measurements_and_progression_for_a"))
    if scope.role != "national":
        # until its case arrives, a waiting row names no municipality: nobody but the national
        # centre can tie it to anyone, so nobody else is told of it (nor shown a national count)
        st.info(t("pages.data_quality.rows_waiting_for_a_case"))
    elif orphans.is_empty():
        st.success(t("pages.data_quality.no_rows_are_waiting"))
    else:
        who = components.population_of("case", Filters())
        st.metric(t("pages.data_quality.waiting_rows_who", who=who), i18n.fmt_int(orphans.height))
        _show_table(orphans.head(q.ROW_LIMIT).drop("reason_code"), "dq_orphans")


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    _checks(scope)
    # the rows to fix open first (what a coordinator comes for after a load); the loads' history
    # and the rows waiting for their case are a click away, and only the open tab runs
    components.sections(
        TABS,
        [
            ("pages.data_quality.tabs.rejected", partial(_rejected, scope)),
            ("pages.data_quality.tabs.loads", partial(_history, scope)),
            ("pages.data_quality.tabs.waiting", partial(_orphans, scope)),
        ],
    )


components.run_page("page_data_quality", render)
