"""Erasure and retention: no trace of an erased case or citizen anywhere, and it stays erased."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cli.main import main
from etl.erase import ErasureError, erase_case, erase_citizen, purge_closed
from privacy.audit import read_events
from privacy.pseudonym import Pseudonymizer
from warehouse import db as wdb
from warehouse.reference import update_instrument

KEY = Pseudonymizer(b"test-key-not-secret")  # conftest sets LAT_PSEUDONYM_KEY to this
ANNA = KEY.citizen_key("ANNA-ID-77")
BO = KEY.citizen_key("BO-ID-88")

CASES = [
    # case_id, citizen, status, start, end
    ("CASE-ERASE-1", ANNA, "closed", "2019-01-01", "2019-06-01"),
    ("CASE-ERASE-2", ANNA, "active", "2023-01-01", None),
    ("CASE-KEEP-3", BO, "closed", "2021-01-01", "2021-09-01"),
    ("CASE-KEEP-4", BO, "active", "2023-05-01", None),
]


def _build(path: Path) -> None:
    with wdb.write_transaction(path) as con:
        for case_id, citizen, status, start, end in CASES:
            con.execute(
                "insert into raw.cases (case_id, municipality_code, case_type, worker_id, "
                "citizen_key, start_date, end_date, status, exported_at, batch_id) "
                "values ($c, '101', 'mentor', 'W1', $k, $s, $e, $st, '2024-01-01', 1)",
                {"c": case_id, "k": citizen, "s": start, "e": end, "st": status},
            )
            con.execute(
                "insert into raw.progression values ($c, $s, 5, '2024-01-01', 1)",
                {"c": case_id, "s": start},
            )
            con.execute(
                "insert into raw.assessments (case_id, instrument, phase, measured_on, item_1, "
                "exported_at, batch_id) values ($c, 'WHO5', 'pre', $s, 3, '2024-01-01', 1)",
                {"c": case_id, "s": start},
            )
        rejected = [
            {"Forløb - ID": "CASE-ERASE-1", "dato": "2019-02-30", "score": "4"},
            {"forloeb_id": "CASE-KEEP-3", "dato": "bad", "score": "4"},
            {"forloeb_id": "CASE-X", "borger_id": "ANNA-ID-77", "startdato": "bad"},
        ]
        for row, cells in enumerate(rejected, start=2):
            con.execute(
                "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
                "column_name, reason_code, message, raw_values, resolved_batch_id) values (1, 'f.csv', 'progression', $r, 'dato', "
                "'invalid_value', 'Datoen er ugyldig.', $j, null)",
                {"r": row, "j": json.dumps(cells, ensure_ascii=False)},
            )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    _build(path)
    return path


def _traces(path: Path, needles: list[str]) -> list[str]:
    """Every table.column whose text contains a needle (but the erased-keys tombstone list)."""
    con = duckdb.connect(str(path), read_only=True)
    found = []
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and not internal "
            "and data_type in ('VARCHAR', 'JSON') and table_name <> 'erased_keys'"
        ).fetchall()
        for schema, table, column in columns:
            for needle in needles:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" '  # noqa: S608 (catalog names)
                    f'where contains("{column}"::varchar, $n)',
                    {"n": needle},
                ).fetchone()[0]
                if hits:
                    found.append(f"{schema}.{table}.{column}")
    finally:
        con.close()
    return found


def _count(path: Path, sql: str, params: dict | None = None) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchone()[0]
    finally:
        con.close()


def test_erasing_a_case_leaves_no_trace_of_it_in_any_table_or_in_the_file(warehouse: Path):
    counts = erase_case(warehouse, "CASE-ERASE-1")
    assert counts["raw.cases"] == 1
    assert counts["raw.progression"] == 1
    assert counts["raw.assessments"] == 1
    assert counts["etl.rejected_rows"] == 1
    assert _traces(warehouse, ["CASE-ERASE-1"]) == []
    assert b"CASE-ERASE-1" not in warehouse.read_bytes()
    assert _count(warehouse, "select count(*) from raw.cases") == 3


def test_erased_case_key_is_recorded_as_a_pseudonym(warehouse: Path):
    erase_case(warehouse, "CASE-ERASE-1")
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("select key_type, key_pseudonym from etl.erased_keys").fetchall()
    con.close()
    assert rows == [("case", KEY.case_key("CASE-ERASE-1"))]


def test_erasing_a_citizen_by_pseudonym_removes_all_their_cases(warehouse: Path):
    counts = erase_citizen(warehouse, ANNA)
    assert counts["raw.cases"] == 2
    assert counts["etl.rejected_rows"] == 2  # their case's row and the row naming their borger_id
    assert _traces(warehouse, [ANNA, "CASE-ERASE-1", "CASE-ERASE-2", "ANNA-ID-77"]) == []
    kept = _count(warehouse, "select count(*) from raw.cases where citizen_key = $k", {"k": BO})
    assert kept == 2
    keys = _count(warehouse, "select count(*) from etl.erased_keys")
    assert keys == 3  # the citizen and both cases


def test_erasing_a_citizen_by_raw_id_pseudonymises_it(warehouse: Path):
    counts = erase_citizen(warehouse, "ANNA-ID-77")
    assert counts["raw.cases"] == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    citizen = con.execute(
        "select key_pseudonym from etl.erased_keys where key_type = 'citizen'"
    ).fetchall()
    con.close()
    assert citizen == [(ANNA,)]


def test_unknown_case_is_refused_and_nothing_changes(warehouse: Path):
    before = _count(warehouse, "select count(*) from raw.cases")
    with pytest.raises(ErasureError):
        erase_case(warehouse, "NO-SUCH-CASE")
    assert _count(warehouse, "select count(*) from raw.cases") == before


def test_purge_removes_closed_cases_before_the_date_only(warehouse: Path):
    counts = purge_closed(warehouse, date(2020, 1, 1))
    assert counts["cases_purged"] == 1
    assert counts["raw.cases"] == 1
    assert counts["raw.progression"] == 1
    assert counts["etl.rejected_rows"] == 1
    assert _traces(warehouse, ["CASE-ERASE-1"]) == []
    assert _count(warehouse, "select count(*) from raw.cases") == 3
    assert _count(warehouse, "select count(*) from etl.erased_keys") == 1


def test_erase_cli_reports_counts_and_audits_without_content(
    warehouse: Path, capsys: pytest.CaptureFixture
):
    assert main(["erase", "--case", "CASE-ERASE-1", "--db", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "raw.cases" in out
    events = read_events(db=warehouse)
    assert events["event"].to_list() == ["erase"]
    assert "CASE-ERASE-1" not in events["detail"][0]
    assert json.loads(events["detail"][0])["rows_removed"]["raw.cases"] == 1


def test_erase_cli_unknown_case_exits_2_with_one_line(
    warehouse: Path, capsys: pytest.CaptureFixture
):
    assert main(["erase", "--case", "NOPE", "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Fejl:") and "\n" not in err


def test_purge_cli_rejects_a_bad_date(warehouse: Path, capsys: pytest.CaptureFixture):
    assert main(["purge", "--closed-before", "1/1/2020", "--db", str(warehouse)]) == 2
    assert "ÅÅÅÅ-MM-DD" in capsys.readouterr().err


def test_purge_cli_reports_and_audits(warehouse: Path, capsys: pytest.CaptureFixture):
    assert main(["purge", "--closed-before", "2022-01-01", "--db", str(warehouse)]) == 0
    assert _count(warehouse, "select count(*) from raw.cases") == 2
    assert read_events(db=warehouse)["event"].to_list() == ["purge"]


def test_an_erased_citizen_does_not_come_back_with_a_later_export(tmp_path: Path):
    from etl.load import load_exports
    from etl.synth import write_synthetic_export

    path = tmp_path / "warehouse.duckdb"
    first, later = tmp_path / "first", tmp_path / "later"
    write_synthetic_export(first, cases=30, seed=3, exported_at=date(2025, 6, 30))
    write_synthetic_export(later, cases=30, seed=3, exported_at=date(2025, 9, 30))
    load_exports([first], path)
    con = duckdb.connect(str(path), read_only=True)
    case_id, citizen = con.execute(
        "select case_id, citizen_key from raw.cases order by case_id limit 1"
    ).fetchone()
    con.close()
    erase_citizen(path, citizen)
    load_exports([later], path)
    assert (
        _count(path, "select count(*) from raw.cases where citizen_key = $k", {"k": citizen}) == 0
    )
    assert (
        _count(path, "select count(*) from raw.progression where case_id = $c", {"c": case_id}) == 0
    )


# ---------------------------------------------------------------------------------------------
# the materialised tables (warehouse/sql/15_materialised.sql) follow every write


def _stale_materialised(path: Path) -> dict[str, int]:
    """Rows by which each materialised table differs from its defining select (both ways)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(
                f"select count(*) from ((select * from {table} except all ({select})) "  # noqa: S608
                f"union all (({select}) except all select * from {table}))"
            ).fetchone()[0]
            for table, select in wdb.materialised()
        }
    finally:
        con.close()


