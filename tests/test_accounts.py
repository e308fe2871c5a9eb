"""Local accounts: argon2 hashes, owner-only file, lockout, and the `lat user` command."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from app import accounts
from app.accounts import AccountError, AccountStore, authenticate, make_account
from cli import user as cli_user
from cli.main import main

PASSWORD = "korrekt-hest-batteri"
T0 = 1_800_000_000.0


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    s = AccountStore(tmp_path / "accounts.sqlite")
    s.add(make_account("Anna", "coordinator", ["0101", "147"]), PASSWORD)
    return s


def _fail(store: AccountStore, name: str, times: int, now: float) -> None:
    for i in range(times):
        assert authenticate(store, name, "wrong-password!", now=now + i, delay=0) is None


def test_password_is_stored_as_an_argon2_hash_not_plaintext(store: AccountStore):
    stored = store.password_hash("anna")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PASSWORD.encode() not in store.path.read_bytes()


def test_accounts_file_is_private_to_its_owner(store: AccountStore):
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_right_password_gives_the_account_and_its_scope(store: AccountStore):
    account = authenticate(store, " ANNA ", PASSWORD, now=T0, delay=0)
    assert account is not None
    scope = account.scope(presentation=False)
    assert (scope.role, scope.user) == ("coordinator", "anna")
    assert scope.municipalities == frozenset({"101", "147"})


def test_viewer_scope_is_always_presentation(tmp_path: Path):
    viewer = make_account("boss", "viewer")
    assert viewer.scope(presentation=False).presentation is True


def test_wrong_password_and_unknown_user_both_fail(store: AccountStore):
    assert authenticate(store, "anna", "not-the-password", now=T0, delay=0) is None
    assert authenticate(store, "nobody", PASSWORD, now=T0, delay=0) is None


def test_failures_are_padded_to_the_same_delay(store: AccountStore):
    import time

    started = time.monotonic()
    authenticate(store, "nobody-at-all", "x" * 12, now=T0, delay=0.3)
    assert time.monotonic() - started >= 0.3


def test_five_failures_lock_the_account_for_fifteen_minutes(store: AccountStore):
    _fail(store, "anna", 5, T0)
    assert store.locked_until("anna", now=T0 + 10) is not None
    # even the right password is refused while locked
    assert authenticate(store, "anna", PASSWORD, now=T0 + 60, delay=0) is None
    assert authenticate(store, "anna", PASSWORD, now=T0 + 14 * 60, delay=0) is None
    assert authenticate(store, "anna", PASSWORD, now=T0 + 4 + 15 * 60 + 1, delay=0) is not None


def test_failures_older_than_fifteen_minutes_do_not_count(store: AccountStore):
    _fail(store, "anna", 4, T0)
    _fail(store, "anna", 1, T0 + 16 * 60)
    assert store.locked_until("anna", now=T0 + 16 * 60 + 1) is None


def test_a_success_resets_the_failure_count(store: AccountStore):
    _fail(store, "anna", 4, T0)
    assert authenticate(store, "anna", PASSWORD, now=T0 + 5, delay=0) is not None
    _fail(store, "anna", 4, T0 + 6)
    assert store.locked_until("anna", now=T0 + 11) is None


def test_unknown_names_lock_too_so_lockout_reveals_nothing(store: AccountStore):
    _fail(store, "ghost", 5, T0)
    assert store.locked_until("ghost", now=T0 + 5) is not None


def test_role_rules_are_checked():
    with pytest.raises(AccountError, match="mindst én"):
        make_account("c", "coordinator")
    with pytest.raises(AccountError, match="98"):
        make_account("c", "coordinator", ["9999"])
    with pytest.raises(AccountError, match="worker-id"):
        make_account("w", "worker")
    with pytest.raises(AccountError):
        make_account("bad name!", "national")
    assert make_account("c", "coordinator", ["0101"]).municipalities == ("101",)


def test_short_password_is_refused(store: AccountStore):
    with pytest.raises(AccountError, match="10"):
        store.add(make_account("bo", "national"), "short")


# --- CLI -----------------------------------------------------------------------------------


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _cli(tmp_path: Path, *argv: str) -> int:
    return main(["user", *argv, "--db", str(tmp_path / "warehouse.duckdb")])


def _store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "accounts.sqlite")


def test_cli_add_reads_the_password_from_stdin_and_never_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _stdin(monkeypatch, PASSWORD + "\nignored second line\n")
    assert _cli(tmp_path, "add", "kim", "--role", "worker", "--worker-id", "W7") == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    account = authenticate(_store(tmp_path), "kim", PASSWORD, delay=0)
    assert account is not None and account.worker_id == "W7"


def test_cli_list_shows_accounts_without_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _stdin(monkeypatch, PASSWORD + "\n")
    _cli(tmp_path, "add", "anna", "--role", "coordinator", "--municipality", "101")
    capsys.readouterr()
    assert _cli(tmp_path, "list") == 0
    out = capsys.readouterr().out
    assert "anna" in out and "coordinator" in out and "101" in out
    assert "argon2" not in out


def test_cli_passwd_changes_the_password_via_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _stdin(monkeypatch, PASSWORD + "\n")
    _cli(tmp_path, "add", "bo", "--role", "national")
    _stdin(monkeypatch, "et-helt-nyt-kodeord\n")
    assert _cli(tmp_path, "passwd", "bo") == 0
    assert authenticate(_store(tmp_path), "bo", PASSWORD, delay=0) is None
    assert authenticate(_store(tmp_path), "bo", "et-helt-nyt-kodeord", delay=0) is not None


def test_cli_remove_deletes_the_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _stdin(monkeypatch, PASSWORD + "\n")
    _cli(tmp_path, "add", "bo", "--role", "viewer")
    assert _cli(tmp_path, "remove", "bo") == 0
    assert _store(tmp_path).get("bo") is None
    assert _cli(tmp_path, "remove", "bo") == 2


@pytest.mark.parametrize(
    ("argv", "password", "message"),
    [
        (["add", "c", "--role", "coordinator"], PASSWORD, "municipality"),
        (["add", "c", "--role", "coordinator", "--municipality", "12345"], PASSWORD, "1-4"),
        (["add", "w", "--role", "worker"], PASSWORD, "worker-id"),
        (["add", "n", "--role", "national"], "kort", "10 tegn"),
        (["passwd", "ghost"], PASSWORD, "findes ikke"),
    ],
)
def test_cli_user_errors_are_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    argv: list[str],
    password: str,
    message: str,
):
    _stdin(monkeypatch, password + "\n")
    assert _cli(tmp_path, *argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_cli_adding_an_existing_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _stdin(monkeypatch, PASSWORD + "\n")
    _cli(tmp_path, "add", "bo", "--role", "national")
    _stdin(monkeypatch, PASSWORD + "\n")
    assert _cli(tmp_path, "add", "bo", "--role", "viewer") == 2
    assert "findes allerede" in capsys.readouterr().err


def test_prompted_password_must_be_typed_the_same_twice(monkeypatch: pytest.MonkeyPatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(cli_user.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(AccountError, match="ikke ens"):
        cli_user.read_new_password(Tty())


# --- demo accounts --------------------------------------------------------------------------


def test_demo_accounts_are_created_once_and_printable_again(tmp_path: Path):
    from warehouse import db as wdb

    path = tmp_path / "warehouse.duckdb"
    with wdb.write_transaction(path) as con:
        for case_id, worker in (("F1", "W-A"), ("F2", "W-B"), ("F3", "W-B")):
            con.execute(
                "insert into raw.cases (case_id, municipality_code, case_type, worker_id, "
                "citizen_key, start_date, status, exported_at, batch_id) "
                "values ($c, '101', 'mentor', $w, 'cX', '2024-01-01', 'active', '2024-02-01', 1)",
                {"c": case_id, "w": worker},
            )
    first = accounts.ensure_demo_accounts(path)
    second = accounts.ensure_demo_accounts(path)
    assert first == second
    assert sorted(role for _, role, _ in first) == ["coordinator", "national", "viewer", "worker"]
    demo_file = tmp_path / accounts.DEMO_FILE_NAME
    assert stat.S_IMODE(demo_file.stat().st_mode) == 0o600
    store = _store(tmp_path)
    for name, _role, password in first:
        assert authenticate(store, name, password, delay=0) is not None
    assert store.get("medarbejder").worker_id == "W-B"
    assert store.get("koordinator").municipalities == ("101",)
