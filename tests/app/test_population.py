"""Every figure says whom it counts, and figures shown together count the same population.

Issue 12 §1: a coordinator saw national figures on the cards and their own municipality's cases
in the lists under them. Now the view opens on the coordinator's own municipality with the
country beside it, every card group, chart caption and case list names its population (from
`app.data.population`, the scope and filters the query ran with), and the dashboard reads only
the marts, each scoped source in the data layer (issue 9 §1-2).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from app import data
from app.filters import Filters
from app.queries import attention as attention_q
from app.queries import data_quality as dq
from app.queries import fidelity as fidelity_q
from app.queries import overview as overview_q
from app.queries import prepost as prepost_q
from app.scope import Scope
from etl.load import fill_rejected_subjects
from tests.support.app_fixtures import (
    PERIOD,
    build_app_warehouse,
    each_tab,
    everything_shown,
    metrics,
    page_as,
)
from tests.support.wording import da, da_start
from warehouse.db import write_transaction

APP = Path(__file__).resolve().parents[2] / "app"
PAGES_WITH_FIGURES = ("overview", "fidelity", "caseloads", "progression", "prepost", "attention")
COORDINATOR = {"role": "coordinator", "municipalities": ("101",)}
VIEWERS = {
    "national": {"role": "national"},
    "coordinator": COORDINATOR,
    "worker": {"role": "worker", "worker_id": "W101-1"},
    "viewer": {"role": "viewer"},
}
# what a caption may name: the country, municipalities, a worker's own cases, each maybe filtered
NAMED = (da("population_country"), da("pages.progression.whole_country_reference"),
         da("population_own_cases"))  # fmt: skip
MUNICIPALITIES = rf"[A-ZÆØÅ][a-zæøå]+( {da('population_and')} [A-ZÆØÅ][a-zæøå]+)*"
WHO = "(" + "|".join(map(re.escape, NAMED)) + "|" + MUNICIPALITIES + ")"
POPULATION = re.compile(
    " · (" + WHO + "|" + re.escape(da("population_narrowed", who="@")).replace("@", WHO) + ")$"
)
OWN_CASES = Scope(role="coordinator", municipalities=frozenset({"101"}))


# --- the dashboard reads the marts only, every scoped source in the data layer ---------------


def test_the_dashboard_names_no_staging_or_raw_relation():
    named = {
        f"{path.relative_to(APP)}:{n}": line.strip()
        for path in APP.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\b(staging|raw)\.[a-z_]+\b", line)
    }
    assert not named


def test_run_meta_refuses_the_sources_that_are_scoped(app_db):
    for sql in (
        "select * from etl.rejected_rows",
        "select * from mart.cases",
        "select * from mart.workers",
        "select * from mart.case_months",
        "select * from mart.fidelity_case_months",
    ):
        with pytest.raises(ValueError, match="run_meta"):
            data.run_meta(sql)
    assert data.run_meta("select cadence_days from mart.constants")["cadence_days"][0] == 61


def test_rejected_rows_are_read_through_the_data_layer_only(app_db):
    with pytest.raises(ValueError, match="scoped_rejected"):
        data.run(
            "select * from scoped_cases, etl.rejected_rows",
            scope=Scope.everything(),
            filters=Filters(),
            level="case",
        )


def test_a_coordinator_reads_the_rejected_rows_naming_their_municipality_or_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = build_app_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setenv("LAT_DB", str(db))
    # the fixture's unresolved rows: a case row naming 999 (no one's), a case row, a
    # progression row, and rows waiting for F-77 / F-78 (cases of no municipality yet)
    assert dq.rejected_rows(Scope.everything()).height == 3
    assert dq.rejected_rows(OWN_CASES).is_empty()
    assert dq.orphans(Scope.everything()).height == 2 and dq.orphans(OWN_CASES).is_empty()
    with write_transaction(db) as con:  # the case row now names 101 (as the loader stores it)
        con.execute("update etl.rejected_rows set municipality_code = '101' where source_row = 7")
    assert dq.rejected_rows(OWN_CASES)["source_row"].to_list() == [7]
    assert dq.rejected_rows(Scope(role="coordinator", municipalities=frozenset({"751"}))).is_empty()
    # a measurement row of one of the coordinator's cases names only the case
    case = data.run(
        "select case_id from scoped_cases limit 1", scope=OWN_CASES, filters=Filters(),
        level="case",
    )["case_id"][0]  # fmt: skip
    with write_transaction(db) as con:
        con.execute("update etl.rejected_rows set case_id = $c where source_row = 3", {"c": case})
    assert sorted(dq.rejected_rows(OWN_CASES)["source_row"].to_list()) == [3, 7]


def test_an_audit_trail_for_anyone_but_national_is_refused():
    for scope in (OWN_CASES, Scope(role="viewer"), Scope(role="national", presentation=True)):
        with pytest.raises(data.NotAllowed):
            data.audit_events(scope)


# --- every figure names its population ---------------------------------------------------------


def test_the_population_is_the_one_the_query_counts(app_db):
    assert data.population(Scope.everything(), PERIOD).kind == "country"
    own = data.population(OWN_CASES, Filters(municipalities=("101",)))
    assert (own.kind, own.names) == ("municipalities", ("København",))
    # without a municipality a coordinator's aggregates are national, their lists their own
    assert data.population(OWN_CASES, Filters()).kind == "country"
    assert data.population(OWN_CASES, Filters(), "case").names == ("København",)
    worker = data.population(Scope(role="worker", worker_id="W101-1"), Filters(case_types=("x",)))
    assert (worker.kind, worker.narrowed) == ("own_cases", True)


@pytest.mark.parametrize("page", PAGES_WITH_FIGURES)
@pytest.mark.parametrize("viewer", ["national", "coordinator"])
def test_every_chart_and_list_on_every_page_names_its_population(app_db, page, viewer):
    at = page_as(page, **VIEWERS[viewer])
    assert not at.exception
    captions = [c.value for c in at.caption]
    expected = da("population_country") if viewer == "national" else "København"
    assert da("population_figures", who=expected) in captions
    with_n = [c for c in captions if re.search(r"(n = |Viser \d|\d+ forløb\.)", c)]
    assert with_n, captions
    unlabelled = [c for c in with_n if not POPULATION.search(c)]
    assert not unlabelled


@pytest.mark.parametrize("viewer", ["worker", "viewer"])
def test_a_worker_and_leadership_are_told_whom_the_figures_count(app_db, viewer):
    at = page_as("overview", **VIEWERS[viewer])
    assert not at.exception
    expected = da("population_own_cases") if viewer == "worker" else da("population_country")
    assert da("population_figures", who=expected) in [c.value for c in at.caption]
    assert _captions_beside(at) == []  # nothing beside


def _country_beside(value: str) -> str:
    """The country's figure under a card: 'Hele landet: 138'."""
    return da("population_beside", who=da("population_country"), value=value)


