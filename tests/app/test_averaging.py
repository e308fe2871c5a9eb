"""The averaging attack on cell-key perturbation (issue 8, section 4), and what stops it.

Each published count carries a fixed noise of -2..+2, so one difference of two views says a
hidden group's size only to within a few cases. But a viewer who may add up any set of other
municipalities can take that difference many times over: "B + Hvidovre" minus "B" for many sets
B, each pair with its own noise, and the mean of the differences converges on Hvidovre's count.
So a perturbed view adds up at most one municipality outside the viewer's own area (the data
layer refuses more, app/data.py); own municipalities stay free to combine, as they are exact.
"""

from __future__ import annotations

import random
import statistics
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from app import data
from app.filters import Filters
from app.queries import caseloads
from app.scope import Scope
from tests.support.app_fixtures import _case as case
from tests.support.app_fixtures import build_app_warehouse

TARGET = "167"  # Hvidovre: 2 cases of men aged 18-24, hidden as "<5"
OTHERS = ("147", "151", "157", "173", "217", "219", "253", "259", "265", "330", "370", "461",
          "479", "540", "561", "621", "630", "657", "730", "740", "751", "791", "813", "851")  # fmt: skip
START = date(2026, 2, 1)
VIEW = {"from_month": date(2026, 1, 1), "to_month": date(2026, 6, 1),
        "genders": ("male",), "age_bands": ("18-24",)}  # fmt: skip
COORDINATOR = Scope(role="coordinator", municipalities=frozenset({"101"}))
VIEWER = Scope(role="viewer")


def _rows() -> dict[str, list[dict]]:
    cases = [case(f"T{i}", TARGET, "mentor", "W167-0", START, gender="male", age_at_start=20)
             for i in range(2)]  # fmt: skip
    cases += [case(f"T-other{i}", TARGET, "mentor", "W167-0", START, age_at_start=40)
              for i in range(20)]  # fmt: skip
    for n, muni in enumerate(("101", *OTHERS)):
        cases += [case(f"O{muni}-{i}", muni, "mentor", f"W{muni}-0", START, gender="male",
                       age_at_start=20) for i in range(6 + n % 7)]  # fmt: skip
    workers = [{"worker_id": f"W{m}-0", "municipality_code": m, "role": "mentor",
                "name": f"Medarbejder {m}-0", "active": True}
               for m in ("101", TARGET, *OTHERS)]  # fmt: skip
    return {"cases": cases, "workers": workers}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app_warehouse(tmp_path_factory.mktemp("avg-wh") / "warehouse.duckdb", rows=_rows())


