"""Metodefidelitet / Fidelity: measured every second month, gaps, pre/post (overdue cases are on
the attention page)."""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import components, data, i18n, indicator_parts
from app.i18n import t
from app.page_charts import fidelity as fc
from app.page_charts import indicators as ic
from app.queries import fidelity as q

GAP_KINDS = {
    "start": "pages.fidelity.gap_kinds.start",
    "between": "pages.fidelity.gap_kinds.between",
    "end": "pages.fidelity.gap_kinds.end",
}
ATTENTION_NOTE = "pages.fidelity.attention_note"
ON_CADENCE = "pages.fidelity.on_cadence"
TABS = "fidelity_tabs"  # the page's section tabs (components.sections)

TABLE_COLUMNS = {
    "label": components.GROUP_COLUMN,
    "n_cases": "common.cases",
    "on_cadence": "pages.fidelity.on_cadence",
    "n_new": "common.new_cases",
    "pre": "pages.fidelity.table_columns.pre",
    "n_ended": "common.n_ended",
    "post": "pages.fidelity.table_columns.post",
    "n_overdue": "pages.fidelity.table_columns.n_overdue",
}


def _group_label(group: str, row: dict) -> str:
    if row["is_total"]:
        return t("common.total")
    coded = group in i18n.CODED_SPLITS
    return i18n.group_label(group, row["group_code"] if coded else row["group_label"] or None)


def _share_text(row: dict, share: str, flag: str) -> str:
    return components.value_text(row[share], row[flag], "pct", row[f"{flag}_by"])


def _count_text(row: dict, count: str, flag: str) -> str:
    return components.value_text(row[count], row[flag], "int", row[f"{flag}_by"])


def _country_total(scope, filters) -> dict | None:
    """The country's headline row beside a municipality's (None when the view is the country)."""
    country = data.country(scope, filters)
    if country is None:
        return None
    return q.by_group(scope, country, "municipality").filter(pl.col("is_total")).row(0, named=True)


def _figures(total: dict, monthly: pl.DataFrame, limit: int, country: dict | None) -> None:
    def beside(share: str, flag: str, count: bool = False) -> str | None:
        if country is None:
            return None
        shown = _count_text if count else _share_text
        return components.beside_country(shown(country, share, flag))

    first, second, third, fourth = components.card_row(4, key="fidelity_cards")
    with first:
        components.figure(
            i18n.t("on_cadence_card"),
            _share_text(total, "share_on_cadence", "suppressed"),
            trend=monthly["share"].to_list() if monthly.height else None,
            help=t("pages.fidelity.share_of_the_period_s_2", d=limit),
            border=False,
            beside=beside("share_on_cadence", "suppressed"),
        )
    with second:
        components.figure(
            t("common.new_cases_with_a_pre"),
            _share_text(total, "share_pre", "pre_suppressed"),
            help=t("pages.fidelity.a_valid_pre_measurement_of"),
            border=False,
            beside=beside("share_pre", "pre_suppressed"),
        )
    with third:
        components.figure(
            t("pages.fidelity.ended_cases_with_a_post"),
            _share_text(total, "share_post", "post_suppressed"),
            help=t("pages.fidelity.a_valid_post_measurement_of"),
            border=False,
            beside=beside("share_post", "post_suppressed"),
        )
    with fourth:
        components.figure(
            t("pages.fidelity.active_cases_overdue"),
            _count_text(total, "n_overdue", "overdue_suppressed"),
            help=t("pages.fidelity.active_cases_with_no_progression_2", d=limit),
            border=False,
            beside=beside("n_overdue", "overdue_suppressed", count=True),
        )


# the n of a monthly chart is its largest month's cases (a case counts in every month it is
# active, so the months do not add up); said so, as it is less than the period's active cases
BUSIEST_MONTH = "pages.fidelity.busiest_month"


