"""The audit page (AppTest): the trail in words a reader understands."""

from __future__ import annotations

from privacy import audit
from tests.support.app_fixtures import everything_shown, page_as


def test_the_trail_names_the_filtered_municipalities_not_their_codes(app_db):
    filters = {"municipalities": ["101", "461"], "from": "2026-01", "to": "2026-10"}
    audit.record("page_view", "anna-audit", {"page": "overview", "filters": filters})
    at = page_as("audit", role="national")
    assert not at.exception
    shown = at.dataframe[0].value.to_csv()
    assert "København, Odense" in shown
    assert "101" not in everything_shown(at)
