"""The warehouse as the documents read it: read-only, values always bound as parameters."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from reports.texts import text
from warehouse.db import Reader

_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


class ReportError(ValueError):
    """Something the user asked for that gives no document; the message is one readable line."""


@contextlib.contextmanager
def open_warehouse(db: str | os.PathLike, lang: str) -> Iterator[Reader]:
    """A read-only reader of the warehouse at `db`, or ReportError when there is none to read."""
    path = Path(db)
    if not path.is_file():
        raise ReportError(text("no_warehouse", lang, path=path))
    try:
        reader = Reader(path)
        reader.rows("select 1 from mart.as_of")
    except duckdb.Error as error:
        raise ReportError(
            text("bad_warehouse", lang, path=path, error=_first_line(error))
        ) from None
    try:
        yield reader
    except duckdb.Error as error:
        # e.g. a warehouse built by an older version whose views lack a column: one line, no trace
        raise ReportError(
            text("bad_warehouse", lang, path=path, error=_first_line(error))
        ) from None
    finally:
        reader.close()


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def as_of(reader: Reader, lang: str) -> date:
    """The warehouse's as-of date; a warehouse with nothing loaded has none and gives no report."""
    value = reader.rows("select as_of from mart.as_of")[0][0]
    if value is None:
        raise ReportError(text("empty_warehouse", lang))
    return value


def frame(reader: Reader, sql: str, **params: object) -> pl.DataFrame:
    """Run one named query with bound parameters (DuckDB refuses any the query does not name)."""
    named = set(_PARAMETER.findall(sql))
    return reader.frame(sql, {k: v for k, v in params.items() if k in named})
