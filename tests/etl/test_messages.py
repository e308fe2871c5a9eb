"""The loader's messages by key and values (texts/messages.py, etl.rejected_rows.message_key and
message_params): every key the loader can emit has its text in both languages with the same
values, the stored Danish message is the rendering of key and values, and a value a message
shows is CPR-masked before it is stored."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from pathlib import Path

import pytest

import texts
from etl import report, validate
from etl.columns import TABLES
from etl.load import load_exports
from etl.outcome import Line, UnreadableExport, line
from etl.read import read_csv_table
from etl.synth import write_synthetic_export
from privacy.cpr import MASK, looks_like_cpr
from privacy.pseudonym import Pseudonymizer
from tests.support.exports import query
from texts import formats, messages

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = date(2024, 6, 30)
KEY = Pseudonymizer(b"k" * 32)


# where the loader's keys are named: etl, the warehouse checks' refusal, and the texts of a
# refusal's parts (texts.messages)
SOURCES = [*(ROOT / "etl").glob("*.py"), ROOT / "warehouse/checks.py", ROOT / "texts/messages.py"]


def _trees() -> list[ast.AST]:
    return [ast.parse(path.read_text(encoding="utf-8")) for path in SOURCES]


def _keys_in_etl() -> set[str]:
    """Every message key the loader's code names: `loader.` literals, and the f-string
    `loader.conflicting_duplicate.{table}` for each table of the format."""
    keys: set[str] = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith(messages.PREFIX) and not node.value.endswith("."):
                    keys.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                head = node.values[0]
                if isinstance(head, ast.Constant) and str(head.value).startswith(messages.PREFIX):
                    keys |= {f"{head.value}{table}" for table in TABLES}
    return keys


def test_every_key_the_loader_can_emit_is_in_both_catalogues_with_the_same_values():
    emitted = _keys_in_etl()
    assert len(emitted) > 20, "the loader names its messages by key"
    da, en = texts.catalogue("da"), texts.catalogue("en")
    assert sorted(emitted - da.keys()) == [], "in no Danish text"
    assert sorted(emitted - en.keys()) == [], "in no English text"
    for key in emitted:
        names = texts.placeholders(da[key])
        assert names == texts.placeholders(en[key]), key
        assert names <= messages.KINDS.keys(), (key, "a value without a format")
    # and no loader text is left that nothing emits
    assert sorted(set(messages.all_keys()) - emitted) == []


def test_a_check_whose_values_differ_from_its_text_fails_when_it_is_made():
    with pytest.raises(ValueError, match="loader.outside_range"):
        validate.message("loader.outside_range", column="Score", value="x")  # no low, high
    assert validate.message("loader.erased").params.meta.output_name() == "literal"


def _messy_rows(tmp_path: Path) -> list[tuple]:
    export = tmp_path / "export"
    write_synthetic_export(export, cases=150, seed=3, messy=True)
    db = tmp_path / "wh" / "warehouse.duckdb"
    assert load_exports([export], db).exit_code == 0
    return query(
        db,
        "select reason_code, message_key, message_params::varchar, message "
        "from etl.rejected_rows order by all",
    )


def test_every_stored_message_is_the_danish_text_of_its_key_and_values(tmp_path: Path):
    rows = _messy_rows(tmp_path)
    reasons = {reason for reason, *_ in rows}
    assert len(reasons) >= 6, reasons  # a sprinkling of every rejection reason
    emitted = _keys_in_etl()
    for _reason, key, params, message in rows:
        assert key in emitted
        assert isinstance(json.loads(params), dict)
        assert message == messages.render(key, params, "da")
        english = messages.render(key, params, "en")
        assert english != message and "{" not in english.replace(params, "")


def test_a_message_formats_its_numbers_and_dates_for_the_reader():
    later = '{"column": "Startdato", "value": "2030-01-01", "exported_at": "2024-06-30"}'
    assert messages.render("loader.after_export_date", later, "da").endswith("30. jun. 2024.")
    assert messages.render("loader.after_export_date", later, "en").endswith("30 Jun 2024.")
    rows = {"repeated": "F1", "rows": [3, 1517]}
    assert "(rækkerne 3, 1.517)" in messages.render(
        "loader.conflicting_duplicate.forloeb", rows, "da"
    )
    english = messages.render("loader.conflicting_duplicate.forloeb", rows, "en")
    assert "(rows 3; 1,517)" in english  # not 'rows 3, 1,517': three numbers or two?
    # a rule's bound is written as the rule writes it: a year is never '1.940'
    year = {"column": "Foedselsaar", "value": "1900", "low": 1940, "high": 2010}
    assert "1940-2010" in messages.render("loader.outside_range", year, "da")
    assert formats.integer(1940, "da") == "1.940"  # which a count would read


def test_a_cpr_number_a_message_would_show_is_masked_in_its_stored_values(monkeypatch):
    """Rule 24 blanks a CPR-like cell before the checks, so a message meets one only where the
    detector missed it; the value a message shows is masked all the same (validate._shown),
    in the stored values as in the text made from them."""
    monkeypatch.setattr(validate, "_blank_cpr", lambda frame, *_: ([], frame))  # a miss
    table = read_csv_table(
        "progression", "progression.csv", b"forloeb_id;dato;score\nK1;2024-03-05;0101901234\n"
    )
    rejected = validate.validate_table(table, EXPORTED, KEY).rejected
    (key, params, message) = rejected.select("message_key", "message_params", "message").row(0)
    assert key == "loader.outside_range"  # a score of 1-10
    assert json.loads(params)["value"] == MASK
    assert not looks_like_cpr(params) and not looks_like_cpr(message)
    for language in formats.LANGS:
        shown = messages.render(key, params, language)
        assert MASK in shown and not re.search(r"\d{6}-?\d{4}", shown)


def test_the_load_report_says_a_rejection_in_its_own_language(tmp_path: Path, monkeypatch):
    """The terminal speaks Danish (etl.report.LANGUAGE); its examples come from the same key and
    values as the stored message, so a report in English says them in English too."""
    from etl import report
    from tests.support.exports import case, write_export

    export = write_export(tmp_path / "e", "2024-06-30", cases=[case("F1", startdato="2030-01-01")])
    result = load_exports([export], tmp_path / "wh" / "warehouse.duckdb")
    later = {"column": "Startdato", "value": "2030-01-01", "exported_at": "2024-06-30"}
    assert messages.render("loader.after_export_date", later, "da") in report.format_report(result)
    monkeypatch.setattr(report, "LANGUAGE", "en")
    english = report.format_report(result)
    assert messages.render("loader.after_export_date", later, "en") in english
    assert "eksportdatoen" not in english


# a call naming a file-level line by key -> the values it gives beside its keywords
_LINE_CALLS = {"UnreadableExport": set(), "line": set(), "_refuse": {"file"}}
_LINE_CALLS["checks_refused"] = {"why"}


def test_every_file_level_line_is_made_with_exactly_the_values_its_text_names():
    """Each `UnreadableExport('loader.file.x', ...)` (and `line`, `_refuse`, `checks_refused`)
    in the loader gives the placeholders of its text, no more and no fewer: a value left out
    would print '{file}', one too many would be lost without a word."""
    calls = 0
    for tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            given = _LINE_CALLS.get(node.func.id)
            head = node.args[0] if node.args else None
            if given is None or not (
                isinstance(head, ast.Constant) and isinstance(head.value, str)
            ):
                continue
            calls += 1
            named = {k.arg for k in node.keywords if k.arg}
            assert named | given == messages.names(head.value), (head.value, sorted(named))
    assert calls > 30, calls


def _danish_only_words() -> set[str]:
    """Words of the Danish file-level texts that no English one uses ('kan', 'læses', 'filen')."""

    def words(language: str) -> set[str]:
        found: set[str] = set()
        for key, entry in texts.catalogue(language).items():
            if key.startswith(messages.FILE_PREFIX):
                found |= set(re.findall(r"[^\W\d_]{3,}", str(entry).lower()))
        return found

    return words("da") - words("en")


def _refused_exports(tmp_path: Path) -> list[Path]:
    from tests.support.exports import case, write_export

    empty = tmp_path / "tom" / "forloeb.csv"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    ragged = tmp_path / "skaev" / "forloeb.csv"
    ragged.parent.mkdir()
    ragged.write_text("forloeb_id;kommunekode\nF1;101;x\n", encoding="utf-8")
    later = write_export(tmp_path / "senere", "2031-01-01", cases=[case("F1")])
    return [empty, ragged, later, tmp_path / "mangler", tmp_path / "noter.txt"]


def test_an_english_report_of_refused_files_is_english(tmp_path: Path, monkeypatch):
    """A file refused whole is said from its key and values in the report's language
    (etl.report.LANGUAGE): in English, no Danish word of the loader's file-level texts."""
    (tmp_path / "noter.txt").write_text("hej", encoding="utf-8")
    exports = _refused_exports(tmp_path)
    result = load_exports(exports, tmp_path / "wh" / "warehouse.duckdb", today=date(2026, 1, 1))
    assert result.exit_code == 2 and all(e.error for e in result.exports)
    danish = report.error_lines(result)
    assert [line.split(":")[0] for line in danish] == ["IKKE INDLÆST"] * len(exports)
    assert "række 2 har 3 celler, men overskriften har 2" in danish[1]
    assert "efter dagens dato 1. jan. 2026" in danish[2]  # a Danish date, not 2026-01-01
    monkeypatch.setattr(report, "LANGUAGE", "en")
    english = report.error_lines(result)
    assert [line.split(":")[0] for line in english] == ["NOT LOADED"] * len(exports)
    assert "row 2 has 3 cells but the header has 2" in english[1]
    assert "after today, 1 Jan 2026" in english[2]
    assert english == [f"NOT LOADED: {e.error.text('en')}" for e in result.exports]
    assert report.format_report(result).splitlines() == english
    for said in english:
        stray = set(re.findall(r"[^\W\d_]{3,}", said.lower())) & _danish_only_words()
        assert not stray, (said, stray)


