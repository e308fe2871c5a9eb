"""Overview page: headline figures, filters change them, small groups and complements hide."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import indicator_parts
from app.filters import Filters
from app.queries import overview as q
from app.scope import Scope
from tests.support.app_fixtures import metrics, monthly_mart, page_as, signed_in_app
from tests.support.wording import da, da_pattern
from warehouse.stats import spc


@pytest.fixture
def app(app_db: Path) -> AppTest:
    return signed_in_app().run()


def test_overview_shows_headline_figures_chart_and_freshness(app):
    assert not app.exception
    shown = metrics(app)
    assert len(shown) == len(q.FIGURES)
    assert shown[da("common.active_cases")] not in ("", "–")
    assert app.get("vega_lite_chart"), "the monthly case-type chart is missing"
    assert any("Data pr. 31. okt. 2026" in c.value for c in app.caption)
    assert any("n = " in c.value for c in app.caption)


def test_a_filter_change_changes_the_numbers(app):
    before = metrics(app)[da("common.active_cases")]
    app.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not app.exception
    assert metrics(app)[da("common.active_cases")] != before


def test_small_group_and_its_complement_are_hidden(app):
    app.sidebar.multiselect(key="f_muni").set_value(["461", "851"]).run()
    assert not app.exception
    shown = metrics(app)
    assert shown[da("common.active_cases")] == "19"
    assert shown[da("pages.overview.labels.parent_coach")] == "<5"
    assert shown[da("pages.overview.labels.mentor")] == da("hidden")  # 16 = 19 - 3 must not show
    assert "3" not in shown.values() and "16" not in shown.values()


def test_one_own_municipality_is_not_suppressed(app):
    app.sidebar.multiselect(key="f_muni").set_value(["461"]).run()
    shown = metrics(app)
    assert shown[da("pages.overview.labels.parent_coach")] == "3"
    assert shown[da("pages.overview.labels.mentor")] == "6"


def test_filters_matching_nothing_say_so(app):
    app.sidebar.multiselect(key="f_muni").set_value(["461"]).run()
    app.sidebar.multiselect(key="f_type").set_value(["parent_coach"]).run()
    app.sidebar.multiselect(key="f_gender").set_value(["male"]).run()
    assert not app.exception
    assert any(da("no_match") in i.body for i in app.info)


def test_monthly_trend_hides_small_months_and_complements_in_the_period(app_db):
    from datetime import date

    filters = Filters(date(2025, 11, 1), date(2026, 10, 1))
    frame = q.figures(Scope.everything(), filters)
    months = q.trends(frame).filter(
        (q.pl.col("figure") == "new") & (q.pl.col("month") >= date(2025, 11, 1))
    )
    hidden = months.filter(q.pl.col("suppressed"))
    assert hidden.height != 1, "one hidden month could be worked out from the period's total"
    shown_n = months.filter(~q.pl.col("suppressed"))["n"]
    assert shown_n.is_between(1, 4).sum() == 0


def test_who5_figures_name_the_constants_in_force(app):
    assert any("21,5 point" in c.value and "sd 20,0" in c.value for c in app.caption)


def test_the_cadence_tile_gives_the_control_charts_status_in_words(app, app_db):
    result = spc(monthly_mart(app_db, None)["share"].to_list())
    words = indicator_parts.status_words(result.variation, None, "da")
    tile = [m.value for m in app.markdown]
    assert da("pages.overview.label_the_trend", label=da("on_cadence_monthly")) in tile
    colour = {"common_cause": "gray", "improvement": "blue", "concern": "orange"}
    assert f":{colour[result.variation]}-badge[{words}]" in tile


def test_a_workers_tile_rests_on_their_own_cases_only(app_db):
    # a worker's own figures are exact (docs/suppression.md): every month with a case counts
    at = page_as("overview", filters={}, role="worker", worker_id="W101-1")
    assert not at.exception
    with duckdb.connect(str(app_db), read_only=True) as con:
        (months,) = con.sql(
            """
            select count(*) from (
                select count(*) as n, count(*) filter (where m.is_on_cadence) as k
                from mart.fidelity_case_months as m
                join mart.cases as c using (case_id)
                where c.worker_id = 'W101-1' and m.month <= date '2026-10-01'
                group by m.month
            )
            """
        ).fetchall()[0]
    over_months = da_pattern("pages.overview.control_chart_over_k_months", k=str(months))
    assert any(over_months.search(c.value) for c in at.caption)
    assert any("-badge[" in m.value for m in at.markdown)
    too_short = da("pages.overview.fewer_than_12_months_the")
    assert any(too_short in c.value for c in at.caption) == (months < 12)


def test_the_monthly_chart_names_the_year_on_every_month(app):
    """d3's default ticks put the year on January only, which the axis dropped for room."""
    import json

    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["x"]["axis"]["format"] == "%b %Y"


def test_the_cadence_tile_is_wide_enough_for_its_status_on_one_line(app):
    """At two fifths of a 1280 px screen the badge was cut ('... til beky…')."""
    weights = [round(c.weight, 2) for c in app.columns]
    pairs = list(zip(weights, weights[1:], strict=False))
    assert (0.6, 0.4) in pairs and (0.4, 0.6) not in pairs, weights  # [3, 2], not [2, 3]


def test_headline_labels_wrap_instead_of_being_cut(app):
    """Five figures a row at 1280 px cut 'Afsluttede forløb' to 'Afsluttede forl…'."""
    from app.components import METRIC_LABEL_CSS

    assert METRIC_LABEL_CSS in [element.proto.body for element in app.get("html")]
