"""The warehouse's own checks: `lat load` refuses a load that breaks one, `lat check` runs them.

Each check is made to fail by a fault planted inside the load's write (a mart view redefined, or
a row written by a hook after the export was applied); the load must then exit 3 with one line
naming the check, leave the warehouse file byte-identical and record no batch.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main as lat
from etl import load
from privacy.cpr import CPR_SEARCH_PATTERN, looks_like_cpr
from tests.support.exports import case, progress, query, who5, worker, write_export
from warehouse import checks
from warehouse import db as warehouse_db

CPR = "010190-1234"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A healthy warehouse (batch 1) in which every mart has rows."""
    db = tmp_path / "wh" / "warehouse.duckdb"
    first = write_export(
        tmp_path / "first",
        "2024-06-30",
        # F2 is active, so the attention queue has a row
        cases=[case("F1", slutdato="2024-05-01", status="afsluttet"), case("F2")],
        workers=[worker("W1")],
        assessments=[who5("F1", "foer", "2024-01-12", "1"), who5("F1", "efter", "2024-04-28", "5")],
        progression=[progress("F1", "2024-02-01"), progress("F1", "2024-03-01", "6")],
    )
    assert load.load_exports([first], db).exit_code == 0
    # a planted duplicate of a mart row needs a row to copy
    empty = [
        view
        for view in checks.MART_KEYS
        if query(db, f"select count(*) from {view}")[0][0] == 0  # noqa: S608
    ]
    assert empty == [], "the fixture must give every mart rows"
    return db


@pytest.fixture
def second_export(tmp_path: Path) -> Path:
    """A newer export that writes a row to every raw table."""
    return write_export(
        tmp_path / "second",
        "2024-07-31",
        cases=[case("F2", medarbejder_id="W2")],
        workers=[worker("W2")],
        assessments=[who5("F2", "foer", "2024-01-12")],
        progression=[progress("F2", "2024-02-03")],
    )


def assert_refused(capsys: pytest.CaptureFixture, db: Path, export: Path, check: str) -> str:
    """`lat load` exits 3 with one line naming `check`; the file and its batches are unchanged."""
    before, batches = sha256(db), query(db, "select count(*) from etl.batches")
    capsys.readouterr()
    code = lat(["load", str(export), "--db", str(db)])
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 3, out + err
    assert len(lines) == 1 and lines[0].startswith("AFVIST"), err
    assert f"kontrollen {check} fejlede" in lines[0]
    assert sha256(db) == before
    assert query(db, "select count(*) from etl.batches") == batches
    assert not list(db.parent.glob("*.writing*"))
    return out + err


def plant_view(monkeypatch: pytest.MonkeyPatch, view: str, select: str) -> None:
    """Redefine mart `view` in every write as `select`, which reads the original as `original`."""
    schema, name = view.split(".")
    apply_schema = warehouse_db.apply_schema

    def planted(con: duckdb.DuckDBPyConnection) -> None:
        apply_schema(con)
        sql = con.execute(
            "select sql from duckdb_views() where schema_name = $s and view_name = $v",
            {"s": schema, "v": name},
        ).fetchall()[0][0]
        body = re.sub(r"^\s*create\s+view\s+\S+\s+as\s", "", sql, count=1, flags=re.I)
        # not a temp view: the checks run on cursors of their own (warehouse.steps)
        con.execute(f"create or replace view original as {body.rstrip().rstrip(';')}")
        con.execute(f"create or replace view {view} as {select}")

    monkeypatch.setattr(warehouse_db, "apply_schema", planted)


