"""Progression: the citizens' own scores by months since start, the expected band, single cases
(falling scores are on the attention page)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import tr
from app.page_charts import progression as pc
from app.queries import progression as q

# splits with many groups are drawn as small multiples instead of colours
FACET_SPLITS = {"municipality", "worker"}
MAX_PANELS = 12
ATTENTION_NOTE = {
    "da": "Aktive forløb med faldende score står på siden Opmærksomhed.",
    "en": "Active cases with a falling score are listed on the page Needs attention.",
}
MONTHS = {"da": "Måneder siden start", "en": "Months since start"}
SCORE = {"da": "Progressionsscore (1-10)", "en": "Progression score (1-10)"}
CASES = {"da": "Forløb", "en": "Cases"}


def _group_label(split: str, code: str | None) -> str:
    if split == "none":
        return tr({"da": "Alle forløb", "en": "All cases"})
    return i18n.group_label(split, code)


def _median_section(scope, filters, n: int | None) -> None:
    st.subheader(tr({"da": "Score efter måneder siden start", "en": "Score by months since start"}))
    split = st.selectbox(
        tr({"da": "Opdel efter", "en": "Split by"}),
        q.splits(scope),
        format_func=i18n.split_label,
        key="prog_split",
    )
    frame, groups = q.by_month(scope, filters, split), 0
    if split in FACET_SPLITS:
        frame, groups = q.largest_groups(frame, MAX_PANELS)
    frame = frame.with_columns(
        pl.col("split_group").map_elements(lambda c: _group_label(split, c), pl.String,
                                           skip_nulls=False).alias("group")
    )  # fmt: skip
    chart = pc.median_band(
        frame, x_title=tr(MONTHS), y_title=tr(SCORE),
        group=None if split == "none" else "group", facet=split in FACET_SPLITS,
    )  # fmt: skip
    components.chart_block(
        chart,
        frame.select("month_no", "group", "n_cases", "q1", "median", "q3", "suppressed"),
        tr({"da": "Linjen er medianscoren i hver måned efter forløbets start (hvert forløb tæller "
                  "med sin seneste score i måneden); båndet dækker den midterste halvdel "
                  "(25.-75. percentil). Huller er måneder med under 5 forløb.",
            "en": "The line is the median score in each month after the case started (each case "
                  "counts with its latest score that month); the band covers the middle half "
                  "(25th-75th percentile). Gaps are months with fewer than 5 cases."}),
        n,
        key="progression_median",
    )  # fmt: skip
    if groups > MAX_PANELS:
        st.caption(tr({"da": "Viser de {k} grupper med flest målinger af {n}.",
                       "en": "Shows the {k} groups with the most measurements of {n}."},
                      k=MAX_PANELS, n=i18n.fmt_int(groups)))  # fmt: skip
    if frame["suppressed"].any():
        st.caption(i18n.t("suppressed_note"))


def _lines_section(scope, filters, median: pl.DataFrame) -> None:
    st.subheader(tr({"da": "Enkelte forløb", "en": "Single cases"}))
    lines, available = q.case_lines(scope, filters)
    if not lines.height:
        st.info(tr({"da": "Ingen forløb med progressionsmålinger.",
                    "en": "No cases with progression measurements."}))  # fmt: skip
        return
    drawn = lines["case_id"].n_unique()
    chart = pc.case_lines(
        lines, median.select("month_no", "median"), x_title=tr(MONTHS), y_title=tr(SCORE),
        median_label=tr({"da": "Median, alle forløb", "en": "Median, all cases"}),
    )  # fmt: skip
    components.chart_block(
        chart,
        lines,
        tr({"da": "Hver grå linje er ét forløbs scorer over tid; den blå linje er medianen. "
                  "Viser {drawn} af {total} forløb, udvalgt tilfældigt (fast udvalg).",
            "en": "Each grey line is one case's scores over time; the blue line is the median. "
                  "Shows {drawn} of {total} cases, picked at random (a fixed sample)."},
           drawn=i18n.fmt_int(drawn), total=i18n.fmt_int(available)),
        available,
        key="progression_cases",
        level="case",  # single cases: a coordinator's own municipality's
    )  # fmt: skip


BANDS = {
    "low": {"da": "Lav (1-3)", "en": "Low (1-3)"},
    "mid": {"da": "Middel (4-6)", "en": "Middle (4-6)"},
    "high": {"da": "Høj (7-10)", "en": "High (7-10)"},
}
BAND_RANGES = {"low": "1-3", "mid": "4-6", "high": "7-10"}
TRACKING = {
    "on_track": {"da": "Som forventet", "en": "On track"},
    "below_expected": {"da": "Under forventet", "en": "Below expected"},
    "off_track": {"da": "Langt under forventet", "en": "Off track"},
    "no_reference": {"da": "Ingen reference", "en": "No reference"},
}


def _band_points(scope, filters, band: str) -> tuple[pl.DataFrame | None, int]:
    """The viewer's single cases in the band with the words of their tracking (case level)."""
    if not scope.case_level:
        return None, 0
    points, available = q.band_points(scope, filters, band)
    labels = {code: tr(words) for code, words in TRACKING.items()}
    return points.with_columns(
        pl.col("tracking").replace_strict(labels, default=None).alias("tracking_label")
    ), available


