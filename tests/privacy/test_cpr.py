"""CPR-like numbers (rule 22) and keyed pseudonyms (rule 23)."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy import cpr
from privacy.cpr import MASK, cpr_flag_expr, cpr_mask_expr, looks_like_cpr, mask_cpr
from privacy.pseudonym import Pseudonymizer, normalise_citizen_id


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


@pytest.mark.parametrize("length", [1, 32, 63, 64, 65, 200])
def test_the_column_path_is_hmac_sha256_under_keys_of_every_length(length) -> None:
    """citizen_keys derives HMAC-SHA256 from the padded keys itself (a key longer than SHA-256's
    block is hashed first): it must be the standard's, as `hmac` makes it, whatever the key."""
    key = bytes((7 * i + 1) % 256 for i in range(length))
    texts = ["", "B7", "0101901234", "æøå" * 40]
    expected = [
        "c" + hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest()[:20] for t in texts
    ]
    assert Pseudonymizer(key)._candidates("c", texts) == expected


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


def test_the_fold_table_holds_every_character_fold_char_changes():
    """`_fold_table` skips most characters by category before asking `_fold_char`: it must still
    find every one that folds."""
    table = cpr._fold_table()
    for point in cpr._SCANNED:
        char = chr(point)
        assert table.get(char, char) == cpr._fold_char(char), hex(point)


def test_every_ascii_character_is_normalised_in_a_column_as_in_a_single_id():
    """The column's vectorised normalisation of ASCII ids names the characters it drops: one
    missing (or one too many) gives a citizen two pseudonyms."""
    keys = Pseudonymizer(b"k")
    ids = [f"0101{chr(code)}901234" for code in range(128)] + ["B 1\x1f-2"]
    column = keys.citizen_keys(pl.Series("borger_id", ids)).to_list()
    assert column == [keys.citizen_key(i) for i in ids]


# --- the same number written differently (rule 22 read with Unicode digits and dashes) --------

# the '0' of each way of writing digits: ASCII, full-width, mathematical bold and monospace,
# Arabic-Indic, Extended Arabic-Indic (Persian) and Devanagari
DIGIT_ZEROS = ("0", "\uff10", "\U0001d7ce", "\U0001d7f6", "\u0660", "\u06f0", "\u0966")
SEPARATORS = ("", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212",
              "\ufe63", "\uff0d", " ", "\u00a0", "\u202f", "\t")  # fmt: skip
CONTEXT = st.text(alphabet=st.sampled_from("abcæøå XYZ:.,;()/-\u2013\u00a0"), max_size=8)


@st.composite
def written_cpr(draw: st.DrawFn) -> tuple[str, str]:
    """(the plain ten digits, the same number written with any digits and one separator)."""
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    plain = f"{born:%d%m%y}{draw(st.integers(0, 9999)):04d}"
    zeros = draw(st.lists(st.sampled_from(DIGIT_ZEROS), min_size=10, max_size=10))
    digits = "".join(chr(ord(zero) + int(d)) for zero, d in zip(zeros, plain, strict=True))
    return plain, digits[:6] + draw(st.sampled_from(SEPARATORS)) + digits[6:]


def _polars(expr, text: str):
    return pl.DataFrame({"t": [text]}).select(expr(pl.col("t")))["t"][0]


@pytest.mark.parametrize(
    ("number", "separator"),
    [
        ("010190\u20131234", "\u2013"),  # en dash
        ("010190\u20141234", "\u2014"),  # em dash
        ("010190\u22121234", "\u2212"),  # minus sign
        ("010190\u20111234", "\u2011"),  # non-breaking hyphen
        ("\uff10\uff11\uff10\uff11\uff19\uff10-\uff11\uff12\uff13\uff14", "-"),  # full-width
        ("010190 1234", " "),  # one space
        ("010190\u00a01234", "\u00a0"),  # a no-break space
        ("\u0660\u0661\u0660\u0661\u0669\u0660-\u0661\u0662\u0663\u0664", "-"),  # Arabic-Indic
        ("\u0966\u0967\u0966\u0967\u096f\u0966-\u0967\u0968\u0969\u096a", "-"),  # Devanagari
        ("0101\u200b90-1234", "-"),  # a zero-width space inside, invisible on screen
        ("010190\u00ad-12\u20603\ufeff4", "-"),  # soft hyphen, word joiner, BOM
        ("01\U000e003101\U000e003290-1234", "-"),  # tag characters
    ],
    ids=[
        "en-dash",
        "em-dash",
        "minus",
        "nb-hyphen",
        "full-width",
        "space",
        "nb-space",
        "arabic-indic",
        "devanagari",
        "zero-width-space",
        "invisible-format",
        "tags",
    ],
)
def test_a_cpr_number_written_differently_is_found_and_masked(number: str, separator: str) -> None:
    for text in (number, f"ring til {number} i morgen"):
        assert looks_like_cpr(text)
        assert MASK in mask_cpr(text) and not looks_like_cpr(mask_cpr(text))
        assert _polars(cpr_flag_expr, text) is True
        assert _polars(cpr_mask_expr, text) == mask_cpr(text)
    # still not part of a longer run of digits (any digits), and one separator only
    doubled = number.replace(separator, separator * 2)
    for text in (f"5{number}", f"{number}\uff15", doubled):
        assert not looks_like_cpr(text)
        assert _polars(cpr_flag_expr, text) is False
        assert mask_cpr(text) == _polars(cpr_mask_expr, text) == text


@given(written_cpr(), CONTEXT, CONTEXT)
def test_any_way_of_writing_a_cpr_number_is_masked_alike_in_both_engines(
    cpr: tuple[str, str], before: str, after: str
) -> None:
    text = before + cpr[1] + after
    assert looks_like_cpr(text) and _polars(cpr_flag_expr, text) is True
    masked = mask_cpr(text)
    assert _polars(cpr_mask_expr, text) == masked
    assert MASK in masked and not looks_like_cpr(masked)


@given(written_cpr())
def test_a_borger_id_the_detector_reads_as_a_cpr_number_is_that_citizen(
    cpr: tuple[str, str],
) -> None:
    """borger_id normalisation and the detector fold alike: one number, one pseudonym."""
    plain, written = cpr
    assert looks_like_cpr(written)
    assert normalise_citizen_id(written) == plain
    keys = Pseudonymizer(b"k")
    assert keys.citizen_key(written) == keys.citizen_key(plain)
