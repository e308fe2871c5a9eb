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


def _warehouse_with_workers(path: Path, workers: tuple[str, ...]) -> None:
    from warehouse import db as wdb

    with wdb.write_transaction(path) as con:
        for worker in workers:
            con.execute(
                "insert into raw.workers (worker_id, municipality_code, role, name, active, exported_at, "
                "batch_id) values ($w, '101', 'mentor', 'X', true, '2024-02-01', 1)",
                {"w": worker},
            )


def test_cli_add_refuses_a_worker_id_the_warehouse_does_not_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _stdin(monkeypatch, PASSWORD + "\n")
    assert _cli(tmp_path, "add", "kim", "--role", "worker", "--worker-id", "W7") == 2
    assert "intet datalager" in capsys.readouterr().err  # nothing to check it against
    _warehouse_with_workers(tmp_path / "warehouse.duckdb", ("W8",))
    _stdin(monkeypatch, PASSWORD + "\n")
    assert _cli(tmp_path, "add", "kim", "--role", "worker", "--worker-id", "W7") == 2
    assert "'W7' findes ikke" in capsys.readouterr().err
    assert _store(tmp_path).get("kim") is None


def test_every_user_command_says_which_accounts_file_it_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAT_DB", raising=False)
    assert main(["user", "list"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    expected = tmp_path / "data" / "accounts.sqlite"
    warehouse = expected.parent / "warehouse.duckdb"
    assert first == f"Brugerfil: {expected} (ved siden af datalageret {warehouse})"


def test_cli_add_reads_the_password_from_stdin_and_never_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _warehouse_with_workers(tmp_path / "warehouse.duckdb", ("W7",))
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


# --- sessions ------------------------------------------------------------------------------


def test_a_session_token_is_signed_and_names_its_account(store: AccountStore):
    token = store.open_session("anna", now=T0)
    assert store.session(token, now=T0 + 1).name == "anna"
    session_id, _, signature = token.partition(".")
    forged = session_id + "." + ("0" * len(signature))
    assert store.session(forged, now=T0 + 1) is None
    assert store.session(session_id, now=T0 + 1) is None
    assert store.session("x" * 500, now=T0 + 1) is None
    assert store.session(None) is None
    # the store keeps a hash of the session id, never the token
    rows = store._query("select token_hash from sessions")
    assert rows and session_id not in rows[0][0] and token not in rows[0][0]


def test_a_session_expires_after_eight_hours_or_thirty_idle_minutes(store: AccountStore):
    token = store.open_session("anna", now=T0)
    for minute in range(1, 8 * 60, 20):  # active every 20 minutes for almost 8 hours
        assert store.session(token, now=T0 + minute * 60) is not None, minute
    assert store.session(token, now=T0 + 8 * 3600 + 1) is None
    idle = store.open_session("anna", now=T0)
    assert store.session(idle, now=T0 + 29 * 60) is not None
    assert store.session(idle, now=T0 + 29 * 60 + 31 * 60) is None


def test_revoke_password_change_and_removal_end_live_sessions(store: AccountStore):
    store.add(make_account("bo", "national"), PASSWORD)
    anna, bo = store.open_session("anna"), store.open_session("bo")
    assert store.revoke("anna") == 1
    assert store.session(anna) is None and store.session(bo) is not None
    anna = store.open_session("anna")
    store.set_password("anna", "et-helt-nyt-kodeord")
    assert store.session(anna) is None
    store.remove("bo")
    assert store.session(bo) is None


def test_a_session_made_under_another_key_is_refused(store: AccountStore, tmp_path: Path):
    token = store.open_session("anna")
    (tmp_path / accounts.SESSION_KEY_FILE_NAME).write_text("ab" * 32 + "\n")
    assert AccountStore(store.path).session(token) is None
    assert stat.S_IMODE((tmp_path / accounts.SESSION_KEY_FILE_NAME).stat().st_mode) == 0o600


def test_cli_revoke_ends_the_sessions_of_that_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    _stdin(monkeypatch, PASSWORD + "\n")
    _cli(tmp_path, "add", "bo", "--role", "national")
    token = _store(tmp_path).open_session("bo")
    capsys.readouterr()
    assert _cli(tmp_path, "revoke", "bo") == 0
    assert "1 aktiv session for bo er afsluttet." in capsys.readouterr().out  # Danish singular
    assert _store(tmp_path).session(token) is None
    for _ in range(2):
        _store(tmp_path).open_session("bo")
    assert _cli(tmp_path, "revoke", "bo") == 0
    assert "2 aktive sessioner for bo er afsluttet." in capsys.readouterr().out
    assert _cli(tmp_path, "revoke", "bo") == 0
    assert "Ingen aktive sessioner for bo at afslutte." in capsys.readouterr().out
    assert _cli(tmp_path, "revoke", "ghost") == 2


def test_twenty_failures_from_one_client_lock_that_client_for_any_name(store: AccountStore):
    for i in range(accounts.MAX_CLIENT_FAILURES):
        name = f"guess-{i % 4}"  # under five per name: no name is locked
        tried = authenticate(store, name, "wrong-password!", now=T0 + i, delay=0, client="1.2.3.4")
        assert tried is None
    assert store.locked_until("anna", T0 + 30) is None
    assert store.client_locked_until("1.2.3.4", T0 + 30) is not None
    # the right password from that client is refused; from another client it works
    assert authenticate(store, "anna", PASSWORD, now=T0 + 30, delay=0, client="1.2.3.4") is None
    assert authenticate(store, "anna", PASSWORD, now=T0 + 30, delay=0, client="5.6.7.8")
    assert store.client_locked_until("1.2.3.4", T0 + 30 + 15 * 60 + 1) is None
