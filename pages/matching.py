"""Match og resultater / Matching insights: outcomes and fidelity by same/different gender and
by the age gap between worker and citizen."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.components import Header
from app.i18n import t
from app.page_charts import matching as mc
from app.queries import matching as q

MATCHES = {
    "gender_match": "pages.matching.matches.gender_match",
    "age_gap_band": "pages.matching.matches.age_gap_band",
}
UNKNOWN = "unknown"
# the short headers in full, on hover: the table fits a 1280 px projector without scrolling
COLUMNS = {
    "label": components.GROUP_COLUMN,
    "cases": "common.cases",
    "who5": Header("pages.matching.columns.who5", "pages.matching.columns.who5_help"),
    "who5_median_change": Header("pages.matching.columns.who5_median_change",
                                 "pages.matching.columns.who5_median_change_help"),
    "progression_median_change": Header("pages.matching.columns.progression_median_change",
                                        "pages.matching.columns.progression_median_change_help"),
    "on_cadence": Header("pages.matching.columns.on_cadence",
                         "pages.matching.columns.on_cadence_help"),
}  # fmt: skip


def _label(match: str, value: str) -> str:
    if value == "unknown":
        return t(UNKNOWN)
    if value == "all":
        return t("all")
    if match == "gender_match":
        return i18n.code_label("gender_match", value)
    return value


def _share_text(row: dict, share: str, count: str, flag: str) -> str:
    if row[flag]:
        return components.value_text(None, True, by=row[f"{flag}_by"])
    if not row[count]:
        return i18n.MISSING
    return f"{i18n.fmt_pct(row[share])} ({i18n.fmt_int(row[count])})"


def _figure(row: dict, value: str, flag: str) -> str:
    if row[flag]:
        return components.value_text(None, True, by=row[f"{flag}_by"])
    return i18n.fmt_signed(row[value], 1)


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.to_dicts()
    table = pl.DataFrame(
        {
            "label": [r["label"] for r in rows],
            "cases": [components.value_text(r["cases"], r["cases_suppressed"],
                                            by=r["cases_suppressed_by"]) for r in rows],
            "who5": [_share_text(r, "who5_improved_share", "who5_cases", "who5_suppressed")
                     for r in rows],
            "who5_median_change": [_figure(r, "who5_median_change", "who5_suppressed")
                                   for r in rows],
            "progression_median_change": [
                _figure(r, "progression_median_change", "progression_suppressed") for r in rows],
            "on_cadence": [_share_text(r, "on_cadence_share", "fidelity_cases",
                                       "fidelity_suppressed") for r in rows],
        }
    )  # fmt: skip
    return components.headed(table, COLUMNS)


def _measure_ns(total: dict) -> str:
    """Each measure's own population: WHO-5 rests on the cases measured before and after, the
    cadence share on those with a period to measure, not on the whole group (the caption's n)."""
    return t(
        "pages.matching.n_per_measure",
        who5=components.n_text(None if total["who5_suppressed"] else total["who5_cases"]),
        fidelity=components.n_text(
            None if total["fidelity_suppressed"] else total["fidelity_cases"]
        ),
    )


def render() -> None:
    components.freshness()
    scope, filters = data.current_scope(), data.current_filters()
    components.population_note()  # 'Tal for: …' as on the other figure pages
    st.caption(
        t(
            "pages.matching.period_a_b",
            a=i18n.fmt_month(filters.from_month),
            b=i18n.fmt_month(filters.to_month),
        )
    )
    match = (
        st.segmented_control(
            t("pages.matching.match_by"),
            list(MATCHES),
            default="gender_match",
            format_func=lambda m: t(MATCHES[m]),
            key="mt_by",
        )
        or "gender_match"
    )
    frame = q.by_match(scope, filters, match)
    total = frame.filter(pl.col("group_value") == "all").to_dicts()[0]
    if not total["cases"] and not total["cases_suppressed"]:
        components.no_match()
        return
    frame = frame.with_columns(
        pl.Series("label", [_label(match, v) for v in frame["group_value"]], dtype=pl.String)
    )
    groups = frame.filter(pl.col("group_value") != "all")
    components.chart_block(
        mc.shares_chart(groups, groups["label"].to_list(), t(MATCHES[match])),
        frame.drop("label", "total_group"),
        t("pages.matching.for_each_group_the_share") + " " + _measure_ns(total),
        None if total["cases_suppressed"] else total["cases"],
        key="mt_shares",
        hidden="pages.matching.for_each_group_the_share_hidden",
        title=t("pages.matching.outcomes_and_fidelity_by_match", m=t(MATCHES[match]).lower()),
    )
    components.table(_table(frame), key="mt_table", column_config=components.header_config(COLUMNS))
    st.caption(t("pages.matching.age_gap_the_difference_between"))
    components.suppression_note()


components.run_page("page_matching", render)
