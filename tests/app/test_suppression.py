"""Suppression that survives differencing (docs/suppression.md), and staff names by scope.

The warehouse here is made for the attacks of issue 8: a coordinator of København (101) who
subtracts figures of two views they can reach. Hvidovre (167) has 4 new cases in July-August
2026 beside København's 53; Hvidovre's active cases are 24 mentor and 3 parent coach;
Frederiksberg (147) has 12 new cases in July and 3 in August, and one case whose worker is lent
from Hillerød (219); Odense (461) has 3 active cases. What the coordinator knows of a figure:
an exact figure exactly; a published (perturbed) one to within `NOISE_RANGE`, and never below 5.
A difference of 1-4 cases of another municipality must never be pinned down.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import data, suppression
from app.filters import Filters, add_months
from app.queries import attention, caseloads, fidelity, overview, progression
from app.scope import Scope
from tests.support.app_fixtures import PERIOD as APP_PERIOD
from tests.support.app_fixtures import _case as case
from tests.support.app_fixtures import build_app_warehouse, chart_caption, n_note, page_as
from tests.support.wording import da

OWN = frozenset({"101"})
COORDINATOR = Scope(role="coordinator", municipalities=OWN)
MUNICIPALITIES = ("101", "147", "167", "461", "751")
JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)
PERIOD = Filters(JULY, AUGUST)
MONTHS = tuple(add_months(date(2026, 5, 1), i) for i in range(6))  # May to October 2026
# headline counts of the overview, and the same cases counted on other pages
FIGURES = ("active", "new", "closed", "mentor", "parent_coach", "fidelity", "ranking")
LENT_NAME = "Medarbejder 219-0"


def _cases(muni: str, case_type: str, count: int, start: date, tag: str) -> list[dict]:
    return [case(f"A{muni}-{tag}{i}", muni, case_type, f"W{muni}-0", start) for i in range(count)]


def attack_rows() -> dict[str, list[dict]]:
    """The raw rows of the attack warehouse (see the module docstring)."""
    cases = [
        *_cases("101", "mentor", 53, date(2026, 7, 10), "n"),
        *_cases("101", "parent_coach", 8, date(2025, 2, 1), "p"),
        *_cases("167", "mentor", 4, date(2026, 7, 15), "n"),
        *_cases("167", "mentor", 20, date(2025, 3, 1), "m"),
        *_cases("167", "parent_coach", 3, date(2025, 3, 1), "p"),
        *_cases("147", "mentor", 12, date(2026, 7, 5), "j"),
        *_cases("147", "mentor", 3, date(2026, 8, 5), "a"),
        *_cases("147", "mentor", 6, date(2025, 1, 10), "m"),
        case("A147-loan", "147", "parent_coach", "W219-0", date(2025, 5, 1),
             lent_from_municipality_code="219"),
        *_cases("461", "mentor", 3, date(2025, 6, 1), "m"),
        *_cases("751", "mentor", 30, date(2025, 1, 15), "m"),
    ]  # fmt: skip
    workers = [
        {"worker_id": f"W{muni}-0", "municipality_code": muni, "role": "mentor",
         "name": f"Medarbejder {muni}-0", "active": True}
        for muni in (*MUNICIPALITIES, "219")
    ]  # fmt: skip
    return {"cases": cases, "workers": workers}


@pytest.fixture(scope="module")
def attack_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("attack-wh") / "warehouse.duckdb"
    return build_app_warehouse(path, rows=attack_rows())


@pytest.fixture
def db(attack_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAT_DB", str(attack_warehouse))
    return attack_warehouse


# --- what the coordinator sees, what is true, what can be worked out ---------------------------


def seen(scope: Scope, filters: Filters, figure: str) -> int | None:
    """The figure as shown to `scope` (None when hidden): a headline figure of the overview,
    the fidelity table's total of cases, or the ranking's n (cases at the period's end).
    A view the data layer refuses (several other municipalities added up) shows nothing."""
    try:
        return _seen(scope, filters, figure)
    except data.TooManyOutside:
        return None


def _seen(scope: Scope, filters: Filters, figure: str) -> int | None:
    if figure == "fidelity":
        total = fidelity.by_group(scope, filters, "case_type").filter(pl.col("is_total"))
        value = total["n_cases"][0] if total.height else 0
    elif figure == "ranking":
        value = caseloads.totals(scope, filters)["at_end"]
    else:
        head = overview.headline(overview.figures(scope, filters))
        value = head.filter(pl.col("figure") == figure)["value"][0]
    return None if value is None else int(value)


def truth(filters: Filters, figure: str) -> tuple[int, int]:
    """(all cases, cases outside the coordinator's own area) of the figure, from exact
    national views of one municipality each (the figures are counts, so they add up)."""
    total = outside = 0
    for muni in filters.municipalities or MUNICIPALITIES:
        one = dataclasses.replace(filters, municipalities=(muni,))
        n = seen(Scope.everything(), one, figure) or 0
        total += n
        outside += 0 if muni in OWN else n
    return total, outside


def known(value: int | None, outside: int) -> tuple[int, int] | None:
    """The interval the coordinator knows the true figure to lie in (None: hidden).

    A figure of own cases only is exact; any other is published, within NOISE_RANGE of the truth
    and never below 5 (a code without perturbation publishes the exact figure: range 0).
    """
    if value is None:
        return None
    spread = 0 if outside == 0 else getattr(suppression, "NOISE_RANGE", 0)
    low = value - spread
    return (max(low, suppression.MIN_CASES) if spread else low), value + spread


def pinned_small_difference(a: Filters, b: Filters, figure: str) -> int | None:
    """The difference b - a when the coordinator can work it out exactly and it is 1-4 cases
    that include another municipality's; else None."""
    (_, out_a), (_, out_b) = truth(a, figure), truth(b, figure)
    seen_a, seen_b = (
        known(seen(COORDINATOR, a, figure), out_a),
        known(seen(COORDINATOR, b, figure), out_b),
    )
    if seen_a is None or seen_b is None or out_a == out_b:
        return None
    low, high = seen_b[0] - seen_a[1], seen_b[1] - seen_a[0]
    if low == high and 1 <= abs(low) <= 4:
        return low
    return None


# --- the three attacks of the issue ------------------------------------------------------------


def test_own_figure_and_own_plus_hvidovre_do_not_give_hvidovre_away(db):
    own = dataclasses.replace(PERIOD, municipalities=("101",))
    hvidovre = dataclasses.replace(PERIOD, municipalities=("167",))
    both = dataclasses.replace(PERIOD, municipalities=("101", "167"))
    assert seen(COORDINATOR, own, "new") == 53  # own municipality: exact
    assert seen(COORDINATOR, hvidovre, "new") is None  # 4: "<5"
    # 57 would tell 57 - 53 = 4: the part outside the own area is 1-4, so it hides
    assert seen(COORDINATOR, both, "new") is None
    assert pinned_small_difference(own, both, "new") is None


def test_captions_do_not_carry_a_hidden_municipality(db):
    """Odense's 3 cases hide in the ranking; the ranking's n must not be the sum of the bars
    shown, or the n of the monthly chart (the same cases) minus it gives the 3 away."""

    def n_of(tab: str, how_to_read_key: str) -> str:
        at = page_as("caseloads", role="coordinator", municipalities=OWN, filters={},
                     tabs={"cl_tabs": f"pages.caseloads.tabs.{tab}"})  # fmt: skip
        assert not at.exception
        return n_note(chart_caption(at, how_to_read_key))

    # no case ends in the period, so both charts count the same cases: the same published n
    assert n_of("municipalities", "pages.caseloads.each_bar_is_a_municipality") == n_of(
        "months", "pages.caseloads.each_small_chart_is_one"
    )
    ranking = caseloads.ranking(COORDINATOR, APP_PERIOD)
    assert ranking["suppressed"].sum() != 1  # a lone hidden bar would be the total minus the rest


@pytest.mark.parametrize(
    ("wide", "narrow", "figure"),
    [
        # all case types minus mentor: Hvidovre's 3 parent-coach cases
        (Filters(JULY, AUGUST, ("167",)), Filters(JULY, AUGUST, ("167",), ("mentor",)), "active"),
        # July-August minus July: Frederiksberg's 3 new cases of August
        (Filters(JULY, AUGUST, ("147",)), Filters(JULY, JULY, ("147",)), "new"),
    ],
    ids=["types", "months"],
)
def test_a_wider_filter_minus_a_narrower_one_does_not_give_a_small_group_away(
    db, wide, narrow, figure
):
    true_wide, true_narrow = truth(wide, figure)[0], truth(narrow, figure)[0]
    assert 1 <= true_wide - true_narrow <= 4  # the attack is there to be made
    assert pinned_small_difference(narrow, wide, figure) is None


def test_published_counts_are_perturbed_consistently(db):
    """Noise of at most NOISE_RANGE, never 1-4, the same for the same cases on every path."""
    shown, exact = [], []
    for muni in ("147", "167", "751"):
        for types in ((), ("mentor",)):
            filters = Filters(JULY, AUGUST, (muni,), types)
            value, (true, _) = seen(COORDINATOR, filters, "active"), truth(filters, "active")
            if value is not None:
                shown.append(value)
                exact.append(true)
    assert all(
        abs(s - t) <= suppression.NOISE_RANGE and s >= 5 for s, t in zip(shown, exact, strict=True)
    )
    assert shown != exact, "no published figure was perturbed"
    # the same cases reached another way (both types named; another page) show the same value
    hvidovre = Filters(JULY, AUGUST, ("167",))
    spelled_out = dataclasses.replace(hvidovre, case_types=("mentor", "parent_coach"))
    assert seen(COORDINATOR, hvidovre, "active") == seen(COORDINATOR, spelled_out, "active")
    assert caseloads.cases_in_period(COORDINATOR, hvidovre) == seen(COORDINATOR, hvidovre, "active")


@given(n=st.integers(0, 10_000), key=st.integers(0, 10**9))
def test_a_published_count_is_never_1_to_4_and_stays_near_the_truth(n, key):
    shown = suppression.published_count(n, key)
    assert shown == 0 if n == 0 else shown >= suppression.MIN_CASES
    if n >= suppression.MIN_CASES + suppression.NOISE_RANGE:
        assert abs(shown - n) <= suppression.NOISE_RANGE
    assert suppression.published_count(n, key) == shown  # the same cell, the same value


def test_a_protected_frame_keeps_own_rows_exact_and_hides_small_outside_parts():
    frame = pl.DataFrame(
        {"n": [3, 57, 40], "n_key": [10, 20, 30], "n_outside": [0, 4, 40], "label": list("abc")}
    )
    out = suppression.apply(frame, suppression.Rule(count="n"), on=suppression.PROTECTED)
    assert out["n"].to_list()[:2] == [3, None]  # own 3 exact; 57 with 4 of others hidden
    assert out["suppressed_by"].to_list()[:2] == [None, "complement"]
    assert abs(out["n"][2] - 40) <= suppression.NOISE_RANGE
    # the cell keys and outside counts would give hidden numbers away: they never leave
    assert out.columns == ["n", "label", "suppressed_by", "suppressed"]


def test_the_noise_is_zero_mean():
    assert sum(suppression.NOISE_TABLE) == 0
    assert set(suppression.NOISE_TABLE) == set(range(-2, 3))


# --- the property: no pair of reachable views pins a small difference down ---------------------

municipality_sets = st.sets(st.sampled_from(MUNICIPALITIES)).map(lambda s: tuple(sorted(s)))
case_types = st.sampled_from([(), ("mentor",), ("parent_coach",)])
month_index = st.integers(0, len(MONTHS) - 1)


@st.composite
def states(draw) -> Filters:
    first, last = sorted((draw(month_index), draw(month_index)))
    return Filters(MONTHS[first], MONTHS[last], draw(municipality_sets), draw(case_types))


@st.composite
def neighbours(draw, state: Filters) -> Filters:
    """A view one step from `state`, as an attacker would take it: one more municipality, all
    case types, a period one month wider, or any other view."""
    step = draw(st.sampled_from(["muni", "types", "earlier", "later", "any"]))
    if step == "muni":
        extra = draw(st.sampled_from(MUNICIPALITIES))
        return dataclasses.replace(
            state, municipalities=tuple(sorted({*state.municipalities, extra}))
        )
    if step == "types":
        return dataclasses.replace(state, case_types=())
    if step in ("earlier", "later"):
        index = MONTHS.index(state.from_month if step == "earlier" else state.to_month)
        moved = (
            MONTHS[max(0, index - 1)]
            if step == "earlier"
            else MONTHS[min(len(MONTHS) - 1, index + 1)]
        )
        field = "from_month" if step == "earlier" else "to_month"
        return dataclasses.replace(state, **{field: moved})
    return draw(states())


@st.composite
def view_pairs(draw) -> tuple[Filters, Filters]:
    first = draw(states())
    return first, draw(neighbours(first))


HVIDOVRE_ATTACK = (Filters(JULY, AUGUST, ("101",)), Filters(JULY, AUGUST, ("101", "167")))
TYPES_ATTACK = (Filters(JULY, AUGUST, ("167",), ("mentor",)), Filters(JULY, AUGUST, ("167",)))
MONTHS_ATTACK = (Filters(JULY, JULY, ("147",)), Filters(JULY, AUGUST, ("147",)))


# the attacks are tried on every run; the search adds pairs of its own around them
@example(pair=HVIDOVRE_ATTACK, figure="new")
@example(pair=TYPES_ATTACK, figure="active")
@example(pair=MONTHS_ATTACK, figure="new")
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pair=view_pairs(), figure=st.sampled_from(FIGURES))
def test_no_two_reachable_views_pin_down_a_small_difference(db, pair, figure):
    """Views differ in municipalities (empty: all), case types and period (any months from May
    to October 2026, one month as well as six); the strategies reach each attack of the issue."""
    first, second = pair
    assert pinned_small_difference(first, second, figure) is None, (first, second, figure)


# --- own cases are exact wherever they are shown ---------------------------------------------


def test_a_workers_own_small_figures_are_exact_as_in_their_case_lists(db):
    worker = Scope(role="worker", worker_id="W461-0")
    cases = data.run("select count(*) as n from scoped_cases", scope=worker, filters=PERIOD,
                     level="case")["n"][0]  # fmt: skip
    assert cases == 3
    assert seen(worker, PERIOD, "active") == 3  # not "<5": the worker sees the 3 cases anyway


def test_a_coordinators_own_small_municipality_is_exact_in_the_country_view(db):
    odense = Scope(role="coordinator", municipalities=frozenset({"461"}))
    ranking = caseloads.ranking(odense, PERIOD)
    own_row = ranking.filter(pl.col("municipality_code") == "461")
    workers = caseloads.worker_list(odense, PERIOD)
    assert own_row["active_cases"].to_list() == workers["active_cases"].to_list() == [3]


# --- staff names: only for the coordinators of the worker's own municipality -------------------


def test_a_lent_workers_name_is_not_shown_to_the_borrowing_coordinator(db):
    borrower = Scope(role="coordinator", municipalities=frozenset({"147"}))
    wide = Filters(date(2025, 1, 1), date(2026, 10, 1))
    shown = [
        caseloads.worker_list(borrower, wide),
        fidelity.by_group(borrower, wide, "worker"),
        attention.queue(borrower, wide),
        progression.by_month(borrower, wide, "worker"),
    ]
    text = "\n".join(
        frame.with_columns(pl.col(pl.List(pl.String)).list.join(" "))
        .cast(pl.String, strict=False)
        .write_csv()
        for frame in shown
    )
    text += "\n".join(data.filter_options(borrower).workers.values())
    assert "W219-0" in text  # the case and its worker's id are the borrower's to see
    assert LENT_NAME not in text
    # a coordinator still sees the names of their own municipality's workers
    own = caseloads.worker_list(COORDINATOR, wide)
    assert own["name"].to_list() == ["Medarbejder 101-0"]


def test_national_sees_case_and_worker_ids_but_no_names(db):
    wide = Filters(date(2025, 1, 1), date(2026, 10, 1))
    overdue = attention.queue(Scope.everything(), wide)  # the overdue case is in the queue
    assert "A147-loan" in overdue["case_id"].to_list()
    assert not any(str(w).startswith(da("worker")) for w in overdue["worker"].to_list())
    assert set(data.filter_options(Scope.everything()).workers.values()) >= {"W219-0"}