def test_a_refusal_of_the_warehouse_checks_is_said_in_the_reports_language():
    from etl.outcome import checks_refused
    from warehouse.checks import CheckResult, refusal_line

    failed = [
        CheckResult("unique_key", "?", ("mart.a 1", "mart.a 2")),
        CheckResult("no_cpr", "?", ("x",)),
    ]
    refused = checks_refused("loader.file.refused", failed, file="eksport")
    assert str(refused) == (
        "eksport: lageret er uændret, fordi kontrollen unique_key fejlede (mart.a 1; mart.a 2) "
        "og kontrollen no_cpr fejlede (x)."
    )
    assert str(refused) == f"eksport: {refusal_line(failed)}"  # one text, as `lat check` says it
    assert refused.text("en") == (
        "eksport: the warehouse is unchanged, because the check unique_key failed "
        "(mart.a 1; mart.a 2) and the check no_cpr failed (x)."
    )


def test_a_limit_is_written_with_the_readers_numbers():
    too_many = UnreadableExport(
        "loader.file.too_many_cells",
        file="f.csv",
        count=12_000_000,
        row_count=1_200_000,
        column_count=10,
        limit=10_000_000,
    ).line
    assert "har 12.000.000 celler (1.200.000 rækker gange 10 kolonner); højst 10.000.000" in str(
        too_many
    )
    assert "has 12,000,000 cells (1,200,000 rows by 10 columns); at most 10,000,000" in (
        too_many.text("en")
    )
    big = line("loader.file.file_too_big", file="f.csv", size=3 * 2**29, limit_size=2**29)
    assert "(1,5 GB); højst 512 MB" in str(big) and "(1.5 GB); at most 512 MB" in big.text("en")


