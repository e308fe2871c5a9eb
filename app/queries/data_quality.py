"""Data quality: load history and the rows a coordinator must fix in the platform.

The load history and the checks are records that name no one (`app.data.run_meta`); a batch's
row counts are of the whole export and shown to national viewers only. Rejected rows come from
the data layer's `scoped_rejected` (`app.data.run`): each viewer gets the rows they may read and
can act on. Raw cell values only for national viewers outside presentation mode
(`shows_raw_values(scope)`).
"""

from __future__ import annotations

import json

import polars as pl

from app import data, i18n
from app.filters import Filters
from app.scope import Scope
from privacy.cpr import cpr_mask_expr, export_name

LOAD_COUNTS = ("rows_read", "rows_loaded", "rows_unchanged", "rows_superseded", "rows_rejected")
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
        """
    )
    frame = frame.with_columns(i18n.labelled(frame["source_path"], export_name))
    # a batch's counts are of the whole export, every municipality's rows: national only
    return frame if data.load_totals_shown(scope) else frame.drop(LOAD_COUNTS)


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
        """
    )
    return frame.row(0, named=True)


WAITING = "unknown_case"  # rows waiting for their case: they load by themselves once it arrives

REJECTED_SQL = """
-- rejected rows still to fix this viewer may read (app.data's scoped_rejected), one reason or
-- all, waiting rows (their case not loaded yet) apart; grain: one row per rejected row
select
    batch_id,
    source_file,
    source_row,
    column_name,
    reason_code,
    message,
    message_key,
    cast(message_params as varchar) as message_params,
    cast(raw_values as varchar) as raw_values,
from scoped_rejected
where (reason_code = $waiting) = $waiting_only
    and ($reason::varchar is null or reason_code = $reason::varchar)
order by batch_id desc, source_file, source_row
"""


def _rejected(scope: Scope, reason_code: str | None, *, waiting: bool) -> pl.DataFrame:
    """The rows from the data layer, each message in the reader's language (from the loader's
    key and values; a row stored before keys keeps its stored text), masked again where an
    older load stored a CPR-like value (loads before names were masked at reading, or before the
    detector knew every way of writing a number); raw values only for national viewers outside
    presentation mode."""
    if not scope.case_level:  # aggregate-only viewers read no rejected row
        return _no_rows()
    frame = data.run(
        REJECTED_SQL,
        {"waiting": WAITING, "waiting_only": waiting, "reason": reason_code},
        scope=scope,
        filters=Filters(),
        level="case",
    )
    # the cells' JSON with its characters as written ('\u2013' as '–'), so the mask below sees
    # a number the way a reader would once the page shows the cells as text
    message = i18n.loader_messages(frame["message_key"], frame["message_params"], frame["message"])
    frame = (
        frame.drop("message_key", "message_params")
        .with_columns(message, i18n.labelled(frame["raw_values"], _unescaped).alias("raw_values"))
        .with_columns(cpr_mask_expr(pl.col(c)) for c in ("source_file", "message", "raw_values"))
    )
    return frame if shows_raw_values(scope) else frame.drop("raw_values")


def _unescaped(raw_values: str) -> str:
    try:
        return json.dumps(json.loads(raw_values), ensure_ascii=False)
    except ValueError:
        return raw_values


def _no_rows() -> pl.DataFrame:
    columns = ["batch_id", "source_file", "source_row", "column_name", "reason_code", "message"]
    return pl.DataFrame(schema={c: pl.String for c in columns})


def rejected_by_reason(scope: Scope) -> pl.DataFrame:
    """Rejected rows to fix this viewer may see, per reason: rows, files, latest batch (rows
    waiting for their case are not among them: `orphans` lists those)."""
    return (
        _rejected(scope, None, waiting=False)
        .group_by("reason_code")
        .agg(
            pl.len().alias("rows_rejected"),
            pl.col("source_file").n_unique().alias("files"),
            pl.col("batch_id").max().alias("latest_batch_id"),
        )
        .sort(["rows_rejected", "reason_code"], descending=[True, False])
    )


def rejected_rows(scope: Scope, reason_code: str | None = None) -> pl.DataFrame:
    """Rejected rows to fix this viewer may see (of one reason, or all but the waiting rows).

    Raw values only for national viewers outside presentation mode.
    """
    return _rejected(scope, reason_code, waiting=reason_code == WAITING)


def orphans(scope: Scope) -> pl.DataFrame:
    """Rows waiting for a case that has not been loaded (reason unknown_case) this viewer may see."""
    return _rejected(scope, WAITING, waiting=True)
