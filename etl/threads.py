"""Work on the files of one export side by side: each file's reading or validation is its own,
and polars, DuckDB and hashlib let go of Python's lock while they work, so on a machine of two
cores the second file need not wait for the first, and the loader writes one file while the next
is still being validated (issue 7 section 5: a load as a user waits for it)."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_WORKERS = 4  # more threads than files, or than cores, only wait for each other


@contextlib.contextmanager
def in_threads(
    function: Callable[[Item], Result], items: Iterable[Item]
) -> Iterator[list[Callable[[], Result]]]:
    """Start `function(item)` for every item in threads; yields, in the items' order, one call
    per item that waits for its result (or raises its exception). Each runs in a copy of the
    caller's context, so the export's read budget (etl.limits) is the same in every thread.
    Leaving the block cancels what has not started and waits for what has."""
    items = list(items)
    workers = min(len(items), os.cpu_count() or 1, MAX_WORKERS)
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, function, item) for item in items]
        try:
            yield [future.result for future in futures]
        finally:
            for future in futures:
                future.cancel()


def map_in_threads(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """`[function(item) for item in items]`, the items side by side in threads, in their order;
    the first item's exception (in that order) is raised, as the loop would raise it."""
    items = list(items)
    if len(items) <= 1 or (os.cpu_count() or 1) <= 1:
        return [function(item) for item in items]
    with in_threads(function, items) as results:
        return [result() for result in results]
