"""CPR-like numbers outside the cells (headers, file, sheet, folder and ZIP names, export paths)
and written differently inside them (other dashes, Unicode digits, a space).

Each export here is loaded through `lat load` into a fresh warehouse; afterwards no stored text
(every text column of raw, etl and ref) and nothing printed holds a CPR-like number, and no
stored text holds the server path the export was read from.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from cli.main import main as lat
from etl.read import read_export
from privacy.cpr import MASK, looks_like_cpr
from tests.support.exports import CASE_COLUMNS, case, query, stored_text, write_export

CPR = "010190-1234"
OTHER_CPR = "0202851234"


def _load(capsys: pytest.CaptureFixture, export: Path, db: Path) -> tuple[int, str]:
    code = lat(["load", str(export), "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out + err


def _assert_nothing_leaks(db: Path, printed: str, server_path: Path) -> None:
    stored = stored_text(db)
    assert [(where, v) for where, v in stored if looks_like_cpr(v)] == []
    assert [(where, v) for where, v in stored if str(server_path) in v] == []
    assert not looks_like_cpr(printed), printed


def _case_csv(header_extra: list[str], cells_extra: list[str], *, line_end: str = "\n") -> str:
    row = case("F1", startdato="nej")  # rejected, so its raw_values are stored with their keys
    header = ";".join(CASE_COLUMNS + header_extra)
    cells = ";".join([row[c] for c in CASE_COLUMNS] + cells_extra)
    return header + line_end + cells + line_end


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "encoding"),
    [
        ([f"noter {CPR}"], "utf-8"),
        ([OTHER_CPR], "utf-8"),  # a header that is a bare CPR number
        ([f"bemærkning om {CPR} (født)"], "cp1252"),  # Danish Excel's CSV
        ([f"noter {CPR}", f"noter {OTHER_CPR}"], "utf-8"),  # two headers that mask alike
    ],
    ids=["in-text", "bare", "windows-1252", "two-alike"],
)
def test_a_header_with_a_cpr_number_is_masked_where_it_is_read(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture, headers: list[str], encoding: str
) -> None:
    export = tmp_path / "e"
    export.mkdir()
    text = _case_csv(headers, ["x"] * len(headers))
    (export / "forloeb.csv").write_bytes(text.encode(encoding))
    (tf,) = read_export(export).tables
    masked = [c for c in tf.frame.columns if MASK in c]
    assert len(masked) == len(headers)  # every header kept, each under its own name
    code, printed = _load(capsys, export, db)
    assert code == 0
    ignored = query(db, "select ignored_columns from etl.batch_files")[0][0]
    assert ignored.count(MASK) == len(headers)
    assert query(db, "select reason_code from etl.rejected_rows") == [("invalid_value",)]
    _assert_nothing_leaks(db, printed, tmp_path)


def test_a_csv_read_as_one_line_keeps_its_cpr_cells_out_of_the_headers(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    """Old-Mac line endings: however the reader splits the file, no header keeps a CPR number."""
    export = tmp_path / "e"
    export.mkdir()
    rows = [case("F1", borger_id=CPR), case("F2", borger_id=OTHER_CPR)]
    lines = [";".join(CASE_COLUMNS)] + [";".join(r[c] for c in CASE_COLUMNS) for r in rows]
    (export / "forloeb.csv").write_text("\r".join(lines) + "\r", encoding="utf-8")
    _code, printed = _load(capsys, export, db)
    _assert_nothing_leaks(db, printed, tmp_path)


# --- names and paths -----------------------------------------------------------------------------


def _zip(path: Path, files: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def _case_file() -> str:
    return _case_csv([], [])


def _folder_named(tmp_path: Path) -> Path:
    return write_export(tmp_path / "srv" / CPR, "2024-06-30", cases=[case("F1", startdato="nej")])


def _subfolder_named(tmp_path: Path) -> Path:
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1", startdato="nej")])
    (export / CPR).mkdir()
    (export / f"{OTHER_CPR}.pdf").write_text("x", encoding="utf-8")
    return export


def _zip_folder_named(tmp_path: Path) -> Path:
    return _zip(tmp_path / "eksport.zip", {f"{CPR}/forloeb.csv": _case_file()})


def _zip_named(tmp_path: Path) -> Path:
    return _zip(tmp_path / f"{CPR}.zip", {"forloeb.csv": _case_file(), f"{OTHER_CPR}.txt": "x"})


def _sheet_named(tmp_path: Path) -> Path:
    path = tmp_path / f"borger {CPR}.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("forloeb")
    row = case("F1", startdato="nej")
    sheet.write_row(0, 0, CASE_COLUMNS)
    sheet.write_row(1, 0, [row[c] for c in CASE_COLUMNS])
    book.add_worksheet(OTHER_CPR).write(0, 0, "noter")
    book.close()
    return path


@pytest.mark.parametrize(
    "make",
    [_folder_named, _subfolder_named, _zip_folder_named, _zip_named, _sheet_named],
    ids=["folder", "subfolder-and-file", "zip-folder", "zip-file", "workbook-and-sheet"],
)
def test_a_name_with_a_cpr_number_is_masked_and_no_server_path_is_stored(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture, make
) -> None:
    export = make(tmp_path)
    code, printed = _load(capsys, export, db)
    assert code == 0
    assert query(db, "select count(*) from etl.rejected_rows") == [(1,)]
    (name,) = query(db, "select source_path from etl.batches")[0]
    assert name == export.name.replace(CPR, MASK)  # the export's name, not its path
    _assert_nothing_leaks(db, printed, tmp_path)


def test_the_report_names_the_path_it_read_with_the_cpr_number_masked(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    export = _folder_named(tmp_path)
    _code, printed = _load(capsys, export, db)
    assert str(export).replace(CPR, MASK) in printed


def test_a_missing_path_with_a_cpr_number_is_reported_masked(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    code, printed = _load(capsys, tmp_path / CPR, db)
    assert code == 2
    assert "findes ikke" in printed and not looks_like_cpr(printed)


def test_a_refused_file_named_with_a_cpr_number_is_reported_masked(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / f"{CPR}.csv"
    bad.write_text(_case_file(), encoding="utf-8")
    code, printed = _load(capsys, bad, db)
    assert code == 2
    assert "filnavnet nævner ingen tabel" in printed and not looks_like_cpr(printed)


# --- the same number written differently, in cells -----------------------------------------------


def test_cells_with_a_cpr_number_written_differently_are_blanked_and_keyed_as_one_citizen(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    en_dash, full_width = (
        "010190\u20131234",
        "\uff10\uff11\uff10\uff11\uff19\uff10-\uff11\uff12\uff13\uff14",
    )
    cases = [
        case("F1", borger_id="0101901234"),
        case("F2", borger_id=en_dash, medarbejder_id=f"ring {full_width}"),
        case("F3", borger_id=full_width, medarbejder_id="noter 010190 1234"),
    ]
    export = write_export(tmp_path / "e", "2024-06-30", cases=cases)
    code, printed = _load(capsys, export, db)
    assert code == 0
    keys = query(db, "select count(distinct citizen_key), count(worker_id) from raw.cases")
    assert keys == [(1, 1)]  # one citizen; both worker cells blanked
    assert "CPR-nummer fjernet fra 2 celler" in printed
    _assert_nothing_leaks(db, printed, tmp_path)


# --- metadata field values -----------------------------------------------------------------------


def test_metadata_values_with_a_cpr_number_are_masked_where_they_are_read(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
) -> None:
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")])
    meta = {"exported_at": "2024-06-30", "platform": f"platform {CPR}",
            "municipalities": ["101", OTHER_CPR]}  # fmt: skip
    (export / "eksport.json").write_text(json.dumps(meta), encoding="utf-8")
    read = read_export(export)
    assert not looks_like_cpr(read.platform or "")
    assert read.municipalities == ["101", MASK]
    code, printed = _load(capsys, export, db)
    assert code == 0
    assert "kommuner i eksporten: 101, XXXXXX-XXXX" in printed
    _assert_nothing_leaks(db, printed, tmp_path)
