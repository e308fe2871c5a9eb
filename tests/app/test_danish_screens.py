"""Every page, as every role, in Danish: numbers in Danish formats, no raw codes, no English.

Mechanism tests over what the pages actually draw (texts, figures, table headers and cells,
widget labels and choices), not checks of single sentences: a new text that prints '1.5',
'1517', 'page_view' or 'Select all' fails here wherever it appears.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app_fixtures import each_tab, page_as, section_tabs
from tests.support.wording import da, en

PAGES = ("overview", "attention", "progression", "fidelity", "prepost", "caseloads",
         "data_quality")  # fmt: skip
VIEWERS = {
    "national": {"role": "national"},
    "coordinator": {"role": "coordinator", "municipalities": ("751",)},
    "worker": {"role": "worker", "municipalities": ("101",), "worker_id": "W101-1"},
    "viewer": {"role": "viewer"},
}

# a decimal point ('1.5', '0.75'); Danish thousands ('1.517') have three digits after the point
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])")
# a number of four or more digits without separators, other than a year (2026)
UNGROUPED = re.compile(r"(?<![\w.,])(?!(?:19|20)\d\d(?![\d]))\d{4,}(?![\w.,]*\d)")
# an English thousands separator ('1,517'); a Danish decimal comma has one or two digits
ENGLISH_THOUSANDS = re.compile(r"(?<![\d,])[1-9]\d{0,2},\d{3}(?![\d])")
# a warehouse code or column name: lower-case words joined by underscores (d_av is a measure's
# name as the literature writes it)
SNAKE = re.compile(r"\b(?!d_av\b)[a-z]+(?:_[a-z0-9]+)+\b")
ENGLISH = re.compile(r"\b(Select all|Choose an option|None|null|NaN|nan|True|False|empty)\b")


def shown_texts(at: AppTest) -> list[str]:
    """What a reader sees: texts, figures, table headings and cells, widget labels and options."""
    texts = [e.value for kind in ("markdown", "caption", "title", "subheader", "header")
             for e in getattr(at, kind)]  # fmt: skip
    texts += [e.body for e in [*at.info, *at.warning, *at.error, *at.success]]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    for table in at.dataframe:
        frame = table.value
        texts += [str(c) for c in frame.columns]
        texts += [str(v) for column in frame.columns for v in frame[column].tolist()]
    for widget in [*at.selectbox, *at.multiselect, *at.radio]:
        texts.append(widget.label)
        texts += [str(o) for o in widget.options]
    texts += [w.label for w in [*at.button, *at.toggle, *at.checkbox]]
    for chart in at.get("vega_lite_chart"):
        texts += chart_titles(json.loads(chart.proto.spec))
    return [t for t in texts if t]


def chart_titles(spec: object) -> list[str]:
    """The titles a chart prints (axes, legends, tooltips); a channel without a title prints
    its field name, which comes back as 'untitled:<field>' (tested below)."""
    found = []
    if isinstance(spec, dict):
        for channel, value in spec.get("encoding", {}).items():
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict) or "field" not in item or channel in SILENT:
                    continue
                if item.get("axis", {}) is None or item.get("legend", {}) is None:
                    continue  # no axis or legend drawn: no title
                title = item.get("title", f"{UNTITLED}{item['field']}")
                if title is not None:
                    found += title if isinstance(title, list) else [str(title)]
        for key, value in spec.items():
            if key != "encoding":
                found += chart_titles(value)
    elif isinstance(spec, list):
        for value in spec:
            found += chart_titles(value)
    return found


# channels that draw no title: positions within a band, the order of marks, their detail, the
# text a text mark prints (its value, not its name), a range's second end (x2 takes x's title)
SILENT = {"xOffset", "yOffset", "order", "detail", "key", "href", "description", "text", "x2",
          "y2"}  # fmt: skip
UNTITLED = "untitled:"


def _strip_markup(text: str) -> str:
    """Markdown code spans and link targets are commands and paths, not words (`lat load`)."""
    return re.sub(r"`[^`]*`|\]\([^)]*\)", "", text)


@pytest.fixture(scope="module")
def tours(app_warehouse: Path) -> dict[tuple[str, str], AppTest]:
    """(page, viewer) -> the page as run for that viewer; a page in section tabs also as
    ('page#tabN', viewer) with its N-th tab open (only the open tab runs)."""
    monkey = pytest.MonkeyPatch()
    monkey.setenv("LAT_DB", str(app_warehouse))
    done = {}
    try:
        for page in PAGES:
            for viewer, scope in VIEWERS.items():
                at = page_as(page, **scope)
                assert not at.exception, (page, viewer, at.exception)
                done[(page, viewer)] = at
                key, labels = section_tabs(at) or ("", [])
                for n, label in enumerate(labels[1:], start=2):
                    other = page_as(page, **scope)
                    other.session_state[key] = label
                    done[(f"{page}#tab{n}", viewer)] = other.run()
                    assert not other.exception, (page, n, viewer, other.exception)
    finally:
        monkey.undo()
    return done


@pytest.fixture(scope="module")
def screens(tours) -> dict[tuple[str, str], list[str]]:
    return {where: [_strip_markup(t) for t in shown_texts(at)] for where, at in tours.items()}


def _offending(screens, pattern: re.Pattern, *, untitled: bool = False) -> dict:
    """Hits of `pattern` per (page, viewer); untitled chart fields only when asked for."""
    found = {}
    for where, texts in screens.items():
        texts = [t for t in texts if t.startswith(UNTITLED) == untitled]
        hits = sorted({m.group(0) + " in: " + t[:90] for t in texts for m in pattern.finditer(t)})
        if hits:
            found[where] = hits
    return found


def test_every_page_draws_something_for_every_role(screens):
    assert all(screens[(page, viewer)] for page in PAGES for viewer in VIEWERS)


def test_no_page_prints_a_decimal_point(screens):
    assert _offending(screens, DECIMAL_POINT) == {}


def test_no_page_prints_a_large_number_without_danish_thousands_separators(screens):
    assert _offending(screens, UNGROUPED) == {}
    assert _offending(screens, ENGLISH_THOUSANDS) == {}


def test_no_page_shows_a_raw_code_or_column_name(screens):
    assert _offending(screens, SNAKE) == {}


def test_no_chart_prints_a_field_name_for_a_title(screens):
    """Vega-Lite titles an axis, legend or tooltip line by its field ('n_cases', 'month')
    unless the chart names it in the reader's words."""
    assert _offending(screens, re.compile(r"untitled:\S+"), untitled=True) == {}


