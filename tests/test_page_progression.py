"""The Progression page (AppTest): charts, split, case lines, falling scores, scoping, suppression."""

from __future__ import annotations

import json
import re
from functools import partial

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.queries import progression as q
from tests.app_fixtures import chart_frames, everything_shown, page_as, through_router

# the page alone, with the fixed period (the router always signs in nationally)
progression_as = partial(page_as, "progression", filters={})
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")


def median_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Linjen er medianscoren"))


def test_national_view_shows_the_median_band_lines_histogram_and_falls(app_db):
    at = through_router("progression")
    assert not at.exception
    assert at.title[0].value == "Progression"
    assert len(at.get("vega_lite_chart")) == 3  # median band, case lines, first vs latest
    assert "n = 118 forløb" in median_caption(at)
    falls = at.dataframe[0].value
    assert len(falls) > 0 and "Seneste score" in falls.columns
    # every listed case fell 2+ since the previous score or lies below its first
    drop = falls["Ændring siden forrige"] <= -2
    below = falls["Seneste score"] < falls["Første score"]
    assert (drop | below).all()


def test_case_lines_are_capped_and_say_so(app_db):
    at = through_router("progression")
    lines = chart_frames(at)[1]
    assert lines["case_id"].n_unique() == 40
    assert any("Viser 40 af 118 forløb" in c.value for c in at.caption)


def test_a_municipality_filter_changes_the_numbers(app_db):
    at = through_router("progression")
    before = median_caption(at)
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not at.exception
    after = median_caption(at)
    assert after != before and "n = 61 forløb" in after


def test_split_by_case_type_draws_one_series_per_type(app_db):
    at = progression_as(choose={"prog_split": "case_type"})
    assert not at.exception
    median = chart_frames(at)[0]
    assert set(median["group"].to_list()) == {"Mentor", "Forældrecoach"}


def test_small_split_groups_hide_and_so_does_their_complement(app_db):
    at = progression_as(role="viewer", choose={"prog_split": "case_type"})
    assert not at.exception
    median = chart_frames(at)[0]
    month = median.filter(pl.col("month_no") == 11)
    hidden = dict(zip(month["split_group"], month["suppressed_by"], strict=True))
    assert hidden == {"parent_coach": "small", "mentor": "complement"}
    assert month["median"].is_null().all() and month["n_cases"].is_null().all()
    assert any("<5" in c.value for c in at.caption)


def test_one_own_municipality_is_not_suppressed_for_a_case_level_viewer(app_db):
    at = progression_as(filters={"municipalities": ("101",)}, choose={"prog_split": "case_type"})
    assert not chart_frames(at)[0]["suppressed"].any()


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"presentation": True}])
def test_aggregate_only_viewers_see_no_case_ids(app_db, scope):
    at = progression_as(**scope)
    assert not at.exception
    assert "Enkelte forløb" not in [s.value for s in at.subheader]
    assert not at.dataframe
    assert any("forløbsniveau" in info.value for info in at.info)
    assert "Medarbejder" not in [o for o in at.selectbox(key="prog_split").options]
    assert not CASE_ID.search(everything_shown(at))


def test_a_coordinator_sees_only_their_own_cases_in_the_list(app_db):
    at = progression_as(role="coordinator", municipalities={"751"})
    assert not at.exception
    shown = everything_shown(at)
    assert re.search(r"C751-", shown) and not re.search(r"C101-", shown)


def test_english_switch_translates_the_page(app_db):
    at = progression_as(lang="en")
    assert not at.exception
    assert at.title[0].value == "Progression"
    assert "Score by months since start" in [s.value for s in at.subheader]
    assert "Cases with a falling score" in [s.value for s in at.subheader]


def test_filters_matching_nothing_say_so(app_db):
    at = progression_as(filters={"municipalities": ("nowhere",)})
    assert not at.exception
    assert "Ingen forløb passer" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_spec_is_valid_json_without_more_than_5000_points(app_db):
    at = through_router("progression")
    for element in at.get("vega_lite_chart"):
        json.loads(element.proto.spec)
    assert all(frame.height <= 5000 for frame in chart_frames(at))


def test_small_multiples_keep_the_largest_groups():
    frame = pl.DataFrame({"split_group": ["a", "a", "b", "c", "c"], "n_cases": [5, 6, 20, None, 3]})
    kept, groups = q.largest_groups(frame, 2)
    assert groups == 3
    assert sorted(set(kept["split_group"])) == ["a", "b"]


def test_a_signed_in_viewer_gets_the_page_without_case_ids(app_db):
    at = through_router("progression", "viewer")
    assert not at.exception
    assert at.title[0].value == "Progression"
    assert at.get("vega_lite_chart") and not at.dataframe
    assert not CASE_ID.search(everything_shown(at))
