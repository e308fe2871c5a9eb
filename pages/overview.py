"""Overblik / Overview: headline figures for the period, change from the period before, trends."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n, indicator_parts
from app.filters import add_months
from app.i18n import tr
from app.queries import fidelity as fidelity_q
from app.queries import overview as q
from app.queries import prepost as prepost_q

LABELS = {
    "active": {"da": "Aktive forløb", "en": "Active cases"},
    "new": {"da": "Nye forløb", "en": "New cases"},
    "closed": {"da": "Afsluttede forløb", "en": "Closed cases"},
    "mentor": {"da": "Heraf mentor", "en": "Of which mentor"},
    "parent_coach": {"da": "Heraf forældrecoach", "en": "Of which parent coach"},
    "on_cadence": i18n.TEXTS["on_cadence_whole"],
    "with_pre": {"da": "Førmåling ved start", "en": "Pre measurement at start"},
    "with_post": {"da": "Eftermåling ved slut", "en": "Post measurement at end"},
    "who5_change": {"da": "WHO-5: gns. ændring", "en": "WHO-5: mean change"},
    "who5_improved": {"da": "WHO-5: forbedret", "en": "WHO-5: improved"},
}
HELP = {
    "mentor": {"da": "Aktive mentorforløb i perioden.", "en": "Active mentor cases in the period."},
    "parent_coach": {"da": "Aktive forældrecoachforløb i perioden.",
                     "en": "Active parent-coach cases in the period."},
    "active": {"da": "Forløb, der var i gang på et tidspunkt i perioden.",
               "en": "Cases open at some time in the period."},
    "new": {"da": "Forløb med startdato i perioden.", "en": "Cases starting in the period."},
    "closed": {"da": "Forløb afsluttet eller afbrudt i perioden.",
               "en": "Cases closed or discontinued in the period."},
    "on_cadence": {
        "da": "Andel af periodens aktive forløb uden et hul over {d} dage mellem progressionsmålinger "
        "over hele forløbet. Kurven tæller månedens aktive forløb med huller indtil månedens udgang.",
        "en": "Share of the period's active cases with no gap over {d} days between progression "
        "measurements over the whole case. The sparkline counts each month's active cases with "
        "gaps up to the month's end.",
    },
    "with_pre": {"da": "Gyldig før-måling af både WHO-5 og GSE højst 30 dage fra start.",
                 "en": "A valid pre measurement of both WHO-5 and GSE within 30 days of start."},
    "with_post": {"da": "Gyldig efter-måling af både WHO-5 og GSE højst 30 dage fra slut.",
                  "en": "A valid post measurement of both WHO-5 and GSE within 30 days of the end."},
    "who5_change": {
        "da": "Gennemsnitlig ændring (0-100) for afsluttede forløb med før- og eftermåling.",
        "en": "Mean change (0-100) for closed cases with a pre and a post measurement.",
    },
    "who5_improved": {
        "da": "Andel af afsluttede forløb med før- og eftermåling, der er pålideligt forbedret.",
        "en": "Share of closed cases with a pre and a post measurement that reliably improved.",
    },
}  # fmt: skip
# rises that are good news get green arrows; counts are neither good nor bad
GOOD_WHEN_UP = {"on_cadence", "with_pre", "with_post", "who5_change", "who5_improved"}


def _delta_text(row: dict) -> str | None:
    if row["delta"] is None:
        return None
    if row["value_kind"] == "pct":
        unit = tr({"da": " %-point", "en": " pp"})
        return i18n.fmt_signed(row["delta"] * 100, 0) + unit
    decimals = 1 if row["value_kind"] == "number" else 0
    return i18n.fmt_signed(row["delta"], decimals)


def _period_caption() -> str:
    filters = data.current_filters()
    prev_start, _ = filters.previous_period()
    from_prev = i18n.fmt_month(prev_start)
    to_prev = i18n.fmt_month(filters.from_month and add_months(filters.from_month, -1))
    return tr(
        {"da": "Periode: {a} – {b}. Ændringer er i forhold til {c} – {d}.",
         "en": "Period: {a} – {b}. Changes are against {c} – {d}."},
        a=i18n.fmt_month(filters.from_month), b=i18n.fmt_month(filters.to_month),
        c=from_prev, d=to_prev,
    )  # fmt: skip


def _beside(country: pl.DataFrame | None) -> dict[str, str]:
    """Per figure, the country's value to show under the view's ('Hele landet: 931')."""
    if country is None:
        return {}
    who = components.population_text(data.Population("country"))
    return {
        row["figure"]: i18n.t("population_beside", who=who, value=components.value_text(
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
                    tr(LABELS[figure]),
                    components.value_text(
                        row["value"], row["suppressed"], row["value_kind"], row["suppressed_by"]
                    ),
                    delta=_delta_text(row),
                    trend=series,
                    help=tr(HELP[figure], d=fidelity_q.cadence_days()) if figure in HELP else None,
                    delta_color="normal" if figure in GOOD_WHEN_UP else "off",
                    beside=beside.get(figure),
                )


def _type_chart(head: pl.DataFrame, trend: pl.DataFrame) -> None:
    split = trend.filter(pl.col("figure").is_in(["mentor", "parent_coach"])).with_columns(
        pl.col("figure").map_elements(lambda c: i18n.code_label("case_type", c), pl.String)
        .alias("case_type")
    )  # fmt: skip
    chart = charts.line_chart(
        split.select("month", "case_type", pl.col("value").alias("active_cases")),
        "month",
        "active_cases",
        color="case_type",
        y_title=tr({"da": "Aktive forløb", "en": "Active cases"}),
        scale=charts.case_type_scale(),
    ).properties(height=320)
    active = head.filter(pl.col("figure") == "active").to_dicts()[0]
    components.chart_block(
        chart,
        split.select("month", "case_type", pl.col("value").alias("active_cases"), "suppressed"),
        tr({"da": "Hver linje viser antal aktive forløb pr. måned for én forløbstype; "
                  "huller er måneder med under 5 forløb.",
            "en": "Each line shows the number of active cases per month for one case type; "
                  "gaps are months with fewer than 5 cases."}),
        None if active["suppressed"] else active["n"],
        key="overview_case_types",
    )  # fmt: skip


def _cadence_status(scope, filters) -> None:
    """The control chart's status of the monthly on-cadence share for the viewer's cases."""
    points, result = fidelity_q.control_chart(scope, filters)
    # wide enough for the longest status on one line at 1280 px ('Særlig variation, der giver
    # anledning til bekymring' was cut to '... til beky…' at two fifths)
    column, _ = st.columns([3, 2])
    with column, st.container(border=True, key="overview_cadence_status"):
        st.markdown(tr({"da": "**{label}: udvikling**", "en": "**{label}: the trend**"},
                       label=i18n.t("on_cadence_monthly")))  # fmt: skip
        if result is None:
            st.caption(
                tr(
                    {
                        "da": "For få måneder med mindst 5 forløb til at vurdere udviklingen.",
                        "en": "Too few months with at least 5 cases to judge the trend.",
                    }
                )
            )
            return
        indicator_parts.status_badge(result.variation, result.assurance)
        last = points.row(-1, named=True)
        st.caption(tr({"da": "Styringsdiagram over {k} måneder; seneste måned {m}: {v}. Se "
                             "Metodefidelitet.",
                       "en": "Control chart over {k} months; latest month {m}: {v}. See "
                             "Fidelity."},
                      k=points.height, m=i18n.fmt_month(last["month"]),
                      v=i18n.fmt_pct(last["value"])))  # fmt: skip
        if result.too_short:
            st.caption(
                tr(
                    {
                        "da": "Under 12 måneder: vurderingen er usikker.",
                        "en": "Fewer than 12 months: the judgement is uncertain.",
                    }
                )
            )


def _constants_caption() -> None:
    """Which constants and criterion the WHO-5 figures used (they can be changed)."""
    constants = prepost_q.reference(data.current_scope(), "WHO5")
    st.caption(
        tr(
            {"da": "WHO-5 forbedret = pålidelig forbedring efter Jacobson–Truax: en stigning på "
                   "over {threshold} point (sd {sd}, reliabilitet {r}, z {z}).",
             "en": "WHO-5 improved = reliable improvement by Jacobson–Truax: a rise of more than "
                   "{threshold} points (sd {sd}, reliability {r}, z {z})."},
            threshold=i18n.fmt_number(constants["reliable_change_threshold"], 1),
            sd=i18n.fmt_number(constants["sd"], 1),
            r=i18n.fmt_number(constants["reliability"], 2),
            z=i18n.fmt_number(constants["z"], 2),
        )
    )  # fmt: skip


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
    if frame["suppressed"].any():
        st.caption(i18n.t("suppressed_note"))
    st.subheader(tr({"da": "Aktive forløb pr. måned", "en": "Active cases per month"}))
    _type_chart(head, trend)
    components.download(
        tr({"da": "Hent nøgletal (CSV)", "en": "Download headline figures (CSV)"}),
        lambda: components.csv_bytes(frame.drop("total_group")),
        "overview_figures",
        "csv",
    )


components.run_page("page_overview", render)
