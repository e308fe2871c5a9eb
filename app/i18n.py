"""Language and number/date formats: Danish by default, English on request.

API (pages and components use only these):
- `lang() -> "da" | "en"`: the session's language (st.session_state["lang"], first taken from the
  URL parameter `lang=en`); `init_lang()` is called once per run by the router.
- `t(key, **values) -> str`: the text for `key` in the session's language (`TEXTS` below; a page
  may pass its own `{"da": ..., "en": ...}` dict to `tr()` instead of adding keys here).
- `code_label(kind, code)`: the reader's word for a warehouse code ('parent_coach' -> 'Forældrecoach');
  kinds: case_type, gender, status, role, reliable_change, reason_code.
- `group_label(split, value)`: one group of a split by case type, gender, age band, ... ('Ukendt'
  when missing); `split_label(split)`: the name of a split for a "split by" menu.
- `fmt_int`, `fmt_number`, `fmt_pct`, `fmt_date`, `fmt_month`, `fmt_signed`: locale-aware formats;
  every function takes an optional `language` so it can be unit-tested without Streamlit.
  `None` prints as "–"; a suppressed value is formatted by the caller as `SUPPRESSED` ("<5").
- `vega_locale(language) -> dict`: the number/time locale for Altair charts (charts.py applies it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

import polars as pl
import streamlit as st

from app.vocabulary import CODE_LABELS

LANGS = ("da", "en")
DEFAULT_LANG = "da"
SUPPRESSED = "<5"
MISSING = "–"

_UNKNOWN = {"da": "Ukendt", "en": "Unknown"}  # a missing code, in every list and chart
_MONTHS = {
    "da": ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
           "dec."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}  # fmt: skip

TEXTS: dict[str, dict[str, str]] = {
    # app frame
    "app_title": {"da": "LAT Indsigt", "en": "LAT Insight"},
    "page_overview": {"da": "Overblik", "en": "Overview"},
    "page_attention": {"da": "Opmærksomhed", "en": "Needs attention"},
    "page_progression": {"da": "Progression", "en": "Progression"},
    "page_fidelity": {"da": "Metodefidelitet", "en": "Fidelity"},
    "page_prepost": {"da": "Før/efter", "en": "Pre-post"},
    "page_caseloads": {"da": "Forløb og kapacitet", "en": "Caseloads"},
    "page_data_quality": {"da": "Datakvalitet", "en": "Data quality"},
    "page_audit": {"da": "Revisionsspor", "en": "Audit trail"},
    "page_case": {"da": "Forløbsside", "en": "Case page"},
    "page_worker": {"da": "Medarbejderside", "en": "Worker page"},
    "page_reports": {"da": "Rapporter", "en": "Reports"},
    "page_find_worker": {"da": "Find en medarbejder", "en": "Find a worker"},
    "page_matching": {"da": "Match og resultater", "en": "Matching insights"},
    "page_citizens": {"da": "Hvem er vores borgere", "en": "Who are our citizens"},
    "language": {"da": "Sprog", "en": "Language"},
    "page_error": {
        "da": "Siden kunne ikke vises. Prøv at nulstille filtrene eller genindlæse siden. "
        "Hvis fejlen bliver ved, så kontakt den ansvarlige for LAT Indsigt.",
        "en": "The page could not be shown. Try resetting the filters or reloading the page. "
        "If the error persists, contact the person responsible for LAT Insight.",
    },
    "too_many_outside": {
        "da": "Vælg højst én kommune ud over dine egne (eller ingen, for hele landet), og "
        "højst én medarbejder, når visningen når uden for dine kommuner: tal, der lægger "
        "flere andres forløb sammen, kan trækkes fra hinanden igen og igen, til støjen på "
        "dem går ud, og en lille gruppe ses.",
        "en": "Choose at most one municipality besides your own (or none, for the whole "
        "country), and at most one worker when the view reaches beyond your municipalities: "
        "figures adding up several others' cases can be subtracted again and again until "
        "their noise cancels out and a small group shows.",
    },
    "not_allowed": {
        "da": "Din rolle giver ikke adgang til oplysninger på forløbsniveau her.",
        "en": "Your role does not give access to case-level information here.",
    },
    # empty states
    "no_warehouse": {
        "da": "Der er endnu ingen data. Indlæs en eksport med `lat load EKSPORT` "
        "eller start en demo med `lat demo`.",
        "en": "There is no data yet. Load an export with `lat load EXPORT` "
        "or start a demo with `lat demo`.",
    },
    "warehouse_not_ready": {
        "da": "Datalageret er ikke klar (det mangler sine visninger). Kør `lat load` igen.",
        "en": "The warehouse is not ready (its views are missing). Run `lat load` again.",
    },
    "no_match": {
        "da": "Ingen forløb passer til de valgte filtre. Ændr eller nulstil filtrene.",
        "en": "No cases match the chosen filters. Change or reset the filters.",
    },
    # filters
    "filters": {"da": "Filtre", "en": "Filters"},
    "period_from": {"da": "Periode fra", "en": "Period from"},
    "period_to": {"da": "Periode til", "en": "Period to"},
    "municipality": {"da": "Kommune", "en": "Municipality"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "gender": {"da": "Køn", "en": "Gender"},
    "age_band": {"da": "Aldersgruppe", "en": "Age band"},
    "worker": {"da": "Medarbejder", "en": "Worker"},
    "all": {"da": "Alle", "en": "All"},
    "no_split": {"da": "Ingen opdeling", "en": "No split"},
    "reset_filters": {"da": "Nulstil filtre", "en": "Reset filters"},
    # chart block
    "n_behind": {"da": "n = {n} forløb", "en": "n = {n} cases"},
    "download_csv": {"da": "Hent data (CSV)", "en": "Download data (CSV)"},
    "download_png": {"da": "Hent figur (PNG)", "en": "Download chart (PNG)"},
    "suppressed_note": {
        "da": "Tal under 5 vises som «<5», og et supplerende tal skjules, så de ikke kan regnes ud. "
        "Antal for forløb, du ikke selv kan se, kan afvige op til 2 fra det talte (altid det samme "
        "for de samme forløb), så to visninger ikke kan trækkes fra hinanden.",
        "en": "Numbers below 5 show as “<5”, and one more figure is hidden so they cannot be "
        "worked out. Counts of cases you cannot see yourself may differ from the count by up "
        "to 2 (always the same for the same cases), so two views cannot be subtracted.",
    },
    "hidden": {"da": "skjult", "en": "hidden"},
    # the two on-cadence figures (one label per definition, on every page): each case of the
    # period once over its whole period (mart.fidelity), and each month's active cases up to
    # that month (mart.fidelity_case_months, the monthly lines and the control chart)
    "on_cadence_whole": {
        "da": "Målt hver anden måned, hele forløbet",
        "en": "Measured every second month, whole case",
    },
    "on_cadence_monthly": {
        "da": "Målt hver anden måned indtil måneden",
        "en": "Measured every second month up to the month",
    },
    # which population a figure is about (app.components.population_text)
    "population_country": {"da": "Hele landet", "en": "Whole country"},
    "population_own_cases": {"da": "Dine forløb", "en": "Your cases"},
    "population_and": {"da": "og", "en": "and"},
    "population_narrowed": {"da": "{who} (filtreret)", "en": "{who} (filtered)"},
    "population_figures": {"da": "Tal for: {who}", "en": "Figures for: {who}"},
    "population_beside": {"da": "{who}: {value}", "en": "{who}: {value}"},
    # freshness
    "as_of": {"da": "Data pr. {date}", "en": "Data as of {date}"},
    "last_load": {"da": "seneste indlæsning {date}", "en": "last load {date}"},
}

_CODES = CODE_LABELS  # the table lives in app/vocabulary.py, shared with the documents


def init_lang() -> str:
    """Take the language from the URL once, then keep it in the session; returns it."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state["lang"] = wanted if wanted in LANGS else DEFAULT_LANG
    if st.session_state["lang"] not in LANGS:
        st.session_state["lang"] = DEFAULT_LANG
    return st.session_state["lang"]


