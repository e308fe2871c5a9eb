"""Charts that read on a projector (issue 12 §3): every registered page, for every role, in AppTest.

Each page is opened from the router as each demo role; every Vega-Lite spec it sends is checked
for the classes of defect the screenshot review found, so that a new chart cannot bring one back:

- a temporal axis without the year on each tick, or with d3's default ticks (weeks, half months);
- a count axis with fractional ticks ('0 0 0 0 0 1 1 1');
- more than `charts.MAX_POINTS` data rows in one chart (summed over its datasets);
- an empty chart (a dataset with no rows: `components.chart_block` says so in words instead);
- axis or legend labels cut short (a label limit under 200 px);
- a caption that promises a dashed line the chart does not draw.

The builders' own shapes (box plot height, histogram baseline, sparkline type) are checked on
the builders below. The pictures themselves: tests/browser/test_screenshots.py.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import texts
from app import charts, components, data
from app.filters import Filters
from app.page_charts import prepost as pc
from app.scope import Scope
from app.streamlit_app import listed_pages
from tests.support import grid_text
from tests.support.app_fixtures import element_frames, section_tabs, signed_in_app
from tests.support.wording import da, en

# the demo roles as the fixture warehouse has them: a coordinator of 101, one of its workers
ROLES = {
    "national": {},
    "coordinator": {"municipalities": ("101",)},
    "worker": {"worker_id": "W101-0"},
    "viewer": {},
}
INTEGER_FORMATS = {"d", ",d"}
MIN_LABEL_LIMIT = 200  # px; 0 means no limit
DASHED_PROMISE = re.compile(r"stiplede linje|dashed line", re.IGNORECASE)


def _pages(role: str) -> list[str]:
    """The pages this role's navigation lists (the router's own rule: app.streamlit_app)."""
    scope = Scope(role=role, municipalities=frozenset(ROLES[role].get("municipalities", ())),
                  worker_id=ROLES[role].get("worker_id"))  # fmt: skip
    return [name for name, _, _ in listed_pages(scope)]


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _open(
    page: str, role: str, lang: str | None = None, tab: tuple[str, str] | None = None
) -> AppTest:
    """The page from the router; `tab`: (tabs key, label) of a section tab opened before."""
    at = signed_in_app(role, **ROLES[role])
    if lang:
        at.query_params["lang"] = lang
    at.run()
    if tab:
        at.session_state[tab[0]] = tab[1]
    return at.switch_page(f"../pages/{page}").run()


def _page_views(page: str, role: str, lang: str | None = None) -> dict[str, AppTest]:
    """page -> the page as it opens; 'page#tabN' -> the page opened on its N-th section tab
    (components.sections runs only the open tab, so each is a view of its own to check)."""
    at = _open(page, role, lang)
    key, labels = section_tabs(at) or ("", [])
    views = {page: at}
    for n, label in enumerate(labels[1:], start=2):
        views[f"{page}#tab{n}"] = _open(page, role, lang, (key, label))
    return views


class Chart:
    """One Vega-Lite chart a page sent: its spec, its datasets and the caption under it."""

    def __init__(self, element, caption: str) -> None:
        self.spec = json.loads(element.proto.spec)
        self.frames = element_frames(element)
        self.caption = caption
        self.name = caption[:60] or "a chart"

    def nodes(self, key: str) -> Iterator[dict]:
        """Every dict in the spec held under `key` (e.g. every encoding channel 'x')."""
        stack = [self.spec]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for name, value in item.items():
                    if name == key and isinstance(value, dict):
                        yield value
                    stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)

    def channels(self) -> Iterator[dict]:
        for key in ("x", "y", "x2", "y2"):
            yield from self.nodes(key)


def _charts(at: AppTest) -> list[Chart]:
    """The page's charts in order, each with the first caption after it."""
    found, pending = [], []
    for node in _walk(at.main):
        kind = getattr(node, "type", None)
        if kind == "vega_lite_chart":
            pending.append(node)
        elif kind == "caption" and pending:
            found += [Chart(element, node.value) for element in pending]
            pending = []
    return found + [Chart(element, "") for element in pending]


