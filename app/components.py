"""Reusable page parts. A page reads like a short script built from these:

    from app import components, data
    from app.queries import overview as q

    def render() -> None:
        frame = q.monthly(data.current_scope(), data.current_filters())
        components.chart_block(chart, frame, "Each point is a month.", n=123, key="ov_monthly")

    components.run_page("page_overview", render)

- `run_page(title_key, render)`: title in the reader's language, the empty-warehouse guidance,
  and a friendly message instead of a traceback (NotAllowed -> "your role ..." info).
- `chart_block(chart, data, how_to_read, n, key, title=...)`: the chart, one sentence on how to
  read it, the n behind it and whom it counts, CSV download of the data and PNG download of the
  chart (made on click only) with its title, period, population, n and as-of date, so it can go
  on a slide as it is; `empty_chart`'s sentence (naming the cause) when the chart draws nothing.
- `csv_bytes(frame, language)`: every CSV download: in Danish `;`-separated with decimal commas,
  dd-mm-yyyy dates, a BOM, headers and codes in words (texts/vocabulary.py), Ja/Nej.
- `table(frame, key, opens=..., ids=...)`: a table (st.dataframe) without Streamlit's own export
  controls; every table goes through it, as every chart goes through `chart_block`. With
  `opens` ("case"/"worker") a click on a row opens that record's page (`open_record`), from
  the router before the list page runs again (`open_clicked_record`). Columns
  of numbers are aligned right, those a page wrote as text too ('<5', '26 % (103)':
  `is_number_text`), so figures line up whether shown or hidden; `wrap=True` gives two-line rows
  for long texts (the attention queue, the rejected rows), so a table fits 1280 px.
- `Header(text, help, width)`, `headed(frame, headers)`, `header_config(headers, **values)`: a
  table's column headers, each column's catalogue key (short headers with their whole meaning on
  hover, and widths, so a table fits 1280 px), the frame renamed with them and the `column_config`
  that `table` and `case_list` take, both from one mapping (column -> Header or key);
  `without_empty(frame, *columns)` leaves out the columns that hold nothing for this reader.
- `lock_exports()`: hides Streamlit's element toolbars (CSV/PNG download, "Show data", copy the
  chart spec, search), so that data leave only through `download` (see the README, Downloads).
- `figure(label, value, delta, trend, help, beside)`: a headline figure with a monthly sparkline
  (a line over the months with a figure, hidden ones left out; none with under three months,
  `sparkline`; `beside`: the same figure for the country, "Hele landet: 931").
- `calm_reruns()`: the elements (and the section tabs' bar) of a page that is running again dim
  at once, without Streamlit's one-second fade (the router calls it on every run).
- `streamlit_texts()`: Streamlit's own English ("Skip to main content", "No results", ...) and
  the page's `lang` in the reader's language (the router calls it on every run).
- `beside_country(value)`: 'Hele landet: 931' under a card, the country's figure beside the
  view's (pages get the country's view from `data.country(scope, filters)`).
- `hides_small(level)`, `hidden_rule(key)`, `suppression_note(*flags)`: a claim that small figures
  are left out, made only where the data layer hides them (`data.treatment`, `suppressed` flags).
- `population_note(level)`, `population_of(level)`, `population_text(population)`: whom the
  figures count ("København", "Hele landet", "Dine forløb"), from `app.data.population`; every
  chart caption (`chart_block`) and case list (`case_list`) carries it.
- `value_text(value, hidden, kind)`: a figure as text ("<5" when hidden).
- `case_level_only(scope)`: False (and a note why) when the viewer may not see single cases.
- `case_list(frame, shown, caption, key)`: a list of single cases capped at `LIST_ROWS` rows in
  the browser, with the whole list as an audited CSV download.
- `record_download(what, user)`: the audit-trail entry for a download (made with its file).
- `download(label, make, key, kind)`: an audited download button; every download goes through it.
- `document_download(make_label, label, make, key, file_name)`: a document (PDF) made on a
  click, audited as it is made, then offered for download.
- `record_search(kind)`: the case or worker page's search box; the id lives in the URL (`?id=`).
- `search_opens(kind, key)`: a search box elsewhere that opens the case or worker page.
- `freshness()`: the as-of date and the last load.
- `no_match()`: the "filters match nothing" message.
- `sections(key, [(label_key, draw), ...])`: a long page's sections as tabs; only the open one
  runs (its queries, charts and browser work), and it stays open across a language switch.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

import altair as alt
import polars as pl
import streamlit as st

import texts
from app import charts, data, i18n, suppression
from app.filters import Filters
from app.i18n import t
from app.scope import Scope
from texts.vocabulary import CODE_COLUMNS, CODE_LABELS, COLUMN_LABELS

log = logging.getLogger(__name__)
SMALL_COUNT = 2  # a count that takes the plural form, for an n hidden as small ('<5 cases')
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


MIME_TYPES = {"csv": "text/csv", "png": "image/png", "pdf": "application/pdf"}


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


def document_download(
    make_label: str, label: str, make: Callable[[], bytes], key: str, file_name: str
) -> None:
    """A document made on request: a button makes it (with a spinner; it takes seconds), the
    audit-trail entry is written as it is made, then a download button hands it over.

    The made file is kept in the session under `key` for this `file_name` only, so reruns do
    not make it again and another case or period needs a click of its own. `make` may raise
    ValueError (reports.ReportError) with a message for the reader.
    """
    store = f"_document_{key}"
    made = st.session_state.get(store)
    if made is not None and made[0] != file_name:
        made = None
    if made is None:
        if not st.button(make_label, key=f"{key}_make"):
            return
        try:
            with st.spinner(t("components.making_the_document")):
                body = make()
        except ValueError as error:  # e.g. an empty period: one readable line
            st.error(str(error))
            return
        record_download(file_name)
        made = (file_name, body)
        st.session_state[store] = made
    kind = file_name.rsplit(".", 1)[-1]
    st.download_button(label, data=made[1], file_name=file_name, mime=MIME_TYPES[kind],
                       key=f"{key}_{kind}", on_click="ignore")  # fmt: skip


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


# While a page runs again, Streamlit dims each element not yet redrawn ("stale") to a third, as a
# one-second CSS fade starting half a second into the run. The fade makes Chromium promote every
# element to a layer of its own and draw the page anew on every frame for that second: 0.2-0.4
# CPU s per run in a tab without a GPU, most of a tab's cost while it waits (benchmarks.viewcost;
# with 25 sessions on one machine, the cores the server needs). Without the transition the
# elements still dim, at once; Streamlit 1.67 has no option for it (no theme or config key).
# The bar of a page's section tabs (components.sections) fades the same way on every run: a tab
# waiting for a tabbed page spent 40-45 CPU ms a second with it, 10-15 without (viewcost's hold).
CALM_RERUNS_CSS = (
    "<style>[data-stale='true'], [data-testid='stExpander'] summary, "
    "[data-testid='stTabs'] [role='tablist'] { transition: none !important; }</style>"
)


def calm_reruns() -> None:
    """Stale elements dim without a fade (style only: it takes no room on the page)."""
    st.html(CALM_RERUNS_CSS)


# Streamlit 1.67 writes texts of its own in English, with no option or argument to change
# them: the "Skip to main content" link first on every page (for keyboard and screen reader
# users), "No results" in a select box's list when the typed filter matches nothing, "Press
# Enter to apply" under a search box being typed in, and the status while a page runs or the
# connection is lost (as the text and the screen reader's label of the icon). The page's
# language is `lang="en"` in Streamlit's index.html too. This script sets the page's language
# and puts those texts in the reader's words in the document itself (texts, and the aria-label
# and title a screen reader or a tooltip reads), also as Streamlit draws them anew. Only a text
# or label that is exactly one of these is changed. It holds catalogue texts only, never data.
STREAMLIT_TEXTS = {
    "Skip to main content": "components.streamlit.skip_to_main_content",
    "No results": "components.streamlit.no_results",
    "Press Enter to apply": "components.streamlit.press_enter_to_apply",
    "Press Enter to submit form": "components.streamlit.press_enter_to_submit_form",
    "Running...": "components.streamlit.running",
    "Stopping...": "components.streamlit.stopping",
    "Connecting": "components.streamlit.connecting",
    "Connecting to Streamlit server": "components.streamlit.connecting_to_the_server",
    "Unable to connect to Streamlit server": "components.streamlit.unable_to_connect",
    "Connection error": "components.streamlit.connection_error",
    "Streamlit server is not responding. Are you connected to the internet?":
        "components.streamlit.server_not_responding",
    "Connection timed out.": "components.streamlit.connection_timed_out",
}  # fmt: skip
STREAMLIT_TEXTS_JS = """(() => {
  window.__latTexts = %s;
  document.documentElement.lang = window.__latTexts.lang;
  const LABELS = ["aria-label", "title"];
  const word = (text) => window.__latTexts.words[(text || "").trim()];
  const fixText = (text) => {
    const found = word(text.nodeValue);
    if (found !== undefined && text.nodeValue !== found) text.nodeValue = found;
  };
  const fixLabels = (el) => {
    for (const name of LABELS) {
      const found = el.hasAttribute(name) ? word(el.getAttribute(name)) : undefined;
      if (found !== undefined && el.getAttribute(name) !== found) el.setAttribute(name, found);
    }
  };
  const swap = (root) => {  // root and what is under it (only what changed is walked)
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixLabels(root);
    for (const el of root.querySelectorAll("[aria-label], [title]")) fixLabels(el);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) fixText(node);
  };
  swap(document.body);
  if (window.__latTextsWatch) return;
  window.__latTextsWatch = new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "childList") change.addedNodes.forEach(swap);
      else swap(change.target);
    }
  });
  window.__latTextsWatch.observe(document.body, {childList: true, subtree: true,
    characterData: true, attributes: true, attributeFilter: LABELS});
})();"""


def streamlit_texts_script(language: str) -> str:
    """The script that puts Streamlit's own English texts in `language` (see STREAMLIT_TEXTS):
    every known wording of each (in any language) becomes this language's."""
    words = {}
    for english, key in STREAMLIT_TEXTS.items():
        for wording in (english, *(t(key, other) for other in i18n.LANGS)):
            words[wording] = t(key, language)
    payload = json.dumps({"lang": language, "words": words}, ensure_ascii=True)
    return "<script>" + STREAMLIT_TEXTS_JS % payload.replace("<", "\\u003c") + "</script>"


