"""The warehouse file: where it lives, how it is written atomically, how it is read while written.

Writers (`lat load`, `lat reference`, erasure) never touch the live file: they copy it, write the
copy in one transaction, and swap it in with `os.replace`. A `kill -9` half-way leaves the live file
as it was. Readers attach the file read-only in an in-memory DuckDB and re-attach when the file's
inode or mtime changes, so the dashboard keeps answering during a load and sees the new data after.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import re
import secrets
import shutil
import stat
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from privacy.files import data_dir, make_data_dir, private_files
from privacy.pseudonym import Pseudonymizer, bind_key
from settings import DEFAULT_DB, settings
from warehouse.steps import Step, run_steps

__all__ = [
    "DEFAULT_DB",
    "data_dir",
    "make_data_dir",
    "private_files",
]  # their home is privacy.files

SQL_DIR = Path(__file__).parent / "sql"
TABLES_SQL = "00_tables.sql"  # the tables as they were when migrations began; changes: migrations
# the per-case intermediate results kept as tables, rebuilt by every write (refresh_materialised)
MATERIALISED_SQL = "15_materialised.sql"
# materialised tables of earlier versions that no longer exist: dropped when a write migrates a
# warehouse, so that no stale copy of their rows stays in the file (staging.fidelity_case_months
# is a column of staging.case_months since; staging.fidelity_gaps is a view since,
# 17_expansions.sql, which the views after MATERIALISED_SQL create). Here and not in a numbered
# migration: a migration's `drop table` fails where the name is a view (as in a warehouse from
# before migrations, which gets every migration again), this drops either.
FORMER_MATERIALISED = ("staging.fidelity_case_months", "staging.fidelity_gaps")
SEEDS_DIR = Path(__file__).parent / "seeds"
MUNICIPALITIES_CSV = SEEDS_DIR / "municipalities.csv"  # the 98 municipalities, our own copy
AGE_BANDS_CSV = SEEDS_DIR / "age_bands.csv"  # the rule of mart.cases.age_band
CODE_LISTS_CSV = SEEDS_DIR / "code_lists.csv"  # the codes of every coded column, in list order
# ref tables that hold the project's own rules: rewritten from their seed by every write
PROJECT_SEEDS = {"ref.age_bands": AGE_BANDS_CSV, "ref.code_lists": CODE_LISTS_CSV}
TMP_SUFFIX = ".writing"
# What a writer leaves beside its copy: DuckDB's WAL and spill folder, the erasure's fresh file.
_COPY_EXTRAS = r"(\.fresh)?(\.wal|\.tmp)?"

# Defaults of ref.instruments (warehouse contract section 4).
INSTRUMENT_DEFAULTS: list[dict] = [
    {
        "instrument": "WHO5",
        "score_min": 0,
        "score_max": 100,
        "reliability": 0.85,
        "sd": 20.0,
        "cutoff": 50.0,
        "mcid": 10.0,
        "sources": "0-100 scale, cutoff <=50 and 10-point change: WHO-5 scoring instructions "
        "(Psychiatric Centre North Zealand); population mean ~70 and depressed patients ~40 "
        "(Topp et al. 2015); alpha ~0.85 in validation studies",
    },
    {
        "instrument": "GSE",
        "score_min": 10,
        "score_max": 40,
        "reliability": 0.85,
        "sd": 5.3,
        "cutoff": None,
        "mcid": None,
        "sources": "Schwarzer & Jerusalem 1995; the authors' international data set (about "
        "19,900 people, 24 nations): mean 29.6, SD 5.3, alpha .85; the authors endorse no cutoff",
    },
]


@functools.cache
def municipality_codes() -> frozenset[str]:
    """The 98 municipality codes, without leading zeros ('101')."""
    frame = pl.read_csv(MUNICIPALITIES_CSV, infer_schema=False)
    return frozenset(str(int(c)) for c in frame["municipality_code"])


@functools.cache
def municipality_names() -> dict[str, str]:
    """Code ('101') -> name ('København') of the 98 municipalities, from the seed data."""
    frame = pl.read_csv(MUNICIPALITIES_CSV, infer_schema=False)
    return {
        str(int(c)): n
        for c, n in zip(frame["municipality_code"], frame["municipality_name"], strict=True)
    }


class _ArrowStream:
    """A polars frame as DuckDB reads it through the Arrow PyCapsule interface (a fresh stream
    for each scan, from the frame's own buffers)."""

    def __init__(self, frame: pl.DataFrame):
        self._frame = frame

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._frame.__arrow_c_stream__(requested_schema)


def frame_source(frame: pl.DataFrame) -> _ArrowStream:
    """What a writer registers for a polars frame. DuckDB reads a polars DataFrame given as such
    through one `to_arrow()`, which imports pyarrow (and numpy: a fifth of a second of every
    load) and copies the frame; the same frame given as an Arrow stream is read without either."""
    return _ArrowStream(frame)


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse file: `--db`, else `LAT_DB`, else data/warehouse.duckdb under the cwd."""
    return settings().db_path(explicit)


def writer_config() -> dict[str, str | bool]:
    """DuckDB's configuration for a writer.

    A load of a million cases must stay well under 4 GB: DuckDB spills to disk beyond
    `LAT_WRITER_MEMORY` instead of keeping most of the machine's memory as cache (its default
    is 80% of RAM). It need not keep rows in the order they were inserted: no reader relies on
    a table's order (every query that needs one says `order by`), and without it DuckDB writes a
    table from all its threads at once and keeps less in memory while it does."""
    return {"memory_limit": settings().writer_memory, "preserve_insertion_order": False}


# Rows per row group in the tables a writer writes. DuckDB scans and inserts a table one row group
# per thread, and at its default (122,880 rows) a corps' 100,000 cases are one group: every
# table built from one row per case (staging.fidelity, and the million rows of
# staging.case_months expanded from it) was written by one thread while the other core idled,
# and the commit then flushed the rows still buffered on one thread too. Half the default splits
# them over both cores: a 100,000-case load's materialised tables and commit went from 1.2-1.3 to
# 0.9 s (benchmarks.load). DuckDB takes it as an option of ATTACH only (no config key, and it is
# not kept in the file), so the writer attaches its copy with it; readers open the file as it is.
WRITER_ROW_GROUP_SIZE = 61_440
WRITER_DATABASE = "warehouse"  # the writer's name for the file it attaches


def connect_writer(path: Path) -> duckdb.DuckDBPyConnection:
    """A writing connection to the warehouse file `path` (created when missing), its default
    database, with `writer_config()` and WRITER_ROW_GROUP_SIZE."""
    con = duckdb.connect(config=writer_config())
    try:
        con.execute(
            f"attach $path as {WRITER_DATABASE} (row_group_size {WRITER_ROW_GROUP_SIZE})",  # constants
            {"path": str(path)},
        )
        con.execute(f"use {WRITER_DATABASE}")
    except BaseException:
        con.close()
        raise
    return con


def sql_files() -> list[Path]:
    """Every SQL file that defines the warehouse: the tables, the migrations, the views."""
    return [SQL_DIR / TABLES_SQL, *(path for _, path in migrations()), *view_files()]


def view_files() -> list[Path]:
    """The staging and mart views (and macros), re-created by every write, after migrations; in
    their order is MATERIALISED_SQL, whose tables the views after it read."""
    return sorted(p for p in SQL_DIR.glob("*.sql") if p.name != TABLES_SQL)


_MATERIALISED_STATEMENT = re.compile(
    r"\s*create\s+or\s+replace\s+table\s+(staging\.[a-z_]+)\s+as\s+(.*?)[\s;]*",
    re.IGNORECASE | re.DOTALL,
)


@functools.cache
def materialised() -> tuple[tuple[str, str], ...]:
    """(table, defining select) of every materialised table, in the order they are rebuilt
    (a table that reads another comes after it), from MATERIALISED_SQL."""
    text = (SQL_DIR / MATERIALISED_SQL).read_text(encoding="utf-8")
    found = []
    for statement in duckdb.extract_statements(text):
        match = _MATERIALISED_STATEMENT.fullmatch(statement.query)
        if match is None:
            raise ValueError(
                f"{MATERIALISED_SQL} holds only `create or replace table staging.x as select`"
            )
        select = match.group(2).rstrip().splitlines()
        while select and (not select[-1].strip() or select[-1].lstrip().startswith("--")):
            select.pop()  # DuckDB gives the comment before the next statement to this one
        found.append((match.group(1), "\n".join(select).rstrip().rstrip(";")))
    return tuple(found)


_SQL_COMMENT = re.compile(r"--[^\n]*")


@functools.cache
def materialised_steps() -> tuple[Step, ...]:
    """Rebuilding each materialised table as a step of a write (warehouse.steps), after the
    tables above it in MATERIALISED_SQL that its select reads (its comments left out)."""
    steps: list[Step] = []
    for table, select in materialised():
        reads = re.findall(r"\bstaging\.[a-z_]+\b", _SQL_COMMENT.sub("", select))
        after = frozenset(s.name for s in steps if s.name in reads)
        steps.append(
            Step(table, functools.partial(_rebuild_table, table=table, select=select), after)
        )
    return tuple(steps)


def _rebuild_table(con: duckdb.DuckDBPyConnection, *, table: str, select: str) -> None:
    con.execute(f"create or replace table {table} as {select}")  # noqa: S608 (our own SQL)


MATERIALISED_STEPS = frozenset(table for table, _ in materialised())  # what a check may follow


@dataclass(frozen=True)
class Verification:
    """What a write checks before it is swapped in: `steps` run beside the rebuild of the
    materialised tables (a step that reads them names MATERIALISED_STEPS as what it follows),
    then `conclude(con, results)` on the writer's connection, with each step's result by name;
    an exception from either refuses the write."""

    steps: tuple[Step, ...]
    conclude: Callable[[duckdb.DuckDBPyConnection, dict[str, object]], object]


def refresh_materialised(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every materialised table from its defining select, inputs first, one after
    another on `con`: for a schema made again (`apply_schema`) and for tests. A write rebuilds
    them as steps (`materialised_steps`) after its own changes and before its swap, so no writer
    can leave them behind the data they are computed from (an erased case leaves them with the
    rest of it)."""
    for table, select in materialised():
        _rebuild_table(con, table=table, select=select)


