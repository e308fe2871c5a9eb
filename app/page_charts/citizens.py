"""Chart builders for the who-are-our-citizens page (data from app/queries/citizens)."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts


def quarters_chart(
    frame: pl.DataFrame, order: list[str], y_title: str, quarters: list[str]
) -> alt.Chart:
    """Stacked bars of cases per quarter, one colour per group (`frame`: quarter_label, label,
    cases; hidden cells are left out by the caller), over every one of the period's `quarters`."""
    frame = frame.filter(pl.col("cases") > 0)  # a bar of 0 draws nothing: no legend entry
    charts.check_points(frame)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "quarter_label:N",
                title="",
                axis=alt.Axis(labelAngle=0),
                scale=alt.Scale(domain=quarters),
            ),
            y=alt.Y("cases:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color("label:N", title="", sort=order, scale=charts.color_scale(order)),
            order=alt.Order("rank:Q"),
            tooltip=charts.tips(("quarter_label:N", ""), ("label:N", ""), ("cases:Q", y_title)),
        )  # fmt: skip
        .properties(height=charts.CHART_HEIGHT)
    )
