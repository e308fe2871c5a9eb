"""The Fidelity page (AppTest): cadence by month and group, gaps, funnels, control chart, scoping,
suppression."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import partial

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app import funnel, i18n, indicator_parts, suppression
from app.page_charts.indicators import XMR_X_ROOM_DAYS
from app.queries import fidelity as q
from app.scope import Scope
from tests.support.app_fixtures import (
    PERIOD,
    chart_frames,
    each_tab,
    element_frames,
    everything_shown,
    metrics,
    monthly_mart,
    n_count,
    n_note,
    open_tab,
    page_as,
    through_router,
)
from tests.support.wording import da, da_n, da_start, en
from warehouse.stats import funnel_limits, spc

# the page alone, with the fixed period (the router always signs in nationally)
fidelity_as = partial(page_as, "fidelity", filters={})
OVERDISPERSION = da("indicator_parts.the_limits_allow_for_overdispersion").strip()
# how to read the monthly share (two wordings: the whole case, the month) and the control chart
MONTHLY_HOW_TO_READ = ("pages.fidelity.each_point_is_the_share",
                       "pages.fidelity.each_point_is_the_share_2",
                       "pages.fidelity.each_point_is_the_month")  # fmt: skip
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")
TABS = "fidelity_tabs"
GROUPS = {TABS: "pages.fidelity.tabs.groups"}
FAIR = {TABS: "pages.fidelity.tabs.fair"}
GAPS = {TABS: "pages.fidelity.tabs.gaps"}


def group_table(at: AppTest) -> dict[str, dict]:
    table = at.dataframe[0].value
    return {row[da("common.label")]: row for row in table.to_dict("records")}


def test_national_view_shows_figures_and_charts_and_points_to_the_attention_page(app_db):
    at = through_router("fidelity")
    assert not at.exception
    assert at.title[0].value == da("page_fidelity")
    labels = ["time", "groups", "fair", "gaps"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.fidelity.tabs.{k}") for k in labels]
    shown = metrics(at)
    assert shown[da("on_cadence_card")].endswith("\u00a0%")  # CLDR: a no-break space
    assert shown[da("pages.fidelity.active_cases_overdue")] == "25"
    # only the open tab runs: by month and the control chart; by group (its chart and table:
    # the overdue cases are on the attention page); the two funnels; gaps. The cards and the
    # note that points to the attention page stand outside the tabs, in every one.
    opened = [
        (
            [s.value for s in shown.subheader],
            len(shown.get("vega_lite_chart")),
            len(shown.dataframe),
            metrics(shown) == metrics(at),
            any(da("pages.fidelity.attention_note") in c.value for c in shown.caption),
        )
        for shown in each_tab(at, TABS)
    ]
    headings = ["on_cadence_by_month", "control_chart_measured_every_second"]
    assert opened == [
        ([da(f"pages.fidelity.{h}") for h in headings], 2, 0, True, True),
        ([da("pages.fidelity.by_group")], 1, 1, True, True),
        ([da("pages.fidelity.fair_comparison")], 2, 0, True, True),
        ([da("pages.fidelity.gaps_between_measurements")], 1, 0, True, True),
    ]


def test_the_gap_chart_draws_the_61_day_limit(app_db):
    at = open_tab(through_router("fidelity"), TABS, GAPS[TABS])
    gaps_spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
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
    before = metrics(at)[da("on_cadence_card")]
    at.sidebar.multiselect(key="f_muni").set_value(["461"]).run()
    assert not at.exception
    assert metrics(at)[da("on_cadence_card")] == "0\u00a0%" != before
    assert metrics(at)[da("pages.fidelity.active_cases_overdue")] == "9"


def test_small_groups_hide_and_so_does_their_complement(app_db):
    # national across two municipalities: published, so small groups hide (without noise)
    at = fidelity_as(
        filters={"municipalities": ("461", "851")}, choose={"fidelity_group": "case_type"},
        tabs=GROUPS,
    )  # fmt: skip
    assert not at.exception
    table = group_table(at)
    assert table[da("vocabulary.code_labels.case_type.parent_coach")][da("common.cases")] == "<5"
    assert (
        table[da("vocabulary.code_labels.case_type.parent_coach")][da("pages.fidelity.on_cadence")]
        == "<5"
    )
    assert table[da("vocabulary.code_labels.case_type.mentor")][da("common.cases")] == da("hidden")
    assert abs(int(table[da("common.total")][da("common.cases")]) - 19) <= suppression.NOISE_RANGE
    # every bar hidden: no chart of empty bars (and no hidden count in one), a sentence instead
    assert not [f for f in chart_frames(at) if "text" in f.columns]
    assert any(da("components.every_figure_here_is_hidden") in i.value for i in at.info)


def test_leadership_may_not_add_up_two_municipalities(app_db):
    # perturbed figures of several municipalities added up could be averaged out (app/data.py)
    at = fidelity_as(role="viewer", filters={"municipalities": ("461", "851")}, tabs=GROUPS)
    assert not at.exception
    assert any(da("too_many_outside") in i.value for i in at.info)
    assert not at.dataframe


def test_one_own_municipality_is_not_suppressed_for_a_case_level_viewer(app_db):
    at = fidelity_as(
        filters={"municipalities": ("461",)}, choose={"fidelity_group": "case_type"}, tabs=GROUPS
    )
    assert (
        group_table(at)[da("vocabulary.code_labels.case_type.parent_coach")][da("common.cases")]
        == "3"
    )


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"presentation": True}])
def test_aggregate_only_viewers_see_no_case_ids_or_workers(app_db, scope):
    at = fidelity_as(**scope, tabs=GROUPS)
    assert not at.exception
    assert len(at.dataframe) == 1  # the group table
    assert da("worker") not in at.selectbox(key="fidelity_group").options
    shown = " ".join(everything_shown(tab) for tab in each_tab(at, TABS))
    assert not CASE_ID.search(shown)
    assert "Medarbejder 101" not in shown


def test_workers_are_named_for_case_level_viewers(app_db):
    at = fidelity_as(
        role="coordinator", municipalities={"751"}, choose={"fidelity_group": "worker"},
        tabs=GROUPS,
    )  # fmt: skip
    assert not at.exception
    names = [g for g in group_table(at) if g != da("common.total")]
    assert names and all(name.startswith("Medarbejder 751-") for name in names)


def test_english_switch_translates_the_page(app_db):
    at = fidelity_as(lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_fidelity")
    assert en("on_cadence_card") in metrics(at)
    assert metrics(at)[en("on_cadence_card")].endswith("%")


def test_filters_matching_nothing_say_so(app_db):
    at = fidelity_as(filters={"municipalities": ("nowhere",)})
    assert not at.exception
    assert da("no_match") in at.info[0].value
    assert not at.get("vega_lite_chart") and not at.tabs


def test_a_signed_in_viewer_gets_the_page_without_case_ids(app_db):
    at = through_router("fidelity", "viewer")
    assert not at.exception
    assert at.title[0].value == da("page_fidelity")
    shown = [(len(tab.dataframe), len(tab.get("vega_lite_chart")), everything_shown(tab))
             for tab in each_tab(at, TABS)]  # fmt: skip
    assert [(tables, charts > 0) for tables, charts, _ in shown] == [(0, True), (1, True),
                                                                    (0, True), (0, True)]  # fmt: skip
    assert not CASE_ID.search(" ".join(text for _, _, text in shown))


# --- funnel plots (indicators.md section 2) ------------------------------------------------------


def funnel_frames(at: AppTest) -> list[pl.DataFrame]:
    """The units drawn in each funnel plot."""
    return [f for f in chart_frames(at) if {"unit_label", "rate"} <= set(f.columns)]


def funnel_curves(at: AppTest) -> list[pl.DataFrame]:
    """The limit curves of each funnel plot (long: total, limit, value)."""
    return [f for f in chart_frames(at) if {"limit", "value", "total"} <= set(f.columns)]


def test_funnels_compare_municipalities_with_the_same_counts_as_the_group_table(app_db):
    at = fidelity_as(tabs=FAIR)
    assert not at.exception
    assert da("pages.fidelity.fair_comparison") in [s.value for s in at.subheader]
    cadence, pre = funnel_frames(at)
    curves = funnel_curves(at)
    # no league table: the units are not drawn in order of their share
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "sort" not in json.dumps(spec)
    table = group_table(open_tab(at, TABS, GROUPS[TABS]))
    for row in cadence.iter_rows(named=True):
        assert str(row["total"]) == table[row["unit_label"]][da("common.cases")]
        assert row["rate"] == pytest.approx(row["events"] / row["total"])
    curve = curves[0].pivot("limit", index="total", values="value")
    assert (curve["lower998"] <= curve["lower95"]).all() and (
        curve["upper95"] <= curve["upper998"]
    ).all()
    assert set(pre["unit_label"]) <= set(table)


def test_overdispersion_is_on_for_municipalities_and_can_be_switched_off(app_db):
    at = fidelity_as(tabs=FAIR)
    toggle = at.toggle(key="fidelity_funnel_overdispersion_municipality")
    assert toggle.value is True
    counts = funnel_frames(at)[0].select("events", "total")
    largest = counts.sort("total").row(-1, named=True)

    def upper998_at_largest() -> float:
        curve = funnel_curves(at)[0]
        point = curve.filter(
            (pl.col("limit") == "upper998") & (pl.col("total") == largest["total"])
        )
        return point["value"][0]

    wide = funnel_limits(counts["events"], counts["total"], overdispersion=True)
    assert upper998_at_largest() == pytest.approx(
        max(u.upper998 for u in wide.units if u.total == largest["total"])
    )
    assert any(OVERDISPERSION in c.value for c in at.caption)
    toggle.set_value(False).run()
    assert not at.exception
    exact = funnel_limits(counts["events"], counts["total"])
    assert upper998_at_largest() == pytest.approx(
        next(u.upper998 for u in exact.units if u.total == largest["total"])
    )
    assert not any(OVERDISPERSION in c.value for c in at.caption)


def test_a_coordinator_compares_their_own_workers(app_db):
    at = fidelity_as(role="coordinator", municipalities={"751"}, tabs=FAIR)
    assert at.selectbox(key="fidelity_funnel_unit").options == [
        da("indicator_parts.unit_words.municipality"),
        da("common.worker"),
    ]
    at.selectbox(key="fidelity_funnel_unit").set_value("worker").run()
    assert not at.exception
    workers = funnel_frames(at)[0]
    assert workers.height and workers["unit_label"].str.starts_with("Medarbejder 751-").all()
    # workers: no overdispersion unless chosen
    assert at.toggle(key="fidelity_funnel_overdispersion_worker").value is False


def test_a_viewer_compares_municipalities_only_and_small_ones_are_hidden(app_db):
    at = fidelity_as(role="viewer", filters={"case_types": ("parent_coach",)}, tabs=FAIR)
    assert not at.exception
    assert at.selectbox(key="fidelity_funnel_unit").options == [
        da("indicator_parts.unit_words.municipality")
    ]
    cadence = funnel_frames(at)[0]
    assert cadence["unit_label"].to_list() == ["Aarhus"]  # Odense has 3, København its complement
    assert (cadence["total"] >= 5).all()
    assert any(c.value.startswith(da_n("indicator_parts.hidden", 2)) for c in at.caption)
    # the n under the funnel is the units drawn, and says so (it is not every case)
    funnel_n = [c.value for c in at.caption
                if c.value.startswith(da_start("indicator_parts.each_point_is_one_unit"))]  # fmt: skip
    assert funnel_n and all(
        n_note(c).endswith(" " + da("indicator_parts.cases_in_the_units_shown")) for c in funnel_n
    )


def test_a_worker_gets_no_comparison_of_municipalities(app_db):
    at = fidelity_as(role="worker", worker_id="W101-1", tabs=FAIR)
    assert not at.exception
    assert not funnel_frames(at)
    assert any(
        da("indicator_parts.the_comparison_of_municipalities_is") in i.value for i in at.info
    )


def test_a_unit_outside_the_limits_is_named_in_a_sentence():
    counts = pl.DataFrame({
        "unit_code": ["253", "101", "751", "461", "259"],
        "unit_label": ["Greve", "København", "Aarhus", "Odense", "Køge"],
        "events": [41, 760, 700, 3, 30], "total": [100, 1000, 1000, 4, 40],
    })  # fmt: skip
    fitted = funnel.fit(counts, overdispersion=False, treatment=True)
    # Odense has 4 cases; Køge, the smallest other, hides too so Odense cannot be worked out
    assert fitted.hidden == 2
    assert fitted.shown["unit_label"].to_list() == ["Greve", "København", "Aarhus"]
    assert fitted.target == pytest.approx(1534 / 2144)  # the hidden units still count
    assert fitted.curve["total"].max() == 1000
    target = i18n.fmt_pct(1534 / 2144, 0, "da")
    assert indicator_parts.outside_sentences(fitted, "municipality", "da") == [
        da("indicator_parts.outside.low", name="Greve", rate=i18n.fmt_pct(0.41, 0, "da"),
           target=target, where=da("indicator_parts.where.country")),
        da("indicator_parts.outside.high", name="København", rate=i18n.fmt_pct(0.76, 0, "da"),
           target=target, where=da("indicator_parts.where.country")),
    ]  # fmt: skip
    assert indicator_parts.outside_sentences(fitted, "municipality", "en")[0] == (
        f"Greve lies below the control limit: 41% against {i18n.fmt_pct(1534 / 2144, 0, 'en')} "
        "in the whole country"
    )


def marked_in(at: AppTest) -> list[tuple[str, bool]]:
    """The first funnel's units, each with whether it is marked (the reader's)."""
    units = funnel_frames(at)[0].sort("unit_label")
    return list(units.select("unit_label", "is_marked").iter_rows())


def funnel_sentences(at: AppTest) -> list[str]:
    """The sentences under the first funnel (between its title and the next one's)."""
    shown = [m.value for m in at.markdown if m.value]
    first = shown.index(f"**{da(ON_CADENCE_TITLE)}**")
    second = shown.index(f"**{da(PRE_TITLE)}**")
    return shown[first + 1 : second]


ON_CADENCE_TITLE = "pages.fidelity.on_cadence"
PRE_TITLE = "common.new_cases_with_a_pre"
EVERY_MUNICIPALITY = ["Aalborg", "Aarhus", "København", "Odense"]


def test_a_coordinator_s_funnel_holds_every_municipality_and_marks_their_own(app_db):
    """The filter opens on the coordinator's municipality: the funnel was that one dot against
    limits fitted on itself. It is the country's, with the figures of the coordinator's view of
    the country (the group table without the filter), Aarhus marked and named first."""
    at = fidelity_as(role="coordinator", municipalities={"751"},
                     filters={"municipalities": ("751",)}, tabs=FAIR)  # fmt: skip
    assert not at.exception
    assert marked_in(at) == [(name, name == "Aarhus") for name in EVERY_MUNICIPALITY]
    coordinator = Scope(role="coordinator", user="test", municipalities=frozenset({"751"}))
    country = q.by_group(coordinator, PERIOD, "municipality").filter(~pl.col("is_total"))
    counts = {row["group_label"]: (row["k_on_cadence"], row["n_cases"])
              for row in country.iter_rows(named=True)}  # fmt: skip
    for row in funnel_frames(at)[0].iter_rows(named=True):
        assert (row["events"], row["total"]) == counts[row["unit_label"]]
    # a larger diamond in a legend of its own, named on the chart
    spec = json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec))
    assert '"diamond"' in spec and da("indicator_parts.legend.marked") in spec
    aarhus = funnel_frames(at)[0].filter(pl.col("unit_label") == "Aarhus").row(0, named=True)
    target = next(f for f in chart_frames(at) if "target" in f.columns)["target"][0]
    assert aarhus["signal_label"] == da("indicator_parts.signals.none")
    assert funnel_sentences(at)[0] == da(
        "indicator_parts.inside", name="Aarhus", rate=i18n.fmt_pct(aarhus["rate"], 0, "da"),
        target=i18n.fmt_pct(target, 0, "da"), where=da("indicator_parts.where.country"),
    ) + "."  # fmt: skip
    how = next(c.value for c in at.caption
               if c.value.startswith(da_start("indicator_parts.each_point_is_one_unit")))  # fmt: skip
    assert how.endswith(" · " + da("population_country"))  # the n is the country's


