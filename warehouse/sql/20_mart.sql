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
    duration_days,
    -- added after the contract's columns (add, never rename): the end of the case's own period
    -- (end_date, or the as-of date while active) and whether it is still open (status active)
    period_end,
    is_active as is_open
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

-- purpose: Jacobson-Truax change per case (the rule: staging.case_outcomes, a table rebuilt at
-- each write); grain: one row per case x instrument with a valid pre and a valid post
create or replace view mart.case_outcomes as
select
    case_id,
    instrument,
    pre_score,
    post_score,
    change,
    rc,
    reliable_change,
    clinical_change,
    meaningful_change
from staging.case_outcomes
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
    days_since_previous,
    months_since_start_exact
from progression
;

-- purpose: the "every second month" rule per case (the rule: staging.fidelity, a table rebuilt
-- at each write); grain: one row per case
create or replace view mart.fidelity as
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
    coverage,
    max_gap_days,
    on_cadence,
    days_since_last,
    overdue,
    has_pre,
    has_post
from staging.fidelity
;

-- purpose: caseload per month; grain: one row per municipality x month x case type with any
-- active case
create or replace view mart.caseload_monthly as
-- A case is active from its start month through its end month (or the as-of month). Rather than
-- expanding every case into its months, each case adds +1 in its start month and -1 in the month
-- after its end. A running sum per worker over the months where that changes (sparse: no month
-- spine per worker) says when the worker has active cases; the changes of both counts, summed per
-- municipality x case type and run over that pair's months, give the monthly figures. The
-- months of a worker end at the as-of month (before any load: at the worker's last event).
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

-- events after the as-of month fall outside every worker's months
monthly_events as (
    select
        events.municipality_code,
        events.case_type,
        events.worker_id,
        events.month,
        sum(events.delta) as delta,
        sum(events.new_cases) as new_cases,
        sum(events.closed_cases) as closed_cases,
        any_value(as_of_month.as_of_month) as as_of_month
    from events
    cross join as_of_month
    where as_of_month.as_of_month is null or events.month <= as_of_month.as_of_month
    group by events.municipality_code, events.case_type, events.worker_id, events.month
),

worker_steps as (
    select
        *,
        sum(delta) over worker_months as active_cases,
        lead(month) over worker_months is null as is_last
    from monthly_events
    window worker_months as (partition by municipality_code, case_type, worker_id order by month)
),

-- a worker counts in a month when it has active cases; before this month's events it had
-- active_cases - delta, so the change needs no second window
worker_changes as (
    select
        *,
        worker_id is not null and active_cases > 0 as counts_worker,
        (worker_id is not null and active_cases > 0)::int
            - (worker_id is not null and active_cases - delta > 0)::int as worker_delta
    from worker_steps
),

-- the change of each count per municipality x case type x month; before any load a worker's
-- months end at its last event, so its counts stop the month after
changes as (
    select
        municipality_code,
        case_type,
        month,
        sum(delta) as delta,
        sum(worker_delta) as worker_delta,
        sum(new_cases) as new_cases,
        sum(closed_cases) as closed_cases
    from (
        select municipality_code, case_type, month, delta, worker_delta, new_cases, closed_cases
        from worker_changes
        union all
        select
            municipality_code,
            case_type,
            (month + interval 1 month)::date as month,
            -active_cases as delta,
            -counts_worker::int as worker_delta,
            0 as new_cases,
            0 as closed_cases
        from worker_changes
        where is_last and as_of_month is null
    )
    group by all
),

-- months run to the as-of month; before any load, to the last month a case touched
spine as (
    select
        municipality_code,
        case_type,
        unnest(generate_series(
            min(month),
            coalesce(any_value(as_of_month), max(month)),
            interval 1 month
        ))::date as month
    from monthly_events
    group by municipality_code, case_type
),

counted as (
    select
        spine.municipality_code,
        spine.month,
        spine.case_type,
        sum(coalesce(changes.delta, 0)) over pair_months as active_cases,
        coalesce(changes.new_cases, 0) as new_cases,
        coalesce(changes.closed_cases, 0) as closed_cases,
        sum(coalesce(changes.worker_delta, 0)) over pair_months as active_workers
    from spine
    left join changes
        on spine.municipality_code = changes.municipality_code
        and spine.case_type = changes.case_type
        and spine.month = changes.month
    window pair_months as (
        partition by spine.municipality_code, spine.case_type order by spine.month
    )
)

select
    municipality_code,
    month,
    case_type,
    active_cases::bigint as active_cases,
    new_cases::bigint as new_cases,
    closed_cases::bigint as closed_cases,
    active_workers::bigint as active_workers,
    active_cases / nullif(active_workers, 0) as cases_per_worker
from counted
where active_cases > 0
;

-- purpose: workers with their caseload and free places; grain: one row per worker in medarbejdere
create or replace view mart.workers as
with

workers as (
    select * from staging.workers
),

cases as (
    select * from staging.cases
),

as_of as (
    select * from staging.as_of
),

constants as (
    select * from staging.constants
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
    caseload.lent_cases,
    -- age in whole years at the as-of date, from the birth year alone (so it may be one too high)
    year(as_of.as_of) - workers.birth_year as age,
    -- free places: the active cases a mentor or parent coach can still take; none when inactive;
    -- NULL for coordinators, who carry no cases
    case
        when workers.role = 'coordinator' then null
        when not workers.active then 0
        else greatest(0, constants.worker_capacity_cases - caseload.active_cases)
    end as capacity
from workers
inner join caseload on workers.worker_id = caseload.worker_id
cross join as_of
cross join constants
;

-- purpose: how each case's worker matches its citizen (gender, age gap) beside the case's
-- outcomes and fidelity, for the matching insights; grain: one row per case
create or replace view mart.case_matching as
with

cases as (
    select * from staging.cases
),

workers as (
    select * from raw.workers
),

who5 as (
    select * from mart.case_outcomes where instrument = 'WHO5'
),

fidelity as (
    select * from mart.fidelity
),

-- first and latest progression score of cases scored twice or more
progressed as (
    select
        case_id,
        arg_max(score, measured_on) - arg_min(score, measured_on) as progression_change
    from staging.progression
    group by case_id
    having count(*) >= 2
),

matched as (
    select
        cases.case_id,
        cases.worker_id,
        cases.gender as citizen_gender,
        workers.gender as worker_gender,
        case
            when cases.gender is null or workers.gender is null then null
            when cases.gender = workers.gender then 'same'
            else 'different'
        end as gender_match,
        cases.age_at_start as citizen_age_at_start,
        -- from the birth year alone: the worker's age in the year the case started
        year(cases.start_date) - workers.birth_year as worker_age_at_start,
        abs(worker_age_at_start - citizen_age_at_start) as age_gap_years
    from cases
    left join workers on cases.worker_id = workers.worker_id
)

select
    matched.case_id,
    matched.worker_id,
    matched.citizen_gender,
    matched.worker_gender,
    matched.gender_match,
    matched.citizen_age_at_start,
    matched.worker_age_at_start,
    matched.age_gap_years,
    case
        when matched.age_gap_years is null then null
        when matched.age_gap_years < 10 then '<10'
        when matched.age_gap_years < 20 then '10-19'
        when matched.age_gap_years < 30 then '20-29'
        else '30+'
    end as age_gap_band,
    who5.change as who5_change,
    who5.reliable_change as who5_reliable_change,
    progressed.progression_change,
    fidelity.on_cadence
from matched
left join who5 on matched.case_id = who5.case_id
left join progressed on matched.case_id = progressed.case_id
left join fidelity on matched.case_id = fidelity.case_id
;

-- The rules as readers call them: the dashboard and evaluators read only mart.*, so the rules
-- written once in staging are published here under the same names (thin aliases, no rule).

-- purpose: was a case active at some time between two dates (staging.is_active_between)
create or replace macro mart.is_active_between(start_date, end_date, period_start, period_end) as
    staging.is_active_between(start_date, end_date, period_start, period_end)
;

-- purpose: did a case end between two dates (staging.is_ended_between)
create or replace macro mart.is_ended_between(status, end_date, period_start, period_end) as
    staging.is_ended_between(status, end_date, period_start, period_end)
;

-- purpose: the method's fixed numbers in force (cadence, pre/post window, ...); grain: one row
create or replace view mart.constants as
select
    cadence_days,
    pre_post_window_days,
    days_per_month,
    z_975,
    expected_month_cap,
    reliable_reference_cases,
    score_drop_points,
    worker_capacity_cases
from staging.constants
;

-- purpose: the reference constants in force with their Jacobson-Truax thresholds (what every
-- change figure is computed with); grain: one row per instrument
create or replace view mart.instruments as
select * from staging.instruments
;


-- purpose: the gaps the cadence rule measures, each labelled by where it lies (the rule:
-- staging.fidelity_gaps, 17_expansions.sql); grain: one row per case x gap
create or replace view mart.fidelity_gaps as
select
    case_id,
    gap_start,
    gap_end,
    days,
    kind
from staging.fidelity_gaps
;
