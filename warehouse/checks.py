"""The warehouse's own checks, run by `lat load` inside its write and by `lat check` on demand.

Like `dbt build`, which refuses to publish models whose tests fail, a load runs these checks on
its copy of the warehouse before the copy replaces the live file; one failed check refuses the
load (warehouse-contract.md section 1), so a fault in the ETL or a mart never reaches a reader:

- every public mart has unique keys, and no NULL in a key (`MART_KEYS`);
- every assessment and progression row names a case in mart.cases (`RELATIONSHIPS`);
- per file and per batch: read = loaded + unchanged + superseded + rejected (`COUNTED`);
- no text column of any table holds a CPR-like value (etl/cpr.py's pattern, run in SQL).

Each check is one query that stops at `SAMPLE` offending rows. A load scans only the rows its
batch wrote for CPR numbers (older rows passed when they were loaded); `lat check` scans all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from privacy.cpr import CPR_MIN_BYTES, CPR_SEARCH_PATTERN, looks_like_cpr, mask_cpr
from texts import messages
from warehouse.db import MATERIALISED_STEPS, Verification, materialised, write_transaction
from warehouse.steps import Step

SAMPLE = 3  # offending keys named per failed check: enough to find the fault, not a dump

# The grain of every public mart view: its key columns. A new mart adds one line here.
# mart.as_of has no key: its grain is one row, so at most one row may exist.
# any character outside ASCII: only such text can hold a CPR number written with other digits,
# dashes or spaces (privacy.cpr folds them)
NON_ASCII = "[^\\x00-\\x7F]"

MART_KEYS: dict[str, tuple[str, ...]] = {
    "mart.cases": ("case_id",),
    "mart.assessments": ("case_id", "instrument", "phase"),
    "mart.case_outcomes": ("case_id", "instrument"),
    "mart.progression": ("case_id", "measured_on"),
    "mart.fidelity": ("case_id",),
    "mart.caseload_monthly": ("municipality_code", "month", "case_type"),
    "mart.workers": ("worker_id",),
    "mart.case_matching": ("case_id",),
    "mart.as_of": (),
    "mart.expected_progression": ("start_band", "month"),
    "mart.progression_tracking": ("case_id", "measured_on"),
    "mart.attention": ("case_id",),
    "mart.fidelity_monthly": ("municipality_code", "month"),
    "mart.case_months": ("case_id", "month"),
    "mart.fidelity_case_months": ("case_id", "month"),
    "mart.fidelity_gaps": ("case_id", "gap_start"),
    "mart.constants": (),
    "mart.instruments": ("instrument",),
}


@dataclass(frozen=True)
class DerivedKey:
    """A mart whose key holds by how its SQL is written, once cheaper facts hold (issue 7: the
    four indicator marts cost most of a load's checks, each evaluated in full, and the later ones
    evaluate the earlier ones again).

    The argument (`why`) reads the SQL of `views`, so it is pinned to that SQL: `fingerprint` is
    the SHA-256 of their text as DuckDB keeps it, or for a materialised table the select the
    write rebuilt it from (`view_fingerprints`). When a view's text differs
    (an edited SQL file, a view redefined in the write) or a fact below fails, the mart is
    checked in full like any other, so a broken mart is still named; tests/warehouse/test_checks.py
    fails when a fingerprint no longer matches the shipped SQL, to have the argument read again.

    The facts: each of `marts` passed its own key check; each `inputs` entry (relation, key,
    columns) has no duplicate key and no NULL in those columns; each `single_row` relation has at
    most one row.
    """

    views: tuple[str, ...]
    fingerprint: str
    why: str
    marts: tuple[str, ...] = ()
    inputs: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    single_row: tuple[str, ...] = ()


DERIVED_KEYS: dict[str, DerivedKey] = {
    "mart.cases": DerivedKey(
        views=("mart.cases",),
        fingerprint="a708362db4c115d9cbcc82ee517270b1754d5ea15d204ae6b3944a66f642cc97",
        why="a projection of staging.cases, every row, case_id unchanged",
        inputs=(("staging.cases", ("case_id",), ("case_id",)),),
    ),
    "mart.assessments": DerivedKey(
        views=("mart.assessments",),
        fingerprint="554cdfe3f0c2398a52707693b5c9cfe5e8c80c9c6c38599f935c4c79ff8dab4f",
        why="a projection of staging.assessments, every row, the key columns unchanged",
        inputs=(
            (
                "staging.assessments",
                ("case_id", "instrument", "phase"),
                ("case_id", "instrument", "phase"),
            ),
        ),
    ),
    # mart.case_outcomes and mart.fidelity: projections of the tables staging.case_outcomes and
    # staging.fidelity (warehouse/sql/15_materialised.sql), whose SQL no fingerprint can pin; their
    # keys are checked in full, a cheap pass over a table
    "mart.progression": DerivedKey(
        views=("mart.progression", "staging.progression"),
        fingerprint="7dd1e0edfeba43d4ea100c36fbb0e9bb97660753a90024c59427d4c7cbac4ebd",
        why="a projection of staging.progression, every row, the key columns unchanged; that view "
        "is one row per raw.progression row with a case (the inner join meets at most one "
        "staging.cases row, its key case_id; the cross join one constants row; the windows add "
        "columns, not rows), case_id and measured_on raw.progression's own (the input fact, asked "
        "of the table: grouping the view cost its windows, a sort of every score)",
        inputs=(
            ("raw.progression", ("case_id", "measured_on"), ("case_id", "measured_on")),
            ("staging.cases", ("case_id",), ("case_id",)),
        ),
        single_row=("staging.constants",),
    ),
    "mart.caseload_monthly": DerivedKey(
        views=("mart.caseload_monthly",),
        fingerprint="a62b996a9252cbb8c3cb81371307100c193b51b067fb6eca3153eb8d65242266",
        why="`spine` is one row per municipality_code, case_type (its group-by) and month (a "
        "series of whole months, each once, never NULL); `changes` groups by the same three, so "
        "the left join meets at most one row; municipality_code and case_type are staging.cases' "
        "own",
        inputs=(("staging.cases", (), ("municipality_code", "case_type")),),
    ),
    "mart.expected_progression": DerivedKey(
        views=("mart.expected_progression",),
        fingerprint="9b489da04f9498a4f8f6bbf5ff53e7376a2474a1146b4af2d02688d00e751d5a",
        why="a projection of the table staging.expected_progression, every row, start_band and "
        "month unchanged (the input fact, asked of the table itself: a table has no SQL to pin; "
        "its select groups by the two)",
        inputs=(
            ("staging.expected_progression", ("start_band", "month"), ("start_band", "month")),
        ),
    ),
    "mart.progression_tracking": DerivedKey(
        views=("mart.progression_tracking", "staging.progression_banded", "staging.progression"),
        fingerprint="d9d102d88d775c26eb4902e7c450cf7f90b7ef26f8d0b5c2958b95cc430939fa",
        why="one row per staging.progression row: `banded` is staging.progression_banded, a "
        "projection of staging.progression, every row, case_id and measured_on unchanged (which "
        "are unique as mart.progression's argument says, from the same facts); the "
        "inner join on start_band, month meets at most one row of mart.expected_progression (its "
        "key), the cross join one constants row",
        marts=("mart.expected_progression",),
        inputs=(
            ("raw.progression", ("case_id", "measured_on"), ("case_id", "measured_on")),
            ("staging.cases", ("case_id",), ("case_id",)),
        ),
        single_row=("staging.constants",),
    ),
    "mart.attention": DerivedKey(
        views=("mart.attention",),
        fingerprint="44a0b15c758e519bb9ba48d66a04d481f30ae74173fa50b763cf46c8456a4b3d",
        why="one row per active staging.cases row: the inner join meets at most one mart.fidelity "
        "row (its key is case_id), `latest` keeps one row per case_id, constants is one row",
        marts=("mart.fidelity",),
        inputs=(("staging.cases", ("case_id",), ("case_id",)),),
        single_row=("staging.constants",),
    ),
    "mart.case_matching": DerivedKey(
        views=("mart.case_matching",),
        fingerprint="e2bbca24849aef8dec02f5322376c62c8cf0063d001bfdb6126a807205c12e46",
        why="one row per staging.cases row: `matched` left-joins raw.workers on its key "
        "worker_id, then the left joins meet at most one row each: mart.case_outcomes filtered "
        "to one instrument (its key is case_id, instrument), `progressed` (grouped by case_id) "
        "and mart.fidelity (its key is case_id); case_id is staging.cases' own",
        marts=("mart.case_outcomes", "mart.fidelity"),
        inputs=(
            ("staging.cases", ("case_id",), ("case_id",)),
            ("raw.workers", ("worker_id",), ()),
        ),
    ),
    "mart.case_months": DerivedKey(
        views=("mart.case_months", "staging.case_months", "mart.fidelity"),
        fingerprint="3d39e6fcfa7b285d28f539d24d91452f2158d10f64d82d11de6c23f89a6f2274",
        why="a projection of the table staging.case_months, every row, case_id and month "
        "unchanged; that table (its select pinned: the write rebuilt it from that select just "
        "before the checks) is one row per staging.fidelity row and month number of "
        "range(start_month, last_month + 1), each number once, month the date make_date makes "
        "of it, one date per number and never NULL (range yields no NULL); case_id is "
        "staging.fidelity's own, unique and filled: mart.fidelity, a projection of "
        "staging.fidelity with every row, passed its key check (a group-by of the million "
        "case months cost a load's checks more than all the other marts together)",
        marts=("mart.fidelity",),
    ),
    "mart.fidelity_case_months": DerivedKey(
        views=("mart.fidelity_case_months", "mart.case_months"),
        fingerprint="0ba59b4b92f64160c2967567f4ae952026f24760f9a41edf94cd4dc672d49d06",
        why="both are projections of the table staging.case_months, every row, case_id and "
        "month unchanged, so mart.fidelity_case_months has the key mart.case_months passed",
        marts=("mart.case_months",),
    ),
    "mart.fidelity_monthly": DerivedKey(
        views=("mart.fidelity_monthly",),
        fingerprint="0c134252b58361926a23f2ccfac711efba4b22a2693f7bcca7d7dea52b8336a7",
        why="it groups the table staging.case_months by municipality_code, month, and neither "
        "is NULL there (the input fact, asked of the table itself: a table has no SQL to pin)",
        inputs=(("staging.case_months", (), ("municipality_code", "month")),),
    ),
    "mart.fidelity_gaps": DerivedKey(
        views=("mart.fidelity_gaps", "staging.fidelity_gaps"),
        fingerprint="a54c6d88164df3d9be46cfc738591c926e4a1f120bd7e933ea149e638f978ada",
        why="a projection of staging.fidelity_gaps, every row, case_id and gap_start unchanged; "
        "that view unnests, per staging.fidelity row (its key case_id; the left join meets at "
        "most one staging.case_points row, its key case_id too), the gap starts: the start date "
        "then the case's progression dates (or, when period_end comes before the start, "
        "period_end alone), so two rows of a case share a gap_start only when that list holds a "
        "date twice: the progression dates are each once (mart.progression passed its key "
        "case_id, measured_on, and staging.case_points lists a subset of those rows' dates), and "
        "a date equal to the start date makes a zero-day gap from the start, which is filtered "
        "out; gap_start is never NULL: period_start is filled, the progression dates are filled "
        "(mart.progression's key), and period_end starts a gap only when it comes before the "
        "start, so is not NULL",
        marts=("mart.progression",),
        inputs=(
            ("staging.fidelity", ("case_id",), ("case_id", "period_start")),
            ("staging.case_points", ("case_id",), ()),
        ),
    ),
}

# (child, column, parent): every child row names a parent row. The raw pairs too, because the
# staging views join raw rows to their case and would hide an orphan that slipped past the ETL.
RELATIONSHIPS: tuple[tuple[str, str, str], ...] = (
    ("mart.assessments", "case_id", "mart.cases"),
    ("mart.progression", "case_id", "mart.cases"),
    ("raw.assessments", "case_id", "raw.cases"),
    ("raw.progression", "case_id", "raw.cases"),
)

# Load records where invariant 1 must hold, with the columns that name a row.
COUNTED: dict[str, tuple[str, ...]] = {
    "etl.batch_files": ("batch_id", "source_file"),
    "etl.batches": ("batch_id",),
}
ACCOUNTED = "rows_loaded + rows_unchanged + rows_superseded + rows_rejected"

TEXT_TYPES = ("VARCHAR", "JSON")
# Hex SHA-256 digests of export files, kept as `sha256sum` prints them (rule 19 compares them):
# one in a few dozen holds by chance ten digits that read as a CPR number, and none is about a
# person, so the CPR scan leaves these columns out.
DIGEST_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {("etl.batches", "source_sha256"), ("etl.batch_files", "source_sha256")}
)
EXIT_FAILED = 3


@dataclass(frozen=True)
class CheckResult:
    """One check: a stable name, what it asks in Danish, and the offending rows it found."""

    name: str
    question: str
    offending: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.offending

    def line(self) -> str:
        """One line naming the check and (when it failed) the first offending keys."""
        if self.passed:
            return f"OK    {self.name}: {self.question}"
        return f"FEJL  {self.name}: {self.question} Fundet: {'; '.join(self.offending)}"


class ChecksFailed(Exception):
    """A check failed inside a write: raising it rolls the write back."""

    def __init__(self, results: Sequence[CheckResult]):
        self.failed = [r for r in results if not r.passed]
        super().__init__(refusal_line(self.failed))


def failed_values(failed: Sequence[CheckResult]) -> list[list[str]]:
    """The failed checks as a line's `checks` value (texts.messages): name, offending keys."""
    return [[r.name, "; ".join(r.offending)] for r in failed]