def plant_in_write(monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    """Run `sql` inside the load's write, after the export was applied and orphans retried
    ($b: the new batch, $cpr: a CPR-like number)."""
    retry = load._retry_orphans

    def planted(con, pseudonymizer, batch_id):
        resolved = retry(con, pseudonymizer, batch_id)
        bound = {"b": batch_id, "cpr": CPR}
        con.execute(sql, {name: v for name, v in bound.items() if f"${name}" in sql})
        return resolved

    monkeypatch.setattr(load, "_retry_orphans", planted)


# ---------------------------------------------------------------------------------------------
# each check refuses the load


@pytest.mark.parametrize("view", list(checks.MART_KEYS))
def test_a_duplicate_key_in_a_mart_refuses_the_load(
    view, warehouse, second_export, monkeypatch, capsys
):
    plant_view(
        monkeypatch, view, "select * from original union all (select * from original limit 1)"
    )
    assert_refused(capsys, warehouse, second_export, f"unique_key {view}")


@pytest.mark.parametrize("view", [v for v, key in checks.MART_KEYS.items() if key])
def test_a_null_key_in_a_mart_refuses_the_load(view, warehouse, second_export, monkeypatch, capsys):
    column = checks.MART_KEYS[view][-1]
    plant_view(
        monkeypatch,
        view,
        f"select * from original union all (select * replace (null as {column}) from original "  # noqa: S608
        "limit 1)",
    )
    assert_refused(capsys, warehouse, second_export, f"not_null_key {view}")


@pytest.mark.parametrize("table", ["assessments", "progression"])
def test_a_duplicate_raw_row_written_by_the_load_refuses_it(
    table, warehouse, second_export, monkeypatch, capsys
):
    # what the duplicate-key bug of etl.validate did: two rows for one key reach raw
    plant_in_write(
        monkeypatch,
        f"insert into raw.{table} select * from raw.{table} where batch_id = $b limit 1",  # noqa: S608
    )
    text = assert_refused(capsys, warehouse, second_export, f"unique_key mart.{table}")
    assert "case_id=F2" in text


@pytest.mark.parametrize("table", ["assessments", "progression"])
def test_a_mart_row_naming_no_case_refuses_the_load(
    table, warehouse, second_export, monkeypatch, capsys
):
    plant_view(
        monkeypatch,
        f"mart.{table}",
        "select * from original union all "
        "(select * replace ('F-UKENDT' as case_id) from original limit 1)",
    )
    text = assert_refused(capsys, warehouse, second_export, f"relationship mart.{table}.case_id")
    assert "case_id=F-UKENDT" in text


def test_a_raw_row_naming_no_case_refuses_the_load(warehouse, second_export, monkeypatch, capsys):
    # staging joins raw rows to their case, so the marts alone would hide this orphan
    plant_in_write(
        monkeypatch,
        "insert into raw.progression values ('F-UKENDT', date '2024-03-01', 5, "
        "date '2024-07-31', $b)",
    )
    assert_refused(capsys, warehouse, second_export, "relationship raw.progression.case_id")


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        (
            "etl.batch_files",
            "update etl.batch_files set rows_loaded = rows_loaded + 1 where batch_id = $b",
        ),  # noqa: E501
        (
            "etl.batches",
            "update etl.batches set rows_rejected = rows_rejected + 1 where batch_id = $b",
        ),  # noqa: E501
    ],
)
def test_counts_that_do_not_add_up_refuse_the_load(
    table, sql, warehouse, second_export, monkeypatch, capsys
):
    plant_in_write(monkeypatch, sql)
    text = assert_refused(capsys, warehouse, second_export, f"counts_add_up {table}")
    assert "batch_id=2" in text


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("raw.workers", "update raw.workers set name = 'Ida ' || $cpr where batch_id = $b"),
        ("raw.cases", "update raw.cases set citizen_key = $cpr where batch_id = $b"),
        # ten bytes, the fewest a CPR-like value has (privacy.cpr.CPR_MIN_BYTES): still scanned
        ("raw.cases", "update raw.cases set referred_by = '0101901234' where batch_id = $b"),
        ("etl.batches", "update etl.batches set source_path = source_path || '/' || $cpr"),
        ("etl.batch_files", "update etl.batch_files set source_file = '0101901234.csv'"),
        ("etl.batch_files", "update etl.batch_files set ignored_columns = 'note ' || $cpr"),
        (
            "etl.rejected_rows",
            "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
"column_name, reason_code, message, raw_values, resolved_batch_id) values ($b, 'forloeb.csv', 'forloeb', 9, null, "
            "'invalid_value', 'x', json_object($cpr, 'x'), null)",
        ),
        (
            "etl.rejected_rows",
            "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
"column_name, reason_code, message, raw_values, resolved_batch_id) values ($b, 'forloeb.csv', 'forloeb', 9, null, "
            """'invalid_value', 'x', '{"note": "ring 0101901234"}', null)""",
        ),
    ],
    ids=["worker-name", "citizen-key", "ten-bytes", "source-path", "source-file", "ignored-columns",
         "json-key", "json-value"],
)  # fmt: skip
def test_a_cpr_like_value_written_by_the_load_refuses_it(
    table, sql, warehouse, second_export, monkeypatch, capsys
):
    plant_in_write(monkeypatch, sql)
    text = assert_refused(capsys, warehouse, second_export, f"no_cpr {table}")
    assert "0101901234" not in text.replace("-", "")  # the refusal names the row, masked


