"""Malformed exports (issue 7 section 4): each is loaded correctly, rejected row by row, or
refused whole with exit 2 while the other exports on the command line still load, never a
traceback, an exit 1, a silently lost row or an empty batch."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.filters import add_months, month_end
from etl import load
from etl.read import Export, UnreadableExport, read_export, table_file_from_records
from etl.validate import DATE_FLOOR, validate_table
from privacy.cpr import looks_like_cpr
from privacy.pseudonym import Pseudonymizer
from tests.support.exports import (
    CASE_COLUMNS,
    case,
    csv_text,
    progress,
    query,
    refused_alone,
    run_load,
    write_export,
    zip_of,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


def batches(db: Path) -> int:
    return query(db, "select count(*) from etl.batches")[0][0] if db.exists() else 0


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_export(tmp_path / "good", "2024-06-30", cases=[case("G1")])


# ------------------------------------------------------------------ two files for one table


def _two_in_folder(tmp_path: Path) -> Path:
    folder = write_export(tmp_path / "two", "2024-06-30", cases=[case("F1")])
    (folder / "cases.csv").write_text(csv_text([case("F1", forloebstype="forældrecoach")]))
    return folder


def _two_in_zip(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("forloeb.csv", csv_text([case("F1")]))
        zf.writestr("forloeb.csv", csv_text([case("F1", forloebstype="forældrecoach")]))
    path = tmp_path / "two.zip"
    path.write_bytes(buffer.getvalue())
    return path


def _two_in_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    for sheet, case_type in (("Forløb", "mentor"), ("cases", "forældrecoach")):
        rows = [CASE_COLUMNS, [case("F1", forloebstype=case_type)[c] for c in CASE_COLUMNS]]
        ws = book.add_worksheet(sheet)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    book.close()
    return path


@pytest.mark.parametrize(
    ("build", "files"),
    [
        (_two_in_folder, ("cases.csv", "forloeb.csv")),
        (_two_in_zip, ("two.zip:forloeb.csv", "two.zip:forloeb.csv")),
        (_two_in_workbook, ("two.xlsx:Forløb", "two.xlsx:cases")),
    ],
    ids=["folder", "zip", "workbook"],
)
def test_two_files_for_one_table_refuse_the_export(tmp_path, db, good, capsys, build, files):
    line = refused_alone(capsys, db, build(tmp_path), good)
    assert "tabellen forloeb står i flere filer" in line
    assert f"({files[0]}, {files[1]})" in line
    assert query(db, "select case_id from raw.cases") == [("G1",)]


def test_two_metadata_files_refuse_the_export(tmp_path, db, good, capsys):
    bad = write_export(tmp_path / "bad", "2024-06-30", cases=[case("F1")])
    (bad / "export.json").write_text('{"exported_at": "2024-05-01"}', encoding="utf-8")
    line = refused_alone(capsys, db, bad, good)
    assert "flere metadatafiler (eksport.json, export.json)" in line


# ------------------------------------------------------------------ the export date


@pytest.mark.parametrize(
    ("exported_at", "says"),
    # the dates as Danes write them (texts.formats.day), not ISO
    [
        ("9999-12-31", "31. dec. 9999 er efter dagens dato"),
        ("2015-12-31", "31. dec. 2015 er før 1. jan. 2016"),
    ],
)
def test_an_export_date_after_today_or_before_2016_is_refused(
    tmp_path, db, good, capsys, exported_at, says
):
    bad = write_export(tmp_path / "bad", exported_at, cases=[case("F1", startdato="2015-06-01")])
    line = refused_alone(capsys, db, bad, good)
    assert f"exported_at {says}" in line
    assert query(db, "select as_of from mart.as_of") == [(date(2024, 6, 30),)]


def test_the_export_date_may_be_today_but_not_tomorrow(tmp_path, db):
    today = date(2024, 7, 1)
    tomorrow = write_export(tmp_path / "t1", "2024-07-02", cases=[case("F1")])
    on_the_day = write_export(tmp_path / "t0", "2024-07-01", cases=[case("F2")])
    result = load.load_exports([tomorrow, on_the_day], db, today=today)
    assert [e.error is not None for e in result.exports] == [True, False]
    assert query(db, "select as_of from mart.as_of") == [(today,)]


def _accepted(exported_at: date, today: date) -> bool:
    export = Export("export", "sha", exported_at, None, [], [])
    try:
        load._check_export_date(export, today)
    except UnreadableExport:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.dates(), st.dates(min_value=DATE_FLOOR, max_value=date(2100, 1, 1)))
@example(date(9999, 12, 31), date(2026, 12, 1))
@example(date.max, date(2024, 1, 1))
@example(date.min, date(2024, 1, 1))
def test_no_export_date_the_loader_accepts_breaks_the_month_arithmetic(exported_at, today):
    """The as-of date is the last month of every page's series: pages add a month to it,
    take its month end, and go back by the length of the period (app/filters.py)."""
    if not _accepted(exported_at, today):
        return
    assert DATE_FLOOR <= exported_at <= today
    assert month_end(add_months(exported_at, 1)) > exported_at
    months = (exported_at.year - DATE_FLOOR.year) * 12 + exported_at.month
    assert add_months(DATE_FLOOR, -months) < DATE_FLOOR


# ------------------------------------------------------------------ one bad cell, one bad file


@pytest.mark.parametrize(
    ("over", "column"),
    [
        ({"alder": "1" * 5000}, "alder"),
        ({"foedselsaar": "99999999999"}, "foedselsaar"),  # beyond the warehouse's integer
    ],
    ids=["5000-digit-age", "huge-birth-year"],
)
def test_a_huge_number_rejects_its_row_and_the_next_export_loads(
    tmp_path, db, good, capsys, over, column
):
    bad = write_export(tmp_path / "bad", "2024-06-30", cases=[case("F1", **over)])
    code, out, err = run_load(capsys, str(bad), str(good), "--db", str(db))
    assert code == 0, err
    assert batches(db) == 2
    rejected = query(db, "select column_name, reason_code, message from etl.rejected_rows")
    assert [(c, r) for c, r, _ in rejected] == [(column, "out_of_range")]
    assert len(rejected[0][2]) < 200  # the cell is named, not printed whole


def test_a_twenty_digit_score_is_out_of_range(tmp_path, db, good, capsys):
    bad = write_export(
        tmp_path / "bad",
        "2024-06-30",
        cases=[case("F1")],
        progression=[progress("F1", score="9" * 20), progress("F1", when="2024-03-01")],
    )
    code, _out, err = run_load(capsys, str(bad), str(good), "--db", str(db))
    assert code == 0, err
    assert query(db, "select source_row, reason_code from etl.rejected_rows") == [
        (2, "out_of_range")
    ]
    assert query(db, "select count(*) from raw.progression") == [(1,)]


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=1, max_size=60))
@example("9" * 19)  # beyond Int64
@example("9" * 20)  # beyond Int64, read as Int128 before
@example("1" * 4301)  # beyond Python's int() digit limit
@example("0" * 5000 + "7")
def test_any_integer_cell_is_valid_or_out_of_range(digits):
    tf = table_file_from_records("progression", "p.csv", [progress("F1", score=digits)], [2])
    v = validate_table(tf, date(2024, 6, 30), Pseudonymizer(b"k"))
    score = digits.lstrip("0")
    if looks_like_cpr(digits):  # blanked as a CPR number before it is read as a score
        assert v.rejected["reason_code"].to_list() == ["missing_required"]
    elif score in {str(n) for n in range(1, 11)}:
        assert v.valid["score"].to_list() == [int(score)]
    else:
        assert v.rejected["reason_code"].to_list() == ["out_of_range"]


def test_deeply_nested_metadata_refuses_its_export_only(tmp_path, db, good, capsys):
    bad = write_export(tmp_path / "bad", None, cases=[case("F1")])
    (bad / "eksport.json").write_text("[" * 100_000 + "]" * 100_000)
    assert "eksport.json: kan ikke læses som JSON" in refused_alone(capsys, db, bad, good)


def test_a_folder_name_that_is_not_utf8_refuses_that_export_only(tmp_path, db, good, capsys):
    bad = Path(os.fsdecode(os.fsencode(tmp_path) + b"/eksport-\xf8st"))
    write_export(bad, "2024-06-30", cases=[case("F1")])
    line = refused_alone(capsys, db, bad, good)
    assert "eksport-\N{REPLACEMENT CHARACTER}st: navnet er ikke gyldig UTF-8" in line


def test_a_file_name_that_is_not_utf8_is_listed_as_ignored(tmp_path, db, capsys):
    folder = write_export(tmp_path / "export", "2024-06-30", cases=[case("F1")])
    Path(os.fsdecode(os.fsencode(folder) + b"/noter-\xe6.txt")).write_text("x")
    code, out, err = run_load(capsys, str(folder), "--db", str(db))
    assert code == 0, err
    assert "ignorerede filer: noter-\N{REPLACEMENT CHARACTER}.txt" in out


# ------------------------------------------------------------------ exports without a table


def _empty_folder(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _empty_zip(tmp_path: Path) -> Path:
    return zip_of(tmp_path / "empty.zip", {})


def _zip_slip_only(tmp_path: Path) -> Path:
    return zip_of(tmp_path / "slip.zip", {"../forloeb.csv": csv_text([case("F1")])})


def _nested_zip(tmp_path: Path) -> Path:
    inner = zip_of(tmp_path / "inner.zip", {"forloeb.csv": csv_text([case("F1")])})
    return zip_of(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})


def _workbook_without_workbook_part(tmp_path: Path) -> Path:
    full = tmp_path / "full.xlsx"
    book = xlsxwriter.Workbook(full)
    book.add_worksheet("Forløb").write_row(0, 0, CASE_COLUMNS)
    book.close()
    with zipfile.ZipFile(full) as zf:
        parts = {n: zf.read(n) for n in zf.namelist() if n != "xl/workbook.xml"}
    return zip_of(tmp_path / "broken.xlsx", parts)


def _directory_named_like_a_table(tmp_path: Path) -> Path:
    (tmp_path / "export" / "forloeb.csv").mkdir(parents=True)
    (tmp_path / "export" / "eksport.json").write_text(json.dumps({"exported_at": "2024-07-01"}))
    return tmp_path / "export"


@pytest.mark.parametrize(
    "build",
    [
        _empty_folder,
        _empty_zip,
        _zip_slip_only,
        _nested_zip,
        _workbook_without_workbook_part,
        _directory_named_like_a_table,
    ],
)
def test_an_export_without_a_readable_table_changes_nothing(tmp_path, db, good, capsys, build):
    run_load(capsys, str(good), "--db", str(db))
    code, out, err = run_load(capsys, str(build(tmp_path)), "--db", str(db))
    assert code == 2, out + err
    assert "ingen tabel at indlæse" in err and "Traceback" not in out + err
    assert batches(db) == 1
    assert query(db, "select as_of from mart.as_of") == [(date(2024, 6, 30),)]


# ------------------------------------------------------------------ NUL bytes


def test_a_nul_byte_after_the_first_64_kb_refuses_the_file(tmp_path):
    rows = "".join(f"K{i};2024-03-05;7\n" for i in range(6000))
    data = ("forloeb_id;dato;score\n" + rows).encode() + b"K-x;2024-03-05;\x007\n"
    assert data.index(b"\x00") > 65536
    (tmp_path / "progression.csv").write_bytes(data)
    with pytest.raises(UnreadableExport, match="progression.csv: .*binære data"):
        read_export(tmp_path / "progression.csv")


def _workbook_with_escaped_cell(
    path: Path, sheet: str, header: list[str], cells: list[str], escaped: bytes
) -> Path:
    """A workbook whose one data row holds MARKER, replaced in the XML by `escaped` (an OOXML
    `_xHHHH_` escape, which the reader decodes to that character)."""
    plain = path.with_suffix(".plain.xlsx")
    book = xlsxwriter.Workbook(plain)
    book.add_worksheet(sheet).write_row(0, 0, header)
    book.worksheets()[0].write_row(1, 0, cells)
    book.close()
    with zipfile.ZipFile(plain) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data.replace(b"MARKER", escaped))
    plain.unlink()
    return path


@pytest.mark.parametrize("escaped", [b"ab_x0000_cd", b"_x0001_", b"x_x001F_"])
def test_a_nul_or_control_character_escaped_in_a_workbook_refuses_it(tmp_path, db, capsys, escaped):
    """As a CSV file with one is: calamine decodes `_x0000_` to a NUL byte, which would be
    stored in the warehouse (a worker's name, a rejected row's message and raw values)."""
    workers = ["medarbejder_id", "kommunekode", "rolle", "navn"]
    path = _workbook_with_escaped_cell(
        tmp_path / "eksport.xlsx", "medarbejdere", workers, ["W1", "101", "mentor", "MARKER"],
        escaped,
    )  # fmt: skip
    with pytest.raises(UnreadableExport, match="medarbejdere: .*binære data"):
        read_export(path)
    code, out, err = run_load(capsys, str(path), "--db", str(db))
    assert code == 2 and "\x00" not in out + err


def test_a_line_break_escaped_in_a_workbook_cell_is_text(tmp_path):
    workers = ["medarbejder_id", "kommunekode", "rolle", "navn"]
    path = _workbook_with_escaped_cell(
        tmp_path / "eksport.xlsx", "medarbejdere", workers, ["W1", "101", "mentor", "MARKER"],
        b"Anne_x000D_\nHansen",
    )  # fmt: skip
    (table,) = read_export(path).tables
    assert table.frame["navn"].to_list() == ["Anne\r\nHansen"]


# ------------------------------------------------------------------ rows lost without a word

PROGRESSION_HEADER = "forloeb_id;dato;score"


def _progression_cells(tmp_path: Path, data: bytes) -> list[dict]:
    (tmp_path / "progression.csv").write_bytes(data)
    (tf,) = read_export(tmp_path / "progression.csv").tables
    return [{k: v for k, v in row.items() if k != "_source_row"} for row in tf.frame.to_dicts()]


def test_old_mac_line_ends_read_as_rows_and_keep_a_quoted_cr(tmp_path):
    data = b'forloeb_id;dato;score\rK1;2024-03-05;7\r"K\r2";05-03-2024;8\r'
    assert _progression_cells(tmp_path, data) == [
        {"forloeb_id": "K1", "dato": "2024-03-05", "score": "7"},
        {"forloeb_id": "K\r2", "dato": "05-03-2024", "score": "8"},
    ]


_CELL = st.text(alphabet='ab ;"\r\n', max_size=6)


def _quoted(cell: str) -> str:
    """A cell as the export format writes it: quoted when it holds ; " CR or LF."""
    if any(c in cell for c in ';"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=8))
@example([("a", "b\rc", "d"), ("e", "f", "g")])
@example([('"', "\r", "\n"), (";", "", " ")])
def test_cells_read_the_same_whatever_the_line_ends(tmp_path_factory, rows):
    """CSV written with lone-CR line ends reads to the cells written, quoted CR and LF kept."""
    expected = [
        {k: c.strip() or None for k, c in zip(("forloeb_id", "dato", "score"), row, strict=True)}
        for row in rows
    ]
    expected = [row for row in expected if any(row.values())]
    lines = [PROGRESSION_HEADER, *(";".join(_quoted(c) for c in row) for row in rows)]
    data = "".join(line + "\r" for line in lines).encode()
    folder = tmp_path_factory.mktemp("cr")
    assert _progression_cells(folder, data) == expected


def test_a_row_with_text_beyond_the_header_refuses_the_file(tmp_path, db, good, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "forloeb.csv").write_text(
        csv_text([case("F1")])
        + csv_text([case("F2", koen="k;Jens Hansen", status="aktiv")]).split("\n", 1)[1]
    )
    line = refused_alone(capsys, db, bad, good)
    assert "forloeb.csv: række 3 har 11 celler, men overskriften har 10" in line
    # empty cells beyond the header lose nothing and still read
    data = f"{PROGRESSION_HEADER}\nK1;2024-03-05;7;;\n".encode()
    assert _progression_cells(tmp_path, data) == [
        {"forloeb_id": "K1", "dato": "2024-03-05", "score": "7"}
    ]


_NAME = st.text(alphabet="abcæøåÆØÅé -", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_NAME, st.sampled_from(["cp1252", "utf-8"])), min_size=1, max_size=8))
@example([("Jens Ærø", "cp1252"), ("Anne Møller", "utf-8")])
@example([("Anne Møller", "utf-8"), ("Åse", "cp1252"), ("Åse", "cp1252")])
def test_a_windows_1252_file_with_utf8_rows_reads_every_name(tmp_path_factory, rows):
    lines = [b"medarbejder_id;kommunekode;rolle;navn\n"]
    lines += [f"W{i};101;mentor;{n}\n".encode(enc) for i, (n, enc) in enumerate(rows)]
    folder = tmp_path_factory.mktemp("enc")
    (folder / "medarbejdere.csv").write_bytes(b"".join(lines))
    (tf,) = read_export(folder / "medarbejdere.csv").tables
    assert tf.frame["navn"].to_list() == [name for name, _ in rows]


