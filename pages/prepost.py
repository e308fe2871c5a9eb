"""Før/efter / Pre-post: WHO-5 and GSE before vs after, paired statistics, change categories."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import components, data, i18n, indicator_parts
from app.i18n import t
from app.page_charts import indicators as ic
from app.page_charts import prepost as pc
from app.queries import prepost as q

INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}
SPLITS = tuple(q.GROUPS)
SCORE = "pages.prepost.score"
TABS = "pp_tabs"  # the page's section tabs (components.sections)
STAT_COLUMNS = {
    "group_label": components.GROUP_COLUMN,
    "n": "pages.prepost.stat_columns.n",
    "mean_pre": "common.mean_pre",
    "mean_post": "common.mean_post",
    "change": "pages.prepost.stat_columns.change",
    "d_av": "pages.prepost.stat_columns.d_av",
    "p_t": "pages.prepost.stat_columns.p_t",
    "p_wilcoxon": "pages.prepost.stat_columns.p_wilcoxon",
}


def _p_text(p: float | None) -> str:
    if i18n.is_missing(p):
        return i18n.MISSING
    return "< " + i18n.fmt_number(0.001, 3) if p < 0.001 else i18n.fmt_number(p, 3)


def _with_ci(value: float | None, low: float | None, high: float | None, decimals: int) -> str:
    text = i18n.fmt_signed(value, decimals)
    if i18n.is_missing(low) or i18n.is_missing(high):
        return text
    word = t("audit.detail.to")
    return f"{text} ({i18n.fmt_number(low, decimals)} {word} {i18n.fmt_number(high, decimals)})"


def _stat_row(row: dict) -> dict:
    """One group's statistics as text; a hidden group shows only '<5' (or 'hidden')."""
    if row["suppressed"]:
        hidden = components.value_text(None, True, by=row["suppressed_by"])
        return {"group_label": row["group_label"], "n": hidden} | {
            c: "" for c in list(STAT_COLUMNS)[2:]
        }
    return {
        "group_label": row["group_label"],
        "n": i18n.fmt_int(row["n"]),
        "mean_pre": i18n.fmt_number(row["mean_pre"], 1),
        "mean_post": i18n.fmt_number(row["mean_post"], 1),
        "change": _with_ci(row["mean_change"], row["ci_low"], row["ci_high"], 1),
        "d_av": _with_ci(row["d_av"], row["d_av_ci_low"], row["d_av_ci_high"], 2),
        "p_t": _p_text(row["p_t"]),
        "p_wilcoxon": _p_text(row["p_wilcoxon"]),
    }


def _reference_text(ref: dict) -> str:
    """The constants in force and the resulting reliable-change threshold, in one sentence."""
    cutoff = i18n.fmt_number(ref["cutoff"], 0) if ref["cutoff"] is not None else i18n.MISSING
    mcid = i18n.fmt_number(ref["mcid"], 0) if ref["mcid"] is not None else i18n.MISSING
    return t(
        "pages.prepost.reference_constants_for_name_sd",
        name=INSTRUMENT_NAMES[ref["instrument"]],
        sd=i18n.fmt_number(ref["sd"], 1),
        rel=i18n.fmt_number(ref["reliability"], 2),
        cutoff=cutoff,
        mcid=mcid,
        z=i18n.fmt_number(float(ref["z"]), 2),
        thr=i18n.fmt_number(ref["reliable_change_threshold"], 1),
    )


def _controls() -> tuple[str, str]:
    left, right, _ = st.columns([1, 1, 2])
    instrument = left.selectbox(
        t("pages.prepost.instrument"),
        q.INSTRUMENTS,
        format_func=INSTRUMENT_NAMES.get,
        key="pp_instrument",
    )
    group = right.selectbox(
        t("common.split_by"),
        list(SPLITS),
        format_func=i18n.split_label,
        key="pp_group",
    )
    return instrument, group


