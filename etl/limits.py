"""The reader's resource limits (docs/export-format.md, "Limits"; issue 13 section 3).

An export comes from outside: a few kilobytes can hold a gigabyte when zipped, a header of half a
million cells, or a workbook cell at row 1,048,576, column XFD that makes the XLSX reader lay out
seventeen billion cells. Every size is checked here *before* the memory is spent (file sizes from
`stat`, ZIP members from their headers and again while they are decompressed, since headers can
lie; a CSV's header and line count before polars parses it; a workbook's parts and the extent of
its sheets before calamine opens it), and a file over a limit is refused whole with one line that
names it and the limit (exit 2, like any unreadable export).

The limits are generous for real exports (a 100,000-case export is within each several times
over; tests/etl/test_reader_limits.py loads one) and can be changed with one environment variable
each (`LIMIT_VARIABLES`). They are settings like any other: their defaults and the check of a
value (a positive whole number) live in the one settings object (settings.py), so a bad
`LAT_MAX_*` is a `SettingsError` that stops `lat` before any command runs.
"""

from __future__ import annotations

import lzma
import os
import re
import stat
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn

import polars as pl

from etl.outcome import UnreadableExport
from settings import LIMIT_PREFIX, MIB, PREFIX, Settings, settings


def _default(name: str) -> Any:
    """A limit's default, as the settings object has it (`max_<name>`)."""
    return field(default=Settings.model_fields[LIMIT_PREFIX + name].default)


@dataclass(frozen=True)
class Limits:
    file_bytes: int = _default("file_bytes")  # one file: a CSV, workbook, ZIP, member or part
    export_bytes: int = _default("export_bytes")  # all files of one export together, unpacked
    zip_ratio: int = _default("zip_ratio")  # unpacked / packed size of one ZIP member (> 1 MiB)
    zip_members: int = _default("zip_members")  # entries in one ZIP or workbook
    columns: int = _default("columns")  # header cells of one table
    rows: int = _default("rows")  # rows (lines of a CSV) of one table
    cells: int = _default("cells")  # rows x columns of one table (a workbook sheet: its extent)
    cell_bytes: int = _default("cell_bytes")  # one cell or header, in UTF-8


# field -> environment variable (the settings object's field max_<field>)
LIMIT_VARIABLES = {f.name: (PREFIX + LIMIT_PREFIX + f.name).upper() for f in fields(Limits)}

# A member this small may compress as well as it likes: the ratio limit is for bombs.
RATIO_FLOOR = 1 * MIB
_CHUNK = 1 * MIB


def current() -> Limits:
    """The limits in force: the settings' `max_*` (LAT_MAX_* in the environment, else the
    defaults); a bad value is the settings' SettingsError, naming the variable."""
    found = settings()
    return Limits(**{f.name: getattr(found, LIMIT_PREFIX + f.name) for f in fields(Limits)})


def _refuse(key: str, label: str, **values: object) -> NoReturn:
    """Refuse file `label` with line `key`; sizes and counts are written for the reader when the
    line is rendered (texts/messages.KINDS: 'size' as '512 MB', 'count' as '1.517')."""
    raise UnreadableExport(key, file=label, **values)


# ---------------------------------------------------------------------------------------------
# The export's budget: every byte read or decompressed for one export


@dataclass
class _Budget:
    limits: Limits
    left: int


_budget: ContextVar[_Budget | None] = ContextVar("lat_read_budget", default=None)


@contextmanager
def export_budget() -> Iterator[Limits]:
    """Reading one export: its files, members and workbook parts share `export_bytes`."""
    limits = current()
    token = _budget.set(_Budget(limits, limits.export_bytes))
    try:
        yield limits
    finally:
        _budget.reset(token)


def _current_budget() -> _Budget:
    budget = _budget.get()
    if budget is None:  # a reader called on its own (tests): a budget for this call only
        limits = current()
        budget = _Budget(limits, limits.export_bytes)
    return budget


def limits_in_force() -> Limits:
    return _current_budget().limits


# an export's files are read side by side (etl.threads) and share one budget: its check and its
# spending are one step, or two threads could each pass the check on the same bytes left
_spending = threading.Lock()


def _spend(label: str, n: int) -> None:
    budget = _current_budget()
    with _spending:
        enough = n <= budget.left
        if enough:
            budget.left -= n
    if not enough:
        _refuse("loader.file.export_too_big", label, limit_size=budget.limits.export_bytes)


