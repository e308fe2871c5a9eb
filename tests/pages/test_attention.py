"""The attention page (AppTest): the queue of mart.attention with reasons in words, per role."""

from __future__ import annotations

import re
from functools import partial

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from app.i18n import fmt_int
from app.page_charts import attention as ac
from tests.support.app_fixtures import (
    chart_caption,
    chart_frames,
    everything_shown,
    fixture_rows,
    n_count,
    page_as,
    through_router,
)
from tests.support.wording import da, da_pattern, en, en_start

attention_as = partial(page_as, "attention", filters={})
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")


def attention_rows(app_db, where: str = "true") -> pl.DataFrame:
    with duckdb.connect(str(app_db), read_only=True) as con:
        return pl.from_arrow(
            con.sql(f"select * from mart.attention where priority < 3 and {where}").arrow()  # noqa: S608
        )


def queue(at: AppTest):
    return at.dataframe[0].value


def test_the_queue_lists_cases_needing_attention_priority_first(app_db):
    at = through_router("attention")
    assert not at.exception
    assert at.title[0].value == da("page_attention")
    shown = queue(at)
    expected = attention_rows(app_db)
    assert sorted(shown[da("pages.attention.queue_columns.case_id")]) == sorted(expected["case_id"])
    order = expected.sort(["priority", "days_since_last", "case_id"],
                          descending=[False, True, False], nulls_last=True)  # fmt: skip
    assert (
        shown[da("pages.attention.queue_columns.case_id")].to_list() == order["case_id"].to_list()
    )
    assert shown[da("pages.attention.queue_columns.why")].str.len().min() > 0


def test_each_row_says_why_in_words(app_db):
    shown = queue(attention_as()).set_index(da("pages.attention.queue_columns.case_id"))
    rows = attention_rows(app_db).to_dicts()
    overdue = next(r for r in rows if r["reasons"][0] == "overdue")
    days = fmt_int(overdue["days_since_last"], "da")
    assert (
        da("page_charts.attention.sentences.overdue", days=days)
        in (shown.loc[overdue["case_id"], da("pages.attention.queue_columns.why")])
    )
    no_score = next(r for r in rows if "no_score" in r["reasons"])
    assert (
        da("page_charts.attention.reason_names.no_score").lower()  # after a ';' without its capital
        in shown.loc[no_score["case_id"], da("pages.attention.queue_columns.why")].lower()
    )
    missing = next(r for r in rows if "missing_pre" in r["reasons"])
    assert (
        da("page_charts.attention.sentences.missing_pre").lower()  # after a ';' without its capital
        in shown.loc[missing["case_id"], da("pages.attention.queue_columns.why")].lower()
    )
    below = next(r for r in rows if "below_expected" in r["reasons"])
    expected = da_pattern(
        "page_charts.attention.expected", what=da(ac.REASON_NAMES["below_expected"]).lower()
    )
    why = shown.loc[below["case_id"], da("pages.attention.queue_columns.why")]
    assert expected.search(why[:1].lower() + why[1:])


def test_reason_sentences_fill_in_the_numbers():
    row = {"reasons": ["off_track", "dropped", "overdue"], "latest_score": 2, "previous_score": 5,
           "expected_p50": 6.0, "month": 5, "days_since_last": 74}  # fmt: skip
    assert ac.why(row, "da") == (
        "Langt under forventet: 2 mod typisk 6 efter 5 måneder; "
        "scoren er faldet 3 point siden sidst; ingen måling i 74 dage"
    )
    assert ac.why({"reasons": ["no_score", "missing_pre"]}, "en").endswith(
        "; the pre measurement is missing"
    )
    row |= {"reasons": ["below_expected"], "latest_score": 4, "expected_p50": 5.5, "month": 1}
    assert ac.why(row, "da") == "Under forventet: 4 mod typisk 5,5 efter 1 måned"
    assert ac.why(row, "en") == "Below expected: 4 against typically 5.5 after 1 month"
    assert ac.why({"reasons": ["no_score", "missing_pre"]}, "da") == (
        "Ingen progressionsmåling endnu; mangler førmåling"
    )