def _card_values(total: dict) -> list[str]:
    """The four cards' figures as shown, of the view's or the country's 'all' row."""
    hidden, by = total["suppressed"], total["suppressed_by"]
    if hidden:
        mean_pre_post = components.value_text(None, True, by=by)
        d_av = components.value_text(None, True, by=by)
    else:
        mean_pre_post = (
            f"{i18n.fmt_number(total['mean_pre'], 1)} → {i18n.fmt_number(total['mean_post'], 1)}"
        )
        d_av = i18n.fmt_signed(total["d_av"], 2)
    return [
        components.value_text(total["n"], hidden, by=by),
        mean_pre_post,
        components.value_text(total["mean_change"], hidden, "signed", by),
        d_av,
    ]


def _country_total(scope, filters, instrument: str) -> dict | None:
    """The country's 'all' row beside a municipality's cards (None when the view is the
    country already, or the viewer counts their own cases: `data.country`)."""
    country = data.country(scope, filters)
    if country is None:
        return None
    rows = q.paired_stats(scope, country, instrument, "none").filter(pl.col("group_value") == "all")
    return rows.to_dicts()[0] if rows.height else None


def _figures(total: dict, country: dict | None) -> None:
    hidden = total["suppressed"]
    values = _card_values(total)
    beside = _card_values(country) if country is not None else [None] * len(values)
    helps = [
        None,
        None,
        None if hidden else _with_ci(total["mean_change"], total["ci_low"], total["ci_high"], 1),
        # the interval goes in the help, as for the mean change: the card is too narrow for it
        None if hidden else _with_ci(total["d_av"], total["d_av_ci_low"], total["d_av_ci_high"], 2),
    ]
    labels = ["pages.prepost.cases_with_pre_and_post", "pages.prepost.mean_pre_post",
              "pages.prepost.mean_change", "pages.prepost.effect_size_d_av"]  # fmt: skip
    # the second card holds two figures ('43,0 → 56,1'): at a quarter of 1280 px it took two
    # lines, and its card stood taller than the others
    cols = st.columns([1, 1.5, 1, 1])
    for column, label, value, help_text, country_value in zip(
        cols, labels, values, helps, beside, strict=True
    ):
        with column:
            components.figure(
                t(label), value, help=help_text, beside=components.beside_country(country_value)
            )


def _stats_table(stats: pl.DataFrame) -> None:
    rows = [_stat_row(row) for row in stats.iter_rows(named=True)]
    table = pl.DataFrame(rows, schema=list(STAT_COLUMNS), orient="row")
    components.table(
        table.rename({c: t(label) for c, label in STAT_COLUMNS.items()}), key="pp_stats_table"
    )
    st.caption(t("pages.prepost.change_post_pre_ci_is"))


def _paired_view(scope, filters, instrument: str, group: str, stats, ref, title: str) -> None:
    st.subheader(t("pages.prepost.pre_and_post_paired"))
    total_n = _shown_n(stats)
    components.chart_block(
        pc.dumbbell(stats, ref["cutoff"], title),
        stats.select("group_value", "group_label", "n", "mean_pre", "mean_post", "suppressed"),
        t("pages.prepost.for_each_group_the_line"),
        total_n,
        key="pp_dumbbell",
    )
    if not scope.case_level:
        return
    lines = q.case_lines(scope, filters, instrument, group)
    if lines.is_empty():
        return
    shown, total = lines.height, int(lines["cases_total"][0])
    components.chart_block(
        pc.slopes(lines, ref["cutoff"], title),
        lines.drop("cases_total"),
        t(
            "pages.prepost.each_line_is_one_case",
            shown=i18n.fmt_int(shown),
            total=i18n.fmt_int(total),
            cap=i18n.fmt_int(q.CASE_LINE_LIMIT),
        ),
        shown,
        key="pp_case_lines",
    )


def _shown_n(stats: pl.DataFrame) -> int | None:
    total = stats.filter(pl.col("group_value") == "all").to_dicts()[0]
    return None if total["suppressed"] else total["n"]


