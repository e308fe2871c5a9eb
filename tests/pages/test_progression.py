"""The Progression page (AppTest): charts, split, case lines, falling scores, scoping, suppression."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import partial

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app import i18n
from app.queries import progression as q
from tests.support.app_fixtures import (
    chart_caption,
    chart_frames,
    each_tab,
    everything_shown,
    fixture_rows,
    n_count,
    n_note,
    page_as,
    through_router,
)
from tests.support.wording import da, da_pattern, da_start, en
from texts.vocabulary import CODE_LABELS

# the page alone, with the fixed period (the router always signs in nationally)
progression_as = partial(page_as, "progression", filters={})
EXPECTED_BAND = "pages.progression.citizens_who_started_at_r"  # the expected band's caption
BAND_WORDS = da_start(EXPECTED_BAND).split(",")[0]  # in its chart's title too: 'Borgere'
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")
TABS = "prog_tabs"
EXPECTED = {TABS: "pages.progression.tabs.expected"}
FIRST_LATEST = {TABS: "pages.progression.tabs.first_latest"}
ALERTS = {TABS: "pages.progression.tabs.alerts"}


def subheadings(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def all_tabs_shown(at: AppTest) -> str:
    """Everything the page shows over all its section tabs, each opened in turn."""
    return " ".join(everything_shown(tab) for tab in each_tab(at, TABS))


def median_caption(at: AppTest) -> str:
    return chart_caption(at, "pages.progression.the_line_is_the_median")


def test_national_view_shows_the_median_band_lines_expected_band_histogram_and_alerts(app_db):
    at = through_router("progression")
    assert not at.exception
    assert at.title[0].value == da("page_progression")
    assert n_note(median_caption(at)) == da("n_behind", n=118)
    labels = ["scores", "expected", "first_latest", "alerts"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.progression.tabs.{k}") for k in labels]
    # only the open tab runs: the median band and the case lines; the expected band; first vs
    # latest; the alert check (a table). The note that points to the attention list stands
    # outside the tabs, in every one.
    opened = [
        (
            subheadings(shown),
            len(shown.get("vega_lite_chart")),
            len(shown.dataframe),
            any(da("pages.progression.attention_note") in c.value for c in shown.caption),
        )
        for shown in each_tab(at, TABS)
    ]
    headings = ["score_by_months_since_start", "single_cases"]
    assert opened == [
        ([da(f"pages.progression.{h}") for h in headings], 2, 0, True),
        ([da("pages.progression.expected_progress_by_starting_level")], 1, 0, True),
        ([da("pages.progression.first_and_latest_score")], 1, 0, True),
        ([da("pages.progression.do_the_alerts_work")], 0, 1, True),
    ]


def test_case_lines_are_capped_and_say_so(app_db):
    at = through_router("progression")
    lines = chart_frames(at)[1]
    assert lines["case_id"].n_unique() == 40
    lines = da_pattern("pages.progression.each_grey_line_is_one", drawn="40", total="118")
    assert any(lines.search(c.value) for c in at.caption)


def test_a_municipality_filter_changes_the_numbers(app_db):
    at = through_router("progression")
    before = median_caption(at)
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not at.exception
    after = median_caption(at)
    assert after != before and n_note(after) == da("n_behind", n=61)


def test_split_by_case_type_draws_one_series_per_type(app_db):
    at = progression_as(choose={"prog_split": "case_type"})
    assert not at.exception
    median = chart_frames(at)[0]
    assert set(median["group"].to_list()) == {
        da("vocabulary.code_labels.case_type.mentor"),
        da("vocabulary.code_labels.case_type.parent_coach"),
    }


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
    assert da("worker") not in [o for o in at.selectbox(key="prog_split").options]
    headings, tables, case_frames, text = [], 0, [], ""
    for shown in each_tab(at, TABS):
        headings += subheadings(shown)
        tables += len(shown.dataframe)
        case_frames += [f for f in chart_frames(shown) if "case_id" in f.columns]
        text += everything_shown(shown)
    assert da("pages.progression.single_cases") not in headings
    # a national evaluator on a shared screen keeps the (suppressed) alert check, a table of
    # two aggregate rows; nothing else is a table
    national = scope.get("role", "national") == "national"
    assert (da("pages.progression.do_the_alerts_work") in headings) == national
    assert len(at.tabs) == 3 + national and tables == national
    # the expected band is drawn, without single cases on it
    assert da("pages.progression.expected_progress_by_starting_level") in headings
    assert not case_frames
    assert not CASE_ID.search(text)


def test_a_coordinator_sees_only_their_own_cases_in_the_list(app_db):
    at = progression_as(role="coordinator", municipalities={"751"})
    assert not at.exception
    shown = all_tabs_shown(at)
    assert re.search(r"C751-", shown) and not re.search(r"C101-", shown)


def test_english_switch_translates_the_page(app_db):
    at = progression_as(lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_progression")
    labels = ["scores", "expected", "first_latest", "alerts"]
    assert [tab.label for tab in at.tabs] == [en(f"pages.progression.tabs.{k}") for k in labels]
    headings, captions = [], []
    # each tab opened afresh: AppTest formats a selectbox's value outside the run, in Danish,
    # so an English page with one on it cannot be run twice
    for label in labels:
        shown = progression_as(lang="en", tabs={TABS: f"pages.progression.tabs.{label}"})
        assert not shown.exception
        headings += subheadings(shown)
        captions += [c.value for c in shown.caption]
    assert en("pages.progression.score_by_months_since_start") in headings
    assert en("pages.progression.expected_progress_by_starting_level") in headings
    assert en("pages.progression.do_the_alerts_work") in headings
    assert any(c.startswith("Citizens who started at 1-3 on the scale") for c in captions)


def test_filters_matching_nothing_say_so(app_db):
    at = progression_as(filters={"municipalities": ("nowhere",)})
    assert not at.exception
    assert da("no_match") in at.info[0].value
    assert not at.get("vega_lite_chart") and not at.tabs


def test_spec_is_valid_json_without_more_than_5000_points(app_db):
    at = through_router("progression")
    charts = 0
    for shown in each_tab(at, TABS):
        for element in shown.get("vega_lite_chart"):
            json.loads(element.proto.spec)
            charts += 1
        assert all(frame.height <= 5000 for frame in chart_frames(shown))
    assert charts == 4


def test_small_multiples_keep_the_largest_groups():
    frame = pl.DataFrame({"split_group": ["a", "a", "b", "c", "c"], "n_cases": [5, 6, 20, None, 3]})
    kept, groups = q.largest_groups(frame, 2)
    assert groups == 3
    assert sorted(set(kept["split_group"])) == ["a", "b"]


def test_a_signed_in_viewer_gets_the_page_without_case_ids(app_db):
    at = through_router("progression", "viewer")
    assert not at.exception
    assert at.title[0].value == da("page_progression")
    shown = [(len(tab.get("vega_lite_chart")), len(tab.dataframe)) for tab in each_tab(at, TABS)]
    assert shown == [(1, 0), (1, 0), (1, 0)]  # no case lines, no alert check
    assert not CASE_ID.search(all_tabs_shown(at))


# --- the expected band (indicators.md section 1) -------------------------------------------------


def first_scores() -> dict[str, int]:
    """Each fixture case's first progression score, from the raw rows (not the warehouse)."""
    firsts: dict[str, tuple] = {}
    for row in fixture_rows()["progression"]:
        current = firsts.get(row["case_id"])
        if current is None or row["measured_on"] < current[0]:
            firsts[row["case_id"]] = (row["measured_on"], row["score"])
    return {case_id: score for case_id, (_, score) in firsts.items()}