def _too_big(label: str, size: int | None, limit: int) -> None:
    if size is None:
        _refuse("loader.file.file_too_big_unsized", label, limit_size=limit)
    _refuse("loader.file.file_too_big", label, size=size, limit_size=limit)


# ---------------------------------------------------------------------------------------------
# Files on disk


def read_file(path: Path, label: str) -> bytes:
    """A regular file's bytes, refused by its size before it is read (and while it is read, in
    case it grows). A FIFO, device or socket is no export file: reading one could block or never
    end, so it is opened without waiting and refused."""
    limits = limits_in_force()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        _refuse("loader.file.cannot_open", label, reason=str(exc.strerror))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            _refuse("loader.file.not_regular", label)
        if info.st_size > limits.file_bytes:
            _too_big(label, info.st_size, limits.file_bytes)
        try:
            data = _read_capped(handle, info.st_size, limits.file_bytes)
        except OSError as exc:
            _refuse("loader.file.unreadable", label, reason=str(exc.strerror))
    if len(data) > limits.file_bytes:
        _too_big(label, None, limits.file_bytes)
    _spend(label, len(data))
    return data


def _read_capped(handle, size: int, cap: int) -> bytes:
    """The file's bytes, asked for by its size (a buffer of the cap itself would be spent up front:
    512 MB of address space for a 2 KB file), then on in 1 MiB steps in case it grew, never more
    than `cap` + 1 bytes (which the caller refuses)."""
    chunks = [handle.read(size + 1)]
    total = len(chunks[0])
    while total > size and total <= cap:
        more = handle.read(min(MIB, cap + 1 - total))
        if not more:
            break
        chunks.append(more)
        total += len(more)
    return b"".join(chunks)


def is_regular_file(entry: Path) -> bool:
    """A folder entry that is read: a regular file, not a symbolic link (which could point at any
    file on the server, the pseudonym key too), a FIFO or a device."""
    return entry.is_file() and not entry.is_symlink()


# ---------------------------------------------------------------------------------------------
# ZIP archives and workbooks

# What zipfile raises for a broken archive: a bad header or CRC, a method it lacks, an encrypted
# member, a compressed stream cut short or corrupt (zlib.error, EOFError; bz2 raises OSError), a
# directory whose offsets point before the file ("negative seek value", a ValueError).
ZIP_ERRORS = (
    ValueError,
    struct.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    zlib.error,
)


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def check_zip_directory(label: str, data: bytes) -> None:
    """The number of entries, from the end-of-directory record, before zipfile builds an object
    for each (millions of entries in a small archive would each cost memory)."""
    limit = limits_in_force().zip_members
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return  # no ZIP: zipfile says so in its own words
    entries = struct.unpack_from("<H", data, at + 10)[0]
    locator = at - 20
    if locator >= 0 and data[locator : locator + 4] == _ZIP64_LOCATOR:
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if offset + 40 <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
            entries = max(entries, struct.unpack_from("<Q", data, offset + 32)[0])
    if entries > limit:
        _refuse("loader.file.too_many_members", label, count=entries, limit=limit)


def _member_cap(label: str, info: zipfile.ZipInfo) -> int:
    """The most bytes `info` may decompress to; refuses a member whose header already says more."""
    limits = limits_in_force()
    by_ratio = max(limits.zip_ratio * info.compress_size, RATIO_FLOOR)
    if info.file_size > limits.file_bytes:
        _too_big(label, info.file_size, limits.file_bytes)
    if info.file_size > by_ratio:
        _refuse_ratio(label, limits)
    return min(limits.file_bytes, by_ratio)


def _refuse_ratio(label: str, limits: Limits) -> None:
    _refuse("loader.file.zip_ratio", label, ratio=limits.zip_ratio)


