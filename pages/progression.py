"""Progression: the citizens' own scores by months since start, the expected band, single cases
(falling scores are on the attention page)."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.i18n import t
from app.page_charts import progression as pc
from app.queries import progression as q

# splits with many groups are drawn as small multiples instead of colours
FACET_SPLITS = {"municipality", "worker"}
MAX_PANELS = 12
ATTENTION_NOTE = "pages.progression.attention_note"
MONTHS = "common.months"
SCORE = "common.score"
CASES = "common.cases"
TABS = "prog_tabs"  # the page's section tabs (components.sections)


def _group_label(split: str, code: str | None) -> str:
    if split == "none":
        return t("pages.progression.all_cases")
    return i18n.group_label(split, code)


def _median_section(scope, filters, n: int | None) -> None:
    st.subheader(t("pages.progression.score_by_months_since_start"))
    split = st.selectbox(
        t("common.split_by"),
        q.splits(scope),
        format_func=i18n.split_label,
        key="prog_split",
    )
    frame, groups = q.by_month(scope, filters, split), 0
    if split in FACET_SPLITS:
        frame, groups = q.largest_groups(frame, MAX_PANELS)
    frame = frame.with_columns(
        i18n.labelled(frame["split_group"], lambda c: _group_label(split, c), nulls=True)
        .alias("group")
    )  # fmt: skip
    chart = pc.median_band(
        frame, x_title=t(MONTHS), y_title=t(SCORE),
        group=None if split == "none" else "group", facet=split in FACET_SPLITS,
    )  # fmt: skip
    components.chart_block(
        chart,
        frame.select("month_no", "group", "n_cases", "q1", "median", "q3", "suppressed"),
        t("pages.progression.the_line_is_the_median"),
        n,
        key="progression_median",
        hidden="pages.progression.the_line_is_the_median_hidden",
    )
    if groups > MAX_PANELS:
        st.caption(
            t("pages.progression.shows_the_k_groups_with", k=MAX_PANELS, n=i18n.fmt_int(groups))
        )
    components.suppression_note(frame["suppressed"].any())


def _lines_section(scope, filters, median: pl.DataFrame) -> None:
    st.subheader(t("pages.progression.single_cases"))
    lines, available = q.case_lines(scope, filters)
    if not lines.height:
        st.info(t("pages.progression.no_cases_with_progression_measurements"))
        return
    drawn = lines["case_id"].n_unique()
    chart = pc.case_lines(
        lines,
        median.select("month_no", "median"),
        x_title=t(MONTHS),
        y_title=t(SCORE),
        median_label=t("pages.progression.median_all_cases"),
    )
    components.chart_block(
        chart,
        lines,
        t(
            "pages.progression.each_grey_line_is_one",
            drawn=i18n.fmt_int(drawn),
            total=i18n.fmt_int(available),
        ),
        available,
        key="progression_cases",
        level="case",  # single cases: a coordinator's own municipality's
    )  # fmt: skip


BANDS = {
    "low": "pages.progression.bands.low",
    "mid": "pages.progression.bands.mid",
    "high": "pages.progression.bands.high",
}
BAND_RANGES = {"low": "1-3", "mid": "4-6", "high": "7-10"}
TRACKING = {
    "on_track": "common.on_track",
    "below_expected": "common.below_expected",
    "off_track": "pages.progression.tracking.off_track",
    "no_reference": "common.no_reference",
}


def _band_points(scope, filters, band: str) -> tuple[pl.DataFrame | None, int]:
    """The viewer's single cases in the band with the words of their tracking (case level)."""
    if not scope.case_level:
        return None, 0
    points, available = q.band_points(scope, filters, band)
    labels = {code: t(words) for code, words in TRACKING.items()}
    return points.with_columns(
        pl.col("tracking").replace_strict(labels, default=None).alias("tracking_label")
    ), available


