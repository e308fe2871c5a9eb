"""The docs in docs/ name every public thing: each mart view and column, each rejection code and
each `lat` command and option. A new column, code or option fails here until it is documented."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb
import pytest

from cli.main import build_parser
from etl.validate import REASONS
from tests.support.marts_fixtures import build_warehouse

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _section(text: str, heading: str) -> str:
    """The text under `### heading` up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\s*$(.*?)(?=^#{{2,3}} |\Z)", text, re.M | re.S)
    assert match, f"docs: no section '### {heading}'"
    return match.group(1)


@pytest.fixture(scope="module")
def mart_columns(tmp_path_factory) -> dict[str, list[str]]:
    path = build_warehouse(tmp_path_factory.mktemp("docs") / "w.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        views = con.execute(
            "select view_name from duckdb_views() where schema_name = 'mart' and not internal"
        ).fetchall()
        return {
            view: [row[0] for row in con.execute(f"describe mart.{view}").fetchall()]  # noqa: S608
            for (view,) in views
        }


def test_every_mart_view_and_column_is_documented(mart_columns: dict[str, list[str]]):
    text = (DOCS / "marts.md").read_text(encoding="utf-8")
    for view, columns in mart_columns.items():
        section = _section(text, f"`mart.{view}`")
        missing = [c for c in columns if f"`{c}`" not in section]
        assert not missing, f"docs/marts.md, mart.{view}: {missing}"


def test_every_rejection_code_is_documented():
    text = (DOCS / "export-format.md").read_text(encoding="utf-8")
    for code in (*REASONS, "erased"):
        assert f"| `{code}` |" in text, code


def _commands(parser: argparse.ArgumentParser, prefix: str = "lat"):
    """(command line, its option strings) for every leaf subcommand."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        options = [
            s for a in parser._actions for s in a.option_strings if s not in ("-h", "--help")
        ]
        yield prefix, options
        return
    for name, sub in subparsers[0].choices.items():
        yield from _commands(sub, f"{prefix} {name}")


def _command_section(text: str, command: str) -> str:
    """The section whose heading is the command (or, for `lat user add`, its group `lat user`),
    with or without its arguments."""
    heads = re.findall(r"^### `([^`]+)`", text, re.M)
    words = command.split()
    for size in range(len(words), 1, -1):
        found = [h for h in heads if h.split()[:size] == words[:size]]
        if found:
            return _section(text, f"`{found[0]}`")
    raise AssertionError(f"docs/commands.md: no section for {command}")


def test_every_lat_command_and_option_is_documented():
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    for command, options in _commands(build_parser()):
        section = _command_section(text, command)
        assert command in text, f"docs/commands.md does not name '{command}'"
        # --db is said once for every command at the top
        missing = [
            o
            for o in options
            if o != "--db" and not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", section)
        ]
        assert not missing, f"docs/commands.md, {command}: {missing}"
