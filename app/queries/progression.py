"""Progression: the citizens' own 1-10 scores by months since the case started.

The cohort is the cases active at some time in the sidebar period (start on or before its end,
not ended before its start); their whole score history counts, so a case's line is never cut.

- `by_month(scope, filters, split)`: grain one row per month since start (x split group):
  `month_no, split_group, n_cases, q1, median, q3, total_group, suppressed, suppressed_by`.
  A case counts once per month (its last score that month). Groups of 1-4 cases hide.
- `case_lines(scope, filters, cap)`: case level; the scores of at most `cap` cases (a fixed
  pseudo-random sample), and the number of cases there were to choose from.
- `expected_band(scope, band)`: the national expected band of one start band (not scoped, by
  contract), reliable months only: `month, n_cases, p10 ... p90, band_cases`.
- `band_median(scope, filters, band)`: the viewer's own population against the band: grain one
  row per (capped) month: `month, n_cases, median, suppressed, suppressed_by`, the cohort's later
  scores in that start band (a case's last of each month); months of 1-4 cases hide.
  `band_cases(scope, filters, band)`: how many cohort cases that line rests on (None when hidden).
- `band_points(scope, filters, band, cap)`: case level; the cohort's later scores in that start
  band with their `tracking`, whole cases of a fixed sample up to `cap` points.
- `alert_check(scope, filters)` and `poor_endings(scope, filters)`: how the off-track flag worked
  for closed and discontinued cases (indicators.md section 1, for evaluators), suppressed.
- `first_latest(scope, filters)`: grain one row per (first | latest) x score: `which, score,
  n_cases` for cases with two or more scores; the rows of one `which` add up to the cases shown.
  `followed_cases(scope, filters)`: how many cases those are, as one published count.
"""

from __future__ import annotations

import polars as pl

from app import data, suppression
from app.filters import Filters
from app.queries import CASE_LEVEL_SPLITS, WORKER_LABEL_SQL, allowed_splits, with_counts
from app.scope import Scope

# split name -> SQL expression over scoped_cases `s` (identifiers from this allow-list only)
SPLITS = {
    "none": "null::varchar",
    "case_type": "s.case_type",
    "gender": "s.gender",
    "age_band": "s.age_band",
    # joint learning across cases (workflows.md section 1): by how cases ended, where they came from
    "end_reason": "s.end_reason",
    "referred_by": "s.referred_by",
    "municipality": "s.municipality_name",
    "worker": WORKER_LABEL_SQL,
}
DEFAULT_CAP = 40

COHORT = """
cohort as (
    -- cases active at some time in the period; grain: one row per case
    select s.*, {split} as split_group,
    from scoped_cases as s
    left join scoped_workers as w on w.worker_id = s.worker_id
    where mart.is_active_between(s.start_date, s.end_date, $period_start::date, $period_end::date)
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
    p.months_since_start_exact as months,
    p.score,
    (select count(*) from followed) as cases_available,
from mart.progression as p
inner join picked as c on c.case_id = p.case_id
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


TWICE_SCORED_SQL = """
-- cohort cases with two or more progression scores (those of first_latest); grain: one row
select {n_cases}
from cohort as c
where (select count(*) from mart.progression as p where p.case_id = c.case_id) >= 2
"""
TWICE_SCORED_SQL = with_counts(TWICE_SCORED_SQL, n_cases="true")


def followed_cases(scope: Scope, filters: Filters) -> int | None:
    """Cases behind the first/latest counts, published as one count (None when 1-4 and hidden):
    the n under the chart counts its hidden bars too (docs/suppression.md, rule 6)."""
    frame = data.run(
        _with_cohort(TWICE_SCORED_SQL),
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases"),
    )
    return None if frame["suppressed"][0] else int(frame["n_cases"][0])


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


# --- the expected band (indicators.md section 1) -------------------------------------------------

BANDS = ("low", "mid", "high")
# single-case points drawn over the band: a few whole cases, read one by one beside the median
# line of all the viewer's cases (4,000 were a cloud that hid the band at 100,000 cases)
CASE_POINT_CAP = 250

EXPECTED_SQL = """
-- the national expected band of one start band, reliable months only; grain: one row per month
select
    e.month,
    e.n_cases,
    e.p10,
    e.p25,
    e.p50,
    e.p75,
    e.p90,
    (
        select count(*) from mart.progression_tracking as t
        where t.measurement_no = 1 and t.start_band = $band
    ) as band_cases,
