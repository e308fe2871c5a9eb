-- Staging views that expand the compact per-case tables of 15_materialised.sql into their
-- million rows when a query reads them, instead of a load writing those rows into the file (issue
-- 7: writing staging.case_months and staging.fidelity_gaps as tables cost a load more than
-- computing them; as views over one row per case they cost a page a few list operations per
-- case). Same names, columns and rows as the tables they were; the public views over them are
-- mart.case_months, mart.fidelity_case_months, mart.fidelity_monthly (30_indicators.sql) and
-- mart.fidelity_gaps (20_mart.sql).

-- purpose: each case in each calendar month it was active (up to the as-of month), whether it
-- started or ended that month (the rules of mart.caseload_monthly, case by case), and whether it
-- was on cadence that month (the on-cadence rule applied month by month: indicators.md section 3
-- charts it; its rule is staging.case_spans.off_cadence_from); grain: one row per case x active
-- month.
-- One view for both (mart.case_months and mart.fidelity_case_months read it).
create or replace view staging.case_months as
with

months as (
    select
        case_id,
        municipality_code,
        case_type,
        start_date,
        end_date,
        period_end,
        off_cadence_from,
        cast(unnest(generate_series(
            date_trunc('month', start_date),
            date_trunc('month', period_end),
            interval 1 month
        )) as date) as month
    from staging.case_spans
)

select
    case_id,
    municipality_code,
    case_type,
    month,
    month = date_trunc('month', start_date) as is_new,
    coalesce(month = date_trunc('month', end_date), false) as is_closed,
    least(last_day(month), period_end) < off_cadence_from as is_on_cadence
from months
where staging.is_active_between(start_date, end_date, month, last_day(month))
;

-- purpose: the gaps the cadence rule measures (mart.fidelity_gaps shows them), each labelled by
-- where it lies; grain: one row per
-- case x gap. Points are the case's period_start, its progression dates inside the period and
-- its period_end (as mart.fidelity, whose max_gap_days is the largest of these); `kind` is
-- 'start' (from the start to the first measurement), 'between' (two measurements) or 'end'
-- (from the last measurement, or from the start when there is none, to the end or as-of date).
-- The zero-day gap of a measurement on the start or end date is no gap and is left out.
create or replace view staging.fidelity_gaps as
with

-- the table of one row per case (15_materialised.sql), not the view staging.cases: each query of
-- this view reads it
cases as (
    select case_id, start_date, period_end from staging.case_spans
),

-- per case, all its points in date order (a NULL period_end last, where it ends no gap); a list
-- per case, cut into consecutive pairs, instead of a window over every point
points as (
    select
        cases.case_id,
        cases.start_date,
        cases.period_end,
        measured.case_id is null as has_no_measurement,
        list_sort(
            list_concat([cases.start_date], coalesce(measured.dates, []), [cases.period_end]),
            'ASC',
            'NULLS LAST'
        ) as points
    from cases
    left join staging.case_points as measured on cases.case_id = measured.case_id
),

gaps as (
    select
        case_id,
        start_date,
        period_end,
        has_no_measurement,
        -- two lists of one length unnest side by side: point i and point i + 1
        unnest(points[1:-2]) as gap_start,
        unnest(points[2:]) as gap_end
    from points
)

select
    case_id,
    gap_start,
    gap_end,
    gap_end - gap_start as days,
    case
        when gap_start = start_date and not (gap_end = period_end and has_no_measurement)
            then 'start'
        when gap_end = period_end then 'end'
        else 'between'
    end as kind
from gaps
where gap_end is not null
    and not (gap_end = gap_start and (gap_start = start_date or gap_end = period_end))
;
