"""The audit trail: who signed in, looked at what, took what away, erased what.

An append-only SQLite file beside the warehouse (`data_dir/audit.sqlite`, owner-only), kept apart
from the warehouse so a load (which replaces the warehouse file) can never rewrite history.
Triggers make UPDATE and DELETE fail inside SQLite itself, so no code path can edit the trail.

Events hold pseudonyms at most: never a CPR number, never erased content. Free text is masked
for CPR-like numbers before it is written.

No Streamlit here: `warehouse.erasure` records through this module from the command line.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from etl.cpr import mask_cpr
from warehouse.db import data_dir, db_path, make_data_dir

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

_SCHEMA = """
create table if not exists events (
    event_id integer primary key autoincrement,
    at text not null,
    event text not null,
    user text not null,
    detail text not null
);
create trigger if not exists events_no_update before update on events
begin
    select raise(abort, 'the audit trail is append-only');
end;
create trigger if not exists events_no_delete before delete on events
begin
    select raise(abort, 'the audit trail is append-only');
end;
create index if not exists events_at on events (at);
"""


def audit_path(db: Path | None = None) -> Path:
    """The audit file beside the warehouse (`--db`/`LAT_DB` decide where)."""
    return data_dir(db_path(db)) / FILE_NAME


def create_private_file(path: Path) -> None:
    """Create `path` readable by its owner only, before SQLite opens it (SQLite would use 0o644)."""
    make_data_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # a lax umask must not widen it


def _connect(db: Path | None) -> sqlite3.Connection:
    path = audit_path(db)
    create_private_file(path)
    con = sqlite3.connect(path, timeout=10)
    con.executescript(_SCHEMA)
    return con


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
    con = _connect(db)
    try:
        with con:
            con.execute(
                "insert into events (at, event, user, detail) values (?, ?, ?, ?)",
                (at, event, mask_cpr(user), payload),
            )
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
