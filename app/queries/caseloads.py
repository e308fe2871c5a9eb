"""Caseloads (Forløb og kapacitet): cases per municipality over time, workers and loans.

All counts are over `scoped_cases`, so the sidebar filters (gender, age band, worker, ...) and the
viewer's scope apply. `mart.caseload_monthly` has the monthly counts only per municipality x month
x case type, so it cannot follow a gender or worker filter; `monthly` adds up `mart.case_months`,
the same rules case by case (active: started by the month's last day and not ended before its
first; new: started in the month; closed: ended in the month).

- `monthly(scope, filters)`: municipality x month x case type in the period: active, new, closed.
- `cases_in_period(scope, filters)`: cases active in the period (the n under the charts).
- `ranking(scope, filters)`: cases active on the last day of the period, per municipality.
- `worker_load(scope, filters)`: workers per band of active cases on the period's last day.
- `worker_list(scope, filters)`: those workers by name (case level).
- `loans(scope, filters)`: cases active in the period lent from one municipality to another.
- `totals(scope, filters)`: the n under the ranking, cases-per-worker and loans charts.
- `workers(scope, filters)`: the workers by name (case level); `workers_summary`: per municipality.

Counts carry their cell key and outside count (`app.queries.counted`), so app/suppression.py can
perturb them and hide what the viewer could work out by subtracting their own exact figures.
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.queries import with_counts
from app.scope import Scope

# a case active on the period's last day, and at some time in the period (the warehouse's rule)
_AT_END = "mart.is_active_between(c.start_date, c.end_date, $period_end::date, $period_end::date)"
_IN_PERIOD = (
    "mart.is_active_between(c.start_date, c.end_date, $period_start::date, $period_end::date)"
)


def _rules(sql: str) -> str:
    """`sql` with the period rules filled in (code constants, no values)."""
    return sql.replace("{rule_at_end}", _AT_END).replace("{rule_in_period}", _IN_PERIOD)


MEASURES = ("active_cases", "new_cases", "closed_cases")
# cases per worker: a bar per number of cases where the view is exact or only hides small
# figures, bands of five where counts are perturbed (a worker count per single number of cases
# would give the exact number of cases beside their perturbed count); at most LOAD_CAP ('25+')
LOAD_CAP = 25
EXACT_STEP, PERTURBED_STEP = 1, 5

MONTHLY_SQL = """
counted as (
    -- grain: one row per municipality x month x case type with an active case
    select
        c.municipality_code,
        any_value(c.municipality_name) as municipality_name,
        m.month,
        c.case_type,
        {active_cases}
        {new_cases}
        {closed_cases}
    from mart.case_months as m
    inner join scoped_cases as c on c.case_id = m.case_id
    where m.month between date_trunc('month', $period_start::date)
        and date_trunc('month', $period_end::date)
    group by c.municipality_code, m.month, c.case_type
)
select
    *,
    -- the two case types add up to the municipality's month, shown as the stack's height
    municipality_code || '|' || month as total_group,
from counted
order by municipality_name, month, case_type
"""
MONTHLY_SQL = with_counts(
    MONTHLY_SQL,
    active_cases="true",
    new_cases="m.is_new",
    closed_cases="m.is_closed",
)


def monthly(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Active, new and closed cases per municipality, month and case type (each suppressed)."""
    rules = [
        data.Rule(count=m, total_group="total_group", flag=f"{m}_suppressed") for m in MEASURES
    ]
    return data.run("with " + MONTHLY_SQL.strip(), scope=scope, filters=filters, suppress=rules)


RANKING_SQL = """
-- cases active on the last day of the period; grain: one row per municipality
select
    c.municipality_code,
    any_value(c.municipality_name) as municipality_name,
    {active_cases}
    -- the municipalities add up to the view's cases at the period's end, shown under the chart
    'all' as total_group,
from scoped_cases as c
where {rule_at_end}
group by c.municipality_code
order by active_cases desc, municipality_name
"""
RANKING_SQL = _rules(RANKING_SQL)
RANKING_SQL = with_counts(RANKING_SQL, active_cases="true")


