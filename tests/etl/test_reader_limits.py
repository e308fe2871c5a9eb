"""The reader's limits (etl/limits.py, docs/export-format.md "Limits"; issue 13 section 3): each
refuses its export with exit 2 and one line naming the file and the limit, before the memory is
spent, while the other exports on the command line still load; and a 100,000-case export loads
within the defaults."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from etl import limits
from etl.read import UnreadableExport, read_export
from settings import Settings, SettingsError
from tests.support.exports import (
    CASE_COLUMNS,
    case,
    csv_text,
    refused_alone,
    run_load,
    write_export,
    zip_of,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_export(tmp_path / "good", "2024-06-30", cases=[case("G1")])


def deflated(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _cases_csv(path: Path, n: int = 3, columns: list[str] = CASE_COLUMNS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text([case(f"F{i}") for i in range(n)], columns))
    return path


# ------------------------------------------------------------------ configuration


def test_the_defaults_are_the_documented_ones_and_each_variable_overrides_one(monkeypatch):
    defaults = limits.current()
    assert defaults == limits.Limits()
    assert set(limits.LIMIT_VARIABLES) == {f for f in defaults.__dataclass_fields__}
    for number, (field_name, variable) in enumerate(limits.LIMIT_VARIABLES.items(), start=7):
        monkeypatch.setenv(variable, str(number))
        assert getattr(limits.current(), field_name) == number
    monkeypatch.setenv("LAT_MAX_ROWS", "1_000_000")
    assert limits.current().rows == 1_000_000


@pytest.mark.parametrize("value", ["-1", "0", "many", "1e6"])
def test_a_limit_that_is_no_positive_whole_number_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("LAT_MAX_COLUMNS", value)
    with pytest.raises(
        SettingsError,
        match="^Miljøvariablen LAT_MAX_COLUMNS kan ikke bruges: skal være et positivt helt tal",
    ):
        limits.current()


def test_the_limits_are_fields_of_the_one_settings_object():
    assert {v.removeprefix("LAT_").lower() for v in limits.LIMIT_VARIABLES.values()} <= set(
        Settings.model_fields
    )


def test_every_limit_variable_is_documented():
    doc = (ROOT / "docs" / "export-format.md").read_text()
    for variable in limits.LIMIT_VARIABLES.values():
        assert f"`{variable}`" in doc, variable


# ------------------------------------------------------------------ CSV


def test_too_many_header_cells_refuse_before_polars_lays_them_out(
    tmp_path, db, good, capsys, monkeypatch
):
    monkeypatch.setenv("LAT_MAX_COLUMNS", "20")
    wide = _cases_csv(tmp_path / "wide" / "forloeb.csv", columns=CASE_COLUMNS + ["x"] * 11)
    line = refused_alone(capsys, db, wide.parent, good)
    assert "forloeb.csv: har 21 kolonner; højst 20" in line and "LAT_MAX_COLUMNS" in line


def test_twenty_columns_are_within_a_limit_of_twenty(tmp_path, monkeypatch):
    monkeypatch.setenv("LAT_MAX_COLUMNS", "20")
    path = _cases_csv(tmp_path / "w" / "forloeb.csv", columns=CASE_COLUMNS + ["x"] * 10)
    assert read_export(path).tables[0].frame.width == 21  # 20 columns and _source_row


def test_too_many_rows_refuse_the_file(tmp_path, db, good, capsys, monkeypatch):
    monkeypatch.setenv("LAT_MAX_ROWS", "4")
    assert len(read_export(_cases_csv(tmp_path / "ok" / "forloeb.csv", n=4)).tables[0].frame) == 4
    many = _cases_csv(tmp_path / "many" / "forloeb.csv", n=5)
    line = refused_alone(capsys, db, many.parent, good)
    assert "forloeb.csv: har 5 rækker; højst 4 pr. tabel" in line


def test_too_many_cells_refuse_the_file(tmp_path, db, good, capsys, monkeypatch):
    monkeypatch.setenv("LAT_MAX_CELLS", str(10 * len(CASE_COLUMNS) - 1))
    path = _cases_csv(tmp_path / "cells" / "forloeb.csv", n=10)
    line = refused_alone(capsys, db, path.parent, good)
    assert "forloeb.csv: har 100 celler (10 rækker gange 10 kolonner)" in line


def test_a_cell_longer_than_the_limit_refuses_the_file(tmp_path, db, good, capsys, monkeypatch):
    monkeypatch.setenv("LAT_MAX_CELL_BYTES", "100")
    path = tmp_path / "long" / "forloeb.csv"
    path.parent.mkdir()
    path.write_text(csv_text([case("F1", borger_id="ø" * 50), case("F2")]))  # 100 bytes: fine
    assert len(read_export(path).tables[0].frame) == 2
    path.write_text(csv_text([case("F1", borger_id="ø" * 50 + "x"), case("F2")]))
    line = refused_alone(capsys, db, path.parent, good)
    assert "forloeb.csv: en celle er længere end 100 bytes" in line


def test_a_file_over_the_size_limit_is_refused_by_its_size(tmp_path, db, good, capsys, monkeypatch):
    path = _cases_csv(tmp_path / "big" / "forloeb.csv", n=50)
    monkeypatch.setenv("LAT_MAX_FILE_BYTES", str(path.stat().st_size - 1))
    line = refused_alone(capsys, db, path.parent, good)
    assert "forloeb.csv: filen er for stor" in line and "LAT_MAX_FILE_BYTES" in line


def test_the_files_of_a_folder_share_the_export_budget(tmp_path, db, good, capsys, monkeypatch):
    folder = write_export(tmp_path / "two", "2024-06-30", cases=[case("F1")], workers=[])
    total = sum(p.stat().st_size for p in folder.iterdir())
    monkeypatch.setenv("LAT_MAX_EXPORT_BYTES", str(total - 1))
    line = refused_alone(capsys, db, folder, good)
    assert "eksporten fylder for meget" in line and "LAT_MAX_EXPORT_BYTES" in line


# ------------------------------------------------------------------ folders


def test_a_fifo_named_like_a_table_is_listed_not_read(tmp_path, db, capsys):
    folder = write_export(tmp_path / "fifo", "2024-06-30", cases=[case("F1")])
    os.mkfifo(folder / "progression.csv")  # reading it would wait for a writer for ever
    export = read_export(folder)
    assert [t.table for t in export.tables] == ["forloeb"]
    assert "progression.csv" in export.ignored_files


def test_a_fifo_given_on_the_command_line_is_refused_at_once(tmp_path, db, good, capsys):
    os.mkfifo(tmp_path / "forloeb.csv")
    line = refused_alone(capsys, db, tmp_path / "forloeb.csv", good)
    assert "forloeb.csv: er ikke en almindelig fil" in line


def test_a_symlink_in_a_folder_export_is_not_followed(tmp_path):
    secret = tmp_path / "elsewhere" / "pseudonym.key"
    secret.parent.mkdir()
    secret.write_text("forloeb_id;kommunekode\nSECRET;101\n")
    folder = write_export(tmp_path / "links", "2024-06-30", workers=[])
    (folder / "forloeb.csv").symlink_to(secret)
    (folder / "progression.csv").symlink_to("/dev/zero")
    export = read_export(folder)
    assert [t.table for t in export.tables] == ["medarbejdere"]
    assert {"forloeb.csv", "progression.csv"} <= set(export.ignored_files)


# ------------------------------------------------------------------ ZIP


def test_a_member_over_the_file_limit_is_refused_by_its_header(
    tmp_path, db, good, capsys, monkeypatch
):
    monkeypatch.setenv("LAT_MAX_FILE_BYTES", "1000")
    bomb = deflated(tmp_path / "big.zip", {"forloeb.csv": csv_text([case("F1")]) + " " * 2000})
    assert bomb.stat().st_size < 1000
    line = refused_alone(capsys, db, bomb, good)
    assert "big.zip:forloeb.csv: filen er for stor" in line


def _lie_about_size(path: Path, declared: int) -> None:
    """Rewrite the member's uncompressed size in both its headers."""
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_a_member_whose_header_understates_it_is_stopped_at_its_size(tmp_path, db, good, capsys):
    text = csv_text([case(f"F{i}") for i in range(2000)])
    path = deflated(tmp_path / "lie.zip", {"forloeb.csv": text})
    _lie_about_size(path, 100)
    line = refused_alone(capsys, db, path, good)
    assert "lie.zip: kan ikke læses som ZIP" in line


