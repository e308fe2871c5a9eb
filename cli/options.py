"""Options more than one command takes."""

from __future__ import annotations

import argparse


def with_db() -> argparse.ArgumentParser:
    """A parent parser: every command that works on a warehouse takes --db after its arguments."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", help="warehouse file (default data/warehouse.duckdb or $LAT_DB)")
    return parent