def _workbook_with_error_cells(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Progression")
    sheet.write_row(0, 0, ["forloeb_id", "dato", "score"])
    sheet.write_row(1, 0, ["F1", "2024-03-05"])
    sheet.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    sheet.write_formula(2, 0, "=NA()", None, "#N/A")
    sheet.write_row(2, 1, ["2024-03-06", 7])
    sheet.write_row(3, 0, ["F1", "2024-03-07", 8])
    book.close()
    return path


def test_an_xlsx_error_cell_rejects_its_row_naming_the_cell(tmp_path, db):
    export = write_export(tmp_path / "cases", "2024-06-30", cases=[case("F1")])
    book = _workbook_with_error_cells(tmp_path / "wb.xlsx")
    result = load.load_exports([export, book], db)
    assert result.exit_code == 0
    rejected = query(
        db,
        "select source_file, source_row, column_name, reason_code, message "
        "from etl.rejected_rows order by source_row",
    )
    assert rejected == [
        ("wb.xlsx:Progression", 2, "score", "invalid_value",
         'Score "#DIV/0!" er en fejl fra regnearket, ikke en værdi.'),
        ("wb.xlsx:Progression", 3, "forloeb_id", "invalid_value",
         'Forloeb_id "#N/A" er en fejl fra regnearket, ikke en værdi.'),
    ]  # fmt: skip
    assert query(db, "select measured_on, score from raw.progression") == [(date(2024, 3, 7), 8)]