def test_a_file_digest_that_happens_to_hold_a_cpr_like_run_is_no_cpr_number(
    warehouse, second_export, monkeypatch
):
    # one SHA-256 hex digest in a few dozen holds ten digits that read as a CPR number
    plant_in_write(
        monkeypatch,
        "update etl.batch_files set source_sha256 = '0101901234' || source_sha256[11:] "
        "where batch_id = $b",
    )
    assert load.load_exports([second_export], warehouse).exit_code == 0


def test_the_schema_version_can_never_read_as_a_cpr_number():
    assert re.fullmatch("[a-p]{16}", warehouse_db.schema_version())


def test_orphans_resolved_without_a_new_batch_are_checked_too(tmp_path, monkeypatch, capsys):
    db = tmp_path / "wh" / "warehouse.duckdb"
    first = write_export(tmp_path / "a", "2024-06-30", progression=[progress("F5")])
    load.load_exports([first], db)
    # the case reaches raw by another way, so a re-run resolves the orphan in a write of its own
    con = duckdb.connect(str(db))
    con.execute(
        "insert into raw.cases (case_id, municipality_code, case_type, citizen_key, start_date, "
        "status, exported_at, batch_id) values "
        "('F5', '101', 'mentor', 'cx', '2024-01-01', 'active', '2024-06-30', 1)"
    )
    con.close()
    plant_in_write(monkeypatch, "insert into raw.progression select * from raw.progression")
    before = sha256(db)
    capsys.readouterr()
    assert lat(["load", str(first), "--db", str(db)]) == 3
    err = capsys.readouterr().err
    assert "AFVIST: ventende rækker" in err and "unique_key mart.progression" in err
    assert sha256(db) == before


def test_a_passing_load_records_its_check_run(warehouse, second_export):
    assert load.load_exports([second_export], warehouse).exit_code == 0
    runs = query(warehouse, "select trigger, batch_id, passed, failed_checks from etl.check_runs")
    assert runs == [("load", 1, True, None), ("load", 2, True, None)]


def test_a_refused_export_stops_the_exports_after_it(
    tmp_path, warehouse, second_export, monkeypatch
):
    plant_in_write(monkeypatch, "update raw.workers set name = $cpr where batch_id = $b")
    third = write_export(tmp_path / "third", "2024-08-31", workers=[worker("W3")])
    result = load.load_exports([second_export, third], warehouse)
    assert result.exit_code == 3
    assert [e.refused is not None for e in result.exports] == [True]
    assert query(warehouse, "select count(*) from etl.batches") == [(1,)]


def test_the_exports_after_a_refused_one_are_named_as_not_loaded(
    tmp_path, warehouse, second_export, monkeypatch, capsys
):
    plant_in_write(monkeypatch, "update raw.workers set name = $cpr where batch_id = $b")
    third = write_export(tmp_path / "third", "2024-08-31", workers=[worker("W3")])
    capsys.readouterr()
    assert lat(["load", str(second_export), str(third), "--db", str(warehouse)]) == 3
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith("AFVIST: second:")
    assert lines[1:] == [
        "IKKE INDLÆST: third: ikke forsøgt, fordi lageret afviste en eksport før den "
        "(se AFVIST); ret fejlen og indlæs den igen"
    ]
    assert "third" not in out


# ---------------------------------------------------------------------------------------------
# `lat check`


def test_lat_check_on_a_healthy_warehouse_prints_every_check_and_exits_0(warehouse, capsys):
    capsys.readouterr()
    assert lat(["check", "--db", str(warehouse)]) == 0
    out = capsys.readouterr().out
    names = (
        [f"unique_key {v}" for v in checks.MART_KEYS]
        + [f"not_null_key {v}" for v, key in checks.MART_KEYS.items() if key]
        + [f"relationship {child}.{column}" for child, column, _ in checks.RELATIONSHIPS]
        + [f"counts_add_up {t}" for t in checks.COUNTED]
        + [f"no_cpr {t}" for t in ("raw.cases", "raw.workers", "raw.assessments",
                                   "raw.progression", "etl.batches", "etl.batch_files",
                                   "etl.rejected_rows", "ref.municipalities")]
    )  # fmt: skip
    for name in names:
        assert re.search(rf"^OK +{re.escape(name)}:", out, flags=re.MULTILINE), name
    assert "FEJL" not in out
    runs = query(warehouse, "select trigger, passed from etl.check_runs order by checked_at")
    assert runs[-1] == ("check", True)


