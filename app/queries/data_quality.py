"""Data quality: load history and the rows a coordinator must fix in the platform.

All over the load records (etl.*), through `app.data.run_meta`. Raw cell values are only returned
to viewers with case-level rights at national level (`shows_raw_values(scope)`).
"""

from __future__ import annotations

import functools
import json

import polars as pl

from app import data
from app.filters import Filters
from app.scope import Scope
from etl.cpr import cpr_mask_expr
from etl.read import export_name, rejected_row_subject
from warehouse.db import db_path

ROW_LIMIT = 2000  # rows listed per reason on screen; the CSV download holds them all


def shows_raw_values(scope: Scope) -> bool:
    """Raw cells of rejected rows may hold personal data: national, non-presentation only."""
    return scope.role == "national" and scope.case_level


def load_history(scope: Scope) -> pl.DataFrame:
    """One row per load batch, newest first, each export by its name.

    Loads since the names were masked at reading store the name already; older ones stored the
    full server path, which no role is shown (nor a CPR-like number in it).
    """
    frame = data.run_meta(
        """
        -- load history; grain: one row per batch
        select
            batch_id,
            source_path,
            exported_at,
            loaded_at,
            rows_read,
            rows_loaded,
            rows_unchanged,
            rows_superseded,
            rows_rejected,
            status,
        from etl.batches
        order by batch_id desc
        """,
        scope=scope,
    )
    return frame.with_columns(pl.col("source_path").map_elements(export_name, pl.String))


def last_checks(scope: Scope) -> dict:
    """When the warehouse's own checks (warehouse/checks.py) last ran and last held.

    Keys: last_run_at, last_passed, last_trigger, last_batch_id, last_failed_checks, passed_at
    (all None before any run). Check names only, never the rows they found.
    """
    frame = data.run_meta(
        """
        -- the warehouse's own checks; grain: one row summing up every recorded run
        select
            max(checked_at) as last_run_at,
            arg_max(passed, checked_at) as last_passed,
            arg_max(trigger, checked_at) as last_trigger,
            arg_max(batch_id, checked_at) as last_batch_id,
            arg_max(failed_checks, checked_at) as last_failed_checks,
            max(checked_at) filter (where passed) as passed_at,
        from etl.check_runs
        """,
        scope=scope,
    )
    return frame.row(0, named=True)


def _unresolved() -> pl.DataFrame:
    """Every rejected row still to fix, with the municipality and case it is about."""
    path = db_path()
    return _unresolved_in(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _unresolved_in(path: str, mtime_ns: int) -> pl.DataFrame:
    """Parsed once per version of the warehouse file: a page asks for it section by section."""
    frame = data.run_meta(
        """
        -- rejected rows still to fix; grain: one row per rejected row
        select
            batch_id,
            source_file,
            table_name,
            source_row,
            column_name,
            reason_code,
            message,
            cast(raw_values as varchar) as raw_values,
        from etl.rejected_rows
        where resolved_batch_id is null
        order by batch_id desc, source_file, source_row
        """,
        scope=Scope.everything(),
    )
    about = [
        _about(table, raw)
        for table, raw in zip(frame["table_name"], frame["raw_values"], strict=True)
    ]
    # the cells' JSON with its characters as written ('\u2013' as '–'), so the mask below sees
    # a number the way a reader would once the page shows the cells as text
    frame = frame.with_columns(
        pl.col("raw_values").map_elements(_unescaped, pl.String).alias("raw_values")
    )
    return frame.with_columns(
        # Loads before names were masked at reading, or before the detector knew every way of
        # writing a number, stored some unmasked: what is shown is masked again.
        *[cpr_mask_expr(pl.col(c)) for c in ("source_file", "message", "raw_values")],
        pl.Series("about_municipality", [m for m, _ in about], dtype=pl.String),
        pl.Series("about_case", [c for _, c in about], dtype=pl.String),
    )


def _unescaped(raw_values: str) -> str:
    try:
        return json.dumps(json.loads(raw_values), ensure_ascii=False)
    except ValueError:
        return raw_values


def _about(table: str, raw_values: str | None) -> tuple[str | None, str | None]:
    """(municipality code, case id) of a rejected row (the rule lives in etl.read)."""
    return rejected_row_subject(table, raw_values)


def _visible(scope: Scope, frame: pl.DataFrame) -> pl.DataFrame:
    """The rejected rows this viewer may read: their cells and messages are personal data.

    National: all. Others: rows of a case they may see case by case, and for coordinators
    also case and worker rows naming their municipality. Rows that name no known case
    (orphans, erased rows) stay national-only until their case arrives.
    """
    if scope.role == "national":
        return frame
    if not scope.case_level:
        return frame.clear()
    cases = data.run(
        "select case_id from scoped_cases", scope=scope, filters=Filters(), level="case"
    )["case_id"]
    own = pl.col("about_case").is_in(cases.implode())
    if scope.role == "coordinator":
        named = pl.col("table_name").is_in(["forloeb", "medarbejdere"]) & pl.col(
            "about_municipality"
        ).is_in(sorted(scope.municipalities))
        own = own | named
    return frame.filter(own.fill_null(False))


def rejected_by_reason(scope: Scope) -> pl.DataFrame:
    """Unresolved rejected rows this viewer may see, per reason: rows, files, latest batch."""
    return (
        _visible(scope, _unresolved())
        .group_by("reason_code")
        .agg(
            pl.len().alias("rows_rejected"),
            pl.col("source_file").n_unique().alias("files"),
            pl.col("batch_id").max().alias("latest_batch_id"),
        )
        .sort(["rows_rejected", "reason_code"], descending=[True, False])
    )


def rejected_rows(scope: Scope, reason_code: str | None = None) -> pl.DataFrame:
    """Unresolved rejected rows this viewer may see (of one reason, or all).

    Raw values only for national viewers outside presentation mode.
    """
    frame = _visible(scope, _unresolved())
    if reason_code is not None:
        frame = frame.filter(pl.col("reason_code") == reason_code)
    frame = frame.drop("table_name", "about_municipality", "about_case")
    return frame if shows_raw_values(scope) else frame.drop("raw_values")


def orphans(scope: Scope) -> pl.DataFrame:
    """Rows waiting for a case that has not been loaded (reason unknown_case) this viewer may see."""
    return rejected_rows(scope, "unknown_case")


def orphans_waiting() -> int:
    """How many rows wait for their case, in the whole warehouse (a count names no one)."""
    frame = data.run_meta(
        "select count(*) as n from etl.rejected_rows "
        "where reason_code = 'unknown_case' and resolved_batch_id is null",
        scope=Scope.everything(),
    )
    return int(frame["n"][0])