def streamlit_texts() -> None:
    """Streamlit's own English in the reader's language (the router calls it, in the sidebar:
    the element takes no room there that a page would miss)."""
    st.sidebar.html(streamlit_texts_script(i18n.lang()), unsafe_allow_javascript=True)


# what a click on a table row opens: record kind -> the page under pages/ (url path `kind`)
RECORD_PAGES = {"case": "case.py", "worker": "worker.py"}
OPEN_REQUEST_KEY = "_lat_open_record"  # (kind, id) of a clicked row, opened by the router
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"


def table(
    frame: pl.DataFrame,
    *,
    key: str | None = None,
    column_config: dict | None = None,
    opens: str | None = None,
    ids: Sequence[str | None] | None = None,
    wrap: bool = False,
    fill: str | None = None,
    lines: int = 2,
    details: Callable[[int], None] | None = None,
) -> None:
    """A table across the page, without Streamlit's own download, copy and search controls.
    `wrap`: rows `lines` lines high (two: `WRAPPED_ROW_HEIGHT`), long texts wrapped. `fill`: the column
    (its shown name, the last) that takes all the width the others leave (`fill_config`).

    `opens` ("case" or "worker") with `ids` (one per row of `frame`): clicking a row opens that
    record's page (`open_record`, from the router's next run: `open_clicked_record`); the table
    needs a `key` then. `details` (with a `key`): a click on a row selects it, and
    `details(row)` draws what is below the table for the selected row (its number in `frame`),
    e.g. its cells whole where the table cuts them.
    Numbers, yes/no and blanks are shown as text in the reader's formats (Streamlit would print
    1517, 0.5, 'true' and an empty cell whatever the language); numbers, and the figures a page
    wrote as text ('<5', '26 % (103)'), are aligned right (`table_config`).
    """
    lock_exports()
    if frame.is_empty():  # Streamlit's empty table says "empty", in English
        st.caption(t("no_rows"))
        return
    shown, numeric = readable(frame)
    config = table_config(numeric, column_config)
    if fill is not None:
        config = fill_config(shown.columns, fill, config)
    rows = wrapped_row_height(lines) if wrap else None
    # two-line rows in the grid's default height left five rows in view: ten, as with one line
    height = rows * min(frame.height, 10) + 40 if rows else "auto"
    if details is not None:
        if key is None:
            raise ValueError("a table with row details needs a key")
        event = st.dataframe(
            shown, hide_index=True, width="stretch", key=key, column_config=config,
            on_select="rerun", selection_mode="single-row", row_height=rows, height=height,
        )  # fmt: skip
        chosen = selected_id(event, [str(i) for i in range(frame.height)])
        if chosen is not None:
            details(int(chosen))
        return
    if opens is None:
        st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config,
                     row_height=rows, height=height)  # fmt: skip
        return
    if opens not in RECORD_PAGES or ids is None or len(ids) != frame.height or key is None:
        raise ValueError("a clickable table needs a known record kind, a key and one id per row")
    st.dataframe(
        shown, hide_index=True, width="stretch", key=key, column_config=config,
        on_select=partial(_row_clicked, key, opens, list(ids)), selection_mode="single-row",
        row_height=rows, height=height,
    )  # fmt: skip


