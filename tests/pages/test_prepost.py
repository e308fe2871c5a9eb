"""Pre/post page: paired statistics, charts, group splits, suppression and aggregate-only viewers."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app import i18n
from app.queries import prepost as q
from app.scope import Scope
from tests.support.app_fixtures import (
    PERIOD,
    chart_frames,
    each_tab,
    everything_shown,
    metrics,
    open_tab,
    page_as,
)
from tests.support.wording import da, da_pattern, en
from texts.vocabulary import CODE_LABELS
from warehouse.stats import paired_change

N_LABEL = da("pages.prepost.cases_with_pre_and_post")
TABS = "pp_tabs"
DISTRIBUTIONS = {TABS: "pages.prepost.tabs.distributions"}
CHANGE = {TABS: "pages.prepost.tabs.change"}
FAIR = {TABS: "pages.prepost.tabs.fair"}


def _stats_table(at: AppTest) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[0].value)


def test_page_shows_figures_statistics_charts_and_constants(app_db):
    at = page_as("prepost")
    assert not at.exception
    assert at.title[0].value == da("page_prepost")
    assert metrics(at)[N_LABEL] == "54"
    labels = ["paired", "distributions", "change", "fair"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.prepost.tabs.{k}") for k in labels]
    # only the open tab runs: dumbbell and case lines; boxes and histogram; categories and the
    # Jacobson plot; the two funnels
    opened = [(s.subheader[0].value, len(s.get("vega_lite_chart"))) for s in each_tab(at, TABS)]
    headings = ["pre_and_post_paired", "distribution_of_scores", "reliable_and_clinical_change",
                "fair_comparison_who_5"]  # fmt: skip
    assert opened == [(da(f"pages.prepost.{h}"), 2) for h in headings]
    at = page_as("prepost")
    table = _stats_table(at)
    assert table.height == 1 and table[da("pages.prepost.stat_columns.n")].to_list() == ["54"]
    reference = " ".join(i.body for i in at.info)
    who5 = da_pattern("pages.prepost.reference_constants_for_name_sd", name="WHO-5", sd="20,0",
                      cutoff="50", thr="21,5")  # fmt: skip
    assert who5.search(reference)
    lines = da_pattern("pages.prepost.each_line_is_one_case", shown="54", total="54")
    assert any(lines.search(c.value) for c in at.caption)
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
    rows = dict(
        _stats_table(at).select(da("common.label"), da("pages.prepost.stat_columns.n")).iter_rows()
    )
    assert rows["<18"] == "<5"  # 2 cases
    assert rows["18-24"] == da("hidden")  # 9: the smallest other group, else 2 = 54 - the rest
    assert rows[da("all")] == "54" and rows["35-49"] == "20"
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
    rows = dict(
        _stats_table(at).select(da("common.label"), da("pages.prepost.stat_columns.n")).iter_rows()
    )
    assert rows["18-24"] == "3"


def test_gse_has_no_cutoff_and_no_clinical_panel(app_db):
    at = page_as("prepost")
    at.selectbox(key="pp_instrument").set_value("GSE").run()
    assert not at.exception
    no_cutoff = da_pattern("pages.prepost.reference_constants_for_name_sd", name="GSE", cutoff="–")
    assert no_cutoff.search(" ".join(i.body for i in at.info))
    specs = [json.dumps(c.proto.spec) for s in each_tab(at, TABS) for c in s.get("vega_lite_chart")]
    assert len(specs) == 8 and not any(da("reports.handover.words.clinical") in s for s in specs)


def test_english_switch_changes_the_title(app_db):
    at = page_as("prepost", lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_prepost")
    assert N_LABEL not in metrics(at) and en("pages.prepost.cases_with_pre_and_post") in metrics(at)


@pytest.mark.parametrize("role", ["viewer", "presentation"])
def test_aggregate_only_viewers_see_no_case_ids(app_db, role):
    at = page_as("prepost", role="viewer" if role == "viewer" else "national", presentation=True)
    assert not at.exception
    charts, text = [], ""
    for shown in each_tab(at, TABS):
        charts.append(len(shown.get("vega_lite_chart")))
        text += everything_shown(shown)
    assert charts == [1, 2, 2, 2]  # no individual case lines
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
    assert any(da("no_match") in i.body for i in at.info)


# --- the Jacobson plot (indicators.md section 4) and the funnels (section 2) ---------------------

OUTCOMES_SQL = """
select c.case_id, c.municipality_name, o.pre_score, o.post_score, o.reliable_change,
    o.clinical_change
