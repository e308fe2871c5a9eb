"""Local sign-in accounts: argon2 hashes, roles, lockout, and the `lat user` command.

Accounts live in `data_dir/accounts.sqlite` (owner-only), never in the warehouse, so no load can
overwrite them. A password is never taken on the command line, printed or logged: it comes from
a prompt (asked twice) or, when standard input is not a terminal, from its first line.

Lockout: five failed attempts for one name within 15 minutes lock that name for 15 minutes, and
twenty from one client (browser address) lock that client for 15 minutes, whatever names it
tries. Failures are kept under a hash of the name typed (people type passwords into the name
field) or of the client's address. Every failed attempt takes the same time (~0.5 s), also for
unknown names, which are checked against a dummy hash so their timing gives nothing away.

Sessions: a sign-in opens a row in `sessions` and gives a token `ID.SIGNATURE` (HMAC-SHA256 under
`session.key` beside the accounts file); the store keeps only a hash of the ID. A session ends 8
hours after sign-in, after 30 minutes without activity, at sign-out, and at once for every
session of an account when `lat user revoke` is run, its password changes or it is removed
(`session()` finds no row then: the dashboard checks it on every run).

Where the files live: beside the warehouse (`data_dir`: the folder of `--db`, else of `LAT_DB`,
else `./data/`); every `lat user` command says which file it used.

No Streamlit here: the CLI and the sign-in page share this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.scope import ROLES, Scope
from privacy.files import create_private_file
from warehouse.db import data_dir, db_path, municipality_codes

FILE_NAME = "accounts.sqlite"
SESSION_KEY_FILE_NAME = "session.key"
DEMO_FILE_NAME = "demo-accounts.txt"
MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
FAILURE_DELAY_SECONDS = 0.5
MAX_CLIENT_FAILURES = 20  # from one browser address, whatever names it tries
SESSION_MAX_SECONDS = 8 * 60 * 60
IDLE_MAX_SECONDS = 30 * 60
TOUCH_SECONDS = 60  # a session's last activity is written at most once a minute
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")

_hasher = PasswordHasher()
_dummy_hash: str | None = None

_SCHEMA = """
create table if not exists accounts (
    name text primary key,
    role text not null,
    municipalities text not null default '',
    worker_id text,
    password_hash text not null,
    created_at real not null,
    password_changed_at real not null
);
create table if not exists failures (name_hash text not null, at real not null);
create index if not exists failures_name on failures (name_hash, at);
create table if not exists lockouts (name_hash text primary key, locked_until real not null);
create table if not exists sessions (
    token_hash text primary key,
    name text not null,
    issued_at real not null,
    last_seen real not null
);
create index if not exists sessions_name on sessions (name);
"""


class AccountError(ValueError):
    """A mistake the person at the keyboard can fix; its message is shown as one line."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    municipalities: tuple[str, ...] = ()
    worker_id: str | None = None

    def scope(self, presentation: bool = False) -> Scope:
        """What this account may see (Scope forces presentation mode for viewers)."""
        return Scope(
            role=self.role,
            user=self.name,
            municipalities=frozenset(self.municipalities),
            worker_id=self.worker_id,
            presentation=presentation,
        )


def accounts_path(db: Path | None = None) -> Path:
    return data_dir(db_path(db)) / FILE_NAME


def normalise_name(name: str) -> str:
    return name.strip().lower()


def _name_hash(name: str) -> str:
    return hashlib.sha256(normalise_name(name).encode("utf-8")).hexdigest()


def _client_hash(client: str) -> str:
    """Failures of a client are kept beside those of names, under a key no name can have."""
    return "client:" + hashlib.sha256(client.encode("utf-8")).hexdigest()


def _token_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def normalise_municipality(code: str) -> str:
    """'0101' and '101' are one code; anything else than a known code is an AccountError."""
    text = code.strip()
    if not re.fullmatch(r"\d{1,4}", text):
        raise AccountError(f"Kommunekoden {code!r} er ikke et tal med 1-4 cifre.")
    normal = text.lstrip("0") or "0"
    if normal not in municipality_codes():
        raise AccountError(f"Kommunekoden {code!r} er ikke en af de 98 kommuner.")
    return normal


