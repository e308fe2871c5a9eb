"""Charts of the indicators (indicators.md sections 2-4): funnel plots, XmR control charts and the
Jacobson plot, shared by the fidelity, pre/post and overview pages. Builders take frames already
shaped and labelled (texts in the reader's language); they never query and never exceed
`charts.MAX_POINTS` rows.
"""

from __future__ import annotations

import math

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


# a funnel's x axis runs past its largest unit by this share of its (square-root) length: a dot
# of size 90 is about 11 px across, so 3 % leaves it whole on a chart 400 px wide or wider
DOT_ROOM = 0.03


def funnel_x_end(largest: float) -> float:
    """Where a funnel's square-root x axis ends: past `largest` by DOT_ROOM of its length, so the
    dot there is not cut in half. (Vega's `padding` pads both ends: on a square-root scale from 0
    that made an axis starting at -10 cases.)"""
    return (math.sqrt(max(largest, 1)) * (1 + DOT_ROOM)) ** 2


# the reader's units (the filter's municipalities) against the others: the leadership report's
# mark for its municipality (reports/charts.py `funnel`), a larger diamond, named on the chart
MARKED_SHAPES = ("circle", "diamond")
MARKED_SIZES = (90, 320)
MARKED_STROKES = (0.5, 2.0)


def funnel_chart(
    fitted: Funnel,
    *,
    x_title: str,
    y_title: str,
    signal_labels: dict[str, str],
    limit_labels: dict[str, str],
    target_label: str,
    marked_labels: tuple[str, str] = ("", ""),
) -> alt.LayerChart:
    """Each shown unit's share against its number of cases, the 95% (dashed) and 99.8% (solid)
    limits around the overall share, and the overall share as a line; no ranking, no names on
    the chart (they are in the tooltip and, for units outside the limits, in words below) but
    the reader's marked units': a larger diamond named beside it, `marked_labels` (others,
    marked) in the legend."""
    points = fitted.shown.select(
        "unit_label", "events", "total", "rate", "is_marked",
        pl.col("signal").replace_strict(signal_labels).alias("signal_label"),
        pl.when("is_marked").then(pl.lit(marked_labels[1])).otherwise(pl.lit(marked_labels[0]))
        .alias("marked_label"),
    )  # fmt: skip
    curve = fitted.curve.unpivot(list(LIMITS), index="total", variable_name="limit").with_columns(
        pl.col("limit").str.extract(r"(95|998)$").alias("level"),
    )
    curve = curve.with_columns(pl.col("level").replace_strict(limit_labels).alias("level_label"))
    charts.check_points(points, curve)
    # the largest unit sits at the domain's end, and its dot was cut in half there
    largest = max(points["total"].max() or 0, curve["total"].max() or 0)
    x = alt.X("total:Q", title=x_title,
              scale=alt.Scale(type="sqrt", domain=[0, funnel_x_end(largest)]),
              axis=charts.count_axis(labelOverlap="greedy", labelSeparation=8))  # fmt: skip
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
        .encode(
            y=alt.Y("target:Q", title=y_title),
            tooltip=charts.tips(("what:N", ""), ("target:Q", "", ".1%")),
        )
    )
    layers = [lines, target, _funnel_dots(points, x_title, y_title, signal_labels, marked_labels)]
    # the reader's units by name, as the leadership report names its municipality: on the
    # left of a dot in the axis's right half (a name to its right ran off the chart); filtered
    # in the spec, so that the chart holds one frame of units
    half = math.sqrt(funnel_x_end(largest)) / 2
    if points["is_marked"].any():
        for side, where in (("left", "<="), ("right", ">")):
            layers.append(
                alt.Chart(points)
                .transform_filter(f"datum.is_marked && sqrt(datum.total) {where} {half}")
                .mark_text(align=side, dx=12 if side == "left" else -12, dy=-12, fontSize=13,
                           fontWeight="bold", color="#1A1A1A")
                .encode(x=alt.X("total:Q", title=x_title), y=alt.Y("rate:Q", title=y_title),
                        text="unit_label:N")
            )  # fmt: skip
    return alt.layer(*layers).properties(height=340)


def _by_mark(labels: tuple[str, str], values: tuple) -> alt.Scale:
    """A scale from (others, marked) to two values of a channel."""
    return alt.Scale(domain=list(labels), range=list(values))


