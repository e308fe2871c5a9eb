"""Loading exports: outcomes per row, batches, orphans, erased keys and the `lat load` report."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import texts
from cli.main import main as lat
from etl import load
from etl.outcome import LoadResult
from privacy.pseudonym import Pseudonymizer
from tests.support.exports import (  # noqa: F401 (also the names the tests below use)
    ASSESSMENT_COLUMNS,
    CASE_COLUMNS,
    PROGRESSION_COLUMNS,
    WORKER_COLUMNS,
    case,
    file_counts,
    progress,
    query,
    run_load,
    who5,
    worker,
    write_export,
)
from warehouse.db import write_transaction

ERASED = texts.text("loader.erased", "da")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


# ---------------------------------------------------------------------------------------------
# first loads and outcomes


def test_a_first_load_inserts_every_valid_row_and_records_one_batch(tmp_path: Path, db: Path):
    export = write_export(
        tmp_path / "e1",
        "2024-06-30",
        cases=[case("F1"), case("F2")],
        workers=[worker("W1")],
        assessments=[who5("F1")],
        progression=[progress("F1"), progress("F2")],
    )
    result = load.load_exports([export], db)
    assert result.exit_code == 0
    assert [e.batch_id for e in result.exports] == [1]
    assert query(db, "select count(*) from raw.cases") == [(2,)]
    assert query(db, "select count(*) from raw.progression") == [(2,)]
    assert file_counts(db, "forloeb") == (2, 2, 0, 0, 0)
    assert query(db, "select rows_read, rows_loaded, status, exported_at from etl.batches") == [
        (6, 6, "loaded", date(2024, 6, 30))
    ]


def test_citizen_ids_are_stored_only_as_pseudonyms(tmp_path: Path, db: Path):
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1", borger_id="010190-1234")])
    load.load_exports([export], db)
    (citizen,) = query(db, "select citizen_key from raw.cases")[0]
    assert "0101901234" not in citizen and "010190" not in citizen
    assert citizen == Pseudonymizer.from_environment(db.parent / "pseudonym.key").citizen_key(
        "0101901234"
    )


def test_an_export_without_date_takes_the_day_of_loading(tmp_path: Path, db: Path):
    export = write_export(tmp_path / "e", None, cases=[case("F1")])
    load.load_exports([export], db, today=date(2024, 7, 1))
    assert query(db, "select exported_at from raw.cases") == [(date(2024, 7, 1),)]


def test_loading_the_same_export_again_adds_no_batch_and_says_where_it_went(
    tmp_path: Path, db: Path
):
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")])
    load.load_exports([export], db)
    before = db.read_bytes()
    again = load.load_exports([export], db)
    assert again.exports[0].already_loaded_in == 1
    assert db.read_bytes() == before
    assert "allerede indlæst i batch 1" in format_report(again)


def test_a_csv_loaded_before_inside_a_folder_export_is_recognised_on_its_own(
    tmp_path: Path, db: Path
):
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")], progression=[])
    load.load_exports([export], db)
    before = db.read_bytes()
    again = load.load_exports([export / "forloeb.csv"], db, today=date(2024, 9, 1))
    assert again.exports[0].already_loaded_in == 1
    assert db.read_bytes() == before, "the as-of date must not move to the day of loading"


def test_a_newer_export_replaces_a_changed_record_whole(tmp_path: Path, db: Path):
    old = write_export(tmp_path / "old", "2024-06-30", cases=[case("F1", koen="k")])
    new = write_export(tmp_path / "new", "2024-07-31", cases=[case("F1", koen="", alder="41")])
    load.load_exports([old, new], db)
    assert query(db, "select gender, age_at_start, exported_at, batch_id from raw.cases") == [
        (None, 41, date(2024, 7, 31), 2)
    ]
    assert file_counts(db, "forloeb", 2) == (1, 1, 0, 0, 0)


def test_an_older_export_loaded_later_is_superseded(tmp_path: Path, db: Path):
    new = write_export(tmp_path / "new", "2024-07-31", cases=[case("F1", alder="41")])
    old = write_export(tmp_path / "old", "2024-06-30", cases=[case("F1", alder="30")])
    load.load_exports([new, old], db)
    assert query(db, "select age_at_start, exported_at from raw.cases") == [(41, date(2024, 7, 31))]
    assert file_counts(db, "forloeb", 2) == (1, 0, 0, 1, 0)


def test_a_newer_export_repeating_a_record_makes_it_newer_and_counts_unchanged(
    tmp_path: Path, db: Path
):
    old = write_export(tmp_path / "old", "2024-06-30", cases=[case("F1")])
    new = write_export(tmp_path / "new", "2024-07-31", cases=[case("F1")])
    load.load_exports([old, new], db)
    assert query(db, "select exported_at from raw.cases") == [(date(2024, 7, 31),)]
    assert file_counts(db, "forloeb", 2) == (1, 0, 1, 0, 0)


def test_two_exports_with_the_same_date_the_later_load_wins(tmp_path: Path, db: Path):
    first = write_export(tmp_path / "a", "2024-06-30", cases=[case("F1", alder="30")])
    second = write_export(tmp_path / "b", "2024-06-30", cases=[case("F1", alder="31")])
    load.load_exports([first, second], db)
    assert query(db, "select age_at_start from raw.cases") == [(31,)]


def test_in_file_identical_duplicates_count_as_unchanged(tmp_path: Path, db: Path):
    export = write_export(
        tmp_path / "e", "2024-06-30", progression=None, cases=[case("F1"), case("F1"), case("F2")]
    )
    load.load_exports([export], db)
    assert file_counts(db, "forloeb") == (3, 2, 1, 0, 0)


def test_rejected_rows_are_quarantined_with_row_column_and_reason(tmp_path: Path, db: Path):
    export = write_export(
        tmp_path / "e", "2024-06-30", cases=[case("F1"), case("F2", startdato="31-02-2024")]
    )
    result = load.load_exports([export], db)
    assert file_counts(db, "forloeb") == (2, 1, 0, 0, 1)
    assert query(
        db,
        "select source_file, table_name, source_row, column_name, reason_code "
        "from etl.rejected_rows",
    ) == [("forloeb.csv", "forloeb", 3, "startdato", "invalid_value")]
    assert query(db, "select status from etl.batches") == [("loaded_with_rejections",)]
    text = format_report(result)
    assert "række 3, kolonne startdato" in text and "ugyldig værdi 1" in text  # the code in words
    assert "invalid_value" not in text


def test_a_rejected_row_stores_the_case_and_municipality_it_names(tmp_path: Path, db: Path):
    # the dashboard scopes rejected rows by these columns (app/data.py, scoped_rejected)
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[case("F1"), case("F2", startdato="31-02-2024", kommunekode="0751")],
        progression=[progress("F1"), progress("F-NONE")],
    )
    load.load_exports([export], db)
    assert query(
        db,
        "select table_name, reason_code, case_id, municipality_code from etl.rejected_rows "
        "order by table_name",
    ) == [
        ("forloeb", "invalid_value", "F2", "751"),
        ("progression", "unknown_case", "F-NONE", None),  # a measurement names only its case
    ]


# ---------------------------------------------------------------------------------------------
# orphans (rules 14 and 20)


def test_a_row_naming_an_unknown_case_waits_in_quarantine_until_its_case_arrives(
    tmp_path: Path, db: Path
):
    first = write_export(
        tmp_path / "a",
        "2024-06-30",
        cases=[case("F1")],
        progression=[progress("F1"), progress("F9", score="7")],
    )
    load.load_exports([first], db)
    assert file_counts(db, "progression", 1) == (2, 1, 0, 0, 1)
    (reason, message, raw, resolved) = query(
        db,
        "select reason_code, message, raw_values::varchar, resolved_batch_id "
        "from etl.rejected_rows",
    )[0]
    assert (reason, resolved) == ("unknown_case", None)
    assert "F9" in message
    assert json.loads(raw) == {"forloeb_id": "F9", "dato": "2024-02-01", "score": "7"}

    second = write_export(tmp_path / "b", "2024-07-31", cases=[case("F9")])
    result = load.load_exports([second], db)
    assert result.orphans_resolved == 1
    assert query(db, "select resolved_batch_id from etl.rejected_rows") == [(2,)]
    assert query(db, "select score, exported_at from raw.progression where case_id = 'F9'") == [
        (7, date(2024, 6, 30))
    ]
    assert file_counts(db, "forloeb", 2) == (1, 1, 0, 0, 0)
    assert query(db, "select rows_read, rows_rejected from etl.batches where batch_id = 1") == [
        (3, 1)
    ]


def test_a_case_rejected_in_the_same_export_leaves_its_rows_unknown(tmp_path: Path, db: Path):
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[case("F1", kommunekode="9999")],
        progression=[progress("F1")],
    )
    load.load_exports([export], db)
    assert query(db, "select table_name, reason_code from etl.rejected_rows order by 1") == [
        ("forloeb", "unknown_municipality"),
        ("progression", "unknown_case"),
    ]


def test_a_case_known_from_an_earlier_load_counts(tmp_path: Path, db: Path):
    load.load_exports([write_export(tmp_path / "a", "2024-06-30", cases=[case("F1")])], db)
    load.load_exports([write_export(tmp_path / "b", "2024-07-31", assessments=[who5("F1")])], db)
    assert file_counts(db, "maalinger") == (1, 1, 0, 0, 0)


def test_orphans_are_retried_even_when_every_export_was_loaded_before(tmp_path: Path, db: Path):
    first = write_export(tmp_path / "a", "2024-06-30", progression=[progress("F5")])
    load.load_exports([first], db)
    # The case reaches raw by another way (e.g. a load that failed before retrying orphans).
    with write_transaction(db) as con:
        con.execute(
            "insert into raw.cases (case_id, municipality_code, case_type, citizen_key, "
            "start_date, status, exported_at, batch_id) values "
            "('F5', '101', 'mentor', 'cx', '2024-01-01', 'active', '2024-06-30', 1)"
        )
    result = load.load_exports([first], db)
    assert result.orphans_resolved == 1
    assert query(db, "select count(*) from raw.progression") == [(1,)]


def test_a_rerun_with_orphans_still_waiting_copies_nothing(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each write copies the whole warehouse: a re-run that can resolve nothing must not write."""
    first = write_export(tmp_path / "a", "2024-06-30", progression=[progress("F5")])
    load.load_exports([first], db)

    def no_write(*_args, **_kwargs):
        raise AssertionError("a re-run with nothing to resolve opened a write")

    monkeypatch.setattr(load, "keyed_write", no_write)  # every write of a load goes through it
    result = load.load_exports([first], db)
    assert result.exports[0].already_loaded_in == 1


