"""The data-access layer: every dashboard query goes through here, scoped to the viewer.

Pages never hold SQL or import DuckDB. They call query functions (in `app/queries/<page>.py`),
which call `run`:

    from app import data
    frame = data.run(
        "select case_type, count(*) as n from scoped_cases group by case_type",
        scope=data.current_scope(), filters=data.current_filters(),
        suppress=data.Rule(count="n", total_group=None),
    )

`run(sql, params, *, scope, filters, level, suppress)`:
- prepends the CTE `scoped_cases` = `mart.cases` restricted by the scope and the sidebar filters
  (all values bound as $parameters); the query selects from `scoped_cases` and joins the other
  marts on `case_id`. A query that starts with `with` is merged into the same `with`.
- binds these parameters when the SQL mentions them: `$period_start`, `$period_end` (the period
  in the sidebar, whole months), `$prev_start`, `$prev_end` (the equal-length period before),
  plus the caller's own `params` (values only; identifiers come from allow-lists in the caller).
- `level="aggregate"` (default): a coordinator counts the whole country, a worker only their own
  cases, a viewer everything; `treatment(scope, filters, level)` says whether the figures are
  exact, hidden when small, or also perturbed (app/suppression.py, docs/suppression.md).
  `scoped_cases` carries each case's `record_key` (cell-key perturbation) and `is_exact` (the
  viewer may see it case by case); counts hand both on through `app.queries.counted`.
- a second CTE `scoped_workers` is `mart.workers` with `name` only where the viewer may read it
  (coordinators of the worker's own municipality, the worker themself); queries read workers
  from it, never from `mart.workers`. `level="case"`: rows about single cases; a
  coordinator sees their own municipalities only, a worker their own cases, and a viewer (or
  presentation mode) gets `NotAllowed` (a PermissionError; `components.run_page` shows a message).
- results are cached (st.cache_data) by SQL, parameters and the warehouse file's mtime, so a new
  load shows up at once; suppression is applied after the cache. `@data.shared` caches a query
  module's own work on results (statistics) the same way, once for all sessions.

- a third CTE `scoped_rejected` is the rejected rows still to fix (`etl.rejected_rows`) that the
  viewer may read, by the `case_id` and `municipality_code` the loader stored on each row (national
  all; a coordinator the rows of their cases and the case/worker rows naming their municipality; a
  worker the rows of their own cases; nobody else). Use `level="case"` for it.

`run_staff(sql, params, *, scope, level, suppress)` is for questions about the staff themselves
(find a worker): `scoped_workers` without the sidebar's case filters.

`run_meta(sql, params)` is for records that name no one (`etl.batches`, `etl.check_runs`, `ref.*`,
`mart.constants`, ...); it refuses the scoped sources. `audit_events(scope, ...)` reads the audit
trail for the viewers who may (`NotAllowed` otherwise).

Other helpers: `status()` ("missing" | "not_ready" | "empty" | "ready"), `as_of()`, `last_load()`,
`filter_options(scope)`, `current_scope()`, `current_filters()` (set by the router each run),
`suppression_on(scope, filters, level)`.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl
import streamlit as st

from app import i18n, suppression
from app.filters import FilterOptions, Filters
from app.scope import Scope
from app.suppression import Rule
from warehouse.db import Reader, db_path

__all__ = [
    "NotAllowed",
    "Rule",
    "run",
    "run_meta",
    "run_staff",
    "audit_events",
    "status",
    "as_of",
    "last_load",
]

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 1024
# the queries asked lately (any viewer, any page), which a new load's warm-up asks again
RECENT_QUERIES = 300
SCOPE_KEY = "_lat_scope"
FILTERS_KEY = "_lat_filters"

_SCOPED_CASES = """scoped_cases as (
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
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


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
T = TypeVar("T")


# --- the warehouse -----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> Reader:
    return Reader(Path(path))


def _mtime_ns() -> int:
    return db_path().stat().st_mtime_ns


def release_reader() -> bool:
    """Hand back the reader's memory (`Reader.release`): for a server whose last session ended."""
    return _reader(str(db_path())).release()


def status() -> str:
    """'missing' (no file), 'not_ready' (no marts), 'empty' (nothing loaded) or 'ready'."""
    if not db_path().exists():
        return "missing"
    try:
        loaded = _execute("select count(*) as n from etl.batches", {})
        _execute("select as_of from mart.as_of", {})
    except duckdb.Error:
        return "not_ready"
    return "ready" if loaded["n"][0] > 0 else "empty"


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached(path: str, mtime_ns: int, sql: str, params: tuple) -> pl.DataFrame:
    """One query's result; `path` and `mtime_ns` are in the key so a new load is seen."""
    bound = {name: list(value) if isinstance(value, tuple) else value for name, value in params}
    return _reader(path).frame(sql, bound)


# functions whose results `shared` caches, by name (what `_shared_result` calls)
_SHARED: dict[str, Callable] = {}


def shared(function: Callable[..., T]) -> Callable[..., T]:
    """`function`'s results cached like `run`'s: once for every session, by its arguments (the
    viewer's scope and filters among them) and the warehouse file, at most CACHE_MAX_ENTRIES
    for CACHE_TTL_SECONDS. For work on query results that is the same for every viewer of the
    same scope and view (the pre/post page's statistics of 10,000 score pairs), which each
    session's run would otherwise repeat. `function` may depend on nothing else: no session
    state, no language (labels are put on after), not the user's name (a Scope argument
    arrives without it).
    """
    name = f"{function.__module__}.{function.__qualname__}"
    _SHARED[name] = function

    @functools.wraps(function)
    def cached(*args: object, **kwargs: object) -> T:
        args = tuple(_unnamed(value) for value in args)
        named = tuple(sorted((key, _unnamed(value)) for key, value in kwargs.items()))
        return _shared_result(name, str(db_path()), _mtime_ns(), args, named)

    return cached


def _unnamed(value: object) -> object:
    """A scope without the user's name: what a viewer may see is their role, municipalities,
    worker id and presentation mode, so two national users share one result."""
    return replace(value, user="") if isinstance(value, Scope) else value


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _shared_result(name: str, path: str, mtime_ns: int, args: tuple, kwargs: tuple) -> object:
    """One `shared` function's result; `path` and `mtime_ns` are in the key so a new load is
    seen at once, as by `_cached`."""
    return _SHARED[name](*args, **dict(kwargs))


def _execute(sql: str, params: dict) -> pl.DataFrame:
    used = set(_PARAM.findall(sql))
    missing = used - params.keys()
    if missing:
        raise ValueError(f"query parameters without a value: {sorted(missing)}")
    key = tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list | tuple) else value)
            for name, value in params.items()
            if name in used
        )
    )
    _note_asked(sql, key)
    return _cached(str(db_path()), _mtime_ns(), sql, key)