class AccountStore:
    """The accounts file. Each call opens its own connection (Streamlit serves from threads)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        create_private_file(self.path)
        con = self._connect()
        try:
            with con:
                con.executescript(_SCHEMA)
        finally:
            con.close()
        self._key: bytes | None = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        con = self._connect()
        try:
            with con:
                return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def get(self, name: str) -> Account | None:
        rows = self._query(
            "select name, role, municipalities, worker_id from accounts where name = ?",
            (normalise_name(name),),
        )
        return _account(rows[0]) if rows else None

    def list(self) -> list[Account]:
        rows = self._query("select name, role, municipalities, worker_id from accounts order by 1")
        return [_account(row) for row in rows]

    def add(self, account: Account, password: str, now: float | None = None) -> None:
        check_password(password)
        if self.get(account.name) is not None:
            raise AccountError(f"Brugeren {account.name!r} findes allerede.")
        stamp = time.time() if now is None else now
        self._query(
            "insert into accounts values (?, ?, ?, ?, ?, ?, ?)",
            (
                account.name,
                account.role,
                ",".join(account.municipalities),
                account.worker_id,
                _hasher.hash(password),
                stamp,
                stamp,
            ),
        )

    def remove(self, name: str) -> bool:
        con = self._connect()
        try:
            with con:
                removed = con.execute(
                    "delete from accounts where name = ?", (normalise_name(name),)
                ).rowcount
                self._clear_failures(con, name)
                con.execute("delete from sessions where name = ?", (normalise_name(name),))
        finally:
            con.close()
        return removed > 0

    def set_password(self, name: str, password: str, now: float | None = None) -> None:
        """New password; ends the account's sessions and lifts a lockout (its owner asked)."""
        check_password(password)
        if self.get(name) is None:
            raise AccountError(f"Brugeren {normalise_name(name)!r} findes ikke.")
        stamp = time.time() if now is None else now
        con = self._connect()
        try:
            with con:
                con.execute(
                    "update accounts set password_hash = ?, password_changed_at = ? where name = ?",
                    (_hasher.hash(password), stamp, normalise_name(name)),
                )
                self._clear_failures(con, name)
                con.execute("delete from sessions where name = ?", (normalise_name(name),))
        finally:
            con.close()

    def password_hash(self, name: str) -> str | None:
        rows = self._query(
            "select password_hash from accounts where name = ?", (normalise_name(name),)
        )
        return rows[0][0] if rows else None

    def locked_until(self, name: str, now: float | None = None) -> float | None:
        """When the lock on this name ends (epoch seconds), or None when it is not locked."""
        return self._locked_until(_name_hash(name), now)

    def client_locked_until(self, client: str | None, now: float | None = None) -> float | None:
        """When the lock on this client (browser address) ends, or None (also for no client)."""
        return None if client is None else self._locked_until(_client_hash(client), now)

    def _locked_until(self, key: str, now: float | None) -> float | None:
        stamp = time.time() if now is None else now
        rows = self._query(
            "select locked_until from lockouts where name_hash = ? and locked_until > ?",
            (key, stamp),
        )
        return rows[0][0] if rows else None

    def note_failure(self, name: str, now: float, client: str | None = None) -> bool:
        """Count one failed attempt (for the name and the client); True when it locked the name."""
        if client is not None:
            self._note_failure(_client_hash(client), now, MAX_CLIENT_FAILURES)
        return self._note_failure(_name_hash(name), now, MAX_FAILURES)

    def _note_failure(self, key: str, now: float, limit: int) -> bool:
        con = self._connect()
        try:
            with con:
                con.execute("delete from failures where at <= ?", (now - FAILURE_WINDOW_SECONDS,))
                con.execute("insert into failures values (?, ?)", (key, now))
                (count,) = con.execute(
                    "select count(*) from failures where name_hash = ?", (key,)
                ).fetchone()
                if count < limit:
                    return False
                con.execute(
                    "insert or replace into lockouts values (?, ?)", (key, now + LOCK_SECONDS)
                )
                con.execute("delete from failures where name_hash = ?", (key,))
                return True
        finally:
            con.close()

    def note_success(self, name: str, password: str) -> None:
        con = self._connect()
        try:
            with con:
                self._clear_failures(con, name)
                stored = con.execute(
                    "select password_hash from accounts where name = ?", (normalise_name(name),)
                ).fetchone()
                if stored and _hasher.check_needs_rehash(stored[0]):
                    con.execute(
                        "update accounts set password_hash = ? where name = ?",
                        (_hasher.hash(password), normalise_name(name)),
                    )
        finally:
            con.close()

    # --- sessions ---------------------------------------------------------------------------

    def _session_key(self) -> bytes:
        if self._key is None:
            key_path = self.path.with_name(SESSION_KEY_FILE_NAME)
            create_private_file(key_path)
            text = key_path.read_text(encoding="ascii").strip()
            if len(text) < 64:  # new (empty) or unusable: a fresh key ends every session
                text = secrets.token_hex(32)
                _write_private_text(key_path, text + "\n")
            self._key = bytes.fromhex(text)
        return self._key

    def _signature(self, session_id: str) -> str:
        return hmac.new(self._session_key(), session_id.encode("ascii"), "sha256").hexdigest()

    def open_session(self, name: str, now: float | None = None) -> str:
        """A new session of `name`; returns its signed token (to keep in the browser's cookie)."""
        stamp = time.time() if now is None else now
        session_id = secrets.token_urlsafe(32)
        self._query(
            "insert into sessions values (?, ?, ?, ?)",
            (_token_hash(session_id), normalise_name(name), stamp, stamp),
        )
        return f"{session_id}.{self._signature(session_id)}"

    def _session_id(self, token: str | None) -> str | None:
        """The session id of a token whose signature is ours, else None."""
        if not isinstance(token, str) or len(token) > 200 or not token.isascii():
            return None
        session_id, _, signature = token.partition(".")
        if not session_id:
            return None
        return session_id if hmac.compare_digest(signature, self._signature(session_id)) else None

    def session(self, token: str | None, now: float | None = None) -> Account | None:
        """The account of a live session, or None: bad signature, no such session (ended,
        revoked, password changed, account removed) or expired (then it is ended here)."""
        session_id = self._session_id(token)
        if session_id is None:
            return None
        stamp = time.time() if now is None else now
        key = _token_hash(session_id)
        rows = self._query(
            "select a.name, a.role, a.municipalities, a.worker_id, s.issued_at, s.last_seen "
            "from sessions as s join accounts as a on a.name = s.name where s.token_hash = ?",
            (key,),
        )
        if not rows:
            return None
        *account, issued_at, last_seen = rows[0]
        if session_expired(issued_at, last_seen, stamp):
            self._query("delete from sessions where token_hash = ?", (key,))
            return None
        if stamp - last_seen >= TOUCH_SECONDS:
            self._query("update sessions set last_seen = ? where token_hash = ?", (stamp, key))
        return _account(tuple(account))

    def end_session(self, token: str | None) -> None:
        session_id = self._session_id(token)
        if session_id is not None:
            self._query("delete from sessions where token_hash = ?", (_token_hash(session_id),))

    def revoke(self, name: str) -> int:
        """End every session of `name` at once; returns how many were live."""
        con = self._connect()
        try:
            with con:
                return con.execute(
                    "delete from sessions where name = ?", (normalise_name(name),)
                ).rowcount
        finally:
            con.close()

    @staticmethod
    def _clear_failures(con: sqlite3.Connection, name: str) -> None:
        key = _name_hash(name)
        con.execute("delete from failures where name_hash = ?", (key,))
        con.execute("delete from lockouts where name_hash = ?", (key,))


