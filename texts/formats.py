"""Numbers, percentages, dates and times in the reader's language, from CLDR through Babel.

No Streamlit here: the dashboard (app/i18n.py, which picks the session's language), the documents
(reports/), the CSVs and the terminal report (etl/report.py) all format through these functions,
so a number reads the same everywhere. `None` and NaN print as `MISSING`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers

LANGS = ("da", "en")
DEFAULT_LANG = "da"
MISSING = "–"
TIME_ZONE = ZoneInfo("Europe/Copenhagen")  # times are stored in UTC and shown as Danes read them


@dataclass(frozen=True)
class Style:
    """How a language writes dates (CLDR patterns) beside its CLDR locale."""

    locale: str
    day: str
    month: str
    moment: str
    chart_datetime: str  # d3 patterns for chart tooltips
    chart_date: str
    currency: tuple[str, str]


STYLES = {
    "da": Style("da_DK", "d. MMM y", "MMM y", "d. MMM y 'kl.' HH:mm", "%A den %d. %B %Y %X",
                "%d.%m.%Y", ("", " kr.")),
    "en": Style("en", "d MMM y", "MMM y", "d MMM y, HH:mm", "%a %e %b %X %Y", "%d/%m/%Y",
                ("$", "")),
}  # fmt: skip


def language_of(language: str | None) -> str:
    """The language itself when known, else Danish."""
    return language if language in LANGS else DEFAULT_LANG


@cache
def locale(language: str | None) -> Locale:
    """The CLDR locale of a language ('da' -> da_DK)."""
    return Locale.parse(STYLES[language_of(language)].locale)


def is_missing(value: float | int | None) -> bool:
    """None or NaN: a figure with nothing to show."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, decimals: int = 1, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' (da) or '1,234.5' (en), always with `decimals` decimals."""
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale(language))


def integer(value: float | int | None, language: str | None = None) -> str:
    """1234 -> '1.234' (da) or '1,234' (en)."""
    return number(value, 0, language)


def integers(values: list[int], language: str | None = None) -> str:
    """Whole numbers one after another, each as `integer` writes it: '3, 4, 1.517' (da). Where
    the language groups thousands with a comma (en) and a number is grouped, they are parted
    by semicolons instead, so '1,517; 1,518' cannot read as four numbers."""
    shown = [integer(v, language) for v in values]
    group = locale(language).number_symbols["latn"]["group"]
    return ("; " if any(group in s for s in shown) and group == "," else ", ").join(shown)


def alternatives(words: list[str], language: str | None = None) -> str:
    """Words of which one is meant, as CLDR lists them: 'a, b eller c' (da), 'a, b, or c' (en)."""
    return babel_lists.format_list(list(words), style="or", locale=locale(language))


@cache
def _language_codes() -> dict[str, str]:
    """The CLDR code of each language by its Danish name, in lower case ('polsk' -> 'pl')."""
    return {name.lower(): code for code, name in Locale("da").languages.items()}


def spoken_language(name: str, language: str | None = None) -> str:
    """One language a worker speaks, named in the reader's language by CLDR. The platform writes
    them in Danish ('dansk, polsk'); a name CLDR does not know is shown as written."""
    code = _language_codes().get(name.strip().lower())
    if language_of(language) == "da" or code is None:
        return name.strip()
    return locale(language).languages.get(code, name.strip())


def spoken_languages(names: str | list[str] | None, language: str | None = None) -> str | None:
    """A worker's languages ('dansk, arabisk', or a list of them) in the reader's language:
    'Danish, Arabic' in English."""
    if names is None:
        return None
    listed = names.split(",") if isinstance(names, str) else list(names)
    return ", ".join(spoken_language(name, language) for name in listed if name.strip())


def together(words: list[str], language: str | None = None) -> str:
    """Words that all hold, as CLDR lists them: 'a, b og c' (da), 'a, b, and c' (en)."""
    return babel_lists.format_list(list(words), style="standard", locale=locale(language))


