"""Hvem er vores borgere / Who are our citizens: the cases by age band, gender, case type,
referral source and end reason, per quarter."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import t
from app.page_charts import citizens as cc
from app.queries import citizens as q
from texts.vocabulary import CODE_LABELS

DIMENSIONS = {
    "age_band": "age_band",
    "gender": "gender",
    "case_type": "case_type",
    "referred_by": "common.referred_by",
    "end_reason": "pages.citizens.dimensions.end_reason",
}
CASES = "common.cases"
GROUP = components.GROUP_COLUMN


def _label(dimension: str, value: str) -> str:
    if value == "unknown":
        return i18n.code_label(dimension, None)
    if dimension == "age_band":
        return value
    return i18n.code_label(dimension, value)


def _quarter(column: str) -> pl.Expr:
    """'2026 K1' (da) or '2026 Q1' (en)."""
    letter = "K" if i18n.lang() == "da" else "Q"
    return pl.format("{} " + letter + "{}", pl.col(column).dt.year(), pl.col(column).dt.quarter())


def _period_quarters(filters) -> list[str]:
    """The labels of the quarters the sidebar period touches, first to last: the chart's and the
    table's columns, those without a case too (one case made one bar as wide as the page)."""
    months = pl.date_range(filters.from_month, filters.to_month, "1mo", eager=True)
    frame = pl.DataFrame({"month": months}).select(_quarter("month").alias("quarter"))
    return frame["quarter"].unique(maintain_order=True).to_list()


def _order(dimension: str, values: list[str]) -> list[str]:
    """Groups in their natural order: age bands by age, codes as the vocabulary lists them."""
    known = q.AGE_BANDS if dimension == "age_band" else tuple(CODE_LABELS.get(dimension, {}))
    ranked = [v for v in known if v in values] + sorted(v for v in values if v not in known)
    return [v for v in ranked if v != "unknown"] + (["unknown"] if "unknown" in values else [])


def _table(cells: pl.DataFrame, order: list[str], quarters: list[str]) -> pl.DataFrame:
    """Groups down, quarters across, each cell as text ('<5' when hidden)."""
    text = {(r["label"], r["quarter_label"]): components.value_text(r["cases"], r["suppressed"],
                                                                   by=r["suppressed_by"])
            for r in cells.to_dicts()}  # fmt: skip
    columns = {t(GROUP): order}
    for quarter in quarters:
        columns[quarter] = [text.get((label, quarter), "0") for label in order]
    return pl.DataFrame(columns)


def render() -> None:
    components.freshness()
    scope, filters = data.current_scope(), data.current_filters()
    components.population_note()  # 'Tal for: …' as on the other figure pages
    st.caption(
        t(
            "pages.citizens.period_a_b",
            a=i18n.fmt_month(filters.from_month),
            b=i18n.fmt_month(filters.to_month),
        )
    )
    dimension = st.selectbox(
        t("pages.citizens.distribution_by"),
        list(DIMENSIONS),
        format_func=lambda d: t(DIMENSIONS[d]),
        key="ct_dimension",
    )
    frame = q.distribution(scope, filters, dimension)
    total = frame.filter(pl.col("group_value") == "all").to_dicts()[0]
    if not total["cases"] and not total["suppressed"]:
        components.no_match()
        return
    cells = frame.filter(pl.col("quarter").is_not_null())
    values = _order(dimension, cells["group_value"].unique().to_list())
    cells = cells.with_columns(
        pl.col("group_value").replace_strict({v: _label(dimension, v) for v in values}).alias("label"),
        _quarter("quarter").alias("quarter_label"),
        pl.col("group_value").replace_strict({v: i for i, v in enumerate(values)}).alias("rank"),
    )  # fmt: skip
    order = [_label(dimension, v) for v in values]
    quarters = _period_quarters(filters)
    ended = dimension == "end_reason"
    components.chart_block(
        cc.quarters_chart(cells.filter(~pl.col("suppressed")), order, t(CASES), quarters),
        cells.select("quarter", "group_value", "cases", "suppressed", "suppressed_by"),
        t(
            "pages.citizens.each_bar_is_the_cases",
            v=t("pages.citizens.ended" if ended else "pages.citizens.started"),
            d=t(DIMENSIONS[dimension]).lower(),
        ),
        None if total["suppressed"] else total["cases"],
        key="ct_quarters",
        hidden="pages.citizens.each_bar_is_the_cases_hidden",
        title=t("pages.citizens.cases_by_d", d=t(DIMENSIONS[dimension]).lower()),
    )
    components.table(_table(cells, order, quarters), key="ct_table")
    components.suppression_note()


components.run_page("page_citizens", render)
