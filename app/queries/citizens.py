"""Who are our citizens (workflows.md section 1, "during"): the cases by age band, gender, case
type, referral source and end reason, per quarter of the sidebar period.

The cohort: cases in `scoped_cases` that started in the period, counted by their start quarter;
for the end reason, cases that ended in the period, by their end quarter (an active case has no
end reason yet). Counts carry their cell key and outside count, so app/suppression.py hides and
perturbs them for every role as any other figure; the groups of a quarter add up to it, so a
lone hidden group takes a second one with it. There is no period total per group: the quarters
of a group would add up to it as well, and one table may be complemented one way only.

- `distribution(scope, filters, dimension)`: rows `quarter` (its first day), `group_value`,
  `cases`, `suppressed`, `suppressed_by`; the row with `group_value` 'all' and no quarter is the
  n of the period.
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.queries import with_counts
from app.scope import Scope

# dimension -> (group SQL over scoped_cases `c`, the date the cohort is counted by); identifiers
# only from here
DIMENSIONS = {
    "age_band": ("coalesce(c.age_band, 'unknown')", "c.start_date"),
    "gender": ("coalesce(c.gender, 'unknown')", "c.start_date"),
    "case_type": ("c.case_type", "c.start_date"),
    "referred_by": ("coalesce(c.referred_by, 'unknown')", "c.start_date"),
    "end_reason": ("coalesce(c.end_reason, 'unknown')", "c.end_date"),
}
AGE_BANDS = ("<18", "18-24", "25-34", "35-49", "50+")

_DISTRIBUTION_SQL = """
cohort as (
    -- the cases counted, with their group and quarter; grain: one row per case
    select
        c.case_id,
        c.record_key,
        c.is_exact,
        {group} as cohort_group,
        date_trunc('quarter', {on})::date as quarter,
    from scoped_cases as c
    where {on} between $period_start::date and $period_end::date
)
-- the groups of each quarter add up to the quarter (no period total per group: its quarters
-- would add up to it too, and a lone hidden quarter would be the difference); one grouping set
-- for the quarters' groups and one for the period's 'all' row, so the count is written once
select
    quarter,
    case when grouping(cohort_group) = 0 then cohort_group else 'all' end as group_value,
    {cases}
    strftime(quarter, '%Y-%m') as total_group,
from cohort as c
group by grouping sets ((quarter, cohort_group), ())
order by quarter nulls last, group_value
"""


def distribution(scope: Scope, filters: Filters, dimension: str) -> pl.DataFrame:
    """Cases per quarter and group of `dimension`, and the period's n (see the module)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    group, on = DIMENSIONS[dimension]
    sql = with_counts(_DISTRIBUTION_SQL, cases="true").replace("{group}", group)
    return data.run(
        "with " + sql.replace("{on}", on).strip(),
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="cases", total_group="total_group"),
    )