def funnel_captions(at: AppTest) -> list[str]:
    """Each funnel's how-to-read, which ends with its n and population."""
    how = da_start("indicator_parts.each_point_is_one_unit")
    return [c.value for c in at.caption if c.value.startswith(how)]


def compares(at: AppTest) -> str:
    """The funnel section's sentence of whom it compares: the caption just under its controls."""
    section = [c.value for c in at.caption]
    how = da_start("indicator_parts.each_point_is_one_unit")
    return section[next(i for i, c in enumerate(section) if c.startswith(how)) - 1]


def test_a_coordinator_reads_that_the_funnel_compares_the_country_not_their_own(app_db):
    """The page's header says 'Tal for: Aarhus' (the coordinator's view); the funnel by
    municipality compares the country: its section says so just above the funnels, Aarhus
    marked, and the n under each names the country. By worker it is Aarhus's own workers."""
    at = fidelity_as(role="coordinator", municipalities={"751"},
                     filters={"municipalities": ("751",)}, tabs=FAIR)  # fmt: skip
    assert not at.exception
    assert da("population_figures", who="Aarhus") in [c.value for c in at.caption]
    assert compares(at) == da("indicator_parts.population.marked", names="Aarhus")
    at.selectbox(key="fidelity_funnel_unit").set_value("worker").run()
    assert not at.exception
    assert compares(at) == da("indicator_parts.population.workers", who="Aarhus")
    funnel_n = funnel_captions(at)
    assert funnel_n and all(c.endswith(" · Aarhus") for c in funnel_n)


