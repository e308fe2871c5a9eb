"""Data quality: load history and the rows a coordinator must fix in the platform.

All over the load records (etl.*), through `app.data.run_meta`. Raw cell values are only returned
to viewers with case-level rights at national level (`shows_raw_values(scope)`).
"""

from __future__ import annotations

import polars as pl

from app import data
from app.scope import Scope

ROW_LIMIT = 2000  # rows listed per reason on screen; the CSV download holds them all


def shows_raw_values(scope: Scope) -> bool:
    """Raw cells of rejected rows may hold personal data: national, non-presentation only."""
    return scope.role == "national" and scope.case_level


def load_history(scope: Scope) -> pl.DataFrame:
    """One row per load batch, newest first."""
    return data.run_meta(
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


def rejected_by_reason(scope: Scope) -> pl.DataFrame:
    """Unresolved rejected rows per reason: rows, files, latest batch."""
    return data.run_meta(
        """
        -- rejected rows still to fix; grain: one row per reason
        select
            reason_code,
            count(*) as rows_rejected,
            count(distinct source_file) as files,
            max(batch_id) as latest_batch_id,
        from etl.rejected_rows
        where resolved_batch_id is null
        group by reason_code
        order by rows_rejected desc, reason_code
        """,
        scope=scope,
    )


def rejected_rows(scope: Scope, reason_code: str | None = None) -> pl.DataFrame:
    """Unresolved rejected rows (of one reason, or all), with raw values for national viewers."""
    frame = data.run_meta(
        """
        -- rejected rows still to fix; grain: one row per rejected row
        select
            batch_id,
            source_file,
            source_row,
            column_name,
            reason_code,
            message,
            cast(raw_values as varchar) as raw_values,
        from etl.rejected_rows
        where resolved_batch_id is null
            and ($reason::varchar is null or reason_code = $reason::varchar)
        order by batch_id desc, source_file, source_row
        """,
        {"reason": reason_code},
        scope=scope,
    )
    return frame if shows_raw_values(scope) else frame.drop("raw_values")


def orphans(scope: Scope) -> pl.DataFrame:
    """Rows waiting for a case that has not been loaded (reason unknown_case, unresolved)."""
    return rejected_rows(scope, "unknown_case")
