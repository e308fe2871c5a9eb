"""Language and number/date formats: Danish by default, English on request.

API (pages and components use only these):
- `lang() -> "da" | "en"`: the session's language (st.session_state["lang"], first taken from the
  URL parameter `lang=en`); `init_lang()` is called once per run by the router.
- `t(key, **values) -> str`: the text for `key` in the session's language, from the catalogue
  (texts/da.toml and en.toml; texts/__init__.py reads them). A placeholder naming a rule
  (`{min_cases}`, `{cadence_days}`, `{window_days}`) is filled from the rule unless given.
- `tn(key, n, **values) -> str`: the plural form of `key` for `n` ('1 medarbejder', '2
  medarbejdere'), `{n}` filled with `n` in the reader's format.
- `code_label(kind, code)`: the reader's word for a warehouse code ('parent_coach' -> 'Forældrecoach');
  kinds: case_type, gender, status, role, reliable_change, reason_code.
- `group_label(split, value)`: one group of a split by case type, gender, age band, ... ('Ukendt'
  when missing); `split_label(split)`: the name of a split for a "split by" menu.
- `fmt_int`, `fmt_number`, `fmt_pct`, `fmt_date`, `fmt_month`, `fmt_time`, `fmt_signed`: CLDR
  formats through Babel (texts/formats.py); every function takes an optional `language` so it can
  be unit-tested without Streamlit. `None` prints as "–"; a suppressed value is formatted by the
  caller as `SUPPRESSED` ("<5").
- `vega_locale(language) -> dict`: the number/time locale for Altair charts (charts.py applies it).
- `loader_messages(keys, params, stored)`: rejected rows' messages in the reader's language from
  the loader's message keys and values (texts.messages.render, as the loader made the stored
  Danish text); a row stored before keys has no key and keeps its stored text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

import polars as pl
import streamlit as st

import texts
from app import suppression
from texts import formats, messages
from texts.vocabulary import CODE_LABELS

LANGS = formats.LANGS
DEFAULT_LANG = formats.DEFAULT_LANG
SUPPRESSED = f"<{suppression.MIN_CASES}"
MISSING = formats.MISSING


# the numbers texts may state, each read from the rule itself; the warehouse's own constants
# (cadence_days, window_days: mart.constants) are added by the data layer (app/data.py), which
# imports this module and so may not be imported by it
RULES: dict[str, Callable[[], int | str]] = {
    "min_cases": lambda: suppression.MIN_CASES,
    "suppressed": lambda: SUPPRESSED,
    "noise_range": lambda: suppression.NOISE_RANGE,
}

_CODES = CODE_LABELS  # the table lives in texts/vocabulary.py, shared with the documents


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


def _with_rules(key: str, language: str, values: dict[str, object]) -> dict[str, object]:
    entry = texts.catalogue(language).get(key) or texts.catalogue(DEFAULT_LANG).get(key)
    if entry is None:
        return values
    for name in texts.placeholders(entry) & RULES.keys():
        if name not in values:
            value = RULES[name]()
            values[name] = fmt_int(value, language) if isinstance(value, int) else value
    return values


def t(key: str, language: str | None = None, **values: object) -> str:
    """The text for `key` in the session's language; the key itself when unknown."""
    language = _pick(language)
    return texts.text(key, language, **_with_rules(key, language, values))


def tn(key: str, n: float | int, language: str | None = None, **values: object) -> str:
    """The plural form of `key` that fits `n`, in the session's language."""
    language = _pick(language)
    return texts.plural(key, n, language, **_with_rules(key, language, values))


def tr(texts_or_key: Mapping[str, str] | str, language: str | None = None, **values: object) -> str:
    """Transition only: `t` for a key; a {"da": ..., "en": ...} dict not yet moved to the
    catalogue (/work/codemod_texts.py moves them) picks its language."""
    if isinstance(texts_or_key, str):
        return t(texts_or_key, language, **values)
    text = texts_or_key.get(_pick(language)) or texts_or_key.get(DEFAULT_LANG, "")
    return text.format(**values) if values else text


def code_label(kind: str, code: str | None, language: str | None = None) -> str:
    """The reader's word for a warehouse code; unknown codes print as they are."""
    if code is None:
        return t("unknown", language)
    labels = _CODES.get(kind, {}).get(code)
    return t(labels, language) if labels else str(code)


# splits whose group values are warehouse codes (the others are names, bands or numbers)
CODED_SPLITS = ("case_type", "gender", "end_reason", "referred_by")


def group_label(split: str, value: str | None, language: str | None = None) -> str:
    """The reader's word for one group of a split: a code's label for coded splits, else the
    value itself (a municipality or worker name, an age band); no value prints as 'Ukendt'."""
    if value is None or split in CODED_SPLITS:
        return code_label(split, value, language)
    return value


def split_label(split: str, language: str | None = None) -> str:
    """The name of a split ('none', 'case_type', 'gender', 'age_band', 'municipality', 'worker')."""
    return t("no_split" if split == "none" else split, language)


