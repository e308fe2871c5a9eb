"""Charts of the indicators (indicators.md sections 2-4): funnel plots, XmR control charts and the
Jacobson plot, shared by the fidelity, pre/post and overview pages. Builders take frames already
shaped and labelled (texts in the reader's language); they never query and never exceed
`charts.MAX_POINTS` rows.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts
from app.funnel import LIMITS, Funnel

# NHS "Making Data Count" icon colours: common cause, improvement, concern
COMMON_GREY = "#7B7D7D"
IMPROVEMENT_BLUE = "#289de0"
CONCERN_ORANGE = "#fab428"
# for the four funnel shares a higher share is better: above the limits is good news
SIGNAL_COLOURS = {"none": COMMON_GREY, "high": IMPROVEMENT_BLUE, "low": CONCERN_ORANGE}
VARIATION_COLOURS = {
    "common_cause": COMMON_GREY,
    "improvement": IMPROVEMENT_BLUE,
    "concern": CONCERN_ORANGE,
}
SHARE_SCALE = alt.Scale(domain=[0, 1])
LIMIT_DASH = {"95": [5, 4], "998": [1, 0]}


def _labelled_scale(colours: dict[str, str], labels: dict[str, str]) -> alt.Scale:
    return charts.color_scale(
        [labels[c] for c in colours], {labels[c]: colours[c] for c in colours}
    )


def funnel_chart(
    fitted: Funnel,
    *,
    x_title: str,
    y_title: str,
    signal_labels: dict[str, str],
    limit_labels: dict[str, str],
    target_label: str,
) -> alt.LayerChart:
    """Each shown unit's share against its number of cases, the 95% (dashed) and 99.8% (solid)
    limits around the overall share, and the overall share as a line; no ranking, no names on
    the chart (they are in the tooltip and, for units outside the limits, in words below)."""
    points = fitted.shown.select(
        "unit_label", "events", "total", "rate",
        pl.col("signal").replace_strict(signal_labels).alias("signal_label"),
    )  # fmt: skip
    curve = fitted.curve.unpivot(list(LIMITS), index="total", variable_name="limit").with_columns(
        pl.col("limit").str.extract(r"(95|998)$").alias("level"),
    )
    curve = curve.with_columns(pl.col("level").replace_strict(limit_labels).alias("level_label"))
    charts.check_points(points, curve)
    x = alt.X("total:Q", title=x_title, scale=alt.Scale(type="sqrt", domainMin=0),
              axis=alt.Axis(format=",d"))  # fmt: skip
    lines = (
        alt.Chart(curve)
        .mark_line(color="#555555", strokeWidth=1.5)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, scale=SHARE_SCALE, axis=alt.Axis(format=".0%")),
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "level_label:N", title="",
                scale=alt.Scale(domain=[limit_labels["95"], limit_labels["998"]],
                                range=[LIMIT_DASH["95"], LIMIT_DASH["998"]]),
            ),
        )
    )  # fmt: skip
    target = (
        alt.Chart(pl.DataFrame({"target": [fitted.target], "what": [target_label]}))
        .mark_rule(color=charts.PALETTE[7], strokeWidth=2)
        .encode(y="target:Q", tooltip=["what:N", alt.Tooltip("target:Q", format=".1%")])
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=90, opacity=0.9, stroke="#1A1A1A", strokeWidth=0.5)
        .encode(
            x="total:Q",
            y="rate:Q",
            color=alt.Color("signal_label:N", title="",
                            scale=_labelled_scale(SIGNAL_COLOURS, signal_labels)),
            tooltip=[alt.Tooltip("unit_label:N", title=""), alt.Tooltip("rate:Q", format=".0%"),
                     alt.Tooltip("events:Q", format=",d"), alt.Tooltip("total:Q", format=",d")],
        )
    )  # fmt: skip
    return alt.layer(lines, target, dots).properties(height=340)


def xmr_chart(
    frame: pl.DataFrame, *, y_title: str, variation_labels: dict[str, str], limit_title: str
) -> alt.LayerChart:
    """An XmR chart of a monthly share: points (`month`, `value`) coloured by `variation` (common
    cause grey, improvement blue, concern orange), the mean solid, the process limits dashed."""
    charts.check_points(frame)
    labelled = frame.with_columns(
        pl.col("variation").replace_strict(variation_labels).alias("variation_label")
    )
    base = alt.Chart(labelled).encode(x=alt.X("month:T", title="", axis=alt.Axis(format="%b %Y")))
    line = base.mark_line(color=COMMON_GREY, strokeWidth=2).encode(
        y=alt.Y("value:Q", title=y_title, scale=SHARE_SCALE, axis=alt.Axis(format=".0%"))
    )
    mean = base.mark_line(color="#1A1A1A", strokeWidth=1.5).encode(y="mean:Q")
    limits = [
        base.mark_line(color="#555555", strokeWidth=1.5, strokeDash=[6, 4]).encode(
            y=f"{side}:Q", tooltip=[alt.Tooltip(f"{side}:Q", title=limit_title, format=".0%")]
        )
        for side in ("lower", "upper")
    ]
    dots = base.mark_circle(size=110, opacity=1).encode(
        y="value:Q",
        color=alt.Color("variation_label:N", title="",
                        scale=_labelled_scale(VARIATION_COLOURS, variation_labels)),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("value:Q", format=".0%"),
                 alt.Tooltip("n_cases:Q", format=",d"), alt.Tooltip("variation_label:N", title="")],
    )  # fmt: skip
    return alt.layer(line, mean, *limits, dots).properties(height=320)