def _expected_section(scope, filters) -> None:
    st.subheader(t("pages.progression.expected_progress_by_starting_level"))
    band = st.selectbox(
        t("pages.progression.starting_level_first_score"),
        list(BANDS),
        format_func=lambda b: t(BANDS[b]),
        key="prog_band",
    )
    expected = q.expected_band(scope, band)
    if not expected.height:
        st.info(t("pages.progression.too_few_citizens_started_at"))
        return
    who = t(
        "pages.progression.citizens_who_started_at_r",
        r=BAND_RANGES[band],
        n=i18n.fmt_int(int(expected["band_cases"][0])),
    )
    points, available = _band_points(scope, filters, band)
    # the viewer's own population as one line over the band, whoever is looking
    median = q.band_median(scope, filters, band)
    own = components.population_of()
    chart = pc.expected_band(
        expected, median, points, x_title=t(MONTHS), y_title=t(SCORE), title=who,
        tracking_labels={code: t(words) for code, words in TRACKING.items()},
        median_label=t("pages.progression.own_median", who=own),
    )  # fmt: skip
    how = t("pages.progression.who_the_whole_country_the", who=who)
    if charts.drawn_rows(median):
        how += " " + t("pages.progression.the_black_line_is_the",
                       who=components.population_of(in_sentence=True),
                       n=components.n_text(q.band_cases(scope, filters, band)))  # fmt: skip
        if components.hides_small():
            how += " " + t("pages.progression.the_black_line_is_the_hidden")
    if points is not None:
        how += " " + t(
            "pages.progression.the_points_are_your_cases",
            drawn=i18n.fmt_int(points["case_id"].n_unique()),
            total=i18n.fmt_int(available),
        )
    components.chart_block(
        chart,
        expected.drop("band_cases") if points is None else points.drop("tracking_label"),
        how,
        int(expected["band_cases"][0]),
        key="progression_expected",
        # the n is the national reference's (indicators.md section 1), whoever is looking
        population=t("pages.progression.whole_country_reference"),
    )


FLAG_GROUPS = {
    "flagged": "pages.progression.flag_groups.flagged",
    "never": "pages.progression.flag_groups.never",
}
ALERT_COLUMNS = {
    "group": "pages.progression.alert_columns.group",
    "n_cases": "common.n_ended",
    "goals": "common.goals",
    "discontinued": "vocabulary.code_labels.status.discontinued",
    "who5": "common.who_5_reliably_improved",
}


def _alert_row(row: dict) -> dict:
    hidden = {name: row["suppressed"] or row[f"{name}_suppressed"] for name in q.ALERT_SHARES}
    by = {name: row["suppressed_by"] or row[f"{name}_suppressed_by"] for name in q.ALERT_SHARES}
    shares = {name: components.value_text(row[share], hidden[name], "pct", by[name])
              for name, (_, _, share) in q.ALERT_SHARES.items()}  # fmt: skip
    count = components.value_text(row["n_cases"], row["suppressed"], by=row["suppressed_by"])
    return {"group": t(FLAG_GROUPS[row["flag_group"]]), "n_cases": count, **shares}


def _alert_section(scope, filters) -> None:
    """Evaluators only: how the off-track flag has worked for the cases that ended."""
    st.subheader(t("pages.progression.do_the_alerts_work"))
    check = q.alert_check(scope, filters)
    if not check.height:
        st.info(t("pages.progression.no_closed_or_discontinued_case"))
        return
    table = pl.DataFrame([_alert_row(row) for row in check.iter_rows(named=True)])
    components.table(table.rename({c: t(label) for c, label in ALERT_COLUMNS.items()}),
                     key="progression_alerts")  # fmt: skip
    poor = q.poor_endings(scope, filters)
    st.caption(
        t(
            "pages.progression.closed_and_discontinued_cases_all",
            n=components.value_text(poor["n_poor"], poor["suppressed"], by=poor["suppressed_by"]),
            share=components.value_text(
                poor["share_flagged"], poor["suppressed"], "pct", poor["suppressed_by"]
            ),
        )
    )
    components.suppression_note(check["suppressed"].any() or poor["suppressed"])


def _first_latest_section(scope, filters) -> None:
    st.subheader(t("pages.progression.first_and_latest_score"))
    frame = q.first_latest(scope, filters)
    if not frame.height:
        st.info(t("pages.progression.no_case_has_two_or"))
        return
    words = {"first": "pages.progression.words.first", "latest": "pages.progression.words.latest"}
    frame = frame.with_columns(i18n.labelled(frame["which"], lambda w: t(words[w])).alias("label"))
    chart = pc.first_latest(frame, x_title=t(SCORE), y_title=t(CASES))
    components.chart_block(
        chart,
        frame.select("which", "label", "score", "n_cases", "suppressed"),
        t("pages.progression.the_bars_show_how_many"),
        q.followed_cases(scope, filters),
        key="progression_first_latest",
        hidden="pages.progression.the_bars_show_how_many_hidden",
    )


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    n = q.followed(scope, filters)
    if n == 0:
        components.no_match()
        return
    st.caption(t("pages.progression.cases_active_in_the_period"))

    def scores() -> None:
        _median_section(scope, filters, n)
        if scope.case_level:
            _lines_section(scope, filters, q.by_month(scope, filters, "none"))

    parts = [
        ("pages.progression.tabs.scores", scores),
        ("pages.progression.tabs.expected", partial(_expected_section, scope, filters)),
        ("pages.progression.tabs.first_latest", partial(_first_latest_section, scope, filters)),
    ]
    if scope.role == "national":  # the evaluators' check of the off-track flag
        parts.append(("pages.progression.tabs.alerts", partial(_alert_section, scope, filters)))
    components.sections(TABS, parts)
    st.caption(t(ATTENTION_NOTE))


components.run_page("page_progression", render)
