"""Options more than one command takes."""

from __future__ import annotations

import argparse

from cli.danish import help_text


def with_db() -> argparse.ArgumentParser:
    """A parent parser: every command that works on a warehouse takes --db after its arguments."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", help=help_text("db"))
    return parent