def _expected_section(scope, filters) -> None:
    st.subheader(tr({"da": "Forventet forløb efter startniveau",
                     "en": "Expected progress by starting level"}))  # fmt: skip
    band = st.selectbox(
        tr({"da": "Startniveau (første score)", "en": "Starting level (first score)"}),
        list(BANDS), format_func=lambda b: tr(BANDS[b]), key="prog_band",
    )  # fmt: skip
    expected = q.expected_band(scope, band)
    if not expected.height:
        st.info(tr({"da": "Der er endnu for få borgere med dette startniveau til et forventet "
                          "forløb (mindst 20 i en måned).",
                    "en": "Too few citizens started at this level for an expected band yet "
                          "(at least 20 in a month)."}))  # fmt: skip
        return
    who = tr({"da": "Borgere, der startede på {r} på skalaen, n = {n}",
              "en": "Citizens who started at {r} on the scale, n = {n}"},
             r=BAND_RANGES[band], n=i18n.fmt_int(int(expected["band_cases"][0])))  # fmt: skip
    points, available = _band_points(scope, filters, band)
    chart = pc.expected_band(
        expected, points, x_title=tr(MONTHS), y_title=tr(SCORE), title=who,
        tracking_labels={code: tr(words) for code, words in TRACKING.items()},
    )  # fmt: skip
    how = tr({"da": "{who}, hele landet: den mørke skygge er de midterste 50 % (25.-75. "
                    "percentil), den lyse 10.-90. percentil og stregen medianen i hver måned "
                    "siden start; måneder med under 20 borgere har intet bånd.",
              "en": "{who}, the whole country: the dark shade is the middle 50% (25th-75th "
                    "percentile), the light one the 10th-90th percentile and the line the median "
                    "in each month since the start; months with fewer than 20 citizens have no "
                    "band."}, who=who)  # fmt: skip
    if points is not None:
        how += " " + tr({"da": "Punkterne er dine forløbs senere scorer, farvet efter om de er "
                               "som forventet; viser {drawn} af {total} forløb (fast udvalg).",
                         "en": "The points are your cases' later scores, coloured by whether "
                               "they are on track; showing {drawn} of {total} cases (a fixed "
                               "sample)."},
                        drawn=i18n.fmt_int(points["case_id"].n_unique()),
                        total=i18n.fmt_int(available))  # fmt: skip
    components.chart_block(
        chart,
        expected.drop("band_cases") if points is None else points.drop("tracking_label"),
        how,
        int(expected["band_cases"][0]),
        key="progression_expected",
        # the n is the national reference's (indicators.md section 1), whoever is looking
        population=tr({"da": "Hele landet (reference)", "en": "Whole country (reference)"}),
    )


FLAG_GROUPS = {
    "flagged": {"da": "Har været langt under forventet", "en": "Ever off track"},
    "never": {"da": "Aldrig markeret", "en": "Never flagged"},
}
ALERT_COLUMNS = {
    "group": {"da": "Forløb, der", "en": "Cases that were"},
    "n_cases": {"da": "Afsluttede forløb", "en": "Ended cases"},
    "goals": {"da": "Mål nået", "en": "Goals met"},
    "discontinued": {"da": "Afbrudt", "en": "Discontinued"},
    "who5": {"da": "WHO-5 pålideligt forbedret", "en": "WHO-5 reliably improved"},
}


