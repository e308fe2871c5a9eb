"""Owner-only files: every file beside the warehouse holds personal data from its first byte.

The bottom floor with CPR detection, pseudonyms and the audit trail: warehouse/, etl/ and app/
all write through these, and nothing here imports any of them.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

PRIVATE_UMASK = 0o077  # every file here holds personal data: owner-only from its first byte

_umask_lock = threading.Lock()
_umask_users = 0
_umask_saved = 0


def data_dir(db: Path) -> Path:
    """Folder for the files that live beside the warehouse (key, accounts, audit)."""
    return db.parent


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Whatever is created inside (by us, DuckDB or SQLite) is owner-only from its first byte.

    The umask belongs to the whole process, so it is set by the first of overlapping users
    (threads, nested writes) and given back by the last, never by one while another still writes.
    """
    global _umask_users, _umask_saved
    with _umask_lock:
        if _umask_users == 0:
            _umask_saved = os.umask(PRIVATE_UMASK)
        _umask_users += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_users -= 1
            if _umask_users == 0:
                os.umask(_umask_saved)


def make_data_dir(folder: Path) -> Path:
    """Create the data folder (and any missing parent) as 0700; an existing one is left as set."""
    with private_files():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def create_private_file(path: Path) -> None:
    """Create `path` readable by its owner only, before SQLite opens it (SQLite would use 0o644)."""
    make_data_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # a lax umask must not widen it
