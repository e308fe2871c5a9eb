"""Reusable page parts. A page reads like a short script built from these:

    from app import components, data
    from app.queries import overview as q

    def render() -> None:
        frame = q.monthly(data.current_scope(), data.current_filters())
        components.chart_block(chart, frame, "Each point is a month.", n=123, key="ov_monthly")

    components.run_page("page_overview", render)

- `run_page(title_key, render)`: title in the reader's language, the empty-warehouse guidance,
  and a friendly message instead of a traceback (NotAllowed -> "your role ..." info).
- `chart_block(chart, data, how_to_read, n, key)`: the chart, one sentence on how to read it,
  the n behind it, CSV download of the data and PNG download of the chart (made on click only).
- `table(frame, key)`: a table (st.dataframe) without Streamlit's own export controls; every
  table goes through it, as every chart goes through `chart_block`.
- `lock_exports()`: hides Streamlit's element toolbars (CSV/PNG download, "Show data", copy the
  chart spec, search), so that data leave only through `download` (see the README, Downloads).
- `figure(label, value, delta, trend, help)`: a headline figure with a monthly sparkline.
- `value_text(value, hidden, kind)`: a figure as text ("<5" when hidden).
- `case_level_only(scope)`: False (and a note why) when the viewer may not see single cases.
- `case_list(frame, shown, caption, key)`: a list of single cases capped at `LIST_ROWS` rows in
  the browser, with the whole list as an audited CSV download.
- `record_download(what, user)`: the audit-trail entry for a download (made with its file).
- `download(label, make, key, kind)`: an audited download button; every download goes through it.
- `freshness()`: the as-of date and the last load.
- `no_match()`: the "filters match nothing" message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import altair as alt
import polars as pl
import streamlit as st

from app import charts, data, i18n
from app.i18n import t
from app.scope import Scope

log = logging.getLogger(__name__)
LIST_ROWS = 1000  # rows of a case list shown in the browser; its CSV has them all


def record_download(what: str, user: str | None = None) -> None:
    """Audit trail entry for a download: by `user`, else whoever is signed in this session."""
    from app import auth  # imported late: the sign-in module pulls in the account store

    try:
        auth.log_download(what, user=user)
    except Exception:  # an audit hiccup must not block the reader; it is logged
        log.exception("could not record a download in the audit trail")


def _signed_in_user() -> str | None:
    from app import auth  # imported late: the sign-in module pulls in the account store

    scope = auth.current_scope()
    return scope.user if scope else None


MIME_TYPES = {"csv": "text/csv", "png": "image/png"}


def download(label: str, make: Callable[[], bytes], key: str, kind: str) -> None:
    """An audited download button for `<key>.<kind>`; `make` runs only when it is clicked.

    The entry is written where the file is made: the browser asks for the file (Streamlit runs
    the callable in a thread of its own) apart from the rerun that carries the click, and a
    client that dropped that rerun took the file unaudited. The user is the one signed in when
    the button is drawn, as that thread has no session.
    """
    file_name = f"{key}.{kind}"
    user = _signed_in_user()

    def audited() -> bytes:
        body = make()
        record_download(file_name, user)
        return body

    st.download_button(
        label,
        data=audited,
        file_name=file_name,
        mime=MIME_TYPES[kind],
        key=f"{key}_{kind}",
        on_click="ignore",
    )


# Streamlit draws a toolbar over each table and chart: "Download as CSV", "Search", "Show data"
# (a raw table, on a screen that may be shared), "Download as PNG" and, on localhost, "Copy
# Vega-Lite spec" (the spec holds the data). None of it is audited or formula-safe, and Streamlit
# 1.67 has no option to switch the chart toolbar off (client.disableDataExport, set in
# .streamlit/config.toml, removes the CSV button and Ctrl+C copy only), so the whole toolbar is
# hidden. It fails closed: a button a later Streamlit adds to the toolbar is hidden too.
EXPORT_LOCK_CSS = "<style>[data-testid='stElementToolbar'] { display: none !important; }</style>"


def lock_exports() -> None:
    """Hide Streamlit's own export toolbars (style only: it takes no room on the page)."""
    st.html(EXPORT_LOCK_CSS)