def refusal_line(failed: Sequence[CheckResult]) -> str:
    """The one line a refused load prints, in Danish: the failed checks and their offending keys
    (the load report says it in its own language from the same key, etl.outcome.checks_refused)."""
    return messages.render("loader.file.unchanged", {"checks": failed_values(failed)}, "da")


# ---------------------------------------------------------------------------------------------
# running the checks


def check_steps(batches: Sequence[int] | None = None) -> tuple[Step, ...]:
    """Every check as steps of a write (warehouse.steps), in the order of their results; those
    that read a materialised table follow its rebuild, the others run beside it. `batches`:
    scan only rows those batches wrote for CPR numbers."""
    return (
        Step("mart keys", _mart_key_checks, MATERIALISED_STEPS),
        Step(
            "relationships",
            lambda con: [_relationship_check(con, *r) for r in RELATIONSHIPS],
            MATERIALISED_STEPS,
        ),
        Step("counts", lambda con: [_count_check(con, t, n) for t, n in COUNTED.items()]),
        Step(
            "cpr",
            lambda con: [
                _cpr_check(con, table, batches)
                for table in _scanned_tables(con)
                if batches is None or table.name not in MATERIALISED_STEPS
            ],
            # A load scans its batch's rows, which only raw and etl tables hold: the materialised
            # tables' text is copied from staging.cases (case_id, municipality_code, case_type)
            # or is a constant label, so the scan of raw covers them; `lat check` scans them in
            # full like every table.
            MATERIALISED_STEPS if batches is None else frozenset(),
        ),
    )


