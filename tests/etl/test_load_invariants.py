"""The warehouse contract's invariants (section 3) hold whatever exports are loaded, in any order."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import load
from privacy.cpr import looks_like_cpr
from tests.support.exports import (
    assert_counts_add_up,
    case,
    progress,
    who5,
    worker,
    write_export,
)

RAW_TABLES = ("raw.cases", "raw.workers", "raw.assessments", "raw.progression")


def snapshot(db: Path, *, marts: bool = True) -> dict[str, list[tuple]]:
    """Every raw table (without its batch_id, which follows load order) and every mart view."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        shot = {}
        for table in RAW_TABLES:
            sql = f"select * exclude (batch_id) from {table} order by all"  # noqa: S608
            shot[table] = con.sql(sql).fetchall()
        views = con.execute(
            "select view_name from duckdb_views() where schema_name = 'mart' and not internal"
        ).fetchall()
        for (view,) in views if marts else []:
            shot[f"mart.{view}"] = con.sql(f'select * from mart."{view}" order by all').fetchall()  # noqa: S608
        return shot
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# random small valid exports

CASE_IDS = ("F1", "F2", "F3", "F4")
DATES = ("2024-02-01", "2024-03-01", "2024-04-01")


@st.composite
def exports(draw: st.DrawFn) -> list[dict]:
    """2-3 exports with distinct dates; each holds some cases, workers and rows naming cases."""
    count = draw(st.integers(2, 3))
    offsets = draw(st.lists(st.integers(0, 60), min_size=count, max_size=count, unique=True))
    drawn = []
    for offset in offsets:
        case_ids = draw(st.lists(st.sampled_from(CASE_IDS), unique=True, max_size=3))
        rows = draw(
            st.lists(
                st.tuples(st.sampled_from(CASE_IDS), st.sampled_from(DATES), st.integers(1, 10)),
                unique_by=lambda r: r[:2],
                max_size=4,
            )
        )
        who = draw(
            st.lists(
                st.tuples(st.sampled_from(CASE_IDS), st.sampled_from(("0", "3"))),
                unique_by=lambda r: r[0],
                max_size=2,
            )
        )
        drawn.append(
            {
                "exported_at": (date(2024, 6, 1) + timedelta(days=offset)).isoformat(),
                "cases": [case(c, alder=str(draw(st.integers(20, 22)))) for c in case_ids],
                "workers": [worker("W1", navn=draw(st.sampled_from(("Ida", "Bo"))))],
                "progression": [progress(c, when=d, score=str(s)) for c, d, s in rows],
                "assessments": [who5(c, item=i) for c, i in who],
            }
        )
    return drawn


def _write_all(folder: Path, drawn: list[dict]) -> list[Path]:
    return [
        write_export(
            folder / f"e{n}",
            e["exported_at"],
            cases=e["cases"],
            workers=e["workers"],
            assessments=e["assessments"],
            progression=e["progression"],
        )
        for n, e in enumerate(drawn)
    ]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=exports(), data=st.data())
def test_exports_loaded_in_any_order_give_the_same_warehouse(
    tmp_path_factory, drawn: list[dict], data: st.DataObject
):
    root = tmp_path_factory.mktemp("orders")
    paths = _write_all(root, drawn)
    orders = list(itertools.permutations(range(len(paths))))
    other = data.draw(st.sampled_from(orders[1:]))
    shots = []
    for number, order in enumerate([orders[0], other]):
        db = root / f"w{number}" / "warehouse.duckdb"
        for index in order:  # one `lat load` per export, as a coordinator would do it
            load.load_exports([paths[index]], db)
        assert_counts_add_up(db)
        shots.append(snapshot(db))
    assert shots[0] == shots[1]


def test_later_export_wins_whatever_the_order(tmp_path: Path):
    old = write_export(
        tmp_path / "old",
        "2024-06-30",
        cases=[case("F1", alder="30")],
        progression=[progress("F1", score="3")],
    )
    new = write_export(
        tmp_path / "new",
        "2024-07-31",
        cases=[case("F1", alder="31")],
        progression=[progress("F1", score="8")],
    )
    for name, order in (("a", [old, new]), ("b", [new, old])):
        db = tmp_path / name / "warehouse.duckdb"
        for path in order:
            load.load_exports([path], db)
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("select age_at_start from raw.cases").fetchall() == [(31,)]
        assert con.execute("select score from raw.progression").fetchall() == [(8,)]
        con.close()


