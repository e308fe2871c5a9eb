-- Indicator marts (indicators.md section 1): expected progress of the 1-10 score and the
-- coordinator's attention queue. Public names and columns; the rules they use are in staging.

-- purpose: how citizens who started at a similar level scored at each month since their start
-- (national, all statuses); grain: one row per start band x month (0-24) with at least one score.
-- The quantiles over every case's scores are the table staging.expected_progression
-- (15_materialised.sql): computed once per write, not again by every query of one case's tracking
create or replace view mart.expected_progression as
select
    start_band,
    month,
    n_cases,
    p10,
    p25,
    p50,
    p75,
    p90,
    is_reliable
from staging.expected_progression
;

-- purpose: each progression score against the expected band of its start band and month;
-- grain: one row per row of mart.progression
create or replace view mart.progression_tracking as
with

banded as (
    select * from staging.progression_banded
),

expected as (
    select * from mart.expected_progression
),

constants as (
    select * from staging.constants
)

select
    banded.case_id,
    banded.measured_on,
    banded.measurement_no,
    banded.month,
    banded.start_band,
    banded.score,
    banded.previous_score,
    expected.p10 as expected_p10,
    expected.p25 as expected_p25,
    expected.p50 as expected_p50,
    case
        when banded.measurement_no = 1 then 'start'
        when not expected.is_reliable then 'no_reference'
        when banded.score < expected.p10 then 'off_track'
        when banded.score < expected.p25 then 'below_expected'
        else 'on_track'
    end as tracking,
    coalesce(banded.score <= banded.previous_score - constants.score_drop_points, false)
        as dropped
from banded
inner join expected
    on banded.start_band = expected.start_band
    and banded.month = expected.month
cross join constants
;

-- purpose: the coordinator's "needs attention" queue; grain: one row per active case
create or replace view mart.attention as
with

cases as (
    select * from staging.cases where is_active
),

latest as (
    select *
    from mart.progression_tracking
    qualify row_number() over (partition by case_id order by measurement_no desc) = 1
),

fidelity as (
    select * from mart.fidelity
),

constants as (
    select * from staging.constants
),

flagged as (
    select
        cases.case_id,
        cases.municipality_code,
        cases.worker_id,
        cases.case_type,
        latest.measured_on as latest_measured_on,
        latest.score as latest_score,
        coalesce(latest.tracking, 'no_score') as tracking,
        coalesce(latest.dropped, false) as dropped,
        fidelity.overdue,
        fidelity.days_since_last,
        cases.as_of - cases.start_date > constants.pre_post_window_days and not fidelity.has_pre
            as missing_pre
    from cases
    inner join fidelity on cases.case_id = fidelity.case_id
    left join latest on cases.case_id = latest.case_id
    cross join constants
),

reasoned as (
    select
        *,
        list_filter(
            [
                case when tracking = 'off_track' then 'off_track' end,
                case when dropped then 'dropped' end,
                case when overdue then 'overdue' end,
                case when tracking = 'below_expected' then 'below_expected' end,
                case when tracking = 'no_score' then 'no_score' end,
                case when missing_pre then 'missing_pre' end
            ],
            lambda code: code is not null
        ) as reasons
    from flagged
)

select
    case_id,
    municipality_code,
    worker_id,
    case_type,
    latest_measured_on,
    latest_score,
    tracking,
    dropped,
    overdue,
    days_since_last,
    missing_pre,
    reasons,
    case
        when list_has_any(reasons, ['off_track', 'dropped', 'overdue']) then 1
        when len(reasons) > 0 then 2
        else 3
    end as priority
from reasoned
;

-- purpose: the monthly on-cadence share's counts (the rule is staging.case_months.is_on_cadence);
-- grain: one row per municipality x month with an active case
create or replace view mart.fidelity_monthly as
select
    municipality_code,
    month,
    count(*) as active_cases,
    count(*) filter (where is_on_cadence) as on_cadence_cases
from staging.case_months
group by municipality_code, month
;

-- purpose: each case in each month it was active, with whether it started or ended that month
-- (the rules of mart.caseload_monthly, case by case, so a view that filters cases by gender,
-- age or worker counts its months by the same rules); grain: one row per case x calendar month
-- in which the case was active (up to the as-of month)
create or replace view mart.case_months as
select
    case_id,
    municipality_code,
    case_type,
    month,
    is_new,
    is_closed
from staging.case_months
;

-- purpose: the on-cadence rule month by month, case by case (what mart.fidelity_monthly adds
-- up); grain: one row per case x calendar month in which the case was active
create or replace view mart.fidelity_case_months as
select
    case_id,
    municipality_code,
    month,
    is_on_cadence
from staging.case_months
;
