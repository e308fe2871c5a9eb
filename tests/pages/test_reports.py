"""The reports page (AppTest): the leadership report for the municipalities the viewer may see,
made on request for the chosen period and audited as it is made."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from app import data
from app.queries import reports as q
from app.scope import Scope
from privacy import audit
from tests.support.app_fixtures import page_as, signed_in_app
from tests.support.wording import da


def test_a_coordinator_may_choose_only_their_own_municipalities(app_db):
    at = page_as("reports", role="coordinator", municipalities={"101", "461"})
    assert not at.exception
    assert at.selectbox(key="reports_municipality").options == ["København", "Odense"]


def test_a_national_user_may_choose_every_municipality_with_cases(app_db):
    at = page_as("reports", role="national")
    assert len(at.selectbox(key="reports_municipality").options) == 4


@pytest.mark.parametrize("scope", [{"role": "worker", "worker_id": "W101-1"},
                                   {"role": "viewer"},
                                   {"role": "coordinator", "municipalities": {"101"},
                                    "presentation": True}])  # fmt: skip
def test_other_viewers_get_a_message_and_no_report(app_db, scope):
    at = page_as("reports", **scope)
    assert not at.exception
    assert any(da("pages.reports.the_leadership_report_can_be") in i.body for i in at.info)
    assert not [b for b in at.button if b.key == "reports_leadership_make"]


def test_the_report_of_a_municipality_outside_the_scope_is_refused_in_the_data_layer(app_db):
    scope = Scope(role="coordinator", user="anna", municipalities=frozenset({"101"}))
    with pytest.raises(data.NotAllowed):
        q.leadership_pdf(scope, "751", *q.default_period(q.months()), "da")


def test_the_leadership_report_is_made_on_request_for_the_period_and_audited(app_db):
    at = signed_in_app("coordinator", municipalities=("101",), name="anna-leadership")
    at.run()
    at.switch_page("../pages/reports.py").run()
    assert not at.exception
    start = at.selectbox(key="reports_from")
    assert start.value.isoformat() == "2026-05-01"  # the last 6 whole months up to 31 Oct 2026
    at.button(key="reports_leadership_make").click().run()
    assert not at.exception
    rows = audit.read_events(event="download", user="anna-leadership", db=app_db)
    assert [json.loads(d)["what"] for d in rows["detail"]] == [
        "ledelsesrapport-101-2026-05_2026-10-da.pdf"
    ]
    body = at.session_state["_document_reports_leadership"][1]
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert "København" in text
    assert [b.key for b in at.get("download_button")] == ["reports_leadership_pdf"]