def test_orphans_are_loaded_whatever_the_order(tmp_path: Path):
    rows_first = write_export(
        tmp_path / "rows", "2024-06-30", progression=[progress("F1")], assessments=[who5("F1")]
    )
    case_later = write_export(tmp_path / "case", "2024-07-31", cases=[case("F1")])
    shots = []
    for name, order in (("a", [rows_first, case_later]), ("b", [case_later, rows_first])):
        db = tmp_path / name / "warehouse.duckdb"
        for path in order:
            load.load_exports([path], db)
        assert_counts_add_up(db)
        shots.append(snapshot(db))
    assert shots[0] == shots[1]
    assert len(shots[0]["raw.progression"]) == 1 and len(shots[0]["raw.assessments"]) == 1


def test_loading_the_same_exports_twice_changes_no_table_or_view(tmp_path: Path):
    paths = [
        write_export(
            tmp_path / "a",
            "2024-06-30",
            cases=[case("F1"), case("F2")],
            workers=[worker("W1")],
            progression=[progress("F1"), progress("F3")],
        ),
        write_export(
            tmp_path / "b", "2024-07-31", cases=[case("F2", alder="50")], assessments=[who5("F1")]
        ),
    ]
    db = tmp_path / "w" / "warehouse.duckdb"
    load.load_exports(paths, db)
    before = snapshot(db)
    before_rows = _all_rows(db)
    result = load.load_exports(paths, db)
    assert [e.already_loaded_in for e in result.exports] == [1, 2]
    assert snapshot(db) == before
    assert _all_rows(db) == before_rows


def _all_rows(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal "
            "and schema_name in ('raw', 'etl')"
        ).fetchall()
        return {
            f"{s}.{t}": con.sql(f'select * from {s}."{t}" order by all').fetchall()  # noqa: S608
            for s, t in tables
        }
    finally:
        con.close()


def cpr_like_values(db: Path) -> list[tuple]:
    """(schema, table, column, value) of every CPR-like text in any table or view."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where not internal and data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        found = []
        for schema, table, column in columns:
            sql = f'select distinct "{column}"::varchar from {schema}."{table}"'  # noqa: S608
            values = con.sql(sql).fetchall()
            found += [(schema, table, column, v) for (v,) in values if v and looks_like_cpr(v)]
        return found
    finally:
        con.close()


def test_no_cpr_like_value_reaches_any_table_or_view(tmp_path: Path):
    export = write_export(
        tmp_path / "e",
        "2024-06-30",
        cases=[
            case("F1", borger_id="010190-1234"),
            case("F2", borger_id="0202851234"),
            case("F3", borger_id="030303-4321", alder="abc"),
            case("F4", borger_id="040404-1234", medarbejder_id="W 050505-1234"),
        ],
        workers=[worker("W1", navn="Ida 010190-1234"), worker("W2", navn="1111111118")],
        progression=[
            {**progress("F9"), "note": "ring 010190-1234"},
            progress("F1", score="x 010190-1234"),
        ],
    )
    db = tmp_path / "w" / "warehouse.duckdb"
    load.load_exports([export], db)
    assert cpr_like_values(db) == []
    assert query_one(db, "select count(*) from etl.rejected_rows") >= 2  # kept, masked


def test_a_messy_synthetic_export_leaves_no_cpr_number_and_counts_add_up(tmp_path: Path):
    from etl.synth import write_synthetic_export

    write_synthetic_export(tmp_path / "messy", cases=300, seed=3, messy=True)
    db = tmp_path / "w" / "warehouse.duckdb"
    result = load.load_exports([tmp_path / "messy"], db)
    assert result.exit_code == 0
    assert cpr_like_values(db) == []
    assert_counts_add_up(db)
    assert query_one(db, "select count(*) from raw.cases") > 250


def query_one(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()
