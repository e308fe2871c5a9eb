"""Progression: the citizens' own 1-10 scores by months since the case started.

The cohort is the cases active at some time in the sidebar period (start on or before its end,
not ended before its start); their whole score history counts, so a case's line is never cut.

- `by_month(scope, filters, split)`: grain one row per month since start (x split group):
  `month_no, split_group, n_cases, q1, median, q3, total_group, suppressed, suppressed_by`.
  A case counts once per month (its last score that month). Groups of 1-4 cases hide.
- `case_lines(scope, filters, cap)`: case level; the scores of at most `cap` cases (a fixed
  pseudo-random sample), and the number of cases there were to choose from.
- `first_latest(scope, filters)`: grain one row per (first | latest) x score: `which, score,
  n_cases` for cases with two or more scores; the rows of one `which` add up to the cases shown.
- `falls(scope, filters)`: case level; cases whose latest score fell 2 or more since the previous
  one, or is below their first.
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.queries import CASE_LEVEL_SPLITS, WORKER_LABEL_SQL, allowed_splits, with_counts
from app.scope import Scope

# split name -> SQL expression over scoped_cases `s` (identifiers from this allow-list only)
SPLITS = {
    "none": "null::varchar",
    "case_type": "s.case_type",
    "gender": "s.gender",
    "age_band": "s.age_band",
    "municipality": "s.municipality_name",
    "worker": WORKER_LABEL_SQL,
}
DEFAULT_CAP = 40
FALL_LIMIT = 2

COHORT = """
cohort as (
    -- cases active at some time in the period; grain: one row per case
    select s.*, {split} as split_group,
    from scoped_cases as s
    left join scoped_workers as w on w.worker_id = s.worker_id
    where staging.is_active_between(s.start_date, s.end_date, $period_start::date, $period_end::date)
)"""

BY_MONTH_SQL = """
monthly as (
    -- each case's last score in each month since its start; grain: one row per case x month
    select p.case_id, c.record_key, c.is_exact, c.split_group,
        p.months_since_start as month_no, p.score,
    from mart.progression as p
    inner join cohort as c on c.case_id = p.case_id
    where p.months_since_start >= 0
    qualify row_number() over (
        partition by p.case_id, p.months_since_start order by p.measured_on desc
    ) = 1
)

-- score quartiles per month since start; grain: one row per month x split group
select
    month_no,
    split_group,
    {n_cases}
    quantile_cont(score, 0.25) as q1,
    quantile_cont(score, 0.5) as median,
    quantile_cont(score, 0.75) as q3,
    -- the groups of a month add up to that month's cases (shown when not split)
    month_no::varchar as total_group,
from monthly as c
group by month_no, split_group
order by month_no, split_group
"""
BY_MONTH_SQL = with_counts(BY_MONTH_SQL, n_cases="true")

CASE_LINES_SQL = """
followed as (
    -- cohort cases with any score; grain: one row per case
    select distinct c.case_id
    from cohort as c
    inner join mart.progression as p on p.case_id = c.case_id
),

picked as (
    -- a fixed pseudo-random sample, so the same view draws the same cases
    select case_id from followed order by md5(case_id) limit $cap
)

-- the sampled cases' scores; grain: one row per measurement
select
    p.case_id,
    p.measured_on,
    p.days_since_start / k.days_per_month as months,
    p.score,
    (select count(*) from followed) as cases_available,
from mart.progression as p
inner join picked as c on c.case_id = p.case_id
cross join staging.constants as k
where p.months_since_start >= 0
order by p.case_id, p.measured_on
"""

FIRST_LATEST_SQL = """
ends as (
    -- first and latest score of cases scored twice or more; grain: one row per case
    select
        p.case_id,
        any_value(c.record_key) as record_key,
        any_value(c.is_exact) as is_exact,
        arg_min(p.score, p.measured_on) as first_score,
        arg_max(p.score, p.measured_on) as latest_score,
    from mart.progression as p
    inner join cohort as c on c.case_id = p.case_id
    group by p.case_id
    having count(*) >= 2
)

