-- Staging: every business rule written once (constants, as-of date, age band, active status,
-- loans, assessment scoring, reliable-change thresholds). The mart views read these, never raw.*
-- rules of their own. Views never name their database, so they resolve under any ATTACH alias.

-- purpose: the method's fixed numbers; grain: one row
create or replace view staging.constants as
select
    61 as cadence_days,                 -- "every second month"
    30 as pre_post_window_days,         -- pre/post counts when dated at most 30 days from start/end
    30.4375 as days_per_month,          -- 365.25 / 12
    1.959964 as z_975,                  -- 97.5% normal quantile, R's qnorm(0.975)
    24 as expected_month_cap,           -- later months are compared with month 24 (indicators §1)
    20 as reliable_reference_cases,     -- a band x month reference needs this many cases
    2 as score_drop_points,             -- a fall of this many points since the last score
    -- active cases a mentor or parent coach can carry (a house default, not from the export: the
    -- guide names no number; the free places of mart.workers count up to it)
    15 as worker_capacity_cases
;

-- purpose: THE definition of "active in a period" (contract: active in a month when it started
-- by the month's last day and has no end_date or ended on or after its first day); every mart
-- and dashboard query that asks whether a case was active between two dates calls this;
-- a NULL period_start or period_end leaves that side of the period open
create or replace macro staging.is_active_between(start_date, end_date, period_start, period_end) as
    (period_end is null or start_date <= period_end)
    and (period_start is null or end_date is null or end_date >= period_start)
;

-- purpose: THE definition of "ended in a period": a case no longer active whose end_date lies in
-- the period (closed or discontinued alike); a NULL side of the period leaves it open
create or replace macro staging.is_ended_between(status, end_date, period_start, period_end) as
    status <> 'active'
    and end_date is not null
    and (period_start is null or end_date >= period_start)
    and (period_end is null or end_date <= period_end)
;

-- purpose: THE definition of a progression date inside its case's period (the fidelity rules
-- measure gaps between these only)
create or replace macro staging.is_in_case_period(measured_on, start_date, period_end) as
    measured_on between start_date and period_end
;

-- purpose: the as-of date, the latest exported_at loaded (NULL before any load); grain: one row
create or replace view staging.as_of as
select max(exported_at) as as_of
from etl.batches
;

-- purpose: cases with the derived facts every mart shares; grain: one row per case
create or replace view staging.cases as
with

cases as (
    select * from raw.cases
),

municipalities as (
    select * from ref.municipalities
),

age_bands as (
    select * from ref.age_bands
),

as_of as (
    select * from staging.as_of
),

derived as (
    select
        cases.*,
        municipalities.municipality_name,
        municipalities.region_name,
        age_bands.age_band,
        cases.status = 'active' as is_active,
        coalesce(
            cases.lent_from_municipality_code is not null
            and cases.lent_from_municipality_code <> cases.municipality_code,
            false
        ) as is_loan,
        -- an active case runs until the as-of date; a finished one until its end_date
        coalesce(cases.end_date, as_of.as_of) as period_end,
        as_of.as_of
    from cases
    cross join as_of
    left join municipalities
        on cases.municipality_code = municipalities.municipality_code
    -- the bands of ref.age_bands (seeded from warehouse/seeds/age_bands.csv), bounds inclusive
    left join age_bands
        on cases.age_at_start >= coalesce(age_bands.min_age, cases.age_at_start)
        and cases.age_at_start <= coalesce(age_bands.max_age, cases.age_at_start)
)

select
    *,
    period_end - start_date as duration_days
from derived
;

-- purpose: the workers as loaded (medarbejdere); grain: one row per worker
create or replace view staging.workers as
select * exclude (exported_at, batch_id) from raw.workers
;

-- purpose: WHO-5 and GSE measurements scored; grain: one row per case x instrument x phase
create or replace view staging.assessments as
with

assessments as (
    select * from raw.assessments
),

-- plain arithmetic rather than lists: this view is read on every page, over every measurement
counted as (
    select
        case_id,
        instrument,
        phase,
        measured_on,
        raw_score_given,
        -- WHO-5 has five items; GSE ten (the ETL rejects WHO-5 rows with item_6..item_10)
        (item_1 is not null)::integer + (item_2 is not null)::integer
        + (item_3 is not null)::integer + (item_4 is not null)::integer
        + (item_5 is not null)::integer
        + case when instrument = 'GSE' then
            (item_6 is not null)::integer + (item_7 is not null)::integer
            + (item_8 is not null)::integer + (item_9 is not null)::integer
            + (item_10 is not null)::integer
        else 0 end as answered,
        coalesce(item_1, 0) + coalesce(item_2, 0) + coalesce(item_3, 0) + coalesce(item_4, 0)
        + coalesce(item_5, 0)
        + case when instrument = 'GSE' then
            coalesce(item_6, 0) + coalesce(item_7, 0) + coalesce(item_8, 0)
            + coalesce(item_9, 0) + coalesce(item_10, 0)
        else 0 end as items_sum
    from assessments
),

