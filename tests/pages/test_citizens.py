"""Who are our citizens: cases per quarter by age band, gender, case type, referral source and
end reason, for the viewer's scope (named on screen), suppressed."""

from __future__ import annotations

import dataclasses

import duckdb
import polars as pl
import pytest

from app.queries import citizens as q
from app.scope import Scope
from tests.support.app_fixtures import PERIOD, everything_shown, page_as
from tests.support.wording import da, en

COORDINATOR = Scope(role="coordinator", municipalities=frozenset({"101"}))
OWN = dataclasses.replace(PERIOD, municipalities=("101",))


def _raw_counts(db, column: str, on: str, municipality: str | None = None) -> dict:
    """(quarter, value) -> cases, counted here from the raw rows."""
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql(
        f"select date_trunc('quarter', {on})::date, {column}, count(*) from raw.cases "  # noqa: S608
        f"where {on} between $start and $end and ($muni::varchar is null "
        "or municipality_code = $muni) group by all",
        params={"start": PERIOD.period_start, "end": PERIOD.period_end, "muni": municipality},
    ).fetchall()
    con.close()
    return {(quarter, value): n for quarter, value, n in rows}


@pytest.mark.parametrize(
    ("dimension", "on"), [("case_type", "start_date"), ("end_reason", "end_date")]
)
def test_own_municipality_counts_per_quarter_are_the_raw_counts(app_db, dimension, on):
    frame = q.distribution(COORDINATOR, OWN, dimension).filter(pl.col("quarter").is_not_null())
    got = {(r["quarter"], r["group_value"]): r["cases"] for r in frame.to_dicts()}
    assert got == _raw_counts(app_db, dimension, on, "101")
    assert not frame["suppressed"].any()  # the coordinator's own municipality: exact


def test_the_n_is_every_case_of_the_period(app_db):
    frame = q.distribution(Scope.everything(), PERIOD, "gender")
    total = frame.filter(pl.col("group_value") == "all")["cases"][0]
    assert total == sum(_raw_counts(app_db, "gender", "start_date").values())


@pytest.mark.parametrize("scope", [Scope.everything(), Scope(role="viewer")], ids=lambda s: s.role)
def test_small_cells_and_a_complement_per_quarter_are_hidden(app_db, scope):
    frame = q.distribution(scope, PERIOD, "age_band").filter(pl.col("quarter").is_not_null())
    shown = frame.filter(~pl.col("suppressed"))
    assert shown.filter((pl.col("cases") > 0) & (pl.col("cases") < 5)).is_empty()
    hidden_per_quarter = frame.group_by("quarter").agg(pl.col("suppressed").sum())["suppressed"]
    assert 1 not in hidden_per_quarter.to_list()  # never one alone: it would be the difference
    assert frame["suppressed"].any()


def test_unknown_dimension_is_refused():
    with pytest.raises(ValueError, match="unknown dimension"):
        q.distribution(Scope.everything(), PERIOD, "shoe_size")


@pytest.mark.parametrize(
    ("role", "scope", "label"),
    [("national", {}, da("population_country")), ("coordinator", {"municipalities": ("101",)}, "København"),
     ("viewer", {}, da("population_country")), ("worker", {"worker_id": "W101-1"}, da("population_own_cases"))],
)  # fmt: skip
def test_page_names_its_scope_and_shows_no_ids_for_every_role(app_db, role, scope, label):
    at = page_as("citizens", role=role, **scope)
    assert not at.exception
    assert at.title[0].value == da("page_citizens")
    assert any(label in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 1
    text = everything_shown(at)
    for leak in ("Medarbejder ", "C101-", "C751-", "S461-", "citizen-"):
        assert leak not in text


def test_a_coordinator_filtered_to_own_municipality_sees_it_named_and_exact(app_db):
    at = page_as("citizens", role="coordinator", municipalities=("101",),
                 filters={"municipalities": ("101",)})  # fmt: skip
    at.selectbox(key="ct_dimension").set_value("referred_by").run()
    assert not at.exception
    assert any("København" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table[da("common.label")]) == [da("vocabulary.code_labels.referred_by.jobcenter")]
    assert "<5" not in table.to_csv()


def test_every_dimension_renders_with_labels(app_db):
    at = page_as("citizens", role="viewer")
    for dimension in q.DIMENSIONS:
        at.selectbox(key="ct_dimension").set_value(dimension).run()
        assert not at.exception, dimension
    assert list(at.dataframe[0].value[da("common.label")]) == [da("common.goals")]


def test_english_switch_changes_the_title_and_quarters(app_db):
    at = page_as("citizens", lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_citizens")
    assert any(c.startswith("2026 Q") for c in at.dataframe[0].value.columns)


def test_the_chart_and_table_span_every_quarter_of_the_period(app_db):
    """A worker with one new case in the period saw one quarter, its bar as wide as the page:
    the chart's x axis and the table's columns are the period's quarters, empty ones too."""
    import json

    at = page_as("citizens", role="worker", worker_id="W101-1")
    assert not at.exception
    quarters = ["2025 K4", "2026 K1", "2026 K2", "2026 K3", "2026 K4"]  # nov. 2025 - okt. 2026
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["x"]["scale"]["domain"] == quarters
    assert list(at.dataframe[0].value.columns)[1:] == quarters