def _drop_former_views(con: duckdb.DuckDBPyConnection) -> None:
    """Drop a view that has a materialised table's name: warehouses built before these were
    tables (a table cannot replace a view); and the materialised tables of earlier versions."""
    views = {
        row[0]
        for row in con.execute(
            "select schema_name || '.' || view_name from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall()
    }
    for table, _ in materialised():
        if table in views:
            con.execute(f"drop view {table}")  # our own constant name, not input
    for former in FORMER_MATERIALISED:  # our own constant names, not input
        con.execute(f"drop {'view' if former in views else 'table'} if exists {former}")


def _materialised_missing(con: duckdb.DuckDBPyConnection) -> bool:
    present = {
        row[0]
        for row in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database() and not internal"
        ).fetchall()
    }
    return any(table not in present for table, _ in materialised())


_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations() -> list[tuple[int, Path]]:
    """(number, file) of every migration in warehouse/sql/migrations, in number order.

    A file named otherwise, or a number given twice, is a mistake of ours: raised, not skipped."""
    found: dict[int, Path] = {}
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.fullmatch(path.name)
        if match is None:
            raise ValueError(f"{path.name}: a migration is named NNNN_what_it_does.sql")
        number = int(match.group(1))
        if number in found:
            raise ValueError(f"migrations {found[number].name} and {path.name} share a number")
        found[number] = path
    return sorted(found.items())


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Run every migration this warehouse has not had yet, in order, and record each; the
    numbers applied are returned. Inside the caller's transaction: all of them or none."""
    done = {
        row[0] for row in con.execute("select migration_id from etl.schema_migrations").fetchall()
    }
    applied = []
    for number, path in migrations():
        if number in done:
            continue
        con.execute(path.read_text(encoding="utf-8"))
        con.execute(
            "insert into etl.schema_migrations values ($n, $name, current_timestamp)",
            {"n": number, "name": path.stem},
        )
        applied.append(number)
    return applied