def _distributions(scope, filters, instrument: str, group: str, n, ref, title: str) -> None:
    st.subheader(t("pages.prepost.distribution_of_scores"))
    dist = pc.with_labels(q.distribution(scope, filters, instrument, group), group)
    components.chart_block(
        pc.boxes(dist, ref["cutoff"], title),
        dist.drop("phase_label"),
        t("pages.prepost.the_box_covers_the_middle"),
        n,
        key="pp_boxes",
    )
    st.subheader(t("pages.prepost.scores_in_bands"))  # the histogram's own heading
    hist = pc.with_labels(
        q.histogram(scope, filters, instrument).with_columns(pl.lit("all").alias("group_value")),
        "none",
    )
    components.chart_block(
        pc.histogram(hist, ref["cutoff"], title),
        hist.select("phase", "bin_start", "bin_end", "n", "suppressed"),
        t("pages.prepost.the_bars_show_how_many"),
        n,
        key="pp_histogram",
        hidden="pages.prepost.the_bars_show_how_many_hidden",
    )


def _categories(scope, filters, instrument: str, group: str, n, ref) -> None:
    st.subheader(t("pages.prepost.reliable_and_clinical_change"))
    frame = pc.with_labels(q.categories(scope, filters, instrument, group), group)
    if ref["cutoff"] is None:  # without a cutoff clinical change equals reliable change
        frame = frame.filter(pl.col("measure") == "reliable_change")
    components.chart_block(
        pc.categories(frame),
        frame.select("group_value", "group_label", "measure", "category", "n", "suppressed"),
        t(
            "pages.prepost.each_bar_splits_the_group",
            thr=i18n.fmt_number(ref["reliable_change_threshold"], 1),
        ),
        n,
        key="pp_categories",
        hidden="pages.prepost.each_bar_splits_the_group_hidden",
    )


def _constants_list(ref: dict) -> str:
    """The reference constants behind the Jacobson plot, one per line (from mart.instruments)."""
    rows = [
        ("pages.prepost.spread_sd", i18n.fmt_number(ref["sd"], 1)),
        ("pages.prepost.reliability", i18n.fmt_number(ref["reliability"], 2)),
        ("pages.prepost.s_diff_2_sd_1", i18n.fmt_number(ref["s_diff"], 2)),
        (
            "pages.prepost.half_the_band_s_width",
            i18n.fmt_number(ref["reliable_change_threshold"], 1),
        ),
        (
            "pages.prepost.cutoff",
            i18n.MISSING if ref["cutoff"] is None else i18n.fmt_number(ref["cutoff"], 0),
        ),
    ]
    z = i18n.fmt_number(float(ref["z"]), 2)
    return "\n".join(f"- {t(label, z=z)}: **{value}**" for label, value in rows)


def _jacobson_section(scope, filters, instrument: str, ref: dict, n: int | None) -> None:
    st.subheader(t("pages.prepost.pre_against_post_per_case"))
    kind, frame = q.jacobson(scope, filters, instrument)
    name = INSTRUMENT_NAMES[instrument]
    titles = {
        "x_title": t("pages.prepost.pre_n", n=name),
        "y_title": t("pages.prepost.post_n", n=name),
    }
    labels = {
        "band": t("pages.prepost.change_not_reliable"),
        "cutoff": t(pc.CUTOFF, c=i18n.fmt_number(ref["cutoff"], 0)),
        "cases": t("common.cases"),
    }
    chart_side, constants_side = st.columns([5, 2])
    with constants_side:
        st.markdown(
            t("pages.prepost.reference_constants_for_n", n=name) + "\n\n" + _constants_list(ref)
        )
    with chart_side:
        if kind == "points":
            _jacobson_points(frame, ref, titles, labels)
        else:
            _jacobson_cells(frame, ref, titles, labels, n)


_JACOBSON_HOW = "pages.prepost.jacobson_how"


