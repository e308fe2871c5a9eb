"""Chart builders and labels for the pre/post page (data come aggregated from app/queries/prepost).

Every builder takes a small polars frame and the reader's texts, and returns an Altair chart;
the WHO-5 cutoff (from ref.instruments) is drawn as a rule when the instrument has one.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from app import charts, i18n
from app.i18n import t

PHASES = {"pre": "common.pre", "post": "common.post"}
PHASE_COLORS = {"pre": charts.PALETTE[1], "post": charts.PALETTE[0]}
CATEGORY_ORDER = ("deteriorated", "unchanged", "improved", "recovered")
CATEGORY_COLORS = {
    "deteriorated": charts.PALETTE[5],
    "unchanged": charts.PALETTE[4],
    "improved": charts.PALETTE[0],
    "recovered": charts.PALETTE[2],
}
MEASURES = {
    "reliable_change": "page_charts.prepost.measures.reliable_change",
    "clinical_change": "page_charts.prepost.measures.clinical_change",
}
CUTOFF = "page_charts.prepost.cutoff"
GROUP_STEP = 70  # px per group on the dumbbell and box charts (charts.row_height)


def group_label(group: str, value: str | None, language: str | None = None) -> str:
    """The reader's word for a group value of the split `group` ('all': the row for everyone,
    'unknown': the queries' word for a missing value)."""
    if value == "all":
        return i18n.t("all", language)
    return i18n.group_label(group, None if value == "unknown" else value, language)


def with_labels(frame: pl.DataFrame, group: str) -> pl.DataFrame:
    """Adds `group_label` (and `phase_label` when there is a phase) in the reader's language."""
    language = i18n.lang()
    frame = frame.with_columns(
        i18n.labelled(frame["group_value"], lambda v: group_label(group, v, language))
        .alias("group_label")
    )  # fmt: skip
    if "phase" in frame.columns:
        frame = frame.with_columns(
            pl.col("phase")
            .replace_strict({k: t(v) for k, v in PHASES.items()})
            .alias("phase_label")
        )
    return frame


def _phase_scale() -> alt.Scale:
    labels = [t(PHASES[p]) for p in PHASES]
    return charts.color_scale(labels, {t(PHASES[p]): PHASE_COLORS[p] for p in PHASES})


def _cutoff_rule(cutoff: float | None, axis: str, title: str) -> alt.Chart | None:
    """The cutoff as a rule across the chart; `title`: the title of the axis it stands on."""
    if cutoff is None:
        return None
    rule = alt.Chart(pl.DataFrame({"cutoff": [cutoff]})).mark_rule(
        color="#555555", strokeDash=[6, 4], strokeWidth=2
    )
    channel = alt.X if axis == "x" else alt.Y
    return rule.encode(**{axis: channel("cutoff:Q", title=title)},
                       tooltip=charts.tips(("cutoff:Q", t(CUTOFF, c="").strip())))  # fmt: skip


def _layer(*layers: alt.Chart | None) -> alt.LayerChart:
    return alt.layer(*(layer for layer in layers if layer is not None))


def dumbbell(stats: pl.DataFrame, cutoff: float | None, score_title: str) -> alt.LayerChart:
    """Mean pre → mean post per group: a line between two dots (hidden groups are left out)."""
    shown = stats.filter(~pl.col("suppressed")).select("group_label", "n", "mean_pre", "mean_post")
    charts.check_points(shown)
    long = shown.unpivot(
        ["mean_pre", "mean_post"], index=["group_label", "n"], variable_name="phase"
    ).with_columns(
        pl.col("phase").replace_strict({"mean_pre": t(PHASES["pre"]),
                                        "mean_post": t(PHASES["post"])}).alias("phase_label")
    )  # fmt: skip
    y = alt.Y("group_label:N", title="", sort=None)
    line = (
        alt.Chart(shown)
        .mark_rule(color="#888888", strokeWidth=3)
        .encode(y=y, x=alt.X("mean_pre:Q", title=score_title), x2="mean_post:Q")
    )
    dots = (
        alt.Chart(long)
        .mark_point(filled=True, size=180, opacity=1)
        .encode(
            y=y,
            x=alt.X("value:Q", title=score_title),
            color=alt.Color("phase_label:N", title="", scale=_phase_scale()),
            tooltip=charts.tips(
                ("group_label:N", ""),
                ("phase_label:N", ""),
                ("value:Q", t("common.mean"), charts.SCORE_FORMAT),
                "n:Q",
            ),
        )
    )
    # a band per group, never less than a readable row (one group was a strip of 80 px)
    return _layer(line, dots, _cutoff_rule(cutoff, "x", score_title)).properties(
        height=charts.row_height(GROUP_STEP)
    )


