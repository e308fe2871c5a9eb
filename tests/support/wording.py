"""The catalogue's texts as the page tests expect them: `da("key", ...)` and `en("key", ...)`.

A test that is not about wording compares what a page shows with the catalogue (texts/da.toml,
texts/en.toml), so rewording a text does not break it. The tests that ARE about the Danish
wording and formats (tests/app/test_danish_screens.py, tests/test_texts.py) keep their literals.
"""

from __future__ import annotations

import re
import string

import texts
from app.i18n import t, tn


def da(key: str, **values: object) -> str:
    """The Danish text of `key`, rule placeholders ({min_cases}, ...) filled as the app fills them."""
    return t(key, "da", **values)


def en(key: str, **values: object) -> str:
    """The English text of `key`."""
    return t(key, "en", **values)


def da_n(key: str, n: float, **values: object) -> str:
    """The Danish plural form of `key` for `n` ('1 forløb', '2 forløb')."""
    return tn(key, n, "da", **values)


def en_n(key: str, n: float, **values: object) -> str:
    """The English plural form of `key` for `n`."""
    return tn(key, n, "en", **values)


def da_start(key: str) -> str:
    """The Danish text of `key` up to its first placeholder: how a sentence whose numbers the
    test does not fix begins ('Hver søjle er en kommunes aktive forløb på periodens sidste dag (')."""
    return _start(key, "da")


def en_start(key: str) -> str:
    """The English text of `key` up to its first placeholder."""
    return _start(key, "en")


def _start(key: str, language: str) -> str:
    entry = texts.catalogue(language)[key]
    return (entry if isinstance(entry, str) else entry["other"]).split("{", 1)[0]


def da_pattern(key: str, **values: str) -> re.Pattern[str]:
    """A regex for the Danish text of `key` with `values` filled in and every other placeholder
    standing for some text: for a sentence some of whose numbers the test does not fix."""
    entry = texts.catalogue("da")[key]
    forms = [entry] if isinstance(entry, str) else list(entry.values())
    return re.compile("|".join(_pattern(form, values) for form in forms))


def _pattern(template: str, values: dict[str, str]) -> str:
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(re.escape(values[name]) if name in values else ".+?")
    return "(?:" + "".join(parts) + ")"
