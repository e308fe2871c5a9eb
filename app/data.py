"""The data-access layer: every dashboard query goes through here, scoped to the viewer.

Pages never hold SQL or import DuckDB. They call query functions (in `app/queries/<page>.py`),
which call `run`:

    from app import data
    frame = data.run(
        "select case_type, count(*) as n from scoped_cases group by case_type",
        scope=data.current_scope(), filters=data.current_filters(),
        suppress=data.Rule(count="n", total_group=None),
    )

`run(sql, params, *, scope, filters, level, suppress)` (the CTEs, their parameters and the checks
are `app.scoping`'s, without Streamlit: the leadership report runs the same queries on its own
reader; here they run on the cached one):
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

from app import i18n, scoping, suppression
from app.filters import FilterOptions, Filters
from app.scope import Scope
from app.scoping import (
    MAX_OUTSIDE_MUNICIPALITIES,
    SCOPED_SOURCES,
    NotAllowed,
    TooManyOutside,
    country,
    suppression_on,
    treatment,
)
from app.suppression import Rule
from warehouse.db import Reader, db_path

__all__ = [
    "MAX_OUTSIDE_MUNICIPALITIES",
    "SCOPED_SOURCES",
    "NotAllowed",
    "TooManyOutside",
    "country",
    "suppression_on",
    "treatment",
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
    key = tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list | tuple) else value)
            for name, value in scoping.used_params(sql, params).items()
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


def run(
    sql: str,
    params: dict | None = None,
    *,
    scope: Scope,
    filters: Filters,
    level: str = "aggregate",
    suppress: Rule | Sequence[Rule] | None = None,
) -> pl.DataFrame:
    """Run a query over `scoped_cases` for this viewer and these filters (see module docstring);
    the scoping is `app.scoping.run`'s, the result cached here."""
    return scoping.run(_execute, sql, params, scope=scope, filters=filters, level=level,
                       suppress=suppress)  # fmt: skip


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
    reserved = scoping.filter_params(everywhere) | scoping.scope_params(scope, level)
    bound = scoping.bind(params, reserved, caller="data.run_staff")
    frame = _execute(scoping.scoped_sql(sql), bound)
    if suppress is not None:
        frame = suppression.apply(frame, suppress, on=scoping.treatment(scope, everywhere, level))
    return frame


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
