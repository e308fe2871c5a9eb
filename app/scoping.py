"""Scoping of the dashboard's queries, without Streamlit: the `scoped_cases`, `scoped_workers`
and `scoped_rejected` CTEs, the $parameters a viewer's scope and view bind in them, the
treatment of their figures (exact, hidden when small, perturbed) and the checks every scoped
query passes. `app.data.run` runs them on the dashboard's cached reader (see its docstring for
the rules); the leadership report, run from the CLI, runs the same queries on its own
`warehouse.db.Reader` (`on_reader`), so the two count a view in one way.

- `run(execute, sql, params, *, scope, filters, level, suppress)`: the scoped query run by
  `execute(sql, bound)` (`app.data`'s cached one, or `on_reader(reader)`), suppressed as the
  view's treatment says.
- `scope_params(scope, level)`, `filter_params(filters)`, `scoped_sql(sql)`: the pieces.
- `treatment(scope, filters, level)`, `suppression_on(...)`, `country(scope, filters)`.
- `on_reader(reader)` / `reader_run(reader)`: `execute` / `run` on a reader of the caller's own.
- `used_params(sql, params)`: the parameters `sql` names (ValueError for one without a value).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import polars as pl

from app import suppression
from app.filters import Filters
from app.scope import Scope
from app.suppression import Rule
from warehouse.db import Reader

# runs a query with its bound parameters: app.data's cached reader, or `on_reader`
Execute = Callable[[str, dict], pl.DataFrame]
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
MAX_OUTSIDE_MUNICIPALITIES = 1

SCOPED_CASES = """scoped_cases as (
    -- the cases this viewer may count, after the sidebar filters; grain: one row per case
    select
        c.*,
        -- the case's fixed random key for cell-key perturbation (app/suppression.py)
        {record_key} as record_key,
        -- a case the viewer may see row by row anyway: its figures stay exact
        ($exact_all or list_contains($exact_munis::varchar[], c.municipality_code)) as is_exact,
    from mart.cases as c
    where (not $scope_limit_munis or list_contains($scope_munis::varchar[], c.municipality_code))
        and ($scope_worker::varchar is null or c.worker_id = $scope_worker::varchar)
        and (len($f_munis::varchar[]) = 0
            or list_contains($f_munis::varchar[], c.municipality_code))
        and (len($f_types::varchar[]) = 0 or list_contains($f_types::varchar[], c.case_type))
        and (len($f_genders::varchar[]) = 0 or list_contains($f_genders::varchar[], c.gender))
        and (len($f_ages::varchar[]) = 0 or list_contains($f_ages::varchar[], c.age_band))
        and (len($f_workers::varchar[]) = 0 or list_contains($f_workers::varchar[], c.worker_id))
),
scoped_workers as (
    -- mart.workers with a name only for the coordinators of the worker's own municipality and
    -- the worker themself (export-format.md 3.2); grain: one row per worker
    select w.* replace (
        case
            when list_contains($name_munis::varchar[], w.municipality_code)
                or w.worker_id = $name_worker::varchar
            then w.name
        end as name
    ),
    from mart.workers as w
    -- a worker reads only their own row (as they count only their own cases)
    where $scope_worker::varchar is null or w.worker_id = $scope_worker::varchar
),
scoped_rejected as (
    -- the rejected rows still to fix that this viewer may read (their cells and messages are
    -- personal data), by the case and municipality the loader stored on each: national all
    -- (also rows naming no loaded case yet); others the rows of a case they may see case by
    -- case, and coordinators also case and worker rows naming their municipality; nothing
    -- for viewers who see aggregates only. Grain: one row per rejected row.
    select r.*,
    from etl.rejected_rows as r
    where r.resolved_batch_id is null
        and $rejected_rows_shown
        and (
            $rejected_all
            or r.case_id in (select case_id from scoped_cases)
            or (
                r.table_name in ('forloeb', 'medarbejdere')
                and list_contains($rejected_munis::varchar[], r.municipality_code)
            )
        )
)""".replace("{record_key}", suppression.RECORD_KEY_SQL)


class NotAllowed(PermissionError):
    """The viewer's role may not run this query (e.g. a case list for an aggregate-only viewer)."""


