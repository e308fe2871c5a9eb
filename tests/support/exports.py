"""Tiny exports written by the tests, and what a load left in the warehouse.

`write_export(folder, exported_at, cases=[case("F1"), ...], ...)` writes a folder export of the
given tables with the platform's Danish headers; `query` and `file_counts` read the result."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from cli.main import main as lat

CASE_COLUMNS = [
    "forloeb_id",
    "kommunekode",
    "forloebstype",
    "medarbejder_id",
    "borger_id",
    "koen",
    "alder",
    "startdato",
    "slutdato",
    "status",
]
WORKER_COLUMNS = ["medarbejder_id", "kommunekode", "rolle", "navn"]
ASSESSMENT_COLUMNS = [
    "forloeb_id",
    "instrument",
    "tidspunkt",
    "dato",
    "item_1",
    "item_2",
    "item_3",
    "item_4",
    "item_5",
]
PROGRESSION_COLUMNS = ["forloeb_id", "dato", "score"]


# ---------------------------------------------------------------------------------------------
# tiny exports written by the tests


def case(case_id: str, **over: str) -> dict:
    row = {
        "forloeb_id": case_id,
        "kommunekode": "101",
        "forloebstype": "mentor",
        "medarbejder_id": "W1",
        "borger_id": f"B-{case_id}",
        "koen": "k",
        "alder": "30",
        "startdato": "2024-01-10",
        "slutdato": "",
        "status": "",
    }
    row.update(over)
    return row


def worker(worker_id: str, **over: str) -> dict:
    row = {"medarbejder_id": worker_id, "kommunekode": "101", "rolle": "mentor", "navn": "Test"}
    row.update(over)
    return row


def who5(case_id: str, phase: str = "foer", when: str = "2024-01-12", item: str = "2") -> dict:
    row = {"forloeb_id": case_id, "instrument": "WHO5", "tidspunkt": phase, "dato": when}
    row.update({f"item_{i}": item for i in range(1, 6)})
    return row


def progress(case_id: str, when: str = "2024-02-01", score: str = "5") -> dict:
    return {"forloeb_id": case_id, "dato": when, "score": score}


def write_export(
    folder: Path,
    exported_at: str | None,
    *,
    cases: list[dict] | None = None,
    workers: list[dict] | None = None,
    assessments: list[dict] | None = None,
    progression: list[dict] | None = None,
) -> Path:
    """A folder export of the given tables (a table left as None is absent) plus eksport.json."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = (
        ("forloeb", CASE_COLUMNS, cases),
        ("medarbejdere", WORKER_COLUMNS, workers),
        ("maalinger", ASSESSMENT_COLUMNS, assessments),
        ("progression", PROGRESSION_COLUMNS, progression),
    )
    for name, columns, rows in tables:
        if rows is None:
            continue
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            extra = [k for row in rows for k in row if k not in columns]
            writer = csv.DictWriter(handle, fieldnames=columns + list(dict.fromkeys(extra)))
            writer.writeheader()
            writer.writerows(rows)
    if exported_at:
        meta = {"platform": "test", "exported_at": exported_at, "municipalities": ["101"]}
        (folder / "eksport.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def file_counts(db: Path, table: str, batch_id: int | None = None) -> tuple:
    """(read, loaded, unchanged, superseded, rejected) of a table's file in a batch (default last)."""
    rows = query(
        db,
        "select rows_read, rows_loaded, rows_unchanged, rows_superseded, rows_rejected "
        "from etl.batch_files where table_name = $t "
        "and batch_id = coalesce($b, (select max(batch_id) from etl.batch_files))",
        {"t": table, "b": batch_id},
    )
    return rows[0] if rows else None


def run_load(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`lat load ARGV...` in this process: (exit code, stdout, stderr)."""
    code = lat(["load", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_counts_add_up(db: Path) -> None:
    """Every file's and batch's rows read are its rows loaded, unchanged, superseded and rejected."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        broken = con.execute(
            "select source_file from etl.batch_files where rows_read <> "
            "rows_loaded + rows_unchanged + rows_superseded + rows_rejected "
            "union all select source_path from etl.batches where rows_read <> "
            "rows_loaded + rows_unchanged + rows_superseded + rows_rejected"
        ).fetchall()
    finally:
        con.close()
    assert broken == []


def zip_of(path: Path, files: dict[str, bytes | str]) -> Path:
    """A zip export at `path` holding `files` (name -> content)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def csv_text(rows: list[dict], columns: list[str] = CASE_COLUMNS) -> str:
    """A semicolon CSV of `rows` under `columns`."""
    lines = [";".join(columns)] + [";".join(r.get(c, "") for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def refused_alone(capsys, db: Path, bad: Path, good: Path) -> str:
    """Load `bad` then `good`; assert exit 2, one stderr line, and only `good` loaded."""
    code, out, err = run_load(capsys, str(bad), str(good), "--db", str(db))
    assert code == 2, out + err
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("IKKE INDLÆST: "), err
    assert query(db, "select source_path from etl.batches") == [(good.name,)]
    return lines[0]


def _text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON') and table_schema in ('raw', 'etl', 'ref') "
        "order by 1, 2, 3"
    ).fetchall()


def stored_text(db: Path) -> list[tuple[str, str]]:
    """(table.column, value) of every text cell of every stored table, but the files' SHA-256
    digests (warehouse.checks.DIGEST_COLUMNS): a workbook's digest changes with its creation time,
    and one in a few dozen holds ten digits that read as a CPR number, which made tests flaky."""
    from warehouse.checks import DIGEST_COLUMNS

    con = duckdb.connect(str(db), read_only=True)
    try:
        cells = []
        for schema, table, column in _text_columns(con):
            if (f"{schema}.{table}", column) in DIGEST_COLUMNS:
                continue
            rows = con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}" '  # noqa: S608 (names from the catalogue)
                f'where "{column}" is not null'
            ).fetchall()
            cells += [(f"{schema}.{table}.{column}", value) for (value,) in rows]
        return cells
    finally:
        con.close()
