"""Matching insights (workflows.md section 1, "before"): outcomes and fidelity by how the worker
matches the citizen: same or different gender, and the age gap band (`mart.case_matching`).

The population: cases in `scoped_cases` active at some time in the sidebar period. Per group:
- `cases`: the cases of the group;
- WHO-5: `who5_cases` with a valid pre and post, `who5_improved` reliably improved (recovered
  included), `who5_improved_share`, `who5_median_change`;
- progression: `progression_cases` scored twice or more, `progression_median_change` (latest
  minus first score);
- fidelity: `fidelity_cases` (with a period to judge), `on_cadence`, `on_cadence_share`.
Every count carries its cell key and outside count, so app/suppression.py hides and perturbs it
for every role as any other figure (docs/suppression.md); a share is hidden when its numerator
or its complement is 1-4; medians go with their counts. The 'all' row is the n under the chart.

- `by_match(scope, filters, match)`: one row per group of `match` (MATCHES) and an 'all' row.
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.queries import with_counts
from app.scope import Scope

# match name -> SQL over mart.case_matching `m` (identifiers only from here)
MATCHES = {
    "gender_match": "coalesce(m.gender_match, 'unknown')",
    "age_gap_band": "coalesce(m.age_gap_band, 'unknown')",
}
GROUP_ORDER = {
    "gender_match": ("same", "different", "unknown"),
    "age_gap_band": ("<10", "10-19", "20-29", "30+", "unknown"),
}
# (count, numerator or None, ratio or None, further values, flag): one suppression rule each
FIGURES = (
    ("cases", None, None, (), "cases_suppressed"),
    ("who5_cases", "who5_improved", "who5_improved_share", ("who5_median_change",),
     "who5_suppressed"),
    ("progression_cases", None, None, ("progression_median_change",), "progression_suppressed"),
    ("fidelity_cases", "on_cadence", "on_cadence_share", (), "fidelity_suppressed"),
)  # fmt: skip

_BY_MATCH_SQL = """
cohort as (
    -- cases active in the period with their match; grain: one row per case
    select
        c.case_id,
        c.record_key,
        c.is_exact,
        {group} as match_group,
        m.who5_change,
        m.who5_reliable_change,
        m.progression_change,
        m.on_cadence,
    from scoped_cases as c
    inner join mart.case_matching as m on m.case_id = c.case_id
    where mart.is_active_between(c.start_date, c.end_date, $period_start::date,
                                    $period_end::date)
),
figures as (
    -- grain: one row per group, and one 'all' row of every case (the groups add up to it):
    -- one grouping set each, so a figure is written once for both
    select
        case when grouping(match_group) = 0 then match_group else 'all' end as group_value,
        {cases}
        {who5_cases}
        {who5_improved}
        quantile_cont(c.who5_change, 0.5) as who5_median_change,
        {progression_cases}
        quantile_cont(c.progression_change, 0.5) as progression_median_change,
        {fidelity_cases}
        {on_cadence}
        case when grouping(match_group) = 0 then 'groups' end as total_group,
    from cohort as c
    group by grouping sets ((match_group), ())
)
select
    *,
    who5_improved / nullif(who5_cases, 0) as who5_improved_share,
    on_cadence / nullif(fidelity_cases, 0) as on_cadence_share,
from figures
"""
_BY_MATCH_SQL = with_counts(
    _BY_MATCH_SQL,
    cases="true",
    who5_cases="c.who5_reliable_change is not null",
    who5_improved="c.who5_reliable_change = 'improved'",
    progression_cases="c.progression_change is not null",
    fidelity_cases="c.on_cadence is not null",
    on_cadence="c.on_cadence",
)


def rules() -> list[data.Rule]:
    """One rule per figure: hidden when small, the share and median with their count."""
    return [
        data.Rule(count=count, numerator=numerator, ratio=ratio, flag=flag,
                  values=(*values, *([ratio] if ratio else [])), total_group="total_group")
        for count, numerator, ratio, values, flag in FIGURES
    ]  # fmt: skip


def by_match(scope: Scope, filters: Filters, match: str) -> pl.DataFrame:
    """Outcomes and fidelity per group of `match`, then the 'all' row (see the module)."""
    if match not in MATCHES:
        raise ValueError(f"unknown match {match!r}")
    sql = "with " + _BY_MATCH_SQL.strip().replace("{group}", MATCHES[match])
    frame = data.run(sql, scope=scope, filters=filters, suppress=rules())
    order = {value: i for i, value in enumerate((*GROUP_ORDER[match], "all"))}
    return frame.sort(pl.col("group_value").replace_strict(order, default=len(order)))
