"""Files that hold personal data are owner-only from their first byte, and none is left behind.

The writer's copy, DuckDB's WAL beside it and the erasure's fresh copy are created under an
owner-only umask whatever the caller's umask is; the data folder is 0700 when we create it; stale
copies are removed by exact name, never by pattern, and links are never followed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import duckdb
import pytest

from cli.main import main as lat
from etl.erase import erase_case
from etl.load import load_exports
from tests.support.exports import case, write_export
from warehouse import db as wdb

LOOSE = 0o077  # group and other bits


@pytest.fixture(autouse=True)
def lax_umask():
    """The usual shell umask, so a file created without care would be 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


class _Watched:
    """A DuckDB connection that notes every file in the data folder just before a checkpoint
    (the moment the WAL and the copies all exist), then runs the statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection, folder: Path, seen: dict[str, int]):
        self._con, self._folder, self._seen = con, folder, seen

    def execute(self, sql: str, *args, **kwargs):
        if sql.strip().lower() == "checkpoint":
            for entry in os.scandir(self._folder):
                self._seen[entry.name] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


@pytest.fixture
def seen_modes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, int]:
    seen: dict[str, int] = {}
    real = duckdb.connect
    folder = tmp_path / "data"
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: _Watched(real(*a, **k), folder, seen))
    return seen


def _export(tmp_path: Path, name: str = "e") -> Path:
    return write_export(tmp_path / name, "2024-06-30", cases=[case("F1"), case("F2")])


def test_every_file_a_load_creates_is_owner_only_while_it_writes(
    tmp_path: Path, seen_modes: dict[str, int]
):
    warehouse = tmp_path / "data" / "w.duckdb"
    load_exports([_export(tmp_path)], warehouse)
    load_exports([write_export(tmp_path / "e2", "2024-07-31", cases=[case("F3")])], warehouse)
    assert any(name.endswith(".writing.wal") for name in seen_modes), seen_modes
    assert {name: mode for name, mode in seen_modes.items() if mode & LOOSE} == {}
    assert stat.S_IMODE(warehouse.parent.stat().st_mode) == 0o700


def test_every_file_an_erasure_creates_is_owner_only_while_it_writes(
    tmp_path: Path, seen_modes: dict[str, int]
):
    warehouse = tmp_path / "data" / "w.duckdb"
    load_exports([_export(tmp_path)], warehouse)
    seen_modes.clear()
    erase_case(warehouse, "F1")
    assert any(name.endswith(".writing.fresh") for name in seen_modes), seen_modes
    assert any(name.endswith(".writing.fresh.wal") for name in seen_modes), seen_modes
    assert {name: mode for name, mode in seen_modes.items() if mode & LOOSE} == {}


def test_a_mode_an_administrator_set_is_kept_by_a_later_load(tmp_path: Path):
    warehouse = tmp_path / "data" / "w.duckdb"
    load_exports([_export(tmp_path)], warehouse)
    warehouse.chmod(0o640)
    load_exports([write_export(tmp_path / "e2", "2024-07-31", cases=[case("F3")])], warehouse)
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o640


def test_an_existing_data_folder_keeps_the_mode_it_has(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    wdb.ensure_warehouse(folder / "w.duckdb")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750


def test_a_rebuild_that_fails_half_way_leaves_no_copy_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    warehouse = tmp_path / "data" / "w.duckdb"
    load_exports([_export(tmp_path)], warehouse)
    real_replace = os.replace

    def full_disk(src, dst):
        if str(src).endswith(".fresh"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(wdb.os, "replace", full_disk)
    with pytest.raises(OSError):
        erase_case(warehouse, "F1")
    assert sorted(p.name for p in warehouse.parent.iterdir() if ".writing" in p.name) == []


def test_stale_copies_are_removed_by_exact_name_and_links_are_not_followed(tmp_path: Path):
    folder = tmp_path / "data [1]"  # glob characters in the path are no pattern
    warehouse = folder / "w[1].duckdb"
    wdb.ensure_warehouse(warehouse)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not ours")
    stale = [
        "w[1].duckdb.4242.writing",
        "w[1].duckdb.4242.writing.wal",
        "w[1].duckdb.4242.writing.fresh",
        "w[1].duckdb.4242.writing.fresh.wal",
    ]
    for name in stale:
        (folder / name).write_bytes(b"half-written personal data")
    (folder / "w[1].duckdb.4242.writing.tmp").mkdir()  # DuckDB's spill folder
    (folder / "w[1].duckdb.4242.writing.tmp" / "spill.block").write_bytes(b"data")
    (folder / "w[1].duckdb.4343.writing").symlink_to(outside)
    kept = ["w[1].duckdb.notes.writing", "other.duckdb.4242.writing", "w[1].duckdb.backup"]
    for name in kept:
        (folder / name).write_text("someone else's")
    wdb.clean_stale_copies(warehouse)
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([".w[1].duckdb.lock", "w[1].duckdb", *kept])
    assert outside.read_text() == "not ours"


def test_the_cli_writes_owner_only_files_under_a_lax_umask(tmp_path: Path):
    out = tmp_path / "synth"
    assert lat(["synth", str(out), "--cases", "5"]) == 0
    loose = [p.name for p in out.rglob("*") if p.stat().st_mode & LOOSE]
    assert loose == []
    assert os.umask(0o022) == 0o022  # and the caller's umask is given back