def expected_caption(at: AppTest) -> str:
    # the caption begins with whom the band is built from (a sentence of its own inside it)
    return next(c.value for c in at.caption if da_start(EXPECTED_BAND) in c.value)


def band_frame(at: AppTest) -> pl.DataFrame:
    return next(f for f in chart_frames(at) if "p90" in f.columns)


@pytest.mark.parametrize(("band", "low", "high"), [("low", 1, 3), ("mid", 4, 6), ("high", 7, 10)])
def test_the_expected_band_says_which_citizens_it_is_built_from(app_db, band, low, high):
    at = progression_as(choose={"prog_band": band}, tabs=EXPECTED)
    assert not at.exception
    n = sum(low <= score <= high for score in first_scores().values())
    assert da(EXPECTED_BAND, r=f"{low}-{high}", n=n) in expected_caption(at)
    spec = json.loads(
        next(e.proto.spec for e in at.get("vega_lite_chart") if BAND_WORDS in e.proto.spec)
    )
    assert f"n = {n}" in json.dumps(spec["title"], ensure_ascii=False)


def test_the_expected_band_is_the_national_reference_of_reliable_months(app_db):
    with duckdb.connect(str(app_db), read_only=True) as con:
        reference = pl.from_arrow(con.sql(
            "select month, p10, p25, p50, p75, p90 from mart.expected_progression "
            "where start_band = 'mid' and n_cases >= 20 order by month").arrow())  # fmt: skip
    # a coordinator of one municipality gets the same band: the reference is not scoped
    for scope in ({}, {"role": "coordinator", "municipalities": {"751"}}, {"role": "viewer"}):
        at = progression_as(choose={"prog_band": "mid"}, tabs=EXPECTED, **scope)
        band = band_frame(at).select(reference.columns)
        assert band.equals(reference), scope
        assert (band_frame(at)["n_cases"] >= 20).all()