def _row_clicked(key: str, kind: str, ids: list[str | None]) -> None:
    """A clickable table's selection callback: note the clicked row's record for the router
    (`open_clicked_record`), which opens it before anything of the list page runs again."""
    chosen = selected_id(st.session_state.get(key), ids)
    if chosen is not None:
        st.session_state[OPEN_REQUEST_KEY] = (kind, chosen)


def open_clicked_record() -> None:
    """For the router, once the pages are known: open the record of a row clicked in a table
    (`table` with `opens`). Opened from the list page's own run, the click would first draw the
    whole list page again (its queries, charts and table) only to leave it."""
    wanted = st.session_state.pop(OPEN_REQUEST_KEY, None)
    if wanted is not None:
        open_record(*wanted)


def selected_id(event: object, ids: Sequence[str | None]) -> str | None:
    """The id of the row selected in a dataframe's selection `event`, or None."""
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    rows = (selection or {}).get("rows") if isinstance(selection, dict) else None
    if rows is None:
        rows = getattr(selection, "rows", None) or []
    if not rows or not 0 <= rows[0] < len(ids):
        return None
    return ids[rows[0]]


def record_url_params(record_id: str) -> dict[str, str]:
    """The query parameters of a case or worker page: the id, and the language when English."""
    params = {"id": record_id}
    if i18n.lang() == "en":
        params["lang"] = "en"
    return params


