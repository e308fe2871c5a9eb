"""Words and chart of the attention page: why a case is in the queue, and cases per reason.

`why(row, language)` turns a queue row's reason codes (mart.attention) into sentences a
coordinator reads at a glance ("Scoren er faldet 3 point siden sidst; Ingen måling i 74 dage").
"""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts, i18n
from app.i18n import tr

REASON_NAMES = {
    "off_track": {"da": "Langt under forventet", "en": "Far below expected"},
    "dropped": {"da": "Faldende score", "en": "Falling score"},
    "overdue": {"da": "Mangler en måling", "en": "Overdue a measurement"},
    "below_expected": {"da": "Under forventet", "en": "Below expected"},
    "no_score": {"da": "Ingen progressionsmåling endnu", "en": "No progression score yet"},
    "missing_pre": {"da": "Mangler førmåling", "en": "Pre measurement missing"},
}
_EXPECTED = {
    "da": "{what}: {score} mod typisk {typical} efter {months}",
    "en": "{what}: {score} against typically {typical} after {months}",
}
_MONTHS = {"da": ("{n} måned", "{n} måneder"), "en": ("{n} month", "{n} months")}
_SENTENCES = {
    "dropped": {"da": "Scoren er faldet {k} point siden sidst",
                "en": "The score fell {k} points since the last one"},
    "overdue": {"da": "Ingen måling i {days} dage", "en": "No measurement for {days} days"},
    "no_score": {"da": "Ingen progressionsmåling endnu", "en": "No progression score yet"},
    "missing_pre": {"da": "Mangler førmåling", "en": "The pre measurement is missing"},
}  # fmt: skip


def _score(value: float | None, language: str | None) -> str:
    """A score or a band's median: whole numbers without decimals, halves with one."""
    if value is not None and float(value).is_integer():
        return i18n.fmt_int(value, language)
    return i18n.fmt_number(value, 1, language)


def _months(n: int | None, language: str | None) -> str:
    one, many = _MONTHS[language if language in i18n.LANGS else i18n.lang()]
    return (one if n == 1 else many).format(n=i18n.fmt_int(n, language))


def reason_sentence(code: str, row: dict, language: str | None = None) -> str:
    """One reason of a queue row as a sentence in the reader's language."""
    if code in ("off_track", "below_expected"):
        return tr(
            _EXPECTED, language, what=tr(REASON_NAMES[code], language),
            score=_score(row["latest_score"], language),
            typical=_score(row["expected_p50"], language), months=_months(row["month"], language),
        )  # fmt: skip
    if code == "dropped":
        fall = row["previous_score"] - row["latest_score"]
        return tr(_SENTENCES[code], language, k=i18n.fmt_int(fall, language))
    if code == "overdue":
        return tr(_SENTENCES[code], language, days=i18n.fmt_int(row["days_since_last"], language))
    return tr(_SENTENCES.get(code, REASON_NAMES.get(code, {"da": code})), language)


def why(row: dict, language: str | None = None) -> str:
    """All reasons of a queue row, in the contract's order, as one line."""
    return "; ".join(reason_sentence(code, row, language) for code in row["reasons"])


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
        tooltip=["label:N", alt.Tooltip("n_cases:Q", format=",d")],
    )
    values = base.mark_text(align="left", dx=4, fontSize=14).encode(x="text_x:Q", text="text:N")
    return alt.layer(bars, values).properties(height=charts.row_height())
