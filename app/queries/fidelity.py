"""Metodefidelitet / Fidelity: the method's "every second month" rule (mart.fidelity).

The cohort is the cases active at some time in the sidebar period. The cadence limit (61 days)
is read from the warehouse (`mart.constants`), where the rule is written once.

- `monthly(scope, filters)`: grain one row per month of the period: `month, n_cases (active that
  month), k_on_cadence, share`. A case is on cadence in a month when no gap so far, up to the
  month's end, is longer than the limit (`mart.fidelity_case_months.is_on_cadence`, the rule of
  mart.fidelity_monthly and the control chart); in a case's last month it equals the whole-case
  `mart.fidelity.on_cadence` that `by_group` counts. The two differ on purpose: the headline
  counts each case of the period once, over its whole period; the line counts the cases active
  in each month, up to that month (the page's labels say which is which).
- `by_group(scope, filters, group)`: grain one row per group plus a total row (`group_code`
  null): cases, on cadence (mart.fidelity.on_cadence over the whole case), new cases with a
  pre measurement, ended cases with a post measurement, active overdue cases. `worker` is case
  level (names); the others are aggregates, suppressed.
- `funnel_plot(scope, filters, indicator, unit, overdispersion)`: the funnel (app/funnel.py) of
  the share on cadence or of new cases with a pre measurement, by municipality (the whole
  country, the filter's municipalities marked: `app.queries.fit_funnel`) or worker.
- `control_chart(scope, filters, municipality)`: the monthly on-cadence share (the rule is
  mart.fidelity_case_months, which mart.fidelity_monthly adds up) of the viewer's cases, or of
  one municipality, every month up to the period's end, as an XmR chart (warehouse.stats.spc).
- `gaps(scope, filters)`: grain one row per kind x 15-day bin of mart.fidelity_gaps: the days
  between measurements (`between`), from start to the first (`start`) and from the last to the
  end or as-of (`end`).
"""

from __future__ import annotations

import polars as pl

from app import data, funnel
from app.filters import Filters
from app.queries import (
    CASE_LEVEL_SPLITS,
    WORKER_LABEL_SQL,
    allowed_splits,
    fit_funnel,
    with_counts,
)
from app.queries.fidelity_sql import (  # the report's too (no Streamlit there)
    FUNNEL_INDICATORS,  # noqa: F401 (the indicators funnel_plot takes, as prepost names its own)
    IS_NEW_SQL,
    funnel_sql,
    with_cohort,
)
from app.scope import Scope
from warehouse.stats import Spc, spc

# group name -> SQL expressions (code, label) over scoped_cases `s` and scoped_workers `w`
GROUPS = {
    "municipality": ("s.municipality_code", "s.municipality_name"),
    "case_type": ("s.case_type", "s.case_type"),
    "gender": ("s.gender", "s.gender"),
    "age_band": ("s.age_band", "s.age_band"),
    "worker": ("s.worker_id", WORKER_LABEL_SQL),
}
# a higher share on cadence is better (warehouse.stats.spc's `improvement`)
ON_CADENCE_IMPROVEMENT = "up"
BIN_DAYS = 15
LAST_BIN = 180  # gaps of 180 days or more share the last bar

MONTHLY_SQL = """
-- share of each month's active cases on cadence so far (mart.fidelity_case_months: no gap up to the
-- month's end longer than the limit); grain: one row per month of the period
select
    m.month,
    {n_cases}
    {k_on_cadence}
    count(*) filter (where m.is_on_cadence) / count(*) as share,
from mart.fidelity_case_months as m
inner join cohort as c on c.case_id = m.case_id
where m.month between date_trunc('month', $period_start::date)
    and date_trunc('month', $period_end::date)
group by m.month
order by month
"""
MONTHLY_SQL = with_counts(MONTHLY_SQL, n_cases="true", k_on_cadence="m.is_on_cadence")

