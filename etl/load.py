"""Loading exports into the warehouse: one batch per export, each written all-or-nothing.

Rows are read and validated by etl.read / etl.validate; this module decides each valid row's
outcome against the records the warehouse holds (export-format.md rules 14, 17-20), keeps
rejected rows in quarantine, retries orphans, and records batches. Merges are set-based SQL so
that millions of progression rows go in within seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl.columns import TABLES
from etl.outcome import ExportOutcome, FileOutcome, Line, LoadResult, checks_refused, line
from etl.read import (
    Export,
    TableFile,
    UnreadableExport,
    canonical_column,
    display_name,
    export_name,
    read_export,
    rejected_row_subject,
    table_file_from_records,
)
from etl.threads import in_threads
from etl.validate import (
    DATE_FLOOR,
    REJECTED_SCHEMA,
    Validated,
    message,
    raw_values,
    validate_table,
    with_danish_messages,
)
from privacy.cpr import mask_cpr
from privacy.pseudonym import Pseudonymizer
from warehouse import checks
from warehouse.db import data_dir, frame_source, keyed_write, make_data_dir

# Danish table name -> raw table and its key; the order is the order of applying (rule 14:
# a case must be applied before the rows that name it), the registry's.
RAW_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    table.name: (table.raw, table.keys) for table in TABLES.values()
}
TABLE_ORDER = tuple(RAW_TABLES)
CASE_CHILD_TABLES = ("maalinger", "progression")
BOOKKEEPING = ("exported_at", "batch_id")
EXAMPLES_PER_FILE = 5

Progress = Callable[[Line, float], None]  # what a load is doing, how far it is


class _AlreadyLoaded(Exception):
    def __init__(self, batch_id: int):
        self.batch_id = batch_id


class _NothingChanged(Exception):
    """Raised inside a write to drop it: the live file is then left untouched."""


# ---------------------------------------------------------------------------------------------
# the command


def load_exports(
    paths: Iterable[str | Path],
    db: Path,
    *,
    progress: Progress | None = None,
    today: date | None = None,
) -> LoadResult:
    """Load each export in its own batch and atomic write; unreadable exports are reported."""
    today = today or date.today()
    db = Path(db)
    make_data_dir(data_dir(db))
    pseudonymizer = Pseudonymizer.for_warehouse(db)
    report = progress or (lambda _label, _fraction: None)
    result = LoadResult()
    paths = list(paths)
    for number, path in enumerate(paths):
        outcome = ExportOutcome(source_path=mask_cpr(display_name(str(path))))
        result.exports.append(outcome)
        _load_one(Path(path), db, pseudonymizer, today, report, outcome, result)
        if outcome.refused:
            # the checks found a fault in the ETL or the marts: load nothing more on top, and
            # say so for each export left, so that none is taken for loaded
            result.not_attempted = [
                export_name(os.path.abspath(rest)) for rest in paths[number + 1 :]
            ]
            break
    if not any(e.batch_id or e.refused for e in result.exports):
        # No new batch: orphans may still have found their case (e.g. after a failed load).
        try:
            result.orphans_resolved += _retry_orphans_alone(db, pseudonymizer)
        except checks.ChecksFailed as exc:
            result.orphans_refused = checks_refused("loader.file.orphans_refused", exc.failed)
    return result


def _load_one(
    path: Path,
    db: Path,
    pseudonymizer: Pseudonymizer,
    today: date,
    report: Progress,
    outcome: ExportOutcome,
    result: LoadResult,
) -> None:
    if not path.exists():
        outcome.error = line("loader.file.not_found", file=outcome.source_path)
        return
    name = export_name(path)
    report(line("loader.file.reading", file=name), 0.0)
    try:
        export = read_export(path)
        _check_export_date(export, today)
    except UnreadableExport as exc:
        outcome.error = exc.line
        return
    _describe(export, today, outcome)
    earlier = _batch_of_sha(db, _export_shas(export))
    if earlier is not None:
        outcome.already_loaded_in = earlier
        return
    # the files are validated side by side in threads while the write opens (a copy of the
    # warehouse, its schema) and applies each file as soon as its validation is done
    with _validation(export, outcome.exported_at, pseudonymizer) as validated:
        report(line("loader.file.validating", file=name), 0.1)
        _write(name, db, pseudonymizer, export, validated, report, outcome, result)


def _write(
    name: str,
    db: Path,
    pseudonymizer: Pseudonymizer,
    export: Export,
    validated: list[tuple[TableFile, Callable[[], Validated]]],
    report: Progress,
    outcome: ExportOutcome,
    result: LoadResult,
) -> None:
    try:
        # the checks run after the write has rebuilt its materialised tables, before the swap:
        # a failure rolls it all back
        with keyed_write(
            db, pseudonymizer, verify=lambda con: checks.enforce(con, outcome.batch_id)
        ) as con:
            earlier = _batch_of_sha_in(con, _export_shas(export))
            if earlier is not None:
                raise _AlreadyLoaded(earlier)
            report(line("loader.file.writing", file=name), 0.5)
            fill_rejected_subjects(con)
            outcome.batch_id = _apply_export(con, export, validated, outcome, pseudonymizer)
            resolved = _retry_orphans(con, pseudonymizer, outcome.batch_id)
            report(line("loader.file.checking", file=name), 0.95)
        result.orphans_resolved += resolved
    except UnreadableExport as exc:  # from validation: the write is rolled back
        outcome.batch_id = None
        outcome.files = []
        outcome.error = exc.line
    except _AlreadyLoaded as exc:
        outcome.batch_id = None
        outcome.files = []
        outcome.already_loaded_in = exc.batch_id
    except checks.ChecksFailed as exc:
        outcome.batch_id = None
        outcome.files = []
        outcome.refused = checks_refused("loader.file.refused", exc.failed, file=name)
    report(line("loader.file.done", file=name), 1.0)


def _check_export_date(export: Export, today: date) -> None:
    """An export date after today or before the 2016 floor is a wrong export date, not data: it
    would become the warehouse's as-of date and stretch every month series to it."""
    exported_at = export.exported_at
    if exported_at is None or DATE_FLOOR <= exported_at <= today:
        return
    when = exported_at.isoformat()
    if exported_at > today:
        raise UnreadableExport(
            "loader.file.export_date_future",
            file=export.source_path,
            exported_at=when,
            today=today.isoformat(),
        )
    raise UnreadableExport(
        "loader.file.export_date_before_floor",
        file=export.source_path,
        exported_at=when,
        floor=DATE_FLOOR.isoformat(),
    )