from mart.expected_progression as e
where e.start_band = $band and e.is_reliable
order by e.month
"""

BAND_POINTS_SQL = """
tracked as (
    -- the cohort's scores after the first, in one start band; grain: one row per measurement
    select
        t.case_id,
        t.measured_on,
        least(p.months_since_start_exact, k.expected_month_cap + 0.99) as months,
        t.score,
        t.tracking,
        t.expected_p50,
    from mart.progression_tracking as t
    inner join cohort as c on c.case_id = t.case_id
    inner join mart.progression as p
        on p.case_id = t.case_id and p.measured_on = t.measured_on
    cross join mart.constants as k
    where t.start_band = $band and t.measurement_no > 1
),

sized as (
    -- a fixed pseudo-random order of cases, with the points drawn up to each; grain: case
    select
        case_id,
        sum(count(*)) over (order by md5(case_id) rows unbounded preceding) as points_so_far,
    from tracked
    group by case_id
)

-- whole cases in that order until the cap; grain: one row per measurement
select
    t.*,
    (select count(*) from sized) as cases_available,
from tracked as t
inner join sized as s on s.case_id = t.case_id
where s.points_so_far <= $cap
order by t.case_id, t.measured_on
"""


BAND_MONTHLY = """
monthly as (
    -- the cohort's scores after the first in one start band, each case's last in each month as
    -- the band compares them (the capped month); grain: one row per case x month
    select t.case_id, c.record_key, c.is_exact, t.month, t.score,
    from mart.progression_tracking as t
    inner join cohort as c on c.case_id = t.case_id
    where t.start_band = $band and t.measurement_no > 1
    qualify row_number() over (partition by t.case_id, t.month order by t.measured_on desc) = 1
)"""

BAND_MEDIAN_SQL = """
{monthly},

-- the viewer's median score per month in one start band; grain: one row per month
select
    month,
    {n_cases}
    quantile_cont(score, 0.5) as median,
from monthly as c
group by month
order by month
"""
BAND_MEDIAN_SQL = with_counts(BAND_MEDIAN_SQL.replace("{monthly}", BAND_MONTHLY), n_cases="true")

BAND_CASES_SQL = """
{monthly},

cases as (
    -- the cases behind the line; grain: one row per case
    select case_id, any_value(record_key) as record_key, any_value(is_exact) as is_exact,
    from monthly
    group by case_id
)

-- how many they are; grain: one row
select {n_cases}
from cases as c
"""
BAND_CASES_SQL = with_counts(BAND_CASES_SQL.replace("{monthly}", BAND_MONTHLY), n_cases="true")


def _check_band(band: str) -> None:
    if band not in BANDS:
        raise ValueError(f"unknown start band {band!r}")


def expected_band(scope: Scope, band: str) -> pl.DataFrame:
    """The expected band of `band` by month (mart.expected_progression; reliable months only).

    National by contract (indicators.md section 1: the reference is not scoped to the viewer), so
    it is read beside the scoped queries, like the reference constants; a month rests on at
    least 20 citizens, and the small-number rule is applied all the same.
    """
    _check_band(band)
    frame = data.run_meta(EXPECTED_SQL, {"band": band})
    rule = data.Rule(count="n_cases", values=("p10", "p25", "p50", "p75", "p90"))
    return suppression.apply(frame, rule, on=True)


def band_median(scope: Scope, filters: Filters, band: str) -> pl.DataFrame:
    """The median of the viewer's cohort cases in `band` per month (see module docstring)."""
    _check_band(band)
    return data.run(
        _with_cohort(BAND_MEDIAN_SQL),
        {"band": band},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases", values=("median",)),
    )


def band_cases(scope: Scope, filters: Filters, band: str) -> int | None:
    """The cohort cases with a later score in `band` (the median line's), None when hidden."""
    _check_band(band)
    frame = data.run(
        _with_cohort(BAND_CASES_SQL),
        {"band": band},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_cases"),
    )
    return None if frame["suppressed"][0] else int(frame["n_cases"][0])


