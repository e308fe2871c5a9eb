"""Progression: the citizens' own scores by months since start, single cases, and falling scores."""

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
MONTHS = {"da": "Måneder siden start", "en": "Months since start"}
SCORE = {"da": "Progressionsscore (1-10)", "en": "Progression score (1-10)"}
CASES = {"da": "Forløb", "en": "Cases"}
FALL_COLUMNS = {
    "case_id": {"da": "Forløb", "en": "Case"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "worker": {"da": "Medarbejder", "en": "Worker"},
    "status": {"da": "Status", "en": "Status"},
    "first_score": {"da": "Første score", "en": "First score"},
    "first_on": {"da": "Første dato", "en": "First date"},
    "previous_score": {"da": "Forrige score", "en": "Previous score"},
    "previous_on": {"da": "Forrige dato", "en": "Previous date"},
    "latest_score": {"da": "Seneste score", "en": "Latest score"},
    "latest_on": {"da": "Seneste dato", "en": "Latest date"},
    "change_since_previous": {"da": "Ændring siden forrige", "en": "Change since previous"},
    "change_since_first": {"da": "Ændring siden første", "en": "Change since first"},
}


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
    )  # fmt: skip


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
        q.followed_cases(frame),
        key="progression_first_latest",
    )  # fmt: skip


def _present_falls(falls: pl.DataFrame) -> pl.DataFrame:
    return falls.with_columns(
        i18n.code_expr("status", "status"),
        *(i18n.date_expr(c) for c in ("first_on", "previous_on", "latest_on")),
    ).rename({c: tr(label) for c, label in FALL_COLUMNS.items()})  # fmt: skip


def _falls_section(scope, filters) -> None:
    st.subheader(tr({"da": "Forløb med faldende score", "en": "Cases with a falling score"}))
    if not components.case_level_only(scope):
        return
    falls = q.falls(scope, filters)
    components.case_list(
        falls,
        _present_falls,
        tr({"da": "Seneste score er faldet {k} eller mere siden den forrige, eller ligger under "
                  "den første. Største fald først. {n} forløb.",
            "en": "The latest score fell by {k} or more since the previous one, or is below the "
                  "first. Largest falls first. {n} cases."},
           k=q.FALL_LIMIT, n=i18n.fmt_int(falls.height)),
        key="progression_falls",
    )  # fmt: skip


def render() -> None:
    components.freshness()
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
    _first_latest_section(scope, filters)
    _falls_section(scope, filters)


components.run_page("page_progression", render)
