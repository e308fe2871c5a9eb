"""The leadership report's named queries: marts only (plus the load records), one municipality
and one period as bound parameters ($municipality, $start, $end). Grain on each first line.
The funnel is not here: it is the fidelity page's query (`app.queries.fidelity_sql`), counted as
in presentation mode (`reports.leadership.fitted_funnel`).
"""

MUNICIPALITY = """
-- the municipality and whether the warehouse holds any of its cases; grain: one row
select
    m.municipality_name,
    exists (select 1 from mart.cases as c where c.municipality_code = m.municipality_code)
        as has_cases,
from ref.municipalities as m
where m.municipality_code = $municipality
"""

COHORT = """
with cohort as (
    -- the municipality's cases active at some time in the period; grain: one row per case
    select *
    from mart.cases
    where municipality_code = $municipality
        and staging.is_active_between(start_date, end_date, $start::date, $end::date)
)
"""

TOTALS = (
    COHORT
    + """
-- the period's caseload; grain: one row
select
    count(*) as active_cases,
    count(*) filter (where start_date >= $start::date) as new_cases,
    count(*) filter (where end_date <= $end::date) as closed_cases,
    count(distinct worker_id) as active_workers,
from cohort
"""
)

MONTHLY = """
-- active, new and closed cases per month of the period (all case types); grain: one row per month
select
    month,
    sum(active_cases)::bigint as active_cases,
    sum(new_cases)::bigint as new_cases,
    sum(closed_cases)::bigint as closed_cases,
from mart.caseload_monthly
where municipality_code = $municipality and month between date_trunc('month', $start::date) and $end::date
group by month
order by month
"""

CHARACTERISTICS = (
    COHORT
    + """
-- who the citizens of the period are; grain: one row per split x value
select 'age_band' as split, age_band as value, count(*) as n_cases from cohort group by all
union all
select 'gender', gender, count(*) from cohort group by all
union all
select 'case_type', case_type, count(*) from cohort group by all
union all
select 'referred_by', referred_by, count(*) from cohort group by all
"""
)

# The monthly on-cadence counts of one municipality, from the warehouse's own rule
# (mart.fidelity_monthly, as the dashboard's control chart), for every month of the chart.
FIDELITY_MONTHLY = """
with
months as (
    -- grain: one row per month of the chart
    select cast(unnest(generate_series($chart_start::date, $end::date, interval 1 month)) as date)
        as month
)
-- grain: one row per month of the chart
select
    m.month,
    coalesce(f.active_cases, 0) as n_cases,
    coalesce(f.on_cadence_cases, 0) as k_on_cadence,
from months as m
left join mart.fidelity_monthly as f
    on f.month = m.month and f.municipality_code = $municipality
order by m.month
"""

FIDELITY_PERIOD = (
    COHORT  # noqa: S608 (two constant strings, no value in them)
    + """
-- the period's fidelity figures over the cohort (mart.fidelity, whole case); grain: one row per figure
, flags as (
    select f.*, c.status, c.start_date >= $start::date as is_new,
        c.status <> 'active' and c.end_date <= $end::date as is_ended,
    from cohort as c
    inner join mart.fidelity as f using (case_id)
)
select 'on_cadence' as figure, count(*) as n_cases, count(*) filter (where on_cadence) as k_cases,
from flags
union all
select 'has_pre', count(*), count(*) filter (where has_pre) from flags where is_new
union all
select 'has_post', count(*), count(*) filter (where has_post) from flags where is_ended
union all
select 'overdue', count(*) filter (where status = 'active'),
    count(*) filter (where overdue) from flags
"""
)

OUTCOMES = """
-- pre/post of the municipality's cases that ended in the period; grain: one row per case x instrument
select
    o.instrument,
    o.pre_score,
    o.post_score,
    o.reliable_change,
    o.clinical_change,
from mart.case_outcomes as o
inner join mart.cases as c on c.case_id = o.case_id
where c.municipality_code = $municipality and c.end_date between $start::date and $end::date
order by o.instrument desc
"""

MATCHING = (
    COHORT
    + """
-- worker gender against citizen gender for the period's cases; grain: one row per match
, matched as (
    select
        case
            when c.gender is null or w.gender is null then 'unknown'
            when c.gender = w.gender then 'same'
            else 'different'
        end as match,
        f.on_cadence,
        o.reliable_change,
    from cohort as c
    left join mart.workers as w on w.worker_id = c.worker_id
    left join mart.fidelity as f on f.case_id = c.case_id
    left join mart.case_outcomes as o
        on o.case_id = c.case_id and o.instrument = 'WHO5' and c.end_date <= $end::date
)
select
    match,
    count(*) as n_cases,
    count(*) filter (where on_cadence) as k_on_cadence,
    count(reliable_change) as n_outcomes,
    count(*) filter (where reliable_change = 'improved') as k_improved,
from matched
group by match
"""
)

LOADS = """
-- loads whose export date falls in the period; grain: one row
select count(*) as n_loads, max(exported_at) as last_export,
from etl.batches
where exported_at between $start::date and $end::date
"""

REJECTED = """
-- rows rejected by the period's loads, with what names their municipality; grain: one row per row
select
    r.table_name,
    r.reason_code,
    cast(r.raw_values as varchar) as raw_values,
    r.resolved_batch_id is not null as is_resolved,
from etl.rejected_rows as r
inner join etl.batches as b on b.batch_id = r.batch_id
where b.exported_at between $start::date and $end::date
"""

CASE_MUNICIPALITIES = """
-- which municipality each named case belongs to; grain: one row per case
select case_id, municipality_code from mart.cases where case_id in (select unnest($case_ids))
"""
