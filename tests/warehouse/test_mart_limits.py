"""Every mart view answers `select * from mart.X limit N`, the first query an evaluator types.

DuckDB 2.0 materialises a CTE that a view reads twice, and a materialised CTE under a LIMIT never
finished once the warehouse held more than one row group of assessments: `select * from
mart.fidelity limit 1` hung at 100,000 cases while the whole view took 0.3 s. Small fixture
warehouses never showed it, so this one is built at that size (raw rows written directly, a few
seconds), and a query that has not answered in a minute counts as hung.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from warehouse.db import write_transaction

CASES = 100_000
HUNG_AFTER_SECONDS = 60

pytestmark = pytest.mark.slow


def _raw_frames(rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Cases (60 % closed), a WHO-5 and GSE pre and post each, and eight progression scores."""
    days = rng.integers(0, 1500, CASES).astype("timedelta64[D]")
    starts = pl.Series("start_date", np.datetime64("2020-01-01") + days).cast(pl.Date)
    closed = pl.Series(rng.random(CASES) < 0.6)
    cases = pl.DataFrame(
        {"case_id": [f"F{n:07d}" for n in range(CASES)], "start_date": starts}
    ).with_columns(
        end_date=pl.when(closed).then(pl.col("start_date") + timedelta(days=200)),
        status=pl.when(closed).then(pl.lit("closed")).otherwise(pl.lit("active")),
        municipality_code=pl.lit("101"),
        case_type=pl.lit("mentor"),
        worker_id=pl.lit("W1"),
        citizen_key=pl.lit("k") + pl.col("case_id"),
    )
    measurements = [
        cases.select(
            "case_id",
            instrument=pl.lit(instrument),
            phase=pl.lit(phase),
            measured_on=pl.col("start_date") + timedelta(days=offset),
            **{f"item_{i}": pl.lit(3, pl.Int16) for i in range(1, items + 1)},
        )
        for instrument, items in (("WHO5", 5), ("GSE", 10))
        for phase, offset in (("pre", 2), ("post", 198))
    ]
    scores = [
        cases.select(
            "case_id",
            measured_on=pl.col("start_date") + timedelta(days=40 * k),
            score=pl.lit(1 + k, pl.Int16),
        )
        for k in range(8)
    ]
    return {
        "cases": cases,
        "assessments": pl.concat(measurements, how="diagonal"),
        "progression": pl.concat(scores),
    }


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("large") / "warehouse.duckdb"
    frames = _raw_frames(np.random.default_rng(7))
    with write_transaction(path) as con:
        for table, frame in frames.items():
            frame = frame.with_columns(  # noqa: F841 (read by DuckDB below)
                exported_at=pl.lit(date(2024, 6, 30)), batch_id=pl.lit(1, pl.Int32)
            )
            con.execute(f"insert into raw.{table} by name select * from frame")  # noqa: S608
        con.execute(
            "insert into etl.batches values "
            "(1, 'large', 'sha', date '2024-06-30', now(), 0, 0, 0, 0, 0, 'loaded')"
        )
    return path


def _answers(path: Path, query: str) -> bool:
    con = duckdb.connect(str(path), read_only=True)
    done = threading.Event()

    def run() -> None:
        con.sql(query).fetchall()
        done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    answered = done.wait(HUNG_AFTER_SECONDS)
    if not answered:
        con.interrupt()
    worker.join(10)
    con.close()
    return answered


def _views(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select view_name from duckdb_views() where schema_name = 'mart' and not internal "
            "order by view_name"
        ).fetchall()
    return [name for (name,) in rows]


def test_every_mart_answers_a_limited_query_on_a_large_warehouse(large: Path):
    query = "select * from mart.{} limit 3"
    hung = [view for view in _views(large) if not _answers(large, query.format(view))]
    assert hung == []
