"""The audit page (AppTest): the trail in words a reader understands."""

from __future__ import annotations

from privacy import audit
from tests.support.app_fixtures import page_as


def test_the_trail_names_the_filtered_municipalities_not_their_codes(app_db):
    filters = {"municipalities": ["101", "461"], "from": "2026-01", "to": "2026-10"}
    audit.record("page_view", "anna-audit-names", {"page": "overview", "filters": filters})
    at = page_as("audit", role="national")
    assert not at.exception
    trail = at.dataframe[0].value
    # this test's own event (other tests write to the same trail, with their own codes)
    ours = trail[trail[trail.columns[2]] == "anna-audit-names"]
    assert len(ours) == 1
    detail = ours.iloc[0][trail.columns[3]]
    assert "København, Odense" in detail and "101" not in detail and "461" not in detail
