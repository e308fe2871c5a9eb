"""Danish (default) and English number and date formats for the documents, through babel.

The forms follow the dashboard's (app/i18n.py): dates '3. feb. 2024' / '3 Feb 2024', months
'feb. 2024' / 'Feb 2024', '1.234,5' / '1,234.5', '45 %' / '45%'. A missing value prints as '–'.
"""

from __future__ import annotations

import math
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.suppression import is_small

LANGS = ("da", "en")
MISSING = "–"
SUPPRESSED = "<5"  # the dashboard's mark for a figure built from 1-4 cases (app.i18n.SUPPRESSED)
_DATE = {"da": "d. MMM y", "en": "d MMM y"}
_MONTH = {"da": "MMM y", "en": "MMM y"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_date(value: date | None, lang: str) -> str:
    """'3. feb. 2024' (da) or '3 Feb 2024' (en)."""
    return MISSING if value is None else format_date(value, _DATE[lang], locale=lang)


def fmt_month(value: date | None, lang: str) -> str:
    """'feb. 2024' (da) or 'Feb 2024' (en)."""
    return MISSING if value is None else format_date(value, _MONTH[lang], locale=lang)


def fmt_number(value: float | None, lang: str, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5' (da) or '1,234.5' (en)."""
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale=lang)


def fmt_int(value: int | None, lang: str) -> str:
    return fmt_number(value, lang, 0)


def fmt_signed(value: float | None, lang: str, decimals: int = 1) -> str:
    """A change with its sign: '+12,0' / '-3,5'."""
    if _missing(value):
        return MISSING
    return ("+" if value > 0 else "") + fmt_number(value, lang, decimals)


def fmt_pct(share: float | None, lang: str) -> str:
    """A share 0-1 as '45 %' (da) or '45%' (en)."""
    return MISSING if _missing(share) else format_percent(share, locale=lang)


def fmt_hidden(value: float | None, by: str | None, lang: str, kind: str = "int") -> str:
    """A figure after app.suppression.apply: '<5' when hidden for being small, 'skjult' when hidden
    as the complement of a small one, else the value in its kind ('int', 'pct', 'number')."""
    if by == "small":
        return SUPPRESSED
    if by == "complement":
        return "skjult" if lang == "da" else "hidden"
    if kind == "pct":
        return fmt_pct(value, lang)
    return fmt_number(value, lang, 1) if kind == "number" else fmt_int(value, lang)


def fmt_count(n: int | None, lang: str) -> str:
    """A count of cases as shown in presentation mode: 1-4 as '<5' (app.suppression.MIN_CASES)."""
    return SUPPRESSED if is_small(n) else fmt_int(n, lang)