def test_a_coordinator_s_workers_funnel_is_their_own_without_a_municipality_filter(app_db):
    """Without the municipality filter a coordinator compares their own workers still (case
    level): the section and the n under each funnel name Aarhus, not the country."""
    at = fidelity_as(role="coordinator", municipalities={"751"}, tabs=FAIR)
    at.selectbox(key="fidelity_funnel_unit").set_value("worker").run()
    assert not at.exception
    assert compares(at) == da("indicator_parts.population.workers", who="Aarhus")
    funnel_n = funnel_captions(at)
    assert funnel_n and all(c.endswith(" · Aarhus") for c in funnel_n)


def test_a_national_user_s_funnel_marks_the_two_municipalities_filtered(app_db):
    at = fidelity_as(filters={"municipalities": ("101", "751")}, tabs=FAIR)
    assert not at.exception
    marked = {"Aarhus", "København"}
    assert marked_in(at) == [(name, name in marked) for name in EVERY_MUNICIPALITY]
    # the marked ones first, by name, whether or not they lie outside the limits
    said = funnel_sentences(at)
    assert [s.split(" ")[0] for s in said[:2]] == ["Aarhus", "København"]
    assert compares(at) == da("indicator_parts.population.marked", names="Aarhus og København")
    # unfiltered, nothing is marked and the section says it is the country
    at = fidelity_as(tabs=FAIR)
    assert not any(flag for _, flag in marked_in(at))
    assert compares(at) == da("indicator_parts.population.country")


