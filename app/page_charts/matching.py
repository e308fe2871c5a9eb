"""Chart builders for the matching page (data come aggregated from app/queries/matching)."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts
from app.i18n import t

SHARES = {
    "who5_improved_share": "common.who_5_reliably_improved",
    "on_cadence_share": "page_charts.matching.shares.on_cadence_share",
}


def shares_chart(frame: pl.DataFrame, order: list[str], x_title: str) -> alt.Chart:
    """Side-by-side bars per group: the share reliably improved on WHO-5 and the share measured
    on cadence; a hidden share is no bar (`frame` has `label` and the share columns)."""
    long = frame.select("label", *SHARES).unpivot(
        index="label", on=list(SHARES), variable_name="measure", value_name="share"
    )
    long = long.with_columns(
        pl.col("measure").replace_strict({k: t(v) for k, v in SHARES.items()})
    ).drop_nulls("share")
    charts.check_points(long)
    measures = [t(v) for v in SHARES.values()]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=measures),
            y=alt.Y(
                "share:Q", title="", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("measure:N", title="", scale=charts.color_scale(measures)),
            tooltip=charts.tips(("label:N", ""), ("measure:N", ""), ("share:Q", "")),
        )  # fmt: skip
    )
