"""Build a tiny warehouse from raw rows given as dicts, and read its marts as the dashboard does.

`build_warehouse(path, cases=[...], assessments=[...], ...)` fills the required raw columns with
obvious fakes, so a test states only the values its behaviour depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import write_transaction

AS_OF = date(2024, 6, 30)

# raw tables a test may fill, with the polars types their columns need (NULL-only columns too)
RAW_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "cases": {
        "case_id": pl.String,
        "municipality_code": pl.String,
        "case_type": pl.String,
        "worker_id": pl.String,
        "citizen_key": pl.String,
        "gender": pl.String,
        "age_at_start": pl.Int32,
        "birth_year": pl.Int32,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "status": pl.String,
        "end_reason": pl.String,
        "referred_by": pl.String,
        "lent_from_municipality_code": pl.String,
    },
    "workers": {
        "worker_id": pl.String,
        "municipality_code": pl.String,
        "role": pl.String,
        "name": pl.String,
        "gender": pl.String,
        "birth_year": pl.Int32,
        "trained_on": pl.Date,
        "active": pl.Boolean,
        "languages": pl.String,
    },
    "assessments": {
        "case_id": pl.String,
        "instrument": pl.String,
        "phase": pl.String,
        "measured_on": pl.Date,
        **{f"item_{i}": pl.Int16 for i in range(1, 11)},
        "raw_score_given": pl.Int16,
    },
    "progression": {
        "case_id": pl.String,
        "measured_on": pl.Date,
        "score": pl.Int16,
    },
}


def case(case_id: str, start_date: date, end_date: date | None = None, **values) -> dict:
    """A raw case; status follows end_date unless given (as the ETL defaults it)."""
    return {
        "case_id": case_id,
        "municipality_code": "101",
        "case_type": "mentor",
        "worker_id": "w1",
        "citizen_key": f"key-{case_id}",
        "start_date": start_date,
        "end_date": end_date,
        "status": "active" if end_date is None else "closed",
        **values,
    }


def who5(case_id: str, phase: str, measured_on: date, items: Iterable[int | None]) -> dict:
    """A WHO-5 row with items 1..5 (None = a missing answer)."""
    row = {"case_id": case_id, "instrument": "WHO5", "phase": phase, "measured_on": measured_on}
    row.update({f"item_{i}": item for i, item in enumerate(items, start=1)})
    return row


def gse(case_id: str, phase: str, measured_on: date, items: Iterable[int | None]) -> dict:
    """A GSE row with items 1..10 (None = a missing answer)."""
    row = {"case_id": case_id, "instrument": "GSE", "phase": phase, "measured_on": measured_on}
    row.update({f"item_{i}": item for i, item in enumerate(items, start=1)})
    return row


def who5_score(score: int) -> list[int]:
    """Five WHO-5 items whose 0-100 score is `score` (a multiple of 4)."""
    raw = score // 4
    return [min(5, max(0, raw - 5 * i)) for i in range(5)]


def gse_score(score: int) -> list[int]:
    """Ten GSE items whose score is `score` (10-40)."""
    extra = score - 10
    return [1 + min(3, max(0, extra - 3 * i)) for i in range(10)]


def raw_frame(table: str, rows: list[dict], exported_at: date) -> pl.DataFrame:
    schema = RAW_SCHEMAS[table]
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return frame.with_columns(
        exported_at=pl.lit(exported_at, dtype=pl.Date), batch_id=pl.lit(1, dtype=pl.Int32)
    )


def build_warehouse(
    path: Path,
    *,
    cases: list[dict] = (),
    workers: list[dict] = (),
    assessments: list[dict] = (),
    progression: list[dict] = (),
    as_of: date | None = AS_OF,
) -> Path:
    """Write raw rows and one etl.batches row (exported_at = as_of; none when as_of is None)."""
    tables = {
        "cases": list(cases),
        "workers": list(workers),
        "assessments": list(assessments),
        "progression": list(progression),
    }
    with write_transaction(path) as con:
        exported_at = as_of or AS_OF
        for table, rows in tables.items():
            frame = raw_frame(table, rows, exported_at)  # noqa: F841 (read by DuckDB below)
            con.execute(f"insert into raw.{table} by name select * from frame")  # noqa: S608
        if as_of is not None:
            con.execute(
                "insert into etl.batches values "
                "(1, 'fake-export', 'sha', $as_of, now(), 0, 0, 0, 0, 0, 'loaded')",
                {"as_of": as_of},
            )
    return path


def attached(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that reads the warehouse as the dashboard does: attached read-only as wh."""
    con = duckdb.connect()
    con.execute("attach $path as wh (read_only)", {"path": str(path)})
    con.execute("use wh")
    return con


def mart_rows(path: Path, query: str, params: dict | None = None) -> list[dict]:
    """Rows of a query over the marts, as dicts, read through the dashboard's kind of connection."""
    con = attached(path)
    try:
        return con.sql(query, params=params or {}).pl().to_dicts()
    finally:
        con.close()


def by_key(rows: list[dict], *keys: str) -> dict:
    """Index rows by one key column (or a tuple of several)."""
    if len(keys) == 1:
        return {row[keys[0]]: row for row in rows}
    return {tuple(row[k] for k in keys): row for row in rows}


def outcome_rows(case_id: str, instrument: str, pre: int, post: int) -> list[dict]:
    """A pre and a post measurement of `instrument` whose scores are `pre` and `post`."""
    make, items = (who5, who5_score) if instrument == "WHO5" else (gse, gse_score)
    return [
        make(case_id, "pre", date(2024, 1, 5), items(pre)),
        make(case_id, "post", date(2024, 5, 5), items(post)),
    ]