BY_GROUP_SQL = """
flags as (
    -- what each cohort case counts towards; grain: one row per case
    select
        {code} as group_code,
        {label} as group_label,
        s.case_id,
        s.record_key,
        s.is_exact,
        s.on_cadence,
        {is_new} as is_new,
        mart.is_ended_between(s.status, s.end_date, $period_start::date, $period_end::date)
            as is_ended,
        s.has_pre,
        s.has_post,
        s.overdue,
    from cohort as s
    left join scoped_workers as w on w.worker_id = s.worker_id
)

-- fidelity per group and in total (group_code null); grain: one row per group, plus the total
select
    group_code,
    case when grouping(group_code) = 0 then any_value(group_label) end as group_label,
    grouping(group_code) = 1 as is_total,
    {n_cases}
    {k_on_cadence}
    {n_new}
    {k_pre}
    {n_ended}
    {k_post}
    {n_overdue}
    count(*) filter (where on_cadence) / count(*) as share_on_cadence,
    count(*) filter (where is_new and has_pre) / nullif(count(*) filter (where is_new), 0)
        as share_pre,
    count(*) filter (where is_ended and has_post) / nullif(count(*) filter (where is_ended), 0)
        as share_post,
    -- the groups add up to the total row shown beside them
    case when grouping(group_code) = 0 then 'groups' end as total_group,
from flags as c
group by grouping sets ((group_code), ())
order by is_total, group_label
"""

BY_GROUP_SQL = with_counts(
    BY_GROUP_SQL,
    n_cases="true",
    k_on_cadence="c.on_cadence",
    n_new="c.is_new",
    k_pre="c.is_new and c.has_pre",
    n_ended="c.is_ended",
    k_post="c.is_ended and c.has_post",
    n_overdue="c.overdue",
)

GAPS_SQL = """
binned as (
    -- the gaps of each case (mart.fidelity_gaps) per 15-day bin (the last bin holds everything
    -- from 180 days); grain: one row per kind x bin x case
    select
        g.kind,
        least(g.days // $bin_days * $bin_days, $last_bin) as bin_start,
        g.case_id,
        any_value(c.record_key) as record_key,
        any_value(c.is_exact) as is_exact,
        count(*) as n_gaps,
    from mart.fidelity_gaps as g
    inner join cohort as c on c.case_id = g.case_id
    group by g.kind, bin_start, g.case_id
)

-- gaps and the cases they belong to per bin; grain: kind x bin
select
    kind,
    bin_start,
    bin_start + $bin_days as bin_end,
    sum(n_gaps)::bigint as n_gaps,
    {n_cases}
    kind as total_group,
from binned as c
group by kind, bin_start
order by kind, bin_start
"""
GAPS_SQL = with_counts(GAPS_SQL, n_cases="true")


def cadence_days() -> int:
    """The cadence limit in days, as the warehouse defines it."""
    frame = data.run_meta("select cadence_days from mart.constants")
    return int(frame["cadence_days"][0])


def groups(scope: Scope) -> list[str]:
    """The groupings this viewer may choose (single workers only for case-level viewers)."""
    return allowed_splits(GROUPS, scope)