def ranking(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Municipalities by cases active at the end of the period (hidden when 1-4)."""
    return data.run(
        RANKING_SQL,
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="active_cases", total_group="total_group"),
    )


ACTIVE_IN_PERIOD_SQL = """
-- cases active at some time in the period; grain: one row
select {cases}
from scoped_cases as c
where {rule_in_period}
"""
ACTIVE_IN_PERIOD_SQL = _rules(ACTIVE_IN_PERIOD_SQL)
ACTIVE_IN_PERIOD_SQL = with_counts(ACTIVE_IN_PERIOD_SQL, cases="true")


def cases_in_period(scope: Scope, filters: Filters) -> int | None:
    """How many cases were active in the period (None when 1-4: hidden)."""
    frame = data.run(
        ACTIVE_IN_PERIOD_SQL, scope=scope, filters=filters, suppress=data.Rule(count="cases")
    )
    return frame["cases"][0]


WORKER_LOAD_SQL = """
per_worker as (
    -- grain: one row per worker with an active case at the end of the period
    select c.worker_id, {cases}
    from scoped_cases as c
    where {rule_at_end}
        and c.worker_id is not null
    group by c.worker_id
),
banded as (
    -- each worker's band: $band_step numbers of cases from band_start, at most $load_cap
    select
        least(cases // $band_step * $band_step, $load_cap) as band_start,
        cases,
        cases_key,
        cases_outside,
    from per_worker
),
grouped as (
    -- grain: one row per band with workers
    select
        band_start,
        count(*) as workers,
        sum(cases)::bigint as cases,
        sum(cases_key)::bigint as cases_key,
        sum(cases_outside)::bigint as cases_outside,
    from banded
    group by band_start
),
bins as (
    -- every band from the first to the busiest worker's (none for 0 cases), so that a band
    -- without workers is a bar of 0, not a missing label
    select b.range * $band_step as band_start
    from range(0, coalesce((select max(band_start) from banded) // $band_step + 1, 0)) as b
    where b.range * $band_step > 0 or $band_step > 1
)
-- grain: one row per band ('1-4', '5-9' or '3'; '25+'), in order
select
    case
        when i.band_start >= $load_cap then $load_cap || '+'
        when $band_step = 1 then i.band_start::varchar
        else greatest(i.band_start, 1) || '-' || (i.band_start + $band_step - 1)
    end as band,
    i.band_start // $band_step as band_order,
    coalesce(g.workers, 0) as workers,
    coalesce(g.cases, 0) as cases,
    coalesce(g.cases_key, 0) as cases_key,
    coalesce(g.cases_outside, 0) as cases_outside,
    -- the bands with workers add up to the cases with a worker, shown under the chart (a band
    -- of none is no part: it hides nothing, so it may not stand in for a hidden one)
    case when g.band_start is not null then 'all' end as total_group,
from bins as i
left join grouped as g on g.band_start = i.band_start
order by band_order
"""
WORKER_LOAD_SQL = _rules(WORKER_LOAD_SQL)
WORKER_LOAD_SQL = with_counts(WORKER_LOAD_SQL, cases="true")


def load_step(scope: Scope, filters: Filters) -> int:
    """How many numbers of cases one bar of cases per worker spans in this view: one, unless
    the view's counts are perturbed (`data.treatment`)."""
    return PERTURBED_STEP if data.treatment(scope, filters).perturb else EXACT_STEP


def worker_load(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Workers per number (or band, `load_step`) of active cases, in order (`band_order`); a
    bar is hidden when built from 1-4 cases."""
    return data.run(
        "with " + WORKER_LOAD_SQL.strip(),
        {"band_step": load_step(scope, filters), "load_cap": LOAD_CAP},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="cases", values=("workers",), total_group="total_group"),
    )


WORKER_LIST_SQL = """
-- the viewer's workers, active cases at the end of the period; grain: one row per worker
select
    c.worker_id,
    w.name,
    any_value(c.municipality_name) as municipality_name,
    count(*) as active_cases,
from scoped_cases as c
left join scoped_workers as w on w.worker_id = c.worker_id
where {rule_at_end}
    and c.worker_id is not null
group by c.worker_id, w.name
order by active_cases desc, w.name, c.worker_id
"""
WORKER_LIST_SQL = _rules(WORKER_LIST_SQL)


def worker_list(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Workers by name with their active cases (case level: names only in the viewer's area)."""
    return data.run(WORKER_LIST_SQL, scope=scope, filters=filters, level="case")


LOANS_SQL = """
-- cases active in the period lent between municipalities; grain: one row per lender x borrower
select
    c.lent_from_municipality_code,
    coalesce(m.municipality_name, c.lent_from_municipality_code) as lent_from_name,
    c.municipality_code,
    any_value(c.municipality_name) as municipality_name,
    {cases}
    -- the pairs add up to the lent cases of the period, shown under the chart
    'all' as total_group,
from scoped_cases as c
left join ref.municipalities as m on m.municipality_code = c.lent_from_municipality_code
where c.is_loan
    and {rule_in_period}
group by c.lent_from_municipality_code, m.municipality_name, c.municipality_code
order by cases desc, lent_from_name, municipality_name
"""
LOANS_SQL = _rules(LOANS_SQL)
LOANS_SQL = with_counts(LOANS_SQL, cases="true")


def loans(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Who lends to whom: cases per lending and borrowing municipality (hidden when 1-4)."""
    return data.run(
        LOANS_SQL,
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="cases", total_group="total_group"),
    )


TOTALS = ("at_end", "at_end_with_worker", "lent_in_period")
TOTALS_SQL = """
-- the totals the charts' captions give (each a protected figure of its own); grain: one row
select
    {at_end}
    {at_end_with_worker}
    {lent_in_period}
from scoped_cases as c
"""
TOTALS_SQL = with_counts(
    TOTALS_SQL,
    at_end=_AT_END,
    at_end_with_worker=_AT_END + " and c.worker_id is not null",
    lent_in_period=_IN_PERIOD + " and c.is_loan",
)


def totals(scope: Scope, filters: Filters) -> dict[str, int | None]:
    """The n under the ranking, the cases-per-worker and the loans chart (None when hidden).

    A caption's n is the total of every row of its chart, hidden rows included, published like
    any figure: a sum of the bars shown would carry the hidden rows' count into the caption.
    """
    frame = data.run(
        TOTALS_SQL,
        scope=scope,
        filters=filters,
        suppress=[data.Rule(count=name, flag=f"{name}_suppressed") for name in TOTALS],
    )
    return {name: frame[name][0] for name in TOTALS}


_AREA = """
area as (
    -- the municipalities in view: those of the viewer's filtered cases; grain: one per code
    select distinct municipality_code from scoped_cases
)"""

WORKERS_SQL = (
    "with "
    + _AREA.strip()
    + """
-- the workers of those municipalities (a worker sees only their own row); grain: one per worker
select
    w.worker_id,
    w.name,
    m.municipality_name,
    w.role,
    w.trained_on,
    w.active,
    w.languages,
    w.active_cases,
    w.cases_total,
    w.lent_cases,
from scoped_workers as w
inner join area as a on a.municipality_code = w.municipality_code
left join ref.municipalities as m on m.municipality_code = w.municipality_code
order by m.municipality_name, w.active desc, w.name, w.worker_id
"""
)


def workers(scope: Scope, filters: Filters) -> pl.DataFrame:
    """The workers' overview by name (case level)."""
    return data.run(WORKERS_SQL, scope=scope, filters=filters, level="case")


WORKERS_SUMMARY_SQL = (
    "with "
    + _AREA.strip()
    + """
-- workers per municipality, without names; grain: one row per municipality
select
    w.municipality_code,
    any_value(m.municipality_name) as municipality_name,
    count(*) as workers,
    count(*) filter (where w.active) as active_workers,
    count(*) filter (where w.trained_on is not null) as trained_workers,
    sum(w.active_cases)::bigint as active_cases,
    sum(w.active_cases) / nullif(count(*) filter (where w.active), 0) as cases_per_active_worker,
from scoped_workers as w
inner join area as a on a.municipality_code = w.municipality_code
left join ref.municipalities as m on m.municipality_code = w.municipality_code
group by w.municipality_code
order by municipality_name
"""
)


def workers_summary(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Workers, active and trained workers, and current caseload per municipality."""
    return data.run(
        WORKERS_SUMMARY_SQL,
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="active_cases", values=("cases_per_active_worker",)),
    )


def is_empty(frame: pl.DataFrame) -> bool:
    """No case is active in any month of the period for these filters."""
    return frame.is_empty()