# ---------------------------------------------------------------------------------------------
# erased cases and citizens


def _erase(db: Path, key_type: str, pseudonym: str) -> None:
    with write_transaction(db) as con:
        con.execute(
            "insert into etl.erased_keys values ($t, $k, now())", {"t": key_type, "k": pseudonym}
        )


def test_rows_of_an_erased_case_are_rejected_and_never_loaded(tmp_path: Path, db: Path):
    db.parent.mkdir(parents=True)
    keys = Pseudonymizer.from_environment(db.parent / "pseudonym.key")
    _erase(db, "case", keys.case_key("F1"))
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[case("F1"), case("F2")],
        progression=[progress("F1"), progress("F2")],
    )
    load.load_exports([export], db)
    assert query(db, "select case_id from raw.cases") == [("F2",)]
    assert query(db, "select case_id from raw.progression") == [("F2",)]
    assert query(
        db,
        "select table_name, reason_code, message_key, message, raw_values, column_name "
        "from etl.rejected_rows order by 1",
    ) == [
        ("forloeb", "erased", "loader.erased", ERASED, None, None),
        ("progression", "erased", "loader.erased", ERASED, None, None),
    ]
    assert file_counts(db, "forloeb") == (2, 1, 0, 0, 1)


def test_cases_of_an_erased_citizen_are_rejected(tmp_path: Path, db: Path):
    db.parent.mkdir(parents=True)
    keys = Pseudonymizer.from_environment(db.parent / "pseudonym.key")
    _erase(db, "citizen", keys.citizen_key("010190-1234"))
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[case("F1", borger_id="0101901234"), case("F2")],
        assessments=[who5("F1")],
    )
    load.load_exports([export], db)
    assert query(db, "select case_id from raw.cases") == [("F2",)]
    assert query(db, "select table_name, reason_code from etl.rejected_rows order by 1") == [
        ("forloeb", "erased"),
        ("maalinger", "erased"),
    ]