def _stream(label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks, stopped at its cap whatever its header says."""
    limits = limits_in_force()
    cap = _member_cap(label, info)
    total = 0
    with zf.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            if total > cap:
                if total > limits.file_bytes:
                    _too_big(label, None, limits.file_bytes)
                _refuse_ratio(label, limits)
            _spend(label, len(chunk))
            yield chunk


def read_member(label: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A ZIP member's bytes, decompressed within the file, ratio and export limits."""
    return b"".join(_stream(label, zf, info))


@dataclass
class _Extent:
    """What calamine will lay out for a sheet: every cell from the top-left to the bottom-right
    cell named, plus cells and rows without a reference (placed after the one before)."""

    max_row: int = 0
    max_column: int = 0
    row_tags: int = 0
    cell_tags: int = 0
    row_refs: int = 0
    cell_refs: int = 0

    def add(self, xml: bytes) -> None:
        letters_seen: set[bytes] = set()
        rows_seen: set[bytes] = set()
        for letters, digits in _REF.findall(xml):
            if letters:
                self.cell_refs += 1
                letters_seen.add(letters)
            else:
                self.row_refs += 1
            rows_seen.add(digits)
        if letters_seen:
            self.max_column = max(self.max_column, *map(_column_number, letters_seen))
        if rows_seen:
            self.max_row = max(self.max_row, max(int(d) for d in rows_seen if len(d) < 12))
        # local names 'c' and 'row', with or without a namespace prefix; '<col'/'<cols' and
        # other 'c…' elements are counted too, which only makes the bound safer
        self.cell_tags += xml.count(b"<c") + xml.count(b":c")
        self.row_tags += xml.count(b"<row") + xml.count(b":row")

    @property
    def rows(self) -> int:
        return self.max_row + max(0, self.row_tags - self.row_refs)

    @property
    def columns(self) -> int:
        return self.max_column + max(0, self.cell_tags - self.cell_refs)


# ' r="B7"' in a cell, ' r="7"' in a row; long digit runs are read as huge rows, not parsed
_REF = re.compile(rb' r="([A-Za-z]{0,3})([0-9]{1,12})"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def _is_sheet_part(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_workbook(label: str, data: bytes) -> None:
    """Before calamine opens a workbook: its parts' sizes and ratios (decompressed here, in
    chunks, since calamine would decompress them whatever their headers say) and the extent of
    each sheet, which calamine lays out as a full grid."""
    check_zip_directory(label, data)
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                part = f"{label}:{info.filename}"
                if not _is_sheet_part(info.filename):
                    for _chunk in _stream(part, zf, info):
                        pass
                    continue
                extent, carry = _Extent(), b""
                for chunk in _stream(part, zf, info):
                    carry, whole = _split_at_tag(carry + chunk)
                    extent.add(whole)
                extent.add(carry)
                check_extent(label, max(extent.rows - 1, 0), extent.columns)  # row 1: header
    except ZIP_ERRORS:
        return  # not a readable ZIP: calamine says so in its own words


def _split_at_tag(buffer: bytes) -> tuple[bytes, bytes]:
    """(rest, whole): `whole` ends before the last '<', so no tag is cut in two."""
    cut = buffer.rfind(b"<")
    if cut <= 0 or len(buffer) - cut > MIB:  # no tag for a megabyte: text, cut anywhere
        cut = max(0, len(buffer) - 64)
    return buffer[cut:], buffer[:cut]


# ---------------------------------------------------------------------------------------------
# Tables


def check_extent(label: str, rows: int, columns: int) -> None:
    """A table's rows (the header not counted), columns and cells, before it is parsed."""
    limits = limits_in_force()
    if columns > limits.columns:
        _refuse("loader.file.too_many_columns", label, count=columns, limit=limits.columns)
    if rows > limits.rows:
        _refuse("loader.file.too_many_rows", label, count=rows, limit=limits.rows)
    if rows * columns > limits.cells:
        _refuse(
            "loader.file.too_many_cells",
            label,
            count=rows * columns,
            row_count=rows,
            column_count=columns,
            limit=limits.cells,
        )


def check_csv(label: str, data: bytes, header: bytes, separator: str) -> None:
    """A CSV's shape from its bytes: header cells and lines (a line break inside a quoted cell
    counts as a line), before polars lays out a column per header cell."""
    columns = header.count(separator.encode()) + 1
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    check_extent(label, max(lines - 1, 0), columns)


def check_cells(label: str, frame: pl.DataFrame) -> None:
    """No cell or header longer than `cell_bytes` (once the file is parsed: its size is bounded)."""
    limit = limits_in_force().cell_bytes
    header = max((len(h.encode()) for h in frame.columns), default=0)
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    longest = (
        frame.select(pl.max_horizontal(pl.col(texts).str.len_bytes().max())).item() if texts else 0
    )
    if max(header, longest or 0) > limit:
        _refuse("loader.file.cell_too_long", label, limit_size=limit)