def size(n: int | None, language: str | None = None) -> str:
    """A number of bytes in binary units, as people say them: '512 MB', '1,5 GB' (da),
    '1.5 GB' (en), '900 bytes'; one decimal, none when it is whole."""
    if n is None:
        return MISSING
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            value = round(n / scale, 1)
            return f"{number(value, 0 if value == int(value) else 1, language)} {unit}"
    return f"{integer(n, language)} bytes"


def run_on(sentences: list[str]) -> str:
    """Short sentences as one line, 'a; b; c', each after the first without its capital
    ('Ingen måling i 89 dage; mangler førmåling', not '; Mangler'); a word in capitals ('WHO-5')
    keeps them."""

    def continued(text: str) -> str:
        return text[:1].lower() + text[1:] if text[1:2].islower() else text

    return "; ".join(text if i == 0 else continued(text) for i, text in enumerate(sentences))


def signed(value: float | int | None, decimals: int = 0, language: str | None = None) -> str:
    """A change with its sign: +12 / -3,5 (ASCII minus: st.metric colours deltas by it)."""
    if is_missing(value):
        return MISSING
    text = number(abs(value), decimals, language)
    shown = round(value, decimals)  # what the text says: -0,3 shown with no decimals is 0, not -0
    return f"+{text}" if shown > 0 else (f"-{text}" if shown < 0 else text)


def percent(share: float | None, decimals: int = 0, language: str | None = None) -> str:
    """A share 0-1 as a percentage, as CLDR writes it: '45 %' (da) or '45%' (en)."""
    if is_missing(share):
        return MISSING
    digits = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    pattern = locale(language).percent_formats[None].pattern.replace("#,##0", digits, 1)
    return babel_numbers.format_percent(share, format=pattern, locale=locale(language))


def day(value: date | datetime | None, language: str | None = None) -> str:
    """'3. feb. 2024' (da) or '3 Feb 2024' (en)."""
    if value is None:
        return MISSING
    return babel_dates.format_date(
        value, STYLES[language_of(language)].day, locale=locale(language)
    )


def month(value: date | None, language: str | None = None) -> str:
    """'feb. 2024' (da) or 'Feb 2024' (en)."""
    if value is None:
        return MISSING
    return babel_dates.format_date(
        value, STYLES[language_of(language)].month, locale=locale(language)
    )


def moment(value: datetime | None, language: str | None = None) -> str:
    """A point in time in Danish time: '3. feb. 2024 kl. 14:05' (da) or '3 Feb 2024, 14:05' (en).
    The audit trail stores UTC with its offset; a naive time (the warehouse's `datetime.now()`)
    is the server's local time."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.astimezone()  # naive: the server's local time
    return babel_dates.format_datetime(
        value, STYLES[language_of(language)].moment, tzinfo=TIME_ZONE, locale=locale(language)
    )


def short_months(language: str | None = None) -> list[str]:
    """The twelve abbreviated month names, January first ('jan.', ... in Danish)."""
    names = locale(language).months["format"]["abbreviated"]
    return [names[m] for m in range(1, 13)]


def _names(table, first: int, last: int) -> list[str]:
    return [table[i] for i in range(first, last + 1)]


def vega_locale(language: str | None = None) -> dict:
    """Vega's d3 number and time locale from CLDR, so chart axes use the reader's separators,
    percent sign and month and day names."""
    loc, style = locale(language), STYLES[language_of(language)]
    symbols = loc.number_symbols["latn"]
    percent_text = percent(0.5, 0, language).replace(integer(50, language), "")
    days, short_days = loc.days["format"]["wide"], loc.days["format"]["abbreviated"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # CLDR counts from Monday, d3 from Sunday
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": list(style.currency),
            "percent": percent_text,
        },
        "time": {
            "dateTime": "%A den %d. %B %Y %X"
            if language_of(language) == "da"
            else "%a %e %b %X %Y",
            "date": "%d.%m.%Y" if language_of(language) == "da" else "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": [loc.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")],
            "days": [days[i] for i in sunday_first],
            "shortDays": [short_days[i] for i in sunday_first],
            "months": _names(loc.months["format"]["wide"], 1, 12),
            "shortMonths": short_months(language),
        },
    }