def in_order(results: dict[str, object]) -> list[CheckResult]:
    """The check results of the steps' results, in the order of `check_steps`."""
    return [r for step in check_steps() for r in results[step.name]]  # type: ignore[attr-defined]


def run_checks(
    con: duckdb.DuckDBPyConnection, *, batches: Sequence[int] | None = None
) -> list[CheckResult]:
    """Every check, in order, one after another on `con`."""
    return in_order({step.name: step.run(con) for step in check_steps(batches)})


def enforce(con: duckdb.DuckDBPyConnection, batch_id: int) -> Verification:
    """The checks of a load, as its write verifies (`write_transaction`'s `verify`): they raise
    ChecksFailed (the write is thrown away) or record the pass."""

    def conclude(con: duckdb.DuckDBPyConnection, results: dict[str, object]) -> None:
        checked = in_order(results)
        if not all(r.passed for r in checked):
            raise ChecksFailed(checked)
        record(con, checked, trigger="load", batch_id=batch_id)

    return Verification(check_steps(batches_written(con, batch_id)), conclude)


def batches_written(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[int]:
    """The batches whose rows a load may have written: its own, and those of orphans it resolved
    (a resolved orphan goes into raw with its own batch's id)."""
    rows = con.execute(
        "select distinct batch_id from etl.rejected_rows where resolved_batch_id = $b",
        {"b": batch_id},
    ).fetchall()
    return sorted({batch_id, *(r[0] for r in rows)})


def record(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[CheckResult],
    *,
    trigger: str,
    batch_id: int | None = None,
) -> None:
    """Keep when the checks ran and how they went (the data-quality page shows it)."""
    failed = [r.name for r in results if not r.passed]
    con.execute(
        "insert into etl.check_runs values ($at, $trigger, $batch, $passed, $failed)",
        {
            "at": datetime.now(),
            "trigger": trigger,
            "batch": batch_id,
            "passed": not failed,
            "failed": ", ".join(failed) or None,
        },
    )


# ---------------------------------------------------------------------------------------------
# the checks; identifiers come from the constants above or from DuckDB's own catalogue


def _ident(name: str) -> str:
    """A quoted identifier (schema.table or column) for SQL built from the allow-lists."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _named(columns: Iterable[str], values: Iterable[object]) -> str:
    return ", ".join(
        f"{c}={'NULL' if v is None else mask_cpr(str(v))}"
        for c, v in zip(columns, values, strict=True)
    )


def _key_checks(
    con: duckdb.DuckDBPyConnection, view: str, key: tuple[str, ...]
) -> list[CheckResult]:
    """Unique key and no NULL in it, from one pass over the view (the expensive part)."""
    columns = ", ".join(_ident(c) for c in key)
    has_null = " or ".join(f"{_ident(c)} is null" for c in key) or "false"
    # no LIMIT over a materialised CTE, which has made DuckDB 2.0 hang on a large warehouse
    # (tests/warehouse/test_mart_limits.py): a healthy view yields no row here, a broken one is read a
    # few rows at a time
    cursor = con.execute(
        f"select {columns + ',' if key else ''} count(*) as n, ({has_null}) as has_null "  # noqa: S608
        f"from {_ident(view)} group by all having count(*) > 1 or ({has_null})"
    )
    rows: list[tuple] = []
    while (batch := cursor.fetchmany(1000)) and len(rows) < 4 * SAMPLE:
        rows += batch
    shown = key or ("rækker",)
    duplicates = tuple(
        f"{_named(key, row[:-2]) if key else 'hele viewet'} ({row[-2]} rækker)"
        for row in rows
        if not row[-1]
    )[:SAMPLE]
    nulls = tuple(_named(key, row[:-2]) for row in rows if row[-1])[:SAMPLE]
    results = [
        CheckResult(
            f"unique_key {view}",
            f"Er {', '.join(shown)} entydig i {view}?" if key else f"Har {view} højst én række?",
            duplicates,
        )
    ]
    if key:
        results.append(
            CheckResult(f"not_null_key {view}", f"Er {', '.join(key)} udfyldt i {view}?", nulls)
        )
    return results


def _mart_key_checks(con: duckdb.DuckDBPyConnection) -> list[CheckResult]:
    """The key checks of every mart, in MART_KEYS order; a DerivedKey mart whose argument holds
    passes without being evaluated."""
    results: list[CheckResult] = []
    passed: set[str] = set()
    fingerprints = view_fingerprints(con)
    facts = _Facts(con)
    for view, key in MART_KEYS.items():
        derived = DERIVED_KEYS.get(view)
        if derived and _holds(derived, fingerprints, passed, facts):
            view_results = _derived_results(view, key)
        else:
            view_results = _key_checks(con, view, key)
        if all(r.passed for r in view_results):
            passed.add(view)
        results += view_results
    return results


def view_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """SHA-256 of each view's SQL as DuckDB keeps it, by 'schema.view'; and of each materialised
    table's defining select, by 'schema.table': every write rebuilds them from exactly that
    select after its own changes and before its checks (`write_transaction`; `lat check` runs
    the checks there too), so that select is what made the rows checked."""
    rows = con.execute(
        "select schema_name || '.' || view_name, sql from duckdb_views() "
        "where database_name = current_database() and not internal"
    ).fetchall()
    return {
        name: hashlib.sha256(sql.encode()).hexdigest() for name, sql in [*rows, *materialised()]
    }


def derived_fingerprint(derived: DerivedKey, fingerprints: dict[str, str]) -> str:
    return hashlib.sha256(
        "".join(fingerprints.get(v, "missing") for v in derived.views).encode()
    ).hexdigest()


def _holds(
    derived: DerivedKey, fingerprints: dict[str, str], passed: set[str], facts: _Facts
) -> bool:
    return (
        derived_fingerprint(derived, fingerprints) == derived.fingerprint
        and all(m in passed for m in derived.marts)
        and all(facts.single_row(r) for r in derived.single_row)
        and all(facts.unique_and_filled(r, k, c) for r, k, c in derived.inputs)
    )


def _derived_results(view: str, key: tuple[str, ...]) -> list[CheckResult]:
    """The passing results `_key_checks` would give, with the same names and questions."""
    return [
        CheckResult(f"unique_key {view}", f"Er {', '.join(key)} entydig i {view}?"),
        CheckResult(f"not_null_key {view}", f"Er {', '.join(key)} udfyldt i {view}?"),
    ]


class _Facts:
    """The facts DerivedKey arguments rest on, each asked once per run of the checks; the facts
    about one relation in one pass over it."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.known: dict[tuple, bool] = {}
        wanted: dict[str, tuple[set[tuple[str, ...]], set[str]]] = {}
        for derived in DERIVED_KEYS.values():
            for relation, key, columns in derived.inputs:
                keys, filled = wanted.setdefault(relation, (set(), set()))
                keys.add(key)
                filled.update(columns)
        self.wanted = wanted

    def single_row(self, relation: str) -> bool:
        if ("rows", relation) not in self.known:
            n = self.con.execute(f"select count(*) from {_ident(relation)}").fetchone()  # noqa: S608
            self.known["rows", relation] = n is not None and n[0] <= 1
        return self.known["rows", relation]

    def unique_and_filled(
        self, relation: str, key: tuple[str, ...], columns: tuple[str, ...]
    ) -> bool:
        if ("input", relation) not in self.known:
            keys, filled = self.wanted[relation]
            self.known["input", relation] = self._ask(relation, keys, filled)
        return self.known["input", relation]

    def _ask(self, relation: str, keys: set[tuple[str, ...]], filled: set[str]) -> bool:
        """True when no key of `keys` repeats and no column of `filled` is NULL: one query.

        No key repeats when no two rows' hashes of it are equal: counting the distinct hashes
        costs a third less than grouping by the key's columns (a varchar and a date over every
        progression score). Two keys with one hash can only make the fact fail, and the mart is
        then checked in full: never a pass that should not be."""
        nulls = " or ".join(f"{_ident(c)} is null" for c in sorted(filled)) or "false"
        key = max(keys, key=len)  # the arguments ask one key per relation at most
        assert all(k in ((), key) for k in keys), keys
        if key:
            columns = ", ".join(_ident(c) for c in key)
            sql = (
                f"select count(*) = count(distinct hash({columns})) "  # noqa: S608
                f"and not coalesce(bool_or({nulls}), false) from {_ident(relation)}"
            )
            return bool(self.con.execute(sql).fetchall()[0][0])
        sql = f"select 1 from {_ident(relation)} where {nulls}"  # noqa: S608
        return self.con.execute(sql).fetchone() is None


def _relationship_check(
    con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str
) -> CheckResult:
    rows = con.execute(
        f"select distinct child.{_ident(column)} from {_ident(child)} as child "  # noqa: S608
        f"where not exists (select 1 from {_ident(parent)} as parent "
        f"where parent.{_ident(column)} = child.{_ident(column)}) limit $k",
        {"k": SAMPLE},
    ).fetchall()
    return CheckResult(
        f"relationship {child}.{column}",
        f"Findes {column} fra hver række i {child} i {parent}?",
        tuple(_named((column,), row) for row in rows),
    )


def _count_check(con: duckdb.DuckDBPyConnection, table: str, names: tuple[str, ...]) -> CheckResult:
    rows = con.execute(
        f"select {', '.join(_ident(c) for c in names)}, rows_read, {ACCOUNTED} "  # noqa: S608
        f"from {_ident(table)} where rows_read is distinct from {ACCOUNTED} limit $k",
        {"k": SAMPLE},
    ).fetchall()
    return CheckResult(
        f"counts_add_up {table}",
        f"Er læst = indlæst + uændret + erstattet + afvist for hver række i {table}?",
        tuple(
            f"{_named(names, row[:-2])}: læst {row[-2]}, men {row[-1]} gjort rede for"
            for row in rows
        ),
    )


@dataclass(frozen=True)
class _ScannedTable:
    """A table of the warehouse file as the CPR scan needs it (from DuckDB's catalogue)."""

    name: str  # schema.table
    first_column: str  # names a row well enough to find it
    text_columns: list[str]
    batch_columns: list[str]  # batch_id, resolved_batch_id: which batch wrote a row


def _scanned_tables(con: duckdb.DuckDBPyConnection) -> list[_ScannedTable]:
    """Every table of the warehouse file with a text column (one catalogue query for all)."""
    rows = con.execute(
        """
        select
            c.schema_name || '.' || c.table_name,
            list(c.column_name order by c.column_index),
            list(c.data_type order by c.column_index),
        from duckdb_columns() as c
        join duckdb_tables() as t using (database_name, schema_name, table_name)
        where c.database_name = current_database() and not c.internal
        group by all
        order by all
        """
    ).fetchall()
    tables = []
    for name, columns, types in rows:
        texts = [
            c
            for c, t in zip(columns, types, strict=True)
            if t in TEXT_TYPES and (name, c) not in DIGEST_COLUMNS
        ]
        batch = [c for c in columns if c == "batch_id" or c.endswith("_batch_id")]
        if texts:
            tables.append(_ScannedTable(name, columns[0], texts, batch))
    return tables


def _cpr_check(
    con: duckdb.DuckDBPyConnection, table: _ScannedTable, batches: Sequence[int] | None
) -> CheckResult:
    """One regex per row over its text columns joined by '|' (neither a digit nor a separator a
    CPR number may have, so the join makes no new number: a space did, between a name ending in
    six digits and languages starting with four). Text privacy.cpr would fold first (full-width digits, other dashes and
    spaces) is never plain ASCII, so SQL passes on the rows that match or hold a non-ASCII
    character, and Python's own detector decides about those, column by column."""
    texts = [f"{_ident(c)}::varchar" for c in table.text_columns]
    joined = f"concat_ws('|', {', '.join(texts)})"
    # a row whose every text is shorter than CPR_MIN_BYTES holds none: the regex is not run on
    # it (most keys, codes and labels are shorter; raw.progression's case_id cost the scan most)
    long_enough = " or ".join(f"strlen({text}) >= {CPR_MIN_BYTES}" for text in texts)
    scope = "true"
    # one regex for both (an alternation): a second pass over every row cost as much again
    params: dict = {"pattern": f"(?:{CPR_SEARCH_PATTERN})|{NON_ASCII}"}
    by_batch = table.batch_columns if batches is not None else []
    if by_batch:
        scope = " or ".join(f"list_contains($batches, {_ident(c)})" for c in by_batch)
        params["batches"] = list(batches)
    cursor = con.execute(
        f"select {_ident(table.first_column)}::varchar, {', '.join(texts)} "  # noqa: S608
        f"from {_ident(table.name)} where ({scope}) and ({long_enough}) "
        f"and regexp_matches({joined}, $pattern)",
        params,
    )
    offending: list[str] = []
    while len(offending) < SAMPLE and (rows := cursor.fetchmany(1000)):
        offending += [
            f"{column} ({table.first_column}={mask_cpr(str(row[0]))})"
            for row in rows
            for column, value in zip(table.text_columns, row[1:], strict=True)
            if value is not None and looks_like_cpr(value)
        ]
    return CheckResult(
        f"no_cpr {table.name}",
        f"Er {table.name} fri for CPR-lignende værdier"
        + (" i denne indlæsnings rækker?" if by_batch else "?"),
        tuple(offending[:SAMPLE]),
    )


# ---------------------------------------------------------------------------------------------
# `lat check`


def check_warehouse(db: Path) -> list[CheckResult]:
    """Run every check on the whole warehouse (under the writer lock) and record the run: on
    the warehouse as this write commits it, its materialised tables rebuilt, as a load's."""
    results: list[CheckResult] = []

    def conclude(con: duckdb.DuckDBPyConnection, by_step: dict[str, object]) -> None:
        results.extend(in_order(by_step))
        record(con, results, trigger="check")

    with write_transaction(db, verify=lambda _con: Verification(check_steps(), conclude)):
        pass
    return results


def is_warehouse(db: Path) -> bool:
    """Is `db` a DuckDB file that a load or `lat demo` made (read-only: nothing is written)?"""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except (duckdb.Error, OSError):
        return False
    try:
        con.execute("select 1 from etl.batches limit 0")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()
