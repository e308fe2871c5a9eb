"""Data quality page: load history, rejected rows by reason, orphans; raw values for national only."""

from __future__ import annotations

import json

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app import components
from app.i18n import code_label, t
from app.queries import data_quality as q
from app.scope import Scope
from privacy.cpr import MASK, looks_like_cpr
from tests.support import grid_text
from tests.support.app_fixtures import (
    OLD_MESSAGE,
    build_app_warehouse,
    each_tab,
    everything_shown,
    page_as,
    signed_in_app,
)
from tests.support.wording import da, da_start, en
from texts import messages
from texts.messages import render
from warehouse.db import write_transaction

SERVER_FOLDER = "/srv/lat/eksporter"
TABS = "dq_tabs"
LOADS = "pages.data_quality.tabs.loads"
WAITING = "pages.data_quality.tabs.waiting"


def through_router(tab: str | None = None, lang: str | None = None) -> AppTest:
    """The page opened from the router's navigation by a national user, on the section tab
    `tab` (a catalogue key; the first when None), as a reader who clicked it before."""
    at = signed_in_app("national")
    if lang:
        at.query_params["lang"] = lang
    if tab:
        at.session_state[TABS] = t(tab, lang or "da")
    at.run()
    return at.switch_page("../pages/data_quality.py").run()