def test_a_highly_compressed_member_is_refused_by_its_ratio(tmp_path, db, good, capsys):
    header = ";".join(CASE_COLUMNS) + "\n"
    body = header + ";" * 9 + " " * (3 * limits.MIB) + "\n"
    path = deflated(tmp_path / "ratio.zip", {"forloeb.csv": body})
    info = zipfile.ZipFile(path).infolist()[0]
    assert info.file_size > limits.RATIO_FLOOR and info.file_size > 100 * info.compress_size
    line = refused_alone(capsys, db, path, good)
    assert "ratio.zip:forloeb.csv: pakker sig ud til mere end 100 gange" in line


def test_a_small_member_may_compress_well(tmp_path):
    path = deflated(tmp_path / "small.zip", {"forloeb.csv": csv_text([case("F1")] * 3000)})
    info = zipfile.ZipFile(path).infolist()[0]
    assert info.file_size > 100 * info.compress_size and info.file_size < limits.RATIO_FLOOR
    assert read_export(path).tables[0].table == "forloeb"


def test_too_many_members_are_refused_before_zipfile_reads_the_directory(
    tmp_path, db, good, capsys, monkeypatch
):
    monkeypatch.setenv("LAT_MAX_ZIP_MEMBERS", "10")
    files = {f"noter/{i}.txt": "x" for i in range(10)} | {"forloeb.csv": csv_text([case("F1")])}
    line = refused_alone(capsys, db, zip_of(tmp_path / "many.zip", files), good)
    assert "many.zip: har 11 filer; højst 10" in line