def _funnel_dots(
    points: pl.DataFrame,
    x_title: str,
    y_title: str,
    signal_labels: dict[str, str],
    marked_labels: tuple[str, str],
) -> alt.Chart:
    """The units' dots coloured by signal; with marked units, those a larger diamond (legend)."""
    marking = {}
    if points["is_marked"].any():
        marking = {
            "shape": alt.Shape("marked_label:N", title="", scale=_by_mark(marked_labels, MARKED_SHAPES),
                               legend=alt.Legend(labelLimit=0, orient="bottom", symbolSize=140,
                                                 symbolFillColor=COMMON_GREY)),
            # by condition, not by a scale of the same field: Vega-Lite merges the legends of
            # one field, and a size without a legend took the shapes' legend with it
            "size": alt.condition("datum.is_marked", alt.value(MARKED_SIZES[1]),
                                  alt.value(MARKED_SIZES[0])),
            "strokeWidth": alt.condition("datum.is_marked", alt.value(MARKED_STROKES[1]),
                                         alt.value(MARKED_STROKES[0])),
        }  # fmt: skip
    return (
        alt.Chart(points)
        .mark_point(filled=True, size=MARKED_SIZES[0], opacity=0.9, stroke="#1A1A1A",
                    strokeWidth=MARKED_STROKES[0], shape=MARKED_SHAPES[0])
        .encode(
            x=alt.X("total:Q", title=x_title),
            y=alt.Y("rate:Q", title=y_title),
            # below the chart: beside the limits' legend at the top it ran off a 1280 px screen
            color=alt.Color("signal_label:N", title="",
                            legend=alt.Legend(labelLimit=0, orient="bottom"),
                            scale=_labelled_scale(SIGNAL_COLOURS, signal_labels)),
            tooltip=charts.tips(("unit_label:N", ""), ("rate:Q", y_title, charts.SHARE_FORMAT),
                                "events:Q", "total:Q"),
            **marking,
        )
    )  # fmt: skip


# an XmR chart's y axis runs past its highest and lowest mark (point, mean or limit) by this
# share of their range: a dot of size 110 is about 12 px across, so 6 % of a 320 px chart leaves
# it whole (Vega's nice domain ended at the first months' top dots and cut them in half)
XMR_ROOM = 0.06
XMR_SERIES = ("value", "mean", "lower", "upper")
XMR_X_ROOM_DAYS = 15


def xmr_y_domain(frame: pl.DataFrame) -> list[float]:
    """The y domain of an XmR chart of `frame`: its marks' range, XMR_ROOM wider at both ends
    (a flat series: a percentage point either side)."""
    drawn = pl.concat([frame[c].cast(pl.Float64) for c in XMR_SERIES if c in frame.columns])
    drawn = drawn.drop_nulls().drop_nans()
    if drawn.is_empty():
        return [0.0, 1.0]
    return _padded(float(drawn.min()), float(drawn.max()), XMR_ROOM, least=0.01)


def _padded(low: float, high: float, share: float, least: float = 0.0) -> list[float]:
    """The domain from `low` to `high`, wider at both ends by `share` of its length (at least
    `least`): a dot on the domain's edge is cut in half by the plot's edge."""
    room = (high - low) * share or least
    return [low - room, high + room]


def xmr_chart(
    frame: pl.DataFrame,
    *,
    y_title: str,
    variation_labels: dict[str, str],
    limit_title: str,
    period: charts.Period | None = None,
) -> alt.LayerChart:
    """An XmR chart of a monthly share: points (`month`, `value`) coloured by `variation` (common
    cause grey, improvement blue, concern orange), the mean solid, the process limits dashed;
    the x axis to the end of the chosen `period`, from its baseline's first month."""
    charts.check_points(frame)
    labelled = frame.with_columns(
        pl.col("variation").replace_strict(variation_labels).alias("variation_label")
    )
    span = charts.reaching_back(frame["month"], period)
    # half a month before the first month: its dot stood on the y axis, cut in half
    x = alt.X("month:T", title="", **charts.period_x(frame["month"], span,
                                                      lead_days=XMR_X_ROOM_DAYS))  # fmt: skip
    base = alt.Chart(labelled).encode(x=x)
    # the axis follows the data (not 0-100 %): a month-to-month change must be visible; padded
    # so that no dot at the top or bottom is cut (`xmr_y_domain`)
    scale = alt.Scale(domain=xmr_y_domain(frame), nice=False, zero=False)
    line = base.mark_line(color=COMMON_GREY, strokeWidth=2).encode(
        y=alt.Y("value:Q", title=y_title, scale=scale, axis=alt.Axis(format=".0%"))
    )
    mean = base.mark_line(color="#1A1A1A", strokeWidth=1.5).encode(
        y=alt.Y("mean:Q", title=y_title, scale=scale)
    )
    limits = [
        base.mark_line(color="#555555", strokeWidth=1.5, strokeDash=[6, 4]).encode(
            y=alt.Y(f"{side}:Q", title=y_title, scale=scale),
            tooltip=charts.tips((f"{side}:Q", limit_title, charts.SHARE_FORMAT)),
        )
        for side in ("lower", "upper")
    ]
    dots = base.mark_circle(size=110, opacity=1).encode(
        y=alt.Y("value:Q", title=y_title, scale=scale),
        color=alt.Color("variation_label:N", title="", legend=alt.Legend(labelLimit=0),
                        scale=_labelled_scale(VARIATION_COLOURS, variation_labels)),
        tooltip=charts.tips("month:T", ("value:Q", y_title, charts.SHARE_FORMAT), "n_cases:Q",
                            ("variation_label:N", "")),
    )  # fmt: skip
    return alt.layer(line, mean, *limits, dots).properties(height=320)


