"""`lat report handover CASE_ID ...` and `lat report leadership --municipality CODE ...`.

Exit 0 with the files written; exit 2 with one line on stderr (no traceback) when there is no
document to make: no warehouse, an unknown case or municipality, an empty period, a bad month.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.danish import help_text
from cli.options import with_db

HELP = help_text("report")


def add_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help=HELP)
    documents = report.add_subparsers(dest="report_command", required=True)
    with_out = argparse.ArgumentParser(add_help=False)
    with_out.add_argument("--out", required=True, metavar="FILE.pdf")
    with_out.add_argument("--lang", choices=["da", "en"], default="da")
    handover = documents.add_parser(
        "handover", help=help_text("report_handover"), parents=[with_out, with_db()]
    )
    handover.add_argument("case_id", metavar="CASE_ID")
    leadership = documents.add_parser(
        "leadership",
        help=help_text("report_leadership"),
        parents=[with_out, with_db()],
    )
    leadership.add_argument("--municipality", required=True, metavar="CODE")
    leadership.add_argument("--from", metavar="YYYY-MM", help=help_text("from"))
    leadership.add_argument("--to", metavar="YYYY-MM", help=help_text("to"))
    leadership.add_argument("--png-dir", metavar="DIR", help=help_text("png_dir"))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _handover(args: argparse.Namespace) -> list[Path]:
    from reports import handover
    from warehouse.db import db_path

    out = Path(args.out)
    _write(out, handover.handover_pdf(db_path(args.db), args.case_id, args.lang))
    return [out]


def _leadership(args: argparse.Namespace) -> list[Path]:
    from reports import leadership, render
    from warehouse.db import db_path

    document = leadership.leadership_document(
        db_path(args.db), args.municipality, getattr(args, "from"), args.to, args.lang
    )
    out = Path(args.out)
    _write(out, render.to_pdf(document))
    written = [out]
    if args.png_dir:
        folder = Path(args.png_dir)
        for number, page in enumerate(render.to_pngs(document), 1):
            path = folder / f"{out.stem}-{number}.png"
            _write(path, page)
            written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    """Make the document the subcommand names; print where it was written."""
    from reports.source import ReportError

    make = _handover if args.report_command == "handover" else _leadership
    try:
        written = make(args)
    except ReportError as error:
        print(f"lat report: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"lat report: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