def _captions_beside(at) -> list[str]:
    start = _country_beside("@").split("@")[0]
    return [c.value for c in at.caption if c.value.startswith(start)]


def test_a_coordinator_opens_on_their_municipality_with_the_country_beside(app_db):
    at = page_as("overview", **COORDINATOR)
    assert not at.exception
    assert at.sidebar.multiselect(key="f_muni").value == ["101"]
    own = overview_q.headline(overview_q.figures(OWN_CASES, _own(PERIOD)))
    country = overview_q.headline(overview_q.figures(OWN_CASES, PERIOD))
    active = {row["figure"]: row for row in own.to_dicts()}["active"]
    national = {row["figure"]: row for row in country.to_dicts()}["active"]
    assert metrics(at)[da("common.active_cases")] == _int(active["value"])
    assert _country_beside(_int(national["value"])) in _captions_beside(at)
    assert national["value"] > active["value"]  # the fixture has other municipalities


def test_the_fidelity_cards_have_the_country_beside_a_coordinators_figures(app_db):
    at = page_as("fidelity", **COORDINATOR)
    assert not at.exception
    country = fidelity_q.by_group(OWN_CASES, PERIOD).filter(pl.col("is_total")).row(0, named=True)
    beside = _captions_beside(at)
    assert len(beside) == 4
    assert _country_beside(_int(country["n_overdue"])) in beside


def test_the_prepost_cards_have_the_country_beside_a_coordinators_figures(app_db):
    """As the overview and fidelity cards do (components.beside_country, data.country): a
    coordinator's pre/post cards showed their municipality's figures with nothing to compare."""
    at = page_as("prepost", **COORDINATOR)
    assert not at.exception
    stats = prepost_q.paired_stats(OWN_CASES, PERIOD, "WHO5", "none")
    country = stats.filter(pl.col("group_value") == "all").row(0, named=True)
    beside = _captions_beside(at)
    assert len(beside) == 4
    assert _country_beside(_int(country["n"])) in beside
    assert _captions_beside(page_as("prepost", **VIEWERS["national"])) == []  # the country itself


# --- figures shown together agree, or say why not ----------------------------------------------


def test_the_overdue_card_counts_the_cases_the_attention_list_shows(app_db):
    at = page_as("fidelity", **COORDINATOR)
    assert not at.exception
    queue = attention_q.queue(OWN_CASES, _own(PERIOD))
    overdue = queue.filter(pl.col("reasons").list.contains("overdue")).height
    assert overdue > 0
    assert metrics(at)[da("pages.fidelity.active_cases_overdue")] == str(overdue)


