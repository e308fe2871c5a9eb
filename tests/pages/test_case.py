"""The case page (AppTest): one case per role, unknown and out-of-scope ids alike, the search
box, the audit of each view with the case id, and the handover summary as an audited download."""

from __future__ import annotations

import io
import json
import re
from functools import partial

import duckdb
import pypdf
import pytest

from app import components
from app.i18n import fmt_int, fmt_number
from privacy import audit
from tests.support.app_fixtures import (
    chart_caption,
    chart_frames,
    each_tab,
    everything_shown,
    page_as,
    signed_in_app,
)
from tests.support.wording import da, en

case_as = partial(page_as, "case")
ACTIVE = "C101-053"  # active, off track and dropped, worker W101-1 (København)
GAPPED = "C101-058"  # active, a 90-day gap between scores
CLOSED = "C101-002"  # closed with WHO-5 and GSE before and after, worker W101-1
NOT_FOUND = da("pages.case.not_found")
CASE_ID = re.compile(r"\b[CS](101|751|461|851)-\w+")
TABS = "case_tabs"
PREPOST = {TABS: "pages.case.tabs.prepost"}
FIDELITY = {TABS: "pages.case.tabs.fidelity"}


def headers(at) -> list[str]:
    return [h.value for h in at.main.header]


def warnings(at) -> list[str]:
    return [w.body for w in at.warning]


def fact(at, label: str) -> str:
    found = [m.value for m in at.markdown if m.value.startswith(f"**{label}:**")]
    assert found, f"no fact {label!r} on the page"
    return found[0].split(":** ", 1)[1]