summed as (
    select
        * exclude (answered),
        -- NULL when the platform gave only its own total
        nullif(answered, 0) as items_answered
    from counted
),

validated as (
    select
        *,
        case
            when items_answered is null then raw_score_given is not null
            when instrument = 'WHO5' then items_answered = 5
            when instrument = 'GSE' then items_answered >= 7
            else false
        end as is_valid
    from summed
),

scored as (
    select
        *,
        case
            when not is_valid then null
            when items_answered is null then raw_score_given
            when instrument = 'WHO5' then items_sum
            -- GSE prorated: mean x 10 rounded half up, in exact integer arithmetic
            else (20 * items_sum + items_answered) // (2 * items_answered)
        end as raw_score
    from validated
)

select
    case_id,
    instrument,
    phase,
    measured_on,
    items_answered::integer as items_answered,
    raw_score::integer as raw_score,
    (case when instrument = 'WHO5' then raw_score * 4 else raw_score end)::integer as score,
    is_valid
from scored
;

-- purpose: reference constants with their Jacobson-Truax thresholds; grain: one row per instrument
create or replace view staging.instruments as
with

instruments as (
    select * from ref.instruments
),

constants as (
    select * from staging.constants
),

spread as (
    select
        instruments.*,
        constants.z_975 as z,
        instruments.sd * sqrt(1 - instruments.reliability) as se
    from instruments
    cross join constants
)

select
    *,
    sqrt(2) * se as s_diff,
    -- a change must exceed this many score points to count as reliable
    z * sqrt(2) * se as reliable_change_threshold
from spread
;

-- purpose: progression scores placed in their case's timeline, with the start band and month the
-- indicators compare them by; grain: one row per case x date
create or replace view staging.progression as
with

progression as (
    select * from raw.progression
),

cases as (
    select case_id, start_date, period_end from staging.cases
),

constants as (
    select * from staging.constants
)

select
    progression.case_id,
    progression.measured_on,
    progression.score,
    row_number() over by_case as measurement_no,
    progression.measured_on - cases.start_date as days_since_start,
    -- months as the charts place a score (a double), and the whole months the rules count:
    -- written once here, read by the dashboard and the documents from mart.progression
    (progression.measured_on - cases.start_date) / constants.days_per_month
        as months_since_start_exact,
    floor(months_since_start_exact)::integer as months_since_start,
    progression.measured_on - lag(progression.measured_on) over by_case as days_since_previous,
    staging.is_in_case_period(progression.measured_on, cases.start_date, cases.period_end)
        as is_in_period,
    lag(progression.score) over by_case as previous_score,
    -- the start band (indicators.md section 1) comes from the first score
    case
        when first_value(progression.score) over by_case <= 3 then 'low'
        when first_value(progression.score) over by_case <= 6 then 'mid'
        else 'high'
    end as start_band,
    -- the month compared with the expected band: capped at 24, and a score dated before the
    -- start counts as month 0
    greatest(0, least(constants.expected_month_cap, months_since_start)) as expected_month,
    -- the case's latest score of its expected month, the one the national reference counts
    -- (staging.expected_progression): found in the sort the windows above make anyway, where a
    -- grouping by case and month cost a hash table of nearly one group per score
    lead(expected_month) over by_case is distinct from expected_month as is_latest_of_month
from progression
inner join cases on progression.case_id = cases.case_id
cross join constants
window by_case as (partition by progression.case_id order by progression.measured_on)
;


-- purpose: each progression score as the indicators compare it with the national reference
-- (staging.expected_progression builds the reference from these rows, mart.progression_tracking
-- places each score in it): by its start band and month since the start, with the score before
-- it; one definition for both, so the reference and the scores held against it cannot drift
-- apart; grain: one row per case x date, as staging.progression
create or replace view staging.progression_banded as
select
    case_id,
    measured_on,
    measurement_no,
    expected_month as month,
    start_band,
    score,
    previous_score
from staging.progression
;

-- purpose: the progression dates inside their case's period, and nothing else: the fidelity
-- views measure gaps between these, and reading them here skips staging.progression's windows
-- (number, previous score, start band) that those views do not need; grain: one row per case x
-- date
create or replace view staging.progression_in_period as
select
    progression.case_id,
    progression.measured_on
from raw.progression as progression
inner join staging.cases as cases on progression.case_id = cases.case_id
where staging.is_in_case_period(progression.measured_on, cases.start_date, cases.period_end)
;