def _describe(export: Export, today: date, outcome: ExportOutcome) -> None:
    outcome.exported_at = export.exported_at or today
    outcome.exported_at_given = export.exported_at is not None
    outcome.municipalities = list(export.municipalities)
    outcome.ignored_files = list(export.ignored_files)


@contextlib.contextmanager
def _validation(
    export: Export, exported_at: date, pseudonymizer: Pseudonymizer
) -> Iterator[list[tuple[TableFile, Callable[[], Validated]]]]:
    """Each table file (in the order of applying) with a call that waits for its validation,
    which runs in a thread of its own from the start of the block (etl.threads)."""
    tables = sorted(export.tables, key=lambda tf: TABLE_ORDER.index(tf.table))
    with in_threads(lambda tf: validate_table(tf, exported_at, pseudonymizer), tables) as done:
        yield list(zip(tables, done, strict=True))


def _export_shas(export: Export) -> list[str]:
    """What identifies an export as loaded before: its own digest and, for a lone CSV, also
    the digest of that file, which an earlier folder or ZIP export may have held (rule 19)."""
    shas = [export.sha256]
    if len(export.tables) == 1 and Path(export.source_path).suffix.lower() == ".csv":
        shas.append(export.tables[0].sha256)
    return shas


def _batch_of_sha(db: Path, shas: list[str]) -> int | None:
    """A cheap look before reading and validating: was this export loaded already?"""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None  # the write transaction looks again, authoritatively
    try:
        return _batch_of_sha_in(con, shas)
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def _batch_of_sha_in(con: duckdb.DuckDBPyConnection, shas: list[str]) -> int | None:
    return _scalar(
        con,
        "select min(batch_id) from ("
        "    select batch_id from etl.batches where list_contains($shas, source_sha256)"
        "    union all"
        "    select batch_id from etl.batch_files where list_contains($shas[2:], source_sha256)"
        ")",
        {"shas": shas},
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """One value. fetchall, not fetchone: DuckDB 2.0 refuses register() while a result is open."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0][0] if rows else None


# ---------------------------------------------------------------------------------------------
# applying one export


def _apply_export(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    validated: list[tuple[TableFile, Callable[[], Validated]]],
    outcome: ExportOutcome,
    pseudonymizer: Pseudonymizer,
) -> int:
    batch_id = _scalar(con, "select coalesce(max(batch_id), 0) + 1 from etl.batches")
    exported_at = outcome.exported_at
    erased = _Erased.fetch(con, pseudonymizer)
    for tf, validation in validated:
        outcome.files.append(_apply_file(con, tf, validation(), exported_at, batch_id, erased))
    _record_batch(con, export, outcome, batch_id)
    return batch_id


def _apply_file(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    v: Validated,
    exported_at: date,
    batch_id: int,
    erased: _Erased,
) -> FileOutcome:
    raw_table = RAW_TABLES[tf.table][0]
    valid, erased_rows = erased.split(tf.table, v.valid)
    counts = {"loaded": 0, "unchanged": 0, "superseded": 0}
    orphans = pl.DataFrame({"_source_row": [], "case_id": []}, schema=_ORPHAN_SCHEMA)
    if len(valid):
        if tf.table in CASE_CHILD_TABLES:
            valid, orphans = _split_orphans(con, valid)
        with _staged(con, valid):
            counts = _merge(con, raw_table, exported_at, batch_id)
    rejected = _rejections(tf, v, erased, erased_rows, orphans)
    _record_rejections(con, rejected, batch_id, tf)
    outcome = FileOutcome(
        source_file=tf.source_file,
        table=tf.table,
        rows_read=v.rows_read,
        loaded=counts["loaded"],
        unchanged=counts["unchanged"] + v.duplicates_unchanged,
        superseded=counts["superseded"],
        rejected=len(rejected),
        ignored_columns=list(v.ignored_columns),
        cpr_blanked=list(v.cpr_blanked),
    )
    _summarise_rejections(rejected, outcome)
    _record_file(con, tf, outcome, batch_id)
    return outcome


_ORPHAN_SCHEMA = {"_source_row": pl.Int64, "case_id": pl.String}


@contextlib.contextmanager
def _staged(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> Iterator[None]:
    """The valid rows readable as `_incoming` while the block runs: the polars frame itself,
    registered, which each statement that reads it scans through Arrow (warehouse.db.frame_source).
    A first load's rows so go from the frame into raw once; copying them into a temp table
    first cost as much again (issue 7 section 5)."""
    con.register("_incoming", frame_source(frame))
    try:
        yield
    finally:
        con.unregister("_incoming")


def _unknown_cases(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """`_source_row` and `case_id` of the rows whose case the warehouse does not hold.

    The warehouse's case ids come over as one list and the rows are matched in polars: DuckDB
    scanning the frame's case ids through Arrow cost twice as much (issue 7 section 5)."""
    held = con.execute("select coalesce(list(case_id), []) from raw.cases").fetchall()[0][0]
    known = pl.Series("case_id", held, dtype=pl.String)
    return (
        frame.lazy()
        .select(pl.col("_source_row").cast(pl.Int64), pl.col("case_id").cast(pl.String))
        .filter(~pl.col("case_id").is_in(known.implode()).fill_null(False))  # NULL: no case
        .sort("_source_row")
        .collect()
    )


def _split_orphans(
    con: duckdb.DuckDBPyConnection, valid: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows whose case the warehouse holds, the orphans: `_source_row`, `case_id`) (rule 14)."""
    orphans = _unknown_cases(con, valid)
    if len(orphans):
        valid = valid.join(orphans.select("_source_row"), on="_source_row", how="anti")
    return valid, orphans


def _raw_columns(con: duckdb.DuckDBPyConnection, raw_table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = $t order by ordinal_position",
        {"t": raw_table},
    ).fetchall()
    return [r[0] for r in rows]


def _merge(
    con: duckdb.DuckDBPyConnection, raw_table: str, exported_at: date, batch_id: int
) -> dict[str, int]:
    """Apply `_incoming` (`_staged`) to raw.<raw_table> by rules 17-18; return counts per outcome.

    Only the rows whose key the warehouse holds are compared with it (`_classified`); the new
    ones go from `_incoming` into raw directly, so a first load copies its rows once, not twice.
    Identifiers come from RAW_TABLES and the warehouse's own catalogue, never from a file.
    """
    keys = RAW_TABLES_BY_RAW[raw_table]
    columns = _raw_columns(con, raw_table)
    incoming = set(_raw_columns_of_temp(con))
    values = [c for c in columns if c not in keys and c not in BOOKKEEPING]
    # A column absent from the file means no value (rule 17).
    staged = [f"{c} as i_{c}" if c in incoming else f"null as i_{c}" for c in values]
    same = " and ".join(f"i.i_{c} is not distinct from h.{c}" for c in values) or "true"
    join = " and ".join(f"c.{k} = h.{k}" for k in keys)
    held = " and ".join(f"i.{k} = h.{k}" for k in keys)
    con.execute(
        f"""
        create or replace temp table _classified as
        with i as (select {", ".join(keys)}, {", ".join(staged)} from _incoming)
        select i.*,
            case
                when {same} then 'unchanged'
                when h.exported_at <= $exported_at then 'loaded'
                else 'superseded'
            end as outcome,
            h.exported_at as held_exported_at
        from i inner join raw.{raw_table} as h on {held}
        """,  # noqa: S608 - identifiers from the allow-list above
        {"exported_at": exported_at},
    )
    params = {"exported_at": exported_at, "batch_id": batch_id}
    assignments = ", ".join(f"{c} = c.i_{c}" for c in values)
    con.execute(
        f"update raw.{raw_table} as h set {assignments}, exported_at = $exported_at, "  # noqa: S608
        f"batch_id = $batch_id from _classified as c where c.outcome = 'loaded' and {join}",
        params,
    )
    # A newer export repeating a record makes it newer (rule 17, last sentence).
    con.execute(
        f"update raw.{raw_table} as h set exported_at = $exported_at, "  # noqa: S608
        f"batch_id = $batch_id from _classified as c "
        f"where c.outcome = 'unchanged' and c.held_exported_at < $exported_at and {join}",
        params,
    )
    # the rows whose key raw does not hold: those _classified has not
    new_rows = f"{', '.join(keys)}, {', '.join(c if c in incoming else 'null' for c in values)}"
    inserted = con.execute(
        f"insert into raw.{raw_table} ({', '.join(keys)}, {', '.join(values)}, "  # noqa: S608
        f"exported_at, batch_id) "
        f"select {new_rows}, $exported_at, $batch_id from _incoming as i "
        f"where not exists (select 1 from _classified as h where {held})",
        params,
    ).fetchall()[0][0]
    counts = dict(con.execute("select outcome, count(*) from _classified group by 1").fetchall())
    return {
        "loaded": inserted + counts.get("loaded", 0),
        "unchanged": counts.get("unchanged", 0),
        "superseded": counts.get("superseded", 0),
    }


RAW_TABLES_BY_RAW = {raw: keys for raw, keys in RAW_TABLES.values()}


def _raw_columns_of_temp(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("describe _incoming").fetchall()]


# ---------------------------------------------------------------------------------------------
# erased keys (privacy): rows of an erased case or citizen are never loaded again


@dataclass
class _Erased:
    pseudonymizer: Pseudonymizer
    case_keys: set[str]
    citizen_keys: set[str]
    case_ids: set[str] = field(default_factory=set)  # erased cases met in this export

    @classmethod
    def fetch(cls, con: duckdb.DuckDBPyConnection, pseudonymizer: Pseudonymizer) -> _Erased:
        rows = con.execute("select key_type, key_pseudonym from etl.erased_keys").fetchall()
        return cls(
            pseudonymizer,
            {k for t, k in rows if t == "case"},
            {k for t, k in rows if t == "citizen"},
        )

    def split(self, table: str, valid: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(rows to apply, source rows refused as erased)."""
        none = valid.select("_source_row").clear()
        if not (self.case_keys or self.citizen_keys) or "case_id" not in valid.columns:
            return valid, none
        ids = valid["case_id"].unique().drop_nulls().to_list()
        hit = {i for i in ids if self.pseudonymizer.case_key(i) in self.case_keys}
        if table == "forloeb" and self.citizen_keys:
            by_citizen = valid.filter(pl.col("citizen_key").is_in(list(self.citizen_keys)))
            hit |= set(by_citizen["case_id"].to_list())
        hit |= self.case_ids if table != "forloeb" else set()
        if table == "forloeb":
            self.case_ids |= hit
        mask = pl.col("case_id").is_in(list(hit))
        return valid.filter(~mask), valid.filter(mask).select(pl.col("_source_row").cast(pl.Int64))

    def rows_of_erased(self, tf: TableFile, rows: pl.Series) -> set[int]:
        """Source rows (among `rows`) whose original case or citizen cell names an erased one."""
        if not (self.case_keys or self.citizen_keys) or not len(rows):
            return set()
        picked = tf.frame.filter(pl.col("_source_row").is_in(rows.implode()))
        gone: set[int] = set()
        for name in picked.columns:
            column = canonical_column(name, tf.table) if name != "_source_row" else None
            if column == "forloeb_id":
                hit = {
                    c
                    for c in picked[name].drop_nulls().unique()
                    if c in self.case_ids or self.pseudonymizer.case_key(c) in self.case_keys
                }
            elif column == "borger_id" and self.citizen_keys:
                hit = {
                    c
                    for c in picked[name].drop_nulls().unique()
                    if self.pseudonymizer.citizen_key(c) in self.citizen_keys
                }
            else:
                continue
            gone |= set(picked.filter(pl.col(name).is_in(list(hit)))["_source_row"].to_list())
        return gone


# ---------------------------------------------------------------------------------------------
# rejected rows and records


def _rejections(
    tf: TableFile,
    v: Validated,
    erased: _Erased,
    erased_rows: pl.DataFrame,
    orphans: pl.DataFrame,
) -> pl.DataFrame:
    """All rejected rows of a file: the validator's, the erased ones and the orphans."""
    refused = v.rejected.select(list(REJECTED_SCHEMA)).cast(REJECTED_SCHEMA)
    # A bad row of an erased case keeps nothing of it either (not even its raw cells).
    gone = erased.rows_of_erased(tf, refused["source_row"])
    if gone:
        erased_rows = pl.concat([erased_rows, pl.DataFrame({"_source_row": sorted(gone)})])
        refused = refused.filter(~pl.col("source_row").is_in(list(gone)))
    parts = [refused]
    if len(erased_rows):
        erased_message = message("loader.erased")
        parts.append(
            with_danish_messages(
                erased_rows.select(
                    pl.col("_source_row").cast(pl.Int64).alias("source_row"),
                    pl.lit(None, pl.String).alias("column_name"),
                    pl.lit("erased").alias("reason_code"),
                    erased_message.key.alias("message_key"),
                    erased_message.params.alias("message_params"),
                    pl.lit(None, pl.String).alias("raw_values"),
                )
            )
        )
    if len(orphans):
        case_column = _original_case_column(tf)
        raw = raw_values(tf.frame, orphans["_source_row"]).rename({"source_row": "_source_row"})
        # the case id as validated: a CPR-like one was blanked (rule 24) and refused before
        unknown = message("loader.unknown_case", case_id=pl.col("case_id"))
        parts.append(
            with_danish_messages(
                orphans.join(raw, on="_source_row", how="left").select(
                    pl.col("_source_row").alias("source_row"),
                    pl.lit(case_column, pl.String).alias("column_name"),
                    pl.lit("unknown_case").alias("reason_code"),
                    unknown.key.alias("message_key"),
                    unknown.params.alias("message_params"),
                    pl.col("raw_values"),
                )
            )
        )
    return pl.concat(parts).sort("source_row")


def _original_case_column(tf: TableFile) -> str:
    """The file's own header for the case id (reports name columns as the file does)."""
    for name in tf.frame.columns:
        if name != "_source_row" and canonical_column(name, tf.table) == "forloeb_id":
            return name
    return "forloeb_id"


def _record_rejections(
    con: duckdb.DuckDBPyConnection, rejected: pl.DataFrame, batch_id: int, tf: TableFile
) -> None:
    if not len(rejected):
        return
    # the case and municipality the row names, so the dashboard scopes rejected rows like any
    # case row without parsing their cells (warehouse-contract.md, etl.rejected_rows)
    subjects = [rejected_row_subject(tf.table, raw) for raw in rejected["raw_values"]]
    rejected = rejected.with_columns(
        pl.Series("municipality_code", [m for m, _ in subjects], dtype=pl.String),
        pl.Series("case_id", [c for _, c in subjects], dtype=pl.String),
    )
    con.register("_rejected_frame", frame_source(rejected))
    try:
        con.execute(
            "insert into etl.rejected_rows by name "
            "select $batch_id as batch_id, $source_file as source_file, $table as table_name, "
            "source_row, column_name, reason_code, message, raw_values::json as raw_values, "
            "case_id, municipality_code, message_key, message_params::json as message_params "
            "from _rejected_frame",
            {"batch_id": batch_id, "source_file": tf.source_file, "table": tf.table},
        )
    finally:
        con.unregister("_rejected_frame")


def _summarise_rejections(rejected: pl.DataFrame, outcome: FileOutcome) -> None:
    counts = rejected.group_by("reason_code").len().sort("reason_code")
    outcome.reasons = dict(zip(counts["reason_code"], counts["len"], strict=True))
    head = rejected.head(EXAMPLES_PER_FILE)
    outcome.examples = head.select(
        "source_row", "column_name", "message_key", "message_params", "message"
    ).rows()


def _record_file(
    con: duckdb.DuckDBPyConnection, tf: TableFile, o: FileOutcome, batch_id: int
) -> None:
    con.execute(
        "insert into etl.batch_files values ($b, $f, $t, $sha, $read, $loaded, $unchanged, "
        "$superseded, $rejected, $cpr, $ignored)",
        {
            "b": batch_id,
            "f": tf.source_file,
            "t": tf.table,
            "sha": tf.sha256,
            "read": o.rows_read,
            "loaded": o.loaded,
            "unchanged": o.unchanged,
            "superseded": o.superseded,
            "rejected": o.rejected,
            "cpr": len(o.cpr_blanked),
            "ignored": ", ".join(o.ignored_columns) or None,
        },
    )


def _record_batch(
    con: duckdb.DuckDBPyConnection,
    export: Export,
    outcome: ExportOutcome,
    batch_id: int,
) -> None:
    files = outcome.files
    rejected = sum(f.rejected for f in files)
    con.execute(
        "insert into etl.batches values ($b, $path, $sha, $exported_at, $now, $read, $loaded, "
        "$unchanged, $superseded, $rejected, $status)",
        {
            "b": batch_id,
            "path": export.source_path,
            "sha": export.sha256,
            "exported_at": outcome.exported_at,
            "now": datetime.now(),
            "read": sum(f.rows_read for f in files),
            "loaded": sum(f.loaded for f in files),
            "unchanged": sum(f.unchanged for f in files),
            "superseded": sum(f.superseded for f in files),
            "rejected": rejected,
            "status": "loaded_with_rejections" if rejected else "loaded",
        },
    )


# ---------------------------------------------------------------------------------------------
# orphans (rule 20): retried on every load until their case arrives


def _retry_orphans(
    con: duckdb.DuckDBPyConnection, pseudonymizer: Pseudonymizer, resolved_batch: int
) -> int:
    """Re-validate unresolved unknown_case rows with their own batch's date; apply the known."""
    groups = con.execute(
        "select r.batch_id, r.source_file, r.table_name, b.exported_at "
        "from etl.rejected_rows as r join etl.batches as b using (batch_id) "
        "where r.reason_code = 'unknown_case' and r.resolved_batch_id is null "
        "group by all order by b.exported_at, r.batch_id, r.source_file"
    ).fetchall()
    erased = _Erased.fetch(con, pseudonymizer)
    resolved = 0
    for batch_id, source_file, table, exported_at in groups:
        if table not in CASE_CHILD_TABLES:
            continue
        resolved += _retry_group(
            con, pseudonymizer, erased, (batch_id, source_file, table, exported_at), resolved_batch
        )
    return resolved


def _retry_group(
    con: duckdb.DuckDBPyConnection,
    pseudonymizer: Pseudonymizer,
    erased: _Erased,
    group: tuple[int, str, str, date],
    resolved_batch: int,
) -> int:
    batch_id, source_file, table, exported_at = group
    where = {"b": batch_id, "f": source_file, "t": table}
    rows = con.execute(
        "select source_row, raw_values::varchar from etl.rejected_rows "
        "where batch_id = $b and source_file = $f and table_name = $t "
        "and reason_code = 'unknown_case' and resolved_batch_id is null order by source_row",
        where,
    ).fetchall()
    # a masked CPR cell is blanked again by validation itself (validate._blank_cpr)
    records = [json.loads(raw) for _, raw in rows if raw]
    numbers = [row for row, raw in rows if raw]
    if not records:
        return 0
    tf = table_file_from_records(table, source_file, records, numbers)
    valid, _erased_rows = erased.split(table, validate_table(tf, exported_at, pseudonymizer).valid)
    if not len(valid):
        return 0
    valid, _still_unknown = _split_orphans(con, valid)
    if not len(valid):
        return 0
    with _staged(con, valid):
        con.execute(
            "update etl.rejected_rows as r set resolved_batch_id = $resolved "
            "from _incoming as i where r.source_row = i._source_row and r.batch_id = $b "
            "and r.source_file = $f and r.table_name = $t and r.reason_code = 'unknown_case' "
            "and r.resolved_batch_id is null",
            {**where, "resolved": resolved_batch},
        )
        _merge(con, RAW_TABLES[table][0], exported_at, batch_id)
    return len(valid)


def fill_rejected_subjects(con: duckdb.DuckDBPyConnection) -> None:
    """Give rejected rows loaded before the loader stored their case and municipality both
    columns, once per warehouse, in the first load's write after migration 0002 added them (the
    loader fills them for every row it rejects since)."""
    done = con.execute(
        "select count(*) from etl.meta where key = 'rejected_subjects_filled'"
    ).fetchall()[0][0]
    if done:
        return
    rows = con.execute(
        "select rowid, table_name, raw_values::varchar from etl.rejected_rows "
        "where raw_values is not null and case_id is null and municipality_code is null"
    ).fetchall()
    filled = [(rowid, *rejected_row_subject(table, raw)) for rowid, table, raw in rows]
    filled = [row for row in filled if row[1] is not None or row[2] is not None]
    if filled:
        con.register(
            "_subjects",
            frame_source(
                pl.DataFrame(
                    filled, schema=["row_id", "municipality_code", "case_id"], orient="row"
                )
            ),
        )
        con.execute(
            "update etl.rejected_rows as r set case_id = s.case_id, "
            "municipality_code = s.municipality_code from _subjects as s where r.rowid = s.row_id"
        )
        con.unregister("_subjects")
    con.execute("insert or replace into etl.meta values ('rejected_subjects_filled', 'yes')")


def _retry_orphans_alone(db: Path, pseudonymizer: Pseudonymizer) -> int:
    """Retry orphans when a load made no batch; the write is dropped when nothing resolved."""
    if not db.exists() or not _has_resolvable_orphans(db):
        return 0  # the usual case: no copy of the warehouse is made for nothing
    resolved = 0
    try:
        latest = None
        with keyed_write(db, pseudonymizer, verify=lambda con: checks.enforce(con, latest)) as con:
            latest = _scalar(con, "select max(batch_id) from etl.batches")
            resolved = _retry_orphans(con, pseudonymizer, latest)
            if not resolved:
                raise _NothingChanged
    except _NothingChanged:
        return 0
    return resolved


def _has_resolvable_orphans(db: Path) -> bool:
    """Does an unresolved orphan name a case the warehouse now holds? (`column_name` is the
    header its case id stood under, the key of that cell in `raw_values`.)"""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return True
    try:
        resolvable = _scalar(
            con,
            "select count(*) from etl.rejected_rows as r "
            "where r.reason_code = 'unknown_case' and r.resolved_batch_id is null "
            "and exists (select 1 from raw.cases as c "
            "            where c.case_id = trim(r.raw_values ->> r.column_name))",
        )
        return bool(resolvable)
    except duckdb.CatalogException:
        return False
    finally:
        con.close()
