"""Charts of the case and worker pages: one case's progression scores over its expected band,
with the gaps longer than the cadence shaded; a worker's caseload by month. Builders take frames
shaped and labelled by the page."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts
from app.page_charts import progression as pc

# The case's own scores are the foreground: a thick black line with large points in the
# tracking colours (spec/indicators.md) over the blue expected band. Gaps over the cadence are
# shaded grey behind everything: an orange shade read as one thing with the orange points
# ('below expected').
CASE_LINE_COLOUR = charts.PALETTE[7]
CASE_LINE_WIDTH = 3.5
CASE_POINT_SIZE = 140
GAP_COLOUR = pc.LINE_GREY
GAP_OPACITY = 0.25
# Two gaps in a row (a score between them) touch: with no edge they read as one grey area of
# their summed length. Each has a white edge and its own length written at its top.
GAP_EDGE = {"stroke": "white", "strokeWidth": 3, "strokeOpacity": 1}
GAP_LABEL_SIZE = 13
# the case's line and its gaps under the chart, the tracking colours above: one row of seven
# entries was wider than the chart at 1280 px
CASE_LEGEND = alt.Legend(orient="bottom")


def case_progression(
    band: pl.DataFrame,
    points: pl.DataFrame,
    gaps: pl.DataFrame,
    *,
    x_title: str,
    y_title: str,
    title: str,
    tracking_labels: dict[str, str],
    gap_label: str,
    line_label: str,
) -> alt.TopLevelMixin:
    """The expected band of the case's start band (pc.band_layers) with the case's scores on
    top as a line (`line_label` in the legend) of points coloured by tracking, and each gap over
    the cadence as a grey shade behind (`gap_from`..`gap_to` in months since start; `gap_label`
    in the legend), edged apart from the next and topped by its length (`gap_text`: '95 dage')."""
    charts.check_points(band, points, gaps)
    expected = pc.band_layers(band, x_title=x_title, y_title=y_title)
    x = alt.X("months:Q", title=x_title)
    y = alt.Y("score:Q", title=y_title, scale=pc.SCORE_SCALE)
    line = (
        alt.Chart(points.with_columns(pl.lit(line_label).alias("line")))
        .mark_line(strokeWidth=CASE_LINE_WIDTH)
        .encode(x=x, y=y, stroke=alt.Stroke("line:N", title="", legend=CASE_LEGEND,
                                            scale=alt.Scale(domain=[line_label],
                                                            range=[CASE_LINE_COLOUR])))
    )  # fmt: skip
    dots = (
        alt.Chart(points)
        .mark_circle(size=CASE_POINT_SIZE, opacity=1, stroke="white", strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=pc.tracking_color(tracking_labels),
            tooltip=charts.tips("measured_on:T", ("score:Q", y_title), ("tracking_label:N", "")),
        )
    )
    gapped = gaps.with_columns(
        pl.lit(gap_label).alias("gap"), ((pl.col("gap_from") + pl.col("gap_to")) / 2).alias("mid")
    )
    shaded = (
        alt.Chart(gapped)
        .mark_rect(opacity=GAP_OPACITY, **GAP_EDGE)
        .encode(
            x=alt.X("gap_from:Q", title=x_title),
            x2="gap_to:Q",
            fill=alt.Fill("gap:N", title="", legend=CASE_LEGEND,
                          scale=alt.Scale(domain=[gap_label], range=[GAP_COLOUR])),
            tooltip=charts.tips(("gap:N", ""), "gap_days:Q"),
        )
    )  # fmt: skip
    lengths = (
        alt.Chart(gapped)
        .mark_text(baseline="top", dy=4, fontSize=GAP_LABEL_SIZE, color="#1A1A1A")
        .encode(x=alt.X("mid:Q", title=x_title), y=alt.value(0), text="gap_text:N")
    )  # fmt: skip
    return alt.layer(shaded, lengths, *expected, line, dots).properties(height=360, title=title)


def worker_caseload(
    frame: pl.DataFrame, *, x_title: str, y_title: str, period: charts.Period | None = None
) -> alt.TopLevelMixin:
    """Cases per month (`month`, `cases`) by `measure` over the chosen `period`, whole numbers
    on the axis (a worker has few cases: the default ticks read 0, 0, 1, 1, 2)."""
    chart = charts.line_chart(frame, "month", "cases", color="measure", x_title=x_title,
                              y_title=y_title, period=period)  # fmt: skip
    return chart.encode(
        y=alt.Y("cases:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1))
    ).properties(height=260)