@pytest.fixture(scope="module")
def tour(app_warehouse: Path) -> dict[tuple[str, str], AppTest]:
    """(role, page file) -> the page as that role sees it (Danish), each opened once; a page in
    section tabs also as (role, 'page file#tabN') for each tab after the first (`_page_views`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAT_DB", str(app_warehouse))
        return {
            (role, view): at
            for role in ROLES
            for page in _pages(role)
            for view, at in _page_views(page, role).items()
        }


def _all_charts(tour) -> Iterator[tuple[str, str, Chart]]:
    for (role, page), at in tour.items():
        for chart in _charts(at):
            yield role, page, chart


def test_every_page_opens_for_every_role_with_charts(tour):
    for (role, page), at in tour.items():
        assert not at.exception, f"{role} on {page}: {at.exception}"
    drawn = [chart for _, _, chart in _all_charts(tour)]
    assert len(drawn) >= 20, f"only {len(drawn)} charts over all pages and roles"


def test_month_axes_carry_the_year_on_whole_month_ticks(tour):
    temporal = 0
    for role, page, chart in _all_charts(tour):
        for channel in chart.channels():
            if channel.get("type") != "temporal" or "axis" not in channel:
                continue
            temporal += 1
            axis = channel["axis"]
            where = f"{role} on {page}, {chart.name}"
            assert "%Y" in axis.get("format", ""), f"{where}: month ticks without a year"
            assert (axis.get("tickCount") or {}).get("interval") == "month", (
                f"{where}: ticks not on whole months ({axis.get('tickCount')})"
            )
    assert temporal, "no temporal axis was checked"


def test_count_axes_tick_whole_numbers_only(tour):
    counted = 0
    for role, page, chart in _all_charts(tour):
        for channel in chart.channels():
            axis = channel.get("axis") or {}
            if channel.get("type") == "quantitative" and axis.get("format") in INTEGER_FORMATS:
                counted += 1
                assert axis.get("tickMinStep", 0) >= 1, (
                    f"{role} on {page}, {chart.name}: integer axis {channel.get('field')} "
                    "without tickMinStep 1 repeats its ticks"
                )
    assert counted, "no count axis was checked"


def test_no_chart_holds_more_than_the_point_limit(tour):
    for role, page, chart in _all_charts(tour):
        rows = sum(frame.height for frame in chart.frames)
        assert rows <= charts.MAX_POINTS, f"{role} on {page}, {chart.name}: {rows} rows"


def test_no_chart_is_drawn_empty(tour):
    for role, page, chart in _all_charts(tour):
        assert chart.frames, f"{role} on {page}, {chart.name}: a chart without data"
        empty = [i for i, frame in enumerate(chart.frames) if frame.height == 0]
        assert not empty, f"{role} on {page}, {chart.name}: empty dataset(s) {empty}"


def test_labels_and_legends_are_not_cut_short(tour):
    for role, page, chart in _all_charts(tour):
        for key in ("axis", "legend", "header"):
            for options in chart.nodes(key):
                limit = options.get("labelLimit")
                assert limit is None or limit == 0 or limit >= MIN_LABEL_LIMIT, (
                    f"{role} on {page}, {chart.name}: {key} labelLimit {limit}"
                )
    config = charts._theme()["config"]
    assert config["axis"]["labelLimit"] >= 300
    assert config["legend"]["labelLimit"] == 0
    assert config["header"]["labelLimit"] == 0 and config["header"]["labelAngle"] == 0


def test_a_caption_promising_a_dashed_line_has_one(tour):
    promised = 0
    for role, page, chart in _all_charts(tour):
        if not DASHED_PROMISE.search(chart.caption):
            continue
        promised += 1
        dashed = [mark for mark in chart.nodes("mark") if mark.get("strokeDash")]
        assert dashed, f"{role} on {page}: the caption promises a dashed line: {chart.caption}"
    assert promised, "no caption promising a dashed line was checked"


def _chart_block_of(rows: list[dict], n: int | None = None, empty: str | None = None) -> None:
    """A chart block over `rows` (run inside AppTest: imports here)."""
    import altair as alt
    import polars as pl

    from app import components

    frame = pl.DataFrame(rows, schema={"label": pl.String, "n": pl.Int64, "suppressed": pl.Boolean})
    chart = alt.Chart(frame).mark_bar().encode(y="label:N", x="n:Q")
    components.chart_block(chart, frame, "Each bar is a reason.", n=n, key="probe", empty=empty)


@pytest.mark.parametrize(
    ("rows", "n", "sentence"),
    [
        ([], 0, "components.no_figures_to_show_here"),
        ([], None, "components.every_figure_here_is_hidden"),  # none left, the total hidden
        ([{"label": "a", "n": None, "suppressed": True}], None,
         "components.every_figure_here_is_hidden"),
    ],
)  # fmt: skip
def test_a_chart_with_nothing_to_draw_is_a_sentence_naming_the_cause(rows, n, sentence):
    at = AppTest.from_function(_chart_block_of, args=(rows, n)).run()
    assert not at.exception
    assert not at.get("vega_lite_chart"), "an empty frame of axes was drawn"
    assert not at.get("download_button"), "a download of nothing was offered"
    assert any(da(sentence) in info.value for info in at.info)


def test_an_empty_chart_says_what_there_is_none_of_when_told():
    at = AppTest.from_function(_chart_block_of, args=([], 0, "No case is active.")).run()
    assert [info.value for info in at.info] == ["No case is active."]


def test_a_chart_with_rows_is_drawn():
    rows = [{"label": "a", "n": 7, "suppressed": False}]
    at = AppTest.from_function(_chart_block_of, args=(rows,)).run()
    assert len(at.get("vega_lite_chart")) == 1 and not at.info


# --- the builders' shapes -------------------------------------------------------------------------


def test_month_step_keeps_ticks_few_and_whole():
    months = pl.Series([date(2024, 11, 1), date(2026, 10, 1)])  # 24 months
    assert charts.month_step(months) == 3
    assert charts.month_step(months, max_ticks=3) == 12
    assert charts.month_step(pl.Series([date(2026, 4, 1)])) == 1
    assert charts.month_step(pl.Series([], dtype=pl.Date)) == 1


def test_drawn_rows_leaves_hidden_rows_out():
    frame = pl.DataFrame({"n": [3, 9], "suppressed": [True, False]})
    assert charts.drawn_rows(frame) == 1
    assert charts.drawn_rows(frame.head(1)) == 0
    assert charts.drawn_rows(pl.DataFrame({"n": [1, 2]})) == 2


def test_a_sparkline_needs_three_months_with_a_figure_and_leaves_hidden_ones_out():
    nan = float("nan")
    assert components.sparkline([nan, 2.0, nan, nan, 5.0]) is None
    assert components.sparkline([]) is None
    assert components.sparkline([1.0, nan, 2.0, 3.0]) == [1.0, 2.0, 3.0]


def _polyline(svg: str) -> list[tuple[float, float]]:
    """The points of the one polyline in `svg`, or of the SVG image in an HTML text."""
    if image := re.search(r'src="data:image/svg\+xml;base64,([^"]*)"', svg):
        svg = base64.b64decode(image[1]).decode()
    found = re.search(r'<polyline points="([^"]*)"', svg)
    return [tuple(map(float, xy.split(","))) for xy in found[1].split()]


def _sparklines(tour) -> Iterator[tuple[str, str, str, list[tuple[float, float]]]]:
    """(role, page, the card's label, the line's points) of every card's sparkline: the SVG
    drawn beside a card's figure (components.sparkline_svg)."""
    for (role, page), at in tour.items():
        for node in _walk(at.main):
            siblings = list(getattr(node, "children", {}).values())
            for before, after in zip(siblings, siblings[1:], strict=False):
                if getattr(after, "type", None) == "html" and "lat-sparkline" in after.proto.body:
                    assert getattr(before, "type", None) == "metric", f"{role} on {page}"
                    yield role, page, before.label, _polyline(after.proto.body)