@pytest.mark.parametrize("role", ["national", "coordinator"])
def test_a_hidden_own_municipality_is_still_only_a_hidden_unit_said_in_words(app_db, role):
    """Odense has 3 parent-coach cases: hidden like any unit (and København as its complement),
    also from Odense's own coordinator in presentation mode; a sentence says where it went."""
    own = {"role": "coordinator", "municipalities": {"461"}, "presentation": True}
    at = fidelity_as(filters={"municipalities": ("461",), "case_types": ("parent_coach",)},
                     tabs=FAIR, **(own if role == "coordinator" else {}))  # fmt: skip
    assert not at.exception
    assert marked_in(at) == [("Aarhus", False)]
    assert any(c.value.startswith(da_n("indicator_parts.hidden", 2)) for c in at.caption)
    assert funnel_sentences(at) == [da("indicator_parts.marked_hidden", name="Odense") + "."]


# --- the control chart (indicators.md section 3) -------------------------------------------------


def control_frame(at: AppTest) -> pl.DataFrame:
    return next(f for f in chart_frames(at) if "variation" in f.columns)


@pytest.mark.parametrize("municipality", [None, "101"])
def test_the_control_chart_draws_the_monthly_share_of_mart_fidelity_monthly(app_db, municipality):
    at = fidelity_as()
    if municipality:
        at.selectbox(key="fidelity_spc_unit").set_value(municipality).run()
    assert not at.exception
    points = control_frame(at)
    expected = monthly_mart(app_db, municipality)
    assert [m[:10] for m in points["month"].cast(pl.String)] == [
        m.isoformat() for m in expected["month"]
    ]
    assert points["value"].to_list() == pytest.approx(expected["share"].to_list())
    result = spc(expected["share"].to_list())
    assert points["mean"][0] == pytest.approx(result.mean)
    assert points["upper"][0] == pytest.approx(result.upper)
    colours = {"common_cause": "common_cause", "improvement": "improvement", "concern": "concern"}
    wanted = [
        "common_cause" if p.direction is None else ("improvement" if p.direction == "high"
                                                     else "concern")
        for p in result.points
    ]  # fmt: skip
    assert points["variation"].to_list() == [colours[w] for w in wanted]
    status = indicator_parts.status_words(result.variation, None, "da")
    assert any(status in m.value for m in at.markdown)


