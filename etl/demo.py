"""The demo warehouse: a synthetic export, loaded once (`lat demo` reuses it after)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from etl.load import load_exports
from etl.synth import write_synthetic_export

DEMO_CASES = 3000


def build_demo(db: Path, cases: int | None = None) -> Path:
    """Write a synthetic export and load it into `db` (only when `db` does not exist yet)."""
    if db.exists():
        return db
    with tempfile.TemporaryDirectory(prefix="lat-demo-") as tmp:
        export = Path(tmp) / "eksport"
        write_synthetic_export(export, cases=cases or DEMO_CASES, seed=1, messy=True)
        load_exports([export], db)
    return db