# hex digits 0-9 written as letters: no digit run of a digest can then read as a CPR number,
# which the warehouse's own check (warehouse/checks.py) would refuse
_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def schema_version() -> str:
    """A digest of the SQL that defines the warehouse; a file built from other SQL is migrated."""
    digest = hashlib.sha256()
    for path in sql_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16].translate(_DIGITS_AS_LETTERS)


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables (if missing), migrate them, (re)create every view; seed reference data.

    The order matters: a view that selects a column a migration adds can only be created after
    that migration, so the views come last. A warehouse whose stored schema version is this
    code's (`schema_version`, a digest of every SQL file) holds exactly these views already, made
    by an earlier write from the same SQL: they are not made again (binding a hundred views cost
    a monthly load of a corps a quarter of its time, issue 7). Otherwise every view is made again
    and the materialised tables are rebuilt (the views after them need their columns); when
    current, they are as the last write left them, in step with its data, until
    `write_transaction` rebuilds them."""
    con.execute((SQL_DIR / TABLES_SQL).read_text(encoding="utf-8"))
    apply_migrations(con)
    if stored_schema_version(con) != schema_version() or _materialised_missing(con):
        for path in view_files():
            if path.name != MATERIALISED_SQL:
                con.execute(path.read_text(encoding="utf-8"))
            else:
                _drop_former_views(con)
                refresh_materialised(con)
    if con.execute("select count(*) from ref.municipalities").fetchall()[0][0] == 0:
        con.register(
            "seed_municipalities", frame_source(pl.read_csv(MUNICIPALITIES_CSV, infer_schema=False))
        )
        con.execute("insert into ref.municipalities select * from seed_municipalities")
        con.unregister("seed_municipalities")
    # age bands and code lists are the project's rules, not editable constants: as seeded
    for table, seed in PROJECT_SEEDS.items():
        con.register("seed", frame_source(pl.read_csv(seed, infer_schema=False)))
        con.execute(f"delete from {table}")  # noqa: S608 (a constant of this module, not input)
        con.execute(f"insert into {table} by name select * from seed")  # noqa: S608
        con.unregister("seed")
    if con.execute("select count(*) from ref.instruments").fetchall()[0][0] == 0:
        con.register("seed_instruments", frame_source(pl.DataFrame(INSTRUMENT_DEFAULTS)))
        con.execute("insert into ref.instruments by name select * from seed_instruments")
        con.unregister("seed_instruments")
    con.execute(
        "insert or replace into etl.meta values ('schema_version', $v)",
        {"v": schema_version()},
    )
    # The secret behind the dashboard's cell-key perturbation (docs/suppression.md): random, made
    # once per warehouse and kept across loads, so a case keeps its record key; the dashboard
    # reads it here and so needs no pseudonym key.
    con.execute(
        "insert or ignore into etl.meta values ('cell_key_secret', $s)",
        {"s": _letters_secret()},
    )


def _letters_secret(length: int = 48) -> str:
    """A random secret of letters only (about 270 bits): digits could by chance spell a CPR-like
    number, which the warehouse's own CPR check would then refuse."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(length))


