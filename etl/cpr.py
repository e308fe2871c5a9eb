"""CPR-like numbers (export-format.md rule 22): detect and mask them, in Python and in polars.

A CPR-like number is DDMMYY (a real date in 19YY or 20YY), an optional '-', and four digits, not
part of a longer run of digits. The date test is written into the regex itself: a day-month pair
is valid in some 19YY/20YY year exactly when it is a calendar day, with 29 February allowed when
YY is divisible by 4 (1900 is not a leap year but 2000 is, so '290200' counts). One regex keeps the
check a single vectorised pass in polars instead of extract-then-parse.
"""

from __future__ import annotations

import re

import polars as pl

_DDMMYY = (
    r"(?:"
    r"(?:0[1-9]|1[0-9]|2[0-8])(?:0[1-9]|1[0-2])[0-9]{2}"  # days 1-28 of any month
    r"|(?:29|30)(?:0[13-9]|1[0-2])[0-9]{2}"  # 29th and 30th, every month but February
    r"|31(?:0[13578]|1[02])[0-9]{2}"  # 31st in the long months
    r"|2902(?:[02468][048]|[13579][26])"  # 29 February of a year divisible by 4
    r")"
)
_CORE = _DDMMYY + r"-?[0-9]{4}"

# Python `re` form with look-arounds: no digit directly before or after.
CPR_PATTERN: str = r"(?<![0-9])" + _CORE + r"(?![0-9])"
_CPR_RE = re.compile(CPR_PATTERN)

# Engines without look-arounds (polars' Rust regex, DuckDB's RE2) consume the boundaries instead:
# the same matches as CPR_PATTERN for a yes/no search (warehouse/checks.py runs it in SQL).
CPR_SEARCH_PATTERN: str = r"(?:^|[^0-9])" + _CORE + r"(?:[^0-9]|$)"
# polars masking puts the consumed boundaries back.
_POLARS_MASK = r"(^|[^0-9])" + _CORE + r"([^0-9]|$)"

MASK = "XXXXXX-XXXX"


def looks_like_cpr(text: str) -> bool:
    """True when `text` contains a CPR-like number anywhere."""
    return _CPR_RE.search(text) is not None


def mask_cpr(text: str) -> str:
    """`text` with every CPR-like number replaced by 'XXXXXX-XXXX'."""
    return _CPR_RE.sub(MASK, text)


def cpr_flag_expr(col: pl.Expr) -> pl.Expr:
    """Boolean expression: the string contains a CPR-like number (null stays null)."""
    return col.str.contains(CPR_SEARCH_PATTERN)


def cpr_mask_expr(col: pl.Expr) -> pl.Expr:
    """Replace each CPR-like number in a string column with 'XXXXXX-XXXX'.

    Two passes: a match consumes the character after it, so a second number separated from the
    first by one character is only found once the first is masked.
    """
    replacement = "${1}" + MASK + "${2}"
    return col.str.replace_all(_POLARS_MASK, replacement).str.replace_all(_POLARS_MASK, replacement)
