"""The text catalogue (texts/{da,en}.toml) and the Babel formats (texts/formats.py)."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import texts
from app import i18n, suppression
from etl.columns import TABLES
from texts import formats
from texts.vocabulary import CODE_LABELS

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("app", "pages", "reports", "etl", "cli")


def test_both_catalogues_hold_the_same_keys():
    da, en = texts.catalogue("da"), texts.catalogue("en")
    assert sorted(set(da) - set(en)) == [], "in da.toml only"
    assert sorted(set(en) - set(da)) == [], "in en.toml only"


def test_both_languages_of_a_key_use_the_same_placeholders_and_plural_forms():
    da, en = texts.catalogue("da"), texts.catalogue("en")
    differ = [key for key in da if texts.placeholders(da[key]) != texts.placeholders(en[key])]
    assert differ == []
    for key, entry in da.items():
        if isinstance(entry, dict) or isinstance(en[key], dict):
            assert isinstance(entry, dict) and isinstance(en[key], dict), key
            assert set(entry) == set(en[key]), key
            assert set(texts.PLURAL_FORMS) <= set(entry) <= {*texts.PLURAL_FORMS, texts.ZERO}, key


def test_every_text_formats_with_its_placeholders():
    """A stray brace would raise in front of a user; placeholders are plain names."""
    for language in formats.LANGS:
        for key, entry in texts.catalogue(language).items():
            names = texts.placeholders(entry)
            assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names), (key, names)
            forms = entry.values() if isinstance(entry, dict) else [entry]
            for form in forms:
                form.format(**dict.fromkeys(names, "x"))


def _keys_used_in_code() -> dict[str, str]:
    """Every string literal passed first to t()/tn()/i18n.t()/components texts by key."""
    used = {}
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.args[0]
                if name in {"t", "tn", "tr"} and isinstance(first, ast.Constant):
                    if isinstance(first.value, str):
                        used[first.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return used


def test_every_key_the_code_names_is_in_the_catalogue():
    missing = {key: where for key, where in _keys_used_in_code().items() if not texts.exists(key)}
    assert missing == {}


# the catalogue's namespaces: a dotted string under one of them in the code is a text key
NAMESPACES = {key.split(".")[0] for key in texts.catalogue("da") if "." in key}
FILE_TYPES = {"py", "sqlite", "duckdb", "csv", "json", "toml", "pdf", "png", "txt"}  # names
DOTTED = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


def test_every_text_key_held_in_a_table_is_in_the_catalogue():
    """Keys kept in tables (LABELS = {"active": "pages.overview.labels.active"}) exist too."""
    missing = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = getattr(node, "value", None)
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(value, str)
                    and DOTTED.fullmatch(value)
                    and value.split(".")[0] in NAMESPACES
                    and value.rsplit(".", 1)[1] not in FILE_TYPES
                    and not texts.exists(value)
                ):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {value}")
    assert missing == []


def test_every_export_column_has_a_label_and_every_label_an_export_column():
    """texts/vocabulary.py names the export's columns for the load report and the data-quality
    page, but texts/ may import nothing, so it cannot read them from etl/columns.py (THE format):
    this keeps the two lists one. A column added to the format needs its words, and a label left
    behind by a renamed or removed column goes."""
    columns = {column.name for table in TABLES.values() for column in table.columns}
    labels = CODE_LABELS["export_column"]
    assert sorted(columns - labels.keys()) == [], "export columns without a label"
    assert sorted(labels.keys() - columns) == [], "labels of no export column"
    assert sorted(key for key in labels.values() if not texts.exists(key)) == []


def test_no_inline_text_dicts_left_in_the_code():
    """Texts live in the catalogue; /work/codemod_texts.py moves any {"da":..., "en":...} left."""
    found = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Dict):
                    continue
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                texts_only = all(
                    isinstance(v, ast.Constant | ast.JoinedStr) and not isinstance(v.value, bool)
                    if isinstance(v, ast.Constant)
                    else isinstance(v, ast.JoinedStr)
                    for v in node.values
                )
                if keys >= {"da", "en"} and texts_only:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_a_rule_placeholder_is_filled_from_the_rule():
    assert i18n.SUPPRESSED == f"<{suppression.MIN_CASES}"
    rule_keys = [
        key
        for key, entry in texts.catalogue("da").items()
        if "min_cases" in texts.placeholders(entry)
    ]
    assert rule_keys, "the suppression sentences name the threshold by placeholder"
    for key in rule_keys:
        others = dict.fromkeys(
            texts.placeholders(texts.catalogue("da")[key]) - i18n.RULES.keys(), "x"
        )
        assert re.search(rf"\b{suppression.MIN_CASES}\b", i18n.t(key, "da", **others)), key


def test_no_catalogue_text_states_a_rule_number_itself():
    """'under 5', '30 dage', '61 dage' belong to placeholders filled from the rules."""
    pattern = re.compile(
        rf"(under|mindst|fewer than|at least|below) {suppression.MIN_CASES}\b|\b(30|61) (dage|days)\b"
    )
    for language in formats.LANGS:
        for key, entry in texts.catalogue(language).items():
            forms = entry.values() if isinstance(entry, dict) else [entry]
            assert not any(pattern.search(form) for form in forms), (language, key)


@pytest.mark.parametrize(
    ("count", "da", "en"),
    [(1, "1 medarbejder", "1 worker"), (2, "2 medarbejdere", "2 workers"),
     (1517, "1.517 medarbejdere", "1,517 workers")],
)  # fmt: skip
def test_plural_forms_follow_the_count(count, da, en):
    """CLDR's Danish and English plural rules pick the form; {n} in the reader's format."""
    assert texts.plural("plural.workers", count, "da") == da
    assert texts.plural("plural.workers", count, "en") == en


# an English count before a plural noun ('{n} cases', '{n} days'): '1 cases' when n is 1
COUNTED_NOUN = re.compile(r"\{n\}\)? (?!is\b|was\b|has\b)[a-z]+s\b")


def test_a_text_that_counts_a_noun_has_plural_forms():
    """'n = 1 cases' came from a plain string: a count's noun needs a `one` and an `other` form."""
    plain = {k: v for k, v in texts.catalogue("en").items() if isinstance(v, str)}
    assert sorted(key for key, value in plain.items() if COUNTED_NOUN.search(value)) == []


