"""The loader's messages by key and values, rendered in a reader's language.

The loader (etl/) stores each rejected row's message as a catalogue key under `loader.` and its
values as a JSON object (`etl.rejected_rows.message_key`, `message_params`), beside `message`,
the Danish rendering made by `render` below. The data-quality page renders the same key and
values in the viewer's language with the same function, so the stored text and the shown text
cannot drift apart, and each text is written once, in texts/da.toml and texts/en.toml.

Values are kept as the loader knew them (a cell as shown, already CPR-masked and cut; a
number; a date in ISO form) and formatted here for the reader, by the value's name (`KINDS`):
a count as the language writes numbers, a date as it writes dates. No Streamlit, no polars.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache

from texts import catalogue as _catalogue
from texts import formats, placeholders, text

PREFIX = "loader."


def _text(value: object, language: str) -> str:
    """The value as the loader knew it; a rule's limit too, as the rule writes it (1940, 10): a
    year is never '1.940'."""
    return formats.MISSING if value is None else str(value)


def _integer(value: object, language: str) -> str:
    return formats.integer(value, language)  # type: ignore[arg-type]


def _integers(value: object, language: str) -> str:
    return formats.integers(list(value or []), language)  # type: ignore[call-overload]


def _day(value: object, language: str) -> str:
    return formats.day(date.fromisoformat(str(value)) if value else None, language)


def _alternatives(value: object, language: str) -> str:
    return formats.alternatives([str(v) for v in value or []], language)  # type: ignore[union-attr]


def _size(value: object, language: str) -> str:
    return formats.size(value, language)  # type: ignore[arg-type]


def _names(value: object, language: str) -> str:
    """Files or labels as the export names them, 'a, b'."""
    return ", ".join(str(v) for v in value or [])  # type: ignore[union-attr]


def _checks(value: object, language: str) -> str:
    """Failed warehouse checks ([name, offending keys] each): 'kontrollen x fejlede (k1; k2)'."""
    parts = [
        text("loader.file.check_failed", language, check=n, offending=o) for n, o in value or []
    ]  # type: ignore[union-attr]
    return formats.together(parts, language)


def _line(value: object, language: str) -> str:
    """A line within a line: {"key": ..., "values": {...}}, rendered in the same language."""
    return render(value["key"], value["values"], language)  # type: ignore[index]


# a value's name -> how it is written for a reader; every placeholder of a `loader.` text is one
KINDS: dict[str, Callable[[object, str], str]] = {
    "column": _text,  # a column as the file names it (its header)
    "value": _text,  # the cell as the message shows it: CPR-like numbers masked, cut at 60
    "status": _text,
    "start": _text,
    "end": _text,
    "repeated": _text,  # a repeated key as shown (masked)
    "case_id": _text,
    "instrument": _text,  # 'WHO-5', 'GSE'
    "low": _text,  # a rule's limit, as the rule writes it
    "high": _text,
    "age": _integer,
    "items": _integer,
    "answered": _integer,
    "expected": _integer,
    "total": _integer,
    "rows": _integers,  # the file's row numbers
    "floor": _day,  # ISO dates
    "exported_at": _day,
    "allowed": _alternatives,  # the spellings a column accepts
    # lines about a whole file or export (`loader.file.`, etl.outcome.Line)
    "file": _text,  # a file, sheet, member or export as the report names it (masked)
    "reason": _text,  # what a parser or the system said (its own words, untranslated)
    "field": _text,  # a metadata field (exported_at)
    "other": _text,  # a second value of a field given twice
    "table": _text,  # a table's Danish name (forloeb)
    "separator": _text,  # a CSV separator as Python shows it (';')
    "check": _text,  # a warehouse check's stable name
    "offending": _text,  # its offending keys
    "files": _names,
    "row": _integer,
    "cells": _integer,
    "width": _integer,
    "count": _integer,
    "limit": _integer,
    "row_count": _integer,
    "column_count": _integer,
    "ratio": _integer,
    "size": _size,  # bytes
    "limit_size": _size,
    "today": _day,
    "checks": _checks,
    "why": _line,
}


FILE_PREFIX = "loader.file."  # lines about a whole file or export (etl.outcome.Line)


def keys() -> list[str]:
    """Every rejected-row message key in the catalogue (not the lines about whole files)."""
    return [k for k in all_keys() if not k.startswith(FILE_PREFIX)]


def all_keys() -> list[str]:
    """Every loader key in the catalogue: rejected rows' messages and whole files' lines."""
    return [key for key in _catalogue(formats.DEFAULT_LANG) if key.startswith(PREFIX)]


@cache
def names(key: str) -> frozenset[str]:
    """The values a key's text uses (its placeholders, the same in every language)."""
    return frozenset(placeholders(_catalogue(formats.DEFAULT_LANG)[key]))


def render(key: str, params: Mapping[str, object] | str | None, language: str | None) -> str:
    """The text of loader message `key` with its values, in `language` (JSON as stored, or a
    mapping); a value the text does not name is left out."""
    values = json.loads(params) if isinstance(params, str) else dict(params or {})
    language = formats.language_of(language)
    shown = {name: KINDS[name](values.get(name), language) for name in names(key)}
    return text(key, language, **shown)