class TooManyOutside(NotAllowed):
    """A perturbed view that adds up more than one municipality outside the viewer's own area.

    Each published count carries a fixed noise, so one difference of two views tells a hidden
    group only to within a few cases; but with any set of other municipalities to add up, "B +
    Hvidovre" minus "B" can be taken for many sets B, and the mean of those differences is
    Hvidovre's count (the averaging attack, docs/suppression.md). One other municipality at a
    time (plus the viewer's own, which are exact) leaves nothing to average. The same holds
    for a worker filter (a worker's cases elsewhere are other municipalities' cases): one
    worker at most, unless the view is of own municipalities only (then it is exact).
    """


MAX_OUTSIDE_MUNICIPALITIES = 1


# what a data.run query reads its rows from (one of them at least): the scoped sources of SCOPED_CASES
SCOPED_SOURCES = ("scoped_cases", "scoped_workers", "scoped_rejected")


def scope_params(scope: Scope, level: str) -> dict:
    """The $parameters of the scoped CTEs for this viewer at `level` (NotAllowed: case level
    for a viewer without it)."""
    if level not in ("case", "aggregate"):
        raise ValueError(f"unknown level {level!r}")
    if level == "case" and not scope.case_level:
        raise NotAllowed("case-level rows are not available to this viewer")
    limit = level == "case" and scope.role == "coordinator"
    worker = scope.worker_id if scope.role == "worker" else None
    # own area: what the viewer may see case by case, so their figures about it stay exact and
    # the names they may read; national sees case rows everywhere but no staff names (3.2)
    coordinator = scope.role == "coordinator" and scope.case_level
    own_munis = sorted(scope.municipalities) if coordinator else []
    return {
        "scope_limit_munis": limit,
        "scope_munis": sorted(scope.municipalities),
        "scope_worker": worker,
        "exact_all": scope.role == "worker" and scope.case_level,
        "exact_munis": own_munis,
        "name_munis": own_munis,
        "name_worker": worker if scope.case_level else None,
        "cell_table": suppression.TABLE_SIZE,
        "rejected_rows_shown": scope.case_level,
        "rejected_all": scope.role == "national",
        "rejected_munis": own_munis,
    }


def filter_params(filters: Filters) -> dict:
    """The $parameters of the view: the case filters and the period (and the one before)."""
    prev_start, prev_end = filters.previous_period()
    return {
        "f_munis": list(filters.municipalities),
        "f_types": list(filters.case_types),
        "f_genders": list(filters.genders),
        "f_ages": list(filters.age_bands),
        "f_workers": list(filters.workers),
        "period_start": filters.period_start,
        "period_end": filters.period_end,
        "prev_start": prev_start,
        "prev_end": prev_end,
    }


def scoped_sql(sql: str) -> str:
    """The query with the `scoped_cases` CTE in front (merged into its own `with`, if any)."""
    body = sql.strip()
    while body.startswith("--"):  # a leading comment must not hide the query's own `with`
        body = body.partition("\n")[2].lstrip()
    match = re.match(r"with\s+(recursive\s+)?", body, flags=re.IGNORECASE)
    if match:
        return f"with {match.group(1) or ''}{SCOPED_CASES},\n{body[match.end() :]}"
    return f"with {SCOPED_CASES}\n{body}"


def suppression_on(scope: Scope, filters: Filters, level: str = "aggregate") -> bool:
    """Whether small numbers are hidden for this viewer and view (see app/suppression.py)."""
    return treatment(scope, filters, level).hide


def treatment(scope: Scope, filters: Filters, level: str = "aggregate") -> suppression.Treatment:
    """How this viewer's figures of this view are shown: exact, hidden when small, perturbed."""
    return suppression.treatment(
        presentation=scope.presentation,
        case_level=scope.case_level,
        role=scope.role,
        own_municipalities=scope.municipalities,
        filtered_municipalities=filters.municipalities,
        level=level,
    )