def _monthly_section(monthly: pl.DataFrame, limit: int, filters) -> None:
    st.subheader(t("pages.fidelity.on_cadence_by_month"))
    if not monthly.height:
        components.no_match()
        return
    chart = fc.monthly_share(
        monthly, y_title=i18n.t("on_cadence_monthly"), period=(filters.from_month, filters.to_month)
    )
    shown = monthly.filter(~pl.col("suppressed"))["n_cases"]  # a shown month's own figure
    n_cases = int(shown.max()) if shown.len() else None
    components.chart_block(
        chart,
        monthly.select("month", "n_cases", "k_on_cadence", "share", "suppressed"),
        t("pages.fidelity.each_point_is_the_share_2", d=limit),
        n_cases,
        key="fidelity_monthly",
        unit=BUSIEST_MONTH,
        hidden="pages.fidelity.each_point_is_the_share_2_hidden",
    )


def _group_section(scope, filters, limit: int) -> None:
    st.subheader(t("pages.fidelity.by_group"))
    group = st.selectbox(
        t("pages.fidelity.group_by"),
        q.groups(scope),
        format_func=i18n.split_label,
        key="fidelity_group",
    )
    frame = q.by_group(scope, filters, group)
    rows = list(frame.iter_rows(named=True))
    frame = frame.with_columns(
        pl.Series("label", [_group_label(group, row) for row in rows], dtype=pl.String),
        pl.Series("text", [_share_text(row, "share_on_cadence", "suppressed") for row in rows],
                  dtype=pl.String),
    )  # fmt: skip
    groups, total = (
        frame.filter(~pl.col("is_total")),
        frame.filter(pl.col("is_total")).row(0, named=True),
    )
    chart = fc.group_shares(
        groups.select("label", "share_on_cadence", "n_cases", "text"),
        None if total["suppressed"] else total["share_on_cadence"],
        x_title=t(ON_CADENCE),
    )
    components.chart_block(
        chart,
        groups.select("label", "n_cases", "k_on_cadence", "share_on_cadence", "suppressed"),
        t("pages.fidelity.each_bar_is_the_share", d=limit),
        None if total["suppressed"] else total["n_cases"],
        key="fidelity_groups",
        hidden="pages.fidelity.each_bar_is_the_share_hidden",
    )  # fmt: skip
    _group_table(frame, group)


def _group_table(frame: pl.DataFrame, group: str) -> None:
    rows = [
        {
            "label": row["label"],
            "n_cases": _count_text(row, "n_cases", "suppressed"),
            "on_cadence": _share_text(row, "share_on_cadence", "suppressed"),
            "n_new": _count_text(row, "n_new", "pre_suppressed"),
            "pre": _share_text(row, "share_pre", "pre_suppressed"),
            "n_ended": _count_text(row, "n_ended", "post_suppressed"),
            "post": _share_text(row, "share_post", "post_suppressed"),
            "n_overdue": _count_text(row, "n_overdue", "overdue_suppressed"),
        }
        for row in frame.iter_rows(named=True)
    ]
    shown = pl.DataFrame(rows).rename({c: t(label) for c, label in TABLE_COLUMNS.items()})
    # split by worker: a click on a worker's row opens their page (the total row opens nothing)
    by_worker = group == "worker"
    components.table(shown, key=f"fidelity_group_table_{group}",
                     opens="worker" if by_worker else None,
                     ids=frame["group_code"].to_list() if by_worker else None)  # fmt: skip
    components.suppression_note(
        any(frame[c].any() for c in frame.columns if c.endswith("suppressed"))
    )


FUNNELS = (
    ("on_cadence", ON_CADENCE, "fidelity_funnel_cadence"),
    ("pre", "common.new_cases_with_a_pre", "fidelity_funnel_pre"),
)


def _funnel_section(scope, filters) -> None:
    """Funnel plots of the two fidelity shares by municipality or worker (no league table)."""
    indicator_parts.funnel_section(
        scope,
        filters,
        heading="pages.fidelity.fair_comparison",
        key="fidelity_funnel",
        funnels=FUNNELS,
        fit=q.funnel_plot,
    )


VARIATION_POINTS = {
    "common_cause": "pages.fidelity.variation_points.common_cause",
    "improvement": "pages.fidelity.variation_points.improvement",
    "concern": "pages.fidelity.variation_points.concern",
}


