"""Reading exports: containers, CSV dialects, workbooks, metadata and unreadable files."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from etl.parsing import fold, parse_bool, parse_date, parse_decimal, parse_int
from etl.read import (
    UnreadableExport,
    canonical_column,
    read_export,
    table_file_from_records,
    table_for_name,
)

PROGRESSION = "forloeb_id;dato;score\nK1;2024-03-05;7\nK2;05-03-2024;8\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def cells(export, table: str = "progression") -> list[dict]:
    (tf,) = [t for t in export.tables if t.table == table]
    return tf.frame.to_dicts()


# ----------------------------------------------------------------------------- CSV dialects


@pytest.mark.parametrize(
    "data",
    [
        b"forloeb_id;dato;score\r\nK1;2024-03-05;7\r\n",
        b"\xef\xbb\xbfforloeb_id;dato;score\nK1;2024-03-05;7\n",
        b"forloeb_id,dato,score\nK1,2024-03-05,7\n",
        b"forloeb_id\tdato\tscore\nK1\t2024-03-05\t7\n",
        b'"forloeb_id";"dato";"score"\n"K1";"2024-03-05";"7"\n',
    ],
    ids=["crlf-semicolon", "bom", "comma", "tab", "quoted"],
)
def test_csv_dialects_read_to_the_same_cells(tmp_path: Path, data: bytes) -> None:
    export = read_export(write(tmp_path / "progression.csv", data))
    assert cells(export) == [
        {"forloeb_id": "K1", "dato": "2024-03-05", "score": "7", "_source_row": 2}
    ]


def test_windows_1252_is_decoded(tmp_path: Path) -> None:
    data = "medarbejder_id;navn;kommunekode;rolle\nM1;Søren Ærø;101;forældrecoach\n"
    export = read_export(write(tmp_path / "medarbejdere.csv", data.encode("cp1252")))
    (row,) = cells(export, "medarbejdere")
    assert row["navn"] == "Søren Ærø" and row["rolle"] == "forældrecoach"


def test_windows_1252_header_is_decoded(tmp_path: Path) -> None:
    data = "forløb_id;dato;score;Bemærkning\nK1;2024-03-05;7;\n"
    (tf,) = read_export(write(tmp_path / "progression.csv", data.encode("cp1252"))).tables
    assert tf.frame.columns[:4] == ["forløb_id", "dato", "score", "Bemærkning"]


def test_quoted_cells_keep_separators_and_escaped_quotes(tmp_path: Path) -> None:
    data = 'medarbejder_id,navn,sprog\nM1,"Hansen, ""Bo""","dansk, arabisk"\n'
    (row,) = cells(read_export(write(tmp_path / "workers.csv", data)), "medarbejdere")
    assert row["navn"] == 'Hansen, "Bo"' and row["sprog"] == "dansk, arabisk"


def test_cells_trimmed_blank_rows_dropped_but_numbered(tmp_path: Path) -> None:
    data = "forloeb_id;dato;score\n K1 ;2024-03-05;  \n\n;;\n   ;  ;\nK2;2024-03-06;5\n"
    rows = cells(read_export(write(tmp_path / "progression.csv", data)))
    assert rows == [
        {"forloeb_id": "K1", "dato": "2024-03-05", "score": None, "_source_row": 2},
        {"forloeb_id": "K2", "dato": "2024-03-06", "score": "5", "_source_row": 6},
    ]


def test_headers_keep_their_original_text(tmp_path: Path) -> None:
    data = "Case ID;Date;Score;Kommentar\nK1;2024-03-05;7;hej\n"
    (tf,) = read_export(write(tmp_path / "progression.csv", data)).tables
    assert tf.frame.columns == ["Case ID", "Date", "Score", "Kommentar", "_source_row"]
    assert canonical_column("Case ID", "progression") == "forloeb_id"
    assert canonical_column("Kommentar", "progression") is None


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("Forløb", "forloeb"),
        ("FORLOEB", "forloeb"),
        ("forloeb", "forloeb"),
        ("cases", "forloeb"),
        ("Medarbejdere", "medarbejdere"),
        ("Workers", "medarbejdere"),
        ("MÅLINGER", "maalinger"),
        ("assessments", "maalinger"),
        ("Progression", "progression"),
        ("noter", None),
    ],
)
def test_table_names_fold(name: str, table: str | None) -> None:
    assert table_for_name(name) == table


def test_column_names_fold_danish_and_english() -> None:
    assert canonical_column(" Fødselsår ", "forloeb") == "foedselsaar"
    assert canonical_column("Start-Date", "forloeb") == "startdato"
    assert canonical_column("UDLÅNT FRA", "forloeb") == "udlaant_fra"
    assert canonical_column("Item 3", "maalinger") == "item_3"
    assert fold("Forældre-Coach") == "foraeldre_coach"