@pytest.mark.parametrize(("text", "counts"), [("n = {n} cases", True), ("{n} days", True),
                                              ("n = {n}", False), ("{n} is hidden", False)])  # fmt: skip
def test_the_counted_noun_guard_knows_one(text, counts):
    assert bool(COUNTED_NOUN.search(text)) is counts


def test_the_n_under_a_chart_follows_the_count():
    from app import components

    assert components.n_text(1, language="en") == "n = 1 case"
    assert components.n_text(2, language="en") == "n = 2 cases"
    assert components.n_text(None, language="en") == f"n = {i18n.SUPPRESSED} cases"
    assert components.n_text(1, "pages.data_quality.rows", "en") == "n = 1 row"
    assert components.n_text(1, "pages.data_quality.rows", "da") == "n = 1 række"
    assert components.n_text(1517, "pages.data_quality.rows", "da") == "n = 1.517 rækker"


def test_danish_formats_come_from_cldr():
    assert formats.number(1234.5, 1, "da") == "1.234,5"
    assert formats.number(0.7, 1, "da") == "0,7"
    assert formats.integer(1517, "da") == "1.517"
    assert formats.integer(1517, "en") == "1,517"
    assert formats.percent(0.453, 0, "da") == "45\u00a0%"
    assert formats.day(date(2024, 2, 3), "da") == "3. feb. 2024"
    assert formats.month(date(2024, 10, 1), "da") == "okt. 2024"


def test_times_show_in_danish_time_not_utc():
    # 12:05 UTC is 14:05 in Copenhagen in summer and 13:05 in winter
    assert formats.moment(datetime(2024, 7, 1, 12, 5, tzinfo=UTC), "da") == "1. jul. 2024 kl. 14:05"
    assert formats.moment(datetime(2024, 1, 1, 12, 5, tzinfo=UTC), "da") == "1. jan. 2024 kl. 13:05"


def test_chart_locale_is_cldr_danish():
    locale = formats.vega_locale("da")
    assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == "."
    assert locale["number"]["percent"] == "\u00a0%"
    assert locale["time"]["days"][0] == "søndag"  # d3 counts from Sunday
    assert locale["time"]["shortMonths"][4] == "maj"


def test_a_zero_form_says_none_instead_of_a_count_of_nothing():
    assert texts.plural("pages.caseloads.left_out", 0, "da", min_cases=5).startswith("ingen")
    assert "(0)" not in texts.plural("pages.caseloads.left_out", 0, "da", min_cases=5)
    assert texts.plural("pages.caseloads.left_out", 3, "da", min_cases=5).startswith("3 ")


def test_lat_help_and_argparse_errors_speak_danish(capsys):
    from cli.main import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    shown = capsys.readouterr().out
    assert shown.startswith("brug: lat") and "tilvalg:" in shown and "vis denne hjælp" in shown
    assert texts.text("cli.help.load", "da") in shown
    with pytest.raises(SystemExit):
        build_parser().parse_args(["load"])
    assert "fejl: disse argumenter skal angives: PATH" in capsys.readouterr().err


def test_a_workers_languages_are_named_in_the_readers_language():
    from texts.formats import spoken_languages

    assert spoken_languages("dansk, Arabisk", "en") == "Danish, Arabic"
    assert spoken_languages(["polsk", "tigrinya"], "en") == "Polish, Tigrinya"
    assert spoken_languages("dansk, arabisk", "da") == "dansk, arabisk"
    # a name CLDR does not know is shown as the platform wrote it; blanks are left out
    assert spoken_languages("dansk, klingonsk, ", "en") == "Danish, klingonsk"
    assert spoken_languages(None, "en") is None