def test_the_members_of_a_zip_share_the_export_budget(tmp_path, db, good, capsys, monkeypatch):
    text = csv_text([case(f"F{i}") for i in range(20)])
    files = {"forloeb.csv": text, "progression.csv": "forloeb_id;dato;score\n" + "F1;x;1\n" * 200}
    path = zip_of(tmp_path / "sum.zip", files)
    monkeypatch.setenv("LAT_MAX_EXPORT_BYTES", str(path.stat().st_size + len(text) + 10))
    line = refused_alone(capsys, db, path, good)
    assert "sum.zip:progression.csv: eksporten fylder for meget" in line


# ------------------------------------------------------------------ XLSX


def _workbook(path: Path, rows: list[list[str]], sheet: str = "forloeb") -> Path:
    book = xlsxwriter.Workbook(path)
    worksheet = book.add_worksheet(sheet)
    for number, row in enumerate(rows):
        worksheet.write_row(number, 0, row)
    book.close()
    return path


def _with_sheet(path: Path, sheet_xml: bytes) -> Path:
    """The workbook at `path` with its first sheet's XML replaced."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


_SHEET = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>forloeb_id</t></is></c>'
    b"</row>%s</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    "cells, refusal",
    [
        (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "har 16.384 kolonner"),
        (b'<row r="6000000"><c r="A6000000"><v>1</v></c></row>', "har 5.999.999 rækker"),
        (b'<row r="40000"><c r="ALL40000"><v>1</v></c></row>', "har 39.999.000 celler"),
        (b"<row>" + b"<c><v>1</v></c>" * 1500 + b"</row>", "kolonner; højst 1.000"),
        (b"<x:row>" + b"<x:c><v>1</v></x:c>" * 1500 + b"</x:row>", "kolonner; højst 1.000"),
    ],
    ids=["far-corner", "far-row", "rows-times-columns", "cells-without-reference", "prefixed"],
)
def test_a_sheet_whose_extent_is_over_the_limits_is_refused_before_calamine_opens_it(
    tmp_path, cells, refusal
):
    """calamine lays a sheet out as a full grid to its farthest cell: one cell at XFD1048576
    would be seventeen billion cells, a Rust panic under any memory limit."""
    path = _with_sheet(_workbook(tmp_path / "far.xlsx", [["forloeb_id"]]), _SHEET % cells)
    with pytest.raises(UnreadableExport, match=refusal):
        read_export(path)


def test_a_sheet_part_over_the_file_limit_is_refused_before_calamine(tmp_path, monkeypatch):
    rows = [CASE_COLUMNS] + [list(case(f"F{i}").values()) for i in range(300)]
    path = _workbook(tmp_path / "book.xlsx", rows)
    sheet = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    monkeypatch.setenv("LAT_MAX_FILE_BYTES", str(sheet.file_size - 1))
    assert path.stat().st_size < sheet.file_size
    with pytest.raises(UnreadableExport, match="book.xlsx:xl/worksheets/sheet1.xml: filen er for"):
        read_export(path)


def test_a_workbook_within_the_limits_reads_every_row(tmp_path):
    rows = [CASE_COLUMNS] + [list(case(f"F{i}").values()) for i in range(300)]
    export = read_export(_workbook(tmp_path / "book.xlsx", rows))
    assert len(export.tables[0].frame) == 300


# ------------------------------------------------------------------ the issue's files, as given


_BOMBS = textwrap.dedent(
    """
    import io, resource, sys, zipfile
    limit = 1536 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    kind, folder = sys.argv[1], sys.argv[2]
    def zipped(name, write):
        path = f"{folder}/{name}"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            with zf.open("forloeb.csv", "w", force_zip64=True) as f:
                write(f)
        return path
    header = b"forloeb_id" + b";x" * 500_000 + b"\\n"
    if kind == "header-cells":
        path = zipped("wide.zip", lambda f: f.write(header))
    elif kind == "header-cells-100mb":
        path = zipped("wide100.zip", lambda f: [f.write(header) for _ in range(100)])
    elif kind == "nul-gib":
        path = zipped("nul.zip", lambda f: [f.write(bytes(2**20)) for _ in range(1024)])
    from cli.main import main
    sys.exit(main(["load", path, "--db", f"{folder}/wh/warehouse.duckdb"]))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["header-cells", "header-cells-100mb", "nul-gib"])