# ----------------------------------------------------------------------------- cell formats


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("05-03-2024", dt.date(2024, 3, 5)),
        ("05.03.2024", dt.date(2024, 3, 5)),
        ("05/03/2024", dt.date(2024, 3, 5)),
        ("5-3-2024", dt.date(2024, 3, 5)),
        ("5/3/2024", dt.date(2024, 3, 5)),
        ("2024-03-05 14:10", dt.date(2024, 3, 5)),
        ("05.03.2024 14:10:05", dt.date(2024, 3, 5)),
        ("2024-03-05 00:00:00", dt.date(2024, 3, 5)),
        ("2024/03/05", None),
        ("31-02-2024", None),
        ("05-03-24", None),
        ("05-03.2024", None),
        ("2024-3-5", None),
        ("marts 2024", None),
        ("2024-03-05 klokken 14", None),
    ],
)
def test_parse_date(cell: str, expected: dt.date | None) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("7", 7),
        ("07", 7),
        ("7,0", 7),
        ("7.00", 7),
        ("0", 0),
        ("7,5", None),
        ("-1", None),
        ("+1", None),
        ("1.000", None),
        ("1,000", None),
        ("7 ", None),
        ("sju", None),
    ],
)
def test_parse_int(cell: str, expected: int | None) -> None:
    assert parse_int(cell) == expected


def test_parse_decimal_and_bool() -> None:
    assert parse_decimal("2,5") == 2.5 and parse_decimal("2.5") == 2.5
    assert parse_decimal("2") == 2.0 and parse_decimal("2,5,1") is None
    assert [parse_bool(c) for c in ("ja", "NEJ", "True", "false", "1", "0", "Yes", "no")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
    ]
    assert parse_bool("måske") is None


# ----------------------------------------------------------------------------- containers


def test_folder_export_reads_tables_metadata_and_lists_ignored(tmp_path: Path) -> None:
    write(tmp_path / "Progression.csv", PROGRESSION)
    write(tmp_path / "forløb.csv", "forloeb_id;kommunekode\nK1;101\n")
    write(
        tmp_path / "eksport.json",
        '{"platform": "tm", "exported_at": "30-06-2024", "municipalities": ["751", "101"]}',
    )
    write(tmp_path / "noter.txt", "x")
    write(tmp_path / ".DS_Store", "x")
    write(tmp_path / "old" / "forloeb.csv", "x")
    export = read_export(tmp_path)
    assert sorted(t.table for t in export.tables) == ["forloeb", "progression"]
    assert {t.source_file for t in export.tables} == {"Progression.csv", "forløb.csv"}
    assert export.exported_at == dt.date(2024, 6, 30)
    assert export.platform == "tm" and export.municipalities == ["751", "101"]
    assert sorted(export.ignored_files) == [".DS_Store", "noter.txt", "old/"]


def test_folder_digest_changes_with_content_not_with_ignored_files(tmp_path: Path) -> None:
    write(tmp_path / "progression.csv", PROGRESSION)
    first = read_export(tmp_path).sha256
    write(tmp_path / "noter.txt", "x")
    assert read_export(tmp_path).sha256 == first
    write(tmp_path / "progression.csv", PROGRESSION + "K3;2024-03-05;1\n")
    assert read_export(tmp_path).sha256 != first


def test_single_csv_has_no_metadata_and_must_name_a_table(tmp_path: Path) -> None:
    export = read_export(write(tmp_path / "progression.csv", PROGRESSION))
    assert export.exported_at is None and export.tables[0].source_file == "progression.csv"
    with pytest.raises(UnreadableExport, match="data.csv: filnavnet nævner ingen tabel"):
        read_export(write(tmp_path / "data.csv", PROGRESSION))


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("root", ["", "eksport_2024/"])
def test_zip_export_at_root_or_in_one_folder(tmp_path: Path, root: str) -> None:
    data = zip_bytes(
        {
            f"{root}progression.csv": PROGRESSION,
            f"{root}export.json": json.dumps({"exported_at": "2024-06-30"}),
            f"__MACOSX/{root}._progression.csv": "junk",
        }
    )
    export = read_export(write(tmp_path / "archive.zip", data))
    (tf,) = export.tables
    assert tf.source_file == f"archive.zip:{root}progression.csv"
    assert tf.frame.height == 2
    assert export.exported_at == dt.date(2024, 6, 30)
    assert export.ignored_files == [f"archive.zip:__MACOSX/{root}._progression.csv"]


def workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Forløb")
    sheet.write_row(0, 0, ["forloeb_id", "kommunekode", "alder", "startdato", "slutdato"])
    sheet.write_row(1, 0, ["K1", 101, 30])
    sheet.write_datetime(1, 3, dt.datetime(2024, 3, 5), date_format)
    sheet.write_string(1, 4, "05-06-2024")
    sheet.write_row(3, 0, ["K2", "0751", "7,0", "01-02-2024"])
    sheet.write_number(3, 2, 7.5)
    meta = book.add_worksheet("eksport")
    meta.write_row(0, 0, ["Felt", "Værdi"])
    meta.write_row(1, 0, ["platform", "tm"])
    meta.write(2, 0, "exported_at")
    meta.write_datetime(2, 1, dt.datetime(2024, 6, 30), date_format)
    meta.write_row(3, 0, ["municipalities", "101, 751"])
    book.add_worksheet("Noter").write(0, 0, "hej")
    book.close()
    return path


def test_xlsx_sheets_with_text_number_and_date_cells(tmp_path: Path) -> None:
    export = read_export(workbook(tmp_path / "workbook.xlsx"))
    (tf,) = export.tables
    assert tf.table == "forloeb" and tf.source_file == "workbook.xlsx:Forløb"
    rows = tf.frame.to_dicts()
    assert [r["_source_row"] for r in rows] == [2, 4]
    assert rows[0]["kommunekode"] == "101" and rows[0]["alder"] == "30"
    assert parse_date(rows[0]["startdato"]) == dt.date(2024, 3, 5)
    assert rows[1]["kommunekode"] == "0751" and rows[1]["alder"] == "7.5"
    assert export.exported_at == dt.date(2024, 6, 30)
    assert export.platform == "tm" and export.municipalities == ["101", "751"]
    assert export.ignored_files == ["workbook.xlsx:Noter"]


def test_xlsx_inside_zip(tmp_path: Path) -> None:
    book = workbook(tmp_path / "wb.xlsx").read_bytes()
    export = read_export(write(tmp_path / "a.zip", zip_bytes({"wb.xlsx": book})))
    assert export.tables[0].source_file == "a.zip:wb.xlsx:Forløb"


# ----------------------------------------------------------------------------- unreadable


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("progression.csv", b"", "progression.csv: filen er tom"),
        ("progression.csv", b"  \n\n", "progression.csv: filen er tom"),
        ("progression.csv", bytes(range(256)) * 4, "binære data"),
        ("progression.csv", b"\n\nforloeb_id;dato\n", "ingen overskriftsrække"),
        ("progression.csv", b"K1;2024-03-05;7\nK2;2024-03-05;7\n", "ingen overskriftsrække"),
        ("progression.csv", b"forloeb_id;dato\n\x81\x8d\x90\n", "kan ikke afkodes"),
        ("progression.csv", zip_bytes({"a": "b"}), "binære data"),
        ("archive.zip", b"not a zip at all", "archive.zip: kan ikke læses som ZIP"),
        ("book.xlsx", b"not a workbook", "book.xlsx: kan ikke læses som XLSX"),
        ("export.pdf", b"%PDF", "ukendt filtype"),
    ],
)
def test_unreadable_files_raise_one_clear_line(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(UnreadableExport, match=message) as info:
        read_export(write(tmp_path / name, data))
    assert "\n" not in str(info.value)


def test_sheet_without_header_refuses_the_workbook(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "wb.xlsx")
    book.add_worksheet("Progression").write_row(0, 0, ["K1", "2024-03-05", "7"])
    book.close()
    with pytest.raises(UnreadableExport, match="wb.xlsx:Progression: arket kan ikke læses"):
        read_export(tmp_path / "wb.xlsx")


def test_one_unreadable_table_refuses_the_whole_folder(tmp_path: Path) -> None:
    write(tmp_path / "progression.csv", PROGRESSION)
    write(tmp_path / "forloeb.csv", b"\x00\x01\x02garbage")
    with pytest.raises(UnreadableExport, match="forloeb.csv"):
        read_export(tmp_path)


def test_bad_metadata_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "progression.csv", PROGRESSION)
    write(tmp_path / "eksport.json", '{"exported_at": "juni 2024"}')
    with pytest.raises(UnreadableExport, match='exported_at "juni 2024"'):
        read_export(tmp_path)
    write(tmp_path / "eksport.json", "{not json")
    with pytest.raises(UnreadableExport, match="eksport.json: kan ikke læses som JSON"):
        read_export(tmp_path)


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableExport, match="findes ikke"):
        read_export(tmp_path / "nothing.csv")


