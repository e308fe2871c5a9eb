"""What a load did: per file, per export and for the whole `lat load` (the report reads these);
`UnreadableExport`, the one error of a file or export that cannot be read at all; and `Line`, a
line about a whole file or export (why it was not read, or refused) as a catalogue key and its
values, rendered in the report's language (texts/messages.py, keys under `loader.file.`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from privacy.cpr import mask_cpr
from texts import formats, messages
from warehouse.checks import EXIT_FAILED, CheckResult, failed_values


def _masked(value: object) -> object:
    """A value a line shows, with its CPR-like numbers masked (in lists and nested lines too)."""
    if isinstance(value, str):
        return mask_cpr(value)
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _masked(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Line:
    """One line about a whole file or export: catalogue key `key` and its values, CPR-like
    numbers masked when it is made (a value may quote a cell or a name), dates in ISO form."""

    key: str
    values: Mapping[str, object]

    def text(self, language: str | None = None) -> str:
        """The line in `language` (Danish by default), masked again as printed."""
        return mask_cpr(messages.render(self.key, self.values, language))

    def __str__(self) -> str:
        return self.text(formats.DEFAULT_LANG)


def line(key: str, **values: object) -> Line:
    """Line `key` with exactly the values its text names (a wrong set fails when it is made)."""
    if set(values) != messages.names(key):
        raise ValueError(f"{key}: values {sorted(values)} != {sorted(messages.names(key))}")
    return Line(key, {name: _masked(value) for name, value in values.items()})


def checks_refused(key: str, failed: list[CheckResult], **values: object) -> Line:
    """The line of a write the warehouse checks refused: which checks failed, on which keys."""
    why = {"key": "loader.file.unchanged", "values": {"checks": failed_values(failed)}}
    return line(key, why=why, **values)


class UnreadableExport(Exception):
    """A file or export that cannot be read at all, as a `Line` (`e.line`): key and values, e.g.
    UnreadableExport('loader.file.no_header', file='forloeb.csv'); str(e) is its Danish text
    ('forloeb.csv: kan ikke læses som CSV (ingen overskriftsrække)'), masked."""

    def __init__(self, key: str, **values: object):
        self.line = line(key, **values)
        super().__init__(str(self.line))


def one_line(text: object) -> str:
    """The first non-blank line of an error: what a report says, never a traceback."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else "ukendt fejl"


@dataclass
class FileOutcome:
    """What happened to the rows of one table file (invariant 1 holds on these counts)."""

    source_file: str
    table: str
    rows_read: int = 0
    loaded: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    # (row, column, message key, its values as JSON, the Danish message) of the first rejections
    examples: list[tuple[int, str | None, str, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    cpr_blanked: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ExportOutcome:
    """One export given to `lat load`: its batch, or why nothing was loaded from it."""

    source_path: str  # as given on the command line, CPR-like numbers masked (terminal only)
    batch_id: int | None = None
    already_loaded_in: int | None = None
    error: Line | None = None  # why nothing was read
    exported_at: date | None = None
    exported_at_given: bool = False
    municipalities: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    refused: Line | None = None  # a warehouse check failed: nothing of the export was written


@dataclass
class LoadResult:
    exports: list[ExportOutcome] = field(default_factory=list)
    orphans_resolved: int = 0
    orphans_refused: Line | None = None  # the checks refused the write of resolved orphans
    not_attempted: list[str] = field(default_factory=list)  # exports after a refused one

    @property
    def not_attempted_lines(self) -> list[Line]:
        """One line per export left unread because a check refused an export before it."""
        return [line("loader.file.not_attempted", file=name) for name in self.not_attempted]

    @property
    def refusals(self) -> list[Line]:
        """Every write a warehouse check refused, one line each."""
        lines = [e.refused for e in self.exports if e.refused]
        return lines + ([self.orphans_refused] if self.orphans_refused else [])

    @property
    def exit_code(self) -> int:
        """3 when a warehouse check refused a load, 2 when an export could not be read, else 0
        (contract section 1)."""
        if self.refusals:
            return EXIT_FAILED
        return 2 if any(e.error for e in self.exports) else 0
