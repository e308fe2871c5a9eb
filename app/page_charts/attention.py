"""Words and chart of the attention page: why a case is in the queue, and cases per reason.

`why(row, language)` turns a queue row's reason codes (mart.attention) into sentences a
coordinator reads at a glance ("Scoren er faldet 3 point siden sidst; Ingen måling i 74 dage").
"""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts, i18n
from app.i18n import t
from texts import formats

REASON_NAMES = {
    "off_track": "page_charts.attention.reason_names.off_track",
    "dropped": "page_charts.attention.reason_names.dropped",
    "overdue": "page_charts.attention.reason_names.overdue",
    "below_expected": "common.below_expected",
    "no_score": "page_charts.attention.reason_names.no_score",
    "missing_pre": "page_charts.attention.reason_names.missing_pre",
}
_EXPECTED = "page_charts.attention.expected"
_SENTENCES = {
    "dropped": "page_charts.attention.sentences.dropped",
    "overdue": "page_charts.attention.sentences.overdue",
    "no_score": "page_charts.attention.reason_names.no_score",
    "missing_pre": "page_charts.attention.sentences.missing_pre",
}


def _score(value: float | None, language: str | None) -> str:
    """A score or a band's median: whole numbers without decimals, halves with one."""
    if value is not None and float(value).is_integer():
        return i18n.fmt_int(value, language)
    return i18n.fmt_number(value, 1, language)


def _months(n: int | None, language: str | None) -> str:
    return i18n.tn("plural.months", n, language)


def reason_sentence(code: str, row: dict, language: str | None = None) -> str:
    """One reason of a queue row as a sentence in the reader's language."""
    if code in ("off_track", "below_expected"):
        return t(
            _EXPECTED, language, what=t(REASON_NAMES[code], language),
            score=_score(row["latest_score"], language),
            typical=_score(row["expected_p50"], language), months=_months(row["month"], language),
        )  # fmt: skip
    if code == "dropped":
        fall = row["previous_score"] - row["latest_score"]
        return t(_SENTENCES[code], language, k=i18n.fmt_int(fall, language))
    if code == "overdue":
        return t(_SENTENCES[code], language, days=i18n.fmt_int(row["days_since_last"], language))
    return t(_SENTENCES.get(code, REASON_NAMES.get(code, code)), language)


def why(row: dict, language: str | None = None) -> str:
    """All reasons of a queue row, in the contract's order, as one line."""
    return formats.run_on([reason_sentence(code, row, language) for code in row["reasons"]])


def reason_bars(frame: pl.DataFrame, *, x_title: str) -> alt.LayerChart:
    """Horizontal bars of cases per reason (`label`, `n_cases`), each with its count as text
    (`text`: '<5' stays readable where a hidden count has no bar); contract order top down."""
    charts.check_points(frame)
    order = frame["label"].to_list()
    placed = frame.with_columns(pl.col("n_cases").fill_null(0).alias("text_x"))
    base = alt.Chart(placed).encode(
        y=alt.Y("label:N", title="", sort=order, axis=alt.Axis(labelLimit=320))
    )
    bars = base.mark_bar(color=charts.PALETTE[0]).encode(
        x=alt.X("n_cases:Q", title=x_title, axis=charts.count_axis()),
        tooltip=charts.tips(("label:N", ""), ("n_cases:Q", x_title)),
    )
    values = base.mark_text(align="left", dx=4, fontSize=14).encode(
        x=alt.X("text_x:Q", title=x_title), text="text:N"
    )
    return alt.layer(bars, values).properties(height=charts.row_height())
