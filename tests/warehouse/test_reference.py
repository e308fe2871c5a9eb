"""`lat reference`: shows the reference constants and changes them for every mart at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cli.main import main
from tests.support.marts_fixtures import build_warehouse, case, mart_rows, who5, who5_score
from warehouse.reference import canonical_instrument


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """One WHO-5 pair changing 40 -> 60: unchanged under the default sd 20 (threshold 21.5)."""
    return build_warehouse(
        tmp_path / "w.duckdb",
        cases=[case("c1", date(2024, 1, 1), date(2024, 5, 1))],
        assessments=[
            who5("c1", "pre", date(2024, 1, 5), who5_score(40)),
            who5("c1", "post", date(2024, 5, 1), who5_score(60)),
        ],
    )


def outcome(path: Path) -> dict:
    rows = mart_rows(path, "select * from mart.case_outcomes where instrument = 'WHO5'")
    assert len(rows) == 1
    return rows[0]


def test_without_options_prints_the_constants_sources_and_thresholds(
    warehouse: Path, capsys: pytest.CaptureFixture
):
    assert main(["reference", "--db", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "WHO5" in out and "GSE" in out
    assert "21.47" in out and "5.69" in out  # z * sqrt(2) * sd * sqrt(1 - r)
    assert "Topp et al. 2015" in out and "Schwarzer & Jerusalem 1995" in out


def test_without_a_warehouse_prints_the_defaults_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
):
    path = tmp_path / "none.duckdb"
    assert main(["reference", "GSE", "--db", str(path)]) == 0
    assert "5.69" in capsys.readouterr().out
    assert not path.exists()


def test_changing_sd_changes_the_case_outcome_category(
    warehouse: Path, capsys: pytest.CaptureFixture
):
    assert outcome(warehouse)["reliable_change"] == "unchanged"
    assert main(["reference", "who-5", "--sd", "15", "--db", str(warehouse)]) == 0
    assert "16.10" in capsys.readouterr().out  # the new threshold is printed
    row = outcome(warehouse)
    assert (row["reliable_change"], row["clinical_change"]) == ("improved", "recovered")


def test_no_cutoff_makes_clinical_change_equal_reliable_change(warehouse: Path):
    assert main(["reference", "WHO5", "--sd", "15", "--no-cutoff", "--db", str(warehouse)]) == 0
    row = outcome(warehouse)
    assert (row["reliable_change"], row["clinical_change"]) == ("improved", "improved")


def test_no_mcid_leaves_meaningful_change_null(warehouse: Path):
    assert outcome(warehouse)["meaningful_change"] is True
    assert main(["reference", "WHO5", "--no-mcid", "--db", str(warehouse)]) == 0
    assert outcome(warehouse)["meaningful_change"] is None


@pytest.mark.parametrize(
    "options",
    [
        ["WHO5", "--reliability", "0"],
        ["WHO5", "--reliability", "1"],
        ["WHO5", "--sd", "0"],
        ["WHO5", "--sd", "-3"],
        ["WHO5", "--sd", "nan"],
        ["WHO5", "--cutoff", "101"],
        ["GSE", "--cutoff", "5"],
        ["WHO5", "--mcid", "0"],
        ["GSE", "--mcid", "31"],
        ["PHQ9", "--sd", "3"],
        ["PHQ9"],
        ["--sd", "3"],
    ],
)
def test_bad_values_exit_2_with_one_line_and_change_nothing(
    warehouse: Path, capsys: pytest.CaptureFixture, options: list[str]
):
    before = warehouse.read_bytes()
    assert main(["reference", *options, "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert warehouse.read_bytes() == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [("WHO-5", "WHO5"), ("who5", "WHO5"), ("Who 5", "WHO5"), ("gse", "GSE"), ("GSES", "GSE")],
)
def test_instrument_names_match_case_insensitively(name: str, expected: str):
    assert canonical_instrument(name) == expected


def test_unknown_instrument_names_are_not_matched():
    assert canonical_instrument("PHQ-9") is None
