"""The README is the manual: it must name every command, and CI must run what it says."""

from __future__ import annotations

import re
from pathlib import Path

from cli.main import COMMANDS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_lat_subcommand():
    missing = [name for name in COMMANDS if not re.search(rf"\blat {name}\b", README)]
    assert missing == [], f"README says nothing about: {missing}"


def test_readme_holds_the_two_setup_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```\n(.*?)```", README.split("## Layout")[0], flags=re.DOTALL)
    assert [b.strip() for b in blocks] == ["./run demo", "./run test"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\./run test$", ci, flags=re.MULTILINE)