def test_the_control_chart_colours_points_with_the_nhs_colours(app_db):
    at = fidelity_as()
    spec = next(json.loads(e.proto.spec) for e in at.get("vega_lite_chart")
                if "#289de0" in e.proto.spec)  # fmt: skip
    scale = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"]
                 if "color" in layer.get("encoding", {}))  # fmt: skip
    assert scale["range"] == ["#7B7D7D", "#289de0", "#fab428"]


def test_a_target_gives_the_assurance_in_words(app_db):
    at = fidelity_as()
    at.number_input(key="fidelity_spc_target").set_value(95).run()
    assert not at.exception
    result = spc(monthly_mart(app_db, None)["share"].to_list(), target=0.95)
    assert result.assurance == "fail"
    assert any(da("indicator_parts.assurance.fail") in m.value for m in at.markdown)


def test_a_worker_charts_only_their_own_cases(app_db):
    at = fidelity_as(role="worker", worker_id="W101-1")
    assert not at.exception
    assert at.selectbox(key="fidelity_spc_unit").options == [da("pages.fidelity.your_cases")]


def test_groups_are_drawn_in_their_own_order_not_ranked_by_share(app_db):
    at = fidelity_as(tabs=GROUPS)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert all(layer["encoding"]["y"].get("sort", "missing") is None for layer in spec["layer"][:2])
    bars = next(f for f in chart_frames(at) if "text" in f.columns)
    assert bars["label"].to_list() == sorted(bars["label"].to_list())