def _alert_row(row: dict) -> dict:
    hidden = {name: row["suppressed"] or row[f"{name}_suppressed"] for name in q.ALERT_SHARES}
    by = {name: row["suppressed_by"] or row[f"{name}_suppressed_by"] for name in q.ALERT_SHARES}
    shares = {name: components.value_text(row[share], hidden[name], "pct", by[name])
              for name, (_, _, share) in q.ALERT_SHARES.items()}  # fmt: skip
    count = components.value_text(row["n_cases"], row["suppressed"], by=row["suppressed_by"])
    return {"group": tr(FLAG_GROUPS[row["flag_group"]]), "n_cases": count, **shares}


def _alert_section(scope, filters) -> None:
    """Evaluators only: how the off-track flag has worked for the cases that ended."""
    st.subheader(tr({"da": "Virker advarslerne?", "en": "Do the alerts work?"}))
    check = q.alert_check(scope, filters)
    if not check.height:
        st.info(tr({"da": "Ingen afsluttede eller afbrudte forløb passer til filtrene.",
                    "en": "No closed or discontinued case matches the filters."}))  # fmt: skip
        return
    table = pl.DataFrame([_alert_row(row) for row in check.iter_rows(named=True)])
    components.table(table.rename({c: tr(label) for c, label in ALERT_COLUMNS.items()}),
                     key="progression_alerts")  # fmt: skip
    poor = q.poor_endings(scope, filters)
    st.caption(
        tr({"da": "Afsluttede og afbrudte forløb (alle år): sammenlign rækkerne; virker "
                  "advarslen, ender de markerede forløb sjældnere med nåede mål og oftere afbrudt. "
                  "WHO-5 regnes blandt forløb med før- og eftermåling. Af {n} dårlige afslutninger "
                  "(mål ikke nået, borgeren ophørte eller afbrudt) var {share} markeret langt "
                  "under forventet, før de sluttede.",
            "en": "Closed and discontinued cases (all years): compare the rows; if the alert "
                  "works, flagged cases end less often with goals met and more often "
                  "discontinued. WHO-5 counts among cases with a pre and a post measurement. Of "
                  "{n} poor endings (goals not met, citizen withdrew or discontinued) {share} "
                  "had been flagged off track before they ended."},
           n=components.value_text(poor["n_poor"], poor["suppressed"], by=poor["suppressed_by"]),
           share=components.value_text(poor["share_flagged"], poor["suppressed"], "pct",
                                       poor["suppressed_by"]))
    )  # fmt: skip
    if check["suppressed"].any() or poor["suppressed"]:
        st.caption(i18n.t("suppressed_note"))


def _first_latest_section(scope, filters) -> None:
    st.subheader(tr({"da": "Første og seneste score", "en": "First and latest score"}))
    frame = q.first_latest(scope, filters)
    if not frame.height:
        st.info(tr({"da": "Ingen forløb har mindst to målinger.",
                    "en": "No case has two or more measurements."}))  # fmt: skip
        return
    words = {"first": {"da": "Første", "en": "First"}, "latest": {"da": "Seneste", "en": "Latest"}}
    frame = frame.with_columns(
        pl.col("which").map_elements(lambda w: tr(words[w]), pl.String).alias("label")
    )
    chart = pc.first_latest(frame, x_title=tr(SCORE), y_title=tr(CASES))
    components.chart_block(
        chart,
        frame.select("which", "label", "score", "n_cases", "suppressed"),
        tr({"da": "Søjlerne viser, hvor mange forløb der havde hver score ved første og ved "
                  "seneste måling (forløb med mindst to målinger); manglende søjler er under 5.",
            "en": "The bars show how many cases had each score at their first and at their "
                  "latest measurement (cases with two or more); missing bars are below 5."}),
        q.followed_cases(scope, filters),
        key="progression_first_latest",
    )  # fmt: skip


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    n = q.followed(scope, filters)
    if n == 0:
        components.no_match()
        return
    st.caption(
        tr({"da": "Forløb, der var aktive i perioden, med alle deres progressionsmålinger.",
            "en": "Cases active in the period, with all their progression measurements."})
    )  # fmt: skip
    _median_section(scope, filters, n)
    if scope.case_level:
        _lines_section(scope, filters, q.by_month(scope, filters, "none"))
    _expected_section(scope, filters)
    _first_latest_section(scope, filters)
    if scope.role == "national":
        _alert_section(scope, filters)
    st.caption(tr(ATTENTION_NOTE))


components.run_page("page_progression", render)