def lang() -> str:
    """The session's language; Danish outside a Streamlit run."""
    try:
        value = st.session_state.get("lang", DEFAULT_LANG)
    except Exception:  # no session (plain Python, unit tests)
        return DEFAULT_LANG
    return value if value in LANGS else DEFAULT_LANG


def _pick(language: str | None) -> str:
    return language if language in LANGS else lang()


def tr(texts: Mapping[str, str], language: str | None = None, **values: object) -> str:
    """Pick the text of the language from a {"da": ..., "en": ...} dict and fill in `values`."""
    text = texts.get(_pick(language)) or texts.get(DEFAULT_LANG, "")
    return text.format(**values) if values else text


def t(key: str, language: str | None = None, **values: object) -> str:
    """The text for `key` (from TEXTS) in the session's language; the key itself when unknown."""
    texts = TEXTS.get(key)
    return tr(texts, language, **values) if texts else key


def code_label(kind: str, code: str | None, language: str | None = None) -> str:
    """The reader's word for a warehouse code; unknown codes print as they are."""
    if code is None:
        return tr(_UNKNOWN, language)
    labels = _CODES.get(kind, {}).get(code)
    return tr(labels, language) if labels else str(code)


# splits whose group values are warehouse codes (the others are names, bands or numbers)
CODED_SPLITS = ("case_type", "gender")