def one(app_db, sql: str, *params) -> tuple:
    with duckdb.connect(str(app_db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def test_a_coordinator_sees_their_case_with_facts_reasons_chart_and_prepost(app_db):
    at = case_as(params={"id": ACTIVE}, role="coordinator", municipalities={"101"})
    assert not at.exception
    assert headers(at) == [da("pages.case.case_id", id=ACTIVE)]
    assert fact(at, da("municipality")) == "København"
    assert fact(at, da("worker")) == "Medarbejder 101-1 (W101-1)"  # own municipality: a name
    assert fact(at, da("common.status")) == da("vocabulary.code_labels.status.active")
    assert fact(at, da("common.referred_by")) == da("vocabulary.code_labels.referred_by.jobcenter")
    reasons = " ".join(warnings(at))
    assert (
        da("reports.handover.words.attention") in reasons
        and da("pages.case.tracking.off_track") in reasons
    )
    scores = one(app_db, "select count(*) from mart.progression where case_id = ?", ACTIVE)[0]
    points = next(f for f in chart_frames(at) if "tracking_label" in f.columns)
    assert points.height == scores
    assert set(points["tracking"]) <= {"start", "on_track", "below_expected", "off_track",
                                       "no_reference"}  # fmt: skip


def test_each_tab_runs_its_own_section_only_below_the_facts_and_above_the_summary(app_db):
    """The facts and the attention reasons stand above the tabs and the handover summary below
    them; the scores over time open first, and each tab runs only its own section."""
    at = case_as(params={"id": CLOSED}, role="coordinator", municipalities={"101"})
    assert not at.exception
    names = ["progression", "prepost", "fidelity"]
    assert [tab.label for tab in at.tabs] == [da(f"pages.case.tabs.{n}") for n in names]
    opened = []
    for shown in each_tab(at, TABS):
        assert not shown.exception
        assert headers(shown) == [da("pages.case.case_id", id=CLOSED)]
        assert fact(shown, da("worker")) == "Medarbejder 101-1 (W101-1)"
        headings = [s.value for s in shown.main.subheader]
        assert headings[-1] == da("pages.case.handover_summary")
        assert shown.button(key="case_handover_make")
        opened.append((headings[:-1], len(shown.get("vega_lite_chart")), len(shown.dataframe),
                       len(shown.metric)))  # fmt: skip
    assert opened == [
        ([da("page_progression")], 1, 0, 0),
        ([da("pages.case.who_5_and_gse_before")], 0, 1, 0),
        ([da("common.fidelity")], 0, 0, 4),
    ]


def test_gaps_over_the_cadence_are_marked_on_the_chart(app_db):
    at = case_as(params={"id": GAPPED}, role="national")
    assert not at.exception
    gaps = next(f for f in chart_frames(at) if "gap_days" in f.columns)
    assert gaps.height >= 1 and (gaps["gap_days"] > 61).all()
    caption = chart_caption(at, "pages.case.the_points_are_the_case")
    assert da("pages.case.the_points_are_the_case", d=61, k=gaps.height) in caption


def test_each_gap_is_its_own_shade_with_its_length(app_db):
    """Gaps in a row (a score between them) touch: without an edge they read as one grey area
    of their summed length. Each shade has an edge, and a label says how long it is."""
    at = case_as(params={"id": GAPPED}, role="national")
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    shade = next(layer for layer in spec["layer"] if "fill" in layer.get("encoding", {}))
    assert shade["mark"]["stroke"] == "white" and shade["mark"]["strokeWidth"] >= 2
    label = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert label["encoding"]["text"]["field"] == "gap_text"
    gaps = next(f for f in chart_frames(at) if "gap_text" in f.columns)
    assert gaps["gap_text"].to_list() == [
        da("pages.case.n_days", n=fmt_int(d, "da")) for d in gaps["gap_days"]
    ]


def test_prepost_shows_both_instruments_with_change_categories_and_constants(app_db):
    at = case_as(params={"id": CLOSED}, role="coordinator", municipalities={"101"}, tabs=PREPOST)
    assert not at.exception
    table = at.dataframe[0].value
    assert table[da("common.instrument")].tolist() == ["WHO-5", "GSE"]
    change = one(app_db, "select reliable_change from mart.case_outcomes "
                         "where case_id = ? and instrument = 'WHO5'", CLOSED)[0]  # fmt: skip
    labels = {"improved": da("vocabulary.code_labels.reliable_change.improved"), "unchanged": da("vocabulary.code_labels.reliable_change.unchanged"), "deteriorated": da("vocabulary.code_labels.reliable_change.deteriorated"),
              "recovered": da("vocabulary.code_labels.reliable_change.recovered")}  # fmt: skip
    assert table[da("pages.case.prepost_columns.reliable")].iloc[0] == labels[change]
    constants = chart_caption(at, "pages.case.pre_and_post_count_within")
    # the instruments' constants (ref.instruments) in the reader's format: WHO-5's reliability
    assert "WHO-5" in constants and fmt_number(0.85, 2, "da") in constants


def test_the_fidelity_summary_is_the_cases_row_of_mart_fidelity(app_db):
    at = case_as(params={"id": GAPPED}, role="national", tabs=FIDELITY)
    n, expected, gap = one(app_db, "select n_measurements, expected_measurements, max_gap_days "
                                   "from mart.fidelity where case_id = ?", GAPPED)  # fmt: skip
    shown = {m.label: m.value for m in at.metric}
    assert shown[da("pages.case.progression_measurements")] == f"{n} / {expected}"
    assert shown[da("pages.case.largest_gap")] == da("pages.case.n_days", n=fmt_int(gap, "da"))


def test_a_national_evaluator_sees_the_case_but_not_the_workers_name_nor_the_summary(app_db):
    at = case_as(params={"id": ACTIVE}, role="national")
    assert not at.exception
    assert fact(at, da("worker")) == "W101-1"
    assert "Medarbejder 101-1" not in everything_shown(at)
    assert not [b for b in at.button if b.key and b.key.startswith("case_handover")]


@pytest.mark.parametrize("case_id", ["C751-001", "X-does-not-exist", "  ", "C" * 200])
def test_another_municipalitys_case_reads_exactly_like_an_unknown_one(app_db, case_id):
    at = case_as(params={"id": case_id}, role="coordinator", municipalities={"101"})
    assert not at.exception
    if case_id.strip():
        assert warnings(at) == [NOT_FOUND]
    assert headers(at) == []
    assert not CASE_ID.search(" ".join(m.value for m in at.markdown))
    assert at.text_input(key="case_search")  # the search box stays to try another id


def test_a_worker_sees_their_own_case_and_not_a_colleagues(app_db):
    own = case_as(params={"id": ACTIVE}, role="worker", worker_id="W101-1")
    assert not own.exception
    assert headers(own)[0] == da("pages.case.case_id", id=ACTIVE)
    other = one(app_db, "select case_id from mart.cases where worker_id = 'W101-2' limit 1")[0]
    theirs = case_as(params={"id": other}, role="worker", worker_id="W101-1")
    assert warnings(theirs) == [NOT_FOUND]
    assert other not in everything_shown(theirs).replace(f"id={other}", "")


@pytest.mark.parametrize("scope", [{"role": "viewer"}, {"role": "national", "presentation": True}])
def test_aggregate_viewers_get_a_clear_message_and_no_case(app_db, scope):
    at = case_as(params={"id": ACTIVE}, **scope)
    assert not at.exception
    assert any(da("not_allowed") in i.body for i in at.info)
    assert ACTIVE not in everything_shown(at)
    assert not at.text_input


def test_without_an_id_the_page_asks_for_one_and_the_search_box_opens_the_case(app_db):
    at = case_as(role="coordinator", municipalities={"101"})
    assert not at.exception
    assert any(da("pages.case.ask") in i.body for i in at.info)
    at.text_input(key="case_search").input(f" {ACTIVE} ").run()
    assert not at.exception
    assert at.query_params["id"] == ACTIVE
    assert headers(at)[0] == da("pages.case.case_id", id=ACTIVE)


def test_english_on_request(app_db):
    at = case_as(params={"id": ACTIVE}, lang="en", role="coordinator", municipalities={"101"})
    assert not at.exception
    assert headers(at)[0] == en("pages.case.case_id", id=ACTIVE)
    assert fact(at, en("common.status")) == en("vocabulary.code_labels.status.active")


# --- through the router: the audit trail and the handover download --------------------------


def _coordinator(name: str, case_id: str | None):
    at = signed_in_app("coordinator", municipalities=("101",), name=name)
    if case_id:
        at.query_params["id"] = case_id
    at.run()
    return at.switch_page("../pages/case.py").run()


def pdf_buttons(at) -> list:
    return [b for b in at.get("download_button") if b.key == "case_handover_pdf"]


def _events(app_db, user: str, event: str) -> list[dict]:
    rows = audit.read_events(event=event, user=user, db=app_db)
    return [json.loads(detail) for detail in rows["detail"]]


def test_each_view_of_a_case_is_audited_with_its_id(app_db):
    at = _coordinator("anna-audit-case", ACTIVE)
    assert not at.exception
    assert headers(at)[0] == da("pages.case.case_id", id=ACTIVE)
    views = [e for e in _events(app_db, "anna-audit-case", "page_view") if e["page"] == "case"]
    assert views and views[0]["filters"]["case_id"] == ACTIVE
    # another case in the same session is a view of its own
    at.query_params["id"] = CLOSED
    at.run()
    views = [e for e in _events(app_db, "anna-audit-case", "page_view") if e["page"] == "case"]
    assert [v["filters"]["case_id"] for v in views][:2] == [CLOSED, ACTIVE]  # newest first


def test_the_handover_summary_is_made_on_request_audited_and_names_the_case(app_db):
    at = _coordinator("anna-handover", ACTIVE)
    assert not at.exception
    assert not _events(app_db, "anna-handover", "download")  # drawing the button made nothing
    assert not pdf_buttons(at)
    at.button(key="case_handover_make").click().run()
    assert not at.exception
    downloads = _events(app_db, "anna-handover", "download")
    assert [d["what"] for d in downloads] == [f"overdragelse-{ACTIVE}-da.pdf"]
    body = at.session_state["_document_case_handover"][1]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert ACTIVE in text and "Medarbejder 101-1" in text
    assert [b.label for b in pdf_buttons(at)] == [
        da("pages.case.download_the_handover_summary_pdf")
    ]
    at.run()  # a rerun does not make it again
    assert len(_events(app_db, "anna-handover", "download")) == 1


def test_the_landing_page_of_a_coordinator_is_the_attention_queue(app_db):
    at = signed_in_app("coordinator", municipalities=("101",), name="anna-landing")
    at.run()
    assert not at.exception
    assert at.title[0].value == da("page_attention")
    national = signed_in_app("national", name="nina-landing")
    national.run()
    assert national.title[0].value == da("page_overview")


def test_the_root_url_opens_the_landing_page_with_its_query_and_audits_it_once_by_name(app_db):
    """The root URL's own page only opens the landing page (at its own URL, so a bookmark of
    it works): the view is audited once, as the landing page's, and the query stays."""
    at = signed_in_app("coordinator", municipalities=("101",), name="anna-root")
    at.query_params["lang"] = "en"
    at.query_params["type"] = "mentor"
    at.run()
    assert not at.exception
    assert at.title[0].value == en("page_attention")
    assert at.query_params["type"] == "mentor"
    rows = audit.read_events(event="page_view", user="anna-root", db=app_db)
    assert [json.loads(detail)["page"] for detail in rows["detail"]] == ["attention"]


# --- a click on a row -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"selection": {"rows": [1], "columns": []}}, "b"),
        ({"selection": {"rows": [], "columns": []}}, None),
        ({"selection": {"rows": [7]}}, None),
        (None, None),
    ],
)
def test_the_selected_row_gives_its_id(event, expected):
    assert components.selected_id(event, ["a", "b", "c"]) == expected


