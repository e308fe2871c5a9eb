"""The warehouse file: atomic writes, a reader that follows replacements, the reference table."""

from __future__ import annotations

import csv
import re
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.shared_files import shared_path
from warehouse import db


def test_write_transaction_creates_schema_with_98_municipalities(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    assert reader.rows("select count(*) from ref.municipalities") == [(98,)]
    assert reader.rows("select instrument from ref.instruments order by 1") == [("GSE",), ("WHO5",)]


def test_failed_write_leaves_the_warehouse_as_it_was(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 99")
        raise RuntimeError("boom")
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.writing*"))


def test_a_write_splits_its_tables_into_row_groups_both_cores_write(tmp_path: Path):
    # one row group per thread: at DuckDB's default (122,880 rows) a table of one row per case of
    # a 100,000-case corps is one group, written by one thread (db.WRITER_ROW_GROUP_SIZE)
    path = tmp_path / "w.duckdb"
    rows = 2 * db.WRITER_ROW_GROUP_SIZE
    with db.write_transaction(path) as con:
        con.execute("create table etl.probe as select range as i from range($n)", {"n": rows})
    with duckdb.connect(str(path), read_only=True) as con:
        groups = con.execute(
            "select count(distinct row_group_id) from pragma_storage_info('etl.probe')"
        ).fetchall()[0][0]
    assert groups == 2  # 1 with DuckDB's default


def test_reader_sees_a_replaced_file_without_reconnecting(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    assert reader.rows("select sd from ref.instruments where instrument = 'GSE'") == [(5.3,)]
    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 6.1 where instrument = 'GSE'")
    assert reader.rows("select sd from ref.instruments where instrument = 'GSE'") == [(6.1,)]


def test_stale_copy_of_a_dead_writer_is_removed(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    stale = tmp_path / f"w.duckdb.999999999{db.TMP_SUFFIX}"
    stale.write_bytes(b"half-written")
    with db.write_transaction(path):
        pass
    assert not stale.exists()


def test_project_municipalities_match_the_shared_reference():
    reference = shared_path("reference", "kommuner.csv")
    with reference.open(encoding="utf-8") as handle:
        expected = {
            (r["kommunekode"], r["navn"], r["regionskode"], r["regionsnavn"])
            for r in csv.DictReader(handle)
        }
    with (db.SEEDS_DIR / "municipalities.csv").open(encoding="utf-8") as handle:
        ours = {tuple(r.values()) for r in csv.DictReader(handle)}
    assert len(ours) == 98
    assert ours == expected


def test_concurrent_writers_wait_for_each_other_and_both_changes_survive(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    first_inside = threading.Event()

    def slow_writer() -> None:
        with db.write_transaction(path) as con:
            first_inside.set()
            time.sleep(0.5)
            con.execute("update ref.instruments set sd = 11 where instrument = 'WHO5'")

    thread = threading.Thread(target=slow_writer)
    thread.start()
    first_inside.wait(5)
    with db.write_transaction(path) as con:  # must wait: it copies only after the first swapped
        con.execute("update ref.instruments set sd = 7 where instrument = 'GSE'")
    thread.join()
    assert db.Reader(path).rows("select instrument, sd from ref.instruments order by 1") == [
        ("GSE", 7.0),
        ("WHO5", 11.0),
    ]


def test_a_pooled_cursor_is_pointed_at_a_version_once_not_for_every_query(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    sd = "select sd from ref.instruments where instrument = 'GSE'"
    assert reader.rows(sd) == [(5.3,)]
    statements: list[str] = []
    ((cursor, alias),) = reader._idle
    reader._idle = [(_Recording(cursor, statements), alias)]
    for _ in range(3):
        assert reader.rows(sd) == [(5.3,)]
    assert statements == []  # the same version: no `use` before each query
    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 6.1 where instrument = 'GSE'")
    assert reader.rows(sd) == [(6.1,)]  # a new version is followed
    assert statements == [f"use {db.Reader.ALIAS}_1"]
    reader.close()


class _Recording:
    """A cursor that notes the statements run through `execute`."""

    def __init__(self, cursor, statements: list[str]):
        self._cursor, self._statements = cursor, statements

    def execute(self, query: str, *args):
        self._statements.append(query)
        return self._cursor.execute(query, *args)

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


def test_a_new_warehouse_is_readable_by_its_owner_only_and_a_set_mode_is_kept(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)  # an administrator lets a group of evaluators read it
    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 21 where instrument = 'WHO5'")
    assert path.stat().st_mode & 0o777 == 0o640


# --- the reader: many sessions' queries at once ---------------------------------------------------

# Seconds of work on two cores: the 98 municipalities times a few million numbers, from the file.
SLOW_QUERY = (
    "select (select sd from ref.instruments where instrument = 'GSE') as sd, count(*) as n "
    "from ref.municipalities m, range(4000000) r "
    "where (r.range + length(m.municipality_name)) % 7 = 0"
)


def _in_thread(function) -> tuple[threading.Thread, dict]:
    """Run `function` in a thread; its result (or error) and the moment it ended land in a dict."""
    out: dict = {}

    def run() -> None:
        try:
            out["result"] = function()
        except BaseException as exc:  # noqa: BLE001 (handed to the test, which re-raises it)
            out["error"] = exc
        out["ended"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_a_slow_query_does_not_hold_up_another_sessions_query(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    assert reader.rows("select count(*) from ref.municipalities") == [(98,)]
    slow, out = _in_thread(lambda: reader.rows(SLOW_QUERY))
    time.sleep(0.3)  # the slow query is running
    started = time.monotonic()
    assert reader.rows("select count(*) from ref.municipalities") == [(98,)]
    quick_ended = time.monotonic()
    assert "ended" not in out, "the slow query ended first: make it slower, or it serialised"
    slow.join(120)
    assert "error" not in out, out.get("error")
    assert out["result"][0][0] == 5.3
    assert quick_ended - started < (out["ended"] - started) / 2
    reader.close()


def test_a_file_replaced_during_a_query_neither_fails_it_nor_mixes_versions(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    gse = "select sd from ref.instruments where instrument = 'GSE'"
    assert reader.rows(gse) == [(5.3,)]
    slow, out = _in_thread(lambda: reader.rows(SLOW_QUERY))
    time.sleep(0.3)
    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 6.1 where instrument = 'GSE'")
    # the new version is served at once, while the old one still answers the slow query
    assert reader.rows(gse) == [(6.1,)]
    assert "ended" not in out, "the slow query ended before the file was replaced: make it slower"
    slow.join(120)
    assert "error" not in out, out.get("error")
    assert out["result"][0][0] == 5.3  # all of it from the version it began on
    # the old version is detached once its last query is done: one warehouse stays attached
    attached = reader.rows("select database_name from duckdb_databases() where not internal")
    assert [name for (name,) in attached if name.startswith(db.Reader.ALIAS)] == ["wh_1"]
    assert reader.rows(gse) == [(6.1,)]
    reader.close()


def test_sessions_reading_while_writes_replace_the_file_see_whole_versions(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 1")
    reader = db.Reader(path)
    both = "select min(sd), max(sd), count(*) from ref.instruments"
    writes = 4
    done = threading.Event()

    def session() -> set:
        seen = set()
        while not done.is_set():
            seen.add(reader.rows(both)[0])
        return seen

    sessions = [_in_thread(session) for _ in range(4)]
    for n in range(2, 2 + writes):
        with db.write_transaction(path) as con:
            con.execute("update ref.instruments set sd = $n", {"n": n})
    time.sleep(0.2)
    done.set()
    seen = set()
    for thread, out in sessions:
        thread.join(60)
        assert "error" not in out, out.get("error")
        seen |= out["result"]
    assert seen <= {(float(n), float(n), 2) for n in range(1, 2 + writes)}  # never a mix
    assert (float(1 + writes), float(1 + writes), 2) in seen
    reader.close()


def test_a_released_reader_answers_again_but_not_while_a_query_runs(tmp_path: Path):
    """Reader.release (a server whose last session ended): refused while a query runs (that
    query still ends well); afterwards the next query attaches the file again and answers."""
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    slow, out = _in_thread(lambda: reader.rows(SLOW_QUERY))
    time.sleep(0.3)  # the slow query is running
    assert reader.release() is False
    slow.join(120)
    assert "error" not in out, out.get("error")
    assert reader.release() is True
    assert reader.rows("select count(*) from ref.municipalities") == [(98,)]
    reader.close()


def test_a_closed_reader_refuses_queries(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    reader.rows("select 1")
    reader.close()
    with pytest.raises(duckdb.ConnectionException):
        reader.rows("select 1")


def test_the_readers_memory_limit_is_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LAT_READER_MEMORY", "300MB")
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    limit = "select current_setting('memory_limit')"
    assert reader.rows(limit) == reader.rows(limit) == [("286.1 MiB",)]
    reader.close()


def test_the_reader_spills_beside_the_warehouse_never_into_the_working_folder(tmp_path: Path):
    """What the reader spills past its memory is the warehouse's data: it goes into a folder of
    this process's own beside the warehouse, not DuckDB's default `.tmp` in the current folder."""
    path = tmp_path / "data" / "w.duckdb"
    path.parent.mkdir()
    db.ensure_warehouse(path)
    reader = db.Reader(path)
    spill = Path(reader.rows("select current_setting('temp_directory')")[0][0])
    reader.close()
    assert spill.parent == path.parent and spill.name.startswith(".reader-spill-")


# the materialised tables (warehouse/sql/15_materialised.sql)


def _materialised_warehouse(path: Path) -> Path:
    from datetime import date

    from tests.support.marts_fixtures import build_warehouse, case

    return build_warehouse(
        path,
        cases=[case("F1", date(2024, 1, 10)), case("F2", date(2023, 11, 1), date(2024, 3, 5))],
        progression=[{"case_id": "F1", "measured_on": date(2024, 3, 1), "score": 5}],
    )


def _tables(con) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where not internal"
        ).fetchall()
    }


def test_the_materialised_file_is_ordered_tables_of_staging():
    tables = [table for table, _ in db.materialised()]
    assert tables == [
        "staging.case_points",
        "staging.case_outcomes",
        "staging.fidelity",
        "staging.case_months",
        "staging.expected_progression",
    ]
    for index, (_, select) in enumerate(db.materialised()):  # inputs come first, never a mart
        code = re.sub(r"--.*", "", select)
        assert not any(re.search(rf"{later}\b", code) for later in tables[index:]), tables[index]
        assert not re.search(r"\bmart\.", code), tables[index]


def test_a_warehouse_whose_case_months_were_views_gets_the_tables(tmp_path: Path):
    """A warehouse of the version before: these were views; the next write makes them tables."""
    import duckdb

    path = _materialised_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(path))
    expected = con.execute("select * from mart.fidelity_monthly order by all").fetchall()
    for table, select in db.materialised():
        con.execute(f"drop table {table}")
        con.execute(f"create view {table} as {select}")
    con.execute("update etl.meta set value = 'older' where key = 'schema_version'")
    con.close()
    db.ensure_warehouse(path)
    con = duckdb.connect(str(path), read_only=True)
    assert {table for table, _ in db.materialised()} <= _tables(con)
    assert con.execute("select * from mart.fidelity_monthly order by all").fetchall() == expected
    con.close()


def test_a_warehouse_that_stored_the_gaps_as_a_table_gets_the_view(tmp_path: Path):
    """The version before: staging.fidelity_gaps was a table of about nine rows per case; the
    next write drops it (no stale copy of its rows stays in the file) and the view over the
    compact tables gives the mart the same rows."""
    import duckdb

    path = _materialised_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(path))
    expected = con.execute("select * from mart.fidelity_gaps order by all").fetchall()
    con.execute("create table staging.gaps_was as select * from staging.fidelity_gaps")
    con.execute("drop view staging.fidelity_gaps")
    con.execute("alter table staging.gaps_was rename to fidelity_gaps")
    con.execute("update etl.meta set value = 'older' where key = 'schema_version'")
    con.close()
    db.ensure_warehouse(path)
    con = duckdb.connect(str(path), read_only=True)
    assert "staging.fidelity_gaps" not in _tables(con)
    views = {
        row[0]
        for row in con.execute(
            "select schema_name || '.' || view_name from duckdb_views() where not internal"
        ).fetchall()
    }
    assert "staging.fidelity_gaps" in views
    assert expected
    assert con.execute("select * from mart.fidelity_gaps order by all").fetchall() == expected
    con.close()


def test_a_write_rebuilds_the_materialised_tables_before_it_verifies(tmp_path: Path):
    path = _materialised_warehouse(tmp_path / "w.duckdb")
    seen = []

    def count(con):
        return con.execute(
            "select count(*) from staging.case_months where case_id = 'F2'"
        ).fetchone()

    def conclude(_con, results):
        seen.append(results["count"])
        raise RuntimeError("refused")

    def verify(_con):
        return db.Verification((db.Step("count", count, db.MATERIALISED_STEPS),), conclude)

    before = path.read_bytes()
    with pytest.raises(RuntimeError), db.write_transaction(path, verify=verify) as con:
        con.execute("delete from raw.cases where case_id = 'F2'")
    assert seen == [(0,)]
    assert path.read_bytes() == before  # a failed verify rolls the write back


def test_views_are_made_once_per_schema_version(tmp_path: Path):
    """A write to a warehouse of this schema version binds no view again (issue 7: a monthly
    load of a corps spent a quarter of its time on it); at another version, every view is made
    again from the SQL files."""
    path = tmp_path / "w.duckdb"
    db.ensure_warehouse(path)
    marked = "select 'marker' as instrument"
    with duckdb.connect(str(path)) as con:
        con.execute(f"create or replace view mart.instruments as {marked}")

    def instruments() -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("select instrument from mart.instruments order by 1").fetchall()

    with db.write_transaction(path) as con:
        con.execute("update ref.instruments set sd = 6.1 where instrument = 'GSE'")
    assert instruments() == [("marker",)]  # as the file held it: not made again
    with duckdb.connect(str(path)) as con:
        con.execute("update etl.meta set value = 'older' where key = 'schema_version'")
    with db.write_transaction(path):
        pass
    assert instruments() == [("GSE",), ("WHO5",)]
