-- The per-case results the public marts read: TABLES, rebuilt from these selects
-- inside every write of the warehouse (warehouse/db.py `refresh_materialised`, after the writer's
-- own changes and before its checks and its commit), not views computed again by every query.
-- Each of them is computed for every case, which made the dashboard's pages 2-3.5 times slower
-- when they were views; as tables they cost a write a few seconds once. They hold about one row
-- per case but staging.case_months (ten per case, expanded cheaply from staging.fidelity); the
-- gaps (nine per case) are expanded by the view staging.fidelity_gaps (17_expansions.sql) from
-- staging.case_points and staging.fidelity, since writing them into the file cost a load more
-- than computing them.
-- The last, staging.expected_progression, is small (a national reference) but sorts every case's
-- scores: as a view that ran again for every case page.
-- Rules for this file: only `create or replace table staging.X as select ...;` statements, each
-- reading staging views (10_staging.sql) and the tables above it, never a mart; a table that reads
-- another comes after it. The public views over them (mart.case_months, mart.fidelity_case_months,
-- mart.fidelity_monthly, mart.fidelity_gaps through 17_expansions.sql, and mart.fidelity and
-- mart.case_outcomes, which mart.attention, mart.case_matching and the overview read too, and
-- mart.expected_progression) are in 20_mart.sql and 30_indicators.sql.

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

-- purpose: the "every second month" rule per case (mart.fidelity shows it), and the same rule
-- month by month in a compact form that staging.case_months (17_expansions.sql) expands into the
-- case's months: a load writes these hundred thousand rows, not the million of the expansion
-- (issue 7: writing the million rows into the file cost a load more than computing them); grain:
-- one row per case.
-- The rule month by month (staging.case_months.is_on_cadence): a case is on cadence in a month
-- when no gap so far is longer than cadence_days, the points being its start date and its
-- progression scores inside its period dated up to the month's end (the month's last day, or the
-- case's end or the as-of date when that comes earlier), the last gap running from the last point
-- to that end. That holds exactly while the month's end falls before `off_cadence_from`: the
-- first day a gap has lasted longer than cadence_days, cadence_days + 1 days after the first point
-- whose next point (or, after the last, none) comes later than that. So a case is on cadence up
-- to some month and off from then on, and in its last month it is on cadence exactly when
-- on_cadence says so (max_gap_days <= cadence_days).
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
        constants.cadence_days,
        cases.end_date,
        -- each point (the start, then the measurements) paired with the next (NULL after the
        -- last): the earliest day a gap has lasted longer than cadence_days
        list_min(list_transform(
            list_zip(
                list_concat([cases.start_date], coalesce(measured.dates, [])),
                list_concat(coalesce(measured.dates, []), [null])
            ),
            lambda pair: case
                when pair[2] is null or pair[2] - pair[1] > constants.cadence_days
                    then pair[1] + constants.cadence_days + 1
            end
        )) as off_cadence_from
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
    case when not is_active then has_post end as has_post,
    -- for staging.case_months (mart.fidelity leaves them out)
    end_date,
    off_cadence_from
from expected
;

-- purpose: each case in each calendar month it was active (up to the as-of month), whether it
-- started or ended that month (the rules of mart.caseload_monthly, case by case), and whether it
-- was on cadence that month (the on-cadence rule applied month by month: indicators.md section 3
-- charts it; its rule is staging.fidelity.off_cadence_from); grain: one row per case x active
-- month.
-- One table for both (mart.case_months and mart.fidelity_case_months read it): a load writes
-- these million rows once, not twice. Expanded from staging.fidelity's one row per case, the
-- months numbered (year * 12 + month - 1) while they are expanded: a range of integers and
-- comparisons of them cost a quarter of what a series of timestamps with the rules asked of
-- dates, and a list of the case's points filtered for every month, did. The months from the start month to the month of period_end (end_date, or
-- the as-of date when there is none) are exactly those staging.is_active_between holds for (it
-- started by the month's last day and had not ended before its first); a case is on cadence in
-- a month while least(last_day(month), period_end) < off_cadence_from, that is while the month
-- comes before the month of off_cadence_from, or in every month when period_end does.
create or replace table staging.case_months as
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
