"""`lat`: the one command of LAT Indsigt. Each subcommand is one module of cli/.

A command module has `add_parser(sub)` (its arguments) and `run(args) -> int` (its exit code); it
is a thin adapter that turns the parsed arguments into plain arguments of a library function and
the result into lines and an exit code. The library is imported when the command runs, so
`lat --help` does not load the dashboard or the PDF renderer.
"""

from __future__ import annotations

import argparse
import sys

from cli import (
    audit,
    check,
    demo,
    erase,
    load,
    purge,
    reference,
    report,
    serve,
    synth,
    user,
)
from cli.danish import help_text, use_danish
from privacy.files import private_files
from settings import SettingsError, settings

# name -> command module, in the order `lat --help` lists them
COMMANDS = {
    "load": load,
    "check": check,
    "synth": synth,
    "demo": demo,
    "serve": serve,
    "reference": reference,
    "user": user,
    "erase": erase,
    "purge": purge,
    "audit": audit,
    "report": report,
}
SETTINGS_EXIT = 2  # a bad environment variable, as a bad option: argparse's usage error


def build_parser() -> argparse.ArgumentParser:
    use_danish()  # usage, headings, -h and errors in Danish, as the tool speaks
    parser = argparse.ArgumentParser(prog="lat", description=help_text("lat"))
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings()  # every bad LAT_ variable said at once, before any work starts
    except SettingsError as error:
        print(f"lat: {error}", file=sys.stderr)
        return SETTINGS_EXIT
    try:
        # Every file a command writes (warehouse, copies, key, audit, exports) may hold personal
        # data: owner-only from the first byte, whatever umask the shell had.
        with private_files():
            return int(COMMANDS[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("Afbrudt.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
