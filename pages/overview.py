"""Overblik / Overview: headline figures for the period, change from the period before, trends."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n, indicator_parts
from app.filters import add_months
from app.i18n import t
from app.queries import fidelity as fidelity_q
from app.queries import overview as q
from app.queries import prepost as prepost_q

LABELS = {
    "active": "common.active_cases",
    "new": "common.new_cases",
    "closed": "common.closed_cases",
    "mentor": "pages.overview.labels.mentor",
    "parent_coach": "pages.overview.labels.parent_coach",
    "on_cadence": "on_cadence_card",
    "with_pre": "pages.overview.labels.with_pre",
    "with_post": "pages.overview.labels.with_post",
    "who5_change": "pages.overview.labels.who5_change",
    "who5_improved": "pages.overview.labels.who5_improved",
}
HELP = {
    "mentor": "pages.overview.help.mentor",
    "parent_coach": "pages.overview.help.parent_coach",
    "active": "pages.overview.help.active",
    "new": "pages.overview.help.new",
    "closed": "pages.overview.help.closed",
    "on_cadence": "pages.overview.help.on_cadence_2",
    "with_pre": "pages.overview.help.with_pre",
    "with_post": "pages.overview.help.with_post",
    "who5_change": "pages.overview.help.who5_change",
    "who5_improved": "pages.overview.help.who5_improved",
}
# rises that are good news get green arrows; counts are neither good nor bad
GOOD_WHEN_UP = {"on_cadence", "with_pre", "with_post", "who5_change", "who5_improved"}


def _delta_text(row: dict) -> str | None:
    if row["delta"] is None:
        return None
    if row["value_kind"] == "pct":
        unit = t("pages.overview.pp")
        return i18n.fmt_signed(row["delta"] * 100, 0) + unit
    decimals = 1 if row["value_kind"] == "number" else 0
    return i18n.fmt_signed(row["delta"], decimals)


def _period_caption() -> str:
    filters = data.current_filters()
    prev_start, _ = filters.previous_period()
    from_prev = i18n.fmt_month(prev_start)
    to_prev = i18n.fmt_month(filters.from_month and add_months(filters.from_month, -1))
    return t(
        "pages.overview.period_a_b_changes_are",
        a=i18n.fmt_month(filters.from_month),
        b=i18n.fmt_month(filters.to_month),
        c=from_prev,
        d=to_prev,
    )


def _beside(country: pl.DataFrame | None) -> dict[str, str]:
    """Per figure, the country's value to show under the view's ('Hele landet: 931')."""
    if country is None:
        return {}
    return {
        row["figure"]: components.beside_country(components.value_text(
            row["value"], row["suppressed"], row["value_kind"], row["suppressed_by"]))
        for row in country.to_dicts()
    }  # fmt: skip


def _figures(head: pl.DataFrame, trend: pl.DataFrame, country: pl.DataFrame | None) -> None:
    beside = _beside(country)
    rows = head.to_dicts()
    for start in range(0, len(rows), 5):
        columns = st.columns(5)
        for column, row in zip(columns, rows[start : start + 5], strict=False):
            figure = row["figure"]
            series = trend.filter(pl.col("figure") == figure)["value"].to_list()
            with column:
                components.figure(
                    t(LABELS[figure]),
                    components.value_text(
                        row["value"], row["suppressed"], row["value_kind"], row["suppressed_by"]
                    ),
                    delta=_delta_text(row),
                    trend=series,
                    help=t(HELP[figure], d=fidelity_q.cadence_days()) if figure in HELP else None,
                    delta_color="normal" if figure in GOOD_WHEN_UP else "off",
                    beside=beside.get(figure),
                )


def _type_chart(head: pl.DataFrame, trend: pl.DataFrame, filters) -> None:
    period = (filters.from_month, filters.to_month)
    # the trend also holds the months before the period (the sparklines' deltas): not this chart's
    split = charts.in_period(
        trend.filter(pl.col("figure").is_in(["mentor", "parent_coach"])), "month", period
    )
    split = split.with_columns(
        i18n.labelled(split["figure"], lambda c: i18n.code_label("case_type", c)).alias("case_type")
    )
    chart = charts.line_chart(
        split.select("month", "case_type", pl.col("value").alias("active_cases")),
        "month",
        "active_cases",
        color="case_type",
        y_title=t("common.active_cases"),
        period=period,
        scale=charts.case_type_scale(),
    ).properties(height=320)
    active = head.filter(pl.col("figure") == "active").to_dicts()[0]
    components.chart_block(
        chart,
        split.select("month", "case_type", pl.col("value").alias("active_cases"), "suppressed"),
        t("pages.overview.each_line_shows_the_number"),
        None if active["suppressed"] else active["n"],
        key="overview_case_types",
        hidden="pages.overview.each_line_shows_the_number_hidden",
    )


def _cadence_status(scope, filters) -> None:
    """The control chart's status of the monthly on-cadence share for the viewer's cases."""
    points, result = fidelity_q.control_chart(scope, filters)
    # wide enough for the longest status on one line at 1280 px ('Særlig variation, der giver
    # anledning til bekymring' was cut to '... til beky…' at two fifths)
    column, _ = st.columns([3, 2])
    with column, st.container(border=True, key="overview_cadence_status"):
        st.markdown(t("pages.overview.label_the_trend", label=i18n.t("on_cadence_monthly")))
        if result is None:
            st.caption(t("pages.overview.too_few_months_with_at"))
            return
        indicator_parts.status_badge(result.variation, result.assurance)
        last = points.row(-1, named=True)
        st.caption(
            t(
                "pages.overview.control_chart_over_k_months",
                k=points.height,
                m=i18n.fmt_month(last["month"]),
                v=i18n.fmt_pct(last["value"]),
            )
        )
        if result.too_short:
            st.caption(t("pages.overview.fewer_than_12_months_the"))


def _constants_caption() -> None:
    """Which constants and criterion the WHO-5 figures used (they can be changed)."""
    constants = prepost_q.reference(data.current_scope(), "WHO5")
    st.caption(
        t(
            "pages.overview.who_5_improved_reliable_improvement",
            threshold=i18n.fmt_number(constants["reliable_change_threshold"], 1),
            sd=i18n.fmt_number(constants["sd"], 1),
            r=i18n.fmt_number(constants["reliability"], 2),
            z=i18n.fmt_number(constants["z"], 2),
        )
    )


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    frame = q.figures(scope, filters)
    if q.is_empty(frame):
        components.no_match()
        return
    st.caption(_period_caption())
    head, trend = q.headline(frame), q.trends(frame)
    country = data.country(scope, filters)
    _figures(head, trend, None if country is None else q.headline(q.figures(scope, country)))
    _cadence_status(scope, filters)
    _constants_caption()
    components.suppression_note(frame["suppressed"].any())
    st.subheader(t("pages.overview.active_cases_per_month"))
    _type_chart(head, trend, filters)
    components.download(
        t("pages.overview.download_headline_figures_csv"),
        lambda: components.csv_bytes(frame.drop("total_group")),
        "overview_figures",
        "csv",
    )


components.run_page("page_overview", render)
