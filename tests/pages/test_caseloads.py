"""Caseloads page: monthly cases per municipality, ranking, workers, loans; scope and suppression."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from app.filters import Filters
from app.queries import caseloads as q
from app.scope import Scope
from tests.support.app_fixtures import PERIOD, chart_caption, everything_shown, n_note, page_as
from tests.support.wording import da, da_n, en

MONTHLY = "pages.caseloads.each_bar_is_a_municipality"  # how to read the monthly chart


def test_page_shows_monthly_ranking_workers_and_loans(app_db):
    at = page_as("caseloads")
    assert not at.exception
    assert at.title[0].value == da("page_caseloads")
    assert len(at.get("vega_lite_chart")) == 3  # monthly, ranking, cases per worker
    assert any(da("pages.caseloads.no_case_in_the_period") in i.body for i in at.info)
    text = everything_shown(at)
    # names are for the coordinators of the worker's own municipality (export-format.md 3.2)
    assert "Medarbejder 101-0" not in text and "W101-0" in text
    assert n_note(chart_caption(at, MONTHLY)) == da("n_behind", n=67)  # 25 + 23 + 10 + 9


def test_a_filter_change_changes_the_numbers(app_db):
    at = page_as("caseloads")
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not at.exception
    assert n_note(chart_caption(at, MONTHLY)) == da("n_behind", n=25)


def test_measure_switch_shows_new_cases(app_db):
    at = page_as("caseloads")
    at.selectbox(key="cl_measure").set_value("new_cases").run()
    assert not at.exception
    assert "new_cases" in json.dumps(at.get("vega_lite_chart")[0].proto.spec)


def test_monthly_counts_agree_with_the_caseload_mart(app_db):
    ours = q.monthly(Scope.everything(), PERIOD).filter(~pl.col("active_cases_suppressed"))
    con = duckdb.connect(str(app_db), read_only=True)
    mart = con.sql(
        "select municipality_code, month, case_type, active_cases, new_cases, closed_cases "
        "from mart.caseload_monthly where month between '2025-11-01' and '2026-10-01'"
    ).pl()
    con.close()
    joined = ours.join(mart, on=["municipality_code", "month", "case_type"], suffix="_mart")
    assert joined.height == ours.height > 0
    assert (joined["active_cases"] == joined["active_cases_mart"]).all()


def test_small_group_and_its_complement_are_hidden(app_db):
    two = Filters(PERIOD.from_month, PERIOD.to_month, municipalities=("461", "851"))
    odense = q.monthly(Scope.everything(), two).filter(pl.col("municipality_code") == "461")
    by_type = dict(
        odense.group_by("case_type").agg(pl.col("active_cases_suppressed_by").first()).iter_rows()
    )
    assert by_type == {"parent_coach": "small", "mentor": "complement"}  # 3 and then 6 = 9 - 3
    assert odense["active_cases"].null_count() == odense.height
    at = page_as("caseloads")
    at.sidebar.multiselect(key="f_muni").set_value(["461", "851"]).run()
    assert not at.exception
    spec = json.dumps(at.get("vega_lite_chart")[0].proto.spec)
    assert "Odense" not in spec and "Aalborg" in spec


def test_own_single_municipality_is_not_suppressed(app_db):
    coordinator = Scope(role="coordinator", municipalities=frozenset({"461"}))
    one = Filters(PERIOD.from_month, PERIOD.to_month, municipalities=("461",))
    frame = q.monthly(coordinator, one)
    assert 3 in frame.filter(pl.col("case_type") == "parent_coach")["active_cases"].to_list()


def test_english_switch_changes_the_title(app_db):
    at = page_as("caseloads", lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_caseloads")


@pytest.mark.parametrize("presentation_role", ["viewer", "national"])
def test_aggregate_only_viewers_see_no_ids_or_names(app_db, presentation_role):
    at = page_as("caseloads", role=presentation_role, presentation=True)
    assert not at.exception
    text = everything_shown(at)
    for leak in ("Medarbejder 101", "W101-", "C101-", "S461-"):
        assert leak not in text
    assert any(da("pages.caseloads.note_2") in c.value for c in at.caption)


def test_workers_list_is_case_level_and_limited_to_the_coordinators_area(app_db):
    with pytest.raises(PermissionError):
        q.workers(Scope(role="viewer"), PERIOD)
    coordinator = Scope(role="coordinator", municipalities=frozenset({"101"}))
    workers = q.workers(coordinator, PERIOD)
    assert set(workers["municipality_name"]) == {"København"}
    own = q.workers(Scope(role="worker", worker_id="W101-1"), PERIOD)
    assert own["worker_id"].to_list() == ["W101-1"]


def test_filters_matching_nothing_say_so(app_db):
    at = page_as("caseloads")
    at.sidebar.multiselect(key="f_muni").set_value(["851"]).run()
    at.sidebar.multiselect(key="f_type").set_value(["parent_coach"]).run()
    assert not at.exception
    assert any(da("no_match") in i.body for i in at.info)


def test_a_worker_reads_one_worker_in_the_singular(app_db):
    at = page_as("caseloads", role="worker", worker_id="W101-1")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert f"{da_n('pages.caseloads.workers', 1)} · {da('population_own_cases')}" in captions
    plural_of_one = da_n("pages.caseloads.workers", 2).replace("2", "1", 1)  # '1 medarbejdere.'
    assert not any(c.startswith(plural_of_one) for c in captions)


def test_a_worker_without_active_cases_at_the_end_is_told_so_not_blamed_on_filters(app_db):
    at = page_as("caseloads", role="worker", worker_id="W751-5")  # 22 cases, none active
    assert not at.exception
    infos = [i.body for i in at.info]
    none_active = da("pages.caseloads.no_active_case_at_the_end", d="31. okt. 2026")
    assert infos.count(none_active) == 2  # the ranking and the cases-per-worker chart
    assert da("components.no_figures_to_show_here") not in infos


def test_the_panels_counted_in_the_caption_are_the_panels_drawn():
    """'Viser de 12 kommuner' over 9 panels: a municipality whose every number is hidden gets
    no panel, so it is not among those counted as shown."""
    import polars as pl

    from app.page_charts import caseloads as pc

    rows = [("A", 40, False), ("B", 30, False), ("C", None, True), ("D", 10, False)]
    monthly = pl.DataFrame(
        [{"municipality_name": m, "active_cases": n, "active_cases_suppressed": hidden}
         for m, n, hidden in rows]
    )  # fmt: skip
    assert pc.top_municipalities(monthly, "active_cases", limit=4) == ["A", "B", "D"]
    assert pc.top_municipalities(monthly, "active_cases", limit=None) == ["A", "B", "D"]