def test_the_issues_files_are_refused_at_the_default_limits_under_a_memory_cap(tmp_path, kind):
    """Issue 13: these took 10.6 GB, 22 GB and 2.1 GB; under a 1.5 GB address-space limit each is
    refused in seconds (a Rust panic or MemoryError would be exit 1 with a traceback)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAT_MAX_")}
    done = subprocess.run(
        [sys.executable, "-c", _BOMBS, kind, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("IKKE INDLÆST: "), done.stderr
    assert not (tmp_path / "wh" / "warehouse.duckdb").exists()


@pytest.mark.slow
def test_a_100000_case_export_is_within_every_default_limit(tmp_path):
    from etl.synth import write_synthetic_export

    write_synthetic_export(tmp_path / "x", cases=100_000, seed=1)
    export = read_export(tmp_path / "x")  # raises UnreadableExport at a limit
    assert sum(len(t.frame) for t in export.tables) > 1_000_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((tmp_path / "x").iterdir()):
            zf.write(path, path.name)
    (tmp_path / "x.zip").write_bytes(buffer.getvalue())
    assert len(read_export(tmp_path / "x.zip").tables) == 4


def test_a_bad_limit_variable_stops_lat_load_with_exit_2_before_it_writes(
    tmp_path, db, good, capsys, monkeypatch
):
    """Like any bad setting (settings.py): one line, exit 2, nothing read or written."""
    monkeypatch.setenv("LAT_MAX_ROWS", "mange")
    code, out, err = run_load(capsys, str(good), "--db", str(db))
    assert code == 2 and "Traceback" not in out + err
    assert err.strip() == (
        "lat: Miljøvariablen LAT_MAX_ROWS kan ikke bruges: skal være et positivt helt tal "
        "(er 'mange')."
    )
    assert not db.parent.exists()
