"""A schema that can grow: numbered migrations, recorded in the warehouse, applied before views.

The test the issue asks for: a warehouse built with the previous schema is upgraded, an export
with a new column is loaded, the old rows are intact and the new column is filled.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import columns
from etl.columns import Column, Table
from etl.load import load_exports
from tests.support.exports import case, query, write_export
from warehouse import db as wdb

CASE_ROW = (
    "select case_id, municipality_code, case_type, worker_id, citizen_key, gender, age_at_start, "
    "start_date, end_date, status, exported_at, batch_id from raw.cases order by case_id"
)


@pytest.fixture
def sql_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's SQL in a folder of its own, where a test writes the next version's files."""
    folder = tmp_path / "sql"
    shutil.copytree(wdb.SQL_DIR, folder)
    monkeypatch.setattr(wdb, "SQL_DIR", folder)
    return folder


def _next_version(sql_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a developer adds for a new export column `noter`: its Column, its migration, and
    here a mart view that selects it (which no write could create before the migration ran)."""
    (sql_dir / "migrations" / "0900_case_notes.sql").write_text(
        "-- the coordinator's notes on a case (export column noter)\n"
        "alter table raw.cases add column notes varchar;\n",
        encoding="utf-8",
    )
    (sql_dir / "40_case_notes.sql").write_text(
        "-- purpose: notes per case; grain: one row per case\n"
        "create or replace view mart.case_notes as select case_id, notes from raw.cases;\n",
        encoding="utf-8",
    )
    cases = columns.TABLES["forloeb"]
    notes = Column("noter", "notes", "text", "notes")
    grown = Table(**{**cases.__dict__, "columns": (*cases.columns, notes)})
    monkeypatch.setattr(columns, "TABLES", {**columns.TABLES, "forloeb": grown})


def test_an_upgraded_warehouse_keeps_its_rows_and_fills_a_new_column(
    tmp_path: Path, sql_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "wh" / "warehouse.duckdb"
    first = write_export(tmp_path / "v1", "2024-06-30", cases=[case("F1"), case("F2")])
    load_exports([first], db)
    before = query(db, CASE_ROW)
    assert "notes" not in {r[0] for r in query(db, "describe raw.cases")}

    _next_version(sql_dir, monkeypatch)
    wdb.ensure_warehouse(db)  # what `lat serve` does on start; a load does the same
    assert query(db, CASE_ROW) == before, "the upgrade changed no old row"
    assert query(db, "select notes from raw.cases") == [(None,), (None,)]
    assert (900, "0900_case_notes") in query(
        db, "select migration_id, name from etl.schema_migrations"
    )

    later = write_export(
        tmp_path / "v2",
        "2024-07-31",
        cases=[case("F1", noter="ring før mødet"), case("F3", noter="tolk")],
    )
    result = load_exports([later], db)
    assert result.exit_code == 0
    assert query(db, "select * from mart.case_notes order by case_id") == [
        ("F1", "ring før mødet"),
        ("F2", None),
        ("F3", "tolk"),
    ]
    assert query(db, CASE_ROW)[1] == before[1], "F2, absent from the later export, is intact"


def test_each_migration_runs_once(tmp_path: Path, sql_dir: Path):
    (sql_dir / "migrations" / "0901_counter.sql").write_text(
        "create table if not exists etl.counter (n integer);\n"
        "insert into etl.counter values (1);\n",
        encoding="utf-8",
    )
    db = tmp_path / "warehouse.duckdb"
    wdb.ensure_warehouse(db)
    with wdb.write_transaction(db):
        pass
    assert query(db, "select count(*) from etl.counter") == [(1,)]
    numbers = [number for number, _ in wdb.migrations()]
    recorded = query(db, "select migration_id from etl.schema_migrations order by 1")
    assert [n for (n,) in recorded] == numbers


def test_a_warehouse_from_before_migrations_gets_every_migration(tmp_path: Path, sql_dir: Path):
    db = tmp_path / "warehouse.duckdb"
    wdb.ensure_warehouse(db)
    con = duckdb.connect(str(db))
    con.execute("drop table etl.schema_migrations")  # as a file from before this change
    con.close()
    (sql_dir / "migrations" / "0902_marker.sql").write_text(
        "create table etl.marker as select 1 as n;\n", encoding="utf-8"
    )
    wdb.ensure_warehouse(db)  # the SQL changed, so the file is migrated
    assert query(db, "select n from etl.marker") == [(1,)]
    assert query(db, "select count(*) from etl.schema_migrations") == [(len(wdb.migrations()),)]


def test_a_failing_migration_leaves_the_warehouse_as_it_was(tmp_path: Path, sql_dir: Path):
    db = tmp_path / "warehouse.duckdb"
    wdb.ensure_warehouse(db)
    (sql_dir / "migrations" / "0903_broken.sql").write_text(
        "alter table raw.cases add column half varchar;\nselect * from no_such_table;\n",
        encoding="utf-8",
    )
    with pytest.raises(duckdb.Error):
        wdb.ensure_warehouse(db)
    assert "half" not in {r[0] for r in query(db, "describe raw.cases")}
    assert (903,) not in query(db, "select migration_id from etl.schema_migrations")


@pytest.mark.parametrize("name", ["1_short.sql", "0001-dash.sql", "notes.sql"])
def test_a_misnamed_migration_is_refused(sql_dir: Path, name: str):
    (sql_dir / "migrations" / name).write_text("select 1;\n", encoding="utf-8")
    with pytest.raises(ValueError, match="NNNN_what_it_does.sql"):
        wdb.migrations()


REJECTED_ROW = (
    "select batch_id, source_row, reason_code, message, message_key, message_params::varchar "
    "from etl.rejected_rows order by batch_id, source_row"
)


def test_rejected_rows_gain_message_keys_and_older_rows_keep_their_message(
    tmp_path: Path, sql_dir: Path
):
    """Migration 0003: rows stored before it keep their text and no key (the page shows that
    text); rows the loader rejects after it carry their key and values, whose Danish text is
    the stored message."""
    from texts.messages import render

    migration = sql_dir / "migrations" / "0003_rejected_rows_message_key.sql"
    text = migration.read_text(encoding="utf-8")
    migration.unlink()  # the schema before 0003
    db = tmp_path / "wh" / "warehouse.duckdb"
    wdb.ensure_warehouse(db)
    con = duckdb.connect(str(db))
    con.execute(
        "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
        "column_name, reason_code, message) values (1, 'forloeb.csv', 'forloeb', 2, "
        "'kommunekode', 'unknown_municipality', 'Kommunekode \"999\" er ukendt.')"
    )
    con.close()
    assert "message_key" not in {r[0] for r in query(db, "describe etl.rejected_rows")}

    migration.write_text(text, encoding="utf-8")
    wdb.ensure_warehouse(db)
    assert query(db, REJECTED_ROW) == [
        (1, 2, "unknown_municipality", 'Kommunekode "999" er ukendt.', None, None)
    ]
    assert (3, "0003_rejected_rows_message_key") in query(
        db, "select migration_id, name from etl.schema_migrations"
    )

    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1", kommunekode="999")])
    assert load_exports([export], db).exit_code == 0
    (_old, new) = query(db, REJECTED_ROW)
    batch, row, reason, message, key, params = new
    assert (row, reason, key) == (2, "unknown_municipality", "loader.unknown_municipality")
    assert json.loads(params) == {"column": "Kommunekode", "value": "999"}
    assert message == render(key, params, "da")
