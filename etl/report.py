"""The `lat load` report: what happened to every file, in words a coordinator reads, with
Danish numbers and dates (texts/formats.py) and a totals line. No Streamlit: texts and
texts.formats are plain modules the dashboard shares with the terminal."""

from __future__ import annotations

import time
from typing import TextIO

from etl.outcome import ExportOutcome, FileOutcome, Line, LoadResult
from texts import formats, messages, plural, text
from texts.vocabulary import CODE_LABELS

MAX_CPR_CELLS_SHOWN = 10
LANGUAGE = "da"  # the terminal speaks Danish; the words are in texts (load_report.*)


def shown(text: object) -> str:
    """`text` safe to print on a terminal: each non-printable character as its escape.

    File names and cells come from the export: an ESC sequence could recolour or rewrite the
    screen, and a newline would split a report line. '\x1b', '\n', '\u202e' are shown instead.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _t(key: str, **values: object) -> str:
    return text(f"load_report.{key}", LANGUAGE, **values)


def _n(value: int) -> str:
    """A count as Danes write it: 1.517."""
    return formats.integer(value, LANGUAGE)


def _reason(code: str) -> str:
    """A rejection code in words ('conflicting_duplicate' -> 'Modstridende dublet')."""
    key = CODE_LABELS["reason_code"].get(code)
    return text(key, LANGUAGE).lower() if key else code


def format_report(result: LoadResult, *, errors: bool = True) -> str:
    """The whole report as text: one block per export, one per table file, then the totals.

    `errors=False` leaves out unreadable and refused exports (the CLI prints those on stderr).
    """
    lines: list[str] = []
    for export in result.exports:
        if (export.error or export.refused) and not errors:
            continue
        lines.extend(_export_lines(export))
    if errors:
        lines.extend(
            _t("not_loaded", what=line.text(LANGUAGE)) for line in result.not_attempted_lines
        )
    if result.orphans_resolved:
        lines.append(plural("load_report.orphans_resolved", result.orphans_resolved, LANGUAGE))
    lines.extend(_totals(result))
    # every line escaped as a whole: the report's own words hold no control characters
    return "\n".join(shown(line) for line in lines)


def error_lines(result: LoadResult) -> list[str]:
    """What could not be loaded and what the warehouse refused, one line each ('IKKE INDLÆST:
    ...', 'AFVIST: ...'), in the report's language and escaped: the CLI prints these on stderr."""
    lines = [_t("not_loaded", what=e.error.text(LANGUAGE)) for e in result.exports if e.error]
    lines += [_t("refused", what=refusal.text(LANGUAGE)) for refusal in result.refusals]
    lines += [_t("not_loaded", what=line.text(LANGUAGE)) for line in result.not_attempted_lines]
    return [shown(line) for line in lines]


def not_loaded_line(what: str) -> str:
    """'IKKE INDLÆST: ...' for a load stopped before any export (e.g. the wrong pseudonym key)."""
    return shown(_t("not_loaded", what=what))


def failure_line(error: str, what: str) -> str:
    """The one line of a load that failed on something unforeseen (`error` its type)."""
    return shown(_t("failed", error=error, what=what))


def _totals(result: LoadResult) -> list[str]:
    files = [f for e in result.exports if e.batch_id is not None for f in e.files]
    if not files:
        return []
    return [
        _t(
            "totals",
            exports=plural(
                "load_report.exports", sum(e.batch_id is not None for e in result.exports), LANGUAGE
            ),
            read=_n(sum(f.rows_read for f in files)),
            loaded=_n(sum(f.loaded for f in files)),
            unchanged=_n(sum(f.unchanged for f in files)),
            superseded=_n(sum(f.superseded for f in files)),
            rejected=_n(sum(f.rejected for f in files)),
        )
    ]


def _export_lines(export: ExportOutcome) -> list[str]:
    if export.error:
        return [_t("not_loaded", what=export.error.text(LANGUAGE))]
    if export.refused:
        return [_t("refused", what=export.refused.text(LANGUAGE))]
    if export.already_loaded_in is not None:
        return [_t("already_loaded", path=export.source_path, batch=export.already_loaded_in)]
    lines = [
        _t(
            "loaded" if export.exported_at_given else "loaded_no_date",
            path=export.source_path,
            batch=export.batch_id,
            date=formats.day(export.exported_at, LANGUAGE),
        )
    ]
    if export.municipalities:
        lines.append(_t("municipalities", names=", ".join(export.municipalities)))
    if export.ignored_files:
        lines.append(_t("ignored_files", names=", ".join(export.ignored_files)))
    if not export.files:
        lines.append(_t("no_tables"))
    for file in export.files:
        lines.extend(_file_lines(file))
    return lines


def _column(name: str) -> str:
    """An export column in words ('foedselsaar' -> 'fødselsår'); a header it does not know as
    the file wrote it."""
    key = CODE_LABELS["export_column"].get(name)
    return text(key, LANGUAGE) if key else name


def _where(row: int, column: str | None) -> str:
    if not column:
        return _t("row", row=_n(row))
    return _t("row_column", row=_n(row), column=_column(column))


def _file_lines(f: FileOutcome) -> list[str]:
    lines = [
        _t(
            "file",
            file=f.source_file,
            table=f.table,
            read=_n(f.rows_read),
            loaded=_n(f.loaded),
            unchanged=_n(f.unchanged),
            superseded=_n(f.superseded),
            rejected=_n(f.rejected),
        )
    ]
    if f.reasons:
        reasons = ", ".join(f"{_reason(code)} {_n(count)}" for code, count in f.reasons.items())
        lines.append(_t("reasons", reasons=reasons))
    for row, column, key, params, message in f.examples:
        # the message in the report's language from its key and values, as the dashboard does
        said = messages.render(key, params, LANGUAGE) if key else message
        lines.append(f"    {_where(row, column)}: {said}")
    if f.rejected > len(f.examples):
        lines.append(plural("load_report.more_rejected", f.rejected - len(f.examples), LANGUAGE))
    if f.ignored_columns:
        lines.append(_t("ignored_columns", names=", ".join(f.ignored_columns)))  # the file's own
    if f.cpr_blanked:
        cells = "; ".join(_where(r, c) for r, c in f.cpr_blanked[:MAX_CPR_CELLS_SHOWN])
        more = len(f.cpr_blanked) - MAX_CPR_CELLS_SHOWN
        suffix = _t("and_more", n=_n(more)) if more > 0 else ""
        cells_text = plural("load_report.cells", len(f.cpr_blanked), LANGUAGE)
        lines.append(_t("cpr_blanked", cells=cells_text, where=cells + suffix))
    return lines


class ProgressBar:
    """A carriage-return bar on a terminal stream, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, doing: Line, fraction: float) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.WIDTH * max(0.0, min(1.0, fraction)))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        label = shown(doing.text(LANGUAGE))[:60]
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {label:<60}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 70) + "\r")
            self.stream.flush()