def test_table_file_from_records_matches_read_file(tmp_path: Path) -> None:
    data = "forloeb_id;dato;score;x\nK1; 2024-03-05 ;7;\n\nK2;05-03-2024;;b\n"
    (tf,) = read_export(write(tmp_path / "progression.csv", data)).tables
    records = [{k: v for k, v in r.items() if k != "_source_row"} for r in tf.frame.to_dicts()]
    rebuilt = table_file_from_records("progression", "p.csv", records, [2, 4])
    assert rebuilt.frame.equals(tf.frame)


def zip_with_raw_names(names: dict[str, bytes], data: bytes) -> bytes:
    """A ZIP whose member names are the given bytes, without the UTF-8 flag (as Windows
    Explorer writes a Danish name in the OEM code page, and older macOS tools write UTF-8)."""
    raw = zip_bytes(dict.fromkeys(names, data))
    for placeholder, name in names.items():
        assert len(placeholder.encode()) == len(name)
        raw = raw.replace(placeholder.encode(), name)
    return raw


@pytest.mark.parametrize(
    "name",
    ["Forløb.csv".encode("cp850"), "Forløb.csv".encode()],
    ids=["cp850", "utf-8 without flag"],
)
def test_a_zip_member_name_without_the_utf8_flag_is_read_as_windows_or_utf8(
    tmp_path: Path, name: bytes
) -> None:
    placeholder = "X" * (len(name) - 4) + ".csv"
    data = zip_with_raw_names({placeholder: name}, PROGRESSION)
    assert not zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    export = read_export(write(tmp_path / "windows.zip", data))
    assert [(tf.table, tf.source_file) for tf in export.tables] == [
        ("forloeb", "windows.zip:Forløb.csv")
    ]
    assert export.ignored_files == []


def test_a_zip_member_path_with_backslashes_is_a_path(tmp_path: Path) -> None:
    # Windows PowerShell 5's Compress-Archive writes 'eksport\\forloeb.csv'; APPNOTE 4.4.17
    # allows only '/', so such a name is a folder and a file, not a file no table is named after
    data = zip_bytes(
        {
            "eksport\\progression.csv": PROGRESSION,
            "eksport\\eksport.json": '{"exported_at": "2024-06-30"}',
        }
    )
    export = read_export(write(tmp_path / "ps.zip", data))
    assert [tf.source_file for tf in export.tables] == ["ps.zip:eksport/progression.csv"]
    assert export.exported_at == dt.date(2024, 6, 30)


@pytest.mark.parametrize(
    "metadata",
    [
        '{"exported_at": "2024-06-30", "exported_at": "2025-06-30"}',
        '{"exported_at": "2024-06-30", "Exported-At": "2025-06-30"}',
    ],
)
def test_metadata_giving_two_export_dates_is_refused(tmp_path: Path, metadata: str) -> None:
    folder = tmp_path / "eksport"
    folder.mkdir()
    write(folder / "progression.csv", PROGRESSION)
    write(folder / "eksport.json", metadata)
    with pytest.raises(UnreadableExport, match="exported_at står flere gange"):
        read_export(folder)


def test_an_eksport_sheet_giving_two_export_dates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("progression").write_row(0, 0, ["forloeb_id", "dato", "score"])
    meta = book.add_worksheet("eksport")
    for row, values in enumerate(
        [["felt", "vaerdi"], ["exported_at", "2024-06-30"], ["exported_at", "2025-06-30"]]
    ):
        meta.write_row(row, 0, values)
    book.close()
    with pytest.raises(UnreadableExport, match="exported_at står flere gange"):
        read_export(path)


def test_a_metadata_field_repeated_with_the_same_value_is_fine(tmp_path: Path) -> None:
    folder = tmp_path / "eksport"
    folder.mkdir()
    write(folder / "progression.csv", PROGRESSION)
    write(folder / "eksport.json", '{"exported_at": "2024-06-30", "exported_at": "2024-06-30"}')
    assert read_export(folder).exported_at == dt.date(2024, 6, 30)


def test_the_metadata_model_takes_codes_as_text_and_masks_cpr_numbers():
    from etl.read import ExportMetadata

    meta = ExportMetadata(
        exported_at="31-10-2026", platform=" LATplatform 010190-1234 ", municipalities="101, 147,"
    )
    assert meta.exported_at.isoformat() == "2026-10-31"
    assert meta.platform == "LATplatform XXXXXX-XXXX"
    assert meta.municipalities == ["101", "147"]
    assert ExportMetadata(municipalities=17).municipalities == [], "not a list: none named"
