"""Charts of the Progression page. Builders take frames already shaped and labelled by the page
(texts in the reader's language); they never query and never exceed `charts.MAX_POINTS` rows."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts

# the scale's 1-10 with half a point's room at both ends: a dot or line at 10 (or 1) on the
# domain's edge was cut in half by the plot's top (the expected band's dots, a case's line)
SCORE_SCALE = alt.Scale(domain=[0.5, 10.5], nice=False)
LINE_GREY = "#8C8C8C"
FACET_COLUMNS = 3


def median_band(
    frame: pl.DataFrame,
    *,
    x_title: str,
    y_title: str,
    group: str | None = None,
    facet: bool = False,
) -> alt.TopLevelMixin:
    """Median line over an interquartile band per month since start; by `group` as colours
    (few groups) or small multiples (`facet=True`). Hidden months are gaps (null values)."""
    charts.check_points(frame)
    x = alt.X("month_no:Q", title=x_title, axis=alt.Axis(format="d", tickMinStep=1))
    tooltip = charts.tips(("month_no:Q", x_title), "median:Q", "q1:Q", "q3:Q", "n_cases:Q")
    colour: dict = {}
    if group and not facet:
        domain = frame[group].unique(maintain_order=True).to_list()
        colour = {"color": alt.Color(f"{group}:N", title="", scale=charts.color_scale(domain))}
        tooltip.insert(0, charts.tip(f"{group}:N", ""))
    base = alt.Chart(frame).encode(x=x, **colour)
    fixed = {} if colour else {"color": charts.PALETTE[0]}  # one series: the palette's first colour
    band = base.mark_area(opacity=0.2, **fixed).encode(
        y=alt.Y("q1:Q", title=y_title, scale=SCORE_SCALE), y2="q3:Q"
    )
    line = base.mark_line(point=True, **fixed).encode(
        y=alt.Y("median:Q", title=y_title, scale=SCORE_SCALE), tooltip=tooltip
    )
    if group and facet:
        return (
            alt.layer(band, line, data=frame)
            .properties(width=220, height=160)
            .facet(facet=alt.Facet(f"{group}:N", title=""), columns=FACET_COLUMNS)
        )
    return alt.layer(band, line).properties(height=340)


def case_lines(
    lines: pl.DataFrame, median: pl.DataFrame, *, x_title: str, y_title: str, median_label: str
) -> alt.TopLevelMixin:
    """One thin grey line per sampled case, with the median of all cases on top."""
    charts.check_points(lines, median)
    x_scale = alt.Scale(domainMin=0)
    cases = (
        alt.Chart(lines)
        .mark_line(strokeWidth=1, opacity=0.45, color=LINE_GREY, point=False)
        .encode(
            x=alt.X(
                "months:Q", title=x_title, scale=x_scale, axis=alt.Axis(format="d", tickMinStep=1)
            ),  # fmt: skip
            y=alt.Y("score:Q", title=y_title, scale=SCORE_SCALE),
            detail="case_id:N",
            tooltip=charts.tips("case_id:N", "measured_on:T", ("score:Q", y_title)),
        )
    )
    middle = (
        alt.Chart(median.with_columns(pl.lit(median_label).alias("what")))
        .mark_line(strokeWidth=4, color=charts.PALETTE[0])
        .encode(
            x=alt.X("month_no:Q", title=x_title),
            y=alt.Y("median:Q", title=y_title),
            tooltip=charts.tips(("what:N", ""), "median:Q"),
        )
    )
    return alt.layer(cases, middle).properties(height=340)


def first_latest(frame: pl.DataFrame, *, x_title: str, y_title: str) -> alt.Chart:
    """Side-by-side bars: how many cases had each score first, and latest (column `label`)."""
    charts.check_points(frame)
    domain = frame["label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("score:O", title=x_title, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("label:N", sort=domain),
            y=alt.Y("n_cases:Q", title=y_title, axis=charts.count_axis()),
            color=alt.Color("label:N", title="", scale=charts.color_scale(domain), sort=domain),
            tooltip=charts.tips(("label:N", ""), ("score:O", x_title), ("n_cases:Q", y_title)),
        )
        .properties(height=charts.CHART_HEIGHT)
    )


# tracking -> colour (Okabe-Ito): on track green, below expected orange, off track vermillion;
# months without a reliable reference in grey; the first score (it sets the band) black, as the
# case's own line on the case page
TRACKING_COLORS = {
    "start": charts.PALETTE[7],
    "on_track": charts.PALETTE[2],
    "below_expected": charts.PALETTE[1],
    "off_track": charts.PALETTE[5],
    "no_reference": LINE_GREY,
}


def tracking_color(tracking_labels: dict[str, str]) -> alt.Color:
    """Points coloured by `tracking_label` (the reader's words for the codes), spec colours."""
    codes = [c for c in TRACKING_COLORS if c in tracking_labels]
    scale = charts.color_scale(
        [tracking_labels[c] for c in codes],
        {tracking_labels[c]: TRACKING_COLORS[c] for c in codes},
    )
    return alt.Color("tracking_label:N", title="", scale=scale)


def band_layers(band: pl.DataFrame, *, x_title: str, y_title: str) -> list[alt.Chart]:
    """The expected band by month, each month drawn over [month, month + 1) as the tracking
    compares it: p10-p90 and p25-p75 shaded, the median as a line (layers, each with its data)."""
    charts.check_points(band)
    stepped = band.with_columns((pl.col("month") + 1).alias("month_end"))
    x = alt.X("month:Q", title=x_title, axis=alt.Axis(format="d", tickMinStep=1),
              scale=alt.Scale(domainMin=0))  # fmt: skip
    base = alt.Chart(stepped).encode(x=x)
    outer = base.mark_rect(opacity=0.18, color=charts.PALETTE[0]).encode(
        x2="month_end:Q", y=alt.Y("p10:Q", title=y_title, scale=SCORE_SCALE), y2="p90:Q"
    )
    inner = base.mark_rect(opacity=0.3, color=charts.PALETTE[0]).encode(
        x2="month_end:Q", y=alt.Y("p25:Q", title=y_title), y2="p75:Q"
    )
    median = base.mark_rule(color=charts.PALETTE[0], strokeWidth=3).encode(
        x2="month_end:Q", y=alt.Y("p50:Q", title=y_title),
        tooltip=charts.tips(("month:Q", x_title, "d"), "p10:Q", "p25:Q", "p50:Q", "p75:Q",
                            "p90:Q", "n_cases:Q"),
    )  # fmt: skip
    return [outer, inner, median]


# the viewer's own cases over the national band: a black line (the case page draws a case so)
OWN_MEDIAN_COLOUR = charts.PALETTE[7]
OWN_MEDIAN_WIDTH = 3.5
# single cases over the band: small and light, under the line of all the viewer's cases
BAND_POINT_SIZE = 22
BAND_POINT_OPACITY = 0.55


def own_median_layer(
    median: pl.DataFrame, *, x_title: str, y_title: str, median_label: str
) -> alt.Chart:
    """The median of the viewer's cases per month (`month`, `median`, `n_cases`), drawn in the
    middle of each month's step of the band ([month, month + 1)); hidden months are gaps."""
    shown = median.with_columns(
        (pl.col("month") + 0.5).alias("month_mid"), pl.lit(median_label).alias("line")
    )
    legend = alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=OWN_MEDIAN_WIDTH)
    scale = alt.Scale(domain=[median_label], range=[OWN_MEDIAN_COLOUR])
    stroke = alt.Stroke("line:N", title="", legend=legend, scale=scale)
    return (
        alt.Chart(shown)
        .mark_line(
            strokeWidth=OWN_MEDIAN_WIDTH,
            color=OWN_MEDIAN_COLOUR,
            point={"filled": True, "size": 50, "color": OWN_MEDIAN_COLOUR},
        )  # fmt: skip
        .encode(
            x=alt.X("month_mid:Q", title=x_title),
            y=alt.Y("median:Q", title=y_title),
            stroke=stroke,
            tooltip=charts.tips(
                ("month:Q", x_title, "d"), ("line:N", ""), "median:Q", "n_cases:Q"
            ),  # fmt: skip
        )
    )