@pytest.mark.parametrize("language", formats.LANGS)
def test_a_cpr_number_in_a_refused_files_line_is_masked(tmp_path: Path, language: str):
    """A name or a parser's words may hold a CPR-like number: masked in the values when the
    line is made, so in every language's text."""
    named = tmp_path / "0101901234.csv"  # names no table
    named.write_text("x\n", encoding="utf-8")
    result = load_exports([named], tmp_path / "wh" / "warehouse.duckdb")
    (error,) = [e.error for e in result.exports]
    quoted = UnreadableExport("loader.file.not_csv", file="f.csv", reason="cell 010190-1234").line
    for said in (error.text(language), quoted.text(language), *_error_lines(result, language)):
        assert MASK in said and not looks_like_cpr(said), said
    assert not looks_like_cpr(json.dumps(error.values)) and isinstance(error, Line)


def _error_lines(result, language: str) -> list[str]:
    import etl.report as module

    saved, module.LANGUAGE = module.LANGUAGE, language
    try:
        return module.error_lines(result)
    finally:
        module.LANGUAGE = saved


def test_a_line_made_with_the_wrong_values_fails_when_it_is_made():
    with pytest.raises(ValueError, match="loader.file.ragged"):
        line("loader.file.ragged", file="f.csv", row=2)