# ---------------------------------------------------------------------------------------------
# `lat load` on the command line


def format_report(result: LoadResult) -> str:
    from etl.report import format_report as fmt

    return fmt(result)


@pytest.mark.parametrize(
    "name, content",
    [
        ("forloeb.csv", b""),
        ("forloeb.csv", bytes(range(256)) * 8),
        ("noter.txt", b"hello"),
        ("data.zip", b"PK\x03\x04 not really a zip"),
    ],
    ids=["empty", "binary", "txt", "broken-zip"],
)
def test_lat_load_refuses_an_unreadable_file_with_one_line_and_exit_2(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture, name: str, content: bytes
):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run_load(capsys, str(path), "--db", str(db))
    assert code == 2
    assert "Traceback" not in out + err
    assert len([line for line in err.splitlines() if line.strip()]) == 1
    assert query(db, "select count(*) from etl.batches") == [(0,)] if db.exists() else True


def test_lat_load_on_a_missing_path_says_so_and_exits_2(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
):
    code, out, err = run_load(capsys, str(tmp_path / "nowhere"), "--db", str(db))
    assert code == 2
    assert "findes ikke" in err and "Traceback" not in out + err


def test_one_unreadable_export_does_not_stop_the_others(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
):
    bad = tmp_path / "forloeb.csv"
    bad.write_bytes(b"")
    good = write_export(tmp_path / "good", "2024-06-30", cases=[case("F1")])
    code, out, _err = run_load(capsys, str(bad), str(good), "--db", str(db))
    assert code == 2
    assert query(db, "select count(*) from raw.cases") == [(1,)]
    assert "læst 1, indlæst 1, uændret 0, erstattet af nyere 0, afvist 0" in out


