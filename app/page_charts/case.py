"""Charts of the case and worker pages: one case's progression scores over its expected band,
with the gaps longer than the cadence shaded; a worker's caseload by month. Builders take frames
shaped and labelled by the page."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts
from app.page_charts import progression as pc

GAP_COLOUR = charts.PALETTE[1]


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
) -> alt.TopLevelMixin:
    """The expected band of the case's start band (pc.expected_band) with the case's scores as
    a line of points coloured by tracking, and each gap over the cadence as a shaded area
    (`gap_from`..`gap_to` in months since start)."""
    charts.check_points(band, points, gaps)
    layered = pc.expected_band(
        band, points, x_title=x_title, y_title=y_title, title=title,
        tracking_labels=tracking_labels,
    )  # fmt: skip
    line = (
        alt.Chart(points)
        .mark_line(color=pc.LINE_GREY, strokeWidth=1.5)
        .encode(
            x=alt.X("months:Q", title=x_title),
            y=alt.Y("score:Q", title=y_title, scale=pc.SCORE_SCALE),
        )
    )
    shaded = (
        alt.Chart(gaps.with_columns(pl.lit(gap_label).alias("gap")))
        .mark_rect(opacity=0.15, color=GAP_COLOUR)
        .encode(
            x=alt.X("gap_from:Q", title=x_title),
            x2="gap_to:Q",
            tooltip=charts.tips(("gap:N", ""), "gap_days:Q"),
        )
    )
    return alt.layer(shaded, line, *layered.layer).properties(height=360, title=title)


def worker_caseload(frame: pl.DataFrame, *, x_title: str, y_title: str) -> alt.TopLevelMixin:
    """Cases per month (`month`, `cases`) by `measure`, whole numbers on the axis (a worker
    has few cases: the default ticks read 0, 0, 1, 1, 2)."""
    chart = charts.line_chart(frame, "month", "cases", color="measure", x_title=x_title,
                              y_title=y_title)  # fmt: skip
    return chart.encode(
        y=alt.Y("cases:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1))
    ).properties(height=260)
