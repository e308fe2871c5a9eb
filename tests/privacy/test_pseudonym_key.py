"""The pseudonym key is bound to its warehouse: another, missing or broken key is refused.

A warehouse stores the fingerprint of the key that made its pseudonyms; `lat load` and
`lat erase` with another key, with a key file that holds no valid key, or without the key file of
a warehouse that already has pseudonyms stop with exit 2 and change nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from cli.main import main as lat
from privacy.pseudonym import Pseudonymizer
from tests.support.exports import case, query, write_export


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


@pytest.fixture
def key_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key comes from data/pseudonym.key (the default when no environment key is set)."""
    monkeypatch.delenv("LAT_PSEUDONYM_KEY", raising=False)


def _load(capsys, db: Path, export: Path) -> tuple[int, str]:
    code = lat(["load", str(export), "--db", str(db)])
    return code, capsys.readouterr().err


def _first_then_later(tmp_path: Path) -> tuple[Path, Path]:
    first = write_export(tmp_path / "e1", "2024-06-30", cases=[case("F1"), case("F2")])
    later = write_export(tmp_path / "e2", "2024-07-31", cases=[case("F1"), case("F3")])
    return first, later


def _state(db: Path) -> list[tuple]:
    return query(db, "select case_id, citizen_key from raw.cases order by case_id")


def test_the_warehouse_stores_a_keyed_fingerprint_never_the_key_or_its_hash(
    tmp_path: Path, db: Path, capsys
):
    from privacy.pseudonym import FINGERPRINT_LABEL

    first, _later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    stored = query(db, "select value from etl.meta where key = 'pseudonym_key_fingerprint'")
    key = b"test-key-not-secret"  # conftest's LAT_PSEUDONYM_KEY
    digest = hmac.new(key, FINGERPRINT_LABEL, "sha256").hexdigest()
    # hex with its digits as letters, so that it can never read as a CPR number
    assert stored == [(digest.translate(str.maketrans("0123456789", "ghijklmnop")),)]
    assert stored[0][0] not in (key.decode(), key.hex(), hashlib.sha256(key).hexdigest())


def test_a_load_with_another_environment_key_is_refused(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    before = _state(db)
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "another-key")
    code, err = _load(capsys, db, later)
    assert code == 2
    assert "Pseudonymnøglen er ikke den" in err and "Traceback" not in err
    assert _state(db) == before
    assert query(db, "select count(*) from etl.batches") == [(1,)]