# (sql, bound parameters) -> when last asked, the newest last; at most RECENT_QUERIES
_asked: OrderedDict[tuple[str, tuple], float] = OrderedDict()
_asked_lock = threading.Lock()


def _note_asked(sql: str, key: tuple) -> None:
    with _asked_lock:
        _asked[(sql, key)] = time.monotonic()
        _asked.move_to_end((sql, key))
        while len(_asked) > RECENT_QUERIES:
            _asked.popitem(last=False)


def ask_again(within_seconds: float, deadline: float | None = None) -> int:
    """Run the queries asked in the last `within_seconds` (newest first) on the warehouse file
    as it is now, filling the cache the pages read, until `deadline` (time.monotonic()); returns
    how many ran. After a load every result is new: without this, each session's next run
    would miss at once, all of them together (app/warmup.py, after each load). Each result is
    cached under the parameters it was asked with, so it crosses no scope."""
    cutoff = time.monotonic() - within_seconds
    with _asked_lock:
        wanted = [query for query, seen in reversed(_asked.items()) if seen >= cutoff]
    path, mtime_ns = str(db_path()), _mtime_ns()
    ran = 0
    for sql, key in wanted:
        if deadline is not None and time.monotonic() > deadline:
            break
        _cached(path, mtime_ns, sql, key)
        ran += 1
    return ran


# --- scoping -----------------------------------------------------------------------------------


def _scope_params(scope: Scope, level: str) -> dict:
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


def _filter_params(filters: Filters) -> dict:
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
        return f"with {match.group(1) or ''}{_SCOPED_CASES},\n{body[match.end() :]}"
    return f"with {_SCOPED_CASES}\n{body}"


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


def run(
    sql: str,
    params: dict | None = None,
    *,
    scope: Scope,
    filters: Filters,
    level: str = "aggregate",
    suppress: Rule | Sequence[Rule] | None = None,
) -> pl.DataFrame:
    """Run a query over `scoped_cases` for this viewer and these filters (see module docstring)."""
    if not any(source in sql for source in SCOPED_SOURCES):
        # a case query that reads mart.* directly would skip the viewer's scope
        raise ValueError("data.run queries must read their cases from scoped_cases")
    if "etl.rejected_rows" in sql:
        raise ValueError("data.run queries must read rejected rows from scoped_rejected")
    if "mart.workers" in sql:
        # staff names are scoped too: only scoped_workers knows who may read them
        raise ValueError("data.run queries must read workers from scoped_workers")
    reserved = _filter_params(filters) | _scope_params(scope, level)
    clash = sorted(set(params or {}) & reserved.keys())
    if clash:
        # a caller's value must never replace the viewer's scope or the sidebar's filters
        raise ValueError(f"data.run parameters may not redefine {clash}")
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
    bound = reserved | (params or {})
    frame = _execute(scoped_sql(sql), bound)
    if suppress is not None:
        frame = suppression.apply(frame, suppress, on=how)
    return frame


