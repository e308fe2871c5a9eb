"""One worker (the worker page, workflows.md section 3): for the monthly coaching talk.

Who may open a worker's page is decided here, in the data layer (`visible_worker_sql`): a
national evaluator any worker, a coordinator the workers of their own municipalities, a worker
themself only, an aggregate-only viewer none (`data.NotAllowed`). A worker the viewer may not see
gives no row, as an unknown id does. The worker's cases come from `scoped_cases` at case level,
so a coordinator sees the cases of their own municipalities only (not a loan elsewhere).

- `worker(scope, worker_id)`: one row or None: id, name (where the viewer may read it), role,
  municipality, training date, languages, active and total cases, lent cases.
- `cases(scope, worker_id)`: the worker's cases with latest score, tracking, days since the last
  measurement, pre/post status and WHO-5 change.
- `caseload(scope, filters, worker_id)`: active and new cases per month of the chosen period.
- comparisons over time reuse the fidelity and pre/post queries with a worker, municipality or
  no filter (`comparison_filters`), so their suppression is the pages' own.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from app import data
from app.filters import Filters
from app.queries.case import clean_id
from app.scope import Scope

__all__ = ["caseload", "cases", "clean_id", "comparison_filters", "worker"]

WORKER_SQL = """
-- the worker, if the viewer may open their page; grain: one row (the worker) or none
select
    w.worker_id,
    w.name,
    w.role,
    w.municipality_code,
    m.municipality_name,
    w.trained_on,
    w.languages,
    w.active,
    w.active_cases,
    w.cases_total,
    w.lent_cases,
    -- the worker's cases this viewer may open (a coordinator: those of their municipalities)
    (select count(*) from scoped_cases as s where s.worker_id = w.worker_id) as visible_cases,
from scoped_workers as w
left join ref.municipalities as m on m.municipality_code = w.municipality_code
where w.worker_id = $worker_id
    and ($see_all or list_contains($see_munis::varchar[], w.municipality_code)
        or w.worker_id = $see_worker::varchar)
"""

CASES_SQL = """
with latest as (
    -- each of the worker's cases' latest score and its tracking; grain: one row per case
    select t.case_id, t.score as latest_score, t.measured_on as latest_measured_on, t.tracking,
    from mart.progression_tracking as t
    inner join scoped_cases as s on s.case_id = t.case_id
    where s.worker_id = $worker_id
    qualify row_number() over (partition by t.case_id order by t.measurement_no desc) = 1
)

-- the worker's cases the viewer may see, active first; grain: one row per case
select
    s.case_id,
    s.status,
    s.case_type,
    s.municipality_name,
    s.is_loan,
    s.start_date,
    s.end_date,
    l.latest_score,
    coalesce(l.tracking, 'no_score') as tracking,
    f.days_since_last,
    f.has_pre,
    f.has_post,
    o.reliable_change as who5_change,
from scoped_cases as s
left join latest as l on l.case_id = s.case_id
left join mart.fidelity as f on f.case_id = s.case_id
left join mart.case_outcomes as o on o.case_id = s.case_id and o.instrument = 'WHO5'
where s.worker_id = $worker_id
order by s.status <> 'active', f.days_since_last desc nulls last, s.start_date desc, s.case_id
"""

CASELOAD_SQL = """
with months as (
    -- the months shown; grain: one row per month
    select cast(unnest(generate_series($first::date, $last::date, interval 1 month)) as date)
        as month
)

-- the worker's cases active in each month (the viewer's own view of them); grain: month
select
    m.month,
    count(s.case_id) as active_cases,
    count(s.case_id) filter (where date_trunc('month', s.start_date) = m.month) as new_cases,
from months as m
left join scoped_cases as s
    on s.worker_id = $worker_id
    and mart.is_active_between(s.start_date, s.end_date, m.month, last_day(m.month))
group by m.month
order by m.month
"""


def _visibility(scope: Scope) -> dict:
    """Whose page the viewer may open: every worker, their municipalities', or their own."""
    if not scope.case_level:
        raise data.NotAllowed("a worker's page is case level")
    coordinator = scope.role == "coordinator"
    return {
        "see_all": scope.role == "national",
        "see_munis": sorted(scope.municipalities) if coordinator else [],
        "see_worker": scope.worker_id if scope.role == "worker" else None,
    }


def worker(scope: Scope, worker_id: object) -> dict | None:
    """The worker's facts, or None when there is no such worker for this viewer (or
    `worker_id`, as typed or linked, cannot be one: `clean_id`)."""
    worker_id = clean_id(worker_id)
    if worker_id is None:
        return None
    params = {"worker_id": worker_id, **_visibility(scope)}
    frame = data.run(WORKER_SQL, params, scope=scope, filters=Filters(), level="case")
    return frame.row(0, named=True) if frame.height else None


def cases(scope: Scope, worker_id: str) -> pl.DataFrame:
    """The worker's cases the viewer may see (case level, no sidebar filters)."""
    params = {"worker_id": worker_id}
    return data.run(CASES_SQL, params, scope=scope, filters=Filters(), level="case")


def caseload(scope: Scope, filters: Filters, worker_id: str) -> pl.DataFrame:
    """Active and new cases of the worker per month of the chosen period (`filters`' months)."""
    params = {"worker_id": worker_id, "first": filters.from_month, "last": filters.to_month}
    return data.run(CASELOAD_SQL, params, scope=scope, filters=Filters(), level="case")


def comparison_filters(filters: Filters, worker_row: dict) -> dict[str, Filters]:
    """The sidebar period with the worker (in their own municipality; a loan elsewhere is the
    other municipality's), their municipality, and the whole country."""
    period = Filters(filters.from_month, filters.to_month)
    home = dataclasses.replace(period, municipalities=(worker_row["municipality_code"],))
    return {
        # the worker's cases in their own municipality: exact for whoever may open the page
        # (their coordinators, national, themself), as those cases are theirs to see one by one
        "worker": dataclasses.replace(home, workers=(worker_row["worker_id"],)),
        "municipality": home,
        "country": period,
    }
