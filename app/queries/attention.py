"""Opmærksomhed / Needs attention: the coordinator's queue of active cases (mart.attention).

The queue is as of the warehouse's as-of date, whatever the sidebar period; the other sidebar
filters (municipality, case type, ...) apply through `scoped_cases`.

- `queue(scope, filters)`: case level; one row per active case with at least one reason
  (priority 1 or 2), priority 1 first, then the longest time since the last score: `case_id,
  municipality_name, worker, case_type, latest_measured_on, latest_score, previous_score, month,
  expected_p50, days_since_last, reasons, priority`.
- `reason_counts(scope, filters)`: grain one row per reason code: `reason, n_cases`; a case counts
  once under each of its reasons, so the rows overlap and add up to no total. Suppressed, and
  perturbed where the view is (cell keys, app.queries.with_counts), as every published count.
- `cases_with_reasons(scope, filters)`: the cases with any reason, one published count.
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.queries import with_counts
from app.scope import Scope

# the contract's order of reasons (indicators.md section 1)
REASONS = ("off_track", "dropped", "overdue", "below_expected", "no_score", "missing_pre")

QUEUE_SQL = """
with queue as (
    -- the viewer's active cases that need attention; grain: one row per case
    select a.*, s.municipality_name, coalesce(w.name, s.worker_id) as worker,
    from mart.attention as a
    inner join scoped_cases as s on s.case_id = a.case_id
    left join scoped_workers as w on w.worker_id = s.worker_id
    where a.priority < 3
),

latest as (
    -- the queue's latest score against its expected band; grain: one row per case
    select t.case_id, t.previous_score, t.month, t.expected_p50,
    from mart.progression_tracking as t
    inner join queue as q on q.case_id = t.case_id
    qualify row_number() over (partition by t.case_id order by t.measurement_no desc) = 1
)

-- priority 1 first, then the longest time without a score; grain: one row per case
select
    q.case_id,
    q.municipality_name,
    q.worker,
    q.case_type,
    q.latest_measured_on,
    q.latest_score,
    l.previous_score,
    l.month,
    l.expected_p50,
    q.days_since_last,
    q.reasons,
    q.priority,
from queue as q
left join latest as l on l.case_id = q.case_id
order by q.priority, q.days_since_last desc nulls last, q.case_id
"""

COUNTS_SQL = """
with reasons as (
    -- one row per reason of each of the viewer's active cases; grain: case x reason
    select a.case_id, s.record_key, s.is_exact, unnest(a.reasons) as reason,
    from mart.attention as a
    inner join scoped_cases as s on s.case_id = a.case_id
)

-- cases per reason (a case counts under each of its reasons); grain: one row per reason
select codes.reason, {n_cases}
from (select unnest($reasons::varchar[]) as reason) as codes
left join reasons as c on c.reason = codes.reason
group by codes.reason
order by list_position($reasons::varchar[], codes.reason)
"""
COUNTS_SQL = with_counts(COUNTS_SQL, n_cases="true")

TOTAL_SQL = """
-- the viewer's active cases with at least one reason (the queue's cases); grain: one row
select {n_cases}
from mart.attention as a
inner join scoped_cases as c on c.case_id = a.case_id
where a.priority < 3
"""
TOTAL_SQL = with_counts(TOTAL_SQL, n_cases="true")


def queue(scope: Scope, filters: Filters) -> pl.DataFrame:
    """The cases that need attention (see module docstring); case level."""
    return data.run(QUEUE_SQL, scope=scope, filters=filters, level="case")


def reason_counts(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Cases per reason, every reason listed (zero shows); small counts hidden."""
    return data.run(
        COUNTS_SQL,
        {"reasons": list(REASONS)},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases"),
    )


def cases_with_reasons(scope: Scope, filters: Filters) -> int | None:
    """How many active cases have a reason at all, as one published count (None when 1-4 and
    hidden): the n under the bars, which overlap and do not add up to it."""
    frame = data.run(TOTAL_SQL, scope=scope, filters=filters, suppress=data.Rule(count="n_cases"))
    return None if frame["suppressed"][0] else int(frame["n_cases"][0])