def table(
    frame: pl.DataFrame, *, key: str | None = None, column_config: dict | None = None
) -> None:
    """A table across the page, without Streamlit's own download, copy and search controls.

    Numbers, yes/no and blanks are shown as text in the reader's formats (Streamlit would print
    1517, 0.5, 'true' and an empty cell whatever the language); numbers are aligned right."""
    lock_exports()
    if frame.is_empty():  # Streamlit's empty table says "empty", in English
        st.caption(t("no_rows"))
        return
    shown, numeric = readable(frame)
    config = {name: st.column_config.TextColumn(alignment="right") for name in numeric}
    config.update(column_config or {})
    st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config)


def _cell(value: object, whole: bool, language: str) -> str:
    if i18n.is_missing(value):
        return i18n.MISSING
    if isinstance(value, bool):
        return t("yes" if value else "no", language)
    return i18n.fmt_int(value, language) if whole else i18n.fmt_number(value, 1, language)


def readable(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """`frame` with every number, yes/no and blank as the reader's text; the numeric columns."""
    language = i18n.lang()
    numeric, exprs = [], []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_numeric():
            values = frame[name].drop_nans().drop_nulls() if dtype.is_float() else frame[name]
            whole = dtype.is_integer() or bool((values == values.round(0)).all())
            numeric.append(name)
        elif dtype == pl.Boolean:
            whole = True
        elif dtype == pl.String:
            exprs.append(column.fill_null(i18n.MISSING))
            continue
        else:
            continue
        exprs.append(
            column.map_elements(
                lambda v, whole=whole: _cell(v, whole, language), pl.String, skip_nulls=False
            )
        )
    return (frame.with_columns(exprs) if exprs else frame), numeric


# A text cell starting with one of these is a formula to Excel ("CSV injection", OWASP).
_FORMULA_START = r"^[=+\-@\t\r]"


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV with a BOM so Excel opens æ, ø, å correctly, in the reader's spreadsheet dialect
    (Danish: semicolons and decimal commas); text cells never run as formulas."""
    # Categorical and Enum columns are text in the file too: they are defused as strings
    text_columns = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
    ]
    texts = {name: pl.col(name).cast(pl.String) for name in text_columns}
    safe = frame.with_columns(
        pl.when(text.str.contains(_FORMULA_START))
        .then(pl.lit("'") + text)
        .otherwise(text)
        .alias(name)  # the `then` branch would name it "literal"
        for name, text in texts.items()
    )
    # Danish Excel's "CSV (semikolonsepareret)": ';' between cells, decimal commas; English: ','
    danish = i18n.lang() == "da"
    body = safe.write_csv(separator=";" if danish else ",", decimal_comma=danish)
    return body.encode("utf-8-sig")


def chart_block(
    chart: alt.TopLevelMixin,
    data: pl.DataFrame,
    how_to_read: str,
    n: int | None,
    key: str,
    *,
    unit: str | None = None,
) -> None:
    """Chart + how to read it + n + CSV and PNG downloads (the PNG is rendered only on click).

    `unit` names what n counts when it is not cases (e.g. t("pages.data_quality.rows")).
    """
    language = i18n.lang()
    lock_exports()
    st.vega_lite_chart(charts.localized_spec(chart, language), theme=None, width="stretch",
                       key=f"{key}_chart")  # fmt: skip
    n_text = i18n.SUPPRESSED if n is None else i18n.fmt_int(n, language)
    n_note = f"n = {n_text} {unit}" if unit else t("n_behind", n=n_text)
    st.caption(f"{how_to_read} {n_note}")
    # side by side at their own width (fixed column shares cut the labels in a narrow column,
    # as beside the Jacobson plot's constants at 1280 px: 'Hent data (…')
    with st.container(horizontal=True, key=f"{key}_downloads"):
        download(t("download_csv"), lambda: csv_bytes(data), key, "csv")
        download(t("download_png"), lambda: charts.to_png(chart, language), key, "png")


def value_text(
    value: float | int | None, hidden: bool = False, kind: str = "int", by: str | None = None
) -> str:
    """A figure as text: '<5' when hidden for being small, 'skjult'/'hidden' when hidden as the
    complement of a small one (by='complement'); kind is 'int', 'pct', 'number' or 'signed'."""
    if hidden:
        return i18n.t("hidden") if by == "complement" else i18n.SUPPRESSED
    if kind == "pct":
        return i18n.fmt_pct(value)
    if kind == "number":
        return i18n.fmt_number(value, 1)
    if kind == "signed":
        return i18n.fmt_signed(value, 1)
    return i18n.fmt_int(value)


# Streamlit cuts a metric's label and value to one line ('Afsluttede forl…', 'WHO-5: forbe…'
# in five columns at 1280 px, '44,0 → 5…' in four): they wrap instead, every label two lines
# high, so values align
METRIC_LABEL_CSS = (
    "<style>[data-testid='stMetricLabel'] *, [data-testid='stMetricValue'] * "
    "{ white-space: normal !important; "
    "overflow: visible !important; text-overflow: clip !important; } "
    "[data-testid='stMetricLabel'] { min-height: 2.7em; }</style>"
)


def figure(
    label: str,
    value: str,
    delta: str | None = None,
    trend: Sequence[float | None] | None = None,
    help: str | None = None,
    delta_color: str = "off",
) -> None:
    """One headline figure (st.metric) with its monthly sparkline; hidden months are gaps."""
    st.html(METRIC_LABEL_CSS)
    # st.metric takes numbers only: a hidden month is NaN, drawn as a gap
    points = [float("nan") if p is None else float(p) for p in (trend or [])]
    st.metric(
        label,
        value,
        delta=delta,
        delta_color=delta_color,
        help=help,
        border=True,
        chart_data=points if any(p == p for p in points) else None,
        chart_type="line",
    )


def case_level_only(scope: Scope) -> bool:
    """May the viewer see single cases? If not, say so where the list would be."""
    if scope.case_level:
        return True
    st.info(t("components.the_list_of_single_cases"))
    return False


def case_list(
    frame: pl.DataFrame,
    present: Callable[[pl.DataFrame], pl.DataFrame],
    caption: str,
    *,
    key: str,
    column_config: dict | None = None,
) -> None:
    """A list of single cases: `caption`, the first `LIST_ROWS` rows of `frame` as `present`
    puts them in the reader's columns and formats, and all of `frame` as a CSV download.
    `column_config` (by the shown column names) as st.dataframe's.

    Only the rows shown are formatted (formatting runs in Python, row by row). The download is
    audited: the rows are case-level (pseudonyms).
    """
    st.caption(caption)
    table(present(frame.head(LIST_ROWS)), key=key, column_config=column_config)
    if frame.height > LIST_ROWS:
        st.caption(t("components.shows_the_first_k_download", k=i18n.fmt_int(LIST_ROWS)))
    label = t("components.download_the_list_csv")
    download(label, lambda: csv_bytes(frame), key, "csv")


def freshness() -> None:
    """'Data as of ... · last load ...' under the title."""
    as_of, loaded = data.as_of(), data.last_load()
    parts = [t("as_of", date=i18n.fmt_date(as_of))]
    if loaded is not None:
        parts.append(t("last_load", date=i18n.fmt_time(loaded)))
    st.caption(" · ".join(parts))


def no_match() -> None:
    st.info(t("no_match"))


def warehouse_guidance(state: str) -> None:
    """What to do when there is no usable warehouse yet."""
    if state == "not_ready":
        st.warning(t("warehouse_not_ready"))
    else:
        st.info(t("no_warehouse"))


def run_page(title_key: str, render: Callable[[], None]) -> None:
    """Title, empty-warehouse guidance, and the page body with errors turned into messages."""
    st.title(t(title_key))
    try:
        state = data.status()
        if state != "ready":
            warehouse_guidance(state)
            return
        render()
    except data.TooManyOutside:
        st.info(t("too_many_outside"))
    except data.NotAllowed:
        st.info(t("not_allowed"))
    except Exception:  # the reader gets a message; the operator gets the traceback in the log
        log.exception("page %s failed", title_key)
        st.error(t("page_error"))
