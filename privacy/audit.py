"""The audit trail: who signed in, looked at what, took what away, erased what.

An append-only SQLite file beside the warehouse (`data_dir/audit.sqlite`, owner-only), kept apart
from the warehouse so a load (which replaces the warehouse file) can never rewrite history.
Triggers make UPDATE, DELETE and INSERT OR REPLACE (which deletes without firing a delete
trigger) fail inside SQLite itself, so no code path can edit the trail. Someone who edits the
file by other means is caught by the hash chain: each event stores the SHA-256 of the previous
event's hash and its own content, and `lat audit verify` recomputes the chain and names the
first event that does not match.

Events hold pseudonyms at most: never a CPR number, never erased content. Free text is masked
for CPR-like numbers before it is written.

No Streamlit and nothing of warehouse/, etl/ or app/ here: every layer records through it
(`etl.erase` from the command line, `app.auth` from the dashboard).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from privacy.cpr import mask_cpr
from privacy.files import create_private_file, data_dir
from settings import settings

EVENTS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "page_view",
    "download",
    "erase",
    "purge",
)
FILE_NAME = "audit.sqlite"
GENESIS = "0" * 64  # the "previous hash" of the first event
BROKEN_EXIT = 3  # like a failed warehouse check

_SCHEMA = """
create table if not exists events (
    event_id integer primary key autoincrement,
    at text not null,
    event text not null,
    user text not null,
    detail text not null,
    hash text not null                     -- sha256(previous event's hash + this event)
);
create trigger if not exists events_no_update before update on events
begin
    select raise(abort, 'the audit trail is append-only');
end;
create trigger if not exists events_no_delete before delete on events
begin
    select raise(abort, 'the audit trail is append-only');
end;
create trigger if not exists events_no_replace before insert on events
when exists (select 1 from events where event_id = new.event_id)
begin
    select raise(abort, 'the audit trail is append-only');
end;
create index if not exists events_at on events (at);
"""
_COLUMNS = "event_id, at, event, user, detail, hash"


def audit_path(db: Path | None = None) -> Path:
    """The audit file beside the warehouse (`--db`/`LAT_DB` decide where)."""
    return data_dir(settings().db_path(db)) / FILE_NAME


# trail files whose schema and chain this process has seen to: path -> the file's inode then
_prepared: dict[str, int] = {}


def _connect(db: Path | None) -> sqlite3.Connection:
    path = audit_path(db)
    create_private_file(path)
    # autocommit: record() and the migration take their write lock themselves (begin immediate)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    seen = path.stat()
    # once per file and process, not for every event (a page view is one): a file replaced or
    # made anew (another inode, or still empty) is seen to again
    if seen.st_size == 0 or _prepared.get(str(path)) != seen.st_ino:
        _chain_older_trail(con)
        con.executescript(_SCHEMA)
        _prepared[str(path)] = seen.st_ino
    return con


def chain_hash(previous: str, at: str, event: str, user: str, detail: str) -> str:
    """The hash an event stores: SHA-256 over the previous event's hash and this event's fields."""
    content = json.dumps([previous, at, event, user, detail], ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _unchained(con: sqlite3.Connection) -> bool:
    columns = {row[1] for row in con.execute("pragma table_info(events)")}
    return bool(columns) and "hash" not in columns


def _add_chain(con: sqlite3.Connection) -> None:
    con.execute("drop trigger if exists events_no_update")  # recreated by _SCHEMA right after
    con.execute("alter table events add column hash text not null default ''")
    previous = GENESIS
    rows = con.execute("select event_id, at, event, user, detail from events order by event_id")
    for event_id, *fields in rows.fetchall():
        previous = chain_hash(previous, *fields)
        con.execute("update events set hash = ? where event_id = ?", (previous, event_id))


def _chain_older_trail(con: sqlite3.Connection) -> None:
    """A trail written before the chain gets its hash column, its events chained in order, once.

    Their history before this moment cannot be vouched for; from here on every change shows.
    """
    if not _unchained(con):
        return  # the usual case, without taking the write lock
    con.execute("begin immediate")
    try:
        if _unchained(con):  # looked at again under the lock: another process may have done it
            _add_chain(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_cpr(value)
    if isinstance(value, dict):
        return {mask_cpr(str(k)): _masked(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def record(event: str, user: str, detail: dict | None = None, *, db: Path | None = None) -> None:
    """Append one event to the trail. Raises when the trail cannot be written (never silent)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    payload = json.dumps(_masked(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    user = mask_cpr(user)
    con = _connect(db)
    try:
        con.execute("begin immediate")  # no other writer between reading the head and appending
        try:
            head = con.execute("select hash from events order by event_id desc limit 1").fetchone()
            digest = chain_hash(head[0] if head else GENESIS, at, event, user, payload)
            con.execute(
                "insert into events (at, event, user, detail, hash) values (?, ?, ?, ?, ?)",
                (at, event, user, payload, digest),
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()


def read_events(
    limit: int = 500,
    event: str | None = None,
    user: str | None = None,
    *,
    db: Path | None = None,
) -> pl.DataFrame:
    """The newest events first, optionally only one event type and/or one user."""
    clauses, params = [], []
    if event:
        clauses.append("event = ?")
        params.append(event)
    if user:
        clauses.append("user = ?")
        params.append(user)
    where = f"where {' and '.join(clauses)}" if clauses else ""  # clauses are constants above
    con = _connect(db)
    try:
        rows = con.execute(
            f"select event_id, at, event, user, detail from events {where} "  # noqa: S608
            "order by event_id desc limit ?",
            (*params, max(1, int(limit))),
        ).fetchall()
    finally:
        con.close()
    schema = {
        "event_id": pl.Int64,
        "at": pl.String,
        "event": pl.String,
        "user": pl.String,
        "detail": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass
class Verification:
    """What `verify` found: the events checked, and the first that breaks the chain, if any."""

    events: int
    head: str  # the last event's hash: noted elsewhere, it shows later truncation too
    broken_event: int | None = None
    broken_at: str | None = None


def verify(db: Path | None = None) -> Verification:
    """Recompute the hash chain from the first event; stop at the first that does not match."""
    con = _connect(db)
    try:
        # streamed, not fetched whole: a trail of every page view grows large
        rows = con.execute(
            "select event_id, at, event, user, detail, hash from events order by event_id"
        )
        previous, count = GENESIS, 0
        for event_id, at, event, user, detail, stored in rows:
            previous = chain_hash(previous, at, event, user, detail)
            if stored != previous:
                return Verification(count, previous, broken_event=event_id, broken_at=at)
            count += 1
        return Verification(count, previous)
    finally:
        con.close()