def test_lat_check_scans_every_row_for_cpr_numbers_and_exits_3(warehouse, capsys):
    # an old row (batch 1), which a load's own scan would not read again
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update ref.municipalities set municipality_name = 'Kbh ' || $cpr "
        "where municipality_code = '101'",
        {"cpr": CPR},
    )
    con.close()
    capsys.readouterr()
    assert lat(["check", "--db", str(warehouse)]) == 3
    out = capsys.readouterr().out
    assert re.search(r"^FEJL +no_cpr ref\.municipalities:.*municipality_name", out, re.MULTILINE)
    assert CPR not in out
    assert query(warehouse, "select passed, failed_checks from etl.check_runs order by checked_at")[
        -1
    ] == (False, "no_cpr ref.municipalities")


def test_lat_check_on_a_missing_warehouse_says_so(tmp_path, capsys):
    assert lat(["check", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "findes ikke" in err and "Traceback" not in err
    assert not (tmp_path / "none.duckdb").exists()


def test_every_mart_view_declares_its_key(warehouse):
    views = {
        f"mart.{v}"
        for (v,) in query(
            warehouse, "select view_name from duckdb_views() where schema_name = 'mart'"
        )
    }  # noqa: E501
    assert views == set(checks.MART_KEYS)


# ---------------------------------------------------------------------------------------------
# the SQL pattern is etl/cpr.py's detector


@st.composite
def cpr_shaped(draw: st.DrawFn) -> str:
    """DDMMYY[-]NNNN with any day 1-31 and month 1-12: real dates and impossible ones alike."""
    day, month = draw(st.integers(1, 31)), draw(st.integers(1, 12))
    year, serial = draw(st.integers(0, 99)), draw(st.integers(0, 9999))
    return f"{day:02d}{month:02d}{year:02d}{draw(st.sampled_from(['', '-']))}{serial:04d}"


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Digits, dashes, letters and newlines around a CPR-shaped run (or none, or 29 February)."""
    noise = st.text(alphabet="0123456789- xa\n", max_size=8)
    middle = st.one_of(st.just(""), st.sampled_from(["290200-1234", "290100-1234"]), cpr_shaped())
    return draw(noise) + draw(middle) + draw(noise)


_SQL = duckdb.connect()  # one in-memory database for every example: connecting is the slow part


@settings(max_examples=300, deadline=None)
@given(values=st.lists(texts(), min_size=1, max_size=30))
def test_the_sql_pattern_flags_exactly_what_the_python_detector_flags(values):
    flagged = _SQL.execute(
        "select list(regexp_matches(v, $p) order by i) from "
        "(select unnest($vs) as v, generate_subscripts($vs, 1) as i)",
        {"p": CPR_SEARCH_PATTERN, "vs": values},
    ).fetchall()[0][0]
    assert flagged == [looks_like_cpr(v) for v in values]


# How README says a CPR number may be written (privacy.cpr folds each to 010190-1234): the SQL scan
# must fold them the same way, so that a value written so is found by `lat check` too.
WRITTEN_OTHERWISE = [
    "０１０１９０-１２３４",  # full-width digits
    "٠١٠١٩٠-١٢٣٤",  # Arabic-Indic digits
    "०१०१९०-१२३४",  # Devanagari digits
    "010190–1234",  # en dash
    "0101\u200b90-1234",  # zero-width space inside
    "01019\u00ad0-1234",  # soft hyphen inside
    "010190\u00a01234",  # no-break space
]


@pytest.mark.parametrize("value", WRITTEN_OTHERWISE)
def test_lat_check_finds_a_cpr_number_written_otherwise(warehouse, capsys, value):
    assert looks_like_cpr(value)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update raw.workers set name = 'Anne ' || $v where worker_id = 'W1'",
        {"v": value},
    )
    con.close()
    capsys.readouterr()
    assert lat(["check", "--db", str(warehouse)]) == 3
    assert re.search(r"^FEJL +no_cpr raw\.workers:.*name", capsys.readouterr().out, re.MULTILINE)


def test_lat_check_on_a_file_that_is_no_warehouse_says_so_and_leaves_it(tmp_path, capsys):
    other = tmp_path / "analysis.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table notes (x integer)")
    con.close()
    text = tmp_path / "notes.duckdb"
    text.write_text("hello\n")
    for path in (other, text, tmp_path):
        before = sha256(path) if path.is_file() else None
        capsys.readouterr()
        assert lat(["check", "--db", str(path)]) == 2, path
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "er ikke et LAT-lager" in err, err
        if before is not None:
            assert sha256(path) == before
    assert not list(tmp_path.glob("*.writing*"))


def test_columns_that_only_meet_in_the_scan_make_no_cpr_number(warehouse, capsys):
    # a name ending '010190' and languages starting '1234' are no CPR number, but joined by a
    # space (a CPR separator; concat_ws skips the NULL gender between them) they read as one;
    # the scan stops at SAMPLE such rows, and the real one after them went unseen
    con = duckdb.connect(str(warehouse))
    con.execute(
        "insert into raw.workers (worker_id, municipality_code, role, name, active, languages,"
        " exported_at, batch_id) select 'W1' || i, '101', 'mentor', 'Hold 010190', true, "
        "'1234 dansk', '2024-06-30', 1 from range(5) as r(i)"
    )
    con.execute(
        "insert into raw.workers (worker_id, municipality_code, role, name, active, exported_at,"
        " batch_id) values ('W9', '101', 'mentor', 'Anne ' || $cpr, true, '2024-06-30', 1)",
        {"cpr": CPR},
    )
    con.close()
    capsys.readouterr()
    assert lat(["check", "--db", str(warehouse)]) == 3
    out = capsys.readouterr().out
    assert re.search(r"^FEJL +no_cpr raw\.workers:.*name \(worker_id=W9\)", out, re.MULTILINE)


# ---------------------------------------------------------------------------------------------
# marts whose key follows from their SQL (checks.DERIVED_KEYS)


def test_each_derived_key_argument_is_pinned_to_the_shipped_sql():
    """A view's SQL changed: read its DerivedKey argument in warehouse/checks.py again and, if it
    still holds, put the new fingerprint there (until then the mart is checked in full)."""
    con = duckdb.connect()
    warehouse_db.apply_schema(con)
    fingerprints = checks.view_fingerprints(con)
    changed = {
        view: checks.derived_fingerprint(derived, fingerprints)
        for view, derived in checks.DERIVED_KEYS.items()
        if checks.derived_fingerprint(derived, fingerprints) != derived.fingerprint
    }
    assert changed == {}
    assert set(checks.DERIVED_KEYS) <= set(checks.MART_KEYS)


def _evaluated(monkeypatch, con) -> tuple[list[str], list[checks.CheckResult]]:
    """The marts run_checks evaluates in full, and its results."""
    evaluated: list[str] = []
    key_checks = checks._key_checks

    def recording(con, view, key):
        evaluated.append(view)
        return key_checks(con, view, key)

    monkeypatch.setattr(checks, "_key_checks", recording)
    return evaluated, checks.run_checks(con)


def test_a_healthy_warehouse_passes_the_derived_marts_without_evaluating_them(
    warehouse, monkeypatch
):
    con = duckdb.connect(str(warehouse), read_only=True)
    evaluated, results = _evaluated(monkeypatch, con)
    assert all(r.passed for r in results)
    assert set(evaluated) == set(checks.MART_KEYS) - set(checks.DERIVED_KEYS)
    names = [r.name for r in results]
    for view in checks.DERIVED_KEYS:  # the same lines as a full check, for `lat check`
        assert f"unique_key {view}" in names and f"not_null_key {view}" in names


def _replant(con: duckdb.DuckDBPyConnection, view: str, select: str) -> None:
    """Redefine `view` as `select`, which reads the original as `original` (as plant_view)."""
    schema, name = view.split(".")
    sql = con.execute(
        "select sql from duckdb_views() where schema_name = $s and view_name = $v",
        {"s": schema, "v": name},
    ).fetchone()[0]
    body = re.sub(r"^\s*create\s+view\s+\S+\s+as\s", "", sql, count=1, flags=re.I)
    con.execute(f"create or replace view original as {body.rstrip().rstrip(';')}")
    con.execute(f"create or replace view {view} as {select}")


@pytest.mark.parametrize(
    "view, select, failing, in_full",
    [
        # a duplicate progression row: tracking's input repeats a key
        (
            None,
            "insert into raw.progression select * from raw.progression limit 1",
            # (a date twice in the case's points: a zero-day gap beside the real one, both
            # starting on that date)
            {"mart.progression", "mart.progression_tracking", "mart.fidelity_gaps"},
            # (mart.expected_progression rests on its own table, which groups the repeat away)
            {"mart.progression", "mart.progression_tracking", "mart.fidelity_gaps"},
        ),
        # two constants rows: tracking and attention would repeat each row
        (
            "staging.constants",
            "select * from original cross join range(2)",
            {"mart.progression_tracking", "mart.attention"},
            {"mart.progression_tracking", "mart.attention", "mart.fidelity"},
        ),
        # a case without municipality: fidelity_monthly's key would hold a NULL
        (
            "staging.cases",
            "select * replace (case when case_id = 'F2' then null else municipality_code end "
            "as municipality_code) from original",
            {"mart.fidelity_monthly"},
            {"mart.fidelity_monthly", "mart.caseload_monthly", "mart.cases", "mart.attention"},
        ),
        # a case without a type: the argument no longer holds, so caseload_monthly is evaluated
        # (and passes: its join on case_type drops the NULL type's months)
        (
            "staging.cases",
            "select * replace (case when case_id = 'F2' then null else case_type end "
            "as case_type) from original",
            set(),
            {"mart.caseload_monthly", "mart.cases"},
        ),
        # a case's WHO-5 outcome twice: case_matching's join would repeat the case
        (
            "mart.case_outcomes",
            "select * from original "
            "union all (select * from original where instrument = 'WHO5' limit 1)",
            {"mart.case_outcomes", "mart.case_matching"},
            {"mart.case_outcomes", "mart.case_matching"},
        ),
        # a case twice: its months repeat in staging.case_months, which both month marts read
        (
            "staging.cases",
            "select * from original union all (select * from original where case_id = 'F1')",
            {"mart.case_months", "mart.fidelity_case_months"},
            {"mart.case_months", "mart.fidelity_case_months"},
        ),
    ],
    ids=[
        "duplicate-input",
        "two-constants-rows",
        "null-municipality",
        "null-case-type",
        "duplicate-outcome",
        "duplicate-case-months",
    ],
)
def test_a_fault_under_a_derived_mart_has_it_checked_in_full_and_named(
    warehouse, tmp_path, monkeypatch, view, select, failing, in_full
):
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    con = duckdb.connect(str(copy))
    if view:
        _replant(con, view, select)
    else:
        con.execute(select)
    warehouse_db.refresh_materialised(con)  # as every write does before its checks
    evaluated, results = _evaluated(monkeypatch, con)
    failed = {r.name.split(" ", 1)[1] for r in results if not r.passed and " mart." in r.name}
    assert failing <= failed if failing else failed == set(), failed
    assert in_full <= set(evaluated), evaluated


def test_a_materialised_table_from_other_sql_has_the_marts_over_it_checked_in_full(
    warehouse, tmp_path, monkeypatch
):
    """mart.case_months' argument is pinned to the select the write rebuilds staging.case_months
    from: a select that repeats a case month (an edit of 15_materialised.sql) no longer matches
    the fingerprint, so the mart is evaluated, and refused."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    con = duckdb.connect(str(copy))
    edited = tuple(
        (table, f"{select} union all (select * from ({select}) limit 1)")  # noqa: S608
        if table == "staging.case_months"
        else (table, select)
        for table, select in warehouse_db.materialised()
    )
    monkeypatch.setattr(warehouse_db, "materialised", lambda: edited)
    monkeypatch.setattr(checks, "materialised", lambda: edited)
    warehouse_db.refresh_materialised(con)  # as every write does before its checks
    evaluated, results = _evaluated(monkeypatch, con)
    failed = {r.name for r in results if not r.passed}
    assert "mart.case_months" in evaluated
    assert {"unique_key mart.case_months", "unique_key mart.fidelity_case_months"} <= failed
