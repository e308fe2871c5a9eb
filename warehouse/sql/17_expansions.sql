-- Staging views that expand the compact per-case tables of 15_materialised.sql into their
-- rows when a query reads them, instead of a load writing those rows into the file (issue 7:
-- writing staging.fidelity_gaps, about nine rows per case, as a table cost a load more than
-- computing it; as a view over one row per case it costs the fidelity page's gaps chart a few
-- list operations per case). Same name, columns and rows as the table it was; the public view
-- over it is mart.fidelity_gaps (20_mart.sql). staging.case_months stays a table
-- (15_materialised.sql): read by the overview's, caseloads' and fidelity's monthly queries, joined
-- by case and month, it cost those pages up to twice the CPU as a view.

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