def test_a_deleted_key_file_is_an_error_not_a_fresh_key(
    tmp_path: Path, db: Path, capsys, key_file_only: None
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    before = _state(db)
    (db.parent / "pseudonym.key").unlink()
    code, err = _load(capsys, db, later)
    assert code == 2
    assert "mangler" in err and "pseudonym.key" in err
    assert not (db.parent / "pseudonym.key").exists()
    assert _state(db) == before


def test_a_key_file_without_a_valid_key_is_an_error_and_kept(
    tmp_path: Path, db: Path, capsys, key_file_only: None
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    before = _state(db)
    key_file = db.parent / "pseudonym.key"
    key_file.write_text("not a hex key\n")
    code, err = _load(capsys, db, later)
    assert code == 2
    assert "ikke en gyldig pseudonymnøgle" in err
    assert key_file.read_text() == "not a hex key\n"
    assert _state(db) == before


def test_a_broken_key_file_is_refused_even_for_a_new_warehouse(
    tmp_path: Path, db: Path, capsys, key_file_only: None
):
    db.parent.mkdir(parents=True)
    (db.parent / "pseudonym.key").write_text("abcd\n")  # hex, but two bytes: no key
    first, _later = _first_then_later(tmp_path)
    code, err = _load(capsys, db, first)
    assert code == 2 and "ikke en gyldig pseudonymnøgle" in err
    assert not db.exists()


def test_a_warehouse_from_before_fingerprints_without_its_key_file_is_refused(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("delete from etl.meta where key = 'pseudonym_key_fingerprint'")
    con.close()
    monkeypatch.delenv("LAT_PSEUDONYM_KEY")
    code, err = _load(capsys, db, later)
    assert code == 2 and "mangler" in err
    assert not (db.parent / "pseudonym.key").exists()


def test_the_same_key_from_the_key_file_keeps_loading(
    tmp_path: Path, db: Path, capsys, key_file_only: None
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    f1 = _state(db)[0]
    assert _load(capsys, db, later)[0] == 0
    assert _state(db)[0] == f1


def test_an_erasure_with_another_key_is_refused_and_the_erased_stay_erased(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    assert lat(["erase", "--case", "F2", "--db", str(db)]) == 0
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "another-key")
    capsys.readouterr()
    assert lat(["erase", "--case", "F1", "--db", str(db)]) == 2
    assert "Pseudonymnøglen er ikke den" in capsys.readouterr().err
    assert [row[0] for row in _state(db)] == ["F1"]
    # and with another key a later export cannot bring the erased case back either
    again = write_export(tmp_path / "e3", "2024-08-31", cases=[case("F2")])
    assert _load(capsys, db, again)[0] == 2
    assert [row[0] for row in _state(db)] == ["F1"]


def test_the_fingerprint_differs_between_keys():
    assert Pseudonymizer(b"a" * 32).fingerprint() != Pseudonymizer(b"b" * 32).fingerprint()


def test_a_purge_with_another_key_is_refused(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    closed = case("F9", slutdato="2024-02-01", status="afsluttet")
    export = write_export(tmp_path / "e", "2024-06-30", cases=[closed])
    assert _load(capsys, db, export)[0] == 0
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "another-key")
    assert lat(["purge", "--closed-before", "2025-01-01", "--db", str(db)]) == 2
    assert "Pseudonymnøglen er ikke den" in capsys.readouterr().err
    assert [row[0] for row in _state(db)] == ["F9"]


def test_lat_demo_with_a_broken_demo_key_says_so(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, key_file_only: None
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "demo").mkdir(parents=True)
    (tmp_path / "data" / "demo" / "pseudonym.key").write_text("junk\n")
    assert lat(["demo"]) == 2
    err = capsys.readouterr().err
    assert "ikke en gyldig pseudonymnøgle" in err and "Traceback" not in err


# A key (one in some 700) whose hex fingerprint held ten digits that read as a CPR number: the
# warehouse's own CPR check then refused every load of that warehouse, for good.
CPR_FINGERPRINT_KEY = "6f55afa58facbcb6ea3a53f36bfe3eb4"


def test_a_key_whose_hex_fingerprint_reads_as_a_cpr_number_still_loads(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    from privacy.cpr import looks_like_cpr

    keys = Pseudonymizer(CPR_FINGERPRINT_KEY.encode())
    assert looks_like_cpr(keys._legacy_fingerprint())
    assert not looks_like_cpr(keys.fingerprint())
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", CPR_FINGERPRINT_KEY)
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first) == (0, "")
    assert lat(["check", "--db", str(db)]) == 0


def test_a_warehouse_with_a_hex_fingerprint_keeps_its_key_and_is_given_the_new_form(
    tmp_path: Path, db: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    import duckdb

    monkeypatch.setenv("LAT_PSEUDONYM_KEY", CPR_FINGERPRINT_KEY)
    first, later = _first_then_later(tmp_path)
    assert _load(capsys, db, first)[0] == 0
    keys = Pseudonymizer(CPR_FINGERPRINT_KEY.encode())
    con = duckdb.connect(str(db))  # as a warehouse made before fingerprints were letters
    con.execute(
        "update etl.meta set value = $v where key = 'pseudonym_key_fingerprint'",
        {"v": keys._legacy_fingerprint()},
    )
    con.close()
    assert _load(capsys, db, later) == (0, "")
    assert query(db, "select value from etl.meta where key = 'pseudonym_key_fingerprint'") == [
        (keys.fingerprint(),)
    ]
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "ab" * 16)  # another key is still refused
    assert (
        _load(capsys, db, write_export(tmp_path / "e3", "2024-08-31", cases=[case("F4")]))[0] == 2
    )