def country(scope: Scope, filters: Filters) -> Filters | None:
    """The same view for the whole country, the comparison beside a municipality's figures
    (a coordinator's default); None when the view is the country already, or the viewer counts
    only their own cases (a worker)."""
    if scope.role == "worker" or not filters.municipalities:
        return None
    return replace(filters, municipalities=())


def bind(params: dict | None, reserved: dict, *, caller: str) -> dict:
    """The query's parameters: the viewer's scope and the sidebar's filters (`reserved`) with the
    caller's own `params` beside them; a ValueError when one of `params` would redefine a
    reserved name (a caller's value must never replace the viewer's scope or the filters)."""
    clash = sorted(set(params or {}) & reserved.keys())
    if clash:
        raise ValueError(f"{caller} parameters may not redefine {clash}")
    return reserved | (params or {})


def run(
    execute: Execute,
    sql: str,
    params: dict | None = None,
    *,
    scope: Scope,
    filters: Filters,
    level: str = "aggregate",
    suppress: Rule | Sequence[Rule] | None = None,
) -> pl.DataFrame:
    """Run a query over `scoped_cases` for this viewer and these filters with `execute` (see
    module docstring): refuses unscoped sources, a parameter that would redefine the scope or the
    filters, and a perturbed view that adds up more than one other municipality or worker."""
    if not any(source in sql for source in SCOPED_SOURCES):
        # a case query that reads mart.* directly would skip the viewer's scope
        raise ValueError("data.run queries must read their cases from scoped_cases")
    if "etl.rejected_rows" in sql:
        raise ValueError("data.run queries must read rejected rows from scoped_rejected")
    if "mart.workers" in sql:
        # staff names are scoped too: only scoped_workers knows who may read them
        raise ValueError("data.run queries must read workers from scoped_workers")
    reserved = filter_params(filters) | scope_params(scope, level)
    bound = bind(params, reserved, caller="data.run")
    how = treatment(scope, filters, level)
    outside = set(filters.municipalities) - set(reserved["exact_munis"])
    if how.perturb and len(outside) > MAX_OUTSIDE_MUNICIPALITIES:
        raise TooManyOutside("a perturbed view may add up one other municipality at most")
    if how.perturb and len(filters.workers) > 1:
        # the same attack through the workers: sets of workers lent to other municipalities
        # are sets of other municipalities' cases ("B + W" minus "B")
        raise TooManyOutside("a perturbed view may count one worker's cases at most")
    if how.perturb:
        # An interpolated quantile of whole-number scores has the fraction (n - 1) * q in it,
        # which with the few n the noise leaves possible tells the exact n; a quantile that is
        # one of the scores (quantile_disc) tells nothing of n.
        sql = sql.replace("quantile_cont(", "quantile_disc(")
    frame = execute(scoped_sql(sql), bound)
    if suppress is not None:
        frame = suppression.apply(frame, suppress, on=how)
    return frame


def used_params(sql: str, params: dict) -> dict:
    """The parameters `sql` names (DuckDB refuses others), each with its value; a ValueError
    names those without one."""
    used = set(PARAM.findall(sql))
    missing = used - params.keys()
    if missing:
        raise ValueError(f"query parameters without a value: {sorted(missing)}")
    return {name: value for name, value in params.items() if name in used}


def on_reader(reader: Reader) -> Execute:
    """`run`'s `execute` on a reader of the caller's own (no cache): the leadership report's."""
    return lambda sql, params: reader.frame(sql, used_params(sql, params))


def reader_run(reader: Reader) -> Callable[..., pl.DataFrame]:
    """`run` on `reader`, called as `app.data.run` is (`sql, params, *, scope, filters, level,
    suppress`): what `app.queries.fit_funnel` takes to count on the report's reader."""
    return functools.partial(run, on_reader(reader))