def session_expired(signed_in_at: float, last_seen: float, now: float) -> bool:
    """8 hours after sign-in, or 30 minutes without any activity."""
    return now - signed_in_at > SESSION_MAX_SECONDS or now - last_seen > IDLE_MAX_SECONDS


def _account(row: tuple) -> Account:
    name, role, municipalities, worker_id = row
    codes = tuple(code for code in municipalities.split(",") if code)
    return Account(name=name, role=role, municipalities=codes, worker_id=worker_id)


def open_store(db: Path | None = None) -> AccountStore:
    return AccountStore(accounts_path(db))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn.")


def make_account(
    name: str, role: str, municipalities: list[str] | None = None, worker_id: str | None = None
) -> Account:
    """A checked account: a valid name, a known role and what that role needs."""
    normal = normalise_name(name)
    if not NAME_PATTERN.fullmatch(normal):
        raise AccountError(
            "Brugernavnet må kun indeholde bogstaverne a-z, tal og . _ @ - (højst 64 tegn)."
        )
    if role not in ROLES:
        raise AccountError(f"Ukendt rolle {role!r}; brug en af: {', '.join(ROLES)}.")
    codes = tuple(dict.fromkeys(normalise_municipality(c) for c in municipalities or []))
    worker = (worker_id or "").strip() or None
    problem = role_problem(role, codes, worker)
    if problem:
        raise AccountError(_ROLE_PROBLEMS[problem].format(role=role))
    return Account(name=normal, role=role, municipalities=codes, worker_id=worker)


def role_problem(role: str, municipalities: tuple[str, ...], worker_id: str | None) -> str | None:
    """What `role` needs and lacks, or has and may not: a code each caller words its own way
    (`lat user` names its options, the OIDC mapping its claims); None when all is well."""
    if role == "coordinator" and not municipalities:
        return "needs_municipalities"
    if role in ("national", "viewer") and municipalities:
        return "no_municipalities"
    if role == "worker" and not worker_id:
        return "needs_worker_id"
    if role != "worker" and worker_id:
        return "worker_id_only_for_workers"
    return None


