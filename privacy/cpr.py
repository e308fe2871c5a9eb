"""CPR-like numbers (export-format.md rule 22): detect and mask them, in Python and in polars.

A CPR-like number is DDMMYY (a real date in 19YY or 20YY), an optional separator, and four digits,
not part of a longer run of digits. The same number written differently is the same number: the
text is first folded character by character (`fold_cpr_text`), so a decimal digit of any script
(full-width, Arabic-Indic, Devanagari, ...) or another character whose NFKC form is an ASCII digit
reads as that digit, every dash-like character (en dash, minus sign, non-breaking hyphen, ...)
reads as '-', every whitespace character as ' ', and an invisible format character (zero-width
space, soft hyphen, word joiner, tag characters) as nothing; the separator is then one '-' or
one ' '. `borger_id` normalisation (privacy.pseudonym) folds with the
same function, so the detector and the pseudonym always agree on what one number is.

The date test is written into the regex itself: a day-month pair is valid in some 19YY/20YY year
exactly when it is a calendar day, with 29 February allowed when YY is divisible by 4 (1900 is not
a leap year but 2000 is, so '290200' counts). One regex keeps the check a single vectorised pass
in polars instead of extract-then-parse.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path, PurePath

import polars as pl

_DDMMYY = (
    r"(?:"
    r"(?:0[1-9]|1[0-9]|2[0-8])(?:0[1-9]|1[0-2])[0-9]{2}"  # days 1-28 of any month
    r"|(?:29|30)(?:0[13-9]|1[0-2])[0-9]{2}"  # 29th and 30th, every month but February
    r"|31(?:0[13578]|1[02])[0-9]{2}"  # 31st in the long months
    r"|2902(?:[02468][048]|[13579][26])"  # 29 February of a year divisible by 4
    r")"
)
# After folding a separator is exactly '-' or ' ' (one of them, or none).
_CORE = _DDMMYY + r"[- ]?[0-9]{4}"

# Python `re` form with look-arounds: no digit directly before or after.
CPR_PATTERN: str = r"(?<![0-9])" + _CORE + r"(?![0-9])"
_CPR_RE = re.compile(CPR_PATTERN)

# Engines without look-arounds (polars' Rust regex, DuckDB's RE2) consume the boundaries instead:
# the same matches as CPR_PATTERN for a yes/no search (warehouse/checks.py runs it in SQL on text
# as stored, where an ASCII whitespace character other than ' ' is a separator too: the Python
# detector folds it to ' ' first).
_ASCII_SEPARATOR = r"[-\t\n\x0b\x0c\r\x1c-\x1f ]?"
CPR_SEARCH_PATTERN: str = (
    r"(?:^|[^0-9])" + _DDMMYY + _ASCII_SEPARATOR + r"[0-9]{4}" + r"(?:[^0-9]|$)"
)
# The fewest bytes a text holding a CPR-like number can have: its ten digits, each at least one
# byte (folding never makes a text longer), so a shorter text needs no regex.
CPR_MIN_BYTES = 10
# polars masking puts the consumed boundaries back.
_POLARS_MASK = r"(^|[^0-9])" + _CORE + r"([^0-9]|$)"

MASK = "XXXXXX-XXXX"

# Planes 0 and 1 hold every digit, dash and space character there is; the higher planes are
# ideographs and private use, and scanning them too would take twenty times as long. The tag
# characters of plane 14 are invisible format characters (below), so they are scanned as well.
_SCANNED = (*range(0x20000), *range(0xE0000, 0xE0080))


@functools.cache
def _fold_table() -> dict[str, str]:
    """Every character that folds to something else: digit -> ASCII digit, dash -> '-', space -> ' '.

    Built from the Unicode database once per process, on first use (the dashboard's pages that
    never check a text do not pay for it).
    """
    table: dict[str, str] = {}
    category = unicodedata.category
    for point in _SCANNED:
        char = chr(point)
        # the cheap test first: `_fold_char` changes nothing else (every load builds this table,
        # and calling it for each of the 130,000 characters took a tenth of a second)
        if category(char) in _FOLDED_CATEGORIES or char.isspace() or char == "\u2212":
            folded = _fold_char(char)
            if folded != char:
                table[char] = folded
    return table


# the categories `_fold_char` folds; apart from them it folds only whitespace and U+2212
_FOLDED_CATEGORIES = frozenset({"Nd", "Cf", "No", "Pd"})


def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Nd":  # a decimal digit of any script: Arabic-Indic, Devanagari, full-width
        return str(unicodedata.decimal(char))
    if category == "Cf":
        # invisible format characters (zero-width space, soft hyphen, word joiner, BOM, tags)
        # would hide a number on screen in plain sight: they read as nothing
        return ""
    if category == "No":
        nfkc = unicodedata.normalize("NFKC", char)
        return nfkc if len(nfkc) == 1 and "0" <= nfkc <= "9" else char
    if category == "Pd" or char == "\u2212":  # U+2212 MINUS SIGN is a math symbol, not Pd
        return "-"
    if char.isspace():
        return " "
    return char


@functools.cache
def _translation() -> dict[int, str]:
    return {ord(char): folded for char, folded in _fold_table().items()}


def fold_cpr_text(text: str) -> str:
    """`text` with digits, dashes and whitespace in plain ASCII (one character for one) and
    invisible format characters removed.

    '０１０１９０–１２３４' -> '010190-1234'; every other character is left as it is.
    """
    return text.translate(_translation())


def fold_cpr_expr(col: pl.Expr) -> pl.Expr:
    """`fold_cpr_text` on a string column, vectorised (one Aho-Corasick pass)."""
    table = _fold_table()
    return col.str.replace_many(list(table), list(table.values()))


def looks_like_cpr(text: str) -> bool:
    """True when `text` contains a CPR-like number anywhere."""
    return _CPR_RE.search(fold_cpr_text(text)) is not None


def mask_cpr(text: str) -> str:
    """`text` with every CPR-like number replaced by 'XXXXXX-XXXX'.

    Text without one comes back untouched; text with one comes back folded (`fold_cpr_text`),
    exactly as `cpr_mask_expr` gives it, so both engines store the same masked value.
    """
    folded = fold_cpr_text(text)
    masked = _CPR_RE.sub(MASK, folded)
    return text if masked == folded else masked


def cpr_flag_expr(col: pl.Expr) -> pl.Expr:
    """Boolean expression: the string contains a CPR-like number (null stays null)."""
    return fold_cpr_expr(col).str.contains(CPR_SEARCH_PATTERN)


def cpr_mask_expr(col: pl.Expr) -> pl.Expr:
    """Replace each CPR-like number in a string column with 'XXXXXX-XXXX' (as `mask_cpr`).

    Two passes: a match consumes the character after it, so a second number separated from the
    first by one character is only found once the first is masked.
    """
    replacement = "${1}" + MASK + "${2}"
    folded = fold_cpr_expr(col)
    masked = folded.str.replace_all(_POLARS_MASK, replacement).str.replace_all(
        _POLARS_MASK, replacement
    )
    return pl.when(masked == folded).then(col).otherwise(masked)


def display_name(name: str) -> str:
    """A file name as it can be printed and stored: bytes that are not UTF-8 (a name from a
    Windows-1252 disk) shown as U+FFFD instead of the surrogates Python decodes them to."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def export_name(path: str | Path) -> str:
    """An export as stored and shown: the last component of its path, CPR-like numbers masked.

    '/srv/eksporter/010190-1234/' -> 'XXXXXX-XXXX'; a name-less path ('.', '/') is kept as given.
    """
    name = PurePath(path).name
    return mask_cpr(unicodedata.normalize("NFC", display_name(name or str(path))))
