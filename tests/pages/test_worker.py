"""The worker page (AppTest): whose page each role may open, the worker's cases, the figures
against the municipality and the country (suppressed where small), and the audit of each view."""

from __future__ import annotations

import json
from functools import partial

import duckdb
import pytest

from privacy import audit
from tests.support.app_fixtures import (
    chart_frames,
    each_tab,
    element_frames,
    everything_shown,
    open_tab,
    page_as,
    signed_in_app,
)
from tests.support.wording import da, da_n, en

worker_as = partial(page_as, "worker")
WORKER = "W101-1"
NOT_FOUND = da("pages.worker.not_found")
TABS = "worker_tabs"
FIDELITY = {TABS: "pages.worker.tabs.fidelity"}
OUTCOMES = {TABS: "pages.worker.tabs.outcomes"}
CASELOAD = {TABS: "pages.worker.tabs.caseload"}


def headers(at) -> list[str]:
    return [h.value for h in at.main.header]


def warnings(at) -> list[str]:
    return [w.body for w in at.warning]


def worker_cases(app_db, worker_id: str, municipality: str | None = None) -> list[str]:
    where = "worker_id = ?" + (" and municipality_code = ?" if municipality else "")
    params = [worker_id, *([municipality] if municipality else [])]
    with duckdb.connect(str(app_db), read_only=True) as con:
        rows = con.execute(f"select case_id from mart.cases where {where}", params).fetchall()  # noqa: S608
    return sorted(r[0] for r in rows)


def test_a_coordinator_sees_their_workers_name_cases_and_figures(app_db):
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"})
    assert not at.exception
    assert headers(at) == [f"Medarbejder 101-1 ({WORKER})"]
    cases = at.dataframe[0].value
    assert sorted(cases[da("pages.worker.case_columns.case_id")]) == worker_cases(app_db, WORKER)
    statuses = cases[da("common.status")].tolist()
    assert statuses == sorted(
        statuses, key=lambda s: s != da("vocabulary.code_labels.status.active")
    )  # active first
    assert {da("pages.worker.case_columns.latest_score"), da("pages.worker.case_columns.tracking"), da("pages.worker.case_columns.days_since_last"),
            da("pages.worker.case_columns.prepost")} <= set(cases.columns)  # fmt: skip
    assert list(at.dataframe[0].proto.selection_mode), "a click on a case row opens the case"


def test_each_tab_runs_its_own_section_only(app_db):
    """The worker's facts stand above the tabs; the case list opens first, and each tab runs
    only its own section: its heading, its charts and its tables."""
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"})
    assert not at.exception
    names = ["cases", "fidelity", "outcomes", "caseload"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.worker.tabs.{n}") for n in names]
    opened = []
    for shown in each_tab(at, TABS):
        assert not shown.exception
        assert headers(shown) == [f"Medarbejder 101-1 ({WORKER})"]  # the facts, on every tab
        assert len(shown.metric) == 3
        opened.append((shown.main.subheader[0].value, len(shown.main.subheader),
                       len(shown.get("vega_lite_chart")), len(shown.dataframe)))  # fmt: skip
    headings = ["the_worker_s_cases", "on_cadence_over_time", "outcomes_over_time",
                "caseload_over_time"]  # fmt: skip
    assert opened == [(da(f"pages.worker.{h}"), 1, charts, tables)
                      for h, charts, tables in zip(headings, [0, 1, 0, 1], [1, 0, 1, 0],
                                                   strict=True)]  # fmt: skip


def test_the_worker_is_compared_with_the_municipality_and_the_country_suppressed(app_db):
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"},
                   tabs=FIDELITY)  # fmt: skip
    fidelity = next(f for f in chart_frames(at) if "share" in f.columns and "unit" in f.columns)
    assert set(fidelity["unit"]) == {
        da("pages.worker.units.worker"),
        da("pages.worker.units.municipality"),
        da("pages.worker.units.country"),
    }
    open_tab(at, TABS, OUTCOMES[TABS])
    outcomes = at.dataframe[0].value
    assert list(outcomes.columns)[1:] == [
        da("pages.worker.units.worker"),
        da("pages.worker.units.municipality"),
        da("pages.worker.units.country"),
    ]
    cells = " ".join(outcomes.iloc[:, 1:].astype(str).values.ravel())
    assert "%" in cells


def active_per_month(app_db, where: str, *params) -> dict:
    """True active cases per month of the fixture (the caseload rule), for `where` on mart.cases."""
    sql = f"""
        select m.month::date, count(*) from mart.cases as c,
            (select unnest(generate_series(date '2025-11-01', date '2026-10-01',
                                           interval 1 month)) as month) as m
        where staging.is_active_between(c.start_date, c.end_date, m.month::date,
                                        last_day(m.month::date)) and {where}
        group by all
    """  # noqa: S608
    with duckdb.connect(str(app_db), read_only=True) as con:
        return {str(m): n for m, n in con.execute(sql, list(params)).fetchall()}