def monthly(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Share of each month's active cases on cadence (see module docstring)."""
    if filters.period_start is None:
        return pl.DataFrame()
    return data.run(
        with_cohort(MONTHLY_SQL),
        scope=scope,
        filters=filters,
        suppress=data.Rule(
            count="n_cases", values=("share",), numerator="k_on_cadence", ratio="share"
        ),
    )


def by_group(scope: Scope, filters: Filters, group: str = "municipality") -> pl.DataFrame:
    """Fidelity per group and in total (see module docstring); suppressed per figure."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    code, label = GROUPS[group]
    return data.run(
        with_cohort(BY_GROUP_SQL.format(code=code, label=label, is_new=IS_NEW_SQL)),
        scope=scope,
        filters=filters,
        level="case" if group in CASE_LEVEL_SPLITS else "aggregate",
        suppress=[
            data.Rule(count="n_cases", values=("share_on_cadence",), numerator="k_on_cadence",
                      total_group="total_group", flag="suppressed", ratio="share_on_cadence"),
            data.Rule(count="n_new", values=("share_pre",), numerator="k_pre",
                      total_group="total_group", flag="pre_suppressed", ratio="share_pre"),
            data.Rule(count="n_ended", values=("share_post",), numerator="k_post",
                      total_group="total_group", flag="post_suppressed", ratio="share_post"),
            data.Rule(count="n_overdue", total_group="total_group", flag="overdue_suppressed"),
        ],
    )  # fmt: skip


def gaps(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Gaps between measurements in 15-day bins (see module docstring)."""
    return data.run(
        with_cohort(GAPS_SQL),
        {"bin_days": BIN_DAYS, "last_bin": LAST_BIN},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases", values=("n_gaps",), total_group="total_group"),
    )


def funnel_plot(
    scope: Scope,
    filters: Filters,
    indicator: str = "on_cadence",
    unit: str = "municipality",
    overdispersion: bool = True,
) -> funnel.Funnel:
    """The funnel of one fidelity share (on cadence, or new cases with a pre measurement) by
    municipality (the country, the filter's marked) or worker (`app.queries.fit_funnel`)."""
    return fit_funnel(funnel_sql(indicator, unit), None, scope=scope, filters=filters, unit=unit,
                      overdispersion=overdispersion, run=data.run)  # fmt: skip


CONTROL_SQL = """
-- the monthly on-cadence share of the viewer's cases (or one municipality's), every month up to
-- the period's end: an XmR chart needs the months before the period as its baseline;
-- grain: one row per month
select
    m.month,
    {n_cases}
    {k_on_cadence}
    count(*) filter (where m.is_on_cadence) / count(*) as share,
from mart.fidelity_case_months as m
inner join scoped_cases as s on s.case_id = m.case_id
where ($municipality::varchar is null or s.municipality_code = $municipality::varchar)
    and ($period_end::date is null or m.month <= $period_end::date)
group by m.month
order by m.month
"""
# counts with their cell keys: perturbed where the view is protected, the share worked out again
CONTROL_SQL = with_counts(CONTROL_SQL, case="s", n_cases="true", k_on_cadence="m.is_on_cadence")


def _point_variation(direction: str | None, improvement: str) -> str:
    """A point's colour class: special cause pointing the good way, the bad way, or neither."""
    if direction is None:
        return "common_cause"
    return "improvement" if (direction == "high") == (improvement == "up") else "concern"


def control_chart(
    scope: Scope,
    filters: Filters,
    municipality: str | None = None,
    target: float | None = None,
) -> tuple[pl.DataFrame, Spc | None]:
    """The monthly share on cadence as an XmR chart: one row per shown month (`month, n_cases,
    k_on_cadence, value, mean, lower, upper, variation`) and the chart's result (None with fewer
    than two shown months). Hidden months (1-4 cases, or 1-4 on or off cadence) are left out."""
    frame = data.run(
        CONTROL_SQL,
        {"municipality": municipality},
        scope=scope,
        filters=filters,
        suppress=data.Rule(
            count="n_cases", values=("share",), numerator="k_on_cadence", ratio="share"
        ),
    )
    shown = frame.filter(~pl.col("suppressed") & pl.col("share").is_not_null())
    if shown.height < 2:
        return shown.rename({"share": "value"}), None
    result = spc(shown["share"], improvement=ON_CADENCE_IMPROVEMENT, target=target)
    points = shown.select("month", "n_cases", "k_on_cadence", pl.col("share").alias("value"))
    return points.with_columns(
        pl.lit(result.mean).alias("mean"),
        pl.lit(result.lower).alias("lower"),
        pl.lit(result.upper).alias("upper"),
        pl.Series("variation", [_point_variation(p.direction, ON_CADENCE_IMPROVEMENT)
                                for p in result.points], dtype=pl.String),
    ), result  # fmt: skip