_ROLE_PROBLEMS = {  # role_problem's codes in the words of `lat user`
    "needs_municipalities": "En koordinator skal have mindst én --municipality KODE.",
    "no_municipalities": "Rollen {role} ser hele landet; --municipality bruges ikke.",
    "needs_worker_id": "En medarbejder skal have --worker-id ID.",
    "worker_id_only_for_workers": "--worker-id bruges kun til rollen worker.",
}


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(
    store: AccountStore,
    name: str,
    password: str,
    now: float | None = None,
    *,
    delay: float = FAILURE_DELAY_SECONDS,
    client: str | None = None,
) -> Account | None:
    """The account when name and password match and neither the name nor the client (the
    browser's address, when known) is locked, else None.

    `now` (epoch seconds) is injectable for tests; `delay` pads every failure to the same time.
    """
    started = time.monotonic()
    stamp = time.time() if now is None else now
    account = None
    locked = store.locked_until(name, stamp) or store.client_locked_until(client, stamp)
    if locked is None:
        ok = _verify(store.password_hash(name), password)
        if ok:
            account = store.get(name)
            store.note_success(name, password)
        else:
            store.note_failure(name, stamp, client)
    else:
        _verify(None, password)  # a locked name costs the same as a wrong password
    if account is None:
        time.sleep(max(0.0, delay - (time.monotonic() - started)))
    return account


# --- demo accounts -------------------------------------------------------------------------

DEMO_ACCOUNTS = (
    ("national", "national"),
    ("koordinator", "coordinator"),
    ("medarbejder", "worker"),
    ("ledelse", "viewer"),
)
DEMO_MUNICIPALITY = "101"


def demo_worker_id(db: Path) -> str | None:
    """The worker in København with the most cases in the demo warehouse (None when none)."""
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select worker_id from mart.cases "
            "where municipality_code = $m and worker_id is not null "
            "group by worker_id order by count(*) desc, worker_id limit 1",
            {"m": DEMO_MUNICIPALITY},
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


def _read_demo_file(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and not line.startswith("#"):
            entries[parts[0]] = (parts[1], parts[2])
    return entries


def _write_private_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def ensure_demo_accounts(db: Path) -> list[tuple[str, str, str]]:
    """One demo account per role (created once), as (name, role, password) for `lat demo` to print.

    The demo passwords are kept in data_dir/demo-accounts.txt (0o600) so every start can print
    them again. Demo only: real accounts never have their password stored.
    """
    db = Path(db)
    store = open_store(db)
    demo_file = data_dir(db) / DEMO_FILE_NAME
    saved = _read_demo_file(demo_file)
    result = []
    for name, role in DEMO_ACCOUNTS:
        password = saved.get(name, (role, ""))[1] or secrets.token_urlsafe(12)
        existing = store.get(name)
        if existing is None:
            worker = demo_worker_id(db) if role == "worker" else None
            if role == "worker" and worker is None:
                continue  # no worker in the demo data: no worker account to show
            municipalities = [DEMO_MUNICIPALITY] if role == "coordinator" else []
            store.add(make_account(name, role, municipalities, worker), password)
        elif name not in saved:
            store.set_password(name, password)
        result.append((name, role, password))
    lines = ["# LAT Indsigt demo accounts (demo only). name<TAB>role<TAB>password"]
    lines += [f"{name}\t{role}\t{password}" for name, role, password in result]
    _write_private_text(demo_file, "\n".join(lines) + "\n")
    return result


def worker_exists(db: Path, worker_id: str) -> bool:
    """Is `worker_id` a worker of the warehouse `db` (its workers or its cases)?"""
    if not db.exists():
        raise AccountError(
            f"Der er intet datalager i {db}, så medarbejder-id'et kan ikke tjekkes. "
            "Angiv datalageret med --db."
        )
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as error:
        raise AccountError(f"Datalageret {db} kan ikke læses ({type(error).__name__}).") from None
    try:
        rows = con.execute(
            "select 1 from mart.workers where worker_id = $w "
            "union all select 1 from mart.cases where worker_id = $w limit 1",
            {"w": worker_id},
        ).fetchall()
    except duckdb.Error:
        rows = []
    finally:
        con.close()
    return bool(rows)


def where_files_live(db: Path) -> str:
    """One line for every `lat user` command: which accounts file, beside which warehouse."""
    return f"Brugerfil: {accounts_path(db)} (ved siden af datalageret {db})"
