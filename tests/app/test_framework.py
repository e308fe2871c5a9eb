"""The dashboard framework: i18n formats, suppression, filters from the URL, scoping, router."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from app import charts, components, data, i18n, suppression
from app.filters import FilterOptions, Filters, from_params, to_params
from app.i18n import fmt_int
from app.scope import Scope
from app.suppression import Rule
from tests.support.app_fixtures import build_app_warehouse, metrics, signed_in_app
from tests.support.wording import da, en

APP = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")


# --- i18n ---------------------------------------------------------------------------------------


def test_numbers_use_danish_and_english_separators():
    assert i18n.fmt_number(1234.5, 1, "da") == "1.234,5"
    assert i18n.fmt_number(1234.5, 1, "en") == "1,234.5"
    assert i18n.fmt_int(1234567, "da") == "1.234.567"
    assert i18n.fmt_pct(0.452, 1, "da") == "45,2\u00a0%"  # CLDR: a no-break space
    assert i18n.fmt_pct(0.452, 1, "en") == "45.2%"
    assert i18n.fmt_signed(-3.5, 1, "da") == "-3,5"
    # the sign is the shown number's: a change that rounds to nothing is "0", never "-0" / "+0"
    assert [i18n.fmt_signed(v, 0, "da") for v in (-0.3, 0.4, -0.6, 0.0)] == ["0", "0", "-1", "0"]
    assert i18n.fmt_number(None, 1, "da") == i18n.MISSING


def test_dates_use_danish_and_english_month_names():
    assert i18n.fmt_date(date(2024, 2, 3), "da") == "3. feb. 2024"
    assert i18n.fmt_date(date(2024, 5, 3), "da") == "3. maj 2024"
    assert i18n.fmt_date(date(2024, 2, 3), "en") == "3 Feb 2024"
    assert i18n.fmt_month(date(2024, 10, 1), "da") == "okt. 2024"


def test_codes_are_translated():
    assert i18n.code_label("case_type", "parent_coach", "da") == "Forældrecoach"
    assert i18n.code_label("case_type", "parent_coach", "en") == "Parent coach"


def test_worker_roles_are_translated():
    assert i18n.code_label("role", "coordinator", "da") == "Koordinator"
    assert i18n.code_label("role", "parent_coach", "en") == "Parent coach"
    assert i18n.code_label("role", "supervisor", "da") == "supervisor"  # unknown: as it is


def test_group_labels_translate_codes_keep_names_and_say_unknown():
    assert i18n.group_label("gender", "female", "da") == "Kvinde"
    assert i18n.group_label("municipality", "Odense", "en") == "Odense"
    assert i18n.group_label("age_band", None, "da") == "Ukendt"
    assert i18n.group_label("case_type", None, "en") == "Unknown"
    assert i18n.split_label("none", "da") == "Ingen opdeling"
    assert i18n.split_label("age_band", "en") == "Age band"


def test_charts_refuse_too_many_points_summed_over_layers():
    half = pl.DataFrame({"x": range(charts.MAX_POINTS // 2 + 1)})
    charts.check_points(half)
    with pytest.raises(ValueError, match="too many"):
        charts.check_points(half, half)


# --- suppression --------------------------------------------------------------------------------


def test_small_count_hides_and_its_complement_hides_too():
    frame = pl.DataFrame({"part": ["mentor", "parent_coach"], "n": [16, 3], "group": ["a", "a"]})
    out = suppression.apply(frame, Rule(count="n", total_group="group"))
    assert out["suppressed"].to_list() == [True, True]
    assert out["n"].to_list() == [None, None]
    assert out["suppressed_by"].to_list() == ["complement", "small"]


def test_complement_picks_the_smallest_other_row_only():
    frame = pl.DataFrame({"n": [40, 2, 9, 30], "group": ["g"] * 4})
    out = suppression.apply(frame, Rule(count="n", total_group="group"))
    assert out["n"].to_list() == [40, None, None, 30]


def test_no_complement_when_two_rows_are_already_hidden_or_rows_are_not_parts():
    frame = pl.DataFrame({"n": [40, 2, 3], "group": ["g", "g", "g"]})
    assert suppression.apply(frame, Rule(count="n", total_group="group"))["n"].to_list() == [
        40, None, None,
    ]  # fmt: skip
    frame = pl.DataFrame({"n": [40, 2, 9], "group": [None, None, None]}, strict=False)
    assert suppression.apply(frame, Rule(count="n", total_group="group"))["n"].to_list() == [
        40, None, 9,
    ]  # fmt: skip


def test_zero_is_shown_and_five_is_shown():
    frame = pl.DataFrame({"n": [0, 5, 4]})
    assert suppression.apply(frame, Rule(count="n"))["n"].to_list() == [0, 5, None]


def test_share_hides_when_numerator_or_its_complement_is_small():
    frame = pl.DataFrame({"n": [100, 100, 100], "k": [3, 50, 98], "share": [0.03, 0.5, 0.98]})
    out = suppression.apply(frame, Rule(count="n", numerator="k", values=("share",)))
    assert out["share"].to_list() == [None, 0.5, None]


def test_suppression_off_keeps_values_but_adds_the_flag():
    frame = pl.DataFrame({"n": [2]})
    out = suppression.apply(frame, Rule(count="n"), on=False)
    assert out["n"].to_list() == [2] and out["suppressed"].to_list() == [False]


def test_suppression_is_on_across_municipalities_and_in_presentation():
    national = Scope.everything()
    assert data.suppression_on(national, Filters())
    assert not data.suppression_on(national, Filters(municipalities=("101",)))
    presenting = Scope(role="national", presentation=True)
    assert data.suppression_on(presenting, Filters(municipalities=("101",)))
    coordinator = Scope(role="coordinator", municipalities=frozenset({"101"}))
    assert not data.suppression_on(coordinator, Filters(municipalities=("101",)))
    assert data.suppression_on(coordinator, Filters(municipalities=("751",)))
    assert data.suppression_on(Scope(role="viewer"), Filters(municipalities=("101",)))


# --- filters ------------------------------------------------------------------------------------

OPTIONS = FilterOptions(
    months=tuple(date(2025, m, 1) for m in range(1, 13)),
    municipalities={"101": "København", "751": "Aarhus"},
    workers={"W1": "Anna (W1)"},
    case_types=("mentor", "parent_coach"),
    genders=("male", "female", "other"),
    age_bands=("<18", "18-24", "25-34", "35-49", "50+"),
)


def test_url_values_that_are_not_allowed_are_ignored():
    params = {
        "from": ["2025-03"],
        "to": ["not-a-month"],
        "muni": ["101", "999'; drop table raw.cases; --"],
        "type": ["mentor", "astronaut"],
        "age": ["<18"],
    }
    filters = from_params(params, OPTIONS)
    assert filters.from_month == date(2025, 3, 1)
    assert filters.to_month == date(2025, 12, 1)  # the default end
    assert filters.municipalities == ("101",)
    assert filters.case_types == ("mentor",)
    assert filters.age_bands == ("<18",)


def test_filters_round_trip_through_the_url():
    filters = Filters(
        date(2025, 2, 1), date(2025, 4, 1), ("751",), ("parent_coach",), (), (), ("W1",)
    )
    params = {k: v if isinstance(v, list) else [v] for k, v in to_params(filters, OPTIONS).items()}
    assert from_params(params, OPTIONS) == filters


def test_previous_period_has_equal_length():
    filters = Filters(date(2025, 4, 1), date(2025, 6, 1))
    assert filters.previous_period() == (date(2025, 1, 1), date(2025, 3, 31))
    assert filters.period_end == date(2025, 6, 30)


# --- scoping ------------------------------------------------------------------------------------

COUNT = "select count(*) as n from scoped_cases"


def test_case_level_is_refused_to_viewers(app_db):
    with pytest.raises(data.NotAllowed):
        data.run(COUNT, scope=Scope(role="viewer"), filters=Filters(), level="case")


def test_coordinator_sees_own_cases_at_case_level_and_country_in_aggregate(app_db):
    coordinator = Scope(role="coordinator", municipalities=frozenset({"461"}))
    own = data.run(COUNT, scope=coordinator, filters=Filters(), level="case")["n"][0]
    country = data.run(COUNT, scope=coordinator, filters=Filters())["n"][0]
    assert own == 9
    assert country > own


def test_worker_sees_only_own_cases(app_db):
    worker = Scope(role="worker", worker_id="W851-0")
    assert data.run(COUNT, scope=worker, filters=Filters())["n"][0] == 10


def test_filter_values_are_bound_not_spliced(app_db):
    evil = Filters(municipalities=("101' or '1'='1",))
    assert data.run(COUNT, scope=Scope.everything(), filters=evil)["n"][0] == 0


# --- components --------------------------------------------------------------------------------


def _long_case_list(rows: int) -> None:
    import polars as pl

    from app import components, i18n

    i18n.init_lang()
    frame = pl.DataFrame({"case_id": [f"C{i}" for i in range(rows)]})
    components.case_list(
        frame, lambda f: f.rename({"case_id": "Forløb"}), "En liste.", key="t_list"
    )


def test_case_list_caps_the_table_and_offers_all_rows_as_csv():
    from streamlit.testing.v1 import AppTest

    from app import components

    rows = components.LIST_ROWS + 1
    at = AppTest.from_function(_long_case_list, args=(rows,), default_timeout=30).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == components.LIST_ROWS
    assert [c.value for c in at.caption] == [
        f"En liste. · {da('population_country')}",  # every list names whom it lists (no viewer)
        da("components.shows_the_first_k_download", k=fmt_int(components.LIST_ROWS, "da")),
    ]
    assert at.get("download_button")[0].proto.label == da("components.download_the_list_csv")


def test_one_mapping_names_a_tables_columns_and_gives_their_help_and_width():
    """A page's headers (short, with the whole meaning on hover, and widths) are one mapping:
    `headed` names the columns with it and `header_config` gives `table` the same names' help."""
    from app import components
    from app.components import Header

    headers = {
        "worker_id": Header("pages.find_worker.list.worker_id",
                            "pages.find_worker.list.worker_id_help"),
        "capacity": Header("pages.find_worker.list.capacity",
                           "pages.find_worker.list.capacity_help", 60),
        "municipality_name": "municipality",
        "status": Header("common.status", width=65),
        "absent": Header("pages.find_worker.list.age", "pages.find_worker.list.age_help"),
    }  # fmt: skip
    frame = pl.DataFrame({"worker_id": ["W1"], "capacity": [3], "municipality_name": ["Aarhus"],
                          "status": ["aktiv"], "other": [1]})  # fmt: skip
    assert components.headed(frame, headers).columns == [
        da("pages.find_worker.list.worker_id"), da("pages.find_worker.list.capacity"),
        da("municipality"), da("common.status"), "other",
    ]  # fmt: skip
    config = components.table_config([], components.header_config(headers, k=15))
    assert config == {
        da("pages.find_worker.list.worker_id"): {"help": da("pages.find_worker.list.worker_id_help")},
        da("pages.find_worker.list.capacity"): {
            "help": da("pages.find_worker.list.capacity_help", k=15), "width": 60},
        da("common.status"): {"width": 65},
        da("pages.find_worker.list.age"): {"help": da("pages.find_worker.list.age_help")},
    }  # fmt: skip
    hovered = components.table_config([], components.header_config(headers, hover_headers=True))
    assert hovered[da("common.status")] == {"help": da("common.status"), "width": 65}


