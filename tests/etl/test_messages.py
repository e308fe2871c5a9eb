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
from etl import validate
from etl.columns import TABLES
from etl.load import load_exports
from etl.read import read_csv_table
from etl.synth import write_synthetic_export
from privacy.cpr import MASK, looks_like_cpr
from privacy.pseudonym import Pseudonymizer
from tests.support.exports import query
from texts import formats, messages

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = date(2024, 6, 30)
KEY = Pseudonymizer(b"k" * 32)


def _keys_in_etl() -> set[str]:
    """Every message key the loader's code names: `loader.` literals, and the f-string
    `loader.conflicting_duplicate.{table}` for each table of the format."""
    keys: set[str] = set()
    for path in (ROOT / "etl").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
    assert sorted(set(messages.keys()) - emitted) == []


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
