"""The benchmarks' own parts: the sessions benchmark's arithmetic (which views count as the
steady part of a run) and the bare page that benchmarks.viewcost --bare measures."""

from __future__ import annotations

from pathlib import Path

from benchmarks.sessions import after_sign_ins

BARE_PAGE = Path(__file__).resolve().parents[1] / "benchmarks" / "bare_page.py"


def test_the_steady_part_begins_when_the_last_session_has_signed_in():
    early = {"signed_in_at": 10.0, "started": [11.0, 30.0, 41.0], "timings": [900.0, 800.0, 700.0]}
    late = {"signed_in_at": 40.0, "started": [45.0, 60.0], "timings": [600.0, 500.0]}
    never = {"started": [], "timings": []}  # its sign-in timed out: it drew no first page
    assert after_sign_ins([early, late, never]) == [700.0, 600.0, 500.0]


def test_no_steady_part_when_no_session_signed_in():
    assert after_sign_ins([{"started": [], "timings": []}]) == []


def test_the_bare_page_redraws_its_cards_when_the_period_changes():
    """benchmarks.viewcost --bare times period changes on this page: each must be a run that
    draws the cards anew, as on a page of ours."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(BARE_PAGE), default_timeout=30).run()
    assert not at.exception
    assert len(at.sidebar.selectbox) == 1 and len(at.metric) == 4
    before = [metric.value for metric in at.metric]
    at.sidebar.selectbox[0].select_index(0).run()
    assert [metric.value for metric in at.metric] != before