def test_every_sparkline_is_one_line_under_its_card_s_figure(tour):
    """A card's sparkline with a hidden month was drawn as bars: a barcode when every month is
    100 % (a worker's cards). One line over the months with a figure, in every case: at least
    SPARKLINE_MIN_MONTHS points, left to right across the card, inside its height."""
    drawn = list(_sparklines(tour))
    assert drawn, "no card with a sparkline on any page"
    for role, page, label, points in drawn:
        where = f"{role} on {page}: {label}"
        assert len(points) >= components.SPARKLINE_MIN_MONTHS, where
        xs, ys = [x for x, _ in points], [y for _, y in points]
        assert xs[0] == 0 and xs[-1] == components.SPARKLINE_WIDTH and xs == sorted(xs), where
        assert all(0 <= y <= components.SPARKLINE_HEIGHT_PX for y in ys), where


def test_a_sparkline_puts_the_highest_month_at_the_top_and_a_flat_one_in_the_middle():
    top, bottom = (
        components.SPARKLINE_PAD,
        components.SPARKLINE_HEIGHT_PX - components.SPARKLINE_PAD,
    )
    points = _polyline(components.sparkline_svg([2.0, 5.0, 3.5]))
    assert points == [(0.0, bottom), (50.0, top), (100.0, (top + bottom) / 2)]
    flat = _polyline(components.sparkline_svg([1.0, 1.0, 1.0, 1.0]))
    assert [y for _, y in flat] == [components.SPARKLINE_HEIGHT_PX / 2] * 4
    assert 'vector-effect="non-scaling-stroke"' in components.sparkline_svg([1.0, 2.0, 3.0])
    shown = components.sparkline_html([2.0, 5.0, 3.5])  # an image: st.html takes <svg> out
    assert shown.startswith("<img ") and 'alt=""' in shown and "<svg" not in shown
    assert _polyline(shown) == points


def _dist(groups: int) -> pl.DataFrame:
    rows = [
        {"group_label": f"g{g}", "phase_label": phase, "n": 20, "p10": 10.0, "q1": 20.0,
         "median": 30.0, "q3": 40.0, "p90": 50.0, "suppressed": False}
        for g in range(groups) for phase in ("Før", "Efter")
    ]  # fmt: skip
    return pl.DataFrame(rows)


def test_a_box_plot_of_one_group_is_not_a_strip():
    spec = pc.boxes(_dist(1), 50.0, "Score").to_dict()
    assert spec["height"] == {"step": pc.GROUP_STEP, "for": "position"} and pc.GROUP_STEP >= 60


def test_histogram_bars_stand_on_zero_side_by_side():
    hist = pl.DataFrame({
        "phase": ["pre", "post"], "phase_label": ["Før", "Efter"], "bin_start": [0.0, 0.0],
        "bin_end": [10.0, 10.0], "n": [7, 9], "suppressed": [False, False],
    })  # fmt: skip
    spec = pc.histogram(hist, None, "Score").to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y2"] == {"datum": 0}, "bars without a baseline are dashes"
    rows = next(iter(spec["datasets"].values()))
    halves = {row["phase"]: (row["x0"], row["x1"]) for row in rows}
    assert halves == {"pre": (0.0, 5.0), "post": (5.0, 10.0)}