def test_a_selected_row_switches_to_the_record_page_with_the_id_in_the_url(monkeypatch):
    switched = {}
    monkeypatch.setattr(components.st, "switch_page",
                        lambda page, query_params: switched.update(page=page, params=query_params))  # fmt: skip
    monkeypatch.setattr(components.i18n, "lang", lambda: "en")
    components.open_record("case", ACTIVE)
    assert switched["page"].name == "case.py" and switched["page"].parent.name == "pages"
    assert switched["params"] == {"id": ACTIVE, "lang": "en"}


def test_a_clicked_row_is_noted_for_the_router_with_its_record(monkeypatch):
    state = {"attention_queue": {"selection": {"rows": [1], "columns": []}}}
    monkeypatch.setattr(components.st, "session_state", state)
    components._row_clicked("attention_queue", "case", [ACTIVE, CLOSED])
    assert state[components.OPEN_REQUEST_KEY] == ("case", CLOSED)
    state = {"attention_queue": {"selection": {"rows": [], "columns": []}}}  # a tick taken off
    monkeypatch.setattr(components.st, "session_state", state)
    components._row_clicked("attention_queue", "case", [ACTIVE, CLOSED])
    assert components.OPEN_REQUEST_KEY not in state


def test_the_router_opens_a_clicked_record_without_running_the_list_page_again(app_db, monkeypatch):
    from app.queries import attention as attention_q

    at = signed_in_app("coordinator", municipalities=("101",), name="anna-click")
    at.run()
    assert at.title[0].value == "Opmærksomhed"
    queue_runs = []
    queue = attention_q.queue
    monkeypatch.setattr(attention_q, "queue", lambda *a: queue_runs.append(a) or queue(*a))
    at.session_state[components.OPEN_REQUEST_KEY] = ("case", CLOSED)  # what the click notes
    at.run()
    assert not at.exception
    assert at.title[0].value == "Forløbsside"
    assert headers(at) == [f"Forløb {CLOSED}"]
    assert queue_runs == []  # the attention page did not run on the way


def test_the_search_box_on_the_attention_page_opens_the_case_page(app_db):
    at = signed_in_app("coordinator", municipalities=("101",), name="anna-search")
    at.run()
    assert at.title[0].value == da("page_attention")
    at.text_input(key="attention_case_search").input(CLOSED).run()
    assert not at.exception
    assert at.title[0].value == da("page_case")
    assert headers(at) == [da("pages.case.case_id", id=CLOSED)]
    views = [e for e in _events(app_db, "anna-search", "page_view") if e["page"] == "case"]
    assert [v["filters"]["case_id"] for v in views] == [CLOSED]  # audited with the id it opened
