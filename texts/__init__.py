"""The text catalogue: every word the dashboard, the documents and the terminal print, one file
per language (`da.toml`, `en.toml` beside this module), read once. No Streamlit here.

A key's value is a string, or a table of plural forms (`one`, `other`, as CLDR names Danish and
English plurals, and optionally `zero` for none) picked by `plural()`. Placeholders are `{name}`. A text that
states a rule's number (the suppression threshold, the cadence) names it as a placeholder
(`{min_cases}`) and the caller fills it from the rule, so the sentence cannot drift from it.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path

from texts import formats

HERE = Path(__file__).parent
PLURAL_FORMS = ("one", "other")  # CLDR's for Danish and English
ZERO = "zero"  # an optional form for none ('ingen kommuner er udeladt'), not a CLDR category

Entry = str | dict[str, str]


@cache
def catalogue(language: str) -> dict[str, Entry]:
    """All keys of one language, as the catalogue file holds them."""
    with (HERE / f"{formats.language_of(language)}.toml").open("rb") as handle:
        return tomllib.load(handle)


def exists(key: str) -> bool:
    return key in catalogue(formats.DEFAULT_LANG)


def _template(key: str, language: str | None) -> Entry | None:
    language = formats.language_of(language)
    entry = catalogue(language).get(key)
    return entry if entry is not None else catalogue(formats.DEFAULT_LANG).get(key)


def fill(template: str, values: dict[str, object]) -> str:
    """`template` with its placeholders filled; given no values it stays as it is (as a caller
    that formats it later, or a text with a literal brace, expects)."""
    return template.format(**values) if values else template


def text(key: str, language: str | None = None, **values: object) -> str:
    """The text for `key` in `language` (Danish when missing there); the key itself when unknown,
    so a missing text shows on screen and the catalogue test names it."""
    entry = _template(key, language)
    if entry is None:
        return key
    if isinstance(entry, dict):
        entry = entry.get("other", next(iter(entry.values())))
    return fill(entry, values)


def plural(key: str, count: float | int, language: str | None = None, **values: object) -> str:
    """The plural form of `key` that fits `count` ('1 medarbejder', '2 medarbejdere'), with
    `{n}` filled by the count in the reader's format unless `values` give it."""
    entry = _template(key, language)
    if entry is None:
        return key
    if isinstance(entry, str):
        form = entry
    elif count == 0 and ZERO in entry:
        form = entry[ZERO]
    else:
        category = formats.locale(language).plural_form(abs(count))
        form = entry.get(category, entry["other"])
    values.setdefault("n", formats.integer(count, language))
    return fill(form, values)


def placeholders(entry: Entry) -> set[str]:
    """The placeholder names an entry uses, over all its forms."""
    forms = entry.values() if isinstance(entry, dict) else [entry]
    return {
        name.split(".")[0].split("[")[0]
        for form in forms
        for _, name, _, _ in string.Formatter().parse(form)
        if name
    }
