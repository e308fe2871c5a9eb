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
-- charts it; its rule is staging.fidelity.off_cadence_from); grain: one row per case x active
-- month.
-- One view for both (mart.case_months and mart.fidelity_case_months read it).
-- The months are numbered (year * 12 + month - 1) while they are expanded: a range of integers
-- and comparisons of them cost a query a quarter of what a series of timestamps with the rules
-- asked of dates did. The months from the start month to the month of period_end (end_date, or
-- the as-of date when there is none) are exactly those staging.is_active_between holds for (it
-- started by the month's last day and had not ended before its first); a case is on cadence in
-- a month while least(last_day(month), period_end) < off_cadence_from, that is while the month
-- comes before the month of off_cadence_from, or in every month when period_end does.
create or replace view staging.case_months as
with

cases as (
    select
        case_id,
        municipality_code,
        case_type,
        year(period_start) * 12 + month(period_start) - 1 as start_month,
        year(end_date) * 12 + month(end_date) - 1 as end_month,
        year(period_end) * 12 + month(period_end) - 1 as last_month,
        case
            when period_end < off_cadence_from then year(period_end) * 12 + month(period_end)
            else year(off_cadence_from) * 12 + month(off_cadence_from) - 1
        end as off_cadence_month
    from staging.fidelity
),

months as (
    select
        *,
        unnest(range(start_month, last_month + 1)) as month_number
    from cases
)

select
    case_id,
    municipality_code,
    case_type,
    make_date(month_number // 12, month_number % 12 + 1, 1) as month,
    month_number = start_month as is_new,
    coalesce(month_number = end_month, false) as is_closed,
    month_number < off_cadence_month as is_on_cadence
from months
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
    select case_id, period_start as start_date, period_end from staging.fidelity
),

-- per case, its points in date order: the start, the progression dates inside the period
-- (sorted, none before the start or after period_end), period_end; each gap runs from one point to
-- the next, so the gap starts are the points but the last and the gap ends the points but the
-- first, two lists unnested side by side (no sort: they are in order, except when period_end
-- comes before the start, which leaves no date inside the period and one gap from period_end to
-- the start)
gaps as (
    select
        cases.case_id,
        cases.start_date,
        cases.period_end,
        measured.case_id is null as has_no_measurement,
        unnest(
            case
                when cases.period_end < cases.start_date then [cases.period_end]
                else list_concat([cases.start_date], coalesce(measured.dates, []))
            end
        ) as gap_start,
        unnest(
            case
                when cases.period_end < cases.start_date then [cases.start_date]
                else list_concat(coalesce(measured.dates, []), [cases.period_end])
            end
        ) as gap_end
    from cases
    left join staging.case_points as measured on cases.case_id = measured.case_id
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