def test_a_coordinator_sees_only_their_own_municipalitys_queue(app_db):
    at = attention_as(role="coordinator", municipalities={"751"})
    assert not at.exception
    shown = queue(at)
    assert sorted(shown[da("pages.attention.queue_columns.case_id")]) == sorted(
        attention_rows(app_db, "municipality_code = '751'")["case_id"]
    )
    assert not re.search(r"C101-", everything_shown(at))


def test_a_worker_sees_only_their_own_cases(app_db):
    at = attention_as(role="worker", worker_id="W101-1")
    assert not at.exception
    own = {c["case_id"] for c in fixture_rows()["cases"] if c["worker_id"] == "W101-1"}
    shown = set(queue(at)[da("pages.attention.queue_columns.case_id")])
    assert shown and shown <= own


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"presentation": True}])
def test_aggregate_viewers_see_counts_per_reason_only(app_db, scope):
    at = attention_as(**scope)
    assert not at.exception
    assert not at.dataframe
    assert any(da("components.the_list_of_single_cases") in info.value for info in at.info)
    assert not CASE_ID.search(everything_shown(at))
    counts = chart_frames(at)[0]
    assert counts["reason"].to_list() == list(ac.REASON_NAMES)
    expected = attention_rows(app_db).explode("reasons")["reasons"].value_counts()
    expected = dict(expected.rows())
    for row in counts.iter_rows(named=True):
        true = expected.get(row["reason"], 0)
        if 0 < true < 5:
            assert row["n_cases"] is None and row["suppressed"], row
        elif true == 0:
            assert row["n_cases"] == 0, row
        else:  # published: the cell-key noise of every published count (docs/suppression.md)
            assert row["n_cases"] >= 5 and abs(row["n_cases"] - true) <= 2, row
    # the n under the bars is the cases with any reason, published as one count: never '<5'
    # (it was, for every aggregate viewer), within the noise of the true count
    counted = n_count(chart_caption(at, "pages.attention.each_bar_counts_the_active"))
    n = int(counted.replace(".", ""))
    assert abs(n - attention_rows(app_db).height) <= 2


def test_english_switch_translates_the_page(app_db):
    at = attention_as(lang="en")
    assert not at.exception
    assert at.title[0].value == en("page_attention")
    assert en("pages.attention.queue_columns.why") in queue(at).columns
    assert any(
        why.startswith(en_start("page_charts.attention.sentences.overdue"))
        for why in queue(at)[en("pages.attention.queue_columns.why")]
    )


def test_filters_matching_nothing_leave_an_empty_queue_with_a_sentence(app_db):
    at = attention_as(filters={"municipalities": ("nowhere",)})
    assert not at.exception
    assert any(da("pages.attention.nothing") in i.value for i in at.info)
    assert not at.get("vega_lite_chart") and not at.dataframe
    at = attention_as(role="viewer", filters={"municipalities": ("nowhere",)})
    assert any(da("pages.attention.nothing") in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_the_why_column_is_given_room(app_db):
    """Two reasons in one row were cut ('...; Under forventet: 4 m…') in the default width:
    they wrap to a second line now, in rows two lines high (Streamlit wraps only rows over
    64 px), so the queue fits 1280 px without sideways scrolling."""
    import json

    from app import components

    at = attention_as()
    config = json.loads(at.dataframe[0].proto.columns)
    why = da("pages.attention.queue_columns.why")
    assert config[why]["width"] >= 280
    assert at.dataframe[0].proto.row_height == components.WRAPPED_ROW_HEIGHT > 64
    # at 1920 px the reasons wrapped while a score column stood 170 px wide: the reasons are
    # the last column and the only one that takes the spare width (the others pinned)
    assert list(at.dataframe[0].value.columns)[-1] == why
    unpinned = [name for name in at.dataframe[0].value.columns if not config[name].get("pinned")]
    assert unpinned == [why]