# the pages the tour above leaves out (a case, a worker, a split of citizens or matching, the
# worker finder), each as a viewer who sees its charts
COORDINATOR_101 = {"role": "coordinator", "municipalities": ("101",)}
MORE_CHARTS = [("case", COORDINATOR_101, {"id": "C101-053"}),
               ("worker", COORDINATOR_101, {"id": "W101-1"}), ("citizens", {}, None),
               ("matching", {}, None), ("find_worker", COORDINATOR_101, None)]  # fmt: skip


def each_view(at: AppTest) -> Iterator[AppTest]:
    """The page as opened, or with each of its section tabs open in turn (each draws its own)."""
    tabs = section_tabs(at)
    yield from each_tab(at, tabs[0]) if tabs else [at]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize(("page", "scope", "params"), MORE_CHARTS)
def test_no_chart_of_the_other_pages_prints_a_field_name(app_db, page, scope, params, lang):
    at = page_as(page, lang=lang, params=params, **scope)
    assert not at.exception, at.exception
    charts = [chart for view in each_view(at) for chart in view.get("vega_lite_chart")]
    assert charts, page
    titles = [t for chart in charts for t in chart_titles(json.loads(chart.proto.spec))]
    assert [t for t in titles if t.startswith(UNTITLED)] == []


def test_a_tooltip_without_a_title_is_refused():
    """charts.tip titles a line from the catalogue's word for its field, or refuses it."""
    from app import charts

    assert charts.tip("n_cases:Q").to_dict()["title"] == "Forløb"
    assert charts.tip("yearmonth(month):T", "").to_dict()["format"] == charts.MONTH_FORMAT
    with pytest.raises(ValueError, match="share_on_cadence"):
        charts.tip("share_on_cadence:Q")


