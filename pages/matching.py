"""Match og resultater / Matching insights: outcomes and fidelity by same/different gender and
by the age gap between worker and citizen."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import tr
from app.page_charts import matching as mc
from app.queries import matching as q

MATCHES = {
    "gender_match": {"da": "Køn (samme/forskelligt)", "en": "Gender (same/different)"},
    "age_gap_band": {"da": "Aldersforskel (år)", "en": "Age gap (years)"},
}
UNKNOWN = {"da": "Ukendt", "en": "Unknown"}
COLUMNS = {
    "label": {"da": "Gruppe", "en": "Group"},
    "cases": {"da": "Forløb", "en": "Cases"},
    "who5": {"da": "WHO-5 forbedret (af målte)", "en": "WHO-5 improved (of measured)"},
    "who5_median_change": {"da": "WHO-5 median ændring", "en": "WHO-5 median change"},
    "progression_median_change": {"da": "Progression median ændring",
                                  "en": "Progression median change"},
    "on_cadence": {"da": "Målt hver anden måned", "en": "Measured every second month"},
}  # fmt: skip


def _label(match: str, value: str) -> str:
    if value == "unknown":
        return tr(UNKNOWN)
    if value == "all":
        return tr({"da": "Alle", "en": "All"})
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
    return table.rename({c: tr(COLUMNS[c]) for c in table.columns})


def render() -> None:
    components.freshness()
    scope, filters = data.current_scope(), data.current_filters()
    st.caption(tr({"da": "Periode: {a} – {b} · {s}.", "en": "Period: {a} – {b} · {s}."},
                  a=i18n.fmt_month(filters.from_month), b=i18n.fmt_month(filters.to_month),
                  s=components.population_of()))  # fmt: skip
    match = st.segmented_control(
        tr({"da": "Match efter", "en": "Match by"}), list(MATCHES), default="gender_match",
        format_func=lambda m: tr(MATCHES[m]), key="mt_by",
    ) or "gender_match"  # fmt: skip
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
        mc.shares_chart(groups, groups["label"].to_list(), tr(MATCHES[match])),
        frame.drop("label", "total_group"),
        tr({"da": "For hver gruppe: andelen af forløb med før- og eftermåling, der er pålideligt "
                  "forbedret på WHO-5, og andelen målt mindst hver anden måned. Forløb, der var "
                  "aktive i perioden; grupper med under 5 er udeladt.",
            "en": "For each group: the share of cases with a pre and post measurement that "
                  "reliably improved on WHO-5, and the share measured at least every second "
                  "month. Cases active in the period; groups below 5 are left out."}),
        None if total["cases_suppressed"] else total["cases"],
        key="mt_shares",
        title=tr({"da": "Resultater og metodefidelitet efter match: {m}",
                  "en": "Outcomes and fidelity by match: {m}"}, m=tr(MATCHES[match]).lower()),
    )  # fmt: skip
    components.table(_table(frame), key="mt_table")
    st.caption(tr({"da": "Aldersforskel = forskellen mellem medarbejderens alder (ud fra "
                         "fødselsår) og borgerens alder ved start. Median ændring: "
                         "eftermåling minus førmåling (WHO-5, 0-100) og seneste minus første "
                         "progressionsscore (1-10). Sammenhænge her er ikke årsager: "
                         "matchet er valgt, ikke lodtrukket.",
                   "en": "Age gap = the difference between the worker's age (from the birth "
                         "year) and the citizen's age at start. Median change: post minus pre "
                         "(WHO-5, 0-100) and latest minus first progression score (1-10). "
                         "Associations here are not causes: matches are chosen, not "
                         "randomised."}))  # fmt: skip
    st.caption(i18n.t("suppressed_note"))


components.run_page("page_matching", render)