@pytest.fixture
def db(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAT_DB", str(warehouse))
    return warehouse


def _cases(scope: Scope, municipalities: tuple[str, ...]) -> int | None:
    try:
        return caseloads.cases_in_period(scope, Filters(municipalities=municipalities, **VIEW))
    except data.NotAllowed:
        return None


@pytest.mark.parametrize("scope", [COORDINATOR, VIEWER], ids=["coordinator", "viewer"])
def test_many_differences_of_other_municipalities_do_not_average_to_a_hidden_count(db, scope):
    assert _cases(Scope.everything(), (TARGET,)) == 2  # the truth, as the national centre sees it
    assert _cases(scope, (TARGET,)) is None  # "<5"
    rng = random.Random(8)
    differences = []
    for _ in range(60):
        others = tuple(sorted(rng.sample(OTHERS, rng.randrange(3, len(OTHERS)))))
        with_target, without = _cases(scope, (*others, TARGET)), _cases(scope, others)
        if with_target is not None and without is not None:
            differences.append(with_target - without)
    # with every such pair answered, the mean of 60 differences is 2 to within about half a case
    assert len(differences) < 5, f"mean of {len(differences)}: {statistics.mean(differences):.2f}"


def test_a_perturbed_view_adds_up_at_most_one_municipality_outside_the_own_area(db):
    assert _cases(COORDINATOR, ("101", "147")) is not None  # own plus one other
    assert _cases(COORDINATOR, ("147",)) is not None
    assert _cases(COORDINATOR, ()) is not None  # the whole country: one view, nothing to subtract
    assert _cases(COORDINATOR, ("147", "151")) is None
    assert _cases(COORDINATOR, ("101", "147", "151")) is None
    assert _cases(VIEWER, ("147", "151")) is None
    presenting = Scope(role="coordinator", municipalities=frozenset({"101"}), presentation=True)
    assert _cases(presenting, ("101", "147")) is None  # on a shared screen nothing is own
    # the national centre, who may see every case, is not perturbed and not limited
    assert _cases(Scope.everything(), ("147", "151")) is not None


def test_a_perturbed_view_counts_the_cases_of_one_worker_at_most(db):
    """A coordinator's workers lent out work other municipalities' cases: sets of them are
    sets of outside cases, to be averaged over like sets of municipalities."""
    two = ("W101-0", "W147-0")

    def cases(municipalities, workers):
        view = Filters(municipalities=municipalities, workers=workers, **VIEW)
        try:
            return caseloads.cases_in_period(COORDINATOR, view)
        except data.NotAllowed:
            return None

    assert cases((), ("W101-0",)) is not None
    assert cases((), two) is None
    assert cases(("147",), two) is None
    assert cases(("101",), two) is not None  # own municipality only: exact, nothing to average
    # case lists are the viewer's own rows: a coordinator's own municipalities only anyway


# --- statistics beside a perturbed count -------------------------------------------------------

STEP = {"WHO5": 4, "GSE": 1}  # scores are whole multiples of these


def _sums_possible(mean: float, n: int, step: int) -> bool:
    """Could n whole-step scores average to `mean` (as given, to its precision)?"""
    if float(mean).is_integer():  # a rounded mean: any sum within half a point of n * mean
        low, high = (mean - 0.5) * n, (mean + 0.5) * n
        return int(high // step) * step >= low
    total = mean * n
    return abs(total / step - round(total / step)) < 1e-6


def _candidates(n: int) -> list[int]:
    """The counts a published n of `n` may stand for (noise -2..+2, never below 5)."""
    from app import suppression

    return [c for c in range(n - suppression.NOISE_RANGE, n + suppression.NOISE_RANGE + 1)
            if c >= suppression.MIN_CASES or n == suppression.MIN_CASES]  # fmt: skip


@pytest.mark.parametrize("scope", [COORDINATOR, VIEWER], ids=["coordinator", "viewer"])
@pytest.mark.parametrize("instrument", ["WHO5", "GSE"])
def test_a_published_groups_statistics_do_not_give_its_exact_n_away(app_db, scope, instrument):
    """With the exact n of two published groups, their difference (a small group) would be out.

    The fixture warehouse: 140 cases in each of København and Aarhus, scores whole points."""
    from app.queries import overview, prepost, progression
    from tests.support.app_fixtures import PERIOD

    period = Filters(date(2023, 1, 1), PERIOD.to_month)
    for muni in ("751", "461"):
        for genders in ((), ("female",), ("male",), ("other",)):
            view = Filters(period.from_month, period.to_month, (muni,), genders=genders)
            stats = prepost.paired_stats(scope, view, instrument, "case_type")
            for row in stats.filter(~pl.col("suppressed") & (pl.col("n") > 0)).iter_rows(
                named=True
            ):
                for field in ("ci_low", "ci_high", "t", "df", "p_t", "d_z", "wilcoxon_v",
                              "p_wilcoxon", "d_av_ci_low", "d_z_ci_high"):  # fmt: skip
                    assert row[field] is None, (field, row)
                for mean in ("mean_pre", "mean_post"):
                    possible = [c for c in _candidates(row["n"])
                                if _sums_possible(row[mean], c, STEP[instrument])]  # fmt: skip
                    assert len(possible) > 1, (mean, row)
            dist = prepost.distribution(scope, view, instrument, "none")
            for row in dist.filter(~pl.col("suppressed") & (pl.col("n") > 0)).iter_rows(named=True):
                possible = [c for c in _candidates(row["n"])
                            if _sums_possible(row["mean"], c, STEP[instrument])]  # fmt: skip
                assert len(possible) > 1, row
                for q in ("p10", "q1", "median", "q3", "p90"):
                    assert float(row[q]) % STEP[instrument] == 0, (q, row)  # one of the scores
            head = overview.headline(overview.figures(scope, view))
            change = head.filter(pl.col("figure") == "who5_change")["value"][0]
            assert change is None or float(change).is_integer()
            months = progression.by_month(scope, view)
            for row in months.filter(~pl.col("suppressed")).iter_rows(named=True):
                assert all(float(row[q]).is_integer() for q in ("q1", "median", "q3")), row


def test_own_statistics_stay_exact_for_a_coordinator(app_db):
    from app.queries import prepost
    from tests.support.app_fixtures import PERIOD

    own = Scope(role="coordinator", municipalities=frozenset({"751"}))
    view = Filters(date(2023, 1, 1), PERIOD.to_month, ("751", "101"))  # own plus one other
    stats = prepost.paired_stats(own, view, "WHO5", "municipality")
    mine = stats.filter(pl.col("group_value") == "Aarhus").row(0, named=True)
    national = prepost.paired_stats(Scope.everything(), view, "WHO5", "municipality")
    theirs = national.filter(pl.col("group_value") == "Aarhus").row(0, named=True)
    assert mine["n"] == theirs["n"] and mine["mean_pre"] == theirs["mean_pre"]
    assert mine["p_t"] is not None
