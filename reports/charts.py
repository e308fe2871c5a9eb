"""The documents' charts: Altair specs rendered to SVG offline by vl-convert (no browser, no
download), with the reader's number and month formats. Colours are the dashboard's Okabe–Ito
palette (app/charts.py) and, for control charts, the NHS "Making Data Count" colours.
"""

from __future__ import annotations

import altair as alt
import polars as pl
import vl_convert as vlc

from texts import formats

BLUE, ORANGE, GREEN, VERMILLION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#9AA3AD"
NHS = {"common_cause": "#A6A6A6", "improvement": "#00B0F0", "concern": "#E46C0A"}
FONT = "Libertinus Serif"  # the documents' font, shipped with typst
_CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#E3E7EB"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
}


def to_svg(chart: alt.TopLevelMixin, lang: str) -> str:
    spec = chart.to_dict()
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    # allowed_base_urls=[]: a chart may never fetch anything (every chart carries its data inline)
    return vlc.vegalite_to_svg(
        spec,
        format_locale=formats.vega_locale(lang)["number"],  # the dashboard's CLDR locale
        time_format_locale=formats.vega_locale(lang)["time"],
        allowed_base_urls=[],
    )


def progression(
    points: pl.DataFrame, band: pl.DataFrame, gaps: pl.DataFrame, titles: dict[str, str]
) -> alt.LayerChart:
    """A case's scores over months since start on the expected band of its start band.

    points: month_x, score, tracking_label; band: month, p10, p25, p50, p75, p90;
    gaps: gap_from, gap_to (months since start) of the gaps longer than the cadence.
    """
    x = alt.X(
        "month_x:Q",
        title=titles["x"],
        scale=alt.Scale(domainMin=0, nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )
    scale = alt.Scale(domain=[1, 10], nice=False)
    # every layer carries the same axis: the first layer drawn decides it
    axis = alt.Axis(values=list(range(1, 11)), labelOverlap=False, title=titles["y"])
    y = alt.Y("score:Q", scale=scale, axis=axis)
    layers = []
    if gaps.height:
        layers.append(
            alt.Chart(gaps)
            .mark_rect(color=VERMILLION, opacity=0.13)
            .encode(x=alt.X("gap_from:Q", title=titles["x"]), x2="gap_to:Q")
        )
    if band.height:
        base = alt.Chart(band.rename({"month": "month_x"}))
        layers += [
            base.mark_area(color=BLUE, opacity=0.12).encode(
                x=x, y=alt.Y("p10:Q", scale=scale, axis=axis), y2="p90:Q"
            ),
            base.mark_area(color=BLUE, opacity=0.2).encode(
                x=x, y=alt.Y("p25:Q", scale=scale, axis=axis), y2="p75:Q"
            ),
            base.mark_line(color=BLUE, strokeDash=[4, 3], strokeWidth=1.5).encode(
                x=x, y=alt.Y("p50:Q", scale=scale, axis=axis)
            ),
        ]
    line = alt.Chart(points).encode(x=x, y=y)
    layers += [
        line.mark_line(color="#1A1A1A", strokeWidth=2),
        line.mark_point(filled=True, size=55, color="#1A1A1A"),
    ]
    return alt.layer(*layers).properties(width=520, height=210)


def caseload(months: pl.DataFrame, titles: dict[str, str]) -> alt.Chart:
    """Active, new and closed cases per month (long frame: month, measure, value; nulls hidden)."""
    return (
        alt.Chart(months)  # a hidden (null) month breaks the line instead of being bridged
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:T", title=None, timeUnit="yearmonth", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=titles["y"]),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=titles["order"],
                scale=alt.Scale(domain=titles["order"], range=[BLUE, GREEN, ORANGE]),
            ),
        )
        .properties(width=380, height=190)
    )


def control_chart(months: pl.DataFrame, limits: dict, titles: dict[str, str]) -> alt.LayerChart:
    """An XmR chart of a monthly share: points coloured by variation, mean and limits, the period
    shaded. months: month, share, colour (hex), in_period; limits: mean, lower, upper, start, end.
    """
    # zoomed to the data and limits (not 0-100 %): month-to-month variation must show
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=8))
    y = alt.Y("share:Q", title=titles["y"], axis=alt.Axis(format="%"), scale=alt.Scale(zero=False))
    rules = pl.DataFrame(
        {
            "value": [limits["mean"], limits["lower"], limits["upper"]],
            "kind": ["mean", "limit", "limit"],
        }
    )
    period = pl.DataFrame({"start": [limits["start"]], "end": [limits["end"]]})
    shown = months.drop_nulls("share")  # the line keeps the nulls: a hidden month breaks it
    return alt.layer(
        alt.Chart(period)
        .mark_rect(color=BLUE, opacity=0.07)
        .encode(x=alt.X("start:T", title=None), x2="end:T"),
        alt.Chart(rules)
        .mark_rule(color="#5A6470")
        .encode(
            y=alt.Y("value:Q", title=titles["y"]),
            strokeDash=alt.StrokeDash(
                "kind:N",
                legend=None,
                scale=alt.Scale(domain=["mean", "limit"], range=[[1, 0], [5, 4]]),
            ),
        ),
        alt.Chart(months.drop("colour", strict=False))
        .mark_line(color=NHS["common_cause"], strokeWidth=2)
        .encode(x=x, y=y),
        alt.Chart(shown)
        .mark_point(filled=True, size=70, opacity=1)
        .encode(x=x, y=y, color=alt.Color("colour:N", scale=None)),
    ).properties(width=430, height=220)


def funnel(units: pl.DataFrame, target: float, titles: dict[str, str]) -> alt.LayerChart:
    """Share against number of cases with 95% and 99.8% limits; this unit blue, others grey.

    units: total, rate, lower95, upper95, lower998, upper998, is_marked (sorted by total), the
    shown units of an `app.funnel.fit` with this unit marked.
    """
    x = alt.X("total:Q", title=titles["x"], scale=alt.Scale(zero=True))
    share = alt.Axis(format="%")
    base = alt.Chart(units).encode(x=x)
    limit_layers = [
        base.mark_line(
            color="#5A6470", strokeWidth=1.2, strokeDash=dash, interpolate="monotone"
        ).encode(y=alt.Y(f"{column}:Q", title=titles["y"], axis=share, scale=alt.Scale(zero=False)))
        for column, dash in (
            ("lower95", [5, 3]),
            ("upper95", [5, 3]),
            ("lower998", [1, 0]),
            ("upper998", [1, 0]),
        )
    ]
    rate = alt.Y("rate:Q", title=titles["y"])  # every layer of the shared axis names it alike
    target_line = pl.DataFrame({"target": [target]})
    shown = units.drop_nulls("rate")
    return alt.layer(
        *limit_layers,
        alt.Chart(target_line)
        .mark_rule(color=BLUE, strokeWidth=1)
        .encode(y=alt.Y("target:Q", title=titles["y"])),
        alt.Chart(shown.filter(~pl.col("is_marked")))
        .mark_circle(color=GREY, size=55, opacity=0.9)
        .encode(x=x, y=rate),
        alt.Chart(shown.filter(pl.col("is_marked")))
        .mark_point(color=BLUE, filled=True, size=150, shape="diamond")
        .encode(x=x, y=rate),
        alt.Chart(shown.filter(pl.col("is_marked")))
        .mark_text(color=BLUE, dx=-8, dy=14, align="right", fontSize=12, fontWeight="bold")
        .encode(x=x, y=rate, text=alt.value(titles["this"])),
    ).properties(width=430, height=220)
