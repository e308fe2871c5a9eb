"""mart.case_matching and the free places of mart.workers: given these raw rows, expect these
rows (docs/marts.md)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.marts_fixtures import (
    AS_OF,
    build_warehouse,
    by_key,
    case,
    mart_rows,
    outcome_rows,
)

D = date


def worker(worker_id: str, gender: str | None, birth_year: int | None, **values) -> dict:
    return {"worker_id": worker_id, "municipality_code": "101", "role": "mentor",
            "name": f"Navn {worker_id}", "gender": gender, "birth_year": birth_year,
            "active": True, **values}  # fmt: skip


def scores(case_id: str, *values: int) -> list[dict]:
    start = D(2024, 1, 10)
    return [
        {"case_id": case_id, "measured_on": start + timedelta(days=30 * i), "score": s}
        for i, s in enumerate(values)
    ]


@pytest.fixture(scope="module")
def matching(tmp_path_factory) -> dict:
    start = D(2024, 1, 5)
    cases = [
        # worker born 1990: 34 in 2024; citizen 25: gap 9 -> '<10', same gender
        case("same9", start, D(2024, 5, 20), worker_id="wf90", gender="female", age_at_start=25),
        # gap exactly 10 -> '10-19'; different gender
        case("diff10", start, worker_id="wf90", gender="male", age_at_start=24),
        # gap 19 and 20 at the band edges
        case("gap19", start, worker_id="wm60", gender="male", age_at_start=45),
        case("gap20", start, worker_id="wm60", gender="female", age_at_start=44),
        # worker older than citizen by 30 -> '30+'; the gap is absolute either way
        case("gap30", start, worker_id="wm60", gender="male", age_at_start=34),
        case("young", start, worker_id="wf90", gender="female", age_at_start=64),  # 30, '30+'
        # a worker without gender or birth year: no match to compute
        case("unknown", start, worker_id="wnone", gender="female", age_at_start=30),
        # a case whose worker is not in medarbejdere
        case("orphan", start, worker_id="ghost", gender="female", age_at_start=30),
    ]
    workers = [worker("wf90", "female", 1990), worker("wm60", "male", 1960),
               worker("wnone", None, None)]  # fmt: skip
    path = build_warehouse(
        tmp_path_factory.mktemp("matching") / "w.duckdb",
        cases=cases,
        workers=workers,
        assessments=outcome_rows("same9", "WHO5", 40, 80),
        progression=scores("same9", 3, 5, 8) + scores("diff10", 6),
    )
    return by_key(mart_rows(path, "select * from mart.case_matching"), "case_id")


def test_gender_match_is_same_different_or_unknown(matching: dict):
    assert {cid: row["gender_match"] for cid, row in matching.items()} == {
        "same9": "same", "diff10": "different", "gap19": "same", "gap20": "different",
        "gap30": "same", "young": "same", "unknown": None, "orphan": None,
    }  # fmt: skip


def test_age_gap_is_absolute_and_banded_at_its_edges(matching: dict):
    got = {cid: (row["age_gap_years"], row["age_gap_band"]) for cid, row in matching.items()}
    assert got == {
        "same9": (9, "<10"), "diff10": (10, "10-19"), "gap19": (19, "10-19"),
        "gap20": (20, "20-29"), "gap30": (30, "30+"), "young": (30, "30+"),
        "unknown": (None, None), "orphan": (None, None),
    }  # fmt: skip
    assert matching["gap19"]["worker_age_at_start"] == 64  # 2024 - 1960


def test_outcomes_and_fidelity_come_with_each_case(matching: dict):
    same = matching["same9"]
    assert same["who5_change"] == 40 and same["who5_reliable_change"] == "improved"
    assert same["progression_change"] == 5  # 8 (latest) - 3 (first)
    assert matching["diff10"]["progression_change"] is None  # one score: no change
    assert matching["diff10"]["who5_change"] is None
    assert isinstance(same["on_cadence"], bool)


def test_every_case_has_one_row(matching: dict):
    assert len(matching) == 8


def test_workers_have_an_age_and_free_places_up_to_the_house_capacity(tmp_path: Path):
    cases = [case(f"c{i}", D(2024, 1, 5), worker_id="busy") for i in range(16)]
    cases += [case("done", D(2023, 1, 5), D(2023, 6, 1), worker_id="light")]
    cases += [case("open", D(2024, 1, 5), worker_id="light")]
    workers = [
        worker("busy", "male", 1980),
        worker("light", "female", 2000),
        worker("idle", "female", 1990, active=False),
        worker("boss", "male", 1970, role="coordinator"),
    ]
    path = build_warehouse(tmp_path / "w.duckdb", cases=cases, workers=workers)
    rows = by_key(mart_rows(path, "select * from mart.workers"), "worker_id")
    assert {w: (r["age"], r["active_cases"], r["capacity"]) for w, r in rows.items()} == {
        "busy": (AS_OF.year - 1980, 16, 0),  # over the 15: no free place, never negative
        "light": (AS_OF.year - 2000, 1, 14),  # the closed case does not count
        "idle": (AS_OF.year - 1990, 0, 0),  # inactive: takes no case
        "boss": (AS_OF.year - 1970, 0, None),  # coordinators carry no cases
    }
