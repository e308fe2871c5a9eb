"""Find a worker: the right role, gender, language and free places; names only in the own
municipality, elsewhere ids and aggregates; nothing for a worker; counts only for a viewer."""

from __future__ import annotations

import re

import polars as pl
import pytest

from app.queries import find_worker as q
from app.scope import Scope
from tests.support.app_fixtures import each_tab, everything_shown, open_tab, page_as
from tests.support.wording import da, en

COORDINATOR = Scope(role="coordinator", municipalities=frozenset({"101"}))
OTHER_NAMES = ("Medarbejder 751", "Medarbejder 461", "Medarbejder 851")
TABS = "fw_tabs"


def test_coordinator_sees_own_workers_by_name_and_others_by_id_only(app_db):
    at = page_as("find_worker", role="coordinator", municipalities=("101",))
    assert not at.exception
    assert at.title[0].value == da("page_find_worker")
    own, corps = (frame.value for frame in at.dataframe)
    assert "Medarbejder 101-0" in set(own["Navn"])
    # one municipality of their own: named by the caption, not in a column of one value
    assert "Kommune" not in own.columns
    assert any("medarbejdere. · København" in c.value for c in at.caption)
    assert "Navn" not in corps.columns and set(corps["Kommune"]) == {"Aarhus", "Odense", "Aalborg"}
    # at home the age and the caseload; the free places tell whether there is one
    assert all(re.fullmatch(r"\d{2}", age) for age in own["Alder"])
    assert {"Forløb", "Ledige"} <= set(own.columns) and "Ledig plads" not in own.columns
    # a colleague elsewhere: age band, not age; whether there is a free place, not the caseload
    assert all(re.fullmatch(r"\d0-\d9", band) for band in corps["Alder"])
    assert {"Forløb", "Ledige"}.isdisjoint(corps.columns) and "Ledig plads" in corps.columns
    text = everything_shown(at)
    assert not [name for name in OTHER_NAMES if name in text]
    assert "W751-0" in text
    open_tab(at, TABS, "pages.find_worker.tabs.municipalities")
    (summary,) = (frame.value for frame in at.dataframe)
    assert set(summary[da("municipality")]) == {"København", "Aarhus", "Odense", "Aalborg"}
    assert not [name for name in OTHER_NAMES if name in everything_shown(at)]