def open_record(kind: str, record_id: str) -> None:
    """Go to the case or worker page of `record_id` (the id rides in the URL, as in a link)."""
    st.switch_page(PAGES_DIR / RECORD_PAGES[kind], query_params=record_url_params(record_id))


# Streamlit's data grid wraps a cell's text only in rows taller than 4rem (64 px): two lines
WRAPPED_ROW_HEIGHT = 66
LINE_HEIGHT = 21  # each further line of a wrapped cell (the grid's 14 px font)


def wrapped_row_height(lines: int) -> int:
    """The height of a table row that shows `lines` lines of a wrapped cell (two at least)."""
    return WRAPPED_ROW_HEIGHT + LINE_HEIGHT * (max(lines, 2) - 2)


class Header(NamedTuple):
    """A table column's header: the catalogue key of its text, of its whole meaning on hover
    (`help`: for a header kept short so that the table fits a 1280 px projector) and its width
    in px.

    It has no number format: `table` writes every number in the reader's format (texts/formats.py,
    `readable`) before Streamlit sees it, so a Streamlit format would have nothing to format."""

    text: str
    help: str | None = None
    width: int | None = None


Headers = Mapping[str, Header | str]  # column -> its header; a bare key: the text, nothing more


def _header(given: Header | str) -> Header:
    return given if isinstance(given, Header) else Header(given)