def test_single_cases_on_the_band_are_coloured_by_their_tracking(app_db):
    at = progression_as(
        role="coordinator", municipalities={"751"}, choose={"prog_band": "mid"}, tabs=EXPECTED
    )
    assert not at.exception
    points = next(f for f in chart_frames(at) if "tracking_label" in f.columns)
    assert 0 < points.height <= 5000
    assert points["case_id"].str.starts_with("C751-").all()
    assert set(points["tracking_label"]) <= {
        da("common.on_track"),
        da("common.below_expected"),
        da("pages.progression.tracking.off_track"),
        da("common.no_reference"),
    }
    spec = json.loads(
        next(e.proto.spec for e in at.get("vega_lite_chart") if BAND_WORDS in e.proto.spec)
    )
    colours = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"]
                   if "color" in layer.get("encoding", {}))  # fmt: skip
    assert dict(zip(colours["domain"], colours["range"], strict=True))[
        da("pages.progression.tracking.off_track")
    ] == ("#D55E00")
    # each point's colour agrees with its score against the band of its month
    with duckdb.connect(str(app_db), read_only=True) as con:
        tracking = dict(con.sql("select case_id || measured_on::varchar, tracking "
                                "from mart.progression_tracking").fetchall())  # fmt: skip
    words = {
        "on_track": da("common.on_track"),
        "below_expected": da("common.below_expected"),
        "off_track": da("pages.progression.tracking.off_track"),
        "no_reference": da("common.no_reference"),
    }
    for row in points.iter_rows(named=True):
        key = row["case_id"] + str(row["measured_on"])[:10]
        assert words[tracking[key]] == row["tracking_label"]


def test_the_sample_of_single_cases_keeps_whole_cases_under_the_cap(app_db):
    from app.filters import Filters
    from app.scope import Scope

    scope, filters = Scope.everything(), Filters(date(2023, 1, 1), date(2026, 10, 1))
    points, available = q.band_points(scope, filters, "low", cap=50)
    assert 0 < points.height <= 50 and available > points["case_id"].n_unique()
    whole, _ = q.band_points(scope, filters, "low")
    for case_id, group in points.group_by("case_id"):
        assert group.height == whole.filter(pl.col("case_id") == case_id[0]).height


def test_the_band_s_median_line_is_the_viewer_s_cases_latest_score_each_month(app_db):
    from app.filters import Filters
    from app.scope import Scope

    everyone = Filters(date(2000, 1, 1), date(2030, 12, 31))  # every case is in the cohort
    line = q.band_median(Scope.everything(), everyone, "mid")
    with duckdb.connect(str(app_db), read_only=True) as con:
        rows = con.sql("""
            select month, count(*), quantile_cont(score, 0.5) from (
                select case_id, month, arg_max(score, measured_on) as score
                from mart.progression_tracking
                where start_band = 'mid' and measurement_no > 1 group by case_id, month)
            group by month""").fetchall()  # fmt: skip
    expected = {month: (n, median) for month, n, median in rows}
    assert line.height == len(expected) > 0
    for row in line.iter_rows(named=True):
        n, median = expected[row["month"]]
        # months of 1-4 cases hide (the small-number rule): a gap in the line
        hidden = n < 5
        assert (row["n_cases"], row["median"]) == ((None, None) if hidden else (n, median))


@pytest.mark.parametrize(
    "scope",
    [{"role": "coordinator", "municipalities": {"751"}}, {"role": "viewer"}],
    ids=["coordinator", "viewer"],
)
def test_the_expected_band_shows_the_viewer_s_median_not_a_cloud_of_points(app_db, scope):
    """At 100,000 cases the band was hidden under 4,000 points: the viewer's cases are one
    median line over it, named in the legend and the caption with its own n and population;
    case-level viewers get a few whole cases as light points under it."""
    chosen = {"municipalities": ("751",)} if scope["role"] == "coordinator" else {}
    at = progression_as(choose={"prog_band": "mid"}, filters=chosen, tabs=EXPECTED, **scope)
    assert not at.exception
    spec = json.loads(
        next(e.proto.spec for e in at.get("vega_lite_chart") if BAND_WORDS in e.proto.spec)
    )
    who = "Aarhus" if scope["role"] == "coordinator" else da("population_country")
    label = da("pages.progression.own_median", who=who)
    line = next(layer for layer in spec["layer"] if "stroke" in layer.get("encoding", {}))
    assert line["encoding"]["stroke"]["scale"]["domain"] == [label]
    assert line["mark"]["type"] == "line"
    points = [f for f in chart_frames(at) if "tracking_label" in f.columns]
    if scope["role"] == "viewer":
        assert not points
    else:
        assert 0 < points[0].height <= q.CASE_POINT_CAP
    assert da_start("pages.progression.the_black_line_is_the") in expected_caption(at)
    # mid-sentence the country is 'hele landet', not 'Hele landet'; a municipality keeps its name
    in_sentence = (
        "Aarhus" if scope["role"] == "coordinator" else da("population_country_in_sentence")
    )
    assert f"medianen af scorerne for {in_sentence} i hver" in expected_caption(at)


