"""`lat synth OUT_DIR [--cases N] [--seed S] [--messy]`: write a synthetic export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.danish import help_text

HELP = help_text("synth")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("synth", help=HELP)
    parser.add_argument("out_dir", metavar="OUT_DIR")
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--messy", action="store_true")


def run(args: argparse.Namespace) -> int:
    from etl.synth import TABLES, write_synthetic_export

    try:
        s = write_synthetic_export(Path(args.out_dir), args.cases, args.seed, args.messy)
    except (ValueError, OSError) as exc:
        print(f"lat synth: {exc}", file=sys.stderr)
        return 2
    rows = ", ".join(f"{t} {s.rows[t]:,}" for t in TABLES)
    print(
        f"Skrev syntetisk eksport til {s.out_dir} ({'messy' if s.messy else 'clean'}, "
        f"seed {s.seed}, eksportdato {s.exported_at}): {rows}."
    )
    if s.messy:
        planted = ", ".join(f"{r} {n}" for r, n in s.invalid_by_reason.items())
        print(f"Plantede ugyldige rækker: {planted}.")
    return 0
