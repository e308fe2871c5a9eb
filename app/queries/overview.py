"""Overview: headline figures for the period and the one before it, and their monthly trends.

`figures(scope, filters) -> pl.DataFrame` (one query, so the heavy fidelity view runs once):
grain one row per period x figure, columns
`kind ('headline' | 'month'), period_key ('current' | 'previous' | 'YYYY-MM-DD'), month (date or
null), figure, n (cases the figure is built from), k (cases with the property, for shares), value,
total_group, suppressed`. Figures: FIGURES below.

`headline(frame)` and `trends(frame)` shape it for the page; the delta to the previous period is
only given when both periods are shown (a hidden previous value must not be recoverable from it).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from app import data
from app.filters import Filters, add_months
from app.queries import with_counts
from app.scope import Scope

# figure -> kind of value; order is the page's order
FIGURES = {
    "active": "int",
    "new": "int",
    "closed": "int",
    "mentor": "int",
    "parent_coach": "int",
    "on_cadence": "pct",
    "with_pre": "pct",
    "with_post": "pct",
    "who5_change": "number",
    "who5_improved": "pct",
}
TREND_MIN_MONTHS = 12

FIGURES_SQL = """
periods as (
    -- the two compared periods and the months of the trend; grain: one row per period
    select 'headline' as kind, 'current' as period_key, null::date as month,
        $period_start::date as p_start, $period_end::date as p_end, null as sum_bucket
    union all
    select 'headline', 'previous', null, $prev_start::date, $prev_end::date, null
    union all
    select
        'month',
        strftime(m, '%Y-%m-%d'),
        m,
        m,
        cast(m + interval 1 month - interval 1 day as date),
        case
            when m between $period_start and $period_end then 'current'
            when m between $prev_start and $prev_end then 'previous'
        end
    from (
        select cast(unnest(generate_series(
            $window_start::date, date_trunc('month', $period_end::date), interval 1 month
        )) as date) as m
    )
),

case_flags as (
    -- every case active in a period, with what it counts towards; grain: period x case
    select
        p.kind,
        p.period_key,
        p.month,
        p.sum_bucket,
        c.case_id,
        c.record_key,
        c.is_exact,
        c.case_type,
        c.start_date between p.p_start and p.p_end as is_new,
        mart.is_ended_between(c.status, c.end_date, p.p_start, p.p_end) as is_closed,
        -- a period counts each case over its whole period (mart.fidelity), a month the cases
        -- active in it up to its end (mart.fidelity_case_months): the card and its sparkline
        case when p.kind = 'month' then coalesce(cm.is_on_cadence, false) else f.on_cadence end
            as on_cadence,
        f.has_pre,
        f.has_post,
        o.change as who5_change,
        o.reliable_change = 'improved' as is_who5_improved,
    from periods as p
    left join scoped_cases as c
        on mart.is_active_between(c.start_date, c.end_date, p.p_start, p.p_end)
    left join mart.fidelity as f on f.case_id = c.case_id
    left join mart.fidelity_case_months as cm on cm.case_id = c.case_id and cm.month = p.month
    left join mart.case_outcomes as o on o.case_id = c.case_id and o.instrument = 'WHO5'
),

per_period as (
    -- grain: one row per period
    select
        kind,
        period_key,
        any_value(month) as month,
        any_value(sum_bucket) as sum_bucket,
        {active}
        {mentor}
        {parent_coach}
        {new}
        {closed}
        {on_cadence}
        {with_pre}
        {with_post}
        {who5_n}
        {who5_improved}
        avg(c.who5_change) filter (where c.is_closed) as who5_mean_change,
    from case_flags as c
    group by kind, period_key
),

figures as (
    -- grain: one row per period x figure
    select *, active as n, null::bigint as k, active::double as value, 'active' as figure,
        active_key as n_key, active_outside as n_outside, null::bigint as k_key,
        null::bigint as k_outside
    from per_period
    union all
    select *, mentor, null, mentor, 'mentor', mentor_key, mentor_outside, null, null
    from per_period
    union all
    select *, parent_coach, null, parent_coach, 'parent_coach', parent_coach_key,
        parent_coach_outside, null, null
    from per_period
    union all
    select *, new, null, new, 'new', new_key, new_outside, null, null from per_period
    union all
    select *, closed, null, closed, 'closed', closed_key, closed_outside, null, null
    from per_period
    union all
    select *, active, on_cadence, on_cadence / nullif(active, 0), 'on_cadence',
        active_key, active_outside, on_cadence_key, on_cadence_outside
    from per_period
    union all
    select *, new, with_pre, with_pre / nullif(new, 0), 'with_pre',
        new_key, new_outside, with_pre_key, with_pre_outside
    from per_period
    union all
    select *, closed, with_post, with_post / nullif(closed, 0), 'with_post',
        closed_key, closed_outside, with_post_key, with_post_outside
    from per_period
    union all
    select *, who5_n, null, who5_mean_change, 'who5_change', who5_n_key, who5_n_outside,
        null, null
    from per_period
    union all
    select *, who5_n, who5_improved, who5_improved / nullif(who5_n, 0), 'who5_improved',
        who5_n_key, who5_n_outside, who5_improved_key, who5_improved_outside
    from per_period
)