HEADINGS = {"title", "header", "subheader"}


def _shows_something(node) -> bool:
    """Does `node` (an element or a block) show the reader anything: an element other than a
    table without rows (or the line saying so), or a block holding one?"""
    children = list(getattr(node, "children", {}).values())
    if children or getattr(node, "type", None) in ("expandable", "flex_container"):
        return any(_shows_something(child) for child in children)
    if getattr(node, "type", None) == "arrow_data_frame" or type(node).__name__ == "Dataframe":
        return len(node.value) > 0
    # components.table's line for a table without rows: inside a closed expander the reader
    # opens it to find nothing
    return getattr(node, "value", None) != da("no_rows")


def _empty_parts(at: AppTest) -> list[str]:
    """The expanders that show nothing and the subheadings followed by no element before the
    next heading (or the page's end)."""
    empty = [f"expander {e.label!r}" for e in at.expander if not _shows_something(e)]
    shown = [n for n in _walk(at.main) if not getattr(n, "children", None)]
    for here, after in zip(shown, [*shown[1:], None], strict=True):
        if getattr(here, "type", None) == "subheader" and (
            after is None or getattr(after, "type", None) in HEADINGS
        ):
            empty.append(f"section {here.value!r}")
    return empty


def test_no_expander_or_section_is_empty(tour):
    """The caseloads page's expander of the workers with most cases stood empty for a worker
    without an active case: every expander and every section shows something, or is left out."""
    for (role, page), at in tour.items():
        assert _empty_parts(at) == [], f"{role} on {page}"


def test_every_chart_says_how_to_read_it_and_offers_its_downloads(tour):
    for (role, page), at in tour.items():
        drawn = _charts(at)
        for chart in drawn:
            assert chart.caption and "n = " in chart.caption, (
                f"{role} on {page}: a chart without its sentence and n ({chart.caption!r})"
            )
        keys = {button.proto.id for button in at.get("download_button")}
        assert len(keys) >= 2 * len(drawn), f"{role} on {page}: a chart without its downloads"


def test_charts_with_category_rows_give_each_row_its_height(tour):
    """Streamlit fits a chart into its height with the legend and axes: a fixed height left one
    or two rows no room (a box plot drawn as a strip, a heatmap of zero height)."""
    checked = 0
    for role, page, chart in _all_charts(tour):
        if "facet" in chart.spec or "spec" in chart.spec:
            continue  # small multiples are not fitted: their panels keep their own height
        rows = [c for c in chart.nodes("y") if c.get("type") in ("nominal", "ordinal")]
        if not rows:
            continue
        checked += 1
        assert isinstance(chart.spec.get("height"), dict) and "step" in chart.spec["height"], (
            f"{role} on {page}, {chart.name}: category rows under a fixed height "
            f"{chart.spec.get('height')}"
        )
    assert checked, "no chart with category rows was checked"


def test_charts_that_are_not_small_multiples_use_the_page_width(tour):
    """A row/column facet or a fixed width keeps its own cell width: the change bars of the
    pre/post page stopped at about 60 % of the page. One view stretches to the page."""
    for role, page, chart in _all_charts(tour):
        facet = chart.spec.get("facet")
        assert not (isinstance(facet, dict) and {"row", "column"} & facet.keys()), (
            f"{role} on {page}, {chart.name}: a row/column facet keeps a fixed width"
        )
        if isinstance(facet, dict) and "field" in facet:  # small multiples: of more than one
            panels = {value for frame in chart.frames if facet["field"] in frame.columns
                      for value in frame[facet["field"]].drop_nulls()}  # fmt: skip
            assert len(panels) > 1, (
                f"{role} on {page}, {chart.name}: one small multiple keeps a panel's width"
            )
        width = chart.spec.get("width")
        square = width == chart.spec.get("height")  # a scatter of pre against post kept square
        assert square or not isinstance(width, int | float), (
            f"{role} on {page}, {chart.name}: a fixed width {chart.spec['width']}"
        )


def test_colour_legends_list_only_categories_the_chart_draws(tour):
    """A legend entry beside no bar ('50+' on the citizens page) reads as a missing figure."""
    checked = 0
    for role, page, chart in _all_charts(tour):
        rows = [row for frame in chart.frames for row in frame.to_dicts()]
        for colour in chart.nodes("color"):
            field, domain = colour.get("field"), (colour.get("scale") or {}).get("domain")
            present = {row[field] for row in rows if row.get(field) is not None}
            if not isinstance(domain, list) or not present or colour.get("legend", {}) is None:
                continue
            checked += 1
            listed = (colour.get("legend") or {}).get("values", domain)
            assert set(listed) <= present, (
                f"{role} on {page}, {chart.name}: legend lists {sorted(set(listed) - present)}"
            )
    assert checked, "no colour legend was checked"