def test_the_monthly_line_is_the_warehouse_monthly_rule(app_db):
    """The page's line, the control chart and mart.fidelity_monthly share one definition."""
    line = fidelity_q.monthly(Scope.everything(), PERIOD)
    with duckdb.connect(str(app_db), read_only=True) as con:
        mart = pl.from_arrow(
            con.sql(
                "select month, sum(active_cases) as n, sum(on_cadence_cases) as k "
                "from mart.fidelity_monthly where month between $a and $b group by month "
                "order by month",
                params={"a": PERIOD.period_start, "b": PERIOD.period_end},
            ).arrow()
        )
    assert line["month"].to_list() == mart["month"].to_list()
    assert line["n_cases"].to_list() == mart["n"].to_list()
    assert line["k_on_cadence"].to_list() == mart["k"].to_list()


def test_the_overview_and_the_fidelity_page_show_one_on_cadence_per_label(app_db):
    """The overview's card is the fidelity page's whole-case card; its sparkline the monthly line."""
    scope = Scope.everything()
    figures = overview_q.figures(scope, PERIOD)
    card = overview_q.headline(figures).filter(pl.col("figure") == "on_cadence")["value"][0]
    total = fidelity_q.by_group(scope, PERIOD).filter(pl.col("is_total"))
    assert card == pytest.approx(total["share_on_cadence"][0])
    spark = overview_q.trends(figures).filter(
        (pl.col("figure") == "on_cadence") & (pl.col("month") >= PERIOD.period_start)
    )
    line = fidelity_q.monthly(scope, PERIOD)
    assert spark["month"].to_list() == line["month"].to_list()
    assert spark["value"].to_list() == pytest.approx(line["share"].to_list())


def test_the_whole_case_card_and_the_monthly_line_say_how_they_differ(app_db):
    at = page_as("fidelity", role="national")
    assert not at.exception
    card = next(m for m in at.metric if m.label == da("on_cadence_card"))
    assert card.help == da("pages.fidelity.share_of_the_period_s_2", d=61)  # says both, in words
    specs = [
        json.dumps(json.loads(e.proto.spec), ensure_ascii=False) for e in at.get("vega_lite_chart")
    ]
    assert any(da("on_cadence_monthly") in spec for spec in specs)  # the line's axis
    assert any(
        c.value.startswith(da_start("pages.fidelity.each_point_is_the_share_2")) for c in at.caption
    )


# --- the data-quality page shows each role what it can act on ----------------------------------


DQ_TABS = "dq_tabs"  # the data-quality page's section tabs


def test_leadership_is_not_told_there_is_nothing_to_fix(app_db):
    at = page_as("data_quality", role="viewer")
    assert not at.exception
    assert any(da("pages.data_quality.rejected_rows_are_not_shown") in i.body for i in at.info)
    shown = " ".join(everything_shown(tab) for tab in each_tab(at, DQ_TABS))
    assert da_start("pages.data_quality.no_rejected_rows_are_waiting") not in shown
    assert da("pages.data_quality.no_rows_are_waiting") not in shown


def test_a_coordinator_gets_no_national_load_totals_and_no_national_waiting_count(app_db):
    loads = {DQ_TABS: "pages.data_quality.tabs.loads"}
    at = page_as("data_quality", tabs=loads, **COORDINATOR)
    assert not at.exception
    history = at.dataframe[0].value
    assert (
        da("pages.data_quality.columns.rows_read") not in history.columns
        and da("pages.data_quality.columns.rows_rejected") not in history.columns
    )
    assert da("pages.data_quality.columns.source_path") in history.columns
    # no count of rows waiting in the whole country, on any tab
    assert not [metric for tab in each_tab(at, DQ_TABS) for metric in tab.metric]
    national = page_as("data_quality", role="national", tabs=loads)
    assert da("pages.data_quality.columns.rows_read") in national.dataframe[0].value.columns


def test_older_rejected_rows_get_their_case_and_municipality_once(tmp_path: Path):
    db = build_app_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("update etl.rejected_rows set case_id = null, municipality_code = null")
        con.execute("delete from etl.meta where key = 'rejected_subjects_filled'")
    with write_transaction(db) as con:
        untouched = con.execute(  # a write that is no load leaves them as they are
            "select count(*) from etl.rejected_rows where case_id is not null"
        ).fetchall()[0][0]
        fill_rejected_subjects(con)
    assert untouched == 0
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select source_row, case_id, municipality_code from etl.rejected_rows "
            "where table_name = 'forloeb' order by source_row"
        ).fetchall()
    assert rows == [(7, "F-7", "999"), (9, None, None)]


# --- helpers -----------------------------------------------------------------------------------


def _own(filters: Filters) -> Filters:
    return Filters(filters.from_month, filters.to_month, municipalities=("101",))


def _int(value: float) -> str:
    from app import i18n

    return i18n.fmt_int(int(value), "da")


def test_the_fixture_period_is_the_sidebar_default():
    assert PERIOD == Filters(date(2025, 11, 1), date(2026, 10, 1))