from mart.case_outcomes as o join mart.cases as c using (case_id)
where o.instrument = $instrument and c.end_date between date '2025-11-01' and date '2026-10-31'
"""


def outcomes(app_db, instrument: str = "WHO5") -> pl.DataFrame:
    with duckdb.connect(str(app_db), read_only=True) as con:
        return pl.from_arrow(con.sql(OUTCOMES_SQL, params={"instrument": instrument}).arrow())


def jacobson_spec(at: AppTest) -> dict:
    spec = next(json.loads(e.proto.spec) for e in at.get("vega_lite_chart")
                if "y_low" in e.proto.spec)  # fmt: skip
    return spec


def test_the_jacobson_plot_shows_each_case_with_its_clinical_change(app_db):
    at = page_as("prepost", tabs=CHANGE)
    assert not at.exception
    assert da("pages.prepost.pre_against_post_per_case") in [s.value for s in at.subheader]
    points = next(f for f in chart_frames(at) if {"category_label", "case_id"} <= set(f.columns))
    truth = outcomes(app_db).select("case_id", "pre_score", "post_score", "clinical_change")
    joined = points.join(truth, on="case_id", suffix="_mart")
    assert joined.height == points.height == truth.height
    assert (joined["x"] == joined["pre_score"]).all() and (
        joined["y"] == joined["post_score"]
    ).all()
    labels = {"improved": da("vocabulary.code_labels.reliable_change.improved"), "unchanged": da("vocabulary.code_labels.reliable_change.unchanged"), "deteriorated": da("vocabulary.code_labels.reliable_change.deteriorated"),
              "recovered": da("vocabulary.code_labels.reliable_change.recovered")}  # fmt: skip
    assert [labels[c] for c in joined["clinical_change"]] == joined["category_label"].to_list()
    # the band is +- 1.96 s_diff around the diagonal, the cutoff drawn at 50
    band = next(f for f in chart_frames(at) if "y_low" in f.columns)
    assert (band["y_high"] - band["x"]).max() == pytest.approx(21.47, abs=0.01)
    assert any(f.columns == ["cutoff", "what"] and f["cutoff"][0] == 50 for f in chart_frames(at))
    constants = " ".join(m.value for m in at.markdown)
    assert da("pages.prepost.reference_constants_for_n", n="WHO-5") in constants
    assert "**10,95**" in constants
    assert "**21,5**" in constants and "**0,85**" in constants


@pytest.mark.parametrize("role", ["viewer", "presentation"])
def test_aggregate_viewers_get_the_jacobson_plot_as_cells_without_small_ones(app_db, role):
    viewer = "viewer" if role == "viewer" else "national"
    at = page_as("prepost", role=viewer, presentation=True, tabs=CHANGE)
    assert not at.exception
    cells = next(f for f in chart_frames(at) if "pre_end" in f.columns)
    assert "case_id" not in cells.columns and (cells["n"] >= 5).all()
    truth = (
        outcomes(app_db)
        .with_columns(
            (pl.min_horizontal(pl.col("pre_score") // 10, 9) * 10).alias("pre_start"),
            (pl.min_horizontal(pl.col("post_score") // 10, 9) * 10).alias("post_start"),
        )
        .group_by("pre_start", "post_start")
        .len()
    )
    for row in cells.iter_rows(named=True):
        expected = truth.filter(
            (pl.col("pre_start") == row["x"]) & (pl.col("post_start") == row["y"])
        )
        assert expected["len"][0] == row["n"], row


def test_gse_draws_no_cutoff_in_the_jacobson_plot(app_db):
    at = page_as("prepost", tabs=CHANGE)
    at.selectbox(key="pp_instrument").set_value("GSE").run()
    assert not at.exception
    assert "cutoff" not in json.dumps(jacobson_spec(at))
    assert da("vocabulary.code_labels.reliable_change.recovered") not in json.dumps(
        jacobson_spec(at), ensure_ascii=False
    )


def test_the_who5_funnels_count_the_outcomes_of_each_municipality(app_db):
    at = page_as("prepost", tabs=FAIR)
    assert not at.exception
    improved, recovered = [f for f in chart_frames(at) if "unit_label" in f.columns]
    truth = (
        outcomes(app_db)
        .group_by("municipality_name")
        .agg(
            pl.len().alias("total"),
            (pl.col("reliable_change") == "improved").sum().alias("improved"),
            (pl.col("clinical_change") == "recovered").sum().alias("recovered"),
        )
    )
    by_name = {row["municipality_name"]: row for row in truth.iter_rows(named=True)}
    for frame, event in ((improved, "improved"), (recovered, "recovered")):
        assert frame.height == truth.height
        for row in frame.iter_rows(named=True):
            assert (row["events"], row["total"]) == (
                by_name[row["unit_label"]][event],
                by_name[row["unit_label"]]["total"],
            )


def test_a_coordinator_s_who5_funnels_compare_the_country_with_their_own_marked(app_db):
    """The filter opens on Aarhus: each funnel was Aarhus alone against limits fitted on it."""
    at = page_as("prepost", role="coordinator", municipalities={"751"},
                 filters={"municipalities": ("751",)}, tabs=FAIR)  # fmt: skip
    assert not at.exception
    country = {row["municipality_name"] for row in outcomes(app_db).iter_rows(named=True)}
    frames = [f for f in chart_frames(at) if "unit_label" in f.columns]
    assert len(frames) == 2
    for frame in frames:
        # every municipality with outcomes, but those hidden (small; a complement)
        assert set(frame["unit_label"]) <= country and frame.height > 1
        assert frame.filter(pl.col("is_marked"))["unit_label"].to_list() == ["Aarhus"]
    # the page's header is Aarhus's view; the funnels' section says they compare the country
    assert da("population_figures", who="Aarhus") in [c.value for c in at.caption]
    assert da("indicator_parts.population.marked", names="Aarhus") in [c.value for c in at.caption]


def test_a_worker_gets_no_funnel_on_the_pre_post_page(app_db):
    at = page_as("prepost", role="worker", worker_id="W101-1", tabs=FAIR)
    assert not at.exception
    assert not [f for f in chart_frames(at) if "unit_label" in f.columns]
    assert any(
        da("indicator_parts.the_comparison_of_municipalities_is") in i.value for i in at.info
    )


def test_a_jacobson_plot_of_only_small_cells_is_a_sentence(app_db):
    at = page_as("prepost", role="viewer", filters={"genders": ("other",)}, tabs=CHANGE)
    assert not at.exception
    # 12 cases (a viewer's count carries cell-key noise of at most 2); no 10 x 10 cell holds 5
    assert abs(int(metrics(at)[N_LABEL]) - 12) <= 2
    assert not [f for f in chart_frames(at) if "pre_end" in f.columns]
    assert any(da("pages.prepost.every_cell_rests_on_fewer") in i.value for i in at.info)
    # and both funnels: every municipality hidden, said in a sentence instead of a chart
    open_tab(at, TABS, FAIR[TABS])
    assert not [f for f in chart_frames(at) if "unit_label" in f.columns]
    all_hidden = da("indicator_parts.all_units_n_rest_on", n=2)
    assert sum(all_hidden in i.value for i in at.info) == 2


def test_a_coordinator_sees_their_own_cases_in_the_jacobson_plot_and_compares_own_workers(app_db):
    at = page_as("prepost", role="coordinator", municipalities={"751"}, tabs=CHANGE)
    assert not at.exception
    points = next(f for f in chart_frames(at) if {"category_label", "case_id"} <= set(f.columns))
    assert points.height and points["case_id"].str.starts_with("C751-").all()
    open_tab(at, TABS, FAIR[TABS])
    at.selectbox(key="pp_funnel_unit").set_value("worker").run()
    assert not at.exception
    workers = [f for f in chart_frames(at) if "unit_label" in f.columns]
    assert workers and all(
        f["unit_label"].str.starts_with("Medarbejder 751-").all() for f in workers
    )


def test_score_axes_carry_about_ten_ticks(app_db):
    """A full-width axis of 0-60 had a tick every 2 points, crowded on a projector."""
    import json

    from tests.support.app_fixtures import page_as

    at = page_as("prepost", role="viewer")
    assert not at.exception
    charts = [chart for shown in each_tab(at, TABS) for chart in shown.get("vega_lite_chart")]
    assert len(charts) == 7
    for element in charts:
        assert json.loads(element.proto.spec)["config"]["axisQuantitative"]["tickCount"] == 10


def test_english_chart_labels_made_in_polars_threads_are_english(app_db):
    """Labels made by map_elements run in polars' own threads, where the session (and so its
    language) is not known: the language is bound before, so they are English too."""
    at = page_as("prepost", lang="en", tabs=CHANGE)
    assert not at.exception
    labels = {
        value
        for frame in chart_frames(at)
        if "category_label" in frame.columns
        for value in frame["category_label"].to_list()
    }
    assert labels, "no change-category chart drawn"
    assert labels <= {
        en("vocabulary.code_labels.reliable_change.improved"),
        en("vocabulary.code_labels.reliable_change.unchanged"),
        en("vocabulary.code_labels.reliable_change.deteriorated"),
        en("vocabulary.code_labels.reliable_change.recovered"),
    }, labels


@pytest.mark.parametrize("split", ["end_reason", "referred_by"])
def test_joint_learning_splits_name_their_groups_in_words(app_db, split):
    """workflows.md: pre/post grouped by how the cases ended and where they came from."""
    at = page_as("prepost")
    at.selectbox(key="pp_group").set_value(split).run()
    assert not at.exception
    groups = set(_stats_table(at)[da("common.label")].to_list()) - {da("all")}
    assert groups, "the split shows its groups"
    words = {i18n.code_label(split, code) for code in CODE_LABELS[split]} | {da("unknown")}
    assert groups <= words  # words, never raw codes like 'goals_met'


def test_the_histogram_has_a_heading_of_its_own(app_db):
    at = page_as("prepost", tabs=DISTRIBUTIONS)
    assert not at.exception
    headings = [s.value for s in at.subheader]
    box = headings.index(da("pages.prepost.distribution_of_scores"))
    assert headings[box + 1] == da("pages.prepost.scores_in_bands")


def test_an_effect_size_of_fewer_than_three_pairs_is_not_shown_as_zero(app_db):
    """Hedges' J is 0 for two pairs: warehouse.stats gives d_av = 0 there (as effectsize does),
    which beside a mean change read as 'no effect'. Fewer than three pairs: no effect size."""
    con = duckdb.connect(str(app_db), read_only=True)
    workers = [w for (w,) in con.execute("select worker_id from mart.workers").fetchall()]
    con.close()
    seen = {}
    for worker in workers:
        stats = q.paired_stats(Scope(role="worker", worker_id=worker), PERIOD, "WHO5", "none")
        row = stats.to_dicts()[0] if stats.height else None
        if row and not row["suppressed"] and row["n"]:
            seen.setdefault(min(row["n"], q.MIN_EFFECT_PAIRS), row)
    assert {1, 2} & seen.keys(), f"no worker with one or two pairs in the fixture: {seen.keys()}"
    assert q.MIN_EFFECT_PAIRS in seen, "no worker with three pairs or more in the fixture"
    for n, row in seen.items():
        effect = [row[f] for f in q.EFFECT_SIZES]
        if n < q.MIN_EFFECT_PAIRS:
            assert effect == [None] * len(effect), f"{n} pairs: {effect}"
            assert row["mean_change"] is not None  # the change itself is still shown
        else:
            assert row["d_av"] is not None and row["d_av_ci_low"] < row["d_av_ci_high"]