def test_a_legend_leaves_out_a_category_without_data_and_keeps_the_colours():
    frame = pl.DataFrame({"label": ["a", "b"], "n": [3, 4]})
    scale = charts.color_scale(["a", "b", "c"])
    chart = alt.Chart(frame).mark_bar().encode(x="n:Q", color=alt.Color("label:N", scale=scale))
    colour = charts.localized_spec(chart)["encoding"]["color"]
    assert colour["legend"]["values"] == ["a", "b"]
    assert colour["scale"]["domain"] == ["a", "b", "c"]  # 'c' keeps its colour elsewhere


def test_colour_legends_of_counts_show_whole_numbers(tour):
    for role, page, chart in _all_charts(tour):
        for colour in chart.nodes("color"):
            if colour.get("type") == "quantitative":
                legend = colour.get("legend") or {}
                assert legend.get("format") in INTEGER_FORMATS, (
                    f"{role} on {page}, {chart.name}: a count legend without a whole-number format"
                )


def test_a_small_multiple_month_with_every_number_hidden_is_marked_not_a_hole():
    from app.page_charts import caseloads as cc

    rows = [
        {"municipality_name": muni, "month": date(2026, m, 1), "case_type": ct,
         "active_cases": n, "active_cases_suppressed": n < 5}
        for muni, n_of in (("Aarhus", lambda m, ct: 12), ("Kolding", lambda m, ct: 3 if m > 1 else 8),
                           ("Odense", lambda m, ct: 2))
        for m in (1, 2) for ct in ("mentor", "parent_coach")
        for n in [n_of(m, ct)]
    ]  # fmt: skip
    frame = pl.DataFrame(rows)
    assert cc.hidden_months(frame, "active_cases").to_dicts() == [
        {"municipality_name": "Kolding", "month": date(2026, 2, 1)},
        {"municipality_name": "Odense", "month": date(2026, 1, 1)},
        {"municipality_name": "Odense", "month": date(2026, 2, 1)},
    ]
    spec = cc.monthly_chart(frame, "active_cases", "Aktive").to_dict()
    marks = [layer["mark"] for layer in spec["vconcat"][0]["layer"]]
    assert marks[1]["type"] == "tick", "hidden months are not marked"
    hidden = [row for row in spec["datasets"][spec["data"]["name"]] if row["kind"] == "hidden"]
    # a stroke in Kolding's panel; Odense, all hidden, gets no panel (it does not say it has cases)
    assert [row["municipality_name"] for row in hidden] == ["Kolding"]
    assert hidden[0]["active_cases"] is None
    assert "Odense" not in json.dumps(spec)


def test_one_municipality_s_monthly_chart_is_one_chart_the_page_s_width():
    """The caseloads' small multiples drew a coordinator's one municipality as one 200 px panel
    in a 790 px column: one municipality is one chart without a fixed width (Streamlit
    stretches it), titled with its name; two or more are panels one under the other, each
    without a fixed width: Streamlit stretches a vertical concatenation's views to the page,
    never a facet's cells (three 200 px panels a row filled half of a 1920 px page)."""
    from app.page_charts import caseloads as cc

    rows = [{"municipality_name": muni, "month": date(2026, m, 1), "case_type": "mentor",
             "active_cases": 8, "active_cases_suppressed": False}
            for muni in ("Aarhus", "Kolding") for m in (1, 2, 3)]  # fmt: skip
    frame = pl.DataFrame(rows)
    one = cc.monthly_chart(frame.filter(pl.col("municipality_name") == "Aarhus"), "active_cases",
                           "Aktive").to_dict()  # fmt: skip
    assert "facet" not in one and "width" not in one
    assert one["title"] == "Aarhus" and one["height"] == charts.CHART_HEIGHT
    two = cc.monthly_chart(frame, "active_cases", "Aktive").to_dict()
    assert "facet" not in two and "hconcat" not in two and "width" not in two
    assert [panel["title"] for panel in two["vconcat"]] == ["Aarhus", "Kolding"]
    assert all("width" not in panel for panel in two["vconcat"])
    assert two["resolve"]["scale"]["y"] == "shared"


def test_month_axes_span_the_chosen_period_whatever_months_the_data_hold():
    """A worker whose cases ended in February saw the caseloads' month axis stop there, as if
    the period ended in February: the shared builders take the period for the x domain."""
    from app.page_charts import caseloads as cc
    from app.page_charts import fidelity as fc

    rows = [{"municipality_code": "101", "municipality_name": "Aarhus", "month": date(2026, m, 1),
             "case_type": "mentor", "active_cases": 6, "active_cases_suppressed": False}
            for m in (1, 2)]  # fmt: skip
    period = (date(2026, 1, 1), date(2026, 6, 1))
    frame = pl.DataFrame(rows)
    bars = cc.monthly_chart(frame, "active_cases", "Aktive", period).to_dict()
    line = charts.line_chart(frame, "month", "active_cases", period=period).to_dict()
    shares = fc.monthly_share(frame.with_columns(share=pl.lit(0.5), n_cases=pl.lit(6)),
                              y_title="Andel", period=period).to_dict()  # fmt: skip
    for spec in (bars["layer"][0], bars["layer"][1], line, shares):
        assert spec["encoding"]["x"]["scale"]["domain"] == ["2026-01-01", "2026-06-30"]
    # without a period, the data's own extent (a case's own chart)
    assert (
        "scale" not in charts.line_chart(frame, "month", "active_cases").to_dict()["encoding"]["x"]
    )


