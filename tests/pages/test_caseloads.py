"""Caseloads page: monthly cases per municipality, ranking, workers, loans; scope and suppression."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from app.filters import Filters
from app.queries import caseloads as q
from app.scope import Scope
from tests.support.app_fixtures import (
    PERIOD,
    chart_caption,
    each_tab,
    element_frames,
    everything_shown,
    n_note,
    open_tab,
    page_as,
)
from tests.support.wording import da, da_n, da_start, en

RANKING = "pages.caseloads.each_bar_is_a_municipality"  # how to read the ranking
TABS = "cl_tabs"
MUNICIPALITIES = {TABS: "pages.caseloads.tabs.municipalities"}
WORKERS = {TABS: "pages.caseloads.tabs.workers"}


def test_page_shows_monthly_ranking_workers_and_loans(app_db):
    at = page_as("caseloads")
    assert not at.exception
    assert at.title[0].value == da("page_caseloads")
    labels = ["months", "municipalities", "workers", "loans"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.caseloads.tabs.{k}") for k in labels]
    # only the open tab runs: the monthly chart; the ranking; cases per worker with the top
    # workers and the worker list; the loans (none in the period: a sentence). The note on
    # hidden figures stands outside the tabs, in every one.
    opened = [
        (
            [s.value for s in shown.subheader],
            len(shown.get("vega_lite_chart")),
            len(shown.dataframe),
            any(c.value.startswith(da_start("suppressed_note")) for c in shown.caption),
        )
        for shown in each_tab(at, TABS)
    ]
    assert opened == [
        ([da("pages.caseloads.cases_per_municipality_and_month")], 1, 0, True),
        ([da("pages.caseloads.municipalities_by_active_cases")], 1, 0, True),
        ([da("pages.caseloads.cases_per_worker"), da("common.worker")], 1, 2, True),
        ([da("pages.caseloads.loans_between_municipalities")], 0, 0, True),
    ]
    assert any(da("pages.caseloads.no_case_in_the_period") in i.body for i in at.info)
    at = open_tab(at, TABS, WORKERS[TABS])
    text = everything_shown(at)
    # names are for the coordinators of the worker's own municipality (export-format.md 3.2)
    assert "Medarbejder 101-0" not in text and "W101-0" in text
    # nobody's name is for a national user: no column of dashes in the worker list
    workers = at.dataframe[-1].value
    assert (
        "W101-0" in set(workers["Id"])
        and da("pages.caseloads.worker_columns.name") not in workers.columns
    )
    at = open_tab(at, TABS, MUNICIPALITIES[TABS])
    assert n_note(chart_caption(at, RANKING)) == da("n_behind", n=67)  # 25 + 23 + 10 + 9


def test_a_filter_change_changes_the_numbers(app_db):
    at = page_as("caseloads", tabs=MUNICIPALITIES)
    before = n_note(chart_caption(at, RANKING))
    at.sidebar.multiselect(key="f_muni").set_value(["101"]).run()
    assert not at.exception
    assert n_note(chart_caption(at, RANKING)) == da("n_behind", n=25) != before


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
    text, captions = "", []
    for shown in each_tab(at, TABS):
        text += everything_shown(shown)
        captions += [c.value for c in shown.caption]
    for leak in ("Medarbejder 101", "W101-", "C101-", "S461-"):
        assert leak not in text
    assert any(da("pages.caseloads.note_2") in c for c in captions)


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
    at = page_as("caseloads", role="worker", worker_id="W101-1", tabs=WORKERS)
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert f"{da_n('pages.caseloads.workers', 1)} · {da('population_own_cases')}" in captions
    plural_of_one = da_n("pages.caseloads.workers", 2).replace("2", "1", 1)  # '1 medarbejdere.'
    assert not any(c.startswith(plural_of_one) for c in captions)


def test_a_worker_without_active_cases_at_the_end_is_told_so_not_blamed_on_filters(app_db):
    at = page_as("caseloads", role="worker", worker_id="W751-5")  # 22 cases, none active
    assert not at.exception
    infos = [i.body for shown in each_tab(at, TABS) for i in shown.info]
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


# --- cases per worker --------------------------------------------------------------------------

OWN_101 = {"role": "coordinator", "municipalities": ("101",)}


def _bands(frame: pl.DataFrame) -> dict[str, int | None]:
    return dict(frame.sort("band_order").select("band", "workers").iter_rows())


def test_an_exact_view_counts_workers_per_number_of_cases(app_db):
    """A coordinator's own municipality is exact: one bar per number of active cases (its
    workers have 2, 3, 3, 5, 6 and 6), not one '1-4' bar that held every worker of a small corps.
    A number no worker has is a bar of 0, so the axis reads as a row of numbers."""
    coordinator = Scope(role="coordinator", municipalities=frozenset({"101"}))
    own = Filters(PERIOD.from_month, PERIOD.to_month, municipalities=("101",))
    load = q.worker_load(coordinator, own)
    assert _bands(load) == {"1": 0, "2": 1, "3": 2, "4": 0, "5": 1, "6": 2}
    assert not load["suppressed"].any()


def test_a_view_that_only_hides_counts_per_number_and_hides_the_small_ones(app_db):
    """The national view across municipalities hides small figures (not perturbed): one or two
    workers with one or two cases each are under 5 cases, hidden, and not a bar of 0."""
    load = q.worker_load(Scope.everything(), PERIOD)
    bands = _bands(load)
    assert list(bands) == [str(k) for k in range(1, 11)]
    assert bands["1"] is None and bands["2"] is None  # hidden, not 0
    assert bands["4"] == 0 and bands["3"] == 3 and bands["6"] == 3
    hidden = load.filter(pl.col("suppressed"))["band"].to_list()
    assert hidden == ["1", "2"]
    # no person behind a shown bar is under the threshold: each shown band holds 0 or 5+ cases
    shown = load.filter(~pl.col("suppressed"))
    assert ((shown["cases"] == 0) | (shown["cases"] >= 5)).all()


def test_a_perturbed_view_keeps_bands_of_five(app_db):
    """Outside the coordinator's own municipality counts are perturbed: a worker count per single
    number of cases would give the exact cases beside their perturbed count, so bands of five."""
    coordinator = Scope(role="coordinator", municipalities=frozenset({"101"}))
    load = q.worker_load(coordinator, PERIOD)
    assert list(_bands(load)) == ["1-4", "5-9", "10-14"]
    assert _bands(load)["5-9"] is not None


def test_the_cases_per_worker_chart_marks_hidden_bars(app_db):
    """A hidden band is a grey stroke on the baseline, its place on the axis kept (a gap would
    read as none), and the caption says so where the view hides."""
    at = page_as("caseloads", tabs=WORKERS)
    assert not at.exception
    element = at.get("vega_lite_chart")[0]
    spec = json.loads(element.proto.spec)
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [str(k) for k in range(1, 11)]
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "tick"]
    strokes = next(f for f in element_frames(element) if "hidden" in f.columns)
    assert strokes["band"].to_list() == ["1", "2"]
    caption = chart_caption(at, "pages.caseloads.each_bar_is_the_number")
    assert da("pages.caseloads.each_bar_is_the_number_hidden") in caption
    own = page_as("caseloads", **OWN_101, filters={"municipalities": ("101",)}, tabs=WORKERS)
    own_caption = chart_caption(own, "pages.caseloads.each_bar_is_the_number")
    assert da("pages.caseloads.each_bar_is_the_number_hidden") not in own_caption


def test_one_municipality_s_monthly_chart_is_not_called_small_charts(app_db):
    """A coordinator's own municipality is one chart the page's width: its caption does not
    speak of small charts, one per municipality; the country's small multiples still do."""
    own = page_as("caseloads", **OWN_101, filters={"municipalities": ("101",)})
    assert not own.exception
    one = da("pages.caseloads.the_bars_are_m_per_month", m=da("common.active_cases").lower())
    small = da_start("pages.caseloads.each_small_chart_is_one_2")
    assert any(c.value.startswith(one) for c in own.caption)
    assert not any(c.value.startswith(small) for c in own.caption)
    country = page_as("caseloads")
    assert any(c.value.startswith(small) for c in country.caption)


def test_a_worker_without_active_cases_gets_no_empty_list_of_top_workers(app_db):
    """W751-5 has no case active at the period's end: the chart of cases per worker says so,
    and the expander of the workers with most cases stood empty under it."""
    at = page_as("caseloads", role="worker", worker_id="W751-5", tabs=WORKERS)
    assert not at.exception
    assert any(da_start("pages.caseloads.no_active_case_at_the_end") in i.body for i in at.info)
    assert [e.label for e in at.expander if not list(e.children.values())] == []
    assert da("pages.caseloads.workers_with_the_most_cases") not in [e.label for e in at.expander]
