"""What `lat erase` and `lat purge` share: the operator, the counts, the audit event."""

from __future__ import annotations

import contextlib
import getpass
import sys
from pathlib import Path


def operator() -> str:
    with contextlib.suppress(Exception):
        return f"cli:{getpass.getuser()}"
    return "cli"


def print_counts(title: str, counts: dict[str, int]) -> None:
    print(title)
    for table, count in counts.items():
        print(f"  {table:<24} {count:>8}")


def audit(event: str, detail: dict, db: Path) -> int:
    """Record in the audit trail; a failure is reported (the erasure itself stands)."""
    from privacy.audit import record

    try:
        record(event, operator(), detail, db=db)
    except Exception as error:  # any failure must be told, not raised
        print(f"Advarsel: kunne ikke skrive i revisionssporet ({error}).", file=sys.stderr)
        return 1
    return 0