def slopes(lines: pl.DataFrame, cutoff: float | None, score_title: str) -> alt.LayerChart:
    """One faint line per case from its pre to its post score (case-level viewers only)."""
    long = lines.select("case_id", "pre_score", "post_score").unpivot(
        ["pre_score", "post_score"], index="case_id", variable_name="phase", value_name="score"
    ).with_columns(
        pl.col("phase").replace_strict({"pre_score": t(PHASES["pre"]),
                                        "post_score": t(PHASES["post"])}).alias("phase_label")
    )  # fmt: skip
    charts.check_points(long)
    order = [t(PHASES["pre"]), t(PHASES["post"])]
    line = (
        alt.Chart(long)
        .mark_line(point=True, opacity=0.35, strokeWidth=1.5, color=charts.PALETTE[0])
        .encode(
            x=alt.X("phase_label:O", title="", sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("score:Q", title=score_title),
            detail="case_id:N",
            tooltip=charts.tips("case_id:N", ("score:Q", score_title)),
        )
    )
    return _layer(line, _cutoff_rule(cutoff, "y", score_title)).properties(height=380)


def boxes(dist: pl.DataFrame, cutoff: float | None, score_title: str) -> alt.LayerChart:
    """Per group and phase: 10-90 % whisker, 25-75 % box and a median tick."""
    shown = dist.filter(~pl.col("suppressed"))
    charts.check_points(shown)
    y = alt.Y("group_label:N", title="", sort=None)
    offset = alt.YOffset("phase_label:N", sort=[t(PHASES["pre"]), t(PHASES["post"])])
    color = alt.Color("phase_label:N", title="", scale=_phase_scale())
    tooltip = charts.tips(("group_label:N", ""), ("phase_label:N", ""), "n:Q", "p10:Q", "q1:Q",
                          "median:Q", "q3:Q", "p90:Q")  # fmt: skip
    base = alt.Chart(shown).encode(y=y, yOffset=offset, color=color, tooltip=tooltip)
    whisker = base.mark_rule(strokeWidth=2).encode(x=alt.X("p10:Q", title=score_title), x2="p90:Q")
    box = base.mark_bar(size=24, opacity=0.6).encode(x=alt.X("q1:Q", title=score_title), x2="q3:Q")
    median = base.mark_tick(color="#1A1A1A", thickness=3, size=28).encode(
        x=alt.X("median:Q", title=score_title)
    )
    # a band per group (pre and post inside it): with a fixed height a single group was drawn
    # as a strip 15 px high
    return _layer(whisker, box, median, _cutoff_rule(cutoff, "x", score_title)).properties(
        # the step of a group (its pre and post share it), not of each offset band: 'Alle' alone
        # was 210 px high, twenty municipalities would have been 4,000
        height=charts.row_height(GROUP_STEP, **{"for": "position"})
    )


def histogram(hist: pl.DataFrame, cutoff: float | None, score_title: str) -> alt.LayerChart:
    """Pre and post scores per bin as bars from zero, side by side in each bin (pre in its left
    half, post in its right); hidden bins are left out."""
    shown = hist.filter(~pl.col("suppressed"))
    charts.check_points(shown)
    middle = (pl.col("bin_start") + pl.col("bin_end")) / 2
    halves = shown.with_columns(
        pl.when(pl.col("phase") == "pre").then(pl.col("bin_start")).otherwise(middle).alias("x0"),
        pl.when(pl.col("phase") == "pre").then(middle).otherwise(pl.col("bin_end")).alias("x1"),
    )
    bars = (
        # without a baseline (y2) a bar spanning x..x2 is drawn as a dash at its height
        alt.Chart(halves)
        .mark_bar(opacity=0.85, binSpacing=1)
        .encode(
            x=alt.X("x0:Q", title=score_title),
            x2="x1:Q",
            # six ticks: the legend and x axis leave the bars about 170 px ('65 60 55 ... 0')
            y=alt.Y(
                "n:Q", title=t("common.cases"), stack=None, axis=charts.count_axis(tickCount=6)
            ),
            y2=alt.datum(0),
            color=alt.Color("phase_label:N", title="", scale=_phase_scale()),
            tooltip=charts.tips(("phase_label:N", ""), "bin_start:Q", "bin_end:Q", "n:Q"),
        )
    )
    return _layer(bars, _cutoff_rule(cutoff, "x", score_title)).properties(
        height=charts.CHART_HEIGHT
    )


def category_label(code: str, language: str | None = None) -> str:
    return i18n.code_label("reliable_change", code, language)


def category_labels(codes: pl.Series) -> pl.Series:
    """`category_label` of each code (nulls stay null) as the column `category_label`: each
    distinct code looked up once (thousands of points, a handful of codes)."""
    return i18n.labelled(codes, category_label).alias("category_label")


def categories(frame: pl.DataFrame) -> alt.Chart:
    """Stacked bars: cases in each change category, one row per measure (and group).

    One view, not a facet per measure: a faceted chart keeps a fixed cell width (its bars
    stopped at about 60 % of the page); a single view stretches to the page's width."""
    language = i18n.lang()
    measures = [m for m in MEASURES if m in frame["measure"].to_list()]
    one_group = frame["group_value"].n_unique() == 1
    kept = frame.filter(~pl.col("suppressed"))
    shown = kept.with_columns(
        i18n.labelled(kept["category"], lambda c: category_label(c, language))
        .alias("category_label"),
        pl.col("measure").replace_strict({k: t(v) for k, v in MEASURES.items()})
        .alias("measure_label"),
        pl.col("category").replace_strict({c: i for i, c in enumerate(CATEGORY_ORDER)},
                                          default=9).alias("category_order"),
    )  # fmt: skip
    shown = shown.with_columns(
        (pl.col("measure_label") if one_group
         else pl.concat_str("measure_label", pl.lit(" · "), "group_label")).alias("row_label")
    )  # fmt: skip
    charts.check_points(shown)
    labels = [category_label(c) for c in CATEGORY_ORDER]
    scale = charts.color_scale(
        labels, {category_label(c): CATEGORY_COLORS[c] for c in CATEGORY_ORDER}
    )
    rows = [  # measure by measure, the groups in the order the frame gives
        label
        for m in measures
        for label in shown.filter(pl.col("measure") == m)["row_label"].unique(maintain_order=True)
    ]
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y("row_label:N", title="", sort=rows),
            x=alt.X("n:Q", title=t("common.cases"), axis=charts.count_axis()),
            color=alt.Color("category_label:N", title="", scale=scale, sort=labels),
            order=alt.Order("category_order:Q"),
            tooltip=charts.tips(
                ("measure_label:N", ""), ("group_label:N", ""), ("category_label:N", ""), "n:Q"
            ),
        )
        .properties(height=charts.row_height())
    )
