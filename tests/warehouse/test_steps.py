"""A write's steps side by side (warehouse.steps): each after what it follows, errors raised."""

from __future__ import annotations

import threading

import duckdb
import pytest

from warehouse import db
from warehouse.steps import Step, order_of, run_steps


def test_a_step_that_follows_a_missing_one_a_repeated_name_or_a_cycle_is_refused():
    noop = lambda _con: None  # noqa: E731
    with pytest.raises(ValueError, match="do not exist"):
        order_of([Step("a", noop, frozenset({"b"}))])
    with pytest.raises(ValueError, match="twice"):
        order_of([Step("a", noop), Step("a", noop)])
    with pytest.raises(ValueError, match="cycle"):
        order_of([Step("a", noop, frozenset({"b"})), Step("b", noop, frozenset({"a"}))])


def test_each_step_sees_what_the_steps_it_follows_committed(tmp_path):
    con = duckdb.connect()
    con.execute("attach $p as w", {"p": str(tmp_path / "w.duckdb")})
    running: list[str] = []
    lock = threading.Lock()

    def step(name, sql):
        def run(cursor):
            with lock:
                running.append(name)
            cursor.execute(sql)
            return cursor.execute("select current_database()").fetchall()[0][0]

        return run

    steps = [
        Step(
            "c",
            step("c", "create table c as select (select n from a) + (select n from b) as n"),
            frozenset({"a", "b"}),
        ),
        Step("a", step("a", "create table a as select 1 as n")),
        Step("b", step("b", "create table b as select 2 as n"), frozenset({"a"})),
    ]
    results = run_steps(con, steps, database="w")
    assert results == {"a": "w", "b": "w", "c": "w"}  # on the writer's database, not memory
    assert running == ["a", "b", "c"]
    assert con.execute("select n from w.c").fetchall() == [(3,)]


def test_the_first_error_is_raised_and_no_step_starts_after_it():
    con = duckdb.connect()
    started: list[str] = []

    def fail(_cursor):
        started.append("fail")
        raise RuntimeError("a check failed")

    def later(_cursor):
        started.append("later")

    steps = [Step("fail", fail), Step("later", later, frozenset({"fail"}))]
    with pytest.raises(RuntimeError, match="a check failed"):
        run_steps(con, steps, database="memory")
    assert started == ["fail"]


def test_the_materialised_tables_follow_the_tables_their_selects_read():
    after = {step.name: step.after for step in db.materialised_steps()}
    assert after["staging.fidelity"] == {"staging.case_points"}
    assert after["staging.case_months"] == {"staging.fidelity"}  # not the comments' names
    assert after["staging.case_points"] == after["staging.case_outcomes"] == frozenset()
    order_of(db.materialised_steps())  # no cycle