def _plain_write(path: Path) -> None:
    """A writer of the future that knows nothing of the materialised tables."""
    with wdb.write_transaction(path) as con:
        con.execute("delete from raw.progression where case_id = 'CASE-KEEP-3'")
        con.execute("update raw.cases set start_date = '2020-11-01' where case_id = 'CASE-KEEP-3'")


@pytest.mark.parametrize(
    "write",
    [
        lambda path: erase_case(path, "CASE-ERASE-1"),
        lambda path: erase_citizen(path, ANNA),
        lambda path: purge_closed(path, date(2020, 1, 1)),
        _plain_write,
    ],
    ids=["erase-case", "erase-citizen", "purge", "plain-write"],
)
def test_every_write_leaves_the_materialised_tables_as_their_sql_computes_them(
    warehouse: Path, write
):
    assert set(_stale_materialised(warehouse).values()) == {0}
    before = _count(warehouse, "select count(*) from staging.case_months")
    write(warehouse)
    assert set(_stale_materialised(warehouse).values()) == {0}
    assert _count(warehouse, "select count(*) from staging.case_months") > 0
    assert _count(warehouse, "select count(*) from staging.case_months") != before


def test_a_reference_change_leaves_the_materialised_tables_as_their_sql_computes_them(
    warehouse: Path,
):
    update_instrument(warehouse, "WHO5", {"sd": 21.0})
    assert set(_stale_materialised(warehouse).values()) == {0}


def test_an_erased_case_leaves_the_materialised_tables(warehouse: Path):
    """Every materialised table with a row per case loses the erased case's rows; the ones
    without a case column are aggregates (the expected-progression reference: counts and
    percentiles by start band and month, rebuilt without the case in the same write)."""
    per_case = [
        table
        for table, _ in wdb.materialised()
        if _count(
            warehouse,
            "select count(*) from duckdb_columns() where schema_name || '.' || table_name = $t "
            "and column_name = 'case_id'",
            {"t": table},
        )
    ]
    assert set(per_case) == {t for t, _ in wdb.materialised()} - {"staging.expected_progression"}

    def rows_of_the_case() -> int:
        return sum(
            _count(warehouse, f"select count(*) from {table} where case_id = 'CASE-ERASE-1'")  # noqa: S608
            for table in per_case
        )

    assert rows_of_the_case() > 0
    erase_case(warehouse, "CASE-ERASE-1")
    assert rows_of_the_case() == 0