is_missing = formats.is_missing


def fmt_number(value: float | int | None, decimals: int = 1, language: str | None = None) -> str:
    """1234.5 -> '1.234,5' (da) or '1,234.5' (en)."""
    return formats.number(value, decimals, _pick(language))


def fmt_int(value: float | int | None, language: str | None = None) -> str:
    """1234 -> '1.234' (da) or '1,234' (en)."""
    return formats.integer(value, _pick(language))


def fmt_signed(value: float | int | None, decimals: int = 0, language: str | None = None) -> str:
    """A change with its sign: +12 / -3,5 (ASCII minus: st.metric colours deltas by it)."""
    return formats.signed(value, decimals, _pick(language))


def fmt_pct(share: float | None, decimals: int = 0, language: str | None = None) -> str:
    """A share 0-1 as a percentage: '45 %' (da, CLDR's space before the sign) or '45%' (en)."""
    return formats.percent(share, decimals, _pick(language))


def fmt_together(words: list[str], language: str | None = None) -> str:
    """Words that all hold, as CLDR lists them: 'Aarhus og Odense', 'Aarhus and Odense'."""
    return formats.together(words, _pick(language))


def fmt_date(value: date | datetime | None, language: str | None = None) -> str:
    """'3. feb. 2024' (da) or '3 Feb 2024' (en)."""
    return formats.day(value, _pick(language))


def fmt_languages(names: str | list[str] | None, language: str | None = None) -> str | None:
    """A worker's languages in the reader's language (`formats.spoken_languages`)."""
    return formats.spoken_languages(names, _pick(language))


def languages_series(values: pl.Series, language: str | None = None) -> pl.Series:
    """A column of workers' languages ('dansk, polsk') in the reader's language, per distinct
    value (`labelled`)."""
    language = _pick(language)
    return labelled(values, lambda names: fmt_languages(names, language))


def fmt_time(value: datetime | None, language: str | None = None) -> str:
    """A moment in Danish time: '3. feb. 2024 kl. 14:05' (da) or '3 Feb 2024, 14:05' (en)."""
    return formats.moment(value, _pick(language))


def date_expr(column: str, language: str | None = None) -> pl.Expr:
    """`fmt_date` over a whole date column, vectorised (Python per row costs ~0.2 ms a cell)."""
    language = _pick(language)
    value = pl.col(column)
    month = value.dt.month().replace_strict(
        list(range(1, 13)), formats.short_months(language), return_dtype=pl.String
    )
    template = "{}. {} {}" if language == "da" else "{} {} {}"
    text = pl.format(template, value.dt.day(), month, value.dt.year())
    return pl.when(value.is_null()).then(pl.lit(MISSING)).otherwise(text).alias(column)


def code_expr(kind: str, column: str, language: str | None = None) -> pl.Expr:
    """`code_label` over a whole column of warehouse codes, vectorised."""
    codes = _CODES.get(kind, {})
    unknown = t("unknown", language)
    value = pl.col(column)
    labelled = value.replace({code: t(labels, language) for code, labels in codes.items()})
    return pl.when(value.is_null()).then(pl.lit(unknown)).otherwise(labelled).alias(column)


def labelled(
    values: pl.Series, label: Callable[[object], str], *, nulls: bool = False
) -> pl.Series:
    """`label(value)` of each value, as text: called once per distinct value, here in the page's
    thread. Not `map_elements`, which calls it once per row, in polars' own threads where the
    session (and so the reader's language) is unknown: English readers got Danish words and
    the server's log a warning per row. A null stays null unless `nulls` (then `label(None)`)."""
    distinct = [value for value in values.unique().to_list() if value is not None]
    words = {value: label(value) for value in distinct}
    if words:
        shown = values.replace_strict(words, default=None, return_dtype=pl.String)
    else:
        shown = pl.Series(values.name, [None] * values.len(), dtype=pl.String)
    if nulls and values.null_count():
        shown = shown.zip_with(
            values.is_not_null(), pl.repeat(label(None), values.len(), eager=True)
        )
    return shown


def loader_messages(
    keys: pl.Series, params: pl.Series, stored: pl.Series, language: str | None = None
) -> pl.Series:
    """Each row's loader message in the reader's language from its key and values (JSON), once
    per distinct pair; the stored text where the row has no key (stored before keys were)."""
    language = _pick(language)
    pairs = pl.select(pl.concat_str([pl.lit(keys), pl.lit(params)], separator="\n")).to_series()
    rendered = labelled(pairs, lambda pair: messages.render(*pair.split("\n", 1), language))
    return pl.select(pl.coalesce(pl.lit(rendered), pl.lit(stored))).to_series().alias(stored.name)


def fmt_month(value: date | None, language: str | None = None) -> str:
    """'feb. 2024' (da) or 'Feb 2024' (en)."""
    return formats.month(value, _pick(language))


def vega_locale(language: str | None = None) -> dict:
    """Vega's d3 number and time locale, so chart axes use the reader's separators and months."""
    return formats.vega_locale(_pick(language))
