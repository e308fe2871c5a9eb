"""Forgiving readers of single cells and names (export-format.md section 2 and rules 2-5).

Each `parse_*` function takes one trimmed, non-empty cell and returns the typed value, or None when
the cell is not a valid value of that type. `parse_distinct` applies such a function to a polars
column once per distinct value, which keeps validation vectorised: exports repeat the same dates,
scores and codes millions of times, so the Python work is bounded by the number of distinct cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

import polars as pl

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "_", "-": "_"})


def fold(text: str) -> str:
    """Fold a name or enum value: NFC, trimmed, lower case, æ ø å spelled out, spaces and - as _."""
    folded = unicodedata.normalize("NFC", text).strip().lower().translate(_FOLD)
    return re.sub(r"_+", "_", folded)


# Integers (rule 3): leading zeros allowed, then optionally ',' or '.' and zeros only. A fraction of
# exactly three zeros reads as a thousands separator ('1.000'), which is ambiguous, so it is refused.
_INT = re.compile(r"([0-9]+)(?:[.,](0{1,2}|0{4,}))?")
_DECIMAL = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})([-./])([0-9]{1,2})\2([0-9]{4})")
# Rule 4: a time part after a date is dropped ('14:10', '14:10:05', and XLSX date-time cells).
_TIME = re.compile(r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
_CODE = re.compile(r"[0-9]{1,4}")
# Integers of more digits than this stand for INT_CEILING: no rule admits them, Int64 holds the
# ceiling, and int() never meets Python's 4,300-digit limit on a hostile cell.
_INT_DIGITS = 18
INT_CEILING = 2**63 - 1

_BOOLEANS = {
    "ja": True,
    "true": True,
    "1": True,
    "yes": True,
    "nej": False,
    "false": False,
    "0": False,
    "no": False,
}


def parse_int(cell: str) -> int | None:
    """'7', '07', '7,0', '7.00' -> 7; anything else (sign, '7,5', '1.000') -> None.

    A number of more than 18 digits reads as INT_CEILING, so that range checks call it out of
    range: it is a well-formed integer, only far too large.
    """
    match = _INT.fullmatch(cell)
    if not match:
        return None
    digits = match.group(1).lstrip("0")
    return int(digits or "0") if len(digits) <= _INT_DIGITS else INT_CEILING


def parse_decimal(cell: str) -> float | None:
    """'2,5' and '2.5' -> 2.5; no sign or thousands separators."""
    match = _DECIMAL.fullmatch(cell)
    if not match:
        return None
    return float(f"{match.group(1)}.{match.group(2) or 0}")


def parse_date(cell: str) -> date | None:
    """'2024-03-05', '05-03-2024', '5.3.2024', '05/03/2024' (day first), optional time part."""
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_DMY_DATE, (4, 3, 1))):
        match = pattern.match(cell)
        if match and _TIME.fullmatch(cell, match.end()):
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def parse_bool(cell: str) -> bool | None:
    """ja/nej, true/false, 1/0, yes/no (folded)."""
    return _BOOLEANS.get(fold(cell))


def parse_municipality_code(cell: str) -> str | None:
    """One to four digits, leading zeros dropped: '0101' -> '101'; other text -> None."""
    if not _CODE.fullmatch(cell):
        return None
    return str(int(cell))


def enum_parser(values: dict[str, str]) -> Callable[[str], str | None]:
    """A parser for an enum given as {accepted spelling: code}; spellings are folded first."""
    folded = {fold(spelling): code for spelling, code in values.items()}
    return lambda cell: folded.get(fold(cell))


def parse_distinct(
    column: pl.Series, parse: Callable[[str], object], dtype: pl.DataType
) -> pl.Series:
    """Apply `parse` once per distinct non-null cell; invalid and missing cells become null."""
    distinct = column.drop_nulls().unique()
    values = pl.Series(column.name, [parse(c) for c in distinct], dtype=dtype)
    # Casting to an Enum of the distinct cells gives each cell the index of its parsed value,
    # which is cheaper than a join on strings for millions of rows.
    index = column.cast(pl.Enum(distinct)).to_physical()
    return values.gather(index).alias(column.name)
