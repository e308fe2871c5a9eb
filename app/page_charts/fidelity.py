"""Charts of the Fidelity page. Builders take frames already shaped and labelled by the page
(texts in the reader's language); they never query and never exceed `charts.MAX_POINTS` rows."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts

SHARE_SCALE = alt.Scale(domain=[0, 1])
RULE_COLOUR = charts.PALETTE[5]  # vermillion: the limit stands out from the bars


def monthly_share(
    frame: pl.DataFrame, *, y_title: str, period: charts.Period | None = None
) -> alt.Chart:
    """The share on cadence per month (0-100 %) over the chosen `period`; hidden months are
    gaps."""
    frame = charts.in_period(frame, "month", period)
    charts.check_points(frame)
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title="", **charts.period_x(frame["month"], period)),
            y=alt.Y("share:Q", title=y_title, scale=SHARE_SCALE, axis=alt.Axis(format=".0%")),
            tooltip=charts.tips("month:T", ("share:Q", y_title), "n_cases:Q"),
        )
        .properties(height=charts.CHART_HEIGHT)
    )


def group_shares(frame: pl.DataFrame, total: float | None, *, x_title: str) -> alt.LayerChart:
    """Horizontal bars of the share on cadence per group (`label`, in the frame's order), each with
    its value as text (`text`: '0 %' or '<5' stay readable where there is no bar), a rule at the
    total share."""
    charts.check_points(frame)
    placed = frame.with_columns(pl.col("share_on_cadence").fill_null(0).alias("text_x"))
    # in the groups' own order (names, bands), never by their share: no league table
    base = alt.Chart(placed).encode(y=alt.Y("label:N", title="", sort=None))
    values = base.mark_text(align="left", dx=4, fontSize=14).encode(
        x=alt.X("text_x:Q", title=x_title, scale=SHARE_SCALE), text="text:N"
    )
    bars = base.mark_bar(color=charts.PALETTE[0]).encode(
        x=alt.X(
            "share_on_cadence:Q", title=x_title, scale=SHARE_SCALE, axis=alt.Axis(format=".0%")
        ),
        tooltip=charts.tips(
            ("label:N", ""), ("share_on_cadence:Q", x_title, charts.SHARE_FORMAT), "n_cases:Q"
        ),
    )
    layers = [bars, values]
    if total is not None:
        rule = pl.DataFrame({"share_on_cadence": [total]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(color=RULE_COLOUR, strokeDash=[6, 4], strokeWidth=2)
            .encode(x=alt.X("share_on_cadence:Q", title=x_title))
        )
    return alt.layer(*layers).properties(height=charts.row_height())


def _stacked(frame: pl.DataFrame) -> pl.DataFrame:
    """Bottom and top of each bar in its bin's stack, in the frame's row order (hidden = 0)."""
    height = pl.col("n_gaps").fill_null(0)
    top = height.cum_sum().over("bin_start")
    return frame.with_columns((top - height).alias("y0"), top.alias("y1"))


def gap_histogram(
    frame: pl.DataFrame, limit_days: int, *, x_title: str, y_title: str, limit_label: str
) -> alt.LayerChart:
    """Stacked bars of gaps per bin (`label` = kind of gap) with the cadence limit as a rule.
    The stack is computed here: Vega-Lite does not stack bars that span x..x2."""
    charts.check_points(frame)
    domain = frame["label"].unique(maintain_order=True).to_list()
    bars = (
        alt.Chart(_stacked(frame))
        .mark_bar(binSpacing=1)
        .encode(
            x=alt.X("bin_start:Q", title=x_title, axis=alt.Axis(format="d", tickMinStep=1)),
            x2="bin_end:Q",
            y=alt.Y("y0:Q", title=y_title, axis=charts.count_axis()),
            y2="y1:Q",
            color=alt.Color("label:N", title="", scale=charts.color_scale(domain), sort=domain),
            tooltip=charts.tips(
                ("label:N", ""),
                ("bin_start:Q", None, "d"),
                ("bin_end:Q", None, "d"),
                ("n_gaps:Q", y_title),
                "n_cases:Q",
            ),  # fmt: skip
        )
    )
    limit = pl.DataFrame({"days": [limit_days], "label": [limit_label]})
    rule = (
        alt.Chart(limit)
        .mark_rule(color=RULE_COLOUR, strokeDash=[6, 4], strokeWidth=3)
        .encode(x=alt.X("days:Q", title=x_title), tooltip=charts.tips(("label:N", ""), "days:Q"))
    )
    text = (
        alt.Chart(limit)
        .mark_text(align="left", dx=6, color=RULE_COLOUR, fontSize=14)
        .encode(x=alt.X("days:Q", title=x_title), y=alt.value(12), text="label:N")
    )
    return alt.layer(bars, rule, text).properties(height=320)
