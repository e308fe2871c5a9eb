-- The per-case results the public marts read: TABLES, rebuilt from these selects
-- inside every write of the warehouse (warehouse/db.py `refresh_materialised`, after the writer's
-- own changes and before its checks and its commit), not views computed again by every query.
-- Each of them is computed for every case (about ten rows per case), which made the dashboard's
-- pages 2-3.5 times slower when they were views; as tables they cost a write a few seconds once.
-- The last, staging.expected_progression, is small (a national reference) but sorts every case's
-- scores: as a view that ran again for every case page.
-- Rules for this file: only `create or replace table staging.X as select ...;` statements, each
-- reading staging views (10_staging.sql) and the tables above it, never a mart; a table that reads
-- another comes after it. The public views over them (mart.case_months, mart.fidelity_case_months,
-- mart.fidelity_monthly, mart.fidelity_gaps, and mart.fidelity and mart.case_outcomes, which
-- mart.attention, mart.case_matching and the overview read too, and mart.expected_progression)
-- are in 20_mart.sql and 30_indicators.sql.

-- purpose: each case's progression dates inside its period, in date order, the points the cadence
-- rules measure gaps between (staging.fidelity, staging.case_months and staging.fidelity_gaps read
-- them: grouped once per write, not once by each of them); grain: one row per case with at least
-- one progression score inside its period
create or replace table staging.case_points as
select
    case_id,
    list_sort(list(measured_on)) as dates
from staging.progression_in_period
group by case_id
;

-- purpose: Jacobson-Truax change per case (mart.case_outcomes shows it); grain: one row per
-- case x instrument with a valid pre and a valid post
create or replace table staging.case_outcomes as
with

assessments as (
    select * from staging.assessments where is_valid
),

instruments as (
    select * from staging.instruments
),

-- one pass instead of a self-join: the key case x instrument x phase holds one score per phase
paired as (
    select
        case_id,
        instrument,
        any_value(score) filter (where phase = 'pre') as pre_score,
        any_value(score) filter (where phase = 'post') as post_score,
        post_score - pre_score as change
    from assessments
    group by case_id, instrument
    having pre_score is not null and post_score is not null
),

reliable as (
    select
        paired.*,
        paired.change / instruments.s_diff as rc,
        case
            when paired.change / instruments.s_diff > instruments.z then 'improved'
            when paired.change / instruments.s_diff < -instruments.z then 'deteriorated'
            else 'unchanged'
        end as reliable_change,
        instruments.cutoff,
        instruments.mcid
    from paired
    inner join instruments on paired.instrument = instruments.instrument
)

select
    case_id,
    instrument,
    pre_score,
    post_score,
    change,
    rc,
    reliable_change,
    case
        when reliable_change = 'improved' and pre_score <= cutoff and post_score > cutoff
            then 'recovered'
        else reliable_change
    end as clinical_change,
    change >= mcid as meaningful_change
from reliable
;

-- purpose: the "every second month" rule per case (mart.fidelity shows it); grain: one row per
-- case
create or replace table staging.fidelity as
-- `not materialized`: a CTE read twice is materialised by DuckDB, and a materialised CTE under
-- a LIMIT never finishes on a large warehouse (DuckDB 2.0: `select * from mart.fidelity limit 1`
-- hung at 100,000 cases; tests/warehouse/test_mart_limits.py)
with

cases as not materialized (
    select * from staging.cases
),

assessments as (
    select * from staging.assessments where is_valid
),

constants as not materialized (
    select * from staging.constants
),

-- Gaps between consecutive points of: period start, the measurements inside the period, period
-- end. Per case, the sorted list of dates gives the inner gaps; a list aggregate is cheaper
-- here than a window over every measurement.
measured as (
    select
        case_id,
        len(dates) as n_measurements,
        dates[1] as first_measured_on,
        dates[-1] as last_measured_on,
        dates
    from staging.case_points
),