def test_charts_over_the_period_draw_no_month_outside_it(tour):
    """A chart whose month axis spans the chosen period draws no row outside it. The overview's
    trend holds the period before too (for its deltas); drawn left of the axis, those rows made
    Vega's fit shrink a coordinator's chart of active cases to no width at all."""
    checked = 0
    for role, page, chart in _all_charts(tour):
        for channel in chart.nodes("x"):
            domain = (channel.get("scale") or {}).get("domain")
            if channel.get("type") != "temporal" or not domain or "field" not in channel:
                continue
            first, last = (date.fromisoformat(end) for end in domain)
            for frame in chart.frames:
                if channel["field"] not in frame.columns:
                    continue
                months = frame[channel["field"]].drop_nulls()
                if months.dtype == pl.String:  # a layer's ISO dates
                    months = months.str.slice(0, 10).str.to_date()
                months = months.cast(pl.Date)
                checked += months.len()
                outside = months.filter(~months.is_between(first, last)).unique().sort()
                assert outside.is_empty(), (
                    f"{role} on {page}, {chart.name}: months outside {domain}: "
                    f"{outside.to_list()[:3]}"
                )
    assert checked, "no chart over the period was checked"


def test_funnel_plots_leave_room_for_the_largest_unit_s_dot(tour):
    """The unit with the most cases sits at the end of a funnel's x axis: without room its dot
    was cut in half by the plot's edge (a coordinator's one municipality, always the largest).
    The axis starts at 0 cases: Vega's padding, which pads both ends, drew it from -10."""
    import math

    from app.page_charts import indicators

    funnels = 0
    for role, page, chart in _all_charts(tour):
        for channel in chart.nodes("x"):
            scale = channel.get("scale") or {}
            if scale.get("type") != "sqrt":
                continue
            funnels += 1
            where = f"{role} on {page}, {chart.name}"
            assert "padding" not in scale, where
            low, high = scale["domain"]
            assert low == 0, where
            largest = max(
                frame["total"].max() for frame in chart.frames if "total" in frame.columns
            )
            room = math.sqrt(high) / math.sqrt(largest) - 1
            assert room >= indicators.DOT_ROOM * 0.99, where
    assert funnels, "no funnel plot was checked"
    # a dot of size 90 is about 11 px across: the room must hold it on a 400 px chart
    assert indicators.DOT_ROOM * 400 >= 11


def _dot_layers(spec: dict) -> Iterator[dict]:
    """The layers of `spec` that draw dots (circle or point marks) at a quantitative y."""
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        kind = mark.get("type") if isinstance(mark, dict) else mark
        y = layer.get("encoding", {}).get("y", {})
        if kind in ("circle", "point") and y.get("type") == "quantitative" and "field" in y:
            yield layer


def test_dots_lie_inside_the_y_axis_with_room_for_their_size(tour):
    """The control chart's first months' dots sat on the top edge of Vega's nice domain and were
    cut in half, as the progression page's dots at score 10 on a 1-10 domain. A chart over
    months sets its dots' y domain; every set domain holds its dots whole inside."""
    checked = 0
    for role, page, chart in _all_charts(tour):
        for layer in _dot_layers(chart.spec):
            y = layer["encoding"]["y"]
            where = f"{role} on {page}, {chart.name}"
            if "domain" not in y.get("scale", {}):
                temporal = layer["encoding"].get("x", {}).get("type") == "temporal"
                assert not temporal, f"{where}: the dots' y axis over months has no set domain"
                continue
            low, high = y["scale"]["domain"]
            mark = layer["mark"] if isinstance(layer["mark"], dict) else {}
            radius = (mark.get("size", 30) ** 0.5) / 2  # px: a mark's size is its area
            height = chart.spec.get("height")
            height = height if isinstance(height, int | float) else 300  # Vega-Lite's default
            room = radius / height * (high - low)
            values = pl.concat([f[y["field"]].drop_nulls().cast(pl.Float64)
                                for f in chart.frames if y["field"] in f.columns])  # fmt: skip
            assert values.len(), where
            assert values.min() >= low + room and values.max() <= high - room, (
                f"{where}: dots from {values.min()} to {values.max()} in {low}..{high}"
            )
            checked += 1
    assert checked, "no chart's dots were checked"


