"""Local sign-in accounts: argon2 hashes, roles, lockout, and the `lat user` command.

Accounts live in `data_dir/accounts.sqlite` (owner-only), never in the warehouse, so no load can
overwrite them. A password is never taken on the command line, printed or logged: it comes from
a prompt (asked twice) or, when standard input is not a terminal, from its first line.

Lockout: five failed attempts for one name within 15 minutes lock that name for 15 minutes.
Failures are kept under a hash of the name typed (people type passwords into the name field).
Every failed attempt takes the same time (~0.5 s), also for unknown names, which are checked
against a dummy hash so their timing gives nothing away.

No Streamlit here: the CLI and the sign-in page share this module.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import os
import re
import secrets
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.audit import create_private_file
from app.scope import ROLES, Scope
from app.texts import text as catalogue_text
from warehouse.db import data_dir, db_path, municipality_codes

FILE_NAME = "accounts.sqlite"
DEMO_FILE_NAME = "demo-accounts.txt"
MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
FAILURE_DELAY_SECONDS = 0.5
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
        with self._connect() as con:
            con.executescript(_SCHEMA)

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
        finally:
            con.close()
        return removed > 0

    def set_password(self, name: str, password: str, now: float | None = None) -> None:
        """New password; also lifts a lockout (the owner of the account asked for it)."""
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
        finally:
            con.close()

    def password_hash(self, name: str) -> str | None:
        rows = self._query(
            "select password_hash from accounts where name = ?", (normalise_name(name),)
        )
        return rows[0][0] if rows else None

    def locked_until(self, name: str, now: float | None = None) -> float | None:
        """When the lock on this name ends (epoch seconds), or None when it is not locked."""
        stamp = time.time() if now is None else now
        rows = self._query(
            "select locked_until from lockouts where name_hash = ? and locked_until > ?",
            (_name_hash(name), stamp),
        )
        return rows[0][0] if rows else None

    def note_failure(self, name: str, now: float) -> bool:
        """Count one failed attempt; returns True when this attempt locked the name."""
        key = _name_hash(name)
        con = self._connect()
        try:
            with con:
                con.execute("delete from failures where at <= ?", (now - FAILURE_WINDOW_SECONDS,))
                con.execute("insert into failures values (?, ?)", (key, now))
                (count,) = con.execute(
                    "select count(*) from failures where name_hash = ?", (key,)
                ).fetchone()
                if count < MAX_FAILURES:
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

    @staticmethod
    def _clear_failures(con: sqlite3.Connection, name: str) -> None:
        key = _name_hash(name)
        con.execute("delete from failures where name_hash = ?", (key,))
        con.execute("delete from lockouts where name_hash = ?", (key,))


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
    if role == "coordinator" and not codes:
        raise AccountError("En koordinator skal have mindst én --municipality KODE.")
    if role in ("national", "viewer") and codes:
        raise AccountError(f"Rollen {role} ser hele landet; --municipality bruges ikke.")
    if role == "worker" and not worker:
        raise AccountError("En medarbejder skal have --worker-id ID.")
    if role != "worker" and worker:
        raise AccountError("--worker-id bruges kun til rollen worker.")
    return Account(name=normal, role=role, municipalities=codes, worker_id=worker)


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
) -> Account | None:
    """The account when name and password match and the name is not locked, else None.

    `now` (epoch seconds) is injectable for tests; `delay` pads every failure to the same time.
    """
    started = time.monotonic()
    stamp = time.time() if now is None else now
    account = None
    if store.locked_until(name, stamp) is None:
        ok = _verify(store.password_hash(name), password)
        if ok:
            account = store.get(name)
            store.note_success(name, password)
        else:
            store.note_failure(name, stamp)
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
            "select worker_id from raw.cases "
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


# --- `lat user` ------------------------------------------------------------------------------


def read_new_password(stdin=None) -> str:
    """A new password from a prompt (asked twice) or the first line of a non-terminal stdin."""
    stream = stdin or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Ny adgangskode: ")
        if first != getpass.getpass("Gentag adgangskoden: "):
            raise AccountError("De to adgangskoder er ikke ens.")
        password = first
    else:
        password = stream.readline().rstrip("\r\n")
    check_password(password)
    return password


def _describe(account: Account) -> str:
    where = ",".join(account.municipalities) or "-"
    return f"{account.name:<24} {account.role:<12} {where:<16} {account.worker_id or '-'}"


def _cli_add(store: AccountStore, args: argparse.Namespace) -> str:
    account = make_account(
        args.name, args.role, getattr(args, "municipality", None), getattr(args, "worker_id", None)
    )
    if store.get(account.name) is not None:
        raise AccountError(f"Brugeren {account.name!r} findes allerede.")
    store.add(account, read_new_password())
    role = catalogue_text(f"auth.{account.role}", "da")  # the role in words, not its code
    return f"Brugeren {account.name} er oprettet med rollen {role}."


def _cli_list(store: AccountStore, args: argparse.Namespace) -> str:
    accounts = store.list()
    if not accounts:
        return "Ingen brugere endnu. Opret en med: lat user add NAVN --role ROLLE"
    header = f"{'navn':<24} {'rolle':<12} {'kommuner':<16} medarbejder-id"
    locked = {a.name for a in accounts if store.locked_until(a.name) is not None}
    lines = [_describe(a) + ("  (låst)" if a.name in locked else "") for a in accounts]
    return "\n".join([header, *lines])


def _cli_remove(store: AccountStore, args: argparse.Namespace) -> str:
    if not store.remove(args.name):
        raise AccountError(f"Brugeren {normalise_name(args.name)!r} findes ikke.")
    return f"Brugeren {normalise_name(args.name)} er slettet."


def _cli_passwd(store: AccountStore, args: argparse.Namespace) -> str:
    if store.get(args.name) is None:
        raise AccountError(f"Brugeren {normalise_name(args.name)!r} findes ikke.")
    store.set_password(args.name, read_new_password())
    return f"Adgangskoden for {normalise_name(args.name)} er skiftet."


_COMMANDS = {"add": _cli_add, "list": _cli_list, "remove": _cli_remove, "passwd": _cli_passwd}


def run_cli(args: argparse.Namespace) -> int:
    """`lat user add|list|remove|passwd`: exit 0 on success, 2 with one line on a user error."""
    try:
        store = open_store(db_path(getattr(args, "db", None)))
        print(_COMMANDS[args.user_command](store, args))
    except AccountError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        print(f"Fejl: brugerfilen kan ikke bruges ({type(error).__name__}).", file=sys.stderr)
        return 2
    return 0
