"""Mart views: given these raw rows, expect these mart rows (warehouse-contract.md section 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.support.marts_fixtures import (
    attached,
    build_warehouse,
    by_key,
    case,
    gse,
    gse_score,
    mart_rows,
    outcome_rows,
    who5,
    who5_score,
)
from warehouse.db import write_transaction

D = date

# The public interface: every mart's columns, in the contract's order.
MART_COLUMNS = {
    "cases": "case_id, municipality_code, municipality_name, region_name, case_type, worker_id, "
    "citizen_key, gender, age_at_start, age_band, start_date, end_date, status, end_reason, "
    "referred_by, lent_from_municipality_code, is_loan, duration_days, period_end, is_open",
    "assessments": "case_id, instrument, phase, measured_on, items_answered, raw_score, score, "
    "is_valid",
    "case_outcomes": "case_id, instrument, pre_score, post_score, change, rc, reliable_change, "
    "clinical_change, meaningful_change",
    "progression": "case_id, measured_on, score, measurement_no, days_since_start, "
    "months_since_start, days_since_previous, months_since_start_exact",
    "fidelity": "case_id, municipality_code, case_type, worker_id, period_start, period_end, "
    "active_days, n_measurements, expected_measurements, coverage, max_gap_days, on_cadence, "
    "days_since_last, overdue, has_pre, has_post",
    "caseload_monthly": "municipality_code, month, case_type, active_cases, new_cases, "
    "closed_cases, active_workers, cases_per_worker",
    "workers": "worker_id, municipality_code, role, name, gender, birth_year, trained_on, active, "
    "languages, active_cases, cases_total, lent_cases, age, capacity",
    "case_matching": "case_id, worker_id, citizen_gender, worker_gender, gender_match, "
    "citizen_age_at_start, worker_age_at_start, age_gap_years, age_gap_band, who5_change, "
    "who5_reliable_change, progression_change, on_cadence",
    "as_of": "as_of",
    "expected_progression": "start_band, month, n_cases, p10, p25, p50, p75, p90, is_reliable",
    "progression_tracking": "case_id, measured_on, measurement_no, month, start_band, score, "
    "previous_score, expected_p10, expected_p25, expected_p50, tracking, dropped",
    "attention": "case_id, municipality_code, worker_id, case_type, latest_measured_on, "
    "latest_score, tracking, dropped, overdue, days_since_last, missing_pre, reasons, priority",
    "fidelity_monthly": "municipality_code, month, active_cases, on_cadence_cases",
    "case_months": "case_id, municipality_code, case_type, month, is_new, is_closed",
    "fidelity_case_months": "case_id, municipality_code, month, is_on_cadence",
    "fidelity_gaps": "case_id, gap_start, gap_end, days, kind",
    "constants": "cadence_days, pre_post_window_days, days_per_month, z_975, expected_month_cap, "
    "reliable_reference_cases, score_drop_points, worker_capacity_cases",
}


# ---------------------------------------------------------------- schema and attach


def test_every_mart_has_the_contract_columns_in_order(tmp_path: Path):
    path = build_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect()
    con.execute("attach $path as wh (read_only)", {"path": str(path)})
    for view, columns in MART_COLUMNS.items():
        # no `use wh`: the views must find raw/staging/ref inside their own database
        described = con.execute(f"describe wh.mart.{view}").fetchall()  # noqa: S608
        assert ", ".join(row[0] for row in described) == columns, view


def test_marts_resolve_when_attached_read_only_under_another_alias(tmp_path: Path):
    path = build_warehouse(tmp_path / "w.duckdb", cases=[case("c1", D(2024, 1, 1))])
    assert mart_rows(path, "select case_id from mart.cases") == [{"case_id": "c1"}]
    con = duckdb.connect()
    con.execute("attach $path as elsewhere (read_only)", {"path": str(path)})
    assert con.execute("select count(*) from elsewhere.mart.fidelity").fetchone() == (1,)


def test_as_of_is_the_latest_export_and_one_null_row_when_nothing_is_loaded(tmp_path: Path):
    empty = build_warehouse(tmp_path / "empty.duckdb", as_of=None)
    assert mart_rows(empty, "select * from mart.as_of") == [{"as_of": None}]
    path = build_warehouse(tmp_path / "w.duckdb", as_of=D(2024, 6, 30))
    with write_transaction(path) as con:
        con.execute(
            "insert into etl.batches values "
            "(2, 'older', 'sha2', date '2024-03-31', now(), 0, 0, 0, 0, 0, 'loaded')"
        )
    assert mart_rows(path, "select * from mart.as_of") == [{"as_of": D(2024, 6, 30)}]


# ---------------------------------------------------------------- mart.cases


@pytest.fixture(scope="module")
def cases_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ages = {"a17": 17, "a18": 18, "a24": 24, "a25": 25, "a34": 34, "a35": 35, "a49": 49}
    ages |= {"a50": 50, "anull": None}
    cases = [case(cid, D(2024, 1, 1), D(2024, 2, 1), age_at_start=age) for cid, age in ages.items()]
    cases += [
        case("active", D(2024, 6, 1)),
        case("loan", D(2024, 1, 1), municipality_code="461", lent_from_municipality_code="101"),
        case("own", D(2024, 1, 1), lent_from_municipality_code="101"),
    ]
    return build_warehouse(tmp_path_factory.mktemp("cases") / "w.duckdb", cases=cases)


def test_age_bands_at_their_edges(cases_wh: Path):
    rows = by_key(mart_rows(cases_wh, "select case_id, age_band from mart.cases"), "case_id")
    bands = {cid: rows[cid]["age_band"] for cid in rows if cid.startswith("a")}
    assert bands == {
        "a17": "<18",
        "a18": "18-24",
        "a24": "18-24",
        "a25": "25-34",
        "a34": "25-34",
        "a35": "35-49",
        "a49": "35-49",
        "a50": "50+",
        "anull": None,
        "active": None,
    }


def test_is_loan_only_when_lent_from_another_municipality_and_never_null(cases_wh: Path):
    rows = by_key(mart_rows(cases_wh, "select case_id, is_loan from mart.cases"), "case_id")
    assert rows["loan"]["is_loan"] is True
    assert rows["own"]["is_loan"] is False
    assert rows["a17"]["is_loan"] is False


def test_duration_runs_to_end_date_or_to_as_of_for_active_cases(cases_wh: Path):
    rows = by_key(mart_rows(cases_wh, "select case_id, duration_days from mart.cases"), "case_id")
    assert rows["a17"]["duration_days"] == 31
    assert rows["active"]["duration_days"] == 29  # 2024-06-01 to as-of 2024-06-30


def test_cases_carry_municipality_and_region_names(cases_wh: Path):
    rows = by_key(mart_rows(cases_wh, "select * from mart.cases"), "case_id")
    assert (rows["a17"]["municipality_name"], rows["a17"]["region_name"]) == (
        "København",
        "Region Hovedstaden",
    )
    assert rows["loan"]["municipality_name"] == "Odense"


# ---------------------------------------------------------------- mart.assessments


@pytest.fixture(scope="module")
def assessments(tmp_path_factory: pytest.TempPathFactory) -> dict:
    on = D(2024, 1, 5)
    rows = [
        who5("w_full", "pre", on, [1, 2, 3, 2, 1]),
        who5("w_missing", "pre", on, [1, 2, None, 2, 1]),
        {"case_id": "w_given", "instrument": "WHO5", "phase": "pre", "measured_on": on}
        | {"raw_score_given": 20},
        gse("g_ten", "pre", on, [3, 3, 3, 3, 3, 3, 3, 3, 3, 2]),
        gse("g_eight", "pre", on, [3, 2, 2, 2, 2, 3, 2, 2, None, None]),
        gse("g_seven", "pre", on, [3, 3, 3, 3, 3, 3, 2, None, None, None]),
        gse("g_six", "pre", on, [3, 3, 3, 3, 3, 3, None, None, None, None]),
        {"case_id": "g_given", "instrument": "GSE", "phase": "pre", "measured_on": on}
        | {"raw_score_given": 31},
    ]
    cases = [case(row["case_id"], D(2024, 1, 1)) for row in rows]
    path = build_warehouse(
        tmp_path_factory.mktemp("assessments") / "w.duckdb", cases=cases, assessments=rows
    )
    return by_key(mart_rows(path, "select * from mart.assessments"), "case_id")


def test_who5_score_is_the_item_sum_times_four(assessments: dict):
    row = assessments["w_full"]
    assert (row["items_answered"], row["raw_score"], row["score"], row["is_valid"]) == (
        5,
        9,
        36,
        True,
    )


def test_who5_with_a_missing_item_keeps_its_row_without_a_score(assessments: dict):
    row = assessments["w_missing"]
    assert (row["items_answered"], row["raw_score"], row["score"], row["is_valid"]) == (
        4,
        None,
        None,
        False,
    )


def test_given_raw_score_is_valid_and_has_no_item_count(assessments: dict):
    row = assessments["w_given"]
    assert (row["items_answered"], row["raw_score"], row["score"], row["is_valid"]) == (
        None,
        20,
        80,
        True,
    )
    gse_row = assessments["g_given"]
    assert (gse_row["items_answered"], gse_row["score"], gse_row["is_valid"]) == (None, 31, True)


def test_gse_prorates_the_mean_times_ten_rounded_half_up(assessments: dict):
    assert assessments["g_ten"]["score"] == 29
    # 8 answered, sum 18: mean 2.25 -> 22.5 -> 23 (half up, not to even)
    assert (assessments["g_eight"]["items_answered"], assessments["g_eight"]["score"]) == (8, 23)
    # 7 answered, sum 20: mean 2.857 -> 28.57 -> 29
    assert (assessments["g_seven"]["score"], assessments["g_seven"]["is_valid"]) == (29, True)


def test_gse_with_six_answers_is_invalid(assessments: dict):
    row = assessments["g_six"]
    assert (row["items_answered"], row["raw_score"], row["score"], row["is_valid"]) == (
        6,
        None,
        None,
        False,
    )


# ---------------------------------------------------------------- mart.case_outcomes

OUTCOME_CASES = {
    # case_id: (instrument, pre, post, reliable_change, clinical_change, meaningful_change)
    "who_recovered": ("WHO5", 40, 64, "improved", "recovered", True),
    "who_improved_above": ("WHO5", 52, 76, "improved", "improved", True),
    "who_improved_below": ("WHO5", 20, 44, "improved", "improved", True),
    "who_just_unchanged": ("WHO5", 40, 60, "unchanged", "unchanged", True),
    "who_small": ("WHO5", 48, 52, "unchanged", "unchanged", False),
    "who_deteriorated": ("WHO5", 60, 36, "deteriorated", "deteriorated", False),
    "who_just_deteriorated_not": ("WHO5", 60, 40, "unchanged", "unchanged", False),
    "gse_improved": ("GSE", 20, 26, "improved", "improved", None),
    "gse_unchanged": ("GSE", 20, 25, "unchanged", "unchanged", None),
    "gse_deteriorated": ("GSE", 30, 24, "deteriorated", "deteriorated", None),
    "gse_unchanged_down": ("GSE", 30, 25, "unchanged", "unchanged", None),
}


@pytest.fixture(scope="module")
def outcomes_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = []
    for case_id, (instrument, pre, post, *_) in OUTCOME_CASES.items():
        rows += outcome_rows(case_id, instrument, pre, post)
    rows += [
        who5("only_pre", "pre", D(2024, 1, 5), who5_score(40)),
        who5("invalid_post", "pre", D(2024, 1, 5), who5_score(40)),
        who5("invalid_post", "post", D(2024, 5, 5), [5, 5, 5, 5, None]),
    ]
    cases = [case(cid, D(2024, 1, 1)) for cid in {row["case_id"] for row in rows}]
    return build_warehouse(
        tmp_path_factory.mktemp("outcomes") / "w.duckdb", cases=cases, assessments=rows
    )


@pytest.mark.parametrize("case_id", OUTCOME_CASES)
def test_case_outcome_categories_around_the_thresholds(outcomes_wh: Path, case_id: str):
    instrument, pre, post, reliable, clinical, meaningful = OUTCOME_CASES[case_id]
    rows = mart_rows(
        outcomes_wh, "select * from mart.case_outcomes where case_id = $c", {"c": case_id}
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["instrument"], row["pre_score"], row["post_score"], row["change"]) == (
        instrument,
        pre,
        post,
        post - pre,
    )
    assert (row["reliable_change"], row["clinical_change"], row["meaningful_change"]) == (
        reliable,
        clinical,
        meaningful,
    )


def test_rc_is_change_over_the_standard_error_of_the_difference(outcomes_wh: Path):
    row = mart_rows(
        outcomes_wh, "select rc from mart.case_outcomes where case_id = 'who_recovered'"
    )
    s_diff = 2**0.5 * 20 * (1 - 0.85) ** 0.5
    assert row[0]["rc"] == pytest.approx(24 / s_diff)


def test_outcomes_need_a_valid_pre_and_a_valid_post(outcomes_wh: Path):
    rows = mart_rows(outcomes_wh, "select case_id from mart.case_outcomes")
    ids = {row["case_id"] for row in rows}
    assert ids == set(OUTCOME_CASES)


def test_recovered_includes_a_pre_score_at_the_cutoff_but_not_a_post_at_it(tmp_path: Path):
    rows = outcome_rows("pre_at_cutoff", "WHO5", 52, 76) + outcome_rows(
        "post_at_cutoff", "WHO5", 28, 52
    )
    path = build_warehouse(
        tmp_path / "w.duckdb",
        cases=[case("pre_at_cutoff", D(2024, 1, 1)), case("post_at_cutoff", D(2024, 1, 1))],
        assessments=rows,
    )
    with write_transaction(path) as con:
        con.execute("update ref.instruments set cutoff = 52 where instrument = 'WHO5'")
    got = by_key(mart_rows(path, "select * from mart.case_outcomes"), "case_id")
    assert got["pre_at_cutoff"]["clinical_change"] == "recovered"
    assert got["post_at_cutoff"]["clinical_change"] == "improved"


def test_gse_is_never_recovered_even_across_a_would_be_cutoff(outcomes_wh: Path):
    rows = mart_rows(
        outcomes_wh,
        "select distinct clinical_change from mart.case_outcomes where instrument = 'GSE'",
    )
    assert "recovered" not in {row["clinical_change"] for row in rows}


# ---------------------------------------------------------------- mart.progression


def test_progression_numbers_measurements_and_counts_time(tmp_path: Path):
    dates = [D(2024, 3, 2), D(2024, 1, 1), D(2024, 3, 1), D(2024, 1, 31)]
    path = build_warehouse(
        tmp_path / "w.duckdb",
        cases=[case("p", D(2024, 1, 1))],
        progression=[{"case_id": "p", "measured_on": on, "score": 5} for on in dates],
    )
    rows = mart_rows(path, "select * from mart.progression order by measured_on")
    got = [
        (
            r["measurement_no"],
            r["days_since_start"],
            r["months_since_start"],
            r["days_since_previous"],
        )
        for r in rows
    ]
    # 60 / 30.4375 = 1.97 -> 1; 61 / 30.4375 = 2.004 -> 2
    assert got == [(1, 0, 0, None), (2, 30, 0, 30), (3, 60, 1, 30), (4, 61, 2, 1)]
    # the months a chart places each score at: the same days in months of 30.4375 days
    exact = [r["months_since_start_exact"] for r in rows]
    assert exact == pytest.approx([0.0, 30 / 30.4375, 60 / 30.4375, 61 / 30.4375])
    assert [int(m // 1) for m in exact] == [r["months_since_start"] for r in rows]


# ---------------------------------------------------------------- mart.fidelity


def progression_on(case_id: str, *dates: date) -> list[dict]:
    return [{"case_id": case_id, "measured_on": on, "score": 6} for on in dates]


@pytest.fixture(scope="module")
def fidelity(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cases = [
        case("on_cadence", D(2024, 1, 1)),
        case("gappy", D(2024, 1, 1)),
        case("closed_none", D(2024, 1, 1), D(2024, 4, 1)),
        case("short", D(2024, 5, 15)),
        case("late_first", D(2024, 1, 1), D(2024, 3, 20), status="discontinued"),
        case("due_61", D(2024, 4, 30)),
        case("due_62", D(2024, 4, 29)),
        case("prepost", D(2024, 1, 10), D(2024, 5, 10)),
        case("near_misses", D(2024, 1, 10), D(2024, 5, 10)),
        case("active_post", D(2024, 1, 10)),
    ]
    progression = (
        progression_on("on_cadence", D(2024, 3, 1), D(2024, 5, 1))  # gaps 60, 61, 60
        + progression_on("gappy", D(2023, 12, 1), D(2024, 2, 1), D(2024, 7, 15))
        + progression_on("late_first", D(2024, 3, 5))
    )
    assessments = [
        who5("prepost", "pre", D(2023, 12, 11), who5_score(40)),  # 30 days before start
        gse("prepost", "pre", D(2024, 2, 9), gse_score(20)),  # 30 days after start
        who5("prepost", "post", D(2024, 5, 10), who5_score(60)),
        gse("prepost", "post", D(2024, 6, 9), gse_score(25)),  # 30 days after end
        who5("near_misses", "pre", D(2024, 1, 10), who5_score(40)),
        gse("near_misses", "pre", D(2024, 1, 10), [3, 3, 3, 3, 3, 3, None, None, None, None]),
        who5("near_misses", "post", D(2024, 6, 10), who5_score(60)),  # 31 days after end
        gse("near_misses", "post", D(2024, 5, 10), gse_score(25)),
        who5("active_post", "pre", D(2024, 1, 10), who5_score(40)),
        gse("active_post", "pre", D(2024, 1, 10), gse_score(20)),
        who5("active_post", "post", D(2024, 6, 10), who5_score(60)),
        gse("active_post", "post", D(2024, 6, 10), gse_score(25)),
    ]
    path = build_warehouse(
        tmp_path_factory.mktemp("fidelity") / "w.duckdb",
        cases=cases,
        progression=progression,
        assessments=assessments,
    )
    return by_key(mart_rows(path, "select * from mart.fidelity"), "case_id")


def fields(row: dict, *names: str) -> tuple:
    return tuple(row[name] for name in names)


def test_on_cadence_at_exactly_61_days_between_points(fidelity: dict):
    row = fidelity["on_cadence"]
    assert fields(row, "period_end", "active_days", "n_measurements", "max_gap_days") == (
        D(2024, 6, 30),
        181,
        2,
        61,
    )
    assert fields(row, "on_cadence", "expected_measurements", "coverage", "overdue") == (
        True,
        2,
        1.0,
        False,
    )


def test_gaps_run_to_the_period_end_and_ignore_measurements_outside_the_period(fidelity: dict):
    row = fidelity["gappy"]
    # points 2024-01-01, 2024-02-01, as-of 2024-06-30; 2023-12-01 and 2024-07-15 are outside
    assert fields(row, "n_measurements", "max_gap_days", "on_cadence") == (1, 150, False)
    assert fields(row, "expected_measurements", "coverage", "days_since_last", "overdue") == (
        2,
        0.5,
        150,
        True,
    )


def test_gap_from_period_start_to_a_late_first_measurement_counts(fidelity: dict):
    row = fidelity["late_first"]
    assert fields(row, "period_end", "max_gap_days", "on_cadence") == (D(2024, 3, 20), 64, False)


def test_a_closed_case_is_never_overdue(fidelity: dict):
    row = fidelity["closed_none"]
    assert fields(row, "n_measurements", "max_gap_days", "days_since_last", "overdue") == (
        0,
        91,
        91,
        False,
    )
    assert fields(row, "expected_measurements", "coverage") == (1, 0.0)


def test_coverage_is_null_when_nothing_is_expected_yet(fidelity: dict):
    row = fidelity["short"]
    assert fields(row, "active_days", "expected_measurements", "coverage", "on_cadence") == (
        46,
        0,
        None,
        True,
    )


def test_overdue_only_after_more_than_61_days(fidelity: dict):
    assert fields(fidelity["due_61"], "days_since_last", "overdue") == (61, False)
    assert fields(fidelity["due_62"], "days_since_last", "overdue") == (62, True)


def test_has_pre_and_has_post_need_both_instruments_within_30_days(fidelity: dict):
    assert fields(fidelity["prepost"], "has_pre", "has_post") == (True, True)
    # GSE pre is invalid (6 answers); WHO-5 post is 31 days after the end
    assert fields(fidelity["near_misses"], "has_pre", "has_post") == (False, False)


def test_has_post_is_null_for_active_cases(fidelity: dict):
    assert fields(fidelity["active_post"], "has_pre", "has_post") == (True, None)
    assert fidelity["on_cadence"]["has_post"] is None
    assert fidelity["closed_none"]["has_post"] is False


# ---------------------------------------------------------------- mart.caseload_monthly


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cases = [
        case("k1", D(2024, 1, 15), D(2024, 3, 10), worker_id="w1"),
        case("k2", D(2024, 3, 1), worker_id="w2"),
        case("k3", D(2024, 3, 20), D(2024, 3, 25), status="discontinued", worker_id="w1"),
        case(
            "k4", D(2024, 5, 5), municipality_code="461", case_type="parent_coach", worker_id="w3"
        ),
    ]
    path = build_warehouse(tmp_path_factory.mktemp("caseload") / "w.duckdb", cases=cases)
    rows = mart_rows(path, "select * from mart.caseload_monthly")
    return by_key(rows, "municipality_code", "case_type", "month")


def counts(row: dict) -> tuple:
    return fields(row, "active_cases", "new_cases", "closed_cases", "active_workers")


def test_caseload_counts_active_new_and_closed_per_month(caseload: dict):
    mentor = {key[2].month: counts(row) for key, row in caseload.items() if key[1] == "mentor"}
    assert mentor == {
        1: (1, 1, 0, 1),
        2: (1, 0, 0, 1),
        3: (3, 2, 2, 2),  # k3 discontinued counts as closed; workers w1 and w2
        4: (1, 0, 0, 1),
        5: (1, 0, 0, 1),
        6: (1, 0, 0, 1),  # months stop at the as-of month (June)
    }
    assert caseload[("101", "mentor", D(2024, 3, 1))]["cases_per_worker"] == 1.5


def test_caseload_has_rows_only_where_cases_are_active(caseload: dict):
    keys = {(key[0], key[1], key[2].month) for key in caseload if key[0] == "461"}
    assert keys == {("461", "parent_coach", 5), ("461", "parent_coach", 6)}


# ---------------------------------------------------------------- mart.workers


def test_workers_count_active_total_and_lent_cases(tmp_path: Path):
    workers = [
        {"worker_id": wid, "municipality_code": "101", "role": "mentor", "active": True}
        for wid in ("w1", "w2")
    ]
    cases = [
        case("c1", D(2024, 1, 1), worker_id="w1"),
        case("c2", D(2024, 1, 1), D(2024, 2, 1), worker_id="w1"),
        case("c3", D(2024, 1, 1), worker_id="w1", municipality_code="461"),
    ]
    path = build_warehouse(tmp_path / "w.duckdb", cases=cases, workers=workers)
    rows = by_key(mart_rows(path, "select * from mart.workers"), "worker_id")
    assert fields(rows["w1"], "active_cases", "cases_total", "lent_cases") == (2, 3, 1)
    assert fields(rows["w2"], "active_cases", "cases_total", "lent_cases") == (0, 0, 0)


@pytest.mark.parametrize(
    ("start", "end", "period_start", "period_end", "active"),
    [
        (date(2024, 1, 10), None, date(2024, 1, 1), date(2024, 1, 31), True),  # started inside
        (date(2024, 2, 1), None, date(2024, 1, 1), date(2024, 1, 31), False),  # starts after
        (date(2023, 5, 1), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 31), True),  # ends 1st
        (date(2023, 5, 1), date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 31), False),
        (date(2030, 1, 1), None, date(2024, 1, 1), None, True),  # open end
        (date(2016, 1, 1), date(2016, 2, 1), None, date(2024, 1, 31), True),  # open start
    ],
)
def test_active_between_is_the_contracts_active_in_a_period(
    tmp_path, start, end, period_start, period_end, active
):
    path = build_warehouse(tmp_path / "w.duckdb", cases=[])
    held = (
        attached(path)
        .execute(
            "select staging.is_active_between($s, $e, $ps, $pe)",
            {"s": start, "e": end, "ps": period_start, "pe": period_end},
        )
        .fetchall()
    )
    assert held == [(active,)]
