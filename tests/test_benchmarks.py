"""The sessions benchmark's own arithmetic (benchmarks/sessions.py): which views count as the
steady part of a run."""

from __future__ import annotations

from benchmarks.sessions import after_sign_ins


def test_the_steady_part_begins_when_the_last_session_has_signed_in():
    early = {"signed_in_at": 10.0, "started": [11.0, 30.0, 41.0], "timings": [900.0, 800.0, 700.0]}
    late = {"signed_in_at": 40.0, "started": [45.0, 60.0], "timings": [600.0, 500.0]}
    never = {"started": [], "timings": []}  # its sign-in timed out: it drew no first page
    assert after_sign_ins([early, late, never]) == [700.0, 600.0, 500.0]


def test_no_steady_part_when_no_session_signed_in():
    assert after_sign_ins([{"started": [], "timings": []}]) == []
