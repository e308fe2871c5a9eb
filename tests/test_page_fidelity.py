"""The Fidelity page (AppTest): cadence by month and group, gaps, overdue list, scoping, suppression."""

from __future__ import annotations

import json
import re
from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from app import suppression
from tests.app_fixtures import chart_frames, everything_shown, metrics, page_as, through_router

# the page alone, with the fixed period (the router always signs in nationally)
fidelity_as = partial(page_as, "fidelity", filters={})
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")


def group_table(at: AppTest) -> dict[str, dict]:
    table = at.dataframe[0].value
    return {row["Gruppe"]: row for row in table.to_dict("records")}


def test_national_view_shows_figures_charts_and_the_overdue_list(app_db):
    at = through_router("fidelity")
    assert not at.exception
    assert at.title[0].value == "Metodefidelitet"
    assert len(at.get("vega_lite_chart")) == 3  # by month, by group, gaps
    shown = metrics(at)
    assert shown["Målt hver anden måned"].endswith(" %")
    assert shown["Aktive forløb over grænsen"] == "25"
    overdue = at.dataframe[1].value
    assert len(overdue) == 25
    days = overdue["Dage over grænsen"].to_list()
    assert days == sorted(days, reverse=True) and min(days) > 0
    assert (overdue["Dage siden"] - overdue["Dage over grænsen"] == 61).all()


def test_the_gap_chart_draws_the_61_day_limit(app_db):
    at = through_router("fidelity")
    gaps_spec = json.loads(at.get("vega_lite_chart")[2].proto.spec)
    rules = [layer for layer in gaps_spec["layer"] if layer["mark"]["type"] == "rule"]
    assert rules
    limit = [f for f in chart_frames(at) if "days" in f.columns]
    assert limit and limit[0]["days"].to_list() == [61]


def test_monthly_share_is_on_cadence_over_active_cases(app_db):
    at = through_router("fidelity")
    monthly = next(f for f in chart_frames(at) if "month" in f.columns)
    assert monthly.height == 12
    assert ((monthly["share"] >= 0) & (monthly["share"] <= 1)).all()
    ratio = monthly["k_on_cadence"] / monthly["n_cases"]
    assert ((ratio - monthly["share"]).abs() < 1e-9).all()


def test_a_municipality_filter_changes_the_numbers(app_db):
    at = through_router("fidelity")
    before = metrics(at)["Målt hver anden måned"]
    at.sidebar.multiselect(key="f_muni").set_value(["461"]).run()
    assert not at.exception
    assert metrics(at)["Målt hver anden måned"] == "0 %" != before
    assert metrics(at)["Aktive forløb over grænsen"] == "9"


def test_small_groups_hide_and_so_does_their_complement(app_db):
    # national across two municipalities: published, so small groups hide (without noise)
    at = fidelity_as(
        filters={"municipalities": ("461", "851")}, choose={"fidelity_group": "case_type"}
    )
    assert not at.exception
    table = group_table(at)
    assert table["Forældrecoach"]["Forløb"] == "<5"
    assert table["Forældrecoach"]["Målt hver anden måned"] == "<5"
    assert table["Mentor"]["Forløb"] == "skjult"
    assert abs(int(table["I alt"]["Forløb"]) - 19) <= suppression.NOISE_RANGE
    bars = next(f for f in chart_frames(at) if "text" in f.columns)
    assert bars["n_cases"].is_null().all()


def test_leadership_may_not_add_up_two_municipalities(app_db):
    # perturbed figures of several municipalities added up could be averaged out (app/data.py)
    at = fidelity_as(role="viewer", filters={"municipalities": ("461", "851")})
    assert not at.exception
    assert any("højst én kommune" in info.value for info in at.info)
    assert not at.dataframe


def test_one_own_municipality_is_not_suppressed_for_a_case_level_viewer(app_db):
    at = fidelity_as(filters={"municipalities": ("461",)}, choose={"fidelity_group": "case_type"})
    assert group_table(at)["Forældrecoach"]["Forløb"] == "3"


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"presentation": True}])
def test_aggregate_only_viewers_see_no_case_ids_or_workers(app_db, scope):
    at = fidelity_as(**scope)
    assert not at.exception
    assert len(at.dataframe) == 1  # the group table; no overdue list
    assert any("forløbsniveau" in info.value for info in at.info)
    assert "Medarbejder" not in at.selectbox(key="fidelity_group").options
    shown = everything_shown(at)
    assert not CASE_ID.search(shown)
    assert "Medarbejder 101" not in shown


def test_workers_are_named_for_case_level_viewers(app_db):
    at = fidelity_as(
        role="coordinator", municipalities={"751"}, choose={"fidelity_group": "worker"}
    )
    assert not at.exception
    names = [g for g in group_table(at) if g != "I alt"]
    assert names and all(name.startswith("Medarbejder 751-") for name in names)
    overdue = at.dataframe[1].value
    assert overdue["Forløb"].str.startswith("C751-").all()


def test_english_switch_translates_the_page(app_db):
    at = fidelity_as(lang="en")
    assert not at.exception
    assert at.title[0].value == "Fidelity"
    assert "Measured every second month" in metrics(at)
    assert metrics(at)["Measured every second month"].endswith("%")


def test_filters_matching_nothing_say_so(app_db):
    at = fidelity_as(filters={"municipalities": ("nowhere",)})
    assert not at.exception
    assert "Ingen forløb passer" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_a_signed_in_viewer_gets_the_page_without_case_ids(app_db):
    at = through_router("fidelity", "viewer")
    assert not at.exception
    assert at.title[0].value == "Metodefidelitet"
    assert len(at.dataframe) == 1 and at.get("vega_lite_chart")
    assert not CASE_ID.search(everything_shown(at))