def run_staff(
    sql: str,
    params: dict | None = None,
    *,
    scope: Scope,
    level: str = "case",
    suppress: Rule | Sequence[Rule] | None = None,
) -> pl.DataFrame:
    """Run a query about the corps' staff (`scoped_workers`), not about a view of cases: the
    find-a-worker view. Names only where `scoped_workers` gives them; the sidebar's case filters
    do not apply (a worker is not a case). `level="case"` (default): rows about single workers,
    refused (`NotAllowed`) to a viewer without case-level access; `level="aggregate"`: counts,
    whose citizen counts are hidden when small outside the viewer's own area (`suppress`).
    `$exact_munis` (the viewer's own municipalities) is bound for the `_outside` counts.
    """
    if "scoped_workers" not in sql:
        raise ValueError("data.run_staff queries must read workers from scoped_workers")
    if "mart.workers" in sql:
        raise ValueError("data.run_staff queries must read workers from scoped_workers")
    everywhere = Filters()
    reserved = _filter_params(everywhere) | _scope_params(scope, level)
    clash = sorted(set(params or {}) & reserved.keys())
    if clash:
        raise ValueError(f"data.run_staff parameters may not redefine {clash}")
    frame = _execute(scoped_sql(sql), reserved | (params or {}))
    if suppress is not None:
        frame = suppression.apply(frame, suppress, on=treatment(scope, everywhere, level))
    return frame


# what a data.run query reads its rows from (one of them at least): the scoped sources above
SCOPED_SOURCES = ("scoped_cases", "scoped_workers", "scoped_rejected")
# sources only data.run may read, each through its scoped CTE (mart.progression_tracking is not
# among them: the national expected band counts its starts, indicators.md section 1)
_CASE_SOURCES = re.compile(
    r"\b(etl\.rejected_rows|mart\.(cases|workers|assessments|case_outcomes|progression|"
    r"fidelity|fidelity_gaps|fidelity_monthly|fidelity_case_months|case_months|caseload_monthly|"
    r"attention))\b"
)


def run_meta(sql: str, params: dict | None = None) -> pl.DataFrame:
    """Run a query over records that name no one: load batches and check runs (etl.batches,
    etl.check_runs), reference tables and constants (ref.*, mart.constants, mart.instruments,
    mart.expected_progression, mart.as_of). Not scoped, so it refuses every source that is
    (cases, workers, rejected rows): those go through `run` and its scoped CTEs."""
    if _CASE_SOURCES.search(sql):
        raise ValueError("data.run_meta may not read case, worker or rejected-row sources")
    return _execute(sql, dict(params or {}))


def load_totals_shown(scope: Scope) -> bool:
    """A batch's row counts are of the whole export (every municipality): national only."""
    return scope.role == "national"


def audit_events(
    scope: Scope, limit: int = 500, event: str | None = None, user: str | None = None
) -> pl.DataFrame:
    """The audit trail, newest first, for the viewers who may read it (`NotAllowed` otherwise):
    it names users and what they looked at (national, not on a shared screen)."""
    if not scope.reads_audit_trail:
        raise NotAllowed("the audit trail is for national viewers only")
    from privacy import audit  # the trail's own store (SQLite), not the warehouse

    return audit.read_events(limit=limit, event=event, user=user)


# --- small shared facts ------------------------------------------------------------------------


def as_of() -> date | None:
    """The as-of date of the warehouse (latest exported_at loaded)."""
    frame = _execute("select as_of from mart.as_of", {})
    return frame["as_of"][0] if frame.height else None


def last_load() -> datetime | None:
    frame = _execute("select max(loaded_at) as loaded_at from etl.batches", {})
    return frame["loaded_at"][0] if frame.height else None


def rule_constants() -> dict[str, int]:
    """The warehouse's rule constants (mart.constants: cadence_days, pre_post_window_days),
    so texts state the numbers the marts use."""
    frame = _execute("select * from mart.constants", {})
    return {name: values[0] for name, values in frame.to_dict(as_series=False).items()}


i18n.RULES["cadence_days"] = lambda: int(rule_constants()["cadence_days"])
i18n.RULES["window_days"] = lambda: int(rule_constants()["pre_post_window_days"])


