"""The audit trail: append-only, private, and never holding a CPR number."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from app import audit


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def test_recorded_events_are_read_back_newest_first(db: Path):
    audit.record("sign_in", "anna", {"method": "local"}, db=db)
    audit.record("page_view", "anna", {"page": "overview", "filters": {"kommune": "101"}}, db=db)
    events = audit.read_events(db=db)
    assert events["event"].to_list() == ["page_view", "sign_in"]
    assert '"page": "overview"' in events["detail"][0]


def test_read_events_filters_by_event_and_user(db: Path):
    audit.record("sign_in", "anna", {}, db=db)
    audit.record("sign_in", "bo", {}, db=db)
    audit.record("sign_out", "anna", {}, db=db)
    assert audit.read_events(event="sign_in", db=db)["user"].to_list() == ["bo", "anna"]
    assert audit.read_events(user="anna", event="sign_out", db=db).height == 1
    assert audit.read_events(limit=1, db=db).height == 1


def test_trail_file_is_private_to_its_owner(db: Path):
    audit.record("sign_in", "anna", {}, db=db)
    mode = stat.S_IMODE(audit.audit_path(db).stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize(
    "sql",
    ["update events set user = 'mallory'", "delete from events", "delete from events where 1"],
)
def test_trail_refuses_update_and_delete(db: Path, sql: str):
    audit.record("sign_in", "anna", {}, db=db)
    con = sqlite3.connect(audit.audit_path(db))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(sql)
    con.close()
    assert audit.read_events(db=db)["user"].to_list() == ["anna"]


def test_cpr_numbers_in_details_are_masked(db: Path):
    audit.record("download", "anna", {"what": "cases", "search": "010190-1234", "n": 3}, db=db)
    detail = audit.read_events(db=db)["detail"][0]
    assert "010190-1234" not in detail
    assert "XXXXXX-XXXX" in detail


def test_unknown_event_is_refused(db: Path):
    with pytest.raises(ValueError):
        audit.record("coffee", "anna", {}, db=db)


def test_default_location_follows_lat_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("LAT_DB", str(tmp_path / "x" / "warehouse.duckdb"))
    audit.record("sign_out", "anna", {})
    assert (tmp_path / "x" / "audit.sqlite").exists()