def expected_band(
    band: pl.DataFrame,
    median: pl.DataFrame,
    points: pl.DataFrame | None,
    *,
    x_title: str,
    y_title: str,
    title: str,
    tracking_labels: dict[str, str],
    median_label: str,
) -> alt.TopLevelMixin:
    """The expected band by month (`band_layers`) with the median of the viewer's own cases on
    top (`own_median_layer`, `median_label` in the legend); a small sample of single cases as
    light points under it, coloured by tracking (`tracking_labels` maps codes to the reader's
    words). A point per score of every case was a cloud that hid the band at 100,000 cases."""
    charts.check_points(band, median, *([points] if points is not None else []))
    layers = band_layers(band, x_title=x_title, y_title=y_title)
    if points is not None and points.height:
        layers.append(
            alt.Chart(points)
            .mark_circle(size=BAND_POINT_SIZE, opacity=BAND_POINT_OPACITY)
            .encode(
                x=alt.X("months:Q", title=x_title),
                y=alt.Y("score:Q", title=y_title),
                color=tracking_color(tracking_labels),
                tooltip=charts.tips(
                    "case_id:N", "measured_on:T", ("score:Q", y_title), ("tracking_label:N", "")
                ),
            )  # fmt: skip
        )
    if charts.drawn_rows(median):
        layers.append(own_median_layer(median, x_title=x_title, y_title=y_title,
                                       median_label=median_label))  # fmt: skip
    return alt.layer(*layers).properties(height=360, title=title)