@pytest.mark.parametrize(("lang", "percent"), [(None, "\u00a0%"), ("en", "%")])
def test_share_axes_put_a_space_before_the_percent_sign_in_danish(app_db, lang, percent):
    """The axes format shares with d3's '%': Danish '80 %' as in the figures, English '80%'."""
    # each tab opened afresh: AppTest formats a selectbox's value outside the run, in Danish,
    # so an English page with one on it cannot be run twice
    tabs = ["time", "groups", "fair", "gaps"]
    opened = [fidelity_as(lang=lang, tabs={TABS: f"pages.fidelity.tabs.{tab}"}) for tab in tabs]
    assert not any(at.exception for at in opened)
    charts = [chart for at in opened for chart in at.get("vega_lite_chart")]
    assert len(charts) == 6
    for element in charts:
        locale = json.loads(element.proto.spec)["config"]["locale"]["number"]
        assert locale.get("percent") == percent


def test_funnel_legends_are_split_above_and_below_so_they_fit_a_projector(app_db):
    """Five legend entries in one row at the top ran off the chart at 1280x720."""
    at = fidelity_as(tabs=FAIR)
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    funnels = [s for s in specs if "signal_label" in json.dumps(s)]
    assert len(funnels) == 2
    for spec in funnels:
        colour = next(
            layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer["encoding"]
        )
        assert colour["legend"]["orient"] == "bottom"