-- a measurement counts as pre (post) when valid and dated at most 30 days from the start (end)
timed as (
    select
        assessments.case_id,
        assessments.instrument,
        assessments.phase = 'pre'
        and abs(assessments.measured_on - cases.start_date) <= constants.pre_post_window_days
            as is_timely_pre,
        assessments.phase = 'post'
        and abs(assessments.measured_on - cases.end_date) <= constants.pre_post_window_days
            as is_timely_post
    from assessments
    inner join cases on assessments.case_id = cases.case_id
    cross join constants
),

-- pre and post need BOTH instruments
pre_post as (
    select
        case_id,
        coalesce(bool_or(instrument = 'WHO5' and is_timely_pre), false)
        and coalesce(bool_or(instrument = 'GSE' and is_timely_pre), false) as has_pre,
        coalesce(bool_or(instrument = 'WHO5' and is_timely_post), false)
        and coalesce(bool_or(instrument = 'GSE' and is_timely_post), false) as has_post
    from timed
    group by case_id
),

joined as (
    select
        cases.case_id,
        cases.municipality_code,
        cases.case_type,
        cases.worker_id,
        cases.is_active,
        cases.start_date as period_start,
        cases.period_end,
        cases.duration_days as active_days,
        coalesce(measured.n_measurements, 0) as n_measurements,
        measured.last_measured_on,
        case
            when cases.period_end is null then null
            when measured.n_measurements is null then cases.period_end - cases.start_date
            -- greatest() skips the NULL inner gap (list_max of nothing) of a single measurement
            else greatest(
                measured.first_measured_on - cases.start_date,
                list_max(list_transform(
                    list_zip(measured.dates[1:-2], measured.dates[2:]),
                    lambda pair: pair[2] - pair[1]
                )),
                cases.period_end - measured.last_measured_on
            )
        end as max_gap_days,
        coalesce(pre_post.has_pre, false) as has_pre,
        coalesce(pre_post.has_post, false) as has_post,
        constants.cadence_days
    from cases
    cross join constants
    left join measured on cases.case_id = measured.case_id
    left join pre_post on cases.case_id = pre_post.case_id
),

expected as (
    select
        *,
        active_days // cadence_days as expected_measurements,
        period_end - coalesce(last_measured_on, period_start) as days_since_last
    from joined
)

select
    case_id,
    municipality_code,
    case_type,
    worker_id,
    period_start,
    period_end,
    active_days,
    n_measurements,
    expected_measurements,
    -- not least(): DuckDB's least skips NULLs, and nothing expected must stay NULL
    case
        when expected_measurements > 0 then least(1.0, n_measurements / expected_measurements)
    end as coverage,
    max_gap_days,
    max_gap_days <= cadence_days as on_cadence,
    days_since_last,
    is_active and days_since_last > cadence_days as overdue,
    has_pre,
    case when not is_active then has_post end as has_post
from expected
;

-- purpose: each case in each calendar month it was active (up to the as-of month), whether it
-- started or ended that month (the rules of mart.caseload_monthly, case by case), and whether it
-- was on cadence that month (the on-cadence rule applied month by month: indicators.md section 3
-- charts it); grain: one row per case x active month.
-- A case is on cadence in a month when no gap so far is longer than cadence_days: the points are
-- its start date, its progression scores inside its period dated up to the month's end, and the
-- month's last day, or the case's end (or the as-of date) when that comes earlier. So it is
-- cumulative, like mart.fidelity.on_cadence, and in the case's last month it equals it.
-- One table for both (mart.case_months and mart.fidelity_case_months read it): a load writes
-- these million rows once, not twice.
create or replace table staging.case_months as
with

cases as not materialized (
    select * from staging.cases
),

constants as not materialized (
    select * from staging.constants
),

months as (
    select
        case_id,
        municipality_code,
        case_type,
        start_date,
        end_date,
        period_end,
        cast(unnest(generate_series(
            date_trunc('month', start_date),
            date_trunc('month', period_end),
            interval 1 month
        )) as date) as month
    from cases
),