def test_the_control_chart_and_the_worker_s_caseload_span_the_chosen_period():
    """The XmR chart and the worker's caseload kept the data's own months on their x axis: the
    control chart stopped at its last shown month, the caseload drew the last 24 months
    whatever the period. Both now take the period through charts.period_x; the control chart
    begins at its baseline's first month (months before the period are its baseline)."""
    from app.page_charts import case as kc
    from app.page_charts import indicators as ic

    period = (date(2026, 1, 1), date(2026, 6, 1))
    labels = {"common_cause": "Almindelig", "improvement": "Bedre", "concern": "Værre"}
    xmr = pl.DataFrame({"month": [date(2025, 10, 1), date(2026, 2, 1), date(2026, 3, 1)],
                        "value": [0.5, 0.6, 0.7], "n_cases": [9, 9, 9], "mean": 0.6,
                        "lower": 0.3, "upper": 0.9, "variation": "common_cause"})  # fmt: skip
    spec = ic.xmr_chart(xmr, y_title="Andel", variation_labels=labels,
                        limit_title="Grænse", period=period).to_dict()  # fmt: skip
    # from half a month before the first month: its dot stood on the y axis, cut in half
    for layer in spec["layer"]:
        assert layer["encoding"]["x"]["scale"]["domain"] == ["2025-09-16", "2026-06-30"]
    inside = xmr.filter(pl.col("month") >= period[0])
    spec = ic.xmr_chart(inside, y_title="Andel", variation_labels=labels,
                        limit_title="Grænse", period=period).to_dict()  # fmt: skip
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == ["2025-12-17", "2026-06-30"]
    caseload = pl.DataFrame({"month": [date(2026, 2, 1), date(2026, 3, 1)], "cases": [1, 2],
                             "measure": ["Aktive", "Aktive"]})  # fmt: skip
    spec = kc.worker_caseload(caseload, x_title="", y_title="", period=period).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2026-01-01", "2026-06-30"]


# px per character of an axis title in the theme's bold sans-serif (measured on the
# screenshots: 36 characters in 257 px, 0.48 em); a vertical y title longer than its chart's
# height runs past it and is cut ('Andel målt hver anden måned indtil månede' on the worker
# page, a chart Streamlit drew 150 px high without a height)
TITLE_CHAR_WIDTH = charts.FONT_SIZE * 0.5


def _english_of(danish: str) -> set[str]:
    """The English texts of the catalogue keys whose Danish text is `danish` (the tour is in
    Danish; an English title of the same chart may be the longer one: 'Measured every second
    month up to the month' ran past the fidelity page's chart)."""
    catalogue = texts.catalogue("da")
    return {en(key) for key, text in catalogue.items() if text == danish}


def _views(chart: Chart) -> Iterator[Chart]:
    """The chart itself, or each view of a vertical concatenation (its own height and axes)."""
    if "vconcat" not in chart.spec:
        yield chart
        return
    for view in chart.spec["vconcat"]:
        part = Chart.__new__(Chart)
        part.spec, part.frames, part.caption, part.name = view, chart.frames, "", chart.name
        yield part


def test_a_y_axis_title_fits_the_height_of_its_chart(tour):
    checked, problems = 0, set()
    for role, page, whole in _all_charts(tour):
        if "facet" in whole.spec or "spec" in whole.spec:
            continue  # small multiples: their panels' titles are checked on the builders
        for chart in _views(whole):
            checked += _y_title_fits(chart, f"{role} on {page}, {chart.name}", problems)
    assert checked, "no y-axis title was checked"
    assert not problems, "y titles that may not fit:\n" + "\n".join(sorted(problems))


def _y_title_fits(chart: Chart, where: str, problems: set[str]) -> bool:
    """Add to `problems` when `chart`'s y title may be longer than its height; False when the
    chart has no y title."""
    titles = {c["title"] for c in chart.nodes("y") if c.get("type") == "quantitative"
              and isinstance(c.get("title"), str) and c["title"]}  # fmt: skip
    if not titles:
        return False
    height = chart.spec.get("height")
    titles |= {english for title in titles for english in _english_of(title)}
    longest = max(titles, key=len)
    if not isinstance(height, int | float):
        problems.add(f"{where}: no height for {longest!r}")
    elif len(longest) * TITLE_CHAR_WIDTH > height:
        problems.add(f"{where}: {longest!r} is longer than {height} px")
    return True


# --- tables: the widths the pages set ----------------------------------------------------------


def _set_widths(at: AppTest) -> Iterator[tuple[str, int, list[str]]]:
    """(header, width, the column's cells as shown) of every table column given a width."""
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        shown = table.value
        for header, settings in config.items():
            if settings.get("width") and header in shown.columns:
                yield header, settings["width"], [str(v) for v in shown[header].dropna()]


@pytest.mark.parametrize("language", ["da", "en"])
def test_table_headers_and_the_words_in_their_cells_fit_the_widths_pages_set(language, request):
    """A column a page narrows (components.Header's width) must still hold its header and each
    word of its cells: at 1280 px the worker's case list cut 'Udlånt' and 'Seneste score' and
    broke 'Forældrecoach' mid-word, and in English 'Discontin|ued'. Measured in the grid's own
    font (tests/support/grid_text), in both languages (English words are often the longer)."""
    checked, problems = 0, set()
    pages = request.getfixturevalue("tour" if language == "da" else "tour_en")
    for (role, page), at in pages.items():
        for header, width, cells in _set_widths(at):
            checked += 1
            if not grid_text.fits(header, width):
                problems.add(f"{role} on {page}: header {header!r} wider than {width} px")
            for word in {grid_text.longest_word(cell) for cell in cells}:
                if not grid_text.fits(word, width):
                    problems.add(f"{role} on {page}, {header!r}: {word!r} wider than {width} px")
    assert checked, "no table column with a set width was checked"
    assert not problems, "cut headers or broken words:\n" + "\n".join(sorted(problems))


