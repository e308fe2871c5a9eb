"""Chart builders for the caseloads page (data come aggregated from app/queries/caseloads)."""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts, i18n
from app.i18n import t

MAX_PANELS = 12
# the panels stand one under the other, each the page's width (Streamlit stretches the views of
# a vertical concatenation, never a facet's cells: three 200 px panels a row filled half of a
# 1920 px page); low, so that twelve of them read at a glance, the months lined up
PANEL_HEIGHT = 80
PANEL_Y_TICKS = 2  # a hint to d3: "0 20 40", not "0 10 20 30 40" in a panel 80 px high
CASES = "common.cases"


def top_municipalities(
    monthly: pl.DataFrame, measure: str = "active_cases", limit: int | None = MAX_PANELS
) -> list[str]:
    """The `limit` municipalities with the most active case-months shown (largest first), of
    those with a panel: a number of `measure` shown (`monthly_chart` draws no panel for one
    whose every number is hidden, so 'showing the 12' drew 9); `limit` None for all of them."""
    drawn = monthly.filter(~pl.col(f"{measure}_suppressed"))["municipality_name"].unique()
    totals = (
        monthly.filter(pl.col("municipality_name").is_in(drawn.implode()))
        .group_by("municipality_name")
        .agg(pl.col("active_cases").sum())
        .sort(["active_cases", "municipality_name"], descending=[True, False])
    )
    return totals["municipality_name"].head(totals.height if limit is None else limit).to_list()


HIDDEN_GREY = "#8C8C8C"
HIDDEN = "page_charts.caseloads.hidden"


def hidden_months(monthly: pl.DataFrame, measure: str) -> pl.DataFrame:
    """(municipality_name, month) where every case type's `measure` is hidden: without a mark
    such a month is a hole in its panel that reads as none."""
    return (
        monthly.group_by("municipality_name", "month")
        .agg(pl.col(f"{measure}_suppressed").all().alias("all_hidden"))
        .filter(pl.col("all_hidden"))
        .select("municipality_name", "month")
        .sort("municipality_name", "month")
    )


def hidden_strokes(base: alt.Chart, x: alt.X, tooltip: list) -> alt.Chart:
    """A grey stroke on the baseline at `x` for each of `base`'s rows: a figure hidden as small
    (a bar left out would read as none)."""
    return base.mark_tick(color=HIDDEN_GREY, thickness=3, size=10,
                          orient="horizontal").encode(x=x, y=alt.datum(0), tooltip=tooltip)  # fmt: skip


def monthly_chart(
    monthly: pl.DataFrame, measure: str, y_title: str, period: charts.Period | None = None
) -> alt.VConcatChart | alt.LayerChart:
    """Stacked bars per month by case type, one low panel the page's width per municipality,
    one under the other (one municipality: one chart), over the chosen `period`; a month whose
    every number is hidden is a grey stroke on the baseline (a hole would read as none)."""
    language = i18n.lang()
    kept = monthly.filter(~pl.col(f"{measure}_suppressed"))
    shown = kept.with_columns(
        i18n.labelled(kept["case_type"], lambda c: i18n.code_label("case_type", c, language))
        .alias("case_type_label")
    )  # fmt: skip
    # only in panels that show a number: a municipality whose every number is hidden gets no
    # panel at all (as before: the chart does not tell that it has cases)
    hidden = (
        hidden_months(monthly, measure)
        .filter(pl.col("municipality_name").is_in(shown["municipality_name"].unique().implode()))
        .with_columns(pl.lit(t(HIDDEN)).alias("hidden"))
    )
    # one frame for both layers: a faceted layer chart takes its data at the top
    both = pl.concat([shown.with_columns(pl.lit("bar").alias("kind")),
                      hidden.with_columns(pl.lit("hidden").alias("kind"))], how="diagonal")  # fmt: skip
    both = charts.in_period(both, "month", period)
    charts.check_points(both)
    order = sorted(both["municipality_name"].unique().to_list())
    x = alt.X("yearmonth(month):T", title="", **charts.period_x(both["month"], period))
    strokes = hidden_strokes(
        alt.Chart(), x, charts.tips(("municipality_name:N", ""), ("yearmonth(month):T", ""),
                                    ("hidden:N", ""))
    ).transform_filter(alt.datum.kind == "hidden")  # fmt: skip
    bars = (
        alt.Chart()
        .mark_bar()
        .transform_filter(alt.datum.kind == "bar")
        .encode(
            x=x,
            y=alt.Y(f"{measure}:Q", title=y_title, axis=charts.count_axis()),
            color=alt.Color("case_type_label:N", title="", scale=charts.case_type_scale()),
            tooltip=charts.tips(
                ("municipality_name:N", ""),
                ("yearmonth(month):T", ""),
                ("case_type_label:N", ""),
                (f"{measure}:Q", y_title, charts.COUNT_FORMAT),
            ),
        )
    )
    if len(order) == 1:
        # one municipality is no small multiple: its one chart takes the builders' height, its
        # name as the title a panel header was
        return alt.layer(bars, strokes, data=both).properties(
            height=charts.CHART_HEIGHT, title=order[0]
        )
    # a low panel has no room for a vertical axis title: the measure is the chart's title
    untitled = bars.encode(
        y=alt.Y(f"{measure}:Q", title="", axis=charts.count_axis(tickCount=PANEL_Y_TICKS))
    )
    panels = [
        alt.layer(untitled, strokes)
        .transform_filter(alt.datum.municipality_name == name)
        .properties(height=PANEL_HEIGHT, title=name)
        for name in order
    ]
    # one y scale for all (a panel of 5 cases must not look like one of 60), one legend
    return alt.vconcat(*panels, data=both, spacing=12, title=y_title).resolve_scale(
        x="shared", y="shared", color="shared"
    )


def worker_load_chart(load: pl.DataFrame, *, x_title: str, y_title: str) -> alt.LayerChart:
    """Workers (`workers`) per band of active cases (`band`, in `band_order`), every band of the
    frame on the axis in order; a hidden band is a grey stroke on the baseline."""
    charts.check_points(load)
    ordered = load.sort("band_order")
    bands = ordered["band"].to_list()
    hidden = ordered["suppressed"].fill_null(False)
    x = alt.X("band:N", title=x_title, sort=bands, scale=alt.Scale(domain=bands),
              axis=alt.Axis(labelAngle=0))  # fmt: skip
    bars = (
        alt.Chart(ordered.filter(~hidden).select("band", "workers"))
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("workers:Q", title=y_title, axis=charts.count_axis()),
            tooltip=charts.tips(("band:N", x_title), ("workers:Q", y_title, charts.COUNT_FORMAT)),
        )
    )
    marked = ordered.filter(hidden).select("band").with_columns(pl.lit(t(HIDDEN)).alias("hidden"))
    layers = [bars]
    if marked.height:  # a layer without rows is an empty chart's frame (none when none is hidden)
        layers.append(hidden_strokes(alt.Chart(marked), x,
                                     charts.tips(("band:N", x_title), ("hidden:N", ""))))  # fmt: skip
    return alt.layer(*layers).properties(height=charts.CHART_HEIGHT)


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
                        legend=charts.count_legend()),
        tooltip=charts.tips(("lent_from_name:N", t("common.lent_from")),
                            ("municipality_name:N", t("page_charts.caseloads.lent_to")),
                            "cases:Q"),
    )  # fmt: skip
    labels = base.mark_text(fontSize=14).encode(text=alt.Text("cases:Q", format=",d"))
    return alt.layer(cells, labels).properties(height=charts.row_height(40))