def test_a_table_s_fill_column_alone_takes_the_spare_width():
    """Streamlit's grid shares a wide table's spare width out to every unpinned column: the
    fill column is the one left unpinned (it must be the last: pinned columns stand first)."""
    from app import components

    given = {"Score": {"width": 60, "alignment": "right"}, "Hvorfor": {"width": 290}}
    config = components.fill_config(["Forløb", "Score", "Hvorfor"], "Hvorfor", given)
    assert config["Forløb"] == {"pinned": True}
    assert config["Score"] == {"width": 60, "alignment": "right", "pinned": True}
    assert config["Hvorfor"] == {"width": 290, "pinned": False}
    with pytest.raises(ValueError, match="last"):
        components.fill_config(["Hvorfor", "Score"], "Hvorfor", given)


# --- router -------------------------------------------------------------------------------------


def test_router_registers_six_pages_and_opens_the_overview(app_db):
    at = signed_in_app().run()
    assert not at.exception
    assert at.title[0].value == da("page_overview")
    for page in ("progression", "fidelity", "prepost", "caseloads", "data_quality"):
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, page
        assert at.title, page


def test_language_switch_changes_titles_and_numbers(app_db):
    at = signed_in_app().run()
    danish = metrics(at)
    at.sidebar.button_group(key="_lang_widget").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == en("page_overview")
    english = metrics(at)
    assert en("common.active_cases") in english and da("common.active_cases") in danish
    assert danish[da("on_cadence_card")].endswith("\u00a0%")
    assert english[en("on_cadence_card")].endswith("%")
    assert not english[en("on_cadence_card")].endswith("\u00a0%")