# --- claims of suppression -----------------------------------------------------------------------

# what the captions say when small figures are left out, in each language ('Tal under 5 er
# udeladt', 'huller er måneder med under 5 forløb', the suppression rule itself), and the words
# of a caption that speaks of others' figures (the municipality and country beside a worker's)
HIDING_CLAIMS = {
    "da": re.compile(
        r"er udeladt|[Hh]uller er måneder|under \d+ forløb er huller|vises som «"
        r"|[Mm]anglende søjler"
    ),
    "en": re.compile(
        r"(?:are|is) left out|[Gg]aps are months|cases are gaps|show as “"
        r"|[Mm]issing bars"
    ),
}
OTHERS_FIGURES = {"da": "du ikke selv kan se", "en": "you cannot see yourself"}
# the roles whose own view (the demo coordinator's own municipality, a worker's own cases) is
# exact: their captions claim no hiding, but of figures counted over the country (find-a-worker)
EXACT_ROLES = ("worker", "coordinator")
# the pages whose national view (across municipalities: hidden when small) says so
HIDING_PAGES = ("caseloads.py", "progression.py")


@pytest.fixture(scope="module")
def tour_en(app_warehouse: Path) -> dict[tuple[str, str], AppTest]:
    """(role, page file) -> the page in English: every page of the roles whose figures are exact
    (`EXACT_ROLES`) and the national view of `HIDING_PAGES` (which hides), each section tab
    as in `tour`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAT_DB", str(app_warehouse))
        pages = [(role, page) for role in EXACT_ROLES for page in _pages(role)]
        pages += [("national", page) for page in HIDING_PAGES]
        return {
            (role, view): at
            for role, page in pages
            for view, at in _page_views(page, role, "en").items()
        }


def _claims(tour, role: str, lang: str) -> set[str]:
    """Captions of `role`'s pages that claim small figures were left out (not of others')."""
    found = set()
    for (who, page), at in tour.items():
        if who != role:
            continue
        for caption in at.caption:
            text = caption.value
            country = text.endswith(" · " + {"da": da, "en": en}[lang]("population_country"))
            if (
                HIDING_CLAIMS[lang].search(text)
                and OTHERS_FIGURES[lang] not in text
                and not country
            ):
                found.add(f"{page}: {text[:140]}")
    return found


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_sentence_that_claims_hiding_is_recognised_in_both_languages(lang):
    """The patterns above are the tests' only way to see a claim: each of the catalogue's
    'hidden' sentences (the `hidden=` keys of chart_block, the suppression rule) matches in
    Danish and in English, so an English claim cannot pass unseen."""
    catalogue = texts.catalogue(lang)
    keys = [k for k in catalogue if k.startswith("pages.") and k.endswith("_hidden")]
    keys += ["suppressed_note"]
    assert len(keys) > 10
    words = {"da": da, "en": en}[lang]
    missed = [k for k in keys if not HIDING_CLAIMS[lang].search(words(k))]
    assert not missed, f"{lang} claims the pattern does not see: {missed}"


@pytest.mark.parametrize("role", EXACT_ROLES)
def test_exact_figures_claim_no_suppression(tour, role):
    """A worker's aggregates count their own cases, and the demo coordinator's view is their own
    municipality, exactly (data.treatment: EXACT): captions that said 'under 5 er udeladt' or
    'huller' there claimed a hiding that never happened. A caption that speaks of others'
    figures (the municipality and country beside a worker's) may."""
    scope = Scope(
        role=role, municipalities=frozenset({"101"}), worker_id=ROLES[role].get("worker_id")
    )
    assert not data.treatment(scope, Filters(municipalities=("101",)), "aggregate").hide
    claims = _claims(tour, role, "da")
    assert not claims, "suppression claimed over exact figures:\n" + "\n".join(sorted(claims))


@pytest.mark.parametrize("role", EXACT_ROLES)
def test_exact_figures_claim_no_suppression_in_english(tour_en, role):
    """The same in English: 'are left out', 'gaps are months with fewer than 5 cases'."""
    claims = _claims(tour_en, role, "en")
    assert not claims, "suppression claimed over exact figures:\n" + "\n".join(sorted(claims))


def test_views_that_hide_small_figures_still_say_so(tour):
    """The same captions where the data layer does hide: the national view of the caseloads and
    the progression page."""
    for page in HIDING_PAGES:
        captions = [c.value for c in tour[("national", page)].caption]
        assert any(HIDING_CLAIMS["da"].search(c) for c in captions), page


def test_views_that_hide_small_figures_still_say_so_in_english(tour_en):
    assert tour_en[("national", "caseloads.py")].title[0].value == en("page_caseloads")
    for page in HIDING_PAGES:
        captions = [c.value for c in tour_en[("national", page)].caption]
        assert any(HIDING_CLAIMS["en"].search(c) for c in captions), page