def filter_options(scope: Scope) -> FilterOptions:
    """Allowed filter values for this viewer: months with data, municipalities, workers."""
    months = _execute(
        """
        -- months from the first case start to the as-of month; grain: one row per month
        select cast(unnest(generate_series(
            date_trunc('month', (select min(start_date) from mart.cases)),
            date_trunc('month', (select as_of from mart.as_of)),
            interval 1 month)) as date) as month
        """,
        {},
    )
    municipalities = _execute(
        """
        -- municipalities with cases; grain: one row per municipality
        select distinct municipality_code, municipality_name
        from mart.cases
        order by municipality_name
        """,
        {},
    )
    codes = _execute(
        """
        -- the codes the case filters offer, in the lists' order; grain: one row per code
        select code_list, code, position from ref.code_lists
        where code_list in ('case_type', 'gender')
        union all
        select 'age_band' as code_list, age_band as code, position from ref.age_bands
        order by code_list, position
        """,
        {},
    )
    return FilterOptions(
        months=tuple(months["month"].to_list()),
        municipalities=dict(municipalities.iter_rows()),
        workers=_worker_options(scope) if scope.case_level else {},
        default_municipalities=default_municipalities(scope),
        case_types=_codes(codes, "case_type"),
        genders=_codes(codes, "gender"),
        age_bands=_codes(codes, "age_band"),
    )


def _codes(frame: pl.DataFrame, code_list: str) -> tuple[str, ...]:
    return tuple(frame.filter(pl.col("code_list") == code_list)["code"].to_list())


def _worker_options(scope: Scope) -> dict[str, str]:
    """Workers with cases the viewer may see case by case (names only for their own area)."""
    frame = run(
        """
        -- workers of the viewer's cases; grain: one row per worker
        select distinct s.worker_id, w.name
        from scoped_cases as s
        left join scoped_workers as w on w.worker_id = s.worker_id
        where s.worker_id is not null
        order by w.name nulls last, s.worker_id
        """,
        scope=scope,
        filters=Filters(),
        level="case",
    )
    return {wid: f"{name} ({wid})" if name else wid for wid, name in frame.iter_rows()}


# --- which population a figure is about ---------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Whom a figure of this viewer and view counts: the label every card group, chart caption
    and list carries ("København", "Hele landet", "Dine forløb"), from the same scope and
    filters `run` applies, so the label cannot say other than the query counted.

    `kind`: 'country' (every municipality), 'municipalities' (`codes`), 'own_cases' (a worker's
    cases); `narrowed`: other sidebar filters (case type, gender, age band, worker) apply too.
    """

    kind: str
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    narrowed: bool = False


def population(scope: Scope, filters: Filters, level: str = "aggregate") -> Population:
    """The population `run(..., scope=scope, filters=filters, level=level)` counts."""
    narrowed = bool(filters.case_types or filters.genders or filters.age_bands or filters.workers)
    if scope.role == "worker":
        return Population("own_cases", narrowed=narrowed)
    codes = set(filters.municipalities)
    if level == "case" and scope.role == "coordinator":
        # case rows only of their own municipalities (and of those a filter keeps)
        codes = (codes & set(scope.municipalities)) if codes else set(scope.municipalities)
    if not codes:
        return Population("country", narrowed=narrowed)
    names = municipality_names()
    ordered = tuple(sorted(codes, key=lambda code: names.get(code, code)))
    return Population(
        "municipalities", ordered, tuple(names.get(c, c) for c in ordered), narrowed=narrowed
    )


def country(scope: Scope, filters: Filters) -> Filters | None:
    """The same view for the whole country, the comparison beside a municipality's figures
    (a coordinator's default); None when the view is the country already, or the viewer counts
    only their own cases (a worker)."""
    if scope.role == "worker" or not filters.municipalities:
        return None
    return replace(filters, municipalities=())


def default_municipalities(scope: Scope) -> tuple[str, ...]:
    """Where a viewer's view opens: a coordinator's own municipalities, everyone else the
    country (a worker's view is their own cases anyway)."""
    return tuple(sorted(scope.municipalities)) if scope.role == "coordinator" else ()


def own_worker_id(scope: Scope) -> str | None:
    """The worker page a viewer opens without choosing one: a worker's own, nobody else's."""
    return scope.worker_id if scope.role == "worker" else None


def municipality_names() -> dict[str, str]:
    """Every municipality's name by its code (public reference data, no scoping needed)."""
    frame = _execute(
        """
        -- the municipalities' names; grain: one row per municipality
        select municipality_code, municipality_name from ref.municipalities
        """,
        {},
    )
    return dict(frame.iter_rows())


def current_scope() -> Scope:
    """The viewer of this run (set by the router); without one, the least: aggregates only."""
    return st.session_state.get(SCOPE_KEY) or Scope(role="viewer")


def current_filters() -> Filters:
    """The sidebar filters of this run (set by the router)."""
    return st.session_state.get(FILTERS_KEY) or Filters()
