"""`lat load PATH... [--db FILE]`: load, print the report, return the exit code."""

from __future__ import annotations

import argparse
import sys

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("load")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("load", help=HELP, parents=[with_db()])
    parser.add_argument("paths", nargs="+", metavar="PATH")


def run(args: argparse.Namespace) -> int:
    # the library is imported when the command runs, so `lat --help` stays quick
    from etl import load
    from etl.outcome import one_line
    from etl.report import (
        ProgressBar,
        error_lines,
        failure_line,
        format_report,
        not_loaded_line,
    )
    from privacy.cpr import mask_cpr
    from privacy.pseudonym import PseudonymKeyError
    from warehouse.db import db_path

    try:
        db = db_path(args.db)
        bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        result = load.load_exports(args.paths, db, progress=bar)
        if bar:
            bar.close()
        text = format_report(result, errors=False)
        if text:
            print(text)
        for line in error_lines(result):
            print(line, file=sys.stderr)
        return result.exit_code
    # another key would re-key everyone: a misuse (a bad LAT_MAX_* stopped lat before this)
    except PseudonymKeyError as exc:
        print(not_loaded_line(str(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        print(failure_line(type(exc).__name__, one_line(mask_cpr(str(exc)))), file=sys.stderr)
        return 1
