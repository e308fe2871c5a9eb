"""CPR-like numbers (rule 22) and keyed pseudonyms (rule 23)."""

from __future__ import annotations

import os
import stat

import polars as pl
import pytest

from etl.cpr import cpr_flag_expr, cpr_mask_expr, looks_like_cpr, mask_cpr
from etl.pseudonym import Pseudonymizer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0101901234", True),
        ("010190-1234", True),
        ("ring til 010190-1234 i morgen", True),
        ("id:3112991234.", True),
        ("2902001234", True),  # 29 February 2000
        ("2902961234", True),  # 29 February 1996
        ("2902011234", False),  # no 29 February in 1901 or 2001
        ("3102901234", False),  # 31 February
        ("3104901234", False),  # 31 April
        ("0013901234", False),  # month 13
        ("0001901234", False),  # day 0
        ("10101901234", False),  # part of a longer digit run
        ("01019012345", False),
        ("010190--1234", False),
        ("010190 1234", True),  # one space is a separator too (as borger_id normalisation has it)
        ("010190  1234", False),  # two are not
        ("K0000123", False),
        ("2024-03-05", False),
        ("", False),
    ],
)
def test_looks_like_cpr_follows_rule_22(text: str, expected: bool) -> None:
    assert looks_like_cpr(text) is expected


def test_polars_flag_agrees_with_python_check() -> None:
    texts = [
        "0101901234",
        "x 010190-1234 y",
        "3102901234",
        "2902001234",
        "10101901234",
        "K000123",
        "a0101901234b",
    ]
    flags = pl.DataFrame({"t": texts}).select(cpr_flag_expr(pl.col("t")))["t"].to_list()
    assert flags == [looks_like_cpr(t) for t in texts]


def test_mask_replaces_every_cpr_number_even_adjacent_ones() -> None:
    texts = ["a0101901234b0101901234c0101901234", "0101901234-0101901234", "K000123", None]
    masked = pl.DataFrame({"t": texts}).select(cpr_mask_expr(pl.col("t")))["t"].to_list()
    assert masked == [
        "aXXXXXX-XXXXbXXXXXX-XXXXcXXXXXX-XXXX",
        "XXXXXX-XXXX-XXXXXX-XXXX",
        "K000123",
        None,
    ]
    assert mask_cpr("ring 010190-1234") == "ring XXXXXX-XXXX"
    assert not any(looks_like_cpr(m) for m in masked if m)


def test_citizen_key_is_stable_and_ignores_dash_and_spaces() -> None:
    p = Pseudonymizer(b"secret")
    key = p.citizen_key("010190-1234")
    assert key == p.citizen_key("0101901234") == p.citizen_key(" 010190 1234 ")
    assert key.startswith("c") and len(key) == 21
    assert key != Pseudonymizer(b"other").citizen_key("0101901234")
    assert p.case_key("K1").startswith("k") and p.case_key("K1") != p.case_key("K2")


def test_pseudonyms_are_never_cpr_like() -> None:
    p = Pseudonymizer(b"secret")
    keys = [p.citizen_key(str(i)) for i in range(20000)]
    assert not any(looks_like_cpr(k) for k in keys)
    assert len(set(keys)) == len(keys)


def test_citizen_keys_vectorised_matches_scalar() -> None:
    p = Pseudonymizer(b"secret")
    ids = pl.Series("borger_id", ["010190-1234", "0101901234", None, "B7"])
    keys = p.citizen_keys(ids).to_list()
    assert keys == [p.citizen_key("010190-1234")] * 2 + [None, p.citizen_key("B7")]


def test_key_from_environment_wins(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "abc")
    p = Pseudonymizer.from_environment(tmp_path / "key")
    assert p.citizen_key("x") == Pseudonymizer(b"abc").citizen_key("x")
    assert not (tmp_path / "key").exists()


def test_key_file_is_created_private_and_reused(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LAT_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / "sub" / "pseudonym.key"
    first = Pseudonymizer.from_environment(key_file).citizen_key("x")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    assert Pseudonymizer.from_environment(key_file).citizen_key("x") == first


def test_cpr_like_candidates_are_rederived_in_the_vectorised_path_too() -> None:
    p = Pseudonymizer(b"secret")
    unlucky = next(str(i) for i in range(100_000) if looks_like_cpr(p._candidate("c", str(i))))
    (key,) = p.citizen_keys(pl.Series([unlucky])).to_list()
    assert key == p.citizen_key(unlucky) and not looks_like_cpr(key)


def test_a_column_and_a_single_id_get_the_same_citizen_key():
    """Erasure keys one id, the loader a column: they must agree, odd characters included."""
    keys = Pseudonymizer(b"k")
    ids = ["010190-1234", "0101901234", " 01019 01234 ", "01019\x1c01234", "B-77", None]
    column = keys.citizen_keys(pl.Series("borger_id", ids)).to_list()
    assert column == [None if i is None else keys.citizen_key(i) for i in ids]
    assert column[0] == column[1] == column[2]
