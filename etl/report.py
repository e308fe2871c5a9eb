"""The `lat load` report: what happened to every file, in words a coordinator reads."""

from __future__ import annotations

import time
from typing import TextIO

from etl.outcome import ExportOutcome, FileOutcome, LoadResult

MAX_CPR_CELLS_SHOWN = 10


def shown(text: object) -> str:
    """`text` safe to print on a terminal: each non-printable character as its escape.

    File names and cells come from the export: an ESC sequence could recolour or rewrite the
    screen, and a newline would split a report line. '\x1b', '\n', '\u202e' are shown instead.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def format_report(result: LoadResult, *, errors: bool = True) -> str:
    """The whole report as text: one block per export, one per table file.

    `errors=False` leaves out unreadable and refused exports (the CLI prints those on stderr).
    """
    lines: list[str] = []
    for export in result.exports:
        if (export.error or export.refused) and not errors:
            continue
        lines.extend(_export_lines(export))
    if errors:
        lines.extend(f"IKKE INDLÆST: {line}" for line in result.not_attempted_lines)
    if result.orphans_resolved:
        lines.append(
            f"{result.orphans_resolved} tidligere afviste rækker (ukendt forløb) er nu indlæst, "
            "fordi deres forløb er kommet."
        )
    # every line escaped as a whole: the report's own words hold no control characters
    return "\n".join(shown(line) for line in lines)


def _export_lines(export: ExportOutcome) -> list[str]:
    if export.error:
        return [f"IKKE INDLÆST: {export.error}"]
    if export.refused:
        return [f"AFVIST: {export.refused}"]
    if export.already_loaded_in is not None:
        return [
            f"{export.source_path}: allerede indlæst i batch {export.already_loaded_in}; "
            "intet er ændret."
        ]
    date_note = "" if export.exported_at_given else " (ingen eksportdato i filen: dagens dato)"
    lines = [
        f"{export.source_path}: indlæst som batch {export.batch_id}, "
        f"eksportdato {export.exported_at}{date_note}"
    ]
    if export.municipalities:
        lines.append(f"  kommuner i eksporten: {', '.join(export.municipalities)}")
    if export.ignored_files:
        lines.append(f"  ignorerede filer: {', '.join(export.ignored_files)}")
    if not export.files:
        lines.append("  ingen tabeller i eksporten")
    for file in export.files:
        lines.extend(_file_lines(file))
    return lines


def _file_lines(f: FileOutcome) -> list[str]:
    lines = [
        f"  {f.source_file} ({f.table}): læst {f.rows_read}, indlæst {f.loaded}, "
        f"uændret {f.unchanged}, erstattet af nyere {f.superseded}, afvist {f.rejected}"
    ]
    if f.reasons:
        reasons = ", ".join(f"{code} {count}" for code, count in f.reasons.items())
        lines.append(f"    afvist pr. årsag: {reasons}")
    for row, column, message in f.examples:
        where = f"række {row}" + (f", kolonne {column}" if column else "")
        lines.append(f"    {where}: {message}")
    if f.rejected > len(f.examples):
        lines.append(
            f"    ... og {f.rejected - len(f.examples)} flere (se tabellen etl.rejected_rows)"
        )
    if f.ignored_columns:
        lines.append(f"    ignorerede kolonner: {', '.join(f.ignored_columns)}")
    if f.cpr_blanked:
        cells = "; ".join(f"række {r}, kolonne {c}" for r, c in f.cpr_blanked[:MAX_CPR_CELLS_SHOWN])
        more = len(f.cpr_blanked) - MAX_CPR_CELLS_SHOWN
        suffix = f" og {more} flere" if more > 0 else ""
        lines.append(f"    CPR-nummer fjernet fra {len(f.cpr_blanked)} celler: {cells}{suffix}")
    return lines


class ProgressBar:
    """A carriage-return bar on a terminal stream, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, label: str, fraction: float) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.WIDTH * max(0.0, min(1.0, fraction)))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {shown(label)[:60]:<60}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 70) + "\r")
            self.stream.flush()