def _jacobson_points(frame: pl.DataFrame, ref: dict, titles: dict, labels: dict) -> None:
    # without a cutoff nobody can recover: that colour is left out of the legend
    codes = [c for c in pc.CATEGORY_ORDER if c != "recovered" or ref["cutoff"] is not None]
    colours = {pc.category_label(c): pc.CATEGORY_COLORS[c] for c in codes}
    points = frame.with_columns(pc.category_labels(frame["clinical_change"]))
    total = int(frame["cases_total"][0]) if frame.height else 0
    components.chart_block(
        ic.jacobson_points(
            points.drop("cases_total"), ref, category_colours=colours, labels=labels, **titles
        ),
        frame.drop("cases_total"),
        t(_JACOBSON_HOW, thr=i18n.fmt_number(ref["reliable_change_threshold"], 1))
        + " "
        + t(
            "pages.prepost.each_point_is_one_case",
            k=i18n.fmt_int(frame.height),
            n=i18n.fmt_int(total),
        ),
        total,
        key="pp_jacobson",
    )


def _jacobson_cells(
    frame: pl.DataFrame, ref: dict, titles: dict, labels: dict, n: int | None
) -> None:
    if frame["suppressed"].all():
        st.info(t("pages.prepost.every_cell_rests_on_fewer"))
        return
    components.chart_block(
        ic.jacobson_cells(frame, ref, labels=labels, **titles),
        frame.filter(~pl.col("suppressed")).select(
            "pre_start", "pre_end", "post_start", "post_end", "n"
        ),
        t(_JACOBSON_HOW, thr=i18n.fmt_number(ref["reliable_change_threshold"], 1))
        + " "
        + t("pages.prepost.each_cell_counts_the_cases"),
        n,
        key="pp_jacobson",
        hidden="pages.prepost.each_cell_counts_the_cases_hidden",
    )


FUNNELS = (
    ("who5_improved", "common.who_5_reliably_improved", "pp_funnel_improved"),
    ("who5_recovered", "pages.prepost.who_5_recovered", "pp_funnel_recovered"),
)


def _funnel_section(scope, filters) -> None:
    """Funnel plots of the two WHO-5 outcome shares by municipality or worker (no ranking)."""
    indicator_parts.funnel_section(
        scope,
        filters,
        heading="pages.prepost.fair_comparison_who_5",
        key="pp_funnel",
        funnels=FUNNELS,
        fit=q.funnel_plot,
    )


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    instrument, group = _controls()
    ref = q.reference(scope, instrument)
    stats = pc.with_labels(q.paired_stats(scope, filters, instrument, group), group)
    if q.is_empty(stats):
        components.no_match()
        return
    total = stats.filter(pl.col("group_value") == "all").to_dicts()[0]
    st.caption(
        t(
            "pages.prepost.cases_ending_a_b_with",
            a=i18n.fmt_month(filters.from_month),
            b=i18n.fmt_month(filters.to_month),
            name=INSTRUMENT_NAMES[instrument],
        )
    )
    _figures(total, _country_total(scope, filters, instrument))
    st.info(_reference_text(ref))
    title = t(SCORE, name=INSTRUMENT_NAMES[instrument])
    n = _shown_n(stats)

    def paired() -> None:
        _stats_table(stats)
        _paired_view(scope, filters, instrument, group, stats, ref, title)

    def change() -> None:
        _categories(scope, filters, instrument, group, n, ref)
        _jacobson_section(scope, filters, instrument, ref, n)

    components.sections(
        TABS,
        [
            ("pages.prepost.tabs.paired", paired),
            (
                "pages.prepost.tabs.distributions",
                partial(_distributions, scope, filters, instrument, group, n, ref, title),
            ),
            ("pages.prepost.tabs.change", change),
            ("pages.prepost.tabs.fair", partial(_funnel_section, scope, filters)),
        ],  # fmt: skip
    )
    components.suppression_note(stats["suppressed"].any())


components.run_page("page_prepost", render)