# the Jacobson plot's axes run past the instrument's range by this share of it: a dot at 0 or
# 100 on the domain's edge was cut in half by the plot's edge
SCORE_ROOM = 0.03


def _score_scale(ref: dict) -> alt.Scale:
    return alt.Scale(
        domain=_padded(float(ref["score_min"]), float(ref["score_max"]), SCORE_ROOM), nice=False
    )


def _jacobson_guides(ref: dict, labels: dict[str, str], x_title: str, y_title: str) -> list:
    """The diagonal of no change, the band of +- the reliable-change threshold around it and
    the cutoff lines (when the instrument has a cutoff)."""
    low, high = float(ref["score_min"]), float(ref["score_max"])
    threshold = float(ref["reliable_change_threshold"])
    band = pl.DataFrame({"x": [low, high]}).with_columns(
        (pl.col("x") - threshold).clip(low, high).alias("y_low"),
        (pl.col("x") + threshold).clip(low, high).alias("y_high"),
        pl.col("x").alias("y"),
        pl.lit(labels["band"]).alias("what"),
    )
    x = alt.X("x:Q", title=x_title, scale=_score_scale(ref))
    guides = [
        alt.Chart(band).mark_area(color="#BBBBBB", opacity=0.35).encode(
            x=x, y=alt.Y("y_low:Q", title=y_title, scale=_score_scale(ref)), y2="y_high:Q",
            tooltip=charts.tips(("what:N", ""))),
        alt.Chart(band).mark_line(color="#555555", strokeWidth=1.5).encode(
            x=x, y=alt.Y("y:Q", title=y_title)),
    ]  # fmt: skip
    if ref["cutoff"] is not None:
        cutoff = pl.DataFrame({"cutoff": [float(ref["cutoff"])], "what": [labels["cutoff"]]})
        line = alt.Chart(cutoff).mark_rule(color="#555555", strokeDash=[6, 4], strokeWidth=1.5)
        guides += [line.encode(x=alt.X("cutoff:Q", title=x_title), tooltip=charts.tips(("what:N", ""))),
                   line.encode(y=alt.Y("cutoff:Q", title=y_title), tooltip=charts.tips(("what:N", "")))]  # fmt: skip
    return guides


def _score_axes(ref: dict, x_title: str, y_title: str) -> tuple[alt.X, alt.Y]:
    return (
        alt.X("x:Q", title=x_title, scale=_score_scale(ref)),
        alt.Y("y:Q", title=y_title, scale=_score_scale(ref)),
    )


def jacobson_points(
    points: pl.DataFrame,
    ref: dict,
    *,
    x_title: str,
    y_title: str,
    category_colours: dict[str, str],
    labels: dict[str, str],
) -> alt.LayerChart:
    """Each case's pre (x) against its post (y) score, coloured by `category_label`, over the
    guides of `_jacobson_guides` (case-level viewers only)."""
    charts.check_points(points)
    x, y = _score_axes(ref, x_title, y_title)
    frame = points.rename({"pre_score": "x", "post_score": "y"})
    dots = (
        alt.Chart(frame)
        .mark_circle(size=45, opacity=0.75)
        .encode(
            x=x, y=y,
            color=alt.Color("category_label:N", title="",
                            scale=charts.color_scale(list(category_colours), category_colours)),
            tooltip=charts.tips("case_id:N", ("x:Q", x_title), ("y:Q", y_title),
                                ("category_label:N", "")),
        )
    )  # fmt: skip
    return alt.layer(*_jacobson_guides(ref, labels, x_title, y_title), dots).properties(
        height=420, width=420
    )


def jacobson_cells(
    cells: pl.DataFrame, ref: dict, *, x_title: str, y_title: str, labels: dict[str, str]
) -> alt.LayerChart:
    """The same picture as a 2-D histogram: cases per pre x post cell, hidden cells left out."""
    shown = cells.filter(~pl.col("suppressed"))
    charts.check_points(shown)
    x, y = _score_axes(ref, x_title, y_title)
    frame = shown.rename({"pre_start": "x", "post_start": "y"})
    rects = (
        alt.Chart(frame)
        .mark_rect(opacity=0.85, stroke="white")
        .encode(
            x=x, x2="pre_end:Q", y=y, y2="post_end:Q",
            color=alt.Color("n:Q", title=labels["cases"], scale=alt.Scale(scheme="blues"),
                            legend=charts.count_legend()),
            tooltip=charts.tips(("x:Q", x_title), ("y:Q", y_title), ("n:Q", labels["cases"])),
        )
    )  # fmt: skip
    return alt.layer(*_jacobson_guides(ref, labels, x_title, y_title), rects).properties(
        height=420, width=420
    )