def group_label(split: str, value: str | None, language: str | None = None) -> str:
    """The reader's word for one group of a split: a code's label for coded splits, else the
    value itself (a municipality or worker name, an age band); no value prints as 'Ukendt'."""
    if value is None or split in CODED_SPLITS:
        return code_label(split, value, language)
    return value


def split_label(split: str, language: str | None = None) -> str:
    """The name of a split ('none', 'case_type', 'gender', 'age_band', 'municipality', 'worker')."""
    return t("no_split" if split == "none" else split, language)


def is_missing(value: float | int | None) -> bool:
    """None or NaN: a figure with nothing to show."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float | int | None, decimals: int = 1, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' (da) or '1,234.5' (en)."""
    if is_missing(value):
        return MISSING
    text = f"{value:,.{decimals}f}"
    if _pick(language) == "da":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_int(value: float | int | None, language: str | None = None) -> str:
    """1234 -> '1.234' (da) or '1,234' (en)."""
    return fmt_number(value, 0, language)


def fmt_signed(value: float | int | None, decimals: int = 0, language: str | None = None) -> str:
    """A change with its sign: +12 / -3,5 (ASCII minus: st.metric colours deltas by it)."""
    if is_missing(value):
        return MISSING
    text = fmt_number(abs(value), decimals, language)
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def fmt_pct(share: float | None, decimals: int = 0, language: str | None = None) -> str:
    """A share 0-1 as a percentage: '45 %' (da, with a space as Danish writes it) or '45%' (en)."""
    if is_missing(share):
        return MISSING
    number = fmt_number(share * 100, decimals, language)
    return f"{number} %" if _pick(language) == "da" else f"{number}%"


def fmt_date(value: date | datetime | None, language: str | None = None) -> str:
    """'3. feb. 2024' (da) or '3 Feb 2024' (en)."""
    if value is None:
        return MISSING
    language = _pick(language)
    month = _MONTHS[language][value.month - 1]
    if language == "da":
        return f"{value.day}. {month} {value.year}"
    return f"{value.day} {month} {value.year}"


def date_expr(column: str, language: str | None = None) -> pl.Expr:
    """`fmt_date` over a whole date column, vectorised (Python per row costs ~0.2 ms a cell)."""
    language = _pick(language)
    value = pl.col(column)
    month = value.dt.month().replace_strict(
        list(range(1, 13)), _MONTHS[language], return_dtype=pl.String
    )
    template = "{}. {} {}" if language == "da" else "{} {} {}"
    text = pl.format(template, value.dt.day(), month, value.dt.year())
    return pl.when(value.is_null()).then(pl.lit(MISSING)).otherwise(text).alias(column)


def code_expr(kind: str, column: str, language: str | None = None) -> pl.Expr:
    """`code_label` over a whole column of warehouse codes, vectorised."""
    codes = _CODES.get(kind, {})
    unknown = tr(_UNKNOWN, language)
    value = pl.col(column)
    labelled = value.replace({code: tr(labels, language) for code, labels in codes.items()})
    return pl.when(value.is_null()).then(pl.lit(unknown)).otherwise(labelled).alias(column)


def fmt_month(value: date | None, language: str | None = None) -> str:
    """'feb. 2024' (da) or 'Feb 2024' (en)."""
    if value is None:
        return MISSING
    return f"{_MONTHS[_pick(language)][value.month - 1]} {value.year}"


def vega_locale(language: str | None = None) -> dict:
    """Vega's d3 number and time locale, so chart axes use the reader's separators and months."""
    language = _pick(language)
    if language == "da":
        return {
            # Danish writes a space before the percent sign ("45 %"), on axes too
            "number": {"decimal": ",", "thousands": ".", "grouping": [3],
                       "currency": ["", " kr."], "percent": "\u00a0%"},
            "time": {
                "dateTime": "%A den %d %B %Y %X", "date": "%d.%m.%Y", "time": "%H:%M:%S",
                "periods": ["AM", "PM"],
                "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
                "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
                "months": ["januar", "februar", "marts", "april", "maj", "juni", "juli",
                           "august", "september", "oktober", "november", "december"],
                "shortMonths": _MONTHS["da"],
            },
        }  # fmt: skip
    return {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
        "time": {
            "dateTime": "%a %b %e %X %Y", "date": "%m/%d/%Y", "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                     "Saturday"],
            "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
            "months": ["January", "February", "March", "April", "May", "June", "July",
                       "August", "September", "October", "November", "December"],
            "shortMonths": _MONTHS["en"],
        },
    }  # fmt: skip