def test_own_cases_are_exact_and_the_country_is_protected(app_db):
    """A coordinator sees the worker's cases one by one, so the worker's months are exact even
    below 5; the country's counts hold cases they cannot see, so they are perturbed (±2)."""
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"},
                   tabs=FIDELITY)  # fmt: skip
    drawn = next(f for f in chart_frames(at) if "unit" in f.columns and "n_cases" in f.columns)
    worker = {str(r["month"])[:10]: r["n_cases"] for r in drawn.iter_rows(named=True)
              if r["unit"] == da("pages.worker.units.worker")}  # fmt: skip
    truth = active_per_month(app_db, "c.worker_id = ? and c.municipality_code = '101'", WORKER)
    assert worker == truth and min(worker.values()) < 5
    country = {str(r["month"])[:10]: r["n_cases"] for r in drawn.iter_rows(named=True)
               if r["unit"] == da("pages.worker.units.country")}  # fmt: skip
    true_country = active_per_month(app_db, "true")
    assert country.keys() == true_country.keys()
    assert all(abs(country[m] - true_country[m]) <= 2 for m in country)


def test_a_coordinator_of_another_municipality_and_an_unknown_id_read_alike(app_db):
    other = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"751"})
    unknown = worker_as(params={"id": "W-nobody"}, role="coordinator", municipalities={"751"})
    for at in (other, unknown):
        assert not at.exception
        assert warnings(at) == [NOT_FOUND]
        assert headers(at) == []
        assert not at.dataframe
    assert WORKER not in everything_shown(other).replace(f"id={WORKER}", "")


def test_a_worker_sees_their_own_page_only(app_db):
    own = worker_as(params={"id": WORKER}, role="worker", worker_id=WORKER, tabs=FIDELITY)
    assert not own.exception
    assert headers(own) == [f"Medarbejder 101-1 ({WORKER})"]
    fidelity = next(f for f in chart_frames(own) if "unit" in f.columns)
    assert set(fidelity["unit"]) == {
        da("pages.worker.units.worker")
    }  # a worker counts only their own cases
    colleague = worker_as(params={"id": "W101-2"}, role="worker", worker_id=WORKER)
    assert warnings(colleague) == [NOT_FOUND]
    assert "Medarbejder 101-2" not in everything_shown(colleague)


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"role": "coordinator",
                                   "municipalities": {"101"}, "presentation": True}])  # fmt: skip
def test_aggregate_viewers_see_no_worker(app_db, scope):
    at = worker_as(params={"id": WORKER}, **scope)
    assert not at.exception
    assert any(da("not_allowed") in i.body for i in at.info)
    assert WORKER not in everything_shown(at)


def test_a_worker_without_an_id_opens_their_own_page(app_db):
    at = worker_as(role="worker", worker_id=WORKER)
    assert not at.exception
    assert headers(at) == [f"Medarbejder 101-1 ({WORKER})"]
    assert not any(da("pages.worker.ask") in i.body for i in at.info)
    assert at.query_params["id"] == WORKER  # the URL names the page shown, as a search does


def test_without_an_id_the_page_asks_for_one(app_db):
    at = worker_as(role="national")
    assert not at.exception
    assert any(da("pages.worker.ask") in i.body for i in at.info)
    at.text_input(key="worker_search").input(WORKER).run()
    assert headers(at) == [f"{da('pages.worker.name_not_shown')} ({WORKER})"]


def test_each_view_of_a_worker_page_is_audited_with_the_id(app_db):
    at = signed_in_app("coordinator", municipalities=("101",), name="anna-audit-worker")
    at.query_params["id"] = WORKER
    at.run()
    at.switch_page("../pages/worker.py").run()
    assert not at.exception
    rows = audit.read_events(event="page_view", user="anna-audit-worker", db=app_db)
    views = [json.loads(d) for d in rows["detail"]]
    assert any(v["page"] == "worker" and v["filters"]["worker_id"] == WORKER for v in views)


def test_a_worker_s_own_page_opened_without_an_id_is_audited_with_theirs(app_db):
    at = signed_in_app("worker", worker_id=WORKER, name="wanda-own-page")
    at.run()
    at.switch_page("../pages/worker.py").run()
    assert not at.exception
    rows = audit.read_events(event="page_view", user="wanda-own-page", db=app_db)
    views = [json.loads(d) for d in rows["detail"] if json.loads(d)["page"] == "worker"]
    assert views and all(v["filters"]["worker_id"] == WORKER for v in views)


