"""`lat`: the one command of LAT Indsigt. Each subcommand hands its arguments to its owner module."""

from __future__ import annotations

import argparse
import importlib
import sys

from cli.danish import help_text, use_danish
from warehouse.db import private_files

# subcommand -> "module:function"; each function takes the parsed args and returns an exit code.
HANDLERS = {
    "load": "etl.load:run_cli",
    "check": "warehouse.checks:run_cli",
    "synth": "etl.synth:run_cli",
    "demo": "app.server:run_demo",
    "serve": "app.server:run_serve",
    "reference": "warehouse.reference:run_cli",
    "user": "app.accounts:run_cli",
    "erase": "warehouse.erasure:run_erase_cli",
    "purge": "warehouse.erasure:run_purge_cli",
    "audit": "app.audit:run_cli",
    "report": "reports.cli:run_cli",
}


def build_parser() -> argparse.ArgumentParser:
    use_danish()  # usage, headings, -h and errors in Danish, as the tool speaks
    parser = argparse.ArgumentParser(prog="lat", description=help_text("lat"))
    sub = parser.add_subparsers(dest="command", required=True)
    # every command that works on a warehouse takes --db after its own arguments
    with_db = argparse.ArgumentParser(add_help=False)
    with_db.add_argument("--db", help=help_text("db"))

    load = sub.add_parser("load", help=help_text("load"), parents=[with_db])
    load.add_argument("paths", nargs="+", metavar="PATH")

    sub.add_parser(
        "check",
        help=help_text("check"),
        parents=[with_db],
    )

    synth = sub.add_parser("synth", help=help_text("synth"))
    synth.add_argument("out_dir", metavar="OUT_DIR")
    synth.add_argument("--cases", type=int, default=1500)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--messy", action="store_true")

    for name in ("demo", "serve"):
        serve = sub.add_parser(
            name, help=help_text(name), parents=[with_db] if name == "serve" else []
        )
        serve.add_argument("--port", type=int, default=8501)
        serve.add_argument("--host", default="127.0.0.1")

    reference = sub.add_parser("reference", help=help_text("reference"), parents=[with_db])
    reference.add_argument("instrument", nargs="?")
    reference.add_argument("--sd", type=float)
    reference.add_argument("--reliability", type=float)
    cutoff = reference.add_mutually_exclusive_group()
    cutoff.add_argument("--cutoff", type=float)
    cutoff.add_argument("--no-cutoff", action="store_true")
    mcid = reference.add_mutually_exclusive_group()
    mcid.add_argument("--mcid", type=float)
    mcid.add_argument("--no-mcid", action="store_true")

    user = sub.add_parser("user", help=help_text("user"))
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help=help_text("user_add"), parents=[with_db])
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, choices=["national", "coordinator", "worker", "viewer"]
    )
    add.add_argument("--municipality", action="append", default=[])
    add.add_argument("--worker-id")
    user_sub.add_parser("list", help=help_text("user_list"), parents=[with_db])
    remove = user_sub.add_parser("remove", help=help_text("user_remove"), parents=[with_db])
    remove.add_argument("name")
    passwd = user_sub.add_parser("passwd", help=help_text("user_passwd"), parents=[with_db])
    passwd.add_argument("name")

    erase = sub.add_parser("erase", help=help_text("erase"), parents=[with_db])
    target = erase.add_mutually_exclusive_group(required=True)
    target.add_argument("--case")
    target.add_argument("--citizen")

    purge = sub.add_parser("purge", help=help_text("purge"), parents=[with_db])
    purge.add_argument("--closed-before", required=True)

    audit = sub.add_parser("audit", help=help_text("audit"))
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help=help_text("audit_verify"), parents=[with_db])

    report = sub.add_parser("report", help=help_text("report"))
    documents = report.add_subparsers(dest="report_command", required=True)
    with_out = argparse.ArgumentParser(add_help=False)
    with_out.add_argument("--out", required=True, metavar="FILE.pdf")
    with_out.add_argument("--lang", choices=["da", "en"], default="da")
    handover = documents.add_parser(
        "handover", help=help_text("report_handover"), parents=[with_out, with_db]
    )
    handover.add_argument("case_id", metavar="CASE_ID")
    leadership = documents.add_parser(
        "leadership",
        help=help_text("report_leadership"),
        parents=[with_out, with_db],
    )
    leadership.add_argument("--municipality", required=True, metavar="CODE")
    leadership.add_argument("--from", metavar="YYYY-MM", help=help_text("from"))
    leadership.add_argument("--to", metavar="YYYY-MM", help=help_text("to"))
    leadership.add_argument("--png-dir", metavar="DIR", help=help_text("png_dir"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module_name, function_name = HANDLERS[args.command].split(":")
    handler = getattr(importlib.import_module(module_name), function_name)
    try:
        # Every file a command writes (warehouse, copies, key, audit, exports) may hold personal
        # data: owner-only from the first byte, whatever umask the shell had.
        with private_files():
            return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("Afbrudt.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