def test_language_comes_from_the_url(app_db):
    at = signed_in_app()
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == en("page_overview")


def test_invalid_url_filters_never_crash(app_db):
    at = signed_in_app()
    at.query_params["muni"] = ["nowhere", "101"]
    at.query_params["from"] = "1999-99"
    at.query_params["age"] = "<18<script>"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="f_muni").value == ["101"]
    assert not at.error


def test_filters_are_written_to_the_url_and_reset(app_db):
    at = signed_in_app().run()
    at.sidebar.multiselect(key="f_type").set_value(["mentor"]).run()
    assert at.query_params["type"] in (["mentor"], "mentor")
    at.switch_page("../pages/data_quality.py").run()
    at.switch_page("../pages/overview.py").run()
    assert at.sidebar.multiselect(key="f_type").value == ["mentor"]
    at.sidebar.button(key="f_reset").click().run()
    assert at.sidebar.multiselect(key="f_type").value == []
    assert "type" not in at.query_params


def test_missing_warehouse_shows_how_to_load_one(tmp_path, monkeypatch):
    monkeypatch.setenv("LAT_DB", str(tmp_path / "none.duckdb"))
    at = signed_in_app().run()
    assert not at.exception
    assert "lat load" in at.info[0].body and "lat demo" in at.info[0].body