def _grid(at, key: str):
    found = [d for d in at.dataframe if d.proto.id.endswith(f"-{key}")]
    assert found, f"no table {key!r} on the page"
    return found[0]


def test_worker_lists_and_the_queue_open_a_page_on_a_click_and_other_tables_do_not(app_db):
    caseloads = page_as("caseloads", filters={}, role="coordinator", municipalities={"101"},
                        tabs={"cl_tabs": "pages.caseloads.tabs.workers"})  # fmt: skip
    assert list(_grid(caseloads, "cl_workers").proto.selection_mode)
    assert list(_grid(caseloads, "cl_top_workers").proto.selection_mode)
    attention = page_as("attention", filters={}, role="coordinator", municipalities={"101"})
    assert list(_grid(attention, "attention_queue").proto.selection_mode)
    worker = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"},
                       tabs=OUTCOMES)  # fmt: skip
    outcomes = worker.dataframe[0]  # figures by year: no record to open
    assert da("pages.worker.year_the_case_s_end") in outcomes.value.columns
    assert not list(outcomes.proto.selection_mode)


def test_the_worker_page_in_english(app_db):
    at = worker_as(params={"id": WORKER}, lang="en", role="coordinator", municipalities={"101"})
    assert not at.exception
    assert at.tabs[0].label == en("pages.worker.tabs.cases")
    assert [s.value for s in at.main.subheader] == [en("pages.worker.the_worker_s_cases")]
    assert (
        en("vocabulary.code_labels.status.active")
        in at.dataframe[0].value[en("common.status")].tolist()
    )


def test_the_case_list_counts_its_cases_in_danish_plural_forms(app_db):
    """'1 aktive og 9 afsluttede forløb' was said of a worker with one active case: each count
    takes its own form ('1 aktivt', '1 afsluttet forløb')."""
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"})
    assert not at.exception
    with duckdb.connect(str(app_db), read_only=True) as con:
        active, ended = con.execute(
            "select count(*) filter (where status = 'active'), count(*) filter (where status "
            "<> 'active') from mart.cases where worker_id = ?", [WORKER]
        ).fetchall()[0]  # fmt: skip
    said = da("pages.worker.a_active_and_c_ended",
              active=da_n("pages.worker.n_active", active),
              ended=da_n("pages.worker.n_ended_cases", ended))  # fmt: skip
    assert any(c.value.startswith(said) for c in at.caption), [c.value for c in at.caption]
    assert da_n("pages.worker.n_active", 1) == "1 aktivt"
    assert da_n("pages.worker.n_ended_cases", 1) == "1 afsluttet forløb"
    card = next(m for m in at.metric if m.label == da("common.active_cases"))
    assert card.help == da("pages.worker.active_now_help")  # active now, not in the period


def test_the_caseload_over_time_spans_the_chosen_period(app_db):
    """The caseload chart drew the last 24 months whatever period the sidebar chose: it draws
    the period's months, on an axis from its first month to the end of its last."""
    at = worker_as(params={"id": WORKER}, role="coordinator", municipalities={"101"},
                   tabs=CASELOAD)  # fmt: skip
    assert not at.exception
    caseload = next(element for element in at.get("vega_lite_chart")
                    if any("measure" in f.columns for f in element_frames(element)))  # fmt: skip
    spec = json.loads(caseload.proto.spec)
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2025-11-01", "2026-10-31"]
    months = sorted({str(m)[:10] for f in element_frames(caseload) for m in f["month"]})
    assert months[0] == "2025-11-01" and months[-1] == "2026-10-01" and len(months) == 12


def _colours(at, field: str) -> dict[str, str]:
    """Colour by value of the chart whose colour channel is `field`."""
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        for layer in [spec, *spec.get("layer", [])]:
            colour = layer.get("encoding", {}).get("color", {})
            if colour.get("field") == field:
                scale = colour["scale"]
                return dict(zip(scale["domain"], scale["range"], strict=True))
    raise AssertionError(f"no chart coloured by {field}")


def test_the_worker_s_line_has_one_colour_in_both_languages(app_db):
    """Vega orders a legend's words alphabetically: the worker's line was green in Danish
    ('Medarbejderen' third), and the municipality's blue in English; now the lines take
    colours in the frame's order, the worker first, in every language."""
    opened = partial(worker_as, params={"id": WORKER}, role="coordinator",
                     municipalities={"101"}, tabs=FIDELITY)  # fmt: skip
    shown = {lang: _colours(opened(lang=lang), "unit") for lang in ("da", "en")}
    for unit in ("worker", "municipality", "country"):
        key = f"pages.worker.units.{unit}"
        assert shown["da"][da(key)] == shown["en"][en(key)], unit
    assert list(shown["da"])[0] == da("pages.worker.units.worker")
