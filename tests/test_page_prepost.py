"""Pre/post page: paired statistics, charts, group splits, suppression and aggregate-only viewers."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.queries import prepost as q
from app.scope import Scope
from tests.app_fixtures import PERIOD, everything_shown, metrics, page_as
from warehouse.stats import paired_change

N_LABEL = "Forløb med før og efter"


def _stats_table(at: AppTest) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[0].value)


def test_page_shows_figures_statistics_charts_and_constants(app_db):
    at = page_as("prepost")
    assert not at.exception
    assert at.title[0].value == "Før/efter"
    assert metrics(at)[N_LABEL] == "54"
    assert len(at.get("vega_lite_chart")) == 5  # dumbbell, case lines, boxes, histogram, categories
    table = _stats_table(at)
    assert table.height == 1 and table["n"].to_list() == ["54"]
    reference = " ".join(i.body for i in at.info)
    assert "sd 20,0" in reference and "grænseværdi 50" in reference and "21,5 point" in reference
    assert any("Viser 54 af 54 forløb" in c.value for c in at.caption)
    assert "C101-" in everything_shown(
        at
    )  # case lines carry ids, so the viewer test below can fail


def test_statistics_are_paired_change_of_the_cases_ending_in_the_period(app_db):
    stats = q.paired_stats(Scope.everything(), PERIOD, "WHO5", "none").to_dicts()[0]
    con = duckdb.connect(str(app_db), read_only=True)
    pairs = con.execute(
        """select o.pre_score, o.post_score from mart.case_outcomes as o
        join mart.cases as c using (case_id)
        where o.instrument = 'WHO5' and c.end_date between ? and ?""",
        [date(2025, 11, 1), date(2026, 10, 31)],
    ).fetchall()
    con.close()
    expected = paired_change([p for p, _ in pairs], [p for _, p in pairs])
    assert stats["n"] == expected.n == 54
    assert stats["mean_change"] == pytest.approx(expected.mean_change)
    assert stats["d_av"] == pytest.approx(expected.d_av)
    assert stats["p_wilcoxon"] == pytest.approx(expected.p_wilcoxon)


def test_a_filter_change_changes_the_numbers(app_db):
    at = page_as("prepost")
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not at.exception
    assert metrics(at)[N_LABEL] == "27"


def test_split_hides_a_small_group_and_its_complement(app_db):
    at = page_as("prepost")
    at.selectbox(key="pp_group").set_value("age_band").run()
    assert not at.exception
    rows = dict(_stats_table(at).select("Gruppe", "n").iter_rows())
    assert rows["<18"] == "<5"  # 2 cases
    assert rows["18-24"] == "skjult"  # 9: the smallest other group, else 2 = 54 - the rest
    assert rows["Alle"] == "54" and rows["35-49"] == "20"
    categories = q.categories(Scope.everything(), PERIOD, "WHO5", "age_band")
    assert categories.filter(pl.col("group_value") == "<18")["n"].null_count() == 4
    # the complement stays hidden in every other view of the split, or 2 = 54 - the rest again
    for view in (categories, q.distribution(Scope.everything(), PERIOD, "WHO5", "age_band")):
        complement = view.filter(pl.col("group_value") == "18-24")
        assert complement["n"].null_count() == complement.height > 0


def test_one_municipality_seen_case_by_case_is_not_suppressed(app_db):
    at = page_as("prepost")
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    at.selectbox(key="pp_group").set_value("age_band").run()
    rows = dict(_stats_table(at).select("Gruppe", "n").iter_rows())
    assert rows["18-24"] == "3"


def test_gse_has_no_cutoff_and_no_clinical_panel(app_db):
    at = page_as("prepost")
    at.selectbox(key="pp_instrument").set_value("GSE").run()
    assert not at.exception
    assert "grænseværdi –" in " ".join(i.body for i in at.info)
    specs = [json.dumps(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert not any("Klinisk" in s for s in specs)


def test_english_switch_changes_the_title(app_db):
    at = page_as("prepost", lang="en")
    assert not at.exception
    assert at.title[0].value == "Pre-post"
    assert N_LABEL not in metrics(at) and "Cases with pre and post" in metrics(at)


@pytest.mark.parametrize("role", ["viewer", "presentation"])
def test_aggregate_only_viewers_see_no_case_ids(app_db, role):
    at = page_as("prepost", role="viewer" if role == "viewer" else "national", presentation=True)
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 4  # no individual case lines
    text = everything_shown(at)
    assert "C101-" not in text and "C751-" not in text
    # across municipalities a count carries cell-key noise of at most 2 (docs/suppression.md)
    assert abs(int(metrics(at)[N_LABEL]) - 54) <= 2


def test_case_lines_are_not_allowed_for_aggregate_viewers(app_db):
    viewer = Scope(role="viewer")
    with pytest.raises(PermissionError):
        q.case_lines(viewer, PERIOD, "WHO5", "none")


def test_case_lines_are_capped(app_db):
    lines = q.case_lines(Scope.everything(), PERIOD, "WHO5", "none", limit=10)
    assert lines.height == 10 and lines["cases_total"][0] == 54


def test_filters_matching_nothing_say_so(app_db):
    at = page_as("prepost")
    at.sidebar.multiselect(key="f_muni").set_value(["461"]).run()
    assert not at.exception
    assert any("Ingen forløb passer" in i.body for i in at.info)