def without_empty(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`frame` without those of `columns` that hold nothing for this reader (all null: names
    nobody here may read, an age not shown): no column of dashes."""
    return frame.drop([c for c in columns if c in frame.columns and frame[c].is_null().all()])


def headed(frame: pl.DataFrame, headers: Headers) -> pl.DataFrame:
    """`frame` with each column named in `headers` under its header in the reader's language
    (the others as they are)."""
    return frame.rename({c: t(_header(h).text) for c, h in headers.items() if c in frame.columns})


def header_config(headers: Headers, *, hover_headers: bool = False, **values: object) -> dict:
    """The column_config of `headers` for `table` (by the headers shown, as `headed` names
    them): each column's help on hover, its placeholders filled from `values`, and its width.
    `hover_headers`: a column without help of its own shows its header on hover (a narrow
    column cuts it)."""
    config = {}
    for given in headers.values():
        header = _header(given)
        help_key = header.help or (header.text if hover_headers else None)
        if help_key is None and header.width is None:
            continue
        help_text = None if help_key is None else t(help_key, **values)
        config[t(header.text)] = st.column_config.Column(help=help_text, width=header.width)
    return config


def table_config(numeric: Sequence[str], column_config: dict | None = None) -> dict:
    """st.dataframe's column_config: the `numeric` columns aligned right, with a page's own
    settings (width, help) laid over them; a page's alignment, when it gives one, wins."""
    config = {name: st.column_config.Column(alignment="right") for name in numeric}
    for name, settings in (column_config or {}).items():
        given = {part: value for part, value in settings.items() if value is not None}
        config[name] = {**config.get(name, {}), **given}
    return config


def fill_config(columns: Sequence[str], fill: str, config: dict) -> dict:
    """`config` with every column but `fill` pinned, so that `fill` alone takes the spare width.

    Streamlit's grid gives the width a stretched table has over its columns' widths to every
    unpinned column in equal parts: at 1920 px a two-line column of reasons still wrapped while
    a score column stood 170 px wide. A pinned column keeps its width (or its content's); pinned
    columns stand first, so `fill` must be the last column."""
    if not columns or columns[-1] != fill:
        raise ValueError(f"the column that fills the width must be the last: {fill!r}")
    pinned = {name: {**config.get(name, {}), "pinned": True} for name in columns[:-1]}
    return {**config, **pinned, fill: {**config.get(fill, {}), "pinned": False}}


# A cell of a number column as pages write it ('1.517', '+2,0', '-3', '45 %', '26 % (103)',
# '< 0,001', a band '40-49', '30+', '<10'): Streamlit aligns text left, so such a column is
# aligned right
_NUMBER = r"(?:[<>] ?)?[+\-\u2212]?\d[\d.,\u00a0\u202f ]*(?:[\u00a0 ]?%)?(?:[-\u2013]\d+|\+)?"
NUMBER_TEXT = re.compile(rf"{_NUMBER}(?: \({_NUMBER}\))?")


def is_number_text(values: Sequence[str | None], language: str | None = None) -> bool:
    """Are `values` the cells of a column of numbers: each a number as text, the mark of a
    hidden figure ('<5', 'skjult') or missing ('–'), and at least one a number or a mark?"""
    marks = {i18n.SUPPRESSED, t("hidden", language)}
    cells = {value for value in values if value is not None and value not in ("", i18n.MISSING)}
    return bool(cells) and all(c in marks or NUMBER_TEXT.fullmatch(c) for c in cells)


def _cell(value: object, whole: bool, language: str) -> str:
    if i18n.is_missing(value):
        return i18n.MISSING
    if isinstance(value, bool):
        return t("yes" if value else "no", language)
    return i18n.fmt_int(value, language) if whole else i18n.fmt_number(value, 1, language)


# the column of group names in the pages' tables of figures per group ('Gruppe')
GROUP_COLUMN = "common.label"


def readable(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """`frame` with every number, yes/no and blank as the reader's text; the columns of numbers
    (numeric, or text that reads as numbers: `is_number_text`; never the groups' names,
    `GROUP_COLUMN`)."""
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
            if name == t(GROUP_COLUMN, language):
                continue  # the groups' names: age bands ('18-24', '<18') read as numbers
            if is_number_text(frame[name].unique().to_list(), language):
                numeric.append(name)  # figures the page wrote as text, '<5' among them
            continue
        else:
            continue
        # each distinct value's text made here, in the page's thread (i18n.labelled): through
        # map_elements every cell was a call back into Python from polars' threads, each
        # waiting for the interpreter lock behind every other session's run (seconds a table
        # under load, and polars' few threads held meanwhile from every other session's work)
        values = frame[name].fill_nan(None) if dtype.is_float() else frame[name]
        exprs.append(
            i18n.labelled(values, lambda v, whole=whole: _cell(v, whole, language), nulls=True)
        )
    return (frame.with_columns(exprs) if exprs else frame), numeric


# A text cell starting with one of these is a formula to Excel ("CSV injection", OWASP).
_FORMULA_START = r"^[=+\-@\t\r]"


# Danish Excel reads a CSV by the machine's list separator (';' where the decimal sign is ',') and
# guesses the encoding unless the file starts with a BOM; English Excel expects ',' and '.'.
CSV_DIALECTS = {
    "da": {"separator": ";", "decimal_comma": True, "date_format": "%d-%m-%Y"},
    "en": {"separator": ",", "decimal_comma": False, "date_format": "%Y-%m-%d"},
}
_YES_NO = {"da": ("Ja", "Nej"), "en": ("Yes", "No")}


def csv_header(column: str, language: str | None = None) -> str:
    """A download's column header in the reader's language; unknown columns keep their name."""
    if column in COLUMN_LABELS:
        return t(COLUMN_LABELS[column], language)
    for suffix, label in (("_suppressed_by", "suppressed_by"), ("_suppressed", "suppressed")):
        base = column.removesuffix(suffix)
        if base != column:
            return f"{t(COLUMN_LABELS[label], language)}: {csv_header(base, language)}"
    return column


def _code_kind(column: str) -> str | None:
    if column.endswith("_suppressed_by"):
        return "suppressed_by"
    return CODE_COLUMNS.get(column)


def _readable(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """Codes as the reader's words and booleans as Ja/Nej; empty cells stay empty."""
    yes, no = _YES_NO[language]
    changes = []
    for name, dtype in frame.schema.items():
        kind = _code_kind(name)
        if kind and dtype == pl.String:
            labels = {code: t(words, language) for code, words in CODE_LABELS[kind].items()}
            changes.append(pl.col(name).replace(labels))
        elif dtype == pl.Boolean:
            changes.append(
                pl.when(pl.col(name)).then(pl.lit(yes)).when(~pl.col(name)).then(pl.lit(no))
                .otherwise(None).alias(name)
            )  # fmt: skip
    return frame.with_columns(changes) if changes else frame


def csv_bytes(frame: pl.DataFrame, language: str | None = None) -> bytes:
    """A CSV that opens as it should in Excel of the reader's language (Danish by default):
    `;` between cells, decimal commas, dd-mm-yyyy dates, a BOM so æ, ø, å read right, the
    headers and code values in words, Ja/Nej; text cells never run as formulas."""
    language = language if language in i18n.LANGS else i18n.lang()
    frame = _readable(frame, language)
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
    headers = {name: csv_header(name, language) for name in safe.columns}
    if len(set(headers.values())) < len(headers):  # two columns with one header: keep the names
        headers = {name: name for name in safe.columns}
    safe = safe.rename(headers)
    return safe.write_csv(**CSV_DIALECTS[language]).encode("utf-8-sig")


PAGE_TITLE_KEY = "_lat_page_title"  # set by run_page: a chart's PNG title when it has none


def slide_facts(n_note: str, who: str, language: str | None = None) -> list[str]:
    """The facts a chart's PNG carries under its title: period, population (`who`, from
    `population_of`), n and the as-of date."""
    filters = data.current_filters()
    period = f"{i18n.fmt_month(filters.from_month, language)} – " \
             f"{i18n.fmt_month(filters.to_month, language)}"  # fmt: skip
    as_of = t("components.data_as_of_d", language, d=i18n.fmt_date(data.as_of(), language))
    return [period, who, n_note, as_of]


def population_text(population: data.Population, in_sentence: bool = False) -> str:
    """'København', 'København og Odense', 'Hele landet', 'Dine forløb' (+ '(filtreret)');
    `in_sentence`: as a sentence names it ('medianen for hele landet', 'of the whole country')."""
    suffix = "_in_sentence" if in_sentence else ""
    if population.kind == "own_cases":
        who = t("population_own_cases" + suffix)
    elif population.kind == "country":
        who = t("population_country" + suffix)
    elif len(population.names) == 1:
        who = population.names[0]
    else:
        who = f"{', '.join(population.names[:-1])} {t('population_and')} {population.names[-1]}"
    return t("population_narrowed", who=who) if population.narrowed else who


def population_of(
    level: str = "aggregate", filters: Filters | None = None, in_sentence: bool = False
) -> str:
    """The population text of this run's viewer and filters (or `filters`) at `level`."""
    chosen = data.current_filters() if filters is None else filters
    return population_text(data.population(data.current_scope(), chosen, level), in_sentence)


def population_note(level: str = "aggregate", filters: Filters | None = None) -> None:
    """'Tal for: København' above a group of cards: whom the figures below count."""
    st.caption(t("population_figures", who=population_of(level, filters)))


def beside_country(value: str | None) -> str | None:
    """'Hele landet: 931' under a card: the country's figure (`value`, as shown) beside the
    view's, as `figure(beside=...)` takes it; None (no line) where there is no country figure
    (`data.country` is None: the view is the country, or the viewer counts their own cases)."""
    if value is None:
        return None
    return t("population_beside", who=population_text(data.Population("country")), value=value)


def hides_small(level: str = "aggregate") -> bool:
    """Does the data layer hide small figures in this run's view at `level`
    (`data.suppression_on`)? A worker's own cases, or a coordinator's own municipality, are
    exact."""
    return data.suppression_on(data.current_scope(), data.current_filters(), level)


def hidden_rule(key: str, level: str = "aggregate", **values: object) -> str:
    """The text of `key` (a claim that small figures are left out: 'Tal under 5 er udeladt.')
    where this view hides them, else nothing: an exact view hides none."""
    return t(key, **values) if hides_small(level) else ""


def suppression_note(*flags: object, level: str = "aggregate") -> None:
    """The suppression rule in words under a page's figures, only where something is hidden or
    may be: any of `flags` (a frame's or a figure's `suppressed`: a Series or a bool) true;
    given none, where the view's treatment hides small figures (`hides_small`)."""
    hidden = suppression.any_hidden(*flags) if flags else hides_small(level)
    if hidden:
        st.caption(t("suppressed_note"))


def chart_block(
    chart: alt.TopLevelMixin,
    data: pl.DataFrame,
    how_to_read: str,
    n: int | None,
    key: str,
    *,
    unit: str | None = None,
    level: str = "aggregate",
    population: str | None = None,
    title: str | None = None,
    empty: str | None = None,
    hidden: str | None = None,
) -> None:
    """Chart + how to read it + n and whom it counts + CSV and PNG downloads (the PNG is
    rendered only on click). `level` is the query's ("case" for rows of single cases): the
    caption names the population the data layer counted at that level ("n = 162 forløb ·
    København"); `population` names it instead when the n is of another population than the
    view's (the national reference a chart draws the viewer's cases against).

    `unit` is the catalogue key (plural forms) of what n counts when it is not cases.
    When `data` has nothing to draw (no rows, or every row hidden), a sentence says so instead
    of an empty frame of axes. The PNG carries `title` (else the page's title) and the slide
    facts (`slide_facts`), made when the button is drawn: the file is made in a thread without
    the session. `empty`: the sentence for a chart without rows when its n is 0 (what it counts
    that there is none of), instead of the general one. `hidden`: the catalogue key of the
    sentence that says small figures are left out, added only where this view hides them
    (`hidden_rule`): a worker's own exact figures hide none.
    """
    if hidden is not None:
        how_to_read = " ".join(part for part in (how_to_read, hidden_rule(hidden, level)) if part)
    if charts.drawn_rows(data) == 0:
        empty_chart(data, hidden=n is None, empty=empty)
        return
    language = i18n.lang()
    lock_exports()
    st.vega_lite_chart(charts.localized_spec(chart, language), theme=None, width="stretch",
                       key=f"{key}_chart")  # fmt: skip
    n_note = n_text(n, unit, language)
    who = population or population_of(level)
    st.caption(f"{how_to_read} {n_note} · {who}")
    heading = title or st.session_state.get(PAGE_TITLE_KEY) or ""
    facts = slide_facts(n_note, who, language)
    # side by side at their own width (fixed column shares cut the labels in a narrow column,
    # as beside the Jacobson plot's constants at 1280 px: 'Hent data (…')
    with st.container(horizontal=True, key=f"{key}_downloads"):
        download(t("download_csv"), lambda: csv_bytes(data, language), key, "csv")
        download(t("download_png"), lambda: chart_png(chart, heading, facts, language), key,
                 "png")  # fmt: skip


def n_text(n: int | None, unit: str | None = None, language: str | None = None) -> str:
    """'n = 162 forløb' / 'n = 1 case' under a chart: the count's noun in its plural form
    (`unit`: a catalogue key of plural forms, else cases); n None is hidden as small ('<5')."""
    language = language or i18n.lang()
    shown = i18n.SUPPRESSED if n is None else i18n.fmt_int(n, language)
    count = SMALL_COUNT if n is None else n  # '<5 cases': the plural form
    if unit is None:
        return texts.plural("n_behind", count, language, n=shown)
    return t("n_of_unit", language, n=shown, unit=texts.plural(unit, count, language))


def chart_png(
    chart: alt.TopLevelMixin, title: str, facts: list[str], language: str | None = None
) -> bytes:
    """The PNG a chart's download gives: the chart with its title and facts, for a slide."""
    return charts.to_png(charts.for_slide(chart, title, facts), language)


def empty_chart(data: pl.DataFrame, hidden: bool = False, empty: str | None = None) -> None:
    """The sentence in place of a chart with nothing to draw, naming the cause: every figure
    hidden as small (rows all hidden, or none left and the total `hidden` too: the suppression
    rule in words), else none to count (`empty`, or the general sentence)."""
    if data.height or hidden:
        st.info(t("components.every_figure_here_is_hidden"))
    else:
        st.info(empty or t("components.no_figures_to_show_here"))


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


# a sparkline of fewer months with a figure is no trend: a lone bar and a speck at 1280 px (a
# worker's WHO-5 cards, two closed cases in a year); the card shows its figure alone then
SPARKLINE_MIN_MONTHS = 3


def sparkline(points: Sequence[float]) -> list[float] | None:
    """The sparkline's points with the hidden months (NaN) left out, or None when fewer than
    SPARKLINE_MIN_MONTHS have a figure. Always drawn as one line (`sparkline_svg`): a line broken
    at every gap left single months as specks ('. .  .' at 1280 px), and bars (as once for a
    series with a gap) read as a barcode when every month is 100 %."""
    shown = [p for p in points if p == p]
    return shown if len(shown) >= SPARKLINE_MIN_MONTHS else None


# The sparkline is drawn here as a small SVG line, not as st.metric's chart: Streamlit's own
# sparkline is a Vega chart with its data in its spec, so each new period embedded every card's
# chart again (the overview's ten). As an SVG, a period change there costs its Chromium tab
# about 18 % less CPU (1,055-1,150 ms against 865-945 ms, A/B, docs/operations.md). The line is
# decorative (the card's figure is the number) and takes the card's width; it is shown as an
# image (a data URI): st.html keeps only HTML, and takes an <svg> out.
SPARKLINE_HEIGHT_PX = 40
SPARKLINE_COLOUR = "#1F5F8B"  # the theme's primary colour (.streamlit/config.toml)
SPARKLINE_WIDTH = 100  # the viewBox's width; drawn at the card's width (preserveAspectRatio none)
SPARKLINE_PAD = 3  # px of the viewBox's height kept free above and below the line


def sparkline_svg(points: Sequence[float]) -> str:
    """`points` (as `sparkline` gives them) as an SVG polyline over the card's width: the first
    month at the left edge, the last at the right, the highest value at the top and the lowest at
    the bottom (a flat series in the middle)."""
    low, high = min(points), max(points)
    inner = SPARKLINE_HEIGHT_PX - 2 * SPARKLINE_PAD
    step = SPARKLINE_WIDTH / max(len(points) - 1, 1)
    coords = " ".join(
        f"{i * step:.2f},"
        f"{SPARKLINE_PAD + (inner / 2 if high == low else (high - p) / (high - low) * inner):.2f}"
        for i, p in enumerate(points)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {SPARKLINE_WIDTH} {SPARKLINE_HEIGHT_PX}" preserveAspectRatio="none" '
        f'width="100%" height="100%">'
        f'<polyline points="{coords}" fill="none" stroke="{SPARKLINE_COLOUR}" stroke-width="2" '
        f'stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"/>'
        f"</svg>"
    )


def sparkline_html(points: Sequence[float]) -> str:
    """`sparkline_svg(points)` as an image the card's width (st.html keeps images, not SVG)."""
    encoded = base64.b64encode(sparkline_svg(points).encode()).decode()
    return (
        f'<img class="lat-sparkline" alt="" aria-hidden="true" '
        f'src="data:image/svg+xml;base64,{encoded}" '
        f'style="display:block;width:100%;height:{SPARKLINE_HEIGHT_PX}px">'
    )


def figure(
    label: str,
    value: str,
    delta: str | None = None,
    trend: Sequence[float | None] | None = None,
    help: str | None = None,
    delta_color: str = "off",
    beside: str | None = None,
    border: bool = True,
) -> None:
    """One headline figure (st.metric) with its monthly sparkline under it in the same card (a
    line over the months with a figure: `sparkline`, drawn by `sparkline_svg`).
    `beside`: the comparison under the card ("Hele landet: 931"); `border` False inside a card
    of `card_row` (the card draws it)."""
    st.html(METRIC_LABEL_CSS)
    # a hidden month is None or NaN, left out by `sparkline`
    points = sparkline([float("nan") if p is None else float(p) for p in (trend or [])])
    with st.container(border=True) if border and points else contextlib.nullcontext():
        st.metric(
            label,
            value,
            delta=delta,
            delta_color=delta_color,
            help=help,
            border=border and not points,
        )
        if points:
            st.html(sparkline_html(points))
    if beside:
        st.caption(beside)


def card_row(count: int, key: str) -> list:
    """`count` bordered cards side by side, stretched to the height of the tallest: a row where
    only one figure has a sparkline stood uneven (the first card taller than the other three).
    Draw each with `figure(..., border=False)` inside `with card:`."""
    row = st.container(horizontal=True, vertical_alignment="distribute", key=key)
    return [row.container(border=True, width="stretch") for _ in range(count)]


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
    opens: str | None = None,
    population: str | None = None,
    wrap: bool = False,
    fill: str | None = None,
) -> None:
    """A list of single cases: `caption`, the first `LIST_ROWS` rows of `frame` as `present`
    puts them in the reader's columns and formats, and all of `frame` as a CSV download.
    `column_config` (by the shown column names) as st.dataframe's. `opens` "case" or "worker":
    a click on a row opens the page of its `case_id` or `worker_id` (see `table`).
    `population` names whom the list holds when it is not the view's cases (`population_of`).
    `wrap`: two-line rows, `fill`: the last column takes the spare width (see `table`).

    Only the rows shown are formatted (formatting runs in Python, row by row). The download is
    audited: the rows are case-level (pseudonyms).
    """
    st.caption(f"{caption} · {population or population_of('case')}")
    shown = frame.head(LIST_ROWS)
    ids = shown[f"{opens}_id"].to_list() if opens else None
    table(present(shown), key=key, column_config=column_config, opens=opens, ids=ids, wrap=wrap,
          fill=fill)  # fmt: skip
    if frame.height > LIST_ROWS:
        st.caption(t("components.shows_the_first_k_download", k=i18n.fmt_int(LIST_ROWS)))
    label = t("components.download_the_list_csv")
    language = i18n.lang()  # the file is made in a thread without the session
    download(label, lambda: csv_bytes(frame, language), key, "csv")


SEARCH_LABELS = {
    "case": "components.search_labels.case",
    "worker": "components.search_labels.worker",
}


def _searched(kind: str) -> None:
    typed = str(st.session_state.get(f"{kind}_search") or "").strip()
    if typed:
        st.query_params["id"] = typed
    elif "id" in st.query_params:
        del st.query_params["id"]


def record_id() -> str | None:
    """The case or worker id of this page's URL (`?id=...`), trimmed; None when absent."""
    value = st.query_params.get("id")
    text = value.strip() if isinstance(value, str) else ""
    return text or None


def record_search(kind: str, default: str | None = None) -> str | None:
    """The search box of the case or worker page; returns the id to show (from the URL, which
    the box writes, so a link and a search are the same thing). Without an id in the URL,
    `default` (a worker's own id) is shown and written to the URL, as if they had searched it."""
    wanted = record_id()
    if wanted is None and default:
        wanted = st.query_params["id"] = default
    st.session_state[f"{kind}_search"] = wanted or ""
    st.text_input(t(SEARCH_LABELS[kind]), key=f"{kind}_search", on_change=_searched,
                  args=(kind,), max_chars=64)  # fmt: skip
    return wanted


def requested_record(
    kind: str,
    find: Callable[[str], dict | None],
    ask: str,
    not_found: str,
    default: str | None = None,
) -> dict | None:
    """The record the case or worker page shows: the search box (`record_search`), then
    `find(id)` from the data layer; the `ask` text when no id is given, `not_found` when the id
    names no record this viewer may see (an unknown and an out-of-scope id read alike).
    `default`: the id shown when the URL names none (`record_search`)."""
    wanted = record_search(kind, default)
    if wanted is None:
        st.info(t(ask))
        return None
    found = find(wanted)
    if found is None:
        st.warning(t(not_found))
    return found


def search_opens(kind: str, key: str) -> None:
    """A search box on a list page that opens the case or worker page of the id typed."""
    typed = st.text_input(t(SEARCH_LABELS[kind]), key=key, max_chars=64).strip()
    if typed:
        open_record(kind, typed)


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


Section = tuple[str, Callable[[], None]]  # (the tab's catalogue key, what draws it)


def sections(key: str, parts: Sequence[Section]) -> None:
    """A page's sections as tabs, of which only the open one runs and is drawn.

    A tab switch runs the page again (`on_change="rerun"`), so the sections the reader does not
    look at cost neither queries nor browser work. The open tab is kept by its place, so it
    stays open when the reader switches language (the labels change; `key` holds the label).
    """
    labels = [t(label) for label, _ in parts]
    place = min(st.session_state.get(f"{key}{_SECTION_PLACE}", 0), len(labels) - 1)
    if st.session_state.get(key) not in labels:  # the other language's label (or none yet)
        st.session_state[key] = labels[place]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    for index, (tab, (_, draw)) in enumerate(zip(tabs, parts, strict=True)):
        if tab.open:
            st.session_state[f"{key}{_SECTION_PLACE}"] = index
            with tab:
                draw()


_SECTION_PLACE = "_place"


def run_page(title_key: str, render: Callable[[], None]) -> None:
    """Title, empty-warehouse guidance, and the page body with errors turned into messages."""
    st.title(t(title_key))
    st.session_state[PAGE_TITLE_KEY] = t(title_key)
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