def test_an_unexpected_failure_is_one_line_and_exit_1(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    def explode(*_args, **_kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(load, "load_exports", explode)
    code, out, err = run_load(capsys, str(tmp_path), "--db", str(db))
    assert code == 1
    assert err.strip() == "Indlæsningen fejlede (RuntimeError): disk on fire"


def test_the_report_names_ignored_columns_and_blanked_cpr_cells(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
):
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "medarbejdere.csv").write_text(
        "medarbejder_id,kommunekode,rolle,navn,farve\nW1,101,mentor,Ida 010190-1234,blå\n",
        encoding="utf-8",
    )
    (folder / "noter.txt").write_text("x", encoding="utf-8")
    code, out, _err = run_load(capsys, str(folder), "--db", str(db))
    assert code == 0
    assert "ignorerede kolonner: farve" in out
    assert "ignorerede filer: noter.txt" in out
    assert "CPR-nummer fjernet fra 1 celle: række 2, kolonne navn" in out  # singular for one


def test_the_pseudonym_key_lives_beside_the_warehouse(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("LAT_PSEUDONYM_KEY")
    load.load_exports([write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")])], db)
    key = db.parent / "pseudonym.key"
    assert key.exists() and oct(os.stat(key).st_mode & 0o777) == "0o600"


def test_an_invalid_row_of_an_erased_case_keeps_none_of_its_cells(tmp_path: Path, db: Path):
    db.parent.mkdir(parents=True)
    keys = Pseudonymizer.from_environment(db.parent / "pseudonym.key")
    _erase(db, "case", keys.case_key("F1"))
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[case("F1", startdato="nej")],
        progression=[progress("F1", score="99")],
    )
    load.load_exports([export], db)
    assert query(db, "select table_name, reason_code, raw_values from etl.rejected_rows") == [
        ("forloeb", "erased", None),
        ("progression", "erased", None),
    ]


def test_the_progress_bar_redraws_one_terminal_line(tmp_path: Path, db: Path):
    import io

    from etl.report import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream)
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")])
    load.load_exports([export], db, progress=bar)
    bar.close()
    text = stream.getvalue()
    assert "\n" not in text and text.startswith("\r[")
    assert "100%" in text and "færdig" in text


def test_the_progress_bar_speaks_the_reports_language(tmp_path: Path, db: Path, monkeypatch):
    import io

    from etl import report

    monkeypatch.setattr(report, "LANGUAGE", "en")
    stream = io.StringIO()
    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1")])
    load.load_exports([export], db, progress=report.ProgressBar(stream))
    assert "e: done" in stream.getvalue() and "færdig" not in stream.getvalue()


def test_a_zip_export_records_rejections_under_archive_and_member_name(tmp_path: Path, db: Path):
    import zipfile

    folder = write_export(
        tmp_path / "e", "2024-06-30", cases=[case("F1")], progression=[progress("F2")]
    )
    archive = tmp_path / "eksport.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in folder.iterdir():
            zipped.write(member, member.name)
    assert load.load_exports([archive], db).exit_code == 0
    assert query(db, "select source_file, table_name, reason_code from etl.rejected_rows") == [
        ("eksport.zip:progression.csv", "progression", "unknown_case")
    ]
    assert query(db, "select source_path from etl.batches") == [("eksport.zip",)]  # its name


def test_the_report_prints_file_names_and_cells_escaped_never_raw(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture
):
    folder = write_export(
        tmp_path / "e\x1b[31m\nbatch 99",  # an ESC sequence and a newline in the export's name
        "2024-06-30",
        cases=[case("F1", startdato="\x1b[2Jnej", farve="x")],
    )
    (folder / "noter\r\n.txt").write_text("x", encoding="utf-8")
    missing = tmp_path / "nowhere\x1b]0;title\x07"
    code, out, err = run_load(capsys, str(folder), str(missing), "--db", str(db))
    assert code == 2
    for text in (out, err):
        assert not any(c in text for c in "\x1b\x07\r"), text
    batch_lines = [line for line in out.splitlines() if "indlæst som batch" in line]
    assert len(batch_lines) == 1 and "e\\x1b[31m\\nbatch 99" in batch_lines[0]
    assert "noter\\r\\n.txt" in out
    assert "\\x1b[2Jnej" in out
    assert "nowhere\\x1b]0;title\\x07" in err


# control characters often, and any other character (format, private, unassigned) too
TERMINAL_TEXT = st.text(
    st.one_of(st.sampled_from("\x1b\n\r\t\x07\x00\x7f\x9b\u202e\u2028"), st.characters()),
    max_size=20,
)


@settings(max_examples=300)
@given(TERMINAL_TEXT)
def test_shown_text_is_printable_and_printable_text_is_kept(text: str):
    from etl.report import shown

    assert shown(text).isprintable()
    if text.isprintable():
        assert shown(text) == text
    assert shown(text).count("\n") == 0


def test_the_load_report_writes_danish_numbers_and_dates_and_ends_with_totals():
    """'1.517', not '1517' or '1,517'; '30. jun. 2024', not '2024-06-30'; a closing 'I alt' line."""
    from datetime import date

    from etl.report import format_report as fmt

    big = load.FileOutcome("forloeb.csv", "forloeb", rows_read=1517, loaded=1500, rejected=17,
                           reasons={"conflicting_duplicate": 17})  # fmt: skip
    export = load.ExportOutcome("eksport", batch_id=1, exported_at=date(2024, 6, 30),
                                exported_at_given=True, files=[big])  # fmt: skip
    text = fmt(load.LoadResult(exports=[export]))
    assert "læst 1.517, indlæst 1.500" in text
    assert "eksportdato 30. jun. 2024" in text and "2024-06-30" not in text
    assert "modstridende dublet 17" in text and "conflicting_duplicate" not in text
    assert "etl.rejected_rows" not in text  # a coordinator has no tables
    assert text.splitlines()[-1].startswith("I alt (1 eksport): læst 1.517")


# ---------------------------------------------------------------------------------------------
# a hand-written export (tests/data/README.md)

SMALL_EXPORT = Path(__file__).resolve().parents[1] / "data" / "small_export"


def test_the_small_fixture_export_loads_as_documented(db: Path, capsys):
    assert lat(["load", str(SMALL_EXPORT), "--db", str(db)]) == 0
    # read = loaded + unchanged + superseded + rejected, file by file
    assert file_counts(db, "medarbejdere") == (2, 2, 0, 0, 0)
    assert file_counts(db, "forloeb") == (4, 3, 1, 0, 0)  # F3 twice alike: once
    assert file_counts(db, "maalinger") == (4, 3, 0, 0, 1)  # F9 is not a case (yet)
    assert file_counts(db, "progression") == (5, 3, 0, 0, 2)  # F1 2024-03-28: 5 against 6
    assert query(db, "select case_id from mart.cases order by 1") == [("F1",), ("F2",), ("F3",)]
    assert query(db, "select case_id, measured_on, score from mart.progression order by 1, 2") == [
        ("F1", date(2024, 2, 1), 4),
        ("F2", date(2023, 10, 15), 3),
        ("F2", date(2023, 12, 15), 5),
    ]
    assert query(
        db, "select case_id, instrument, phase from mart.assessments order by 1, 3 desc"
    ) == [("F1", "WHO5", "pre"), ("F2", "WHO5", "pre"), ("F2", "WHO5", "post")]
    report = capsys.readouterr().out
    assert "modstridende dublet 2" in report and "(rækkerne 3, 4)" in report
