-- Marts: the warehouse's public face (warehouse-contract.md section 2). Names, columns and their
-- order are a stable interface. Rules live in staging; these views only shape and aggregate.

-- purpose: the as-of date of the warehouse; grain: one row
create or replace view mart.as_of as
select as_of from staging.as_of
;

-- purpose: case facts for every page and filter; grain: one row per case
create or replace view mart.cases as
with

cases as (
    select * from staging.cases
)

select
    case_id,
    municipality_code,
    municipality_name,
    region_name,
    case_type,
    worker_id,
    citizen_key,
    gender,
    age_at_start,
    age_band,
    start_date,
    end_date,
    status,
    end_reason,
    referred_by,
    lent_from_municipality_code,
    is_loan,
    duration_days
from cases
;

-- purpose: scored WHO-5 and GSE measurements; grain: one row per case x instrument x phase
create or replace view mart.assessments as
with

assessments as (
    select * from staging.assessments
)

select
    case_id,
    instrument,
    phase,
    measured_on,
    items_answered,
    raw_score,
    score,
    is_valid
from assessments
;

-- purpose: Jacobson-Truax change per case; grain: one row per case x instrument with a valid
-- pre and a valid post
create or replace view mart.case_outcomes as
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

-- purpose: the citizen's own progression scores over time; grain: one row per measurement
create or replace view mart.progression as
with

progression as (
    select * from staging.progression
)

select
    case_id,
    measured_on,
    score,
    measurement_no,
    days_since_start,
    months_since_start,
    days_since_previous
from progression
;

-- purpose: the "every second month" rule per case; grain: one row per case
create or replace view mart.fidelity as
with

cases as (
    select * from staging.cases
),

progression as (
    select * from staging.progression where is_in_period
),

assessments as (
    select * from staging.assessments where is_valid
),

constants as (
    select * from staging.constants
),

-- Gaps between consecutive points of: period start, the measurements inside the period, period
-- end. Per case, the sorted list of dates gives the inner gaps; a list aggregate is cheaper
-- here than a window over every measurement.
measured as (
    select
        case_id,
        count(*) as n_measurements,
        min(measured_on) as first_measured_on,
        max(measured_on) as last_measured_on,
        list_sort(list(measured_on)) as dates
    from progression
    group by case_id
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

-- purpose: caseload per month; grain: one row per municipality x month x case type with any
-- active case
create or replace view mart.caseload_monthly as
-- A case is active from its start month through its end month (or the as-of month). Rather than
-- expanding every case into its months, each case adds +1 in its start month and -1 in the month
-- after its end; a running sum per worker over a month spine gives the worker's active cases.
-- That spine has one row per municipality x case type x worker x month, far fewer than cases.
with

cases as (
    select * from staging.cases
),

as_of_month as (
    select date_trunc('month', as_of)::date as as_of_month from staging.as_of
),

events as (
    select
        municipality_code,
        case_type,
        worker_id,
        date_trunc('month', start_date)::date as month,
        1 as delta,
        1 as new_cases,
        0 as closed_cases
    from cases
    union all
    select
        municipality_code,
        case_type,
        worker_id,
        date_trunc('month', end_date)::date as month,
        0 as delta,
        0 as new_cases,
        1 as closed_cases
    from cases
    where end_date is not null
    union all
    select
        municipality_code,
        case_type,
        worker_id,
        (date_trunc('month', end_date) + interval 1 month)::date as month,
        -1 as delta,
        0 as new_cases,
        0 as closed_cases
    from cases
    where end_date is not null
),

monthly_events as (
    select
        municipality_code,
        case_type,
        worker_id,
        month,
        sum(delta) as delta,
        sum(new_cases) as new_cases,
        sum(closed_cases) as closed_cases
    from events
    group by all
),

-- months run to the as-of month; before any load, to the last month a case touched
spine as (
    select
        municipality_code,
        case_type,
        worker_id,
        unnest(generate_series(
            min(month),
            coalesce(any_value(as_of_month), max(month)),
            interval 1 month
        ))::date as month
    from monthly_events
    cross join as_of_month
    group by municipality_code, case_type, worker_id
),

by_worker as (
    select
        spine.municipality_code,
        spine.case_type,
        spine.worker_id,
        spine.month,
        sum(coalesce(monthly_events.delta, 0)) over (
            partition by spine.municipality_code, spine.case_type, spine.worker_id
            order by spine.month
        ) as active_cases,
        coalesce(monthly_events.new_cases, 0) as new_cases,
        coalesce(monthly_events.closed_cases, 0) as closed_cases
    from spine
    left join monthly_events
        on spine.municipality_code = monthly_events.municipality_code
        and spine.case_type = monthly_events.case_type
        and spine.worker_id is not distinct from monthly_events.worker_id
        and spine.month = monthly_events.month
),

counted as (
    select
        municipality_code,
        month,
        case_type,
        sum(active_cases)::bigint as active_cases,
        sum(new_cases)::bigint as new_cases,
        sum(closed_cases)::bigint as closed_cases,
        count(worker_id) filter (where active_cases > 0) as active_workers
    from by_worker
    group by municipality_code, month, case_type
)

select
    municipality_code,
    month,
    case_type,
    active_cases,
    new_cases,
    closed_cases,
    active_workers,
    active_cases / nullif(active_workers, 0) as cases_per_worker
from counted
where active_cases > 0
;

-- purpose: workers with their caseload; grain: one row per worker in medarbejdere
create or replace view mart.workers as
with

workers as (
    select * from raw.workers
),

cases as (
    select * from staging.cases
),

caseload as (
    select
        workers.worker_id,
        count(cases.case_id) filter (where cases.is_active) as active_cases,
        count(cases.case_id) as cases_total,
        count(cases.case_id) filter (
            where cases.municipality_code <> workers.municipality_code
        ) as lent_cases
    from workers
    left join cases on workers.worker_id = cases.worker_id
    group by workers.worker_id
)

select
    workers.worker_id,
    workers.municipality_code,
    workers.role,
    workers.name,
    workers.gender,
    workers.birth_year,
    workers.trained_on,
    workers.active,
    workers.languages,
    caseload.active_cases,
    caseload.cases_total,
    caseload.lent_cases
from workers
inner join caseload on workers.worker_id = caseload.worker_id
;