def test_every_tooltip_is_built_by_charts_tip():
    """Outside app/charts.py no chart builds a tooltip line itself: charts.tip titles it."""
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("app/**/*.py"), *root.glob("pages/*.py"), *root.glob("reports/*.py")]
    own = [p.relative_to(root) for p in sources if p != root / "app" / "charts.py"
           and re.search(r"alt\.Tooltip\(|tooltip=\[|tooltip=\"", p.read_text())]  # fmt: skip
    assert own == []


def test_no_page_shows_english_the_app_controls(screens):
    assert _offending(screens, ENGLISH) == {}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("1.5 forløb", DECIMAL_POINT), ("1517 forløb", UNGROUPED), ("1,517 forløb", ENGLISH_THOUSANDS),
     ("kode page_view", SNAKE), ("Select all", ENGLISH)],
)  # fmt: skip
def test_each_guard_catches_what_it_names(text, pattern):
    assert pattern.search(text)


@pytest.mark.parametrize("text", ["1.517 forløb", "0,7 point", "45 %", "okt. 2026", "d_av 0,35",
                                  "10.-90. percentil", "kommune 101", "3. feb. 2024"])  # fmt: skip
def test_the_guards_let_danish_formats_pass(text):
    for pattern in (DECIMAL_POINT, UNGROUPED, ENGLISH_THOUSANDS, SNAKE, ENGLISH):
        assert not pattern.search(text), (pattern.pattern, text)


# --- numbers line up: every table's columns of numbers are aligned right ---------------------

# what a hidden or missing figure shows instead of a number
NOT_A_NUMBER = {"<5", "skjult", "–", ""}
LETTER = re.compile(r"[^\W\d_]")


def reads_as_numbers(cells: list[object]) -> bool:
    """A column of figures to the reader: each cell a number (digits, no letters) or the mark of
    a hidden or missing one, and at least one a number or '<5'."""
    texts = [str(c) for c in cells if c is not None]
    figures = [c for c in texts if c not in NOT_A_NUMBER]
    return (bool(figures) or "<5" in texts) and all(
        re.search(r"\d", c) and not LETTER.search(c) for c in figures
    )


def left_aligned_numbers(at: AppTest) -> list[str]:
    """The columns of numbers of the page's tables that Streamlit would align left (not the
    groups' names, `components.GROUP_COLUMN`: age bands '18-24' are names there)."""
    from app import components

    groups = {da(components.GROUP_COLUMN), en(components.GROUP_COLUMN)}
    found = []
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        frame = table.value
        for column in frame.columns:
            if column in groups:
                continue
            aligned = config.get(str(column), {}).get("alignment")
            if reads_as_numbers(frame[column].tolist()) and aligned != "right":
                found.append(f"{column}: {frame[column].tolist()[:4]}")
    return found


def test_every_column_of_numbers_is_aligned_right(tours):
    """Streamlit aligns text left: a column of figures written as text ('1.517', '26 % (103)')
    with '<5' among them did not line up; components.table aligns such columns right."""
    tables = sum(len(at.dataframe) for at in tours.values())
    assert tables >= 20, "the tour saw too few tables to judge"
    found = {where: hits for where, at in tours.items() if (hits := left_aligned_numbers(at))}
    assert found == {}


@pytest.mark.parametrize(("page", "scope", "params"), MORE_CHARTS)
def test_the_tables_of_the_other_pages_align_numbers_right(app_db, page, scope, params):
    at = page_as(page, params=params, **scope)
    assert not at.exception, at.exception
    tables, left = 0, []
    for view in each_view(at):
        tables += len(view.dataframe)
        left += left_aligned_numbers(view)
    assert tables, page
    assert left == []


@pytest.mark.parametrize(
    ("cells", "numbers"),
    [(["12", "<5", "1.517"], True), (["26 % (103)", "<5", "skjult"], True), (["<5", "–"], True),
     (["+2,0", "-1,5"], True), (["W000158", "12"], False), (["3. feb. 2024"], False),
     (["–", "–"], False), (["København", "<5"], False)],
)  # fmt: skip
def test_the_guard_knows_a_column_of_numbers(cells, numbers):
    assert reads_as_numbers(cells) is numbers
