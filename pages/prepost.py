"""Før/efter / Pre-post: WHO-5 and GSE before vs after, paired statistics, change categories."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n, indicator_parts
from app.i18n import tr
from app.page_charts import indicators as ic
from app.page_charts import prepost as pc
from app.queries import prepost as q

INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}
SPLITS = tuple(q.GROUPS)
SCORE = {"da": "Score ({name})", "en": "Score ({name})"}
STAT_COLUMNS = {
    "group_label": {"da": "Gruppe", "en": "Group"},
    "n": {"da": "n", "en": "n"},
    "mean_pre": {"da": "Gns. før", "en": "Mean pre"},
    "mean_post": {"da": "Gns. efter", "en": "Mean post"},
    "change": {"da": "Gns. ændring (95 % CI)", "en": "Mean change (95% CI)"},
    "d_av": {"da": "d_av (95 % CI)", "en": "d_av (95% CI)"},
    "p_t": {"da": "p (parret t-test)", "en": "p (paired t-test)"},
    "p_wilcoxon": {"da": "p (Wilcoxon)", "en": "p (Wilcoxon)"},
}


def _p_text(p: float | None) -> str:
    if i18n.is_missing(p):
        return i18n.MISSING
    return "< " + i18n.fmt_number(0.001, 3) if p < 0.001 else i18n.fmt_number(p, 3)


def _with_ci(value: float | None, low: float | None, high: float | None, decimals: int) -> str:
    text = i18n.fmt_signed(value, decimals)
    if i18n.is_missing(low) or i18n.is_missing(high):
        return text
    word = tr({"da": "til", "en": "to"})
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
    return tr(
        {"da": "Referenceværdier for {name}: sd {sd}, reliabilitet {rel}, grænseværdi {cutoff}, "
               "mindste betydende ændring {mcid}. Pålidelig ændring (Jacobson-Truax, z = {z}) "
               "kræver en ændring på mere end {thr} point.",
         "en": "Reference constants for {name}: sd {sd}, reliability {rel}, cutoff {cutoff}, "
               "minimal important change {mcid}. Reliable change (Jacobson-Truax, z = {z}) "
               "needs a change of more than {thr} points."},
        name=INSTRUMENT_NAMES[ref["instrument"]], sd=i18n.fmt_number(ref["sd"], 1),
        rel=i18n.fmt_number(ref["reliability"], 2), cutoff=cutoff, mcid=mcid,
        z=i18n.fmt_number(float(ref["z"]), 2),
        thr=i18n.fmt_number(ref["reliable_change_threshold"], 1),
    )  # fmt: skip


def _controls() -> tuple[str, str]:
    left, right, _ = st.columns([1, 1, 2])
    instrument = left.selectbox(
        tr({"da": "Måleredskab", "en": "Instrument"}), q.INSTRUMENTS,
        format_func=INSTRUMENT_NAMES.get, key="pp_instrument",
    )  # fmt: skip
    group = right.selectbox(
        tr({"da": "Opdel efter", "en": "Split by"}), list(SPLITS),
        format_func=i18n.split_label, key="pp_group",
    )  # fmt: skip
    return instrument, group


def _figures(total: dict) -> None:
    hidden = total["suppressed"]
    by = total["suppressed_by"]
    cols = st.columns(4)
    with cols[0]:
        components.figure(
            tr({"da": "Forløb med før og efter", "en": "Cases with pre and post"}),
            components.value_text(total["n"], hidden, by=by),
        )
    with cols[1]:
        components.figure(
            tr({"da": "Gns. før → efter", "en": "Mean pre → post"}),
            components.value_text(None, True, by=by) if hidden else
            f"{i18n.fmt_number(total['mean_pre'], 1)} → {i18n.fmt_number(total['mean_post'], 1)}",
        )  # fmt: skip
    with cols[2]:
        components.figure(
            tr({"da": "Gns. ændring", "en": "Mean change"}),
            components.value_text(total["mean_change"], hidden, "signed", by),
            help=None if hidden else _with_ci(
                total["mean_change"], total["ci_low"], total["ci_high"], 1),
        )  # fmt: skip
    with cols[3]:
        # the interval goes in the help, as for the mean change: the card is too narrow for it
        components.figure(
            tr({"da": "Effektstørrelse d_av", "en": "Effect size d_av"}),
            components.value_text(None, True, by=by) if hidden else
            i18n.fmt_signed(total["d_av"], 2),
            help=None if hidden else _with_ci(
                total["d_av"], total["d_av_ci_low"], total["d_av_ci_high"], 2),
        )  # fmt: skip


def _stats_table(stats: pl.DataFrame) -> None:
    rows = [_stat_row(row) for row in stats.iter_rows(named=True)]
    table = pl.DataFrame(rows, schema=list(STAT_COLUMNS), orient="row")
    components.table(
        table.rename({c: tr(label) for c, label in STAT_COLUMNS.items()}), key="pp_stats_table"
    )
    st.caption(
        tr({"da": "Ændring = efter − før. CI er 95 %-konfidensintervallet (t-fordelingen). d_av er "
                  "Hedges-korrigeret gennemsnitlig ændring i forhold til den gennemsnitlige "
                  "spredning før og efter. Grupper med under 5 forløb vises kun som «<5».",
            "en": "Change = post − pre. CI is the 95% confidence interval (t distribution). d_av "
                  "is the Hedges-corrected mean change relative to the average sd of pre and "
                  "post. Groups with fewer than 5 cases show only as “<5”."})
    )  # fmt: skip


def _paired_view(scope, filters, instrument: str, group: str, stats, ref, title: str) -> None:
    st.subheader(tr({"da": "Før og efter, parvis", "en": "Pre and post, paired"}))
    total_n = _shown_n(stats)
    components.chart_block(
        pc.dumbbell(stats, ref["cutoff"], title),
        stats.select("group_value", "group_label", "n", "mean_pre", "mean_post", "suppressed"),
        tr({"da": "For hver gruppe går linjen fra gennemsnittet før til gennemsnittet efter; den "
                  "stiplede linje er grænseværdien.",
            "en": "For each group the line runs from the mean before to the mean after; the "
                  "dashed line is the cutoff."}),
        total_n,
        key="pp_dumbbell",
    )  # fmt: skip
    if not scope.case_level:
        return
    lines = q.case_lines(scope, filters, instrument, group)
    if lines.is_empty():
        return
    shown, total = lines.height, int(lines["cases_total"][0])
    components.chart_block(
        pc.slopes(lines, ref["cutoff"], title),
        lines.drop("cases_total"),
        tr({"da": "Hver linje er ét forløb fra før- til eftermåling. Viser {shown} af {total} "
                  "forløb (en fast stikprøve, når der er flere end {cap}).",
            "en": "Each line is one case from its pre to its post measurement. Showing {shown} "
                  "of {total} cases (a fixed sample when there are more than {cap})."},
           shown=i18n.fmt_int(shown), total=i18n.fmt_int(total), cap=i18n.fmt_int(q.CASE_LINE_LIMIT)),
        shown,
        key="pp_case_lines",
    )  # fmt: skip


def _shown_n(stats: pl.DataFrame) -> int | None:
    total = stats.filter(pl.col("group_value") == "all").to_dicts()[0]
    return None if total["suppressed"] else total["n"]


def _distributions(scope, filters, instrument: str, group: str, n, ref, title: str) -> None:
    st.subheader(tr({"da": "Fordeling af scorer", "en": "Distribution of scores"}))
    dist = pc.with_labels(q.distribution(scope, filters, instrument, group), group)
    components.chart_block(
        pc.boxes(dist, ref["cutoff"], title),
        dist.drop("phase_label"),
        tr({"da": "Boksen dækker de midterste 50 % af scorerne, stregen i boksen er medianen, og "
                  "linjen går fra 10 % til 90 %. Den stiplede linje er grænseværdien.",
            "en": "The box covers the middle 50% of the scores, the mark in it is the median, "
                  "and the line runs from 10% to 90%. The dashed line is the cutoff."}),
        n,
        key="pp_boxes",
    )  # fmt: skip
    hist = pc.with_labels(
        q.histogram(scope, filters, instrument).with_columns(pl.lit("all").alias("group_value")),
        "none",
    )
    components.chart_block(
        pc.histogram(hist, ref["cutoff"], title),
        hist.select("phase", "bin_start", "bin_end", "n", "suppressed"),
        tr({"da": "Søjlerne viser, hvor mange forløb der havde en score i hvert interval før og "
                  "efter (alle grupper); intervaller med under 5 forløb er udeladt.",
            "en": "The bars show how many cases scored in each interval before and after (all "
                  "groups); intervals with fewer than 5 cases are left out."}),
        n,
        key="pp_histogram",
    )  # fmt: skip


def _categories(scope, filters, instrument: str, group: str, n, ref) -> None:
    st.subheader(tr({"da": "Pålidelig og klinisk ændring", "en": "Reliable and clinical change"}))
    frame = pc.with_labels(q.categories(scope, filters, instrument, group), group)
    if ref["cutoff"] is None:  # without a cutoff clinical change equals reliable change
        frame = frame.filter(pl.col("measure") == "reliable_change")
    components.chart_block(
        pc.categories(frame),
        frame.select("group_value", "group_label", "measure", "category", "n", "suppressed"),
        tr({"da": "Hver søjle deler gruppens forløb efter ændring: forbedret eller forværret mere "
                  "end tærsklen på {thr} point, ellers uændret; restitueret = forbedret og fra "
                  "højst grænseværdien til over den. Skjulte tal er udeladt.",
            "en": "Each bar splits the group's cases by change: improved or deteriorated by more "
                  "than the threshold of {thr} points, else unchanged; recovered = improved and "
                  "from at most the cutoff to above it. Hidden numbers are left out."},
           thr=i18n.fmt_number(ref["reliable_change_threshold"], 1)),
        n,
        key="pp_categories",
    )  # fmt: skip


def _constants_list(ref: dict) -> str:
    """The reference constants behind the Jacobson plot, one per line (from mart.instruments)."""
    rows = [
        ({"da": "Spredning (sd)", "en": "Spread (sd)"}, i18n.fmt_number(ref["sd"], 1)),
        ({"da": "Reliabilitet", "en": "Reliability"}, i18n.fmt_number(ref["reliability"], 2)),
        ({"da": "s_diff = √2 · sd · √(1 − reliabilitet)",
          "en": "s_diff = √2 · sd · √(1 − reliability)"}, i18n.fmt_number(ref["s_diff"], 2)),
        ({"da": "Båndets halve bredde = {z} · s_diff", "en": "Half the band's width = {z} · s_diff"},
         i18n.fmt_number(ref["reliable_change_threshold"], 1)),
        ({"da": "Grænseværdi", "en": "Cutoff"},
         i18n.MISSING if ref["cutoff"] is None else i18n.fmt_number(ref["cutoff"], 0)),
    ]  # fmt: skip
    z = i18n.fmt_number(float(ref["z"]), 2)
    return "\n".join(f"- {tr(label, z=z)}: **{value}**" for label, value in rows)


def _jacobson_section(scope, filters, instrument: str, ref: dict, n: int | None) -> None:
    st.subheader(tr({"da": "Før mod efter for hvert forløb", "en": "Pre against post per case"}))
    kind, frame = q.jacobson(scope, filters, instrument)
    name = INSTRUMENT_NAMES[instrument]
    titles = {"x_title": tr({"da": "Før ({n})", "en": "Pre ({n})"}, n=name),
              "y_title": tr({"da": "Efter ({n})", "en": "Post ({n})"}, n=name)}  # fmt: skip
    labels = {
        "band": tr({"da": "Ikke pålidelig ændring", "en": "Change not reliable"}),
        "cutoff": tr(pc.CUTOFF, c=i18n.fmt_number(ref["cutoff"], 0)),
        "cases": tr({"da": "Forløb", "en": "Cases"}),
    }
    chart_side, constants_side = st.columns([5, 2])
    with constants_side:
        st.markdown(tr({"da": "**Referenceværdier for {n}**", "en": "**Reference constants for "
                              "{n}**"}, n=name) + "\n\n" + _constants_list(ref))  # fmt: skip
    with chart_side:
        if kind == "points":
            _jacobson_points(frame, ref, titles, labels)
        else:
            _jacobson_cells(frame, ref, titles, labels, n)


_JACOBSON_HOW = {
    "da": "Punkter over diagonalen er forbedret, under den forværret; inden for det grå bånd "
    "(± {thr} point) er ændringen ikke pålidelig. De stiplede linjer er grænseværdien.",
    "en": "Points above the diagonal improved, below it deteriorated; inside the grey band "
    "(± {thr} points) the change is not reliable. The dashed lines are the cutoff.",
}


def _jacobson_points(frame: pl.DataFrame, ref: dict, titles: dict, labels: dict) -> None:
    # without a cutoff nobody can recover: that colour is left out of the legend
    codes = [c for c in pc.CATEGORY_ORDER if c != "recovered" or ref["cutoff"] is not None]
    colours = {pc.category_label(c): pc.CATEGORY_COLORS[c] for c in codes}
    points = frame.with_columns(
        pl.col("clinical_change").map_elements(pc.category_label, pl.String).alias("category_label")
    )
    total = int(frame["cases_total"][0]) if frame.height else 0
    components.chart_block(
        ic.jacobson_points(points.drop("cases_total"), ref, category_colours=colours,
                           labels=labels, **titles),
        frame.drop("cases_total"),
        tr(_JACOBSON_HOW, thr=i18n.fmt_number(ref["reliable_change_threshold"], 1)) + " "
        + tr({"da": "Hvert punkt er ét forløb, farvet efter klinisk ændring; viser {k} af {n}.",
              "en": "Each point is one case, coloured by clinical change; showing {k} of {n}."},
             k=i18n.fmt_int(frame.height), n=i18n.fmt_int(total)),
        total,
        key="pp_jacobson",
    )  # fmt: skip


def _jacobson_cells(
    frame: pl.DataFrame, ref: dict, titles: dict, labels: dict, n: int | None
) -> None:
    if frame["suppressed"].all():
        st.info(
            tr(
                {
                    "da": "Hver celle bygger på under 5 forløb, så diagrammet vises ikke.",
                    "en": "Every cell rests on fewer than 5 cases, so the chart is not shown.",
                }
            )
        )
        return
    components.chart_block(
        ic.jacobson_cells(frame, ref, labels=labels, **titles),
        frame.filter(~pl.col("suppressed")).select("pre_start", "pre_end", "post_start",
                                                    "post_end", "n"),
        tr(_JACOBSON_HOW, thr=i18n.fmt_number(ref["reliable_change_threshold"], 1)) + " "
        + tr({"da": "Hver celle tæller forløbene med før- og eftermåling i dens intervaller "
                    "(jo mørkere, jo flere); celler med under 5 forløb er udeladt.",
              "en": "Each cell counts the cases whose pre and post lie in its intervals (the "
                    "darker, the more); cells with fewer than 5 cases are left out."}),
        n,
        key="pp_jacobson",
    )  # fmt: skip


FUNNELS = (
    ("who5_improved", {"da": "WHO-5 pålideligt forbedret", "en": "WHO-5 reliably improved"},
     "pp_funnel_improved"),
    ("who5_recovered", {"da": "WHO-5 restitueret", "en": "WHO-5 recovered"},
     "pp_funnel_recovered"),
)  # fmt: skip


def _funnel_section(scope, filters) -> None:
    """Funnel plots of the two WHO-5 outcome shares by municipality or worker (no ranking)."""
    indicator_parts.funnel_section(
        scope,
        filters,
        heading={"da": "Retfærdig sammenligning (WHO-5)", "en": "Fair comparison (WHO-5)"},
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
        tr({"da": "Forløb afsluttet {a} – {b} med gyldig før- og eftermåling af {name}.",
            "en": "Cases ending {a} – {b} with a valid pre and post measurement of {name}."},
           a=i18n.fmt_month(filters.from_month), b=i18n.fmt_month(filters.to_month),
           name=INSTRUMENT_NAMES[instrument])
    )  # fmt: skip
    _figures(total)
    st.info(_reference_text(ref))
    _stats_table(stats)
    title = tr(SCORE, name=INSTRUMENT_NAMES[instrument])
    n = _shown_n(stats)
    _paired_view(scope, filters, instrument, group, stats, ref, title)
    _distributions(scope, filters, instrument, group, n, ref, title)
    _categories(scope, filters, instrument, group, n, ref)
    _jacobson_section(scope, filters, instrument, ref, n)
    _funnel_section(scope, filters)
    if stats["suppressed"].any():
        st.caption(i18n.t("suppressed_note"))


components.run_page("page_prepost", render)
