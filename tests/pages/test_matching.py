"""Matching insights: outcomes and fidelity by same/different gender and age-gap band, counted
from mart.case_matching, suppressed for every role."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from app.queries import matching as q
from app.scope import Scope
from tests.support.app_fixtures import PERIOD, everything_shown, page_as
from tests.support.wording import da, en

COORDINATOR = Scope(role="coordinator", municipalities=frozenset({"101"}))


def _expected_gender_groups(db) -> dict[str, int]:
    """Same/different gender of cases active in the period, counted here from the raw rows."""
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql(
        "select c.gender, w.gender from raw.cases as c left join raw.workers as w "
        "on w.worker_id = c.worker_id where c.start_date <= $end "
        "and (c.end_date is null or c.end_date >= $start)",
        params={"start": PERIOD.period_start, "end": PERIOD.period_end},
    ).fetchall()
    con.close()
    counts: dict[str, int] = {}
    for citizen, worker in rows:
        group = "unknown" if not citizen or not worker else (
            "same" if citizen == worker else "different")  # fmt: skip
        counts[group] = counts.get(group, 0) + 1
    return counts


def test_gender_groups_count_the_cases_active_in_the_period(app_db):
    frame = q.by_match(Scope.everything(), PERIOD, "gender_match")
    groups = dict(
        frame.filter(pl.col("group_value") != "all").select("group_value", "cases").rows()
    )
    assert groups == _expected_gender_groups(app_db)
    assert frame.filter(pl.col("group_value") == "all")["cases"][0] == sum(groups.values())


def test_shares_are_numerator_over_count_and_age_bands_come_in_order(app_db):
    frame = q.by_match(Scope.everything(), PERIOD, "age_gap_band")
    assert frame["group_value"].to_list()[-1] == "all"
    bands = [v for v in frame["group_value"] if v != "all"]
    assert bands == [b for b in q.GROUP_ORDER["age_gap_band"] if b in bands]
    shown = frame.filter(~pl.col("fidelity_suppressed"))
    assert (
        shown["on_cadence_share"] - shown["on_cadence"] / shown["fidelity_cases"]
    ).abs().max() < 1e-9


@pytest.mark.parametrize(
    "scope", [Scope.everything(), Scope(role="viewer"), COORDINATOR], ids=lambda s: s.role
)
def test_small_groups_and_their_complements_are_hidden_for_every_role(app_db, scope):
    frame = q.by_match(scope, PERIOD, "age_gap_band")
    by_band = {r["group_value"]: r for r in frame.to_dicts()}
    # the 30+ group has 1-4 cases with a pre and post: hidden, and one other band with it
    assert by_band["30+"]["who5_suppressed_by"] == "small"
    assert by_band["30+"]["who5_cases"] is None and by_band["30+"]["who5_median_change"] is None
    assert by_band["30+"]["who5_improved_share"] is None
    assert sum(r["who5_suppressed"] for r in by_band.values() if r["group_value"] != "all") >= 2


def test_a_coordinator_s_own_municipality_is_exact(app_db):
    own = PERIOD.__class__(PERIOD.from_month, PERIOD.to_month, municipalities=("101",))
    frame = q.by_match(COORDINATOR, own, "gender_match")
    national = q.by_match(Scope.everything(), own, "gender_match")
    assert frame["cases"].to_list() == national["cases"].to_list()
    assert not frame["cases_suppressed"].any()


def test_a_worker_counts_only_their_own_cases_exactly(app_db):
    worker = q.by_match(Scope(role="worker", worker_id="W101-1"), PERIOD, "gender_match")
    con = duckdb.connect(str(app_db), read_only=True)
    ((own,),) = con.sql(
        "select count(*) from raw.cases where worker_id = 'W101-1' and start_date <= $end "
        "and (end_date is null or end_date >= $start)",
        params={"start": PERIOD.period_start, "end": PERIOD.period_end},
    ).fetchall()
    con.close()
    assert worker.filter(pl.col("group_value") == "all")["cases"][0] == own
    assert not worker["cases_suppressed"].any()  # a worker's own cases are exact, 1-4 too
    assert 0 < min(worker["cases"]) < 5


def test_unknown_match_is_refused():
    with pytest.raises(ValueError, match="unknown match"):
        q.by_match(Scope.everything(), PERIOD, "shoe_size")


@pytest.mark.parametrize(
    ("role", "scope"),
    [("national", {}), ("coordinator", {"municipalities": ("101",)}), ("viewer", {}),
     ("worker", {"worker_id": "W101-1"})],
)  # fmt: skip
def test_page_opens_for_every_role_without_ids_or_names(app_db, role, scope):
    at = page_as("matching", role=role, **scope)
    assert not at.exception
    assert at.title[0].value == da("page_matching")
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert list(table[da("common.label")]) == [
        da("vocabulary.code_labels.gender_match.same"),
        da("vocabulary.code_labels.gender_match.different"),
        da("all"),
    ]
    text = everything_shown(at)
    for leak in ("Medarbejder ", "C101-", "C751-", "S461-", "citizen-"):
        assert leak not in text


def test_age_gap_view_shows_hidden_groups_as_below_five(app_db):
    at = page_as("matching", role="viewer")
    at.segmented_control(key="mt_by").set_value("age_gap_band").run()
    assert not at.exception
    table = at.dataframe[0].value
    row = table[table["Gruppe"] == "30+"].iloc[0]
    assert row["WHO-5 forbedret"] == "<5"
    assert "Hele landet" in " ".join(c.value for c in at.caption)


def test_english_switch_changes_the_title(app_db):
    at = page_as("matching", lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_matching")


def test_each_measure_says_its_own_population(app_db):
    """The caption's n is the whole group, but the WHO-5 bars rest on the cases measured before
    and after, and the cadence share on those with a period to measure: each says its own n."""
    at = page_as("matching", role="national")
    total = q.by_match(Scope(role="national"), PERIOD, "gender_match").filter(
        pl.col("group_value") == "all").to_dicts()[0]  # fmt: skip
    assert total["who5_cases"] < total["cases"]  # the two populations differ here
    from app.components import n_text

    caption = next(
        c.value for c in at.caption if da("pages.matching.for_each_group_the_share") in c.value
    )
    assert da("pages.matching.n_per_measure", who5=n_text(total["who5_cases"], language="da"),
              fidelity=n_text(total["fidelity_cases"], language="da")) in caption  # fmt: skip