select
    kind,
    period_key,
    month,
    figure,
    n,
    k,
    value,
    n_key,
    n_outside,
    k_key,
    k_outside,
    case when figure = 'who5_change' then value end as mean_value,
    -- rows that add up to a total on screen: mentor + parent coach = active (per period), and
    -- the months of a compared period = that period's figure (for every additive figure)
    case
        when figure in ('mentor', 'parent_coach') then 'split|' || period_key
        when kind = 'month' and figure not in ('active', 'on_cadence')
            then figure || '|' || sum_bucket
    end as total_group,
from figures
order by kind, period_key, figure
"""


FIGURES_SQL = with_counts(
    FIGURES_SQL,
    active="true",
    mentor="c.case_type = 'mentor'",
    parent_coach="c.case_type = 'parent_coach'",
    new="c.is_new",
    closed="c.is_closed",
    on_cadence="c.on_cadence",
    with_pre="c.is_new and c.has_pre",
    with_post="c.is_closed and c.has_post",
    who5_n="c.is_closed and c.who5_change is not null",
    who5_improved="c.is_closed and c.is_who5_improved",
)


def _trend_start(filters: Filters) -> date | None:
    """The trend shows the compared periods, and at least the last twelve months."""
    prev_start, _ = filters.previous_period()
    if not (prev_start and filters.to_month):
        return None
    return min(prev_start, add_months(filters.to_month, 1 - TREND_MIN_MONTHS))


def figures(scope: Scope, filters: Filters) -> pl.DataFrame:
    """All overview figures, suppressed as the viewer's scope requires (see module docstring)."""
    frame = data.run(
        "with " + FIGURES_SQL.strip(),
        {"window_start": _trend_start(filters)},
        scope=scope,
        filters=filters,
        suppress=data.Rule(
            count="n",
            values=("value", "mean_value"),
            numerator="k",
            total_group="total_group",
            means=("mean_value",),
        ),
    )
    # a mean figure's value, rounded where counts are perturbed (Rule.means)
    mean = pl.col("figure").replace_strict(FIGURES, default="int") == "number"
    frame = frame.with_columns(
        pl.when(mean).then(pl.col("mean_value")).otherwise(pl.col("value")).alias("value")
    )
    return _values_from_counts(frame).select(
        "kind", "period_key", "month", "figure", "n", "k", "value", "total_group", "suppressed",
        "suppressed_by",
    )  # fmt: skip


def _values_from_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """A count figure's value is its (published) n, a share's is k / n: they follow the noise."""
    kind = pl.col("figure").replace_strict(FIGURES, default="int")
    return frame.with_columns(
        pl.when(kind == "int").then(pl.col("n").cast(pl.Float64))
        .when(kind == "pct").then(pl.col("k") / pl.when(pl.col("n") > 0).then(pl.col("n")))
        .otherwise(pl.col("value"))
        .alias("value")
    )  # fmt: skip


def headline(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per figure: value, hidden, previous, delta (null unless both periods shown), n."""
    rows = frame.filter(pl.col("kind") == "headline")
    current = rows.filter(pl.col("period_key") == "current")
    previous = rows.filter(pl.col("period_key") == "previous").select(
        "figure",
        pl.col("value").alias("previous"),
        pl.col("suppressed").alias("previous_hidden"),
        pl.col("suppressed_by").alias("previous_hidden_by"),
    )
    joined = current.join(previous, on="figure", how="left").with_columns(
        pl.when(~pl.col("suppressed") & ~pl.col("previous_hidden"))
        .then(pl.col("value") - pl.col("previous"))
        .alias("delta"),
        pl.col("figure").replace_strict(FIGURES, default="int").alias("value_kind"),
    )
    order = {figure: i for i, figure in enumerate(FIGURES)}
    return joined.sort(pl.col("figure").replace_strict(order, default=99)).select(
        "figure", "value_kind", "n", "k", "value", "suppressed", "suppressed_by", "previous",
        "previous_hidden",
        "delta",
    )  # fmt: skip


def trends(frame: pl.DataFrame) -> pl.DataFrame:
    """The monthly series: month, figure, n, value, suppressed (hidden months have null value)."""
    return (
        frame.filter(pl.col("kind") == "month")
        .select("month", "figure", "n", "k", "value", "suppressed", "suppressed_by")
        .sort("figure", "month")
    )


def is_empty(frame: pl.DataFrame) -> bool:
    """No case matches the filters at all (in the compared periods or the trend)."""
    actives = frame.filter(pl.col("figure") == "active")
    return bool((actives["n"].fill_null(1) == 0).all())
