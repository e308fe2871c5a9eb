"""Indicator marts (indicators.md section 1): given these raw rows, expect these rows of
mart.expected_progression, mart.progression_tracking and mart.attention."""

from __future__ import annotations

import statistics
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
    who5,
)

D = date
START = D(2023, 1, 2)


def scores(case_id: str, start: date, *month_scores: tuple[int, int]) -> list[dict]:
    """Progression rows at (month since start, score); month m is dated m * 31 days in."""
    return [
        {"case_id": case_id, "measured_on": start + timedelta(days=31 * m), "score": s}
        for m, s in month_scores
    ]


def type7(values: list[float], q: float) -> float:
    """R's quantile(type = 7), computed independently of DuckDB."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = int(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


# 20 reference cases starting mid (5) whose month-2 scores are 1..10 twice
REFERENCE_MONTH_2 = [1 + n % 10 for n in range(20)]


def reference_cases() -> tuple[list[dict], list[dict]]:
    cases, progression = [], []
    for n, later in enumerate(REFERENCE_MONTH_2):
        cid = f"r{n:02d}"
        cases.append(case(cid, START, START + timedelta(days=200)))
        progression += scores(cid, START, (0, 5), (2, later))
    return cases, progression


@pytest.fixture(scope="module")
def expected_wh(tmp_path_factory) -> Path:
    cases, progression = reference_cases()
    # a case with two scores in month 2: only the latest of the month is its case-month score
    cases.append(case("twice", START, START + timedelta(days=200)))
    progression += [
        {"case_id": "twice", "measured_on": START, "score": 2},
        {"case_id": "twice", "measured_on": START + timedelta(days=62), "score": 9},
        {"case_id": "twice", "measured_on": START + timedelta(days=70), "score": 3},
    ]
    # a measurement 30 months in is compared with month 24; the case starts high
    long_start = D(2021, 1, 1)
    cases.append(case("long", long_start, long_start + timedelta(days=1000)))
    progression += scores("long", long_start, (0, 8), (30, 6))
    return build_warehouse(
        tmp_path_factory.mktemp("exp") / "w.duckdb", cases=cases, progression=progression
    )


def test_expected_band_quantiles_are_type_7_over_one_score_per_case_and_month(expected_wh: Path):
    rows = by_key(
        mart_rows(expected_wh, "select * from mart.expected_progression"), "start_band", "month"
    )
    mid2 = rows[("mid", 2)]
    assert mid2["n_cases"] == 20
    for name, q in (("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9)):
        assert mid2[name] == pytest.approx(type7(REFERENCE_MONTH_2, q)), name
    assert mid2["p50"] == statistics.median(REFERENCE_MONTH_2)
    assert mid2["is_reliable"] is True
    low2 = rows[("low", 2)]  # the case that started at 2 scored 9 then 3 in month 2
    assert (low2["n_cases"], low2["p10"], low2["p90"]) == (1, 3.0, 3.0)
    assert low2["is_reliable"] is False


def test_months_beyond_24_are_compared_with_month_24(expected_wh: Path):
    rows = mart_rows(
        expected_wh,
        "select start_band, month, n_cases from mart.expected_progression "
        "where start_band = 'high' order by month",
    )
    assert rows == [
        {"start_band": "high", "month": 0, "n_cases": 1},
        {"start_band": "high", "month": 24, "n_cases": 1},
    ]


def test_nineteen_cases_are_not_a_reliable_reference(tmp_path: Path):
    cases, progression = reference_cases()
    path = build_warehouse(
        tmp_path / "w.duckdb",
        cases=cases[:19],
        progression=[p for p in progression if p["case_id"] != "r19"],
    )
    (row,) = mart_rows(
        path, "select n_cases, is_reliable from mart.expected_progression where month = 2"
    )
    assert row == {"n_cases": 19, "is_reliable": False}


# ---------------------------------------------------------------- mart.progression_tracking


@pytest.fixture(scope="module")
def tracking(tmp_path_factory) -> dict:
    cases, progression = reference_cases()
    # month-2 reference (with the target cases added below, 25 cases): computed in the test
    targets = {"t_low": 1, "t_mid": 2, "t_ok": 6, "t_drop2": 3, "t_drop1": 4}
    for cid, later in targets.items():
        cases.append(case(cid, START))
        progression += scores(cid, START, (0, 5), (2, later))
    cases.append(case("t_norf", START))  # month 5 has no reliable reference
    progression += scores("t_norf", START, (0, 5), (5, 5))
    path = build_warehouse(
        tmp_path_factory.mktemp("trk") / "w.duckdb", cases=cases, progression=progression
    )
    rows = mart_rows(path, "select * from mart.progression_tracking")
    return {"rows": by_key(rows, "case_id", "measurement_no"), "targets": targets}


def test_tracking_compares_a_score_with_the_bands_p10_and_p25(tracking: dict):
    month2 = REFERENCE_MONTH_2 + list(tracking["targets"].values())
    p10, p25 = type7(month2, 0.10), type7(month2, 0.25)
    assert (p10, p25) == pytest.approx((1.4, 3.0))
    rows = tracking["rows"]
    got = {cid: rows[(cid, 2)]["tracking"] for cid in tracking["targets"]}
    assert got == {
        "t_low": "off_track",  # 1 < p10 (1.4)
        "t_mid": "below_expected",  # p10 <= 2 < p25 (3.0)
        "t_ok": "on_track",
        "t_drop2": "on_track",  # exactly at p25
        "t_drop1": "on_track",
    }
    assert rows[("t_low", 2)]["expected_p10"] == pytest.approx(p10)
    assert rows[("t_low", 2)]["expected_p25"] == pytest.approx(p25)
    assert rows[("t_low", 2)]["expected_p50"] == pytest.approx(type7(month2, 0.5))


def test_the_first_score_is_the_start_and_an_unreliable_reference_says_so(tracking: dict):
    rows = tracking["rows"]
    first = rows[("t_low", 1)]
    assert (first["tracking"], first["previous_score"], first["dropped"]) == ("start", None, False)
    assert (first["start_band"], first["month"]) == ("mid", 0)
    assert rows[("t_norf", 2)]["tracking"] == "no_reference"


def test_dropped_means_two_points_or_more_below_the_previous_score(tracking: dict):
    rows = tracking["rows"]
    assert rows[("t_low", 2)]["previous_score"] == 5
    assert rows[("t_low", 2)]["dropped"] is True  # 5 -> 1
    assert rows[("t_mid", 2)]["dropped"] is True  # 5 -> 2
    assert rows[("t_drop2", 2)]["dropped"] is True  # 5 -> 3, exactly two points
    assert rows[("t_drop1", 2)]["dropped"] is False  # 5 -> 4
    assert rows[("t_ok", 2)]["dropped"] is False


# ---------------------------------------------------------------- mart.attention


@pytest.fixture(scope="module")
def attention(tmp_path_factory) -> dict:
    cases, progression = reference_cases()
    recent = AS_OF - timedelta(days=62)  # month 2 lands 0 days before the as-of date
    for cid, later in {"a_off": 1, "a_ok": 6}.items():
        cases.append(case(cid, recent))
        progression += scores(cid, recent, (0, 5), (2, later))
    old = AS_OF - timedelta(days=200)
    cases.append(case("a_stale", old))  # last score 200 days ago: overdue
    progression += scores("a_stale", old, (0, 5))
    cases.append(case("a_none", AS_OF - timedelta(days=10)))  # no score, started 10 days ago
    cases.append(case("a_nopre", AS_OF - timedelta(days=40)))  # no score, no pre, 40 days in
    cases.append(case("a_pre", AS_OF - timedelta(days=40)))
    pre_day = AS_OF - timedelta(days=40)
    assessments = [
        who5("a_pre", "pre", pre_day, [3] * 5),
        *[r for r in outcome_rows("a_pre", "GSE", 25, 30) if r["phase"] == "pre"],
    ]
    for row in assessments:
        row["measured_on"] = pre_day
    progression += scores("a_pre", pre_day, (0, 4), (1, 5))
    cases.append(case("closed", old, AS_OF - timedelta(days=5)))
    progression += scores("closed", old, (0, 9), (1, 1))
    path = build_warehouse(
        tmp_path_factory.mktemp("att") / "w.duckdb",
        cases=cases,
        progression=progression,
        assessments=assessments,
    )
    rows = mart_rows(path, "select * from mart.attention")
    return by_key(rows, "case_id")


def test_the_queue_holds_active_cases_only(attention: dict):
    assert "closed" not in attention
    assert not any(cid.startswith("r") for cid in attention)  # reference cases are closed


def test_reasons_come_in_the_contract_order_with_their_priority(attention: dict):
    got = {cid: (row["reasons"], row["priority"]) for cid, row in attention.items()}
    assert got["a_off"] == (["off_track", "dropped", "missing_pre"], 1)
    assert got["a_ok"] == (["missing_pre"], 2)
    assert got["a_stale"] == (["overdue", "missing_pre"], 1)
    assert got["a_none"] == (["no_score"], 2)
    assert got["a_nopre"] == (["no_score", "missing_pre"], 2)
    assert got["a_pre"] == ([], 3)


def test_the_queue_takes_its_latest_score_and_fidelity_facts(attention: dict):
    off = attention["a_off"]
    assert (off["latest_score"], off["tracking"], off["dropped"]) == (1, "off_track", True)
    assert off["latest_measured_on"] == AS_OF
    assert (off["overdue"], off["days_since_last"]) == (False, 0)
    none = attention["a_none"]
    assert (none["latest_score"], none["tracking"], none["dropped"]) == (None, "no_score", False)
    assert none["missing_pre"] is False  # started only 10 days ago
    stale = attention["a_stale"]
    assert (stale["overdue"], stale["days_since_last"], stale["tracking"]) == (True, 200, "start")


# ---------------------------------------------------------------- mart.fidelity_monthly


@pytest.fixture(scope="module")
def monthly_wh(tmp_path_factory) -> Path:
    cases = [
        case("m_ok", D(2024, 1, 10)),  # scores 41 and 55 days apart, then silent from 15 April
        case("m_late", D(2024, 1, 1)),  # never scored in its period: off once 61 days pass
        case("m_end", D(2024, 3, 1), D(2024, 4, 10)),  # ends on 10 April: April ends then
        case("m_other", D(2024, 5, 15), municipality_code="147"),
    ]
    progression = [
        {"case_id": "m_ok", "measured_on": D(2024, 2, 20), "score": 5},
        {"case_id": "m_ok", "measured_on": D(2024, 4, 15), "score": 6},
        # a score before the start is outside the period and must not count as a point
        {"case_id": "m_late", "measured_on": D(2023, 12, 1), "score": 4},
    ]
    return build_warehouse(
        tmp_path_factory.mktemp("fm") / "w.duckdb", cases=cases, progression=progression
    )


def test_monthly_on_cadence_counts_per_municipality_and_month(monthly_wh: Path):
    rows = mart_rows(
        monthly_wh,
        "select municipality_code, month, active_cases, on_cadence_cases "
        "from mart.fidelity_monthly order by municipality_code, month",
    )
    got = [(r["municipality_code"], r["month"].month, r["active_cases"], r["on_cadence_cases"])
           for r in rows]  # fmt: skip
    assert got == [
        ("101", 1, 2, 2),
        ("101", 2, 2, 2),  # m_late: 59 days to 29 February; the December score is ignored
        ("101", 3, 3, 2),  # m_late: 90 days without a score
        ("101", 4, 3, 2),  # m_end: 40 days from its start to its end on 10 April
        ("101", 5, 2, 1),  # m_ok: 46 days since 15 April
        ("101", 6, 2, 0),  # m_ok: 76 days by 30 June (the as-of date)
        ("147", 5, 1, 1),
        ("147", 6, 1, 1),
    ]


def test_a_cases_last_month_agrees_with_mart_fidelity(monthly_wh: Path):
    rows = mart_rows(
        monthly_wh,
        "select m.case_id, m.is_on_cadence, f.on_cadence from mart.fidelity_case_months as m "
        "inner join mart.fidelity as f on f.case_id = m.case_id "
        "qualify m.month = max(m.month) over (partition by m.case_id)",
    )
    assert len(rows) == 4
    assert all(r["is_on_cadence"] == r["on_cadence"] for r in rows), rows


def _on_cadence_by_definition(
    start: date, end: date | None, dates: list[date], month: date, cadence: int = 61
) -> bool:
    """The month-by-month rule as metrics.md states it, with nothing derived: no gap so far longer
    than the limit, the points being the start and the scores inside the period up to the month's
    end (its last day, or the case's end or the as-of date when that comes earlier), the last gap
    running to that end."""
    period_end = end or AS_OF
    next_month = D(month.year + month.month // 12, month.month % 12 + 1, 1)
    month_end = min(next_month - timedelta(days=1), period_end)
    inside = sorted(d for d in dates if start <= d <= period_end)
    points = [start, *(d for d in inside if d <= month_end), month_end]
    return all(b - a <= timedelta(days=cadence) for a, b in zip(points, points[1:], strict=False))


@pytest.fixture(scope="module")
def random_cadence(tmp_path_factory) -> tuple[Path, dict]:
    """300 cases with random periods and scores (some before the start, after the end, on the
    start or end date, bunched or far apart), built once."""
    import random

    rng = random.Random(20261201)
    cases, progression, facts = [], [], {}
    for n in range(300):
        cid = f"c{n:03d}"
        start = D(2022, 1, 1) + timedelta(days=rng.randrange(0, 900))
        end = None
        if rng.random() < 0.5:
            end = min(start + timedelta(days=rng.randrange(0, 500)), AS_OF)
        cases.append(case(cid, start, end))
        dates: set[date] = set()
        for _ in range(rng.choice([0, 1, 2, 4, 8, 12])):
            dates.add(start + timedelta(days=rng.randrange(-40, 600)))
        if rng.random() < 0.2:
            dates.add(start)
        if rng.random() < 0.2:
            dates.add(end or AS_OF)
        progression += [{"case_id": cid, "measured_on": d, "score": 5} for d in sorted(dates)]
        facts[cid] = (start, end, sorted(dates))
    path = build_warehouse(
        tmp_path_factory.mktemp("rc") / "w.duckdb", cases=cases, progression=progression
    )
    return path, facts


def test_the_case_months_and_their_cadence_agree_with_the_rules_on_random_cases(random_cadence):
    """staging.case_months expands a compact rule (staging.fidelity.off_cadence_from): on cadence
    while the month's end falls before the first day a gap has grown too long, in the months from
    the start month to the month of period_end. This holds it to the rules as stated, for every
    month of every case."""
    path, facts = random_cadence
    rows = mart_rows(path, "select case_id, month, is_on_cadence from mart.fidelity_case_months")
    assert len(rows) > 3000
    # the months themselves: active (started by its last day, not ended before its first day)
    # in each month up to the as-of month, nothing else
    calendar = [D(2021 + m // 12, m % 12 + 1, 1) for m in range(12 * 4)]
    calendar = [m for m in calendar if m <= AS_OF]
    expected_months = {
        (cid, m)
        for cid, (start, end, _dates) in facts.items()
        for m in calendar
        if start <= D(m.year + m.month // 12, m.month % 12 + 1, 1) - timedelta(days=1)
        and (end is None or end >= m)
    }
    assert {(r["case_id"], r["month"]) for r in rows} == expected_months
    assert len(rows) == len(expected_months)
    wrong = [
        (r["case_id"], r["month"], r["is_on_cadence"])
        for r in rows
        if r["is_on_cadence"] != _on_cadence_by_definition(*facts[r["case_id"]], r["month"])
    ]
    assert wrong == []
    on = sum(r["is_on_cadence"] for r in rows)
    assert 0 < on < len(rows)  # both outcomes occur