def test_each_tab_runs_its_own_section_only_below_the_checks(app_db):
    """The warehouse's own checks stand above the tabs; the rejected rows to fix open first,
    then the loads and the rows waiting for their case, each tab running its own section only."""
    at = through_router()
    assert not at.exception
    names = ["rejected", "loads", "waiting"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.data_quality.tabs.{n}") for n in names]
    opened = []
    for shown in each_tab(at, TABS):
        assert not shown.exception
        headings = [s.value for s in shown.main.subheader]
        assert headings[0] == da("pages.data_quality.the_warehouse_s_own_checks")
        opened.append((headings[1:], len(shown.get("vega_lite_chart")), len(shown.expander),
                       len(shown.metric)))  # fmt: skip
    assert opened == [
        ([da("pages.data_quality.rejected_rows")], 1, 3, 0),  # a chart, an expander a reason
        ([da("pages.data_quality.loads")], 0, 0, 0),
        ([da("pages.data_quality.rows_waiting_for_their_case")], 0, 0, 1),
    ]


def test_page_lists_loads_reasons_and_orphans(app_db):
    at = through_router()
    assert not at.exception
    assert at.title[0].value == da("page_data_quality")
    assert at.get("vega_lite_chart")
    labels = [e.label for e in at.expander]
    assert f"{code_label('reason_code', 'unknown_municipality', 'da')}: 1" in labels
    # rows waiting for their case are listed once, as waiting (resolved ones, batch 1's row, not
    # at all: two remain), never also among the rejected rows to fix
    assert not any(
        label.startswith(da("vocabulary.code_labels.reason_code.unknown_case")) for label in labels
    )
    assert len(through_router(LOADS).dataframe) == 1  # the load history
    waiting = through_router(WAITING)
    assert len(waiting.dataframe) == 1 and [m.value for m in waiting.metric] == ["2"]


def test_orphans_are_unresolved_unknown_case_rows_only(app_db):
    orphans = q.orphans(Scope.everything())
    assert sorted(orphans["source_row"].to_list()) == [4, 20]


def test_raw_values_only_for_national_viewers(app_db):
    national = q.rejected_rows(Scope.everything())
    coordinator = q.rejected_rows(Scope(role="coordinator", municipalities=frozenset({"101"})))
    assert "raw_values" in national.columns
    assert "raw_values" not in coordinator.columns
    assert {"source_file", "source_row", "column_name", "reason_code", "message"} <= set(
        coordinator.columns
    )


def test_page_in_english(app_db):
    at = through_router(lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_data_quality")


def test_empty_warehouse_shows_guidance(tmp_path, monkeypatch):
    db = build_app_warehouse(tmp_path / "empty.duckdb", with_data=False)
    monkeypatch.setenv("LAT_DB", str(db))
    at = through_router()
    assert not at.exception
    assert any("lat load" in i.body for i in at.info)


@pytest.mark.parametrize(
    "viewer",
    [
        {"role": "national"},
        {"role": "national", "presentation": True},
        {"role": "coordinator", "municipalities": ("101",)},
        {"role": "viewer"},
    ],
    ids=["national", "presentation", "coordinator", "viewer"],
)
def test_the_page_shows_an_export_by_its_masked_name_never_a_server_path(
    tmp_path, monkeypatch, viewer
):
    """Loads recorded before names were masked at reading hold full paths and CPR numbers."""
    db = build_app_warehouse(tmp_path / "warehouse.duckdb")
    with write_transaction(db) as con:
        con.execute(
            "insert into etl.batches select 3, $path, 'c', exported_at, loaded_at, 1, 0, 0, 0, 1, "
            "'loaded_with_rejections' from etl.batches where batch_id = 2",
            {"path": f"{SERVER_FOLDER}/010190-1234/"},
        )
        con.execute(
            "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
            "column_name, reason_code, message, raw_values, resolved_batch_id) values (3, $file, 'forloeb', 2, 'kommunekode', "
            "'unknown_municipality', 'Kommunekoden 999 findes ikke.', $raw, null)",
            {
                "file": "eksport.zip:0101901234/forloeb.csv",
                "raw": json.dumps(
                    {"forloeb_id": "F-1", "kommunekode": "999", "noter 020290-1234": "010190–1234"}
                ),
            },
        )
    monkeypatch.setenv("LAT_DB", str(db))
    at = page_as("data_quality", **viewer)
    assert not at.exception
    shown = " ".join(everything_shown(tab) for tab in each_tab(at, TABS))
    assert SERVER_FOLDER not in shown and not looks_like_cpr(shown)
    assert MASK in shown  # the export is still there, by its name


def _with_check_run(tmp_path, monkeypatch, results) -> None:
    """The fixture warehouse with one recorded run of the warehouse's own checks."""
    from warehouse import checks
    from warehouse.db import write_transaction

    db = build_app_warehouse(tmp_path / "checked.duckdb")
    with write_transaction(db) as con:
        checks.record(con, results, trigger="check")
    monkeypatch.setenv("LAT_DB", str(db))


def test_page_says_when_the_warehouse_checks_last_held(tmp_path, monkeypatch):
    from warehouse.checks import CheckResult

    _with_check_run(tmp_path, monkeypatch, [CheckResult("unique_key mart.cases", "?")])
    at = through_router()
    assert not at.exception
    held = da_start("pages.data_quality.every_check_held_last_on")
    assert any(s.body.startswith(held) and "lat check" in s.body for s in at.success)


def test_page_names_the_checks_that_failed_last(tmp_path, monkeypatch):
    from warehouse.checks import CheckResult

    failed = CheckResult("no_cpr raw.workers", "?", ("name (worker_id=W1)",))
    _with_check_run(tmp_path, monkeypatch, [failed])
    at = through_router()
    assert not at.exception
    errors = [e.body for e in at.error]
    failed_on = da_start("pages.data_quality.the_checks_failed_on_when")
    never = da("pages.data_quality.never")
    assert any(e.startswith(failed_on) and "no_cpr raw.workers" in e and never in e for e in errors)
    assert not any("W1" in e for e in errors)  # check names only, never the rows found


def test_page_says_when_the_checks_have_not_run_yet(app_db):
    at = through_router()
    assert not at.exception
    assert any(da("pages.data_quality.the_checks_have_not_run") in i.body for i in at.info)


@pytest.mark.parametrize(
    ("lang", "status", "read"),
    [
        (None, da("vocabulary.code_labels.batch_status.loaded"), "5.000"),
        ("en", en("vocabulary.code_labels.batch_status.loaded"), "5,000"),
    ],
)
def test_load_history_shows_the_status_in_words_and_counts_in_the_readers_format(
    app_db, lang, status, read
):
    at = through_router(LOADS, lang=lang)
    assert not at.exception
    history = at.dataframe[0].value
    words = en if lang == "en" else da
    assert set(history[words("common.status")]) == {status}  # never the code 'loaded'
    assert read in set(history[words("pages.data_quality.columns.rows_read")])


def test_chart_labels_are_not_cut_short(app_db):
    """Vega's default limits cut 'Værdi uden for gyldigt interval' to 'Værdi uden for gyldigt
    inte…' (axis, 180 px) and long legend entries at 160 px."""
    at = through_router()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["axis"]["labelLimit"] >= 300
    assert spec["config"]["legend"]["labelLimit"] == 0


def test_each_rejection_figure_says_which_rows_it_counts(app_db):
    """'Afvist 212' in the loads table beside 'n = 187' under the chart read as a contradiction:
    the load's figure counts all its rejections (waiting rows and rows fixed since too), the
    chart's only those still to fix, and each says so."""
    at = through_router()
    assert not at.exception
    to_fix = int(q.rejected_by_reason(Scope.everything())["rows_rejected"].sum())
    captions = [c.value for c in at.caption]
    n = components.n_text(to_fix, "pages.data_quality.rows_to_fix", "da")
    assert any(n in c for c in captions), captions
    loads = through_router(LOADS)
    assert da("pages.data_quality.one_row_per_loaded_export") in [c.value for c in loads.caption]
    config = json.loads(loads.dataframe[0].proto.columns)
    rejected = config[da("pages.data_quality.columns.rows_rejected")]
    assert rejected["help"] == da("pages.data_quality.columns.rows_rejected_help")
    waiting = da("pages.data_quality.waiting_rows_who", who=da("population_country"))
    assert [m.label for m in through_router(WAITING).metric] == [waiting]


def _tables(at) -> list:
    """Every table of the page's tabs (rejected rows to fix, loads, waiting rows)."""
    return [table for tab in each_tab(at, TABS) for table in tab.dataframe]


def _messages_shown(at) -> list[str]:
    """Every message cell of the page's tables (rejected rows to fix and waiting rows)."""
    header = {da("pages.data_quality.columns.message"), en("pages.data_quality.columns.message")}
    return [
        str(cell)
        for table in _tables(at)
        for column in table.value.columns
        if column in header
        for cell in table.value[column].dropna()
    ]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_rejected_rows_message_is_in_the_viewers_language(app_db, lang):
    """The loader stores a message's key and values; an English reader read 'Forløbet ...
    findes ikke i forløbsdata' all the same. Dates in them are the reader's too."""
    at = through_router(lang=lang)
    assert not at.exception
    shown = _messages_shown(at)
    later = {"column": "Startdato", "value": "2030-01-01", "exported_at": "2026-10-31"}
    expected = render("loader.after_export_date", later, lang)
    assert expected in shown
    assert ("31 Oct 2026" if lang == "en" else "31. okt. 2026") in expected
    waiting = render("loader.unknown_case", {"case_id": "F-77"}, lang)
    assert waiting in shown  # the rows waiting for their case too
    if lang == "en":
        assert render("loader.after_export_date", later, "da") not in shown
        assert not any("findes ikke" in m for m in shown)


def test_a_row_stored_before_message_keys_shows_its_stored_message(app_db):
    at = through_router(lang="en")
    assert not at.exception
    assert OLD_MESSAGE in _messages_shown(at)


def _wrapped_lines(text: str, width: int) -> int:
    """The lines the grid wraps `text` into in a column `width` px wide (between words)."""
    lines, line = 1, ""
    for word in text.split():
        if grid_text.fits(f"{line} {word}".strip(), width):
            line = f"{line} {word}".strip()
        else:
            lines, line = lines + 1, word
    return lines


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_message_shown_stands_whole_in_its_row(app_db, lang):
    """At 1280 px long messages were cut at two lines ('... (hverken i denne eksport eller'):
    a table's rows are as high as its longest message needs, measured in the grid's font."""
    at = through_router(lang=lang)
    header = (en if lang == "en" else da)("pages.data_quality.columns.message")
    checked = 0
    for table in _tables(at):
        if header not in table.value.columns:
            continue
        width = json.loads(table.proto.columns)[header]["width"]
        for message in table.value[header].dropna():
            checked += 1
            lines = _wrapped_lines(str(message), width)
            assert table.proto.row_height >= components.wrapped_row_height(lines), message
    assert checked >= 3


def test_every_loader_message_fits_the_rows_the_page_gives_it():
    """Each loader text in both languages, with values as long as the loader shows them (a cell
    cut at 60 characters), stands whole in the rows `wrapped_lines` asks for."""
    from pages.data_quality import MAX_MESSAGE_LINES, WRAPPED_WIDTHS, wrapped_lines

    numbers = {"low": 1940, "high": 2010, "age": 5, "items": 5, "answered": 3, "expected": 5,
               "total": 12, "rows": [3, 4, 1517], "floor": "2016-01-01",
               "exported_at": "2024-06-30", "allowed": ["maal_naaet", "delvist_naaet",
               "ikke_naaet", "overdraget", "borger_ophoert", "andet"]}  # fmt: skip
    for lang in ("da", "en"):
        for key in messages.keys():
            for length in (8, 30, 61):
                values = {n: numbers.get(n, "Ab " * (length // 3)) for n in messages.names(key)}
                text = render(key, values, lang)
                lines = wrapped_lines(pl.Series([text]), "message")
                needed = _wrapped_lines(text, WRAPPED_WIDTHS["message"])
                assert needed <= lines or lines == MAX_MESSAGE_LINES, (lang, key, text)


# a measurement row of ten items, refused for its total: its original values need more lines
# in their column than a table row is given (`MAX_MESSAGE_LINES`)
TEN_ITEMS = {"forloeb_id": "F-2024-000123", "instrument": "WHO-5", "tidspunkt": "foer",
             "dato": "2024-03-05", **{f"item_{i}": str(i % 5) for i in range(1, 11)},
             "raw_score": "99"}  # fmt: skip


def _with_ten_items(monkeypatch) -> None:
    """The fixture's rejected rows and a ten-item measurement row among the out-of-range ones."""
    rejected_rows = q.rejected_rows

    def rows(scope, reason=None):
        frame = rejected_rows(scope, reason)
        if reason != "out_of_range" or "raw_values" not in frame.columns:
            return frame
        extra = {c: None for c in frame.columns} | {
            "batch_id": 2, "source_file": "maalinger.csv", "source_row": 31,
            "column_name": "raw_score", "reason_code": "out_of_range",
            "message": render("loader.score_not_item_sum", {"column": "Raw_score", "value": "99",
                                                            "total": 20}, "da"),
            "raw_values": json.dumps(TEN_ITEMS),
        }  # fmt: skip
        return pl.concat([frame, pl.DataFrame([extra], schema=frame.schema)])

    monkeypatch.setattr(q, "rejected_rows", rows)


def _values_tables(tables, lang: str = "da"):
    header = (en if lang == "en" else da)("pages.data_quality.columns.raw_values")
    return [table for table in tables if header in table.value.columns], header


@pytest.mark.parametrize("lang", ["da", "en"])
def test_original_values_stand_whole_in_their_rows_up_to_the_tallest_row(app_db, lang, monkeypatch):
    """A row's original values were cut after seven lines when only its message set the row's
    height: they set it too (measured in the grid's font), up to the tallest row a table has;
    a table of short values keeps its low rows."""
    from pages.data_quality import MAX_MESSAGE_LINES

    _with_ten_items(monkeypatch)
    at = through_router(lang=lang)
    assert not at.exception
    tables, header = _values_tables(_tables(at), lang)
    checked = 0
    for table in tables:
        width = json.loads(table.proto.columns)[header]["width"]
        for values in table.value[header].dropna():
            checked += 1
            lines = min(_wrapped_lines(str(values), width), MAX_MESSAGE_LINES)
            assert table.proto.row_height >= components.wrapped_row_height(lines), values
    assert checked >= 4
    heights = {t.key: t.proto.row_height for t in tables}  # the proto's own key is not the page's
    assert max(heights.values()) == components.wrapped_row_height(MAX_MESSAGE_LINES)
    assert min(heights.values()) < components.wrapped_row_height(4), heights  # short values
    assert all(list(t.proto.selection_mode) for t in tables), "a row can be selected"


def test_a_selected_rows_original_values_are_shown_whole_below_the_table(app_db, monkeypatch):
    """Values longer than the tallest row (ten items and more) are cut in the table: a
    selected row shows each of its cells whole, one to a line, below it."""
    from pages.data_quality import MAX_MESSAGE_LINES, WRAPPED_WIDTHS, _column_word

    _with_ten_items(monkeypatch)
    at = through_router()  # the rejected rows' tab
    tables, header = _values_tables(at.dataframe)
    (table,) = [t for t in tables if t.value[header].str.contains("10").any()]
    (row,) = [i for i, v in enumerate(table.value[header]) if "F-2024-000123" in v]
    assert _wrapped_lines(table.value[header][row], WRAPPED_WIDTHS["raw_values"]) > (
        MAX_MESSAGE_LINES
    ), "the ten items are cut in the table"
    before = len(at.dataframe)
    at.session_state["dq_rows_out_of_range"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception
    assert len(at.dataframe) == before + 1
    value = da("pages.data_quality.columns.value")
    (details,) = [t.value for t in at.dataframe if value in t.value.columns]
    words = details[da("pages.data_quality.columns.column_name")].to_list()
    assert details[value].to_list() == list(TEN_ITEMS.values())  # every cell, whole
    assert words == [_column_word(k) for k in TEN_ITEMS]  # 'Spørgsmål 10', not 'item_10'
    assert any(da_start("pages.data_quality.the_whole_row") in m.value for m in at.markdown)