def band_points(
    scope: Scope, filters: Filters, band: str, cap: int = CASE_POINT_CAP
) -> tuple[pl.DataFrame, int]:
    """Case level: the scores (after the first) of whole cohort cases in `band`, a fixed sample
    of at most `cap` points, with their tracking; and how many cases there were to draw."""
    _check_band(band)
    frame = data.run(
        _with_cohort(BAND_POINTS_SQL),
        {"band": band, "cap": cap},
        scope=scope,
        filters=filters,
        level="case",
    )
    available = int(frame["cases_available"][0]) if frame.height else 0
    return frame.drop("cases_available"), available


# --- checking the alerts (indicators.md section 1, last part) ------------------------------------

ENDED = """
ended as (
    -- closed and discontinued cases, flagged when ever off track before they ended;
    -- grain: one row per case
    select
        s.case_id,
        s.status = 'discontinued' as is_discontinued,
        s.end_reason = 'goals_met' as met_goals,
        s.status = 'discontinued' or s.end_reason in ('not_met', 'citizen_withdrew') as is_poor,
        coalesce((
            select bool_or(t.tracking = 'off_track') from mart.progression_tracking as t
            where t.case_id = s.case_id and t.measured_on <= s.end_date
        ), false) as was_flagged,
        o.reliable_change,
    from scoped_cases as s
    left join mart.case_outcomes as o on o.case_id = s.case_id and o.instrument = 'WHO5'
    where s.status in ('closed', 'discontinued')
)"""

ALERT_CHECK_SQL = """
-- endings of flagged and never-flagged cases; grain: one row per group ('flagged' | 'never')
select
    case when was_flagged then 'flagged' else 'never' end as flag_group,
    count(*) as n_cases,
    count(*) as n_goals,
    count(*) filter (where met_goals) as k_goals_met,
    count(*) filter (where met_goals) / count(*) as share_goals_met,
    count(*) as n_discontinued,
    count(*) filter (where is_discontinued) as k_discontinued,
    count(*) filter (where is_discontinued) / count(*) as share_discontinued,
    count(reliable_change) as n_who5,
    count(*) filter (where reliable_change = 'improved') as k_who5_improved,
    count(*) filter (where reliable_change = 'improved') / nullif(count(reliable_change), 0)
        as share_who5_improved,
    -- the two groups add up to the ended cases
    'groups' as total_group,
from ended
group by flag_group
order by flag_group
"""

POOR_ENDINGS_SQL = """
-- the poor endings and those flagged before they ended; grain: one row
select
    count(*) filter (where is_poor) as n_poor,
    count(*) filter (where is_poor and was_flagged) as k_flagged,
    count(*) filter (where is_poor and was_flagged) / nullif(count(*) filter (where is_poor), 0)
        as share_flagged,
from ended
"""
# share name -> its (count, numerator, share) columns in ALERT_CHECK_SQL
ALERT_SHARES = {
    "goals": ("n_goals", "k_goals_met", "share_goals_met"),
    "discontinued": ("n_discontinued", "k_discontinued", "share_discontinued"),
    "who5": ("n_who5", "k_who5_improved", "share_who5_improved"),
}


def _with_ended(body: str) -> str:
    return "with " + ENDED.strip() + ",\n" + body.strip()


def alert_check(scope: Scope, filters: Filters) -> pl.DataFrame:
    """How the off-track flag worked for ended cases (indicators.md section 1): per group
    ('flagged' = ever off track before the end, 'never'), cases, goals met, discontinued and
    WHO-5 reliably improved (of those with a WHO-5 outcome). Suppressed per share; a group
    hidden as a whole hides all its figures."""
    rules = [data.Rule(count="n_cases", total_group="total_group")]
    rules += [
        data.Rule(count=n, values=(share,), numerator=k, flag=f"{name}_suppressed")
        for name, (n, k, share) in ALERT_SHARES.items()
    ]
    frame = data.run(_with_ended(ALERT_CHECK_SQL), scope=scope, filters=filters, suppress=rules)
    figures = [c for triple in ALERT_SHARES.values() for c in triple]
    return frame.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in figures
    )


def poor_endings(scope: Scope, filters: Filters) -> dict:
    """The poor endings (not met, withdrawn or discontinued) and the share flagged before they
    ended: `n_poor, k_flagged, share_flagged, suppressed, suppressed_by`."""
    frame = data.run(
        _with_ended(POOR_ENDINGS_SQL),
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n_poor", values=("share_flagged",), numerator="k_flagged"),
    )
    return frame.row(0, named=True)
