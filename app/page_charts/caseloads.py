"""Chart builders for the caseloads page (data come aggregated from app/queries/caseloads)."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts, i18n
from app.i18n import t

MAX_PANELS = 12
CASES = "common.cases"


def top_municipalities(monthly: pl.DataFrame, limit: int = MAX_PANELS) -> list[str]:
    """The `limit` municipalities with the most active case-months shown (largest first)."""
    totals = (
        monthly.group_by("municipality_name")
        .agg(pl.col("active_cases").sum())
        .sort(["active_cases", "municipality_name"], descending=[True, False])
    )
    return totals["municipality_name"].head(limit).to_list()


def monthly_chart(monthly: pl.DataFrame, measure: str, y_title: str) -> alt.FacetChart:
    """Stacked bars per month by case type, one small panel per municipality."""
    shown = monthly.filter(~pl.col(f"{measure}_suppressed")).with_columns(
        pl.col("case_type").map_elements(lambda c: i18n.code_label("case_type", c), pl.String)
        .alias("case_type_label")
    )  # fmt: skip
    charts.check_points(shown)
    order = sorted(shown["municipality_name"].unique().to_list())
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=""),
            y=alt.Y(f"{measure}:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color("case_type_label:N", title="", scale=charts.case_type_scale()),
            tooltip=[
                alt.Tooltip("municipality_name:N", title=""),
                alt.Tooltip("yearmonth(month):T", title=""),
                alt.Tooltip("case_type_label:N", title=""),
                alt.Tooltip(f"{measure}:Q", format=",d", title=y_title),
            ],
        )
        .properties(width=260, height=140)
        .facet(facet=alt.Facet("municipality_name:N", title="", sort=order), columns=3)
    )


def heatmap(loans: pl.DataFrame) -> alt.LayerChart:
    """Lending municipality (rows) x borrowing municipality (columns): cases lent."""
    shown = loans.filter(~pl.col("suppressed"))
    charts.check_points(shown)
    base = alt.Chart(shown).encode(
        y=alt.Y("lent_from_name:N", title=t("common.lent_from")),
        x=alt.X(
            "municipality_name:N",
            title=t("page_charts.caseloads.lent_to"),
            axis=alt.Axis(labelAngle=-40),
        ),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("cases:Q", title=t(CASES), scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format=",d")),  # counts: whole, Danish thousands
        tooltip=[alt.Tooltip("lent_from_name:N"), alt.Tooltip("municipality_name:N"),
                 alt.Tooltip("cases:Q", format=",d")],
    )  # fmt: skip
    labels = base.mark_text(fontSize=14).encode(text=alt.Text("cases:Q", format=",d"))
    height = max(120, 35 * shown["lent_from_name"].n_unique())
    return alt.layer(cells, labels).properties(height=height)