# --- lat serve ----------------------------------------------------------------------------------


def test_serve_without_a_warehouse_says_so_and_exits_2(tmp_path, capsys):
    from cli.main import main

    assert main(["serve", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "lat load" in capsys.readouterr().err


def test_serve_runs_streamlit_on_the_app_with_the_address():
    from app.server import APP as SERVED
    from app.server import streamlit_command

    command = streamlit_command(8600, "0.0.0.0")
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == str(SERVED)
    assert command[5:9] == ["--server.port", "8600", "--server.address", "0.0.0.0"]
    # the privacy and request-forgery settings hold however Streamlit is started, and only
    # this machine's names may reach it (a bind to all interfaces opens no host to all)
    assert command[9:] == [
        "--client.disableDataExport",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.enableXsrfProtection",
        "true",
        "--server.allowedHosts",
        "localhost",
        "--server.allowedHosts",
        "127.0.0.1",
    ]


def test_demo_builds_the_warehouse_once_and_serves_it(tmp_path, monkeypatch, capsys):
    from app import server
    from cli.main import main
    from etl import demo

    served = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "DEMO_CASES", 300)
    monkeypatch.setattr(server, "serve", lambda db, port, host: served.append((db, port)) or 0)
    assert main(["demo", "--port", "8700"]) == 0
    db = tmp_path / "data" / "demo" / "warehouse.duckdb"
    assert served == [(db, 8700)]
    assert str(db) in capsys.readouterr().out
    stamp = db.stat().st_mtime_ns
    assert main(["demo"]) == 0
    assert db.stat().st_mtime_ns == stamp, "the demo warehouse must be reused, not rebuilt"
    monkeypatch.setenv("LAT_DB", str(db))
    assert data.run(COUNT, scope=Scope.everything(), filters=Filters())["n"][0] > 200


# --- charts and caching -------------------------------------------------------------------------


def test_png_of_a_chart_renders_offline():
    from app import charts

    chart = charts.bar_chart(pl.DataFrame({"x": ["a", "b"], "n": [3, 7]}), "x", "n")
    assert charts.to_png(chart, "da")[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_builders_refuse_more_than_5000_points():
    from app import charts

    frame = pl.DataFrame({"x": list(range(5001)), "n": list(range(5001))})
    with pytest.raises(ValueError, match="aggregate"):
        charts.bar_chart(frame, "x", "n")


def test_a_new_load_shows_up_despite_the_cache(tmp_path, monkeypatch):
    from warehouse.db import write_transaction

    db = build_app_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("LAT_DB", str(db))
    before = data.run(COUNT, scope=Scope.everything(), filters=Filters())["n"][0]
    with write_transaction(db) as con:
        con.execute(
            "insert into raw.cases (case_id, municipality_code, case_type, citizen_key, "
            "start_date, status, exported_at, batch_id) values "
            "('NEW-1', '101', 'mentor', 'k', date '2026-01-01', 'active', date '2026-10-31', 2)"
        )
    assert data.run(COUNT, scope=Scope.everything(), filters=Filters())["n"][0] == before + 1


_SHARED_CALLS: list[tuple] = []


@data.shared
def _counted_cases(scope: Scope, filters: Filters) -> int:
    _SHARED_CALLS.append((scope.role, filters.case_types))
    return int(data.run(COUNT, scope=scope, filters=filters)["n"][0])


def test_shared_work_is_done_once_for_every_viewer_of_a_view_until_a_new_load(
    tmp_path, monkeypatch
):
    """`data.shared`: two national users (only their names differ) share one result; another
    view, another role and a new load of the warehouse each compute afresh."""
    from warehouse.db import write_transaction

    db = build_app_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("LAT_DB", str(db))
    _SHARED_CALLS.clear()
    anna, bo = Scope(role="national", user="anna"), Scope(role="national", user="bo")
    first = _counted_cases(anna, Filters())
    assert _counted_cases(bo, Filters()) == first
    assert _SHARED_CALLS == [("national", ())]
    _counted_cases(anna, Filters(case_types=("mentor",)))
    _counted_cases(Scope(role="viewer"), Filters())
    assert len(_SHARED_CALLS) == 3
    with write_transaction(db) as con:
        con.execute(
            "insert into raw.cases (case_id, municipality_code, case_type, citizen_key, "
            "start_date, status, exported_at, batch_id) values "
            "('NEW-1', '101', 'mentor', 'k', date '2026-01-01', 'active', date '2026-10-31', 2)"
        )
    assert _counted_cases(bo, Filters()) == first + 1
    assert len(_SHARED_CALLS) == 4


def test_a_query_with_its_own_with_and_a_leading_comment_is_merged(app_db):
    sql = """
    -- purpose first, as the house style asks
    with per_type as (select case_type, count(*) as n from scoped_cases group by case_type)
    select sum(n) as n from per_type
    """
    total = data.run(COUNT, scope=Scope.everything(), filters=Filters())["n"][0]
    assert data.run(sql, scope=Scope.everything(), filters=Filters())["n"][0] == total


def test_vectorised_date_and_code_formats_match_the_per_value_ones():
    frame = pl.DataFrame(
        {"on": [date(2024, 2, 3), None, date(2025, 12, 31)], "t": ["parent_coach", None, "odd"]}
    )
    for language in i18n.LANGS:
        shown = frame.select(
            i18n.date_expr("on", language), i18n.code_expr("case_type", "t", language)
        )
        assert shown["on"].to_list() == [i18n.fmt_date(v, language) for v in frame["on"]]
        assert shown["t"].to_list() == [
            i18n.code_label("case_type", v, language) for v in frame["t"]
        ]


def test_labels_are_looked_up_once_per_distinct_value_and_nulls_stay_unless_asked():
    """i18n.labelled: the same words as per row, one lookup per distinct value (not one per
    row in polars' threads, where the reader's language is unknown)."""
    looked_up = []

    def word(code):
        looked_up.append(code)
        return i18n.code_label("case_type", code, "en")

    codes = pl.Series("t", ["mentor", None, "parent_coach", "mentor", "mentor"])
    assert i18n.labelled(codes, word).to_list() == [
        "Mentor", None, "Parent coach", "Mentor", "Mentor",
    ]  # fmt: skip
    assert sorted(looked_up) == ["mentor", "parent_coach"]
    assert i18n.labelled(codes, word, nulls=True)[1] == i18n.code_label("case_type", None, "en")
    assert i18n.labelled(pl.Series("t", [None, None]), word).to_list() == [None, None]


def test_a_case_query_that_skips_scoped_cases_is_refused():
    with pytest.raises(ValueError, match="scoped_cases"):
        data.run("select count(*) from mart.cases", scope=Scope.everything(), filters=Filters())


def test_a_query_cannot_redefine_the_viewers_scope_or_filters():
    worker = Scope(role="worker", worker_id="W1")
    with pytest.raises(ValueError, match="redefine"):
        data.run(COUNT, {"scope_worker": None}, scope=worker, filters=Filters())


def test_a_staff_query_cannot_redefine_the_viewers_scope_either():
    """data.run_staff binds the same reserved names as data.run, through the same rule."""
    coordinator = Scope(role="coordinator", municipalities=frozenset({"0101"}))
    staff = "select count(*) as n from scoped_workers"
    with pytest.raises(ValueError, match=r"data\.run_staff parameters may not redefine"):
        data.run_staff(staff, {"exact_munis": ["0147"]}, scope=coordinator, level="aggregate")


def test_every_download_button_is_the_audited_one():
    """Downloads take data away: each must go through components.download, which audits it."""
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("app/**/*.py"), *root.glob("pages/*.py")]
    bypassing = [
        str(path.relative_to(root))
        for path in sources
        if "st.download_button" in path.read_text(encoding="utf-8") and path.name != "components.py"
    ]
    assert bypassing == []


def test_every_page_sits_in_exactly_one_navigation_section():
    """A page left out of SECTIONS would vanish from the menu (or, listed flat, hide behind
    Streamlit's 'View more' after ten)."""
    from app.streamlit_app import NATIONAL_PAGES, PAGES, SECTIONS

    placed = [url for urls in SECTIONS.values() for url in urls]
    assert sorted(placed) == sorted(url for _, _, url in PAGES + NATIONAL_PAGES)


def test_a_viewer_without_case_level_access_has_no_record_pages_in_the_menu():
    """The case and worker pages only tell such a viewer they may not see them: not in the menu
    (a link still opens the page and its message)."""
    from app.streamlit_app import CASE_LEVEL_PAGES, _pages

    hidden = {
        url for url, page in _pages(Scope(role="viewer")).items() if page.visibility == "hidden"
    }
    assert hidden == set(CASE_LEVEL_PAGES)
    coordinator = _pages(Scope(role="coordinator", municipalities=frozenset({"101"})))
    assert all(page.visibility == "visible" for page in coordinator.values())


def test_readable_writes_numbers_yes_no_and_blanks_as_the_readers_text():
    frame = pl.DataFrame(
        {
            "n": [1200, None],
            "share": [2.5, float("nan")],
            "whole": [3.0, None],
            "open": [True, None],
            "name": ["Ida", None],
        }
    )
    shown, numeric = components.readable(frame)
    assert shown.to_dict(as_series=False) == {
        "n": ["1.200", i18n.MISSING],
        "share": ["2,5", i18n.MISSING],
        "whole": ["3", i18n.MISSING],
        "open": [da("yes"), i18n.MISSING],
        "name": ["Ida", i18n.MISSING],
    }
    assert numeric == ["n", "share", "whole"]


def test_readable_keeps_the_groups_names_as_names():
    """Age bands ('<18', '18-24') read as numbers and stood right-aligned in the group column of
    the citizens', fidelity, pre/post and matching tables; the figures beside them are numbers."""
    group = i18n.t(components.GROUP_COLUMN)
    frame = pl.DataFrame({group: ["<18", "18-24", "25-34"], "2026 K1": ["3", "<5", "12"]})
    _, numeric = components.readable(frame)
    assert numeric == ["2026 K1"]


def test_no_dashboard_code_calls_python_from_polars_threads():
    """map_elements (and map_batches, map_rows) call back into Python from polars' threads:
    under many sessions each call waits for the interpreter lock and holds one of polars' few
    threads meanwhile. Texts per value are made with i18n.labelled, in the page's thread."""
    root = Path(__file__).resolve().parents[2]
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("app", "pages", "reports")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.map_(elements|batches|rows)\(", line)
    ]
    assert found == []


def _three_sections() -> None:
    import streamlit as st

    from app import components, i18n

    i18n.init_lang()
    ran = st.session_state.setdefault("ran", [])
    parts = [(key, lambda key=key: ran.append(key) or st.write(key))
             for key in ("page_overview", "page_prepost", "page_fidelity")]  # fmt: skip
    components.sections("t_tabs", parts)


def test_only_the_open_section_runs_and_it_stays_open_across_a_language_switch():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_three_sections, default_timeout=30).run()
    assert [tab.label for tab in at.tabs] == [da("page_overview"), da("page_prepost"),
                                              da("page_fidelity")]  # fmt: skip
    for label in ("page_fidelity", "page_prepost", "page_overview", "page_fidelity"):
        at.session_state["t_tabs"] = da(label)  # as a click on the tab does
        at.run()
        assert [m.value for m in at.markdown] == [label]
    at.session_state["lang"] = "en"
    at.run()
    assert [m.value for m in at.markdown] == ["page_fidelity"]  # the same place, in English
    assert at.tabs[2].label == en("page_fidelity")
    assert at.session_state["ran"] == ["page_overview", "page_fidelity", "page_prepost",
                                       "page_overview", "page_fidelity", "page_fidelity"]  # fmt: skip