def _control_options(scope, filters) -> dict[str | None, str]:
    """None (all the viewer's cases) and each municipality they may see as an aggregate."""
    everyone = (
        t("pages.fidelity.your_cases")
        if scope.role == "worker"
        else (
            t("pages.fidelity.the_whole_country")
            if not filters.municipalities
            else t("pages.fidelity.the_chosen_municipalities")
        )
    )
    options: dict[str | None, str] = {None: everyone}
    if scope.role != "worker":  # a worker counts only their own cases (data.run)
        names = data.filter_options(scope).municipalities
        chosen = filters.municipalities or tuple(names)
        options |= {code: names[code] for code in chosen if code in names}
    return options


def _control_section(scope, filters) -> None:
    st.subheader(t("pages.fidelity.control_chart_measured_every_second"))
    options = _control_options(scope, filters)
    left, right, _ = st.columns([2, 1, 1])
    chosen = left.selectbox(
        t("pages.fidelity.whose"), list(options), format_func=options.get, key="fidelity_spc_unit"
    )
    target = right.number_input(
        t("pages.fidelity.target_in_optional"),
        min_value=0,
        max_value=100,
        value=None,
        step=5,
        key="fidelity_spc_target",
    )
    points, result = q.control_chart(
        scope, filters, chosen, None if target is None else target / 100
    )
    if result is None:
        st.info(t("pages.fidelity.too_few_months_with_at"))
        return
    indicator_parts.status_badge(result.variation, result.assurance)
    if result.too_short:
        st.warning(t("pages.fidelity.fewer_than_12_months_the"))
    chart = ic.xmr_chart(
        points,
        y_title=t(ON_CADENCE),
        variation_labels={code: t(words) for code, words in VARIATION_POINTS.items()},
        limit_title=t("pages.fidelity.control_limit"),
        period=(filters.from_month, filters.to_month),
    )
    components.chart_block(
        chart,
        points,
        t("pages.fidelity.each_point_is_the_month", d=q.cadence_days()),
        int(points["n_cases"].max()),
        key="fidelity_control",
        unit=BUSIEST_MONTH,
        hidden="pages.fidelity.each_point_is_the_month_hidden",
    )


def _gap_section(scope, filters, limit: int, n_cases: int | None) -> None:
    st.subheader(t("pages.fidelity.gaps_between_measurements"))
    frame = q.gaps(scope, filters).with_columns(
        pl.col("kind").replace_strict({k: t(v) for k, v in GAP_KINDS.items()}).alias("label")
    )
    order = {kind: i for i, kind in enumerate(GAP_KINDS)}
    frame = frame.sort(pl.col("kind").replace_strict(order), "bin_start")
    chart = fc.gap_histogram(
        frame,
        limit,
        x_title=t("pages.fidelity.days_15_day_bins_last", b=q.LAST_BIN),
        y_title=t("pages.fidelity.gaps"),
        limit_label=t("pages.fidelity.d_days", d=limit),
    )
    components.chart_block(
        chart,
        frame.select("kind", "label", "bin_start", "bin_end", "n_gaps", "n_cases", "suppressed"),
        t("pages.fidelity.the_bars_count_gaps_by"),
        n_cases,
        key="fidelity_gaps",
        hidden="pages.fidelity.the_bars_count_gaps_by_hidden",
    )


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    limit = q.cadence_days()
    totals = q.by_group(scope, filters, "municipality").filter(pl.col("is_total"))
    if not totals.height or totals["n_cases"][0] == 0:
        components.no_match()
        return
    st.caption(t("pages.fidelity.cases_active_in_the_period", d=limit))
    total = totals.row(0, named=True)
    monthly = q.monthly(scope, filters)
    _figures(total, monthly, limit, _country_total(scope, filters))

    def over_time() -> None:
        _monthly_section(monthly, limit, filters)
        _control_section(scope, filters)

    n_cases = None if total["suppressed"] else total["n_cases"]
    components.sections(
        TABS,
        [
            ("pages.fidelity.tabs.time", over_time),
            ("pages.fidelity.tabs.groups", partial(_group_section, scope, filters, limit)),
            ("pages.fidelity.tabs.fair", partial(_funnel_section, scope, filters)),
            ("pages.fidelity.tabs.gaps", partial(_gap_section, scope, filters, limit, n_cases)),
        ],
    )
    st.caption(t(ATTENTION_NOTE))


components.run_page("page_fidelity", render)
