"""A load is invisible until it is done: readers keep answering, and a killed load leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.exports import case, progress, query, worker, write_export
from warehouse.db import Reader

LAT = [sys.executable, "-m", "cli.main", "load"]
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _big_export(folder: Path, cases: int, exported_at: str = "2024-06-30") -> Path:
    """`cases` cases with five progression rows each: a load that takes a few seconds."""
    ids = [f"C{n:06d}" for n in range(cases)]
    dates = ("2024-01-15", "2024-02-15", "2024-03-15", "2024-04-15", "2024-05-15")
    return write_export(
        folder,
        exported_at,
        workers=[worker("W1")],
        cases=[case(i, alder=str(20 + n % 50)) for n, i in enumerate(ids)],
        progression=[
            progress(i, when=d, score=str(1 + n % 10)) for n, i in enumerate(ids) for d in dates
        ],
    )


def _start_load(export: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [*LAT, str(export), "--db", str(db)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _seed(tmp_path: Path, db: Path) -> None:
    small = write_export(tmp_path / "small", "2024-05-31", cases=[case("S1")])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [*LAT, str(small), "--db", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_a_reader_keeps_answering_during_a_load_and_then_sees_it(tmp_path: Path):
    db = tmp_path / "wh" / "warehouse.duckdb"
    _seed(tmp_path, db)
    export = _big_export(tmp_path / "big", 20_000)
    reader = Reader(db)
    loader = _start_load(export, db)
    seen, answers = set(), 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        (count,) = reader.rows("select count(*) from raw.cases")[0]
        seen.add(count)
        answers += 1
        if loader.poll() is not None and count == 20_001:
            break
        time.sleep(0.01)
    out, err = loader.communicate(timeout=60)
    assert loader.returncode == 0, err.decode()
    assert seen <= {1, 20_001}  # never a half-done load
    assert 1 in seen and 20_001 in seen
    assert answers > 5
    reader.close()


def test_sessions_querying_at_once_keep_answering_during_a_load_and_never_see_a_mix(
    tmp_path: Path,
):
    """Four sessions share one reader, as the dashboard's do; each query joins two tables the
    load changes, so a query that read part of the old file and part of the new would show."""
    db = tmp_path / "wh" / "warehouse.duckdb"
    _seed(tmp_path, db)
    export = _big_export(tmp_path / "big", 20_000)
    reader = Reader(db)
    both = (
        "select (select count(*) from raw.cases), (select count(*) from raw.progression), "
        "(select count(*) from etl.batches)"
    )
    first = reader.rows(both)[0]
    loaded = threading.Event()
    results: list[set | BaseException] = []

    def session() -> None:
        seen: set = set()
        try:
            while not loaded.is_set() or len(seen) < 2:
                seen.add(reader.rows(both)[0])
                if len(seen) > 2:
                    break
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            results.append(exc)
        else:
            results.append(seen)

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    loader = _start_load(export, db)
    _out, err = loader.communicate(timeout=180)
    loaded.set()
    for thread in threads:
        thread.join(60)
    assert loader.returncode == 0, err.decode()
    after = reader.rows(both)[0]
    assert after[0] == 20_001 and after != first
    for seen in results:
        assert not isinstance(seen, BaseException), seen
        assert seen == {first, after}  # the old warehouse, then the new: nothing between
    assert len(results) == 4
    reader.close()


def test_a_load_killed_mid_way_leaves_the_warehouse_as_it_was(tmp_path: Path):
    db = tmp_path / "wh" / "warehouse.duckdb"
    _seed(tmp_path, db)
    before = db.read_bytes()
    export = _big_export(tmp_path / "big", 20_000)
    loader = _start_load(export, db)
    deadline = time.monotonic() + 180
    while not list(db.parent.glob("*.writing*")) and time.monotonic() < deadline:
        assert loader.poll() is None, "the load ended before it began writing"
        time.sleep(0.002)
    time.sleep(0.25)  # into the merge, not just the copy (the write takes about a second)
    assert loader.poll() is None, "the load finished before it could be killed"
    os.kill(loader.pid, signal.SIGKILL)
    loader.communicate(timeout=60)
    assert loader.returncode == -signal.SIGKILL
    assert db.read_bytes() == before
    assert query(db, "select count(*) from raw.cases") == [(1,)]

    again = _start_load(export, db)
    _out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    assert query(db, "select count(*) from raw.cases") == [(20_001,)]
    assert not list(db.parent.glob("*.writing*"))
