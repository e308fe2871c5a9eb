"""The audit trail: append-only, private, and never holding a CPR number."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from privacy import audit


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


def _three_events(db: Path) -> None:
    for user in ("anna", "bo", "carl"):
        audit.record("sign_in", user, {"method": "local"}, db=db)


def _tamper(db: Path, sql: str, params: tuple = ()) -> None:
    """Edit the file as an intruder would: around the triggers, outside the app."""
    con = sqlite3.connect(audit.audit_path(db))
    con.execute("drop trigger events_no_update")
    con.execute("drop trigger events_no_delete")
    con.execute(sql, params)
    con.commit()
    con.close()


def test_trail_refuses_insert_or_replace_of_an_event(db: Path):
    audit.record("sign_in", "anna", {}, db=db)
    con = sqlite3.connect(audit.audit_path(db))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(
            "insert or replace into events (event_id, at, event, user, detail) "
            "values (1, '2020-01-01T00:00:00+00:00', 'sign_in', 'mallory', '{}')"
        )
    con.close()
    assert audit.read_events(db=db)["user"].to_list() == ["anna"]


def test_verify_passes_an_untouched_trail(db: Path, capsys):
    from cli.main import main

    _three_events(db)
    assert audit.verify(db).broken_event is None
    assert main(["audit", "verify", "--db", str(db)]) == 0
    assert "i orden: 3 hændelser" in capsys.readouterr().out


@pytest.mark.parametrize("event_id", [1, 2, 3])
def test_verify_names_the_first_event_that_was_edited(db: Path, capsys, event_id: int):
    from cli.main import main

    _three_events(db)
    _tamper(db, "update events set user = 'mallory' where event_id = ?", (event_id,))
    assert audit.verify(db).broken_event == event_id
    assert main(["audit", "verify", "--db", str(db)]) == audit.BROKEN_EXIT != 0
    assert f"BRUDT ved hændelse {event_id} " in capsys.readouterr().err


def test_verify_notices_an_event_removed_from_the_middle(db: Path):
    _three_events(db)
    _tamper(db, "delete from events where event_id = 2")
    assert audit.verify(db).broken_event == 3


def test_a_trail_from_before_the_chain_is_chained_once_and_then_verifies(db: Path):
    path = audit.audit_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        "create table events (event_id integer primary key autoincrement, at text not null, "
        "event text not null, user text not null, detail text not null);"
        "create trigger events_no_update before update on events "
        "begin select raise(abort, 'the audit trail is append-only'); end;"
        "insert into events (at, event, user, detail) values ('2024-01-01', 'sign_in', 'a', '{}');"
    )
    con.close()
    audit.record("sign_out", "a", {}, db=db)
    found = audit.verify(db)
    assert (found.events, found.broken_event) == (2, None)


def test_verify_without_a_trail_says_so_and_creates_none(tmp_path: Path, capsys):
    from cli.main import main

    db = tmp_path / "none" / "warehouse.duckdb"
    assert main(["audit", "verify", "--db", str(db)]) == 2
    assert "intet revisionsspor" in capsys.readouterr().err
    assert not audit.audit_path(db).exists()


def test_verify_of_a_trail_that_is_no_database_is_a_message_not_a_traceback(db: Path, capsys):
    from cli.main import main

    _three_events(db)
    audit.audit_path(db).write_bytes(b"overwritten " * 100)
    assert main(["audit", "verify", "--db", str(db)]) == audit.BROKEN_EXIT
    assert "kan ikke læses" in capsys.readouterr().err


def test_the_trails_schema_is_made_once_per_file_not_for_every_event(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    audit.record("sign_in", "a", {}, db=db)
    made: list[Path] = []
    original = audit._chain_older_trail
    monkeypatch.setattr(audit, "_chain_older_trail", lambda con: made.append(con) or original(con))
    for _ in range(3):
        audit.record("page_view", "a", {"page": "overview"}, db=db)
    assert made == []  # a page view writes its event only
    audit.audit_path(db).unlink()  # a trail removed (or replaced) is made anew, with its schema
    audit.record("page_view", "a", {"page": "overview"}, db=db)
    assert len(made) == 1
    assert audit.verify(db).events == 1