active_months as (
    select
        case_id,
        municipality_code,
        case_type,
        start_date,
        month,
        least(last_day(month), period_end) as month_end,
        month = date_trunc('month', start_date) as is_new,
        coalesce(month = date_trunc('month', end_date), false) as is_closed
    from months
    where staging.is_active_between(start_date, end_date, month, last_day(month))
),

-- per case, its points in date order: the start date, then its progression dates in the period
-- (a list per case, not windows over every score: one sort per case of about ten dates)
points as (
    select
        cases.case_id,
        list_concat([cases.start_date], coalesce(measured.dates, [])) as points
    from cases
    left join staging.case_points as measured on cases.case_id = measured.case_id
),

-- the first score that ends a gap longer than cadence_days (NULL: none does): a month ending
-- on or after it has seen that gap, a month ending before it has not
first_long_gaps as (
    select
        points.case_id,
        points.points,
        list_min(list_transform(
            list_zip(points.points[1:-2], points.points[2:]),
            lambda pair: case when pair[2] - pair[1] > constants.cadence_days then pair[2] end
        )) as first_long_gap_end
    from points
    cross join constants
),

-- the last point on or before the month's end (the start date when no score came before it)
gaps_so_far as (
    select
        active_months.*,
        first_long_gaps.first_long_gap_end,
        coalesce(
            list_max(list_filter(first_long_gaps.points, lambda d: d <= active_months.month_end)),
            active_months.start_date
        ) as last_point
    from active_months
    left join first_long_gaps on active_months.case_id = first_long_gaps.case_id
)

select
    gaps_so_far.case_id,
    gaps_so_far.municipality_code,
    gaps_so_far.case_type,
    gaps_so_far.month,
    gaps_so_far.is_new,
    gaps_so_far.is_closed,
    coalesce(gaps_so_far.first_long_gap_end > gaps_so_far.month_end, true)
    and gaps_so_far.month_end - gaps_so_far.last_point <= constants.cadence_days as is_on_cadence
from gaps_so_far
cross join constants
;

-- purpose: the gaps the cadence rule measures (mart.fidelity_gaps shows them), each labelled by
-- where it lies; grain: one row per
-- case x gap. Points are the case's period_start, its progression dates inside the period and
-- its period_end (as mart.fidelity, whose max_gap_days is the largest of these); `kind` is
-- 'start' (from the start to the first measurement), 'between' (two measurements) or 'end'
-- (from the last measurement, or from the start when there is none, to the end or as-of date).
-- The zero-day gap of a measurement on the start or end date is no gap and is left out.
create or replace table staging.fidelity_gaps as
with

cases as (
    select case_id, start_date, period_end from staging.cases
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

-- purpose: the national reference of expected progress (mart.expected_progression shows it): the
-- quantiles of the 1-10 score of citizens who started at a similar level, by month since their
-- start (all statuses); grain: one row per start band x month (0-24) with at least one score.
-- A table because mart.progression_tracking (and so mart.attention and every case's page) reads
-- it: as a view its sort of every case's scores ran again for each case looked at
create or replace table staging.expected_progression as
with

constants as (
    select * from staging.constants
),

-- one score per case and month: the latest of that month
case_months as (
    select
        case_id,
        start_band,
        expected_month as month,
        score::double as score
    from staging.progression
    where is_latest_of_month
),

quantiles as (
    select
        case_months.start_band,
        case_months.month,
        count(*) as n_cases,
        -- one sort for all five quantiles
        quantile_cont(case_months.score, [0.10, 0.25, 0.50, 0.75, 0.90]) as q,
        count(*) >= any_value(constants.reliable_reference_cases) as is_reliable
    from case_months
    cross join constants
    group by case_months.start_band, case_months.month
)

select
    start_band,
    month,
    n_cases,
    q[1] as p10,
    q[2] as p25,
    q[3] as p50,
    q[4] as p75,
    q[5] as p90,
    is_reliable
from quantiles
;