def stored_schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("select value from etl.meta where key = 'schema_version'").fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


@contextlib.contextmanager
def write_transaction(
    path: Path,
    *,
    compact: bool = False,
    verify: Callable[[duckdb.DuckDBPyConnection], Verification] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write the warehouse all-or-nothing: a copy is written and swapped in on success.

    Creates the warehouse (with its schema) when the file does not exist yet. After the body
    commits (in the copy, which no reader sees until it is swapped in), the materialised tables
    are rebuilt side by side (`materialised_steps`, warehouse.steps) with the steps of
    `verify(con)` (a load's checks), which then concludes: an exception anywhere throws the copy
    away, and the live file stays as it was. `compact` rebuilds the written copy into a fresh
    file before the swap, so deleted rows leave no bytes behind (erasure needs that; DuckDB
    reuses freed blocks lazily).
    """
    make_data_dir(path.parent)
    with private_files(), _writer_lock(path):
        tmp = path.with_name(f"{path.name}.{os.getpid()}{TMP_SUFFIX}")
        clean_stale_copies(path)
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
            con = connect_writer(tmp)
            try:
                con.execute("begin transaction")
                apply_schema(con)
                yield con
                # committed so that cursors see it: the steps run on cursors of their own
                con.execute("commit")
                verification = verify(con) if verify is not None else None
                steps = verification.steps if verification is not None else ()
                results = run_steps(con, [*materialised_steps(), *steps], database=WRITER_DATABASE)
                if verification is not None:
                    verification.conclude(con, results)
                con.execute("checkpoint")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("rollback")
                raise
            finally:
                con.close()
            if compact:
                _rebuild(tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            # special-category data: owner-only when new; a mode an admin set on it is kept
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600)
            os.replace(tmp, path)
        finally:
            # also after a full disk or an error half-way: no copy of the data stays behind
            _remove_copies(path, lambda name: name.startswith(tmp.name))


@contextlib.contextmanager
def keyed_write(
    db: Path,
    keys: Pseudonymizer,
    *,
    compact: bool = False,
    verify: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`write_transaction` for writes that store pseudonyms: the key is checked under the lock."""
    with write_transaction(db, compact=compact, verify=verify) as con:
        bind_key(con, keys)
        yield con


def _rebuild(path: Path) -> None:
    """Copy every table and view of `path` into a new file that then replaces it."""
    fresh = path.with_name(path.name + ".fresh")
    fresh.unlink(missing_ok=True)
    con = connect_writer(fresh)
    try:
        con.execute("attach $p as source (read_only)", {"p": str(path)})
        target = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f'copy from database source to "{target}"')  # our own file name, not input
        con.execute("detach source")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(fresh, path)


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    """One writer at a time: a second load or erasure waits instead of losing the first's work."""
    handle = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def clean_stale_copies(path: Path) -> None:
    """Remove copies left behind by a writer that was killed.

    Called under the writer lock, before this writer makes its own copy: any copy there is
    then one whose writer no longer holds the lock, so it is dead.
    """
    _remove_copies(path, lambda _name: True)


def _remove_copies(path: Path, chosen) -> None:
    """Remove the writers' copies of `path` (and their WAL, spill folder, fresh file) that
    `chosen(name)` picks. Only names a writer makes are matched, exactly (no glob, so a file name
    with `[` or `*` in it is no pattern); a symbolic link is removed itself, never followed."""
    made_by_writer = re.compile(
        re.escape(path.name) + r"\.\d+" + re.escape(TMP_SUFFIX) + _COPY_EXTRAS
    )
    for name in os.listdir(path.parent):
        if not (made_by_writer.fullmatch(name) and chosen(name)):
            continue
        copy = path.parent / name
        with contextlib.suppress(FileNotFoundError):
            if copy.is_dir() and not copy.is_symlink():
                shutil.rmtree(copy)
            else:
                copy.unlink()


def ensure_warehouse(path: Path) -> None:
    """Create the warehouse if missing, or migrate it (tables, then views) when its SQL changed."""
    if path.exists():
        con = duckdb.connect(str(path), read_only=True)
        try:
            current = stored_schema_version(con) == schema_version()
        finally:
            con.close()
        if current:
            return
    with write_transaction(path):
        pass


def reader_config(path: Path) -> dict[str, str]:
    """DuckDB's configuration for the dashboard's reader of the warehouse `path`: one database
    that all its sessions' queries share (buffer cache, `LAT_READER_MEMORY`, DuckDB's worker
    threads). Beyond its memory it spills to disk: into a folder of this process's own beside
    the warehouse (owner-only, like the warehouse), never DuckDB's default `.tmp` in whatever
    folder the server was started from, since what it spills is the warehouse's data."""
    spill = Path(path).parent / f".reader-spill-{os.getpid()}"
    return {"memory_limit": settings().reader_memory, "temp_directory": str(spill)}


@dataclass
class _Attached:
    inode: int
    mtime_ns: int
    size: int


@dataclass
class _Version:
    """One attachment of the warehouse file, and how many queries are running on it."""

    alias: str
    stamp: _Attached
    running: int = 0


class Reader:
    """A read-only view of the warehouse that follows the file when a writer replaces it.

    Thread-safe, and concurrent: Streamlit serves sessions from threads, and each query runs on a
    cursor of its own (DuckDB's connections are not thread-safe, their cursors are: each is a
    connection of its own to the one in-memory database, so all share its buffer cache and its
    memory limit). The lock guards only the bookkeeping, never a query, so a slow query of one
    session does not hold up another's.

    Following the file: each version of it is attached under an alias of its own (`wh_0`,
    `wh_1`, ...). A query runs on the newest; when a writer replaces the file, the new version is
    attached beside the old, which is detached once the queries still running on it are done. A
    query so sees one version only, from start to end, and none waits for another's.
    """

    ALIAS = "wh"
    MAX_QUERIES = 8  # at once; more only queue for the same cores and add to the memory in use

    def __init__(self, path: Path):
        self.path = Path(path)
        self._con = duckdb.connect(config=reader_config(self.path))
        self._lock = threading.Condition()
        self._slots = threading.BoundedSemaphore(self.MAX_QUERIES)
        self._current: _Version | None = None
        self._replaced: list[_Version] = []  # older versions with queries still running
        # cursors between two queries, each with the version it was last set to (`use`: a
        # statement of its own, a sixth of the server's time under load when run per query)
        self._idle: list[tuple[duckdb.DuckDBPyConnection, str]] = []
        self._versions = 0
        self._closed = False

    def _refresh(self) -> _Version:
        """The version to query now: the file's, attached if it is new (under the lock)."""
        now = os.stat(self.path)
        seen = _Attached(now.st_ino, now.st_mtime_ns, now.st_size)
        if self._current is not None and self._current.stamp == seen:
            return self._current
        alias = f"{self.ALIAS}_{self._versions}"  # a counter of ours, not user input
        self._con.execute(f"attach $path as {alias} (read_only)", {"path": str(self.path)})
        self._versions += 1
        if self._current is not None:
            self._replaced.append(self._current)
        self._current = _Version(alias, seen)
        self._detach_unused()
        return self._current

    def _detach_unused(self) -> None:
        for version in [v for v in self._replaced if v.running == 0]:
            try:
                self._con.execute(f"detach {version.alias}")
            except duckdb.Error:
                continue  # stays attached, tried again after the next query: no answer is lost
            self._replaced.remove(version)

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one query and no other at the same time (from a pool), set to the newest
        version; a query beyond MAX_QUERIES waits for one to end."""
        with self._slots:
            with self._lock:
                if self._closed:
                    raise duckdb.ConnectionException("the warehouse reader is closed")
                version = self._refresh()
                version.running += 1
                cursor, alias = self._idle.pop() if self._idle else (self._con.cursor(), None)
            try:
                if alias != version.alias:  # a cursor stays on its version until a new one
                    cursor.execute(f"use {version.alias}")
                yield cursor
            finally:
                with self._lock:
                    version.running -= 1
                    self._idle.append((cursor, version.alias))
                    if version is not self._current:
                        self._detach_unused()
                    self._lock.notify_all()

    def frame(self, query: str, params: dict | None = None) -> pl.DataFrame:
        """Run a query with bound parameters and return a polars frame."""
        with self._cursor() as cursor:
            return cursor.sql(query, params=params or {}).pl()

    def rows(self, query: str, params: dict | None = None) -> list[tuple]:
        with self._cursor() as cursor:
            return cursor.sql(query, params=params or {}).fetchall()

    def release(self) -> bool:
        """Hand back the memory DuckDB holds for the reader (the warehouse's blocks it read, up
        to LAT_READER_MEMORY, and its allocator's free memory: detaching the file frees
        neither), by starting its in-memory database afresh; the next query attaches the file
        again, as after a load. For a server whose last session has ended. Returns whether it
        was released (not while a query runs)."""
        with self._lock:
            if self._closed or not self._idle_all():
                return False
            for cursor, _alias in self._idle:
                cursor.close()
            self._idle.clear()
            self._con.close()
            self._con = duckdb.connect(config=reader_config(self.path))
            self._current, self._replaced = None, []
            return True

    def close(self) -> None:
        """Close the reader once the queries running now are done; later ones are refused."""
        with self._lock:
            self._closed = True
            self._lock.wait_for(self._idle_all)
            for cursor, _alias in self._idle:
                cursor.close()
            self._idle.clear()
            self._con.close()

    def _idle_all(self) -> bool:
        versions = [*self._replaced, *([self._current] if self._current else [])]
        return all(v.running == 0 for v in versions)