# --- the evaluators' check of the alerts ----------------------------------------------------------


def alert_table(at: AppTest) -> dict[str, dict]:
    table = next(d.value for d in at.dataframe if da("common.goals") in d.value.columns)
    return {
        row[da("pages.progression.alert_columns.group")]: row for row in table.to_dict("records")
    }


def test_the_alert_check_splits_every_ended_case_by_whether_it_was_flagged(app_db):
    at = progression_as(tabs=ALERTS)
    assert not at.exception
    table = alert_table(at)
    assert set(table) == {
        da("pages.progression.flag_groups.flagged"),
        da("pages.progression.flag_groups.never"),
    }
    ended = sum(c["status"] in ("closed", "discontinued") for c in fixture_rows()["cases"])
    assert sum(int(row[da("common.n_ended")]) for row in table.values()) == ended
    assert all(
        row[da("vocabulary.code_labels.status.discontinued")].endswith("\u00a0%")
        for row in table.values()
    )


@pytest.mark.parametrize("scope", [{"role": "coordinator", "municipalities": {"101"}},
                                   {"role": "worker", "worker_id": "W101-1"}])  # fmt: skip
def test_only_evaluators_get_the_alert_check(app_db, scope):
    at = progression_as(**scope)
    assert not at.exception
    assert da("pages.progression.tabs.alerts") not in [tab.label for tab in at.tabs]
    for shown in each_tab(at, TABS):
        assert da("pages.progression.do_the_alerts_work") not in subheadings(shown)
        assert not [d for d in shown.dataframe if da("common.goals") in d.value.columns]


def test_a_small_flagged_group_hides_both_rows_of_the_alert_check(app_db):
    at = progression_as(
        presentation=True,
        filters={"genders": ("male",), "case_types": ("parent_coach",)},
        tabs=ALERTS,
    )
    assert not at.exception
    table = alert_table(at)
    assert table[da("pages.progression.flag_groups.flagged")][da("common.n_ended")] == "<5"
    assert table[da("pages.progression.flag_groups.never")][da("common.n_ended")] == da("hidden")
    assert table[da("pages.progression.flag_groups.never")][da("common.goals")] == da("hidden")


def first_latest_caption(at: AppTest) -> str:
    return chart_caption(at, "pages.progression.the_bars_show_how_many")


@pytest.mark.parametrize(
    "viewer", [{}, {"role": "viewer"}, {"role": "coordinator", "municipalities": ("101",)}]
)
def test_the_first_and_latest_chart_counts_its_hidden_bars_in_its_n(app_db, viewer):
    """A hidden bar (a score held by 1-4 cases) must not turn the chart's n into '<5'."""
    at = progression_as(**viewer, tabs=FIRST_LATEST)
    assert not at.exception
    frame = next(f for f in chart_frames(at) if "which" in f.columns)
    firsts = frame.filter(pl.col("which") == "first")
    n = n_count(first_latest_caption(at))
    assert (
        n != i18n.SUPPRESSED and int(n.replace(".", "")) > 5
    )  # a number (perturbed for leadership)
    if viewer.get("role") != "viewer":  # exact views: n is every case of the bars, hidden too
        assert int(n.replace(".", "")) >= firsts["n_cases"].fill_null(0).sum()
        if not firsts["suppressed"].any():
            assert int(n.replace(".", "")) == firsts["n_cases"].sum()


def test_count_axes_step_by_whole_cases(app_db):
    """A worker's few cases gave the first/latest axis ticks at halves, labelled '0 1 1 2 2'."""
    at = progression_as(role="worker", worker_id="W101-1", tabs=FIRST_LATEST)
    assert not at.exception
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    spec = next(s for s in specs if "xOffset" in s.get("encoding", {}))  # first vs latest
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1


@pytest.mark.parametrize("split", ["end_reason", "referred_by"])
def test_joint_learning_splits_draw_groups_in_words(app_db, split):
    """workflows.md: progression grouped by how the cases ended and where they came from."""
    at = progression_as(choose={"prog_split": split})
    assert not at.exception
    groups = set(chart_frames(at)[0]["group"].to_list())
    words = {i18n.code_label(split, code) for code in CODE_LABELS[split]} | {da("unknown")}
    assert groups and groups <= words