def test_each_tab_runs_its_own_section_only_below_the_choice(app_db):
    """The coordinator's wishes stand above the tabs and the suppression note below them; the
    lists to match from open first, the free places per municipality are the second tab."""
    at = page_as("find_worker", role="coordinator", municipalities=("101",))
    assert not at.exception
    names = ["workers", "municipalities"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.find_worker.tabs.{n}") for n in names]
    opened = []
    for shown in each_tab(at, TABS):
        assert not shown.exception
        assert shown.selectbox(key="fw_role") and shown.number_input(key="fw_capacity")
        opened.append(([s.value for s in shown.subheader], len(shown.get("vega_lite_chart")),
                       len(shown.dataframe)))  # fmt: skip
    assert opened == [
        ([da("pages.find_worker.in_your_municipality"),
          da("pages.find_worker.other_municipalities_in_the_corps")], 0, 2),
        ([da("pages.find_worker.free_places_per_municipality")], 1, 1),
    ]  # fmt: skip


def test_national_sees_every_worker_by_id_and_no_names(app_db):
    at = page_as("find_worker", role="national")
    assert not at.exception
    corps = at.dataframe[0].value
    assert {"W101-0", "W751-0", "W461-0", "W851-0"} <= set(corps["Id"])
    assert "Navn" not in corps.columns and "Forløb" in corps.columns
    assert "Medarbejder " not in everything_shown(at)


@pytest.mark.parametrize("presentation_role", ["viewer", "coordinator"])
def test_aggregate_viewers_see_counts_per_municipality_only(app_db, presentation_role):
    at = page_as("find_worker", role=presentation_role, presentation=True,
                 municipalities=("101",) if presentation_role == "coordinator" else ())  # fmt: skip
    assert not at.exception
    text = everything_shown(at)
    for leak in ("Medarbejder 101", "W101-", "W751-", "W461-"):
        assert leak not in text
    (summary,) = (frame.value for frame in at.dataframe)
    assert set(summary[da("municipality")]) == {"København", "Aarhus", "Odense", "Aalborg"}


def test_a_worker_may_not_browse_colleagues(app_db):
    at = page_as("find_worker", role="worker", worker_id="W101-1")
    assert not at.exception
    assert any(da("not_allowed") in i.body for i in at.info)
    assert "W751-" not in everything_shown(at) and not at.dataframe
    with pytest.raises(PermissionError):
        q.workers(Scope(role="worker", worker_id="W101-1"), q.Choice())
    with pytest.raises(PermissionError):
        q.workers(Scope(role="viewer"), q.Choice())


def test_the_page_is_not_in_a_workers_navigation():
    from app import streamlit_app

    def paths(scope: Scope) -> set[str]:
        return {url for _file, _key, url in streamlit_app.listed_pages(scope)}

    assert "find-worker" in paths(COORDINATOR) and "find-worker" in paths(Scope(role="viewer"))
    assert "find-worker" not in paths(Scope(role="worker", worker_id="W101-1"))


def test_role_gender_and_language_filters_choose_the_workers(app_db):
    national = Scope.everything()
    turkish = q.workers(national, q.Choice(language="Tyrkisk ", min_capacity=0))
    assert set(turkish["worker_id"]) == {"W101-3", "W751-3"}
    coaches = q.workers(national, q.Choice(role="parent_coach", min_capacity=0))
    assert set(coaches["worker_id"]) == {"W101-4", "W101-5", "W751-4", "W751-5"}
    women = q.workers(national, q.Choice(genders=("female",), min_capacity=0))
    assert set(women["gender"]) == {"female"} and women.height == 6
    assert "tyrkisk" in q.languages(national)
    at = page_as("find_worker", role="national")
    at.selectbox(key="fw_language").set_value("somali").run()
    at.selectbox(key="fw_role").set_value("parent_coach").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Id"]) == {"W101-5", "W751-5"}


def test_free_places_filter_is_exact_at_home_and_yes_no_elsewhere(app_db):
    own = q.workers(COORDINATOR, q.Choice(min_capacity=11)).filter(pl.col("is_own"))
    assert own["worker_id"].to_list() == ["W101-1"]  # 12 free places; the others 9-10
    # elsewhere a threshold would tell a caseload by bisection: any threshold = "has a place"
    elsewhere = [
        set(q.workers(COORDINATOR, q.Choice(min_capacity=k)).filter(~pl.col("is_own"))["worker_id"])
        for k in (1, 14, 15)
    ]
    assert elsewhere[0] == elsewhere[1] == elsewhere[2] and "W751-3" in elsewhere[0]
    others = q.workers(COORDINATOR, q.Choice()).filter(~pl.col("is_own"))
    assert others["active_cases"].null_count() == others["capacity"].null_count() == others.height
    assert others["name"].null_count() == others.height


def test_a_small_caseload_elsewhere_is_hidden_in_the_counts(app_db):
    turkish = q.Choice(language="tyrkisk", min_capacity=0)
    for viewer in (Scope(role="viewer"), COORDINATOR, Scope.everything()):
        aarhus = q.by_municipality(viewer, turkish).filter(pl.col("municipality_code") == "751")
        assert aarhus["suppressed"].to_list() == [True], viewer.role  # W751-3 has 1 active case
        assert aarhus["active_cases"].to_list() == [None] and aarhus["capacity"].to_list() == [None]
    home = Scope(role="coordinator", municipalities=frozenset({"751"}))
    aarhus = q.by_municipality(home, turkish).filter(pl.col("municipality_code") == "751")
    assert aarhus["active_cases"].to_list() == [1]  # their own: exact
    at = page_as("find_worker", role="viewer")
    at.selectbox(key="fw_language").set_value("tyrkisk").run()
    at.number_input(key="fw_capacity").set_value(0).run()
    assert not at.exception
    summary = at.dataframe[0].value
    row = summary[summary[da("municipality")] == "Aarhus"].iloc[0]
    # the count is small; the free places beside it (15 a worker, minus it) are not: 'skjult'
    assert row[da("pages.find_worker.columns.active_cases")] == "<5"
    assert row[da("pages.find_worker.columns.capacity")] == da("hidden")


def test_english_switch_changes_the_title(app_db):
    at = page_as("find_worker", lang="en", role="coordinator", municipalities=("101",))
    assert not at.exception
    assert at.title[0].value == en("page_find_worker")
    assert en("pages.find_worker.in_your_municipality") in [s.value for s in at.subheader]


def test_an_english_reader_reads_the_workers_languages_in_english(app_db):
    """The platform names a worker's languages in Danish ('dansk, tyrkisk'): an English reader
    read them so in the lists and the language filter; CLDR names them in the reader's language."""
    at = page_as("find_worker", lang="en", role="national")
    assert not at.exception
    shown = set(at.dataframe[0].value[en("pages.find_worker.columns.languages")])
    assert any("Turkish" in languages for languages in shown)
    assert not [languages for languages in shown if re.search(r"dansk|tyrkisk|somali\b", languages)]
    options = at.selectbox(key="fw_language").options
    assert "Turkish" in options and "tyrkisk" not in options
    danish = page_as("find_worker", role="national")
    assert "tyrkisk" in danish.selectbox(key="fw_language").options
