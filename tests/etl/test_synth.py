"""`lat synth`: synthetic exports that are realistic, reproducible and, with --messy, exercise the ETL."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cli.main import main as lat
from etl.synth import CLEAN_HEADERS, TABLES, SynthSummary, write_synthetic_export
from warehouse.db import MUNICIPALITIES_CSV

ALL_REASONS = {
    "missing_required", "invalid_value", "out_of_range", "future_date", "date_order",
    "unknown_municipality", "unknown_case", "conflicting_duplicate", "total_mismatch",
}  # fmt: skip
FILES = [f"{t}.csv" for t in TABLES] + ["eksport.json"]


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def _clean(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{table}.csv", try_parse_dates=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    folder = tmp_path_factory.mktemp("clean")
    return folder, write_synthetic_export(folder, 3000, seed=7)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    folder = tmp_path_factory.mktemp("messy")
    return folder, write_synthetic_export(folder, 1500, seed=3, messy=True)


@pytest.mark.parametrize("is_messy", [False, True])
def test_same_seed_writes_byte_identical_files(tmp_path: Path, is_messy: bool) -> None:
    write_synthetic_export(tmp_path / "a", 400, seed=5, messy=is_messy)
    write_synthetic_export(tmp_path / "b", 400, seed=5, messy=is_messy)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_different_seed_writes_different_data(tmp_path: Path) -> None:
    write_synthetic_export(tmp_path / "a", 400, seed=1)
    write_synthetic_export(tmp_path / "b", 400, seed=2)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert all(a[f"{t}.csv"] != b[f"{t}.csv"] for t in TABLES)


def test_clean_export_has_four_utf8_comma_tables_with_danish_headers(clean) -> None:
    folder, summary = clean
    for table in TABLES:
        data = (folder / f"{table}.csv").read_bytes()
        header = data.split(b"\n", 1)[0].decode("utf-8")
        assert header.split(",") == CLEAN_HEADERS[table]
        assert pl.read_csv(io.BytesIO(data)).height == summary.rows[table]
    meta = json.loads((folder / "eksport.json").read_text("utf-8"))
    assert meta == {
        "platform": "tilvaerelsesmestring",
        "exported_at": "2026-10-31",
        "municipalities": summary.municipalities,
    }


def test_export_date_can_be_chosen_and_bounds_every_date(tmp_path: Path) -> None:
    write_synthetic_export(tmp_path, 300, exported_at=date(2024, 6, 30))
    cases = _clean(tmp_path, "forloeb")
    ratings = _clean(tmp_path, "progression")
    assert json.loads((tmp_path / "eksport.json").read_text())["exported_at"] == "2024-06-30"
    assert cases["startdato"].max() <= date(2024, 6, 30)
    assert ratings["dato"].max() <= date(2024, 6, 30)


def test_corps_is_about_27_municipalities_over_all_regions(clean) -> None:
    folder, _ = clean
    cases = _clean(folder, "forloeb")
    ref = pl.read_csv(MUNICIPALITIES_CSV)
    codes = set(cases["kommunekode"].to_list())
    assert len(codes) == 27
    assert {101, 751, 461, 851} <= codes
    regions = ref.filter(pl.col("municipality_code").is_in(list(codes)))["region_code"]
    assert regions.n_unique() == 5


def test_cases_are_mentor_and_parent_coach_about_two_to_one(clean) -> None:
    folder, _ = clean
    counts = _clean(folder, "forloeb")["forloebstype"].value_counts()
    n = dict(zip(counts["forloebstype"], counts["count"], strict=True))
    assert 1.7 < n["mentor"] / n["forældrecoach"] < 2.4


def test_cases_last_2_to_18_months_and_all_statuses_occur(clean) -> None:
    folder, _ = clean
    cases = _clean(folder, "forloeb")
    ended = cases.filter(pl.col("slutdato").is_not_null())
    days = (ended["slutdato"] - ended["startdato"]).dt.total_days()
    assert days.min() >= 61 and days.max() <= 548
    assert set(cases["status"]) == {"aktiv", "afsluttet", "afbrudt"}
    assert (
        cases.filter(pl.col("status") == "aktiv")["slutdato"].null_count()
        == cases.filter(pl.col("status") == "aktiv").height
    )
    assert cases["startdato"].min() >= date(2019, 1, 1)


def test_about_5_percent_of_cases_are_lent_from_another_corps_municipality(clean) -> None:
    folder, _ = clean
    cases = _clean(folder, "forloeb")
    workers = _clean(folder, "medarbejdere")
    lent = cases.filter(pl.col("udlaant_fra").is_not_null())
    assert 0.03 < lent.height / cases.height < 0.07
    assert (lent["udlaant_fra"] != lent["kommunekode"]).all()
    home = lent.join(workers, on="medarbejder_id", suffix="_worker")
    assert (home["kommunekode_worker"] == home["udlaant_fra"]).all()


def test_workers_carry_5_to_15_cases_each_with_matching_roles(clean) -> None:
    folder, _ = clean
    cases = _clean(folder, "forloeb")
    workers = _clean(folder, "medarbejdere")
    per_worker = cases.group_by("medarbejder_id").len()["len"]
    assert 5 <= per_worker.mean() <= 15
    assert set(workers["rolle"]) == {"mentor", "forældrecoach", "koordinator"}
    joined = cases.join(workers, on="medarbejder_id")
    assert (joined["forloebstype"] == joined["rolle"]).all()


def test_who5_starts_near_45_and_improves_and_gse_starts_near_25(clean) -> None:
    folder, _ = clean
    rows = _clean(folder, "maalinger")
    who_items = pl.sum_horizontal(f"item_{i}" for i in range(1, 6))
    who = (
        rows.filter(pl.col("instrument") == "WHO5")
        .with_columns(score=pl.coalesce(who_items, "raw_score") * 4)
        .group_by("tidspunkt")
        .agg(pl.col("score").mean())
    )
    mean = dict(zip(who["tidspunkt"], who["score"], strict=True))
    assert 40 < mean["foer"] < 50
    assert mean["efter"] > mean["foer"] + 5
    gse_pre = rows.filter((pl.col("instrument") == "GSE") & (pl.col("tidspunkt") == "foer"))
    total = pl.sum_horizontal(f"item_{i}" for i in range(1, 11))
    complete = gse_pre.filter(
        pl.all_horizontal(pl.col(f"item_{i}").is_not_null() for i in range(1, 11))
    )
    assert 22 < complete.select(pl.coalesce(total, "raw_score").mean()).item() < 28


def test_some_items_are_missing_but_never_enough_to_break_gse(clean) -> None:
    folder, _ = clean
    rows = _clean(folder, "maalinger").filter(pl.col("item_1").is_not_null())
    blanks = pl.sum_horizontal(pl.col(f"item_{i}").is_null() for i in range(1, 11))
    gse = rows.filter(pl.col("instrument") == "GSE").select(blanks)
    who = rows.filter(pl.col("instrument") == "WHO5").select(blanks - 5)
    assert 0 < (gse.to_series() > 0).sum() and gse.to_series().max() <= 3
    assert 0 < (who.to_series() > 0).sum()


def test_progression_drifts_upward_with_gaps_and_sparse_cases(clean) -> None:
    folder, summary = clean
    ratings = _clean(folder, "progression").sort("forloeb_id", "dato")
    gaps = ratings.select(
        gap=(pl.col("dato") - pl.col("dato").shift()).over("forloeb_id").dt.total_days()
    )["gap"]
    assert (gaps > 61).sum() > 0
    assert ratings["score"].is_between(1, 10).all()
    per_case = ratings.group_by("forloeb_id").agg(
        n=pl.len(), first=pl.col("score").first(), last=pl.col("score").last()
    )
    assert (per_case["n"] <= 2).sum() > 0
    assert per_case["last"].mean() > per_case["first"].mean() + 0.5
    assert ratings.height == summary.rows["progression"]


def test_messy_files_use_the_planned_dialects(messy) -> None:
    folder, _ = messy
    forloeb = (folder / "forloeb.csv").read_bytes()
    assert forloeb.startswith("Forløb ID;Kommunekode ;FORLOEBSTYPE".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        forloeb.decode("utf-8")
    assert b"\r\n" in forloeb and b"\r\n\r\n" in forloeb  # CRLF, and one truly empty line
    assert (folder / "medarbejdere.csv").read_bytes().startswith(b'\xef\xbb\xbf"medarbejder_id",')
    assert (folder / "maalinger.csv").read_bytes().startswith(b"case-id\tInstrument\tphase\tDate")
    assert (
        (folder / "progression.csv")
        .read_bytes()
        .startswith("FORLØB_ID;Dato;Score\r\n".encode("cp1252"))
    )


def test_messy_cells_vary_the_way_real_exports_do(messy) -> None:
    folder, summary = messy
    text = (folder / "forloeb.csv").read_bytes().decode("cp1252")
    ratings = (folder / "progression.csv").read_bytes().decode("cp1252")
    for variant in ("Forældrecoaching", "parent coach", ";M;", "Kvinde", ";0", "Bemærkning"):
        assert variant in text
    assert any(f"-{y};" in text or f"-{y}\r" in text for y in range(2019, 2027))  # 05-03-2024
    assert any(f".{y};" in text for y in range(2019, 2027))  # 5.3.2024
    assert any(f"/{y};" in text for y in range(2019, 2027))  # 05/03/2024
    assert ",0\r\n" in ratings and ":" in ratings  # '7,0' scores, '2024-03-05 14:10' dates
    assert summary.cpr_borger_ids > 0 and summary.cpr_in_text == 1
    assert sum(summary.blank_rows.values()) > 0


def test_messy_export_plants_every_rejection_reason(messy) -> None:
    _, summary = messy
    assert set(summary.invalid_by_reason) == ALL_REASONS
    planted = sum(summary.invalid_by_reason.values())
    assert 0.005 < planted / sum(summary.rows.values()) < 0.03


def test_clean_export_holds_no_cpr_number_anywhere(clean) -> None:
    cpr = pytest.importorskip("privacy.cpr", reason="etl/cpr.py is not there yet")
    folder, _ = clean
    for table in TABLES:
        frame = pl.read_csv(folder / f"{table}.csv", infer_schema=False)
        for column in frame.columns:
            assert not frame[column].drop_nulls().map_elements(cpr.looks_like_cpr).any(), column


def test_messy_export_validates_to_exactly_the_planted_faults(messy) -> None:
    read = pytest.importorskip("etl.read", reason="etl/read.py is not there yet")
    validate = pytest.importorskip("etl.validate", reason="etl/validate.py is not there yet")
    from privacy.pseudonym import Pseudonymizer

    folder, summary = messy
    export = read.read_export(folder)
    assert export.exported_at == summary.exported_at
    seen: Counter[str] = Counter()
    for tf in export.tables:
        result = validate.validate_table(tf, export.exported_at, Pseudonymizer(b"test"))
        reasons = Counter(result.rejected["reason_code"].to_list())
        expected = {r: n for r, n in summary.invalid[tf.table].items() if r != "unknown_case"}
        assert dict(reasons) == expected, tf.table
        assert result.rows_read == summary.rows[tf.table]
        assert result.duplicates_unchanged == summary.identical_duplicates[tf.table]
        seen.update(reasons)
    assert set(seen) == ALL_REASONS - {"unknown_case"}


def test_messy_export_loads_with_the_planted_faults_including_orphans(messy, tmp_path) -> None:
    load = pytest.importorskip("etl.load", reason="etl/load.py is not there yet")
    folder, summary = messy
    result = load.load_exports([folder], tmp_path / "warehouse.duckdb")
    (outcome,) = result.exports
    assert outcome.error is None
    for file in outcome.files:
        assert file.reasons == summary.invalid[file.table], file.table
        assert file.rows_read == summary.rows[file.table]


def test_lat_synth_writes_an_export_and_reports_it(tmp_path: Path, capsys) -> None:
    assert lat(["synth", str(tmp_path / "out"), "--cases", "60", "--seed", "4"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    assert "forloeb 60" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--cases", "0"], ["--seed", "-1"]])
def test_lat_synth_refuses_bad_arguments_with_one_line(tmp_path: Path, capsys, args) -> None:
    assert lat(["synth", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lat synth:") and err.count("\n") == 1


@pytest.mark.parametrize("seed", [1, 5])
def test_a_messy_export_of_a_single_case_is_written(tmp_path: Path, seed: int):
    summary = write_synthetic_export(tmp_path / "one", cases=1, seed=seed, messy=True)
    assert summary.rows["forloeb"] >= 1


def test_a_registry_column_the_generator_does_not_make_is_written_blank(tmp_path: Path):
    import polars as pl

    from etl.synth import CLEAN_DIALECT, _CsvFile

    out = _CsvFile(tmp_path / "t.csv", ["a", "b", "c"], CLEAN_DIALECT)
    out.write(pl.DataFrame({"a": ["1"], "c": ["3"]}))
    out.close()
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "a,b,c\n1,,3\n"
