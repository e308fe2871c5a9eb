"""Steps of a write run side by side on cursors of its connection, each once the steps it
follows are done (issue 7 section 5: a write's materialised tables and checks kept one core of
two busy; DuckDB runs one query on both cores only in its parallel parts).

Every step runs on a cursor of its own (a connection to the same database), so it sees what
was committed before the steps began, and what the steps it follows committed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import duckdb

WORKERS = 2  # the machine's cores: more queries at once only wait for each other


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[duckdb.DuckDBPyConnection], object]
    after: frozenset[str] = frozenset()  # the names of the steps it must follow


def order_of(steps: Sequence[Step]) -> list[str]:
    """The names of `steps` in an order that runs each after the steps it follows; a step that
    follows a missing one, a repeated name or a cycle is a mistake of ours: raised."""
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        raise ValueError(f"steps named twice: {sorted(n for n in names if names.count(n) > 1)}")
    missing = {a for s in steps for a in s.after} - set(names)
    if missing:
        raise ValueError(f"steps follow steps that do not exist: {sorted(missing)}")
    done: list[str] = []
    waiting = list(steps)
    while waiting:
        ready = [s for s in waiting if s.after <= set(done)]
        if not ready:
            raise ValueError(f"steps follow each other in a cycle: {[s.name for s in waiting]}")
        done += [s.name for s in ready]
        waiting = [s for s in waiting if s not in ready]
    return done


def run_steps(
    con: duckdb.DuckDBPyConnection, steps: Iterable[Step], *, database: str
) -> dict[str, object]:
    """Run every step on a cursor of `con` (its default database `database`), at most WORKERS
    at once, each as soon as the steps it follows are done and a worker is free, earlier steps
    of the list first; returns each step's result by name.
    The first exception is raised once the running steps have finished; no step starts after
    it."""
    steps = list(steps)
    order_of(steps)
    results: dict[str, object] = {}
    waiting = list(steps)
    running: dict[Future, Step] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        while waiting or running:
            # in the steps' own order, so the order is their priority: a step that becomes ready
            # starts before those after it in the list, not behind everything already queued
            for step in [s for s in waiting if s.after <= results.keys()]:
                if len(running) == WORKERS:
                    break
                waiting.remove(step)
                running[pool.submit(_on_cursor, con, database, step)] = step
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                step = running.pop(future)
                if future.exception() is not None:
                    waiting.clear()  # the pool's exit waits for the steps still running
                    wait(running)
                    raise future.exception()  # type: ignore[misc]
                results[step.name] = future.result()
    return results


def _on_cursor(con: duckdb.DuckDBPyConnection, database: str, step: Step) -> object:
    with con.cursor() as cursor:
        cursor.execute(f'use "{database}"')  # the writer's own alias (warehouse.db), not input
        return step.run(cursor)
