"""Danish (default) and English number and date formats for the documents: the dashboard's own
(texts/formats.py, CLDR through Babel), with the documents' argument order (value, lang, ...).
Dates '3. feb. 2024' / '3 Feb 2024', months 'feb. 2024' / 'Feb 2024', '1.234,5' / '1,234.5',
'45 %' / '45%'. A missing value prints as '–'.
"""

from __future__ import annotations

from datetime import date

from app.suppression import MIN_CASES, is_small
from texts import formats, text

LANGS = formats.LANGS
MISSING = formats.MISSING
SUPPRESSED = f"<{MIN_CASES}"  # the dashboard's mark for a figure built from too few cases


def fmt_date(value: date | None, lang: str) -> str:
    """'3. feb. 2024' (da) or '3 Feb 2024' (en)."""
    return formats.day(value, lang)


def fmt_month(value: date | None, lang: str) -> str:
    """'feb. 2024' (da) or 'Feb 2024' (en)."""
    return formats.month(value, lang)


def fmt_number(value: float | None, lang: str, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5' (da) or '1,234.5' (en)."""
    return formats.number(value, decimals, lang)


def fmt_int(value: int | None, lang: str) -> str:
    return formats.integer(value, lang)


def fmt_signed(value: float | None, lang: str, decimals: int = 1) -> str:
    """A change with its sign: '+12,0' / '-3,5'."""
    return formats.signed(value, decimals, lang)


def fmt_pct(share: float | None, lang: str) -> str:
    """A share 0-1 as '45 %' (da) or '45%' (en)."""
    return formats.percent(share, 0, lang)


def fmt_hidden(value: float | None, by: str | None, lang: str, kind: str = "int") -> str:
    """A figure after app.suppression.apply: '<5' when hidden for being small, 'skjult' when hidden
    as the complement of a small one, else the value in its kind ('int', 'pct', 'number')."""
    if by == "small":
        return SUPPRESSED
    if by == "complement":
        return text("hidden", lang)
    if kind == "pct":
        return fmt_pct(value, lang)
    return fmt_number(value, lang, 1) if kind == "number" else fmt_int(value, lang)


def fmt_count(n: int | None, lang: str) -> str:
    """A count of cases as shown in presentation mode: 1-4 as '<5' (app.suppression.MIN_CASES)."""
    return SUPPRESSED if is_small(n) else fmt_int(n, lang)
