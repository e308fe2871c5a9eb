"""Erasure on request and retention: `lat erase --case ID | --citizen KEY`, `lat purge`.

Everything about the case or citizen goes, from every table, in one atomic warehouse write:
every base table with a `case_id` or `citizen_key` column (so a table added later is covered
too), and the quarantined rows of `etl.rejected_rows` whose original cells name the case (or
the citizen's borger_id). The erased keys are recorded as pseudonyms in `etl.erased_keys`, so a
later load of an old export rejects them instead of bringing them back. The audit trail gets
counts only, never what was erased.

After the write the warehouse file is rebuilt from scratch (a fresh file, every object copied),
so the deleted rows do not linger in the file's free blocks either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl.columns import header_names
from etl.parsing import fold
from privacy.pseudonym import Pseudonymizer
from warehouse.db import frame_source, keyed_write

# Header names of the case id and citizen id columns, after the export format's folding: from
# the export-format registry the reader maps with, so an alias it learns is one erasure finds too.
CASE_COLUMNS = header_names("forloeb_id")
CITIZEN_COLUMNS = header_names("borger_id")
KEEP_TABLES = frozenset({("etl", "erased_keys")})
CLOSED_STATUSES = ("closed", "discontinued")


class ErasureError(ValueError):
    """Something the operator can fix (unknown case, bad date); shown as one line."""


def pseudonymizer(db: Path) -> Pseudonymizer:
    """The warehouse's pseudonymiser; PseudonymKeyError when it is not the warehouse's key."""
    return Pseudonymizer.for_warehouse(db)


# --- finding what to erase -------------------------------------------------------------------


def _base_tables(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    """(schema, table) -> its column names, for every base table of the warehouse."""
    rows = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and not internal "
        "and (schema_name, table_name) in "
        "(select (schema_name, table_name) from duckdb_tables() "
        " where database_name = current_database() and not internal)"
    ).fetchall()
    tables: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        if (schema, table) not in KEEP_TABLES:
            tables.setdefault((schema, table), set()).add(column)
    return tables


def _quoted(schema: str, table: str) -> str:
    # Identifiers come from DuckDB's own catalog, never from the user; quoted all the same.
    return '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


def _rejected_matches(
    con: duckdb.DuckDBPyConnection, case_ids: set[str], citizen_keys: set[str], keyer
) -> list[int]:
    """rowids of quarantined rows whose original cells name one of the cases or citizens."""
    rows = con.execute(
        "select rowid, raw_values::varchar from etl.rejected_rows where raw_values is not null"
    ).fetchall()
    hits = []
    for rowid, text in rows:
        try:
            cells = json.loads(text)
        except ValueError:
            continue
        if isinstance(cells, dict) and _names_target(cells, case_ids, citizen_keys, keyer):
            hits.append(rowid)
    return hits


def _names_target(cells: dict, case_ids: set[str], citizen_keys: set[str], keyer) -> bool:
    for header, value in cells.items():
        if value is None:
            continue
        # the loader's own header folding, so every header it read as the case id counts here
        column, cell = fold(header), str(value).strip()
        if column in CASE_COLUMNS and cell in case_ids:
            return True
        if column in CITIZEN_COLUMNS and citizen_keys and cell:
            if cell in citizen_keys or (keyer is not None and keyer(cell) in citizen_keys):
                return True
    return False


def _case_ids_for_citizens(con: duckdb.DuckDBPyConnection, citizen_keys: set[str]) -> set[str]:
    rows = con.execute(
        "select case_id from raw.cases where citizen_key = any($keys)",
        {"keys": sorted(citizen_keys)},
    ).fetchall()
    return {row[0] for row in rows}


# --- removing --------------------------------------------------------------------------------


def _remove(
    con: duckdb.DuckDBPyConnection, case_ids: set[str], citizen_keys: set[str], keyer
) -> dict[str, int]:
    """Delete every row about these cases/citizens; rows removed per table (zeros included)."""
    targets_cases = pl.DataFrame({"case_id": sorted(case_ids)}, schema={"case_id": pl.String})
    targets_citizens = pl.DataFrame(
        {"citizen_key": sorted(citizen_keys)}, schema={"citizen_key": pl.String}
    )
    con.register("erase_case_ids", frame_source(targets_cases))
    con.register("erase_citizen_keys", frame_source(targets_citizens))
    counts: dict[str, int] = {}
    rejected = _rejected_matches(con, case_ids, citizen_keys, keyer)
    for (schema, table), columns in sorted(_base_tables(con).items()):
        name = f"{schema}.{table}"
        conditions = []
        if "case_id" in columns:
            conditions.append("case_id in (select case_id from erase_case_ids)")
        if "citizen_key" in columns:
            conditions.append("citizen_key in (select citizen_key from erase_citizen_keys)")
        if not conditions:
            continue
        sql = f"delete from {_quoted(schema, table)} where {' or '.join(conditions)}"  # noqa: S608
        counts[name] = con.execute(sql).fetchone()[0]
    if rejected:
        counts["etl.rejected_rows"] = con.execute(
            "delete from etl.rejected_rows where rowid = any($ids)", {"ids": rejected}
        ).fetchone()[0]
    else:
        counts.setdefault("etl.rejected_rows", 0)
    con.unregister("erase_case_ids")
    con.unregister("erase_citizen_keys")
    return counts


def _remember_erased(
    con: duckdb.DuckDBPyConnection, key_type: str, keys: Iterable[str], at: datetime
) -> int:
    """Record erased keys (pseudonyms) once each, so later loads reject them."""
    frame = pl.DataFrame({"key_pseudonym": sorted(set(keys))}, schema={"key_pseudonym": pl.String})
    con.register("erased_now", frame_source(frame))
    try:
        return con.execute(
            "insert into etl.erased_keys (key_type, key_pseudonym, erased_at) "
            "select $type, key_pseudonym, $at from erased_now "
            "where key_pseudonym not in "
            "(select key_pseudonym from etl.erased_keys where key_type = $type)",
            {"type": key_type, "at": at},
        ).fetchone()[0]
    finally:
        con.unregister("erased_now")


# --- public functions ------------------------------------------------------------------------


def erase_case(db: Path, case_id: str) -> dict[str, int]:
    """Remove one case from every table and record its key; raises ErasureError when unknown."""
    case_id = case_id.strip()
    if not db.exists():
        raise ErasureError(f"Der er intet lager i {db}.")
    keys = pseudonymizer(db)
    with keyed_write(db, keys, compact=True) as con:
        counts = _remove(con, {case_id}, set(), None)
        if not any(counts.values()):
            raise ErasureError(f"Forløbet {case_id!r} findes ikke i lageret; intet er slettet.")
        counts["etl.erased_keys"] = _remember_erased(
            con, "case", [keys.case_key(case_id)], datetime.now()
        )
    return counts


def resolve_citizen(con: duckdb.DuckDBPyConnection, key: str, keyer) -> str:
    """KEY as the pseudonym shown in mart.cases, else taken as a raw borger_id and keyed."""
    found = con.execute(
        "select count(*) from raw.cases where citizen_key = $k", {"k": key}
    ).fetchone()[0]
    return key if found else keyer(key)


def erase_citizen(db: Path, key: str) -> dict[str, int]:
    """Remove a citizen (all their cases) from every table and record their keys."""
    key = key.strip()
    if not db.exists():
        raise ErasureError(f"Der er intet lager i {db}.")
    keys = pseudonymizer(db)
    with keyed_write(db, keys, compact=True) as con:
        citizen = resolve_citizen(con, key, keys.citizen_key)
        case_ids = _case_ids_for_citizens(con, {citizen})
        counts = _remove(con, case_ids, {citizen}, keys.citizen_key)
        if not any(counts.values()):
            raise ErasureError("Borgeren findes ikke i lageret (hverken som pseudonym eller id).")
        now = datetime.now()
        counts["etl.erased_keys"] = _remember_erased(con, "citizen", [citizen], now)
        counts["etl.erased_keys"] += _remember_erased(
            con, "case", [keys.case_key(c) for c in case_ids], now
        )
    return counts


def purge_closed(db: Path, closed_before: date) -> dict[str, int]:
    """Remove closed and discontinued cases that ended before `closed_before`, and orphans."""
    if not db.exists():
        raise ErasureError(f"Der er intet lager i {db}.")
    keys = pseudonymizer(db)
    with keyed_write(db, keys, compact=True) as con:
        case_ids = {
            row[0]
            for row in con.execute(
                "select case_id from raw.cases where status = any($statuses) and end_date < $d",
                {"statuses": list(CLOSED_STATUSES), "d": closed_before},
            ).fetchall()
        }
        counts = _remove(con, case_ids, set(), None) if case_ids else {}
        counts["cases_purged"] = len(case_ids)
        for table in ("assessments", "progression"):
            # measurements left without a case (e.g. from before a case row was rejected)
            orphans = con.execute(
                f"delete from raw.{table} where case_id not in "  # noqa: S608 (constant names)
                "(select case_id from raw.cases)"
            ).fetchone()[0]
            counts[f"raw.{table}"] = counts.get(f"raw.{table}", 0) + orphans
        counts["etl.erased_keys"] = _remember_erased(
            con, "case", [keys.case_key(c) for c in case_ids], datetime.now()
        )
    return counts


# --- command line ----------------------------------------------------------------------------
