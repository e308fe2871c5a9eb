"""What a load did: per file, per export and for the whole `lat load` (the report reads these);
and `UnreadableExport`, the one error of a file or export that cannot be read at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from privacy.cpr import mask_cpr
from warehouse.checks import EXIT_FAILED


class UnreadableExport(Exception):
    """A file or export that cannot be read at all; str(e) is one clear line for a coordinator
    (e.g. 'forloeb.csv: kan ikke læses som CSV (ingen overskriftsrække)').

    The line is printed and may quote a cell or a name, so CPR-like numbers are masked in it."""

    def __init__(self, message: str):
        super().__init__(mask_cpr(message))


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
    error: str | None = None
    exported_at: date | None = None
    exported_at_given: bool = False
    municipalities: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    refused: str | None = None  # a warehouse check failed: nothing of the export was written


@dataclass
class LoadResult:
    exports: list[ExportOutcome] = field(default_factory=list)
    orphans_resolved: int = 0
    orphans_refused: str | None = None  # the checks refused the write of resolved orphans
    not_attempted: list[str] = field(default_factory=list)  # exports after a refused one

    @property
    def not_attempted_lines(self) -> list[str]:
        """One line per export left unread because a check refused an export before it."""
        return [
            f"{name}: ikke forsøgt, fordi lageret afviste en eksport før den (se AFVIST); "
            "ret fejlen og indlæs den igen"
            for name in self.not_attempted
        ]

    @property
    def refusals(self) -> list[str]:
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
