"""Row validation: typing, defaults, every rejection reason, rule-9 order, duplicates, CPR."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from etl.read import read_csv_table, table_file_from_records
from etl.validate import Validated, validate_table
from privacy.cpr import looks_like_cpr
from privacy.pseudonym import Pseudonymizer

EXPORTED = dt.date(2024, 6, 30)
KEY = Pseudonymizer(b"test")
CASE_HEADER = "forloeb_id;kommunekode;forloebstype;borger_id;startdato"
RAW_COLUMNS = {
    "forloeb": [
        "case_id",
        "municipality_code",
        "case_type",
        "worker_id",
        "citizen_key",
        "gender",
        "age_at_start",
        "birth_year",
        "start_date",
        "end_date",
        "status",
        "end_reason",
        "referred_by",
        "lent_from_municipality_code",
    ],
    "medarbejdere": [
        "worker_id",
        "municipality_code",
        "role",
        "name",
        "gender",
        "birth_year",
        "trained_on",
        "active",
        "languages",
    ],
    "maalinger": [
        "case_id",
        "instrument",
        "phase",
        "measured_on",
        *[f"item_{i}" for i in range(1, 11)],
        "raw_score_given",
    ],
    "progression": ["case_id", "measured_on", "score"],
}


def check(table: str, text: str, exported_at: dt.date = EXPORTED) -> Validated:
    tf = read_csv_table(table, f"{table}.csv", text.encode())
    result = validate_table(tf, exported_at, KEY)
    assert result.rows_read == (
        result.valid.height + result.duplicates_unchanged + result.rejected.height
    )
    assert result.valid.columns == [*RAW_COLUMNS[table], "_source_row"]
    return result


def reasons(result: Validated) -> list[tuple[int, str, str]]:
    return result.rejected.select("source_row", "column_name", "reason_code").rows()


def one_rejection(table: str, text: str) -> tuple[str, str, str]:
    (row,) = check(table, text).rejected.select("column_name", "reason_code", "message").rows()
    return row


# ----------------------------------------------------------------------------- typing


def test_case_row_is_typed_with_codes_and_pseudonym() -> None:
    result = check(
        "forloeb",
        "Case ID;Municipality Code;Case Type;Borger_ID;Køn;Alder;Start Date;Status;"
        "Afslutningsårsag;Henvist af;Udlånt fra;Medarbejder-ID;Ekstra;End date\n"
        "K1;0751;Forældrecoaching;010190-1234;K;41;5.3.2024 14:10;AFSLUTTET;"
        "Mål nået;Familieafdeling;0101;M1;hej;1/6/2024\n",
    )
    (row,) = result.valid.to_dicts()
    assert row["municipality_code"] == "751" and row["case_type"] == "parent_coach"
    assert row["citizen_key"] == KEY.citizen_key("0101901234")
    assert row["gender"] == "female" and row["age_at_start"] == 41
    assert row["start_date"] == dt.date(2024, 3, 5)
    assert row["end_reason"] == "goals_met" and row["referred_by"] == "family_services"
    assert row["lent_from_municipality_code"] == "101" and row["worker_id"] == "M1"
    assert row["status"] == "closed" and row["end_date"] == dt.date(2024, 6, 1)
    assert result.ignored_columns == ["Ekstra"]


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("mentor", "mentor"),
        ("Mentorforløb", "mentor"),
        ("FORÆLDRECOACH", "parent_coach"),
        ("foraeldrecoach", "parent_coach"),
        ("parent coach", "parent_coach"),
        ("Parent-Coach", "parent_coach"),
    ],
)
def test_enum_spellings_fold(spelling: str, code: str) -> None:
    result = check("forloeb", f"{CASE_HEADER}\nK1;101;{spelling};B1;2024-03-05\n")
    assert result.valid["case_type"].to_list() == [code]


def test_status_defaults_from_end_date_and_loan_to_own_municipality_is_no_loan() -> None:
    result = check(
        "forloeb",
        f"{CASE_HEADER};slutdato;udlaant_fra\n"
        "K1;101;mentor;B1;2024-03-05;;101\nK2;101;mentor;B2;2024-03-05;2024-04-01;751\n",
    )
    assert result.valid["status"].to_list() == ["active", "closed"]
    assert result.valid["lent_from_municipality_code"].to_list() == [None, "751"]


def test_age_comes_from_birth_year_when_alder_is_missing() -> None:
    result = check(
        "forloeb",
        f"{CASE_HEADER};alder;foedselsaar\n"
        "K1;101;mentor;B1;2024-03-05;;1990\nK2;101;mentor;B2;2024-03-05;20;1990\n"
        "K3;101;mentor;B3;2024-03-05;;2020\n",
    )
    assert result.valid["age_at_start"].to_list() == [34, 20]
    assert reasons(result) == [(4, "foedselsaar", "out_of_range")]


def test_worker_defaults_active_and_tidies_languages() -> None:
    result = check(
        "medarbejdere",
        "medarbejder_id;kommunekode;rolle;aktiv;sprog;uddannet_dato;foedselsaar\n"
        "M1;101;Koordinator;;dansk ,arabisk;01-09-2023;1980\nM2;101;mentor;nej;;;\n",
    )
    assert result.valid.select("role", "active", "languages", "trained_on").rows() == [
        ("coordinator", True, "dansk, arabisk", dt.date(2023, 9, 1)),
        ("mentor", False, None, None),
    ]


def test_assessment_row_types_items_and_raw_score() -> None:
    result = check(
        "maalinger",
        "case_id;instrument;tidspunkt;dato;item_1;item_2;item_3;item_4;item_5;raw_score\n"
        "K1;who-5;før;2024-03-05;1;2;3;4;5;15\nK1;GSES;baseline;2024-03-05;;;;;;30\n",
    )
    rows = result.valid.select("instrument", "phase", "item_5", "raw_score_given").rows()
    assert rows == [("WHO5", "pre", 5, 15), ("GSE", "pre", None, 30)]
    assert result.valid["item_1"].dtype == pl.Int16


# ----------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("K1;101;mentor;;2024-03-05", ("borger_id", "missing_required")),
        ("K1;101;mentor;B1;2024/03/05", ("startdato", "invalid_value")),
        ("K1;101;mentor;B1;31-02-2024", ("startdato", "invalid_value")),
        ("K1;1O1;mentor;B1;2024-03-05", ("kommunekode", "invalid_value")),
        ("K1;101;coach;B1;2024-03-05", ("forloebstype", "invalid_value")),
        ("K1;101;mentor;B1;2015-12-31", ("startdato", "out_of_range")),
        ("K1;101;mentor;B1;2024-07-01", ("startdato", "future_date")),
        ("K1;999;mentor;B1;2024-03-05", ("kommunekode", "unknown_municipality")),
    ],
)
def test_each_case_rejection_reason(text: str, expected: tuple[str, str]) -> None:
    column, reason, message = one_rejection("forloeb", f"{CASE_HEADER}\n{text}\n")
    assert (column, reason) == expected
    assert message and "\n" not in message


def test_invalid_date_message_names_column_and_value() -> None:
    _, _, message = one_rejection("forloeb", f"Startdato;{CASE_HEADER}\n31-02-2024;K1;101;m;B;x\n")
    assert message == (
        'Startdato "31-02-2024" er ikke en gyldig dato (brug fx 2024-03-05 eller 05-03-2024).'
    )


def test_case_date_order_and_status_rules() -> None:
    result = check(
        "forloeb",
        f"{CASE_HEADER};slutdato;status\n"
        "K1;101;mentor;B1;2024-03-05;2024-03-01;\n"
        "K2;101;mentor;B2;2024-03-05;2024-04-01;aktiv\n"
        "K3;101;mentor;B3;2024-03-05;;afbrudt\n"
        "K4;101;mentor;B4;2024-03-05;2024-07-01;\n"
        "K5;101;mentor;B5;2024-03-05;2024-03-05;afbrudt\n",
    )
    assert reasons(result) == [
        (2, "slutdato", "date_order"),
        (3, "status", "date_order"),
        (4, "slutdato", "missing_required"),
        (5, "slutdato", "future_date"),
    ]
    assert result.valid["status"].to_list() == ["discontinued"]


def test_missing_required_column_rejects_every_row_under_its_danish_name() -> None:
    result = check("progression", "case_id;date\nK1;2024-03-05\nK2;2024-03-06\n")
    assert reasons(result) == [(2, "score", "missing_required"), (3, "score", "missing_required")]
    assert "score" in result.rejected["message"][0]


def test_progression_score_rules() -> None:
    result = check(
        "progression",
        "forloeb_id;dato;score\nK1;2024-03-05;7,0\nK1;2024-03-06;11\nK1;2024-03-07;7,5\n"
        "K1;2024-03-08;0\nK1;2024-03-09;07\n",
    )
    assert result.valid["score"].to_list() == [7, 7]
    assert reasons(result) == [
        (3, "score", "out_of_range"),
        (4, "score", "invalid_value"),
        (5, "score", "out_of_range"),
    ]


def test_rule_9_first_reason_wins_then_leftmost_column() -> None:
    header = "startdato;kommunekode;forloebstype;forloeb_id;borger_id"
    result = check(
        "forloeb",
        f"{header}\n"
        "2024-07-01;999;coach;K1;B1\n"  # future, unknown municipality, invalid enum
        "2024-07-01;999;mentor;K2;B2\n"  # future before unknown municipality
        "31-02-2024;abc;mentor;K3;B3\n"  # two invalid: leftmost is startdato
        "31-02-2024;abc;mentor;K4;\n",  # missing beats invalid
    )
    assert reasons(result) == [
        (2, "forloebstype", "invalid_value"),
        (3, "startdato", "future_date"),
        (4, "startdato", "invalid_value"),
        (5, "borger_id", "missing_required"),
    ]


ASSESS = "forloeb_id;instrument;tidspunkt;dato;" + ";".join(f"item_{i}" for i in range(1, 11))


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("WHO5;pre;2024-03-05;;;;;;;;;;;", ("raw_score", "missing_required")),
        ("WHO5;pre;2024-03-05;1;2;3;4;5;1;;;;;", ("item_6", "invalid_value")),
        ("WHO5;pre;2024-03-05;1;2;3;4;6;;;;;;", ("item_5", "out_of_range")),
        ("GSE;pre;2024-03-05;0;2;3;4;4;4;4;4;4;4;", ("item_1", "out_of_range")),
        ("WHO5;pre;2024-03-05;;;;;;;;;;;26", ("raw_score", "out_of_range")),
        ("GSE;pre;2024-03-05;;;;;;;;;;;9", ("raw_score", "out_of_range")),
        ("WHO5;pre;2024-03-05;1;2;3;4;5;;;;;;16", ("raw_score", "total_mismatch")),
        ("WHO5;pre;2024-03-05;1;2;3;4;;;;;;;10", ("raw_score", "total_mismatch")),
        ("WHO-5;midt;2024-03-05;1;2;3;4;5;;;;;;", ("tidspunkt", "invalid_value")),
        ("SDQ;pre;2024-03-05;1;2;3;4;5;;;;;;", ("instrument", "invalid_value")),
    ],
)
def test_assessment_rules(cells: str, expected: tuple[str, str]) -> None:
    column, reason, _ = one_rejection("maalinger", f"{ASSESS};raw_score\nK1;{cells}\n")
    assert (column, reason) == expected


def test_assessment_with_complete_items_and_matching_total_is_valid() -> None:
    result = check(
        "maalinger",
        f"{ASSESS};raw_score\nK1;GSE;post;2024-03-05;1;2;3;4;4;4;4;4;4;4;34\n"
        "K1;GSE;pre;2024-03-05;1;2;3;;4;4;4;4;4;4;\n",
    )
    assert result.rejected.height == 0 and result.valid.height == 2


# ----------------------------------------------------------------------------- duplicates


def test_identical_duplicates_count_once_and_differing_ones_are_all_rejected() -> None:
    result = check(
        "progression",
        "forloeb_id;dato;score\nK1;2024-03-05;5\nK1;05-03-2024;5,0\nK2;2024-03-05;5\n"
        "K2;2024-03-05;6\nK3;2024-03-05;x\nK3;2024-03-05;5\n",
    )
    assert result.duplicates_unchanged == 1
    assert result.valid.select("case_id", "_source_row").rows() == [("K1", 2), ("K3", 7)]
    assert reasons(result) == [
        (4, "forloeb_id", "conflicting_duplicate"),
        (5, "forloeb_id", "conflicting_duplicate"),
        (6, "score", "invalid_value"),
    ]
    assert "rækkerne 4, 5" in result.rejected["message"][0]


def test_defaults_apply_before_duplicates_are_compared() -> None:
    result = check(
        "forloeb",
        f"{CASE_HEADER};status\nK1;101;mentor;010190-1234;2024-03-05;\n"
        "K1;0101;Mentor;0101901234;05-03-2024;aktiv\n",
    )
    assert result.duplicates_unchanged == 1 and result.rejected.height == 0


# ----------------------------------------------------------------------------- CPR


def test_cpr_in_other_cells_is_blanked_and_reported() -> None:
    result = check(
        "medarbejdere",
        "medarbejder_id;kommunekode;rolle;navn;noter\n"
        "M1;101;mentor;Bo 010190-1234;0101901234\nM2;101;mentor;Li;\n",
    )
    assert result.valid["name"].to_list() == [None, "Li"]
    assert result.cpr_blanked == [(2, "navn")]


def test_cpr_in_typed_columns_is_blanked_too() -> None:
    result = check(
        "medarbejdere",
        "medarbejder_id;kommunekode;rolle;foedselsaar;uddannet_dato\n"
        "M1;101;mentor;0101901234;\nM2;101;mentor;1980;\nM3;101;mentor;1981;XXXXXX-XXXX\n",
    )
    assert result.valid.select("worker_id", "birth_year", "trained_on").rows() == [
        ("M1", None, None),
        ("M2", 1980, None),
        ("M3", 1981, None),
    ]
    assert result.cpr_blanked == [(2, "foedselsaar"), (4, "uddannet_dato")]


def test_raw_values_mask_every_cpr_number_including_borger_id() -> None:
    result = check(
        "forloeb",
        f"{CASE_HEADER};noter\nK1;101;mentor;010190-1234;2015-01-01;ring 0101901234\n",
    )
    raw = json.loads(result.rejected["raw_values"][0])
    assert raw["borger_id"] == "XXXXXX-XXXX" and raw["noter"] == "ring XXXXXX-XXXX"
    assert raw["startdato"] == "2015-01-01"
    assert not any(looks_like_cpr(str(v)) for v in raw.values())


def test_cpr_in_required_id_blanks_it_and_rejects_the_row() -> None:
    result = check("progression", "forloeb_id;dato;score\nK0101901234;2024-03-05;5\n")
    assert reasons(result) == [(2, "forloeb_id", "missing_required")]
    assert "0101901234" not in result.rejected["message"][0]


def test_a_cpr_number_of_exactly_ten_bytes_is_blanked_and_nine_digits_are_not() -> None:
    """The shortest cell that can hold a CPR-like number (privacy.cpr.CPR_MIN_BYTES) is still
    searched; a shorter one cannot hold one."""
    result = check("progression", "forloeb_id;dato;score\n0101901234;2024-03-05;5\n")
    assert reasons(result) == [(2, "forloeb_id", "missing_required")]
    assert result.cpr_blanked == [(2, "forloeb_id")]
    result = check("progression", "forloeb_id;dato;score\n010190123;2024-03-05;5\n")
    assert result.cpr_blanked == []


def test_revalidating_rejected_raw_values_gives_the_same_result() -> None:
    text = (
        "forloeb_id;dato;score;item_9;x\nK1;2024-03-05;5;0101901234;a\nK2;2015-03-05;5;;\n"
        "K3;2024-03-05;5,0;;b\n"
    )
    first = check("progression", text)
    records = [json.loads(r) for r in first.rejected["raw_values"]]
    rows = first.rejected["source_row"].to_list()
    # Everything that is rejected, re-read from raw_values, is rejected again identically.
    rebuilt = table_file_from_records("progression", "progression.csv", records, rows)
    again = validate_table(rebuilt, EXPORTED, KEY)
    assert again.rejected.drop("raw_values").equals(first.rejected.drop("raw_values"))
    # And a valid row stored through raw_values (as an orphan would be) validates the same.
    valid_records = [{"forloeb_id": "K1", "dato": "2024-03-05", "score": "5"}]
    orphan = table_file_from_records("progression", "progression.csv", valid_records, [2])
    assert validate_table(orphan, EXPORTED, KEY).valid.equals(
        first.valid.filter(pl.col("_source_row") == 2)
    )


def test_empty_table_validates_to_nothing() -> None:
    result = check("progression", "forloeb_id;dato;score\n")
    assert result.rows_read == 0 and result.valid.height == 0 and result.rejected.height == 0