@pytest.mark.parametrize(
    "viewer", [{}, {"role": "viewer", "filters": {"case_types": ("parent_coach",)}}]
)
def test_monthly_charts_say_their_n_is_the_largest_month(app_db, viewer):
    """A case counts in every month it is active: the n is the largest month's, and says so;
    a hidden small month does not turn it into '<5'."""
    at = fidelity_as(**viewer) if "filters" not in viewer else page_as("fidelity", **viewer)
    assert not at.exception
    monthly = [
        c.value
        for c in at.caption
        if c.value.startswith(tuple(da_start(key) for key in MONTHLY_HOW_TO_READ))
    ]
    assert len(monthly) == 2  # the monthly share and the control chart
    for caption in monthly:
        assert n_note(caption).endswith(" " + da("pages.fidelity.busiest_month"))
        assert n_count(caption) != i18n.SUPPRESSED


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", None) == "flex_container":
            yield child
        yield from _blocks(child)


def test_the_four_cards_are_one_even_row(app_db):
    """Only the first card has a sparkline: in columns it stood taller than the other three.
    The cards are bordered boxes of one horizontal row that stretches each to the row's height."""
    at = page_as("fidelity")
    assert not at.exception
    row = next(b for b in _blocks(at.main) if b.proto.id.endswith("-fidelity_cards"))
    cards = list(row.children.values())
    assert row.proto.flex_container.direction == row.proto.flex_container.HORIZONTAL
    assert row.proto.flex_container.align == row.proto.flex_container.ALIGN_UNDEFINED  # stretch
    assert len(cards) == 4 and all(card.proto.flex_container.border for card in cards)
    metrics = [m for card in cards for m in card.children.values() if m.type == "metric"]
    assert len(metrics) == 4 and not any(m.proto.show_border for m in metrics)


def test_the_control_chart_s_axis_ends_with_the_chosen_period(app_db):
    """The XmR chart's x axis followed its data's months; it ends on the period's last day
    (charts.period_x) and begins at its baseline's first month, before the period (half a
    month before it, so that the first dot is not cut by the y axis)."""
    at = fidelity_as()
    assert not at.exception
    element = next(e for e in at.get("vega_lite_chart")
                   if any("variation" in f.columns for f in element_frames(e)))  # fmt: skip
    spec = json.loads(element.proto.spec)
    first = date.fromisoformat(control_frame(at)["month"].cast(pl.String).min()[:10])
    start = (first - timedelta(days=XMR_X_ROOM_DAYS)).isoformat()
    for layer in spec["layer"]:
        assert layer["encoding"]["x"]["scale"]["domain"] == [start, "2026-10-31"]


def test_a_perturbed_funnel_of_many_small_units_keeps_the_share_of_all():
    """A hidden unit's noisy counts were lifted to 5, as a shown count is: over a leadership
    view's many small municipalities the share of all read 54 % where it is 30 %. Hidden units
    now enter the fit with their noise alone (zero-mean), never drawn."""
    small = 40  # units of 3 cases, one event each
    counts = pl.DataFrame({
        "unit_code": [f"{i:03d}" for i in range(small + 2)],
        "unit_label": [f"Kommune {i}" for i in range(small + 2)],
        "events": [1] * small + [60, 60], "total": [3] * small + [200, 200],
        "events_key": list(range(small)) + [7, 9], "total_key": list(range(50, 50 + small)) + [8, 3],
    })  # fmt: skip
    exact = (small + 120) / (3 * small + 400)
    fitted = funnel.fit(counts, overdispersion=True, treatment=suppression.PROTECTED)
    assert fitted.hidden == small
    assert fitted.target == pytest.approx(exact, abs=0.03)
