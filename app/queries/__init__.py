"""Named queries, one module per page (`app/queries/<page>.py`); each calls `app.data.run`.

What several pages share about splitting by group and about funnel plots lives here, without
Streamlit: the leadership report (run from the CLI) fits its funnel with `fit_funnel` and the
fidelity page's SQL (`app.queries.fidelity_sql`), run on its own reader (`app.scoping`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from app import funnel, scoping
from app.filters import Filters
from app.scope import Scope
from app.suppression import with_counts

# runs a scoped query as `app.data.run` does (scope, filters, level as keywords): `data.run` on
# the dashboard, `app.scoping.reader_run(reader)` in the leadership report
ScopedRun = Callable[..., pl.DataFrame]

# a worker shown by name and id, over scoped_cases `s` left-joined to scoped_workers `w`
WORKER_LABEL_SQL = "coalesce(w.name || ' (' || s.worker_id || ')', s.worker_id)"
# splits naming single workers: only for viewers who may see cases, and then at case level
CASE_LEVEL_SPLITS = frozenset({"worker"})


def allowed_splits(names: Iterable[str], scope: Scope) -> list[str]:
    """The splits this viewer may choose (single workers only for case-level viewers)."""
    return [name for name in names if scope.case_level or name not in CASE_LEVEL_SPLITS]


# funnel-plot units (indicators.md section 2) -> SQL (code, label) over a cohort `s` with
# scoped_workers `w` left-joined; identifiers only from here
FUNNEL_UNITS = {
    "municipality": ("s.municipality_code", "s.municipality_name"),
    "worker": ("s.worker_id", WORKER_LABEL_SQL),
}


def funnel_units(scope: Scope) -> list[str]:
    """The units this viewer may compare: municipalities for every role that sees other
    municipalities' aggregates (not a worker, who counts only their own cases); single workers
    for evaluators and coordinators (their own) who may see cases."""
    units = [] if scope.role == "worker" else ["municipality"]
    if scope.case_level and scope.role in ("national", "coordinator"):
        units.append("worker")
    return units


def funnel_level(unit: str) -> str:
    """Workers are compared case by case (a coordinator's own only); municipalities as aggregates."""
    if unit not in FUNNEL_UNITS:
        raise ValueError(f"unknown funnel unit {unit!r}")
    return "case" if unit in CASE_LEVEL_SPLITS else "aggregate"


FUNNEL_SQL = """
-- events and cases per unit for one indicator; grain: one row per unit with any case
select
    {code} as unit_code,
    any_value({label}) as unit_label,
    {events}
    {total}
from {population} as s
left join scoped_workers as w on w.worker_id = s.worker_id
where {code} is not null
group by unit_code
having count(*) filter (where {denominator}) > 0
order by unit_code
"""
# each unit's counts with their cell keys and outside parts (app/funnel.py perturbs and hides)
FUNNEL_SQL = with_counts(
    FUNNEL_SQL, case="s", events="{denominator} and {event}", total="{denominator}"
)


def funnel_filters(scope: Scope, filters: Filters, unit: str) -> Filters:
    """The view a funnel by `unit` compares: by municipality every municipality the viewer sees
    as aggregates (the country, `scoping.country`), whatever the municipality filter, the other
    filters applied; by worker the filters' own view."""
    if unit == "municipality":
        return scoping.country(scope, filters) or filters
    return filters


def fit_funnel(
    sql: str,
    params: dict | None,
    *,
    scope: Scope,
    filters: Filters,
    unit: str,
    overdispersion: bool,
    run: ScopedRun,
) -> funnel.Funnel:
    """The funnel of `sql` (FUNNEL_SQL over a page's population) by `unit`, over the view
    `funnel_filters` gives, the filter's municipalities marked (a coordinator's own, by
    default): a funnel of the chosen municipalities alone was one dot against limits fitted on
    itself. Its figures are that view's (`data.treatment`): a national viewer's hidden when
    small, a coordinator's other municipalities perturbed too (with the values the leadership
    report's presentation-mode funnel prints, `reports.leadership.fitted_funnel`, which calls
    this with the same SQL); marking changes none. `run`: `data.run` on the dashboard."""
    level = funnel_level(unit)
    compared = funnel_filters(scope, filters, unit)
    # unsuppressed on purpose: the limits need every unit; funnel.fit hides what is drawn
    counts = run(sql, params, scope=scope, filters=compared, level=level)
    how = scoping.treatment(scope, compared, level)
    marked = filters.municipalities if unit == "municipality" else ()
    return funnel.fit(counts, overdispersion=overdispersion, treatment=how, marked=marked)