-- how many cases had each first and each latest score; grain: one row per which x score
select 'first' as which, first_score as score, {n_cases} 'first' as total_group,
from ends as c
group by first_score
union all
select 'latest', latest_score, {n_cases} 'latest',
from ends as c
group by latest_score
order by which, score
"""
FIRST_LATEST_SQL = with_counts(FIRST_LATEST_SQL, n_cases="true")

FALLS_SQL = """
ordered as (
    -- each cohort case's scores with its first and previous; grain: one row per measurement
    select
        p.case_id,
        p.measured_on,
        p.score,
        first_value(p.score) over by_date as first_score,
        first_value(p.measured_on) over by_date as first_on,
        lag(p.score) over by_date as previous_score,
        lag(p.measured_on) over by_date as previous_on,
        row_number() over (partition by p.case_id order by p.measured_on desc) as from_last,
    from mart.progression as p
    inner join cohort as c on c.case_id = p.case_id
    window by_date as (partition by p.case_id order by p.measured_on)
)

-- cases whose latest score fell: by $fall or more since the previous, or below the first;
-- grain: one row per case
select
    o.case_id,
    c.municipality_name,
    coalesce(w.name, c.worker_id) as worker,
    c.status,
    o.first_score,
    o.first_on,
    o.previous_score,
    o.previous_on,
    o.score as latest_score,
    o.measured_on as latest_on,
    o.score - o.previous_score as change_since_previous,
    o.score - o.first_score as change_since_first,
from ordered as o
inner join cohort as c on c.case_id = o.case_id
left join scoped_workers as w on w.worker_id = c.worker_id
where o.from_last = 1
    and o.previous_score is not null
    and (o.score - o.previous_score <= -$fall or o.score < o.first_score)
order by change_since_previous, change_since_first, o.case_id
"""


def splits(scope: Scope) -> list[str]:
    """The splits this viewer may choose (single workers only for case-level viewers)."""
    return allowed_splits(SPLITS, scope)


def _with_cohort(body: str, split: str = "none") -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    return "with " + COHORT.format(split=SPLITS[split]).strip() + ",\n" + body.strip()


def by_month(scope: Scope, filters: Filters, split: str = "none") -> pl.DataFrame:
    """Median and quartiles of the score per month since start (see module docstring)."""
    level = "case" if split in CASE_LEVEL_SPLITS else "aggregate"
    return data.run(
        _with_cohort(BY_MONTH_SQL, split),
        scope=scope,
        filters=filters,
        level=level,
        suppress=data.Rule(
            count="n_cases", values=("q1", "median", "q3"), total_group="total_group"
        ),
    )


def case_lines(scope: Scope, filters: Filters, cap: int = DEFAULT_CAP) -> tuple[pl.DataFrame, int]:
    """The scores of at most `cap` cases, and how many cases could have been drawn."""
    frame = data.run(
        _with_cohort(CASE_LINES_SQL), {"cap": cap}, scope=scope, filters=filters, level="case"
    )
    available = int(frame["cases_available"][0]) if frame.height else 0
    return frame.drop("cases_available"), available


def first_latest(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Counts of cases by first and by latest score (see module docstring)."""
    return data.run(
        _with_cohort(FIRST_LATEST_SQL),
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases", total_group="total_group"),
    )


def falls(scope: Scope, filters: Filters, fall: int = FALL_LIMIT) -> pl.DataFrame:
    """Cases whose latest score fell (see module docstring); case level."""
    return data.run(
        _with_cohort(FALLS_SQL), {"fall": fall}, scope=scope, filters=filters, level="case"
    )


def followed_cases(first_latest_frame: pl.DataFrame) -> int | None:
    """Cases behind the first/latest counts (None when any count is hidden)."""
    firsts = first_latest_frame.filter(pl.col("which") == "first")
    if firsts["suppressed"].any():
        return None
    return int(firsts["n_cases"].sum())


FOLLOWED_SQL = """
-- cohort cases with any progression score; grain: one row
select {n_cases}
from cohort as c
where exists (select 1 from mart.progression as p where p.case_id = c.case_id)
"""
FOLLOWED_SQL = with_counts(FOLLOWED_SQL, n_cases="true")


def followed(scope: Scope, filters: Filters) -> int | None:
    """Cohort cases with any score (None when 1-4 and hidden)."""
    frame = data.run(
        _with_cohort(FOLLOWED_SQL),
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases"),
    )
    return None if frame["suppressed"][0] else int(frame["n_cases"][0])


def largest_groups(frame: pl.DataFrame, keep: int) -> tuple[pl.DataFrame, int]:
    """Only the `keep` groups with the most case-months (small multiples stay readable), and
    how many groups there were."""
    sizes = frame.group_by("split_group").agg(pl.col("n_cases").fill_null(0).sum().alias("size"))
    kept = sizes.sort(["size", "split_group"], descending=[True, False]).head(keep)
    shown = frame.join(kept.select("split_group"), on="split_group", how="semi", nulls_equal=True)
    return shown, sizes.height
