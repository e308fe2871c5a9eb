"""Reading exports (export-format.md sections 1, 2 and 4; rules 1, 6, 7 and 21).

An export is a folder, a single CSV, an XLSX workbook or a ZIP of either. Reading turns it into one
`TableFile` per table file: every cell as trimmed text under its original header, with the row
number a spreadsheet would show. Typing and validation happen in `etl.validate`; anything that
cannot be read at all raises `UnreadableExport` with one line a coordinator understands.

Names are masked where they are read (rule 24 beyond the cells): a CPR-like number in a column
header, a file, sheet, folder or ZIP member name, or the export's own name never leaves this
module, and an export is known by its name, never by its full path on the server.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from etl import limits
from etl.columns import METADATA_NAMES, aliases, english_tables, table_names
from etl.outcome import UnreadableExport
from etl.parsing import fold, parse_date, parse_municipality_code
from etl.threads import map_in_threads
from privacy.cpr import display_name, export_name, mask_cpr

SOURCE_ROW = "_source_row"
TABLES = table_names()
ENGLISH_TABLES = english_tables()
_TABLE_NAMES = {**{t: t for t in TABLES}, **{e: d for d, e in ENGLISH_TABLES.items()}}
# Danish column name -> English alias, per table (the registry's, in the format's order)
COLUMNS: dict[str, dict[str, str]] = {table: aliases(table) for table in TABLES}

_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\x1f\x8b")


@dataclass
class TableFile:
    table: str  # Danish table name: 'forloeb' | 'medarbejdere' | 'maalinger' | 'progression'
    source_file: (
        str  # rule 21: 'forloeb.csv', 'workbook.xlsx:Forløb', 'archive.zip:sub/forloeb.csv'
    )
    sha256: str  # of the file's bytes (for a sheet: of the workbook + ':' + sheet name)
    frame: pl.DataFrame  # original headers, all String, trimmed, plus Int64 '_source_row'


@dataclass
class Export:
    source_path: str  # the export's name (`export_name`), not its path on the server
    sha256: str
    exported_at: date | None
    platform: str | None
    municipalities: list[str]
    tables: list[TableFile]
    ignored_files: list[str] = field(default_factory=list)


def table_for_name(name: str) -> str | None:
    """The Danish table a file or sheet name (without extension) names, or None."""
    return _TABLE_NAMES.get(fold(name))


def canonical_column(header: str, table: str) -> str | None:
    """The Danish column name a header cell names in `table` (Danish or English, folded)."""
    folded = fold(header)
    for danish, alias in aliases(table).items():  # the registry as it is now
        if folded in (danish, alias):
            return danish
    return None


# ---------------------------------------------------------------------------------------------
# Entry point


def read_export(path: str | Path) -> Export:
    """Read a folder, .csv, .xlsx or .zip export; raises UnreadableExport."""
    source = Path(path)
    # abspath, so that '.' or 'eksport/..' is known by the folder's real name
    name = export_name(os.path.abspath(source))
    if display_name(str(path)) != str(path):
        # Such a path cannot be recorded in the warehouse or printed; the coordinator renames it.
        raise UnreadableExport("loader.file.bad_name", file=name)
    with limits.export_budget():
        return _read_export(source, name)


def _read_export(source: Path, name: str) -> Export:
    if source.is_dir():
        members = _folder_members(source)
        return _assemble(name, _members_digest(members), members, prefix="")
    if not source.exists():
        raise UnreadableExport("loader.file.not_found", file=name)
    data = _read_bytes(source, name)
    suffix = source.suffix.lower()
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".csv":
        table = table_for_name(_nfc(source.stem))
        if table is None:
            raise UnreadableExport("loader.file.no_table_in_name", file=name)
        tables = [read_csv_table(table, name, data)]
        return Export(name, digest, None, None, [], tables, [])
    if suffix == ".xlsx":
        tables, metas, ignored = _read_workbook(name, data)
        return _export(name, digest, tables, metas, ignored)
    if suffix == ".zip":
        members = _zip_members(name, data)
        return _assemble(name, digest, members, prefix=f"{name}:")
    raise UnreadableExport("loader.file.unknown_type", file=name)


def table_file_from_records(
    table: str, source_file: str, records: list[dict], rows: list[int]
) -> TableFile:
    """Rebuild a TableFile from stored {header: cell} records (the loader's orphan retries)."""
    headers: list[str] = []
    for record in records:
        headers.extend(h for h in record if h not in headers)
    data = {h: pl.Series(h, [_cell(r.get(h)) for r in records], dtype=pl.String) for h in headers}
    frame = _masked_headers(pl.DataFrame(data) if data else pl.DataFrame())
    frame = _tidy(frame.with_columns(pl.Series(SOURCE_ROW, rows, dtype=pl.Int64)))
    return TableFile(table, source_file, "", frame)


def _cell(value: object) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# Containers: folder, ZIP, workbook


@dataclass
class _Member:
    name: str  # path relative to the export root (for a ZIP: as stored), CPR-like parts masked
    data: bytes | None  # None for entries ignored before reading


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _read_bytes(path: Path, label: str) -> bytes:
    return limits.read_file(path, label)  # within the reader's limits (etl/limits.py)


def _is_hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _folder_members(folder: Path) -> list[_Member]:
    members = []
    for entry in sorted(folder.iterdir()):
        name = _nfc(display_name(entry.name))
        # A workbook inside a folder export is not part of the format: it is listed, not read.
        wanted = _wanted(name) and not name.lower().endswith(".xlsx")
        shown = mask_cpr(name)
        if limits.is_regular_file(entry) and not _is_hidden(name) and wanted:
            members.append(_Member(shown, _read_bytes(entry, shown)))
        else:
            members.append(_Member(shown + ("/" if entry.is_dir() else ""), None))
    return members


def _zip_members(archive: str, data: bytes) -> list[_Member]:
    limits.check_zip_directory(archive, data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            # '\\' is no separator in a ZIP (APPNOTE 4.4.17), but Windows tools write it as one
            names = [_nfc(_member_name(i)).replace("\\", "/") for i in infos]
            visible = [n for n in names if not _is_hidden(n)]
            root = _single_root(visible)
            members = []
            for info, name in zip(infos, names, strict=True):
                relative = name[len(root) :] if name.startswith(root) else name
                wanted = not _is_hidden(name) and "/" not in relative and _wanted(relative)
                label = f"{archive}:{mask_cpr(name)}"
                read = limits.read_member(label, zf, info) if wanted else None
                members.append(_Member(mask_cpr(name), read))
            return members
    except limits.ZIP_ERRORS as exc:
        raise UnreadableExport("loader.file.not_zip", file=archive, reason=str(exc)) from None


_UTF8_FLAG = 0x800


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker meant it. Without the UTF-8 flag Python reads the name's
    bytes as CP437, which turns a Danish name from Windows Explorer (written in the OEM code
    page, CP850: 'Forløb.csv') or from a tool that writes UTF-8 without the flag into
    'Forl¢b.csv' or 'Forl├╕b.csv', a file no table is named after: UTF-8 if the bytes are
    that, else CP850."""
    if info.flag_bits & _UTF8_FLAG or info.filename.isascii():
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp850")


def _single_root(names: list[str]) -> str:
    """'sub/' when every visible member lies in one folder, else '' (the archive root)."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def _wanted(name: str) -> bool:
    """A file name that names a table (.csv, .xlsx in a ZIP) or the metadata file."""
    base = PurePosixPath(name)
    suffix = base.suffix.lower()
    if suffix == ".csv":
        return table_for_name(base.stem) is not None
    if suffix == ".json":
        return fold(base.stem) in METADATA_NAMES
    return suffix == ".xlsx"


def _members_digest(members: list[_Member]) -> str:
    digest = hashlib.sha256()
    for member in sorted(members, key=lambda m: m.name):
        if member.data is not None:
            digest.update(member.name.encode() + b"\0")
            digest.update(hashlib.sha256(member.data).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def _assemble(source_path: str, digest: str, members: list[_Member], prefix: str) -> Export:
    tables: list[TableFile] = []
    ignored: list[str] = []
    metas: list[tuple[str, ExportMetadata]] = []
    # the CSV files are read side by side; a failure is raised where the loop meets its file
    csvs = [
        m for m in members if m.data is not None and PurePosixPath(m.name).suffix.lower() == ".csv"
    ]
    read = iter(map_in_threads(lambda m: _csv_member(m, prefix), csvs))
    for member in members:
        base = PurePosixPath(member.name)
        label = prefix + member.name
        if member.data is None:
            ignored.append(label)
        elif base.suffix.lower() == ".csv":
            tables.append(_raised(next(read)))
        elif base.suffix.lower() == ".json":
            metas.append((label, _json_metadata(label, member.data)))
        elif prefix and base.suffix.lower() == ".xlsx":
            sheets, sheet_metas, sheet_ignored = _read_workbook(label, member.data)
            tables.extend(sheets)
            metas.extend(sheet_metas)
            ignored.extend(sheet_ignored)
        else:
            ignored.append(label)
    return _export(source_path, digest, tables, metas, ignored)


def _csv_member(member: _Member, prefix: str) -> TableFile | UnreadableExport:
    """One CSV member read, or the reason it cannot be (kept, to be raised in member order)."""
    base = PurePosixPath(member.name)
    try:
        return read_csv_table(table_for_name(base.stem) or "", prefix + member.name, member.data)
    except UnreadableExport as exc:
        return exc


def _raised(read: TableFile | UnreadableExport) -> TableFile:
    if isinstance(read, UnreadableExport):
        raise read
    return read


def _export(
    source_path: str,
    digest: str,
    tables: list[TableFile],
    metas: list[tuple[str, ExportMetadata]],
    ignored: list[str],
) -> Export:
    name = Path(source_path).name or source_path
    _refuse_without_tables(name, tables)
    _refuse_repeated_tables(name, tables)
    meta = _one_metadata(name, metas)
    return Export(
        source_path=source_path,
        sha256=digest,
        exported_at=meta.exported_at,
        platform=meta.platform,
        municipalities=list(meta.municipalities),
        tables=tables,
        ignored_files=ignored,
    )


def _refuse_without_tables(name: str, tables: list[TableFile]) -> None:
    """An export of ignored files only would record an empty batch and move the as-of date."""
    if not tables:
        raise UnreadableExport("loader.file.no_tables", file=name)


def _one_metadata(name: str, metas: list[tuple[str, ExportMetadata]]) -> ExportMetadata:
    """The export's metadata; two metadata files (eksport.json and export.json, or a JSON file
    and an eksport sheet) could give two export dates, and the one read last would win silently."""
    if len(metas) > 1:
        labels = [label for label, _ in metas]
        raise UnreadableExport("loader.file.metadata_files", file=name, files=labels)
    return metas[0][1] if metas else ExportMetadata()


def _refuse_repeated_tables(name: str, tables: list[TableFile]) -> None:
    """Two files of one table (cases.csv and forloeb.csv) would each be checked for duplicates
    alone and the last read would overwrite the other's records, so such an export is refused."""
    files: dict[str, list[str]] = {}
    for tf in tables:
        files.setdefault(tf.table, []).append(tf.source_file)
    for table, labels in files.items():
        if len(labels) > 1:
            raise UnreadableExport(
                "loader.file.repeated_table", file=name, table=table, files=labels
            )


# ---------------------------------------------------------------------------------------------
# Metadata


def _json_metadata(label: str, data: bytes) -> ExportMetadata:
    try:
        # every object's fields in order, repeats kept; the outermost object comes last
        objects: list[list[tuple[str, object]]] = []
        raw = json.loads(
            data.decode("utf-8-sig"),
            object_pairs_hook=lambda pairs: objects.append(pairs) or dict(pairs),
        )
    # RecursionError: JSON nested thousands of levels deep is not metadata either.
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UnreadableExport("loader.file.not_json", file=label) from None
    if not isinstance(raw, dict):
        raise UnreadableExport("loader.file.not_json_object", file=label)
    return _metadata(label, objects[-1])


class ExportMetadata(BaseModel):
    """`eksport.json` or the `eksport` sheet (export-format.md section 2), as a load reads it.

    exported_at as a date (ISO or Danish), platform as text, municipalities as a list of codes
    (a list, or one text with commas); CPR-like numbers masked where they are read, like names.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    exported_at: date | None = None
    platform: str | None = None
    municipalities: list[str] = []

    @field_validator("exported_at", mode="before")
    @classmethod
    def _export_date(cls, value: object) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if value is None or isinstance(value, date):
            return value
        if value == "":
            return None
        parsed = parse_date(str(value).strip())
        if parsed is None:
            raise ValueError("not a valid date")  # said by _metadata, which knows the file
        return parsed

    @field_validator("platform", mode="before")
    @classmethod
    def _platform(cls, value: object) -> str | None:
        return None if value in (None, "") else mask_cpr(str(value).strip())

    @field_validator("municipalities", mode="before")
    @classmethod
    def _codes(cls, value: object) -> list[str]:
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return []  # not a list of codes: no municipalities are named
        # printed in the load report: masked here, where they are read, like every name
        return [mask_cpr(str(c).strip()) for c in value if str(c).strip()]


def _metadata(label: str, pairs: list[tuple[object, object]]) -> ExportMetadata:
    """The metadata fields of a file or sheet (field, value pairs in order) as a model.

    A field given twice with two values (two `exported_at` keys in the JSON, or two rows of the
    eksport sheet) is refused: the one read last would win without a word. A value the model
    cannot take is one line naming the file and the field."""
    fields: dict[str, object] = {}
    for key, value in pairs:
        name = fold(str(key))
        if name in ExportMetadata.model_fields and name in fields and fields[name] != value:
            raise UnreadableExport(
                "loader.file.field_repeated",
                file=label,
                field=name,
                value=str(fields[name]),
                other=str(value),
            )
        fields.setdefault(name, value)
    try:
        return ExportMetadata(
            **{k: v for k, v in fields.items() if k in ExportMetadata.model_fields}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        if field == "exported_at":  # the one field a value can fail (_export_date)
            raise UnreadableExport(
                "loader.file.bad_export_date", file=label, value=str(first["input"])
            ) from None
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise UnreadableExport(
            "loader.file.bad_metadata", file=label, field=field, reason=reason
        ) from None


# ---------------------------------------------------------------------------------------------
# CSV


def read_csv_table(table: str, label: str, data: bytes) -> TableFile:
    """One CSV file as a TableFile; raises UnreadableExport with a one-line reason."""
    _refuse_binary(label, data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    digest = hashlib.sha256(data).hexdigest()
    data = _lone_cr_as_newline(data)
    header = data[: data.find(b"\n")] if b"\n" in data else data
    if not header.strip():
        raise UnreadableExport("loader.file.no_header", file=label)
    separator = _separator(_decode(label, header))
    limits.check_csv(label, data, header, separator)
    try:
        header.decode("utf-8")
        # polars checks the data rows' UTF-8 itself (but reads a bad header lossily, hence the
        # check above), so the common case costs no extra pass over the file.
        frame = _parse_csv(label, data, separator)
    except (UnicodeDecodeError, _NotUtf8):
        frame = _parse_csv(label, _decode(label, data).encode("utf-8"), separator)
    return _table_file(table, label, digest, frame)


class _NotUtf8(Exception):
    pass


class _Ragged(Exception):
    pass


# A quoted field (its quote opening the field, "" inside it) or a carriage return that ends a
# line on its own, as old Mac programs write them.
_QUOTED_OR_LONE_CR = re.compile(rb'(?:(?<=[\r\n;,\t])|^)"(?:[^"]|"")*"|\r(?!\n)')


def _lone_cr_as_newline(data: bytes) -> bytes:
    """Line ends of a lone CR read as LF (else the whole file is one header line); a CR inside
    a quoted field is text and stays. Two counts keep the usual LF and CRLF files a fast pass."""
    if data.count(b"\r") == data.count(b"\r\n"):
        return data
    return _QUOTED_OR_LONE_CR.sub(lambda m: b"\n" if m.group() == b"\r" else m.group(), data)


def _parse_csv(label: str, text: bytes, separator: str) -> pl.DataFrame:
    try:
        return _read_csv(label, text, separator, truncate_ragged_lines=False)
    except _Ragged:
        # Cells beyond the header belong to no column: a row with text there (often a
        # separator typed into an unquoted cell, shifting every cell after it) refuses the
        # file; empty trailing cells lose nothing and are cut.
        _refuse_ragged(label, _decode(label, text), separator)
        return _read_csv(label, text, separator, truncate_ragged_lines=True)


def _read_csv(
    label: str, text: bytes, separator: str, *, truncate_ragged_lines: bool
) -> pl.DataFrame:
    try:
        return pl.read_csv(
            text,
            separator=separator,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=truncate_ragged_lines,
        )
    except Exception as exc:  # polars raises several error types for malformed input
        if "utf-8" in str(exc).lower():
            raise _NotUtf8 from None
        if "more fields than defined" in str(exc):
            raise _Ragged from None
        raise UnreadableExport("loader.file.not_csv", file=label, reason=_first_line(exc)) from None


def _refuse_ragged(label: str, text: str, separator: str) -> None:
    """The first row with text in a cell beyond the header, named by its spreadsheet row."""
    records = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    width = len(next(records, []))
    for number, record in enumerate(records, start=2):
        if any(cell.strip() for cell in record[width:]):
            raise UnreadableExport(
                "loader.file.ragged",
                file=label,
                row=number,
                cells=len(record),
                width=width,
                separator=repr(separator),
            )


def _refuse_binary(label: str, data: bytes) -> None:
    if not data.strip():
        raise UnreadableExport("loader.file.empty", file=label)
    head = data[:65536]
    # Control characters are looked for in the head only (a regex over the whole file costs),
    # but a NUL anywhere: it is one fast scan, and no text cell may carry it into the warehouse.
    control = re.search(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]", head) or b"\x00" in data
    if head.startswith(_BINARY_MAGIC) or control:
        raise UnreadableExport("loader.file.binary_csv", file=label)


def _decode(label: str, data: bytes) -> str:
    """UTF-8, else Windows-1252 (Danish Excel's 'CSV (semikolonsepareret)'), line by line when
    a Windows-1252 file holds UTF-8 lines too (rows pasted in from another program), so that
    'Anne Møller' never becomes 'Anne MÃ¸ller'."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not _UTF8_MULTIBYTE.search(data):
        return _decode_cp1252(label, data)
    return "".join(_decode_line(label, line) for line in data.splitlines(keepends=True))


# A UTF-8 encoded non-ASCII character; Danish Windows-1252 text practically never has one.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _decode_line(label: str, line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_cp1252(label, line)


def _decode_cp1252(label: str, data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableExport("loader.file.undecodable", file=label) from None


def _separator(header: str) -> str:
    """The delimiter that splits the header most: ';', tab or ',' (quoted text not counted)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _table_file(
    table: str,
    label: str,
    digest: str,
    frame: pl.DataFrame,
    refusal: str = "loader.file.no_known_columns_csv",
) -> TableFile:
    if frame.width == 0 or not any(canonical_column(h, table) for h in frame.columns):
        raise UnreadableExport(refusal, file=label)
    # The header is spreadsheet row 1, so data row i (0-based) is row i + 2.
    limits.check_cells(label, frame)
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(SOURCE_ROW))
    return TableFile(table, label, digest, _tidy(_masked_headers(frame)))


def _masked_headers(frame: pl.DataFrame) -> pl.DataFrame:
    """Every header with its CPR-like numbers masked, whatever the reader made of the file.

    A header is stored (ignored columns, the keys of raw_values), and a file read with the wrong
    line endings makes every cell a header. Two headers that mask alike are told apart the way
    polars tells identical headers apart.
    """
    names: list[str] = []
    for header in frame.columns:
        name = mask_cpr(header)
        candidate, n = name, 0
        while candidate in names:
            candidate, n = f"{name}_duplicated_{n}", n + 1
        names.append(candidate)
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _tidy(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim every cell, whitespace-only -> null, drop all-empty rows (rule 1).

    Most columns of a real export hold no cell that trimming changes: one pass asks which do,
    and only those are rewritten (rewriting every column cost more than reading the file); the
    rows are filtered only when one is empty (a filter copies every column)."""
    cells = [c for c in frame.columns if c != SOURCE_ROW]
    if not cells:
        return frame.clear()
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in cells)
    changes = frame.select(_changed_by_trim(c).any().alias(c) for c in cells).row(0)
    trimmed = [c for c, changed in zip(cells, changes, strict=True) if changed]
    if trimmed:
        frame = frame.with_columns(
            pl.when(pl.col(c).str.strip_chars().str.len_bytes() > 0)
            .then(pl.col(c).str.strip_chars())
            .alias(c)
            for c in trimmed
        )
    if frame.select(pl.all_horizontal(pl.col(c).is_null() for c in cells).any()).item():
        frame = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in cells))
    return frame


def _changed_by_trim(column: str) -> pl.Expr:
    """True for a cell that trimming changes: empty, or with whitespace at either end."""
    length = pl.col(column).str.len_bytes()
    return (length == 0) | (pl.col(column).str.strip_chars().str.len_bytes() != length)


# ---------------------------------------------------------------------------------------------
# XLSX


def _read_workbook(
    label: str, data: bytes
) -> tuple[list[TableFile], list[tuple[str, dict]], list[str]]:
    import fastexcel  # imported here: only workbooks need it

    limits.check_workbook(label, data)
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except Exception as exc:  # calamine reports corrupt files with several error types
        raise UnreadableExport(
            "loader.file.not_xlsx", file=label, reason=_first_line(exc)
        ) from None
    tables: list[TableFile] = []
    metas: list[tuple[str, ExportMetadata]] = []
    ignored: list[str] = []
    errors = _error_cells(data, {s for s in sheet_names if table_for_name(_nfc(s))})
    for sheet in sheet_names:
        sheet_label = f"{label}:{mask_cpr(sheet)}"
        table = table_for_name(_nfc(sheet))
        is_meta = fold(sheet) in METADATA_NAMES
        if table is None and not is_meta:
            ignored.append(sheet_label)
            continue
        frame = _sheet_frame(reader, sheet, sheet_label)
        if is_meta:
            metas.append((sheet_label, _sheet_metadata(sheet_label, frame)))
            continue
        frame = _with_error_cells(frame, errors.get(sheet, {}))
        digest = hashlib.sha256(data + b":" + sheet.encode("utf-8")).hexdigest()
        tables.append(
            _table_file(table, sheet_label, digest, frame, "loader.file.no_known_columns_sheet")
        )
    return tables, metas, ignored


def _sheet_frame(reader, sheet: str, label: str) -> pl.DataFrame:
    """A sheet with every cell as text: numbers as '7' or '7.5', date cells as ISO dates."""
    try:
        frame = reader.load_sheet(sheet, header_row=0, dtypes="string").to_polars()
    except Exception as exc:
        raise UnreadableExport(
            "loader.file.unreadable", file=label, reason=_first_line(exc)
        ) from None
    frame = frame.select(pl.all().cast(pl.String))
    _refuse_control_cells(label, frame)
    return frame


# What a CSV file may not hold either (`_refuse_binary`): NUL and the C0 controls but tab, line
# ends, form feed and ESC. A workbook cell gets them from the `_xHHHH_` escapes, which calamine
# decodes ('_x0000_' is a NUL byte), so they would reach the warehouse's text columns.
_CONTROL = "[\x00-\x08\x0e-\x1a\x1c-\x1f]"


def _refuse_control_cells(label: str, frame: pl.DataFrame) -> None:
    control = re.compile(_CONTROL)
    found = any(control.search(header) for header in frame.columns) or (
        frame.width > 0
        and frame.select(pl.any_horizontal(pl.all().str.contains(_CONTROL).any())).item()
    )
    if found:
        raise UnreadableExport("loader.file.binary_sheet", file=label)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)\bt=[\"']e[\"']([^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_CELL_REF = re.compile(rb"\br=[\"']([A-Z]+)([0-9]+)[\"']")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Z]+)([0-9]+)")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _error_cells(data: bytes, sheets: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Error cells (#DIV/0!, #N/A...) of the named sheets, by (row, column) from the sheet's
    top-left cell. calamine reads them as blank, which would pass a failed formula off as a
    missing value; the sheet XML still holds the error text."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = set(zf.namelist())
            workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
            found = {}
            for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
                target = targets.get(sheet.get(f"{_DOC_REL_NS}id"), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if sheet.get("name") in sheets and part in parts:
                    found[sheet.get("name")] = _sheet_error_cells(zf.read(part))
            return found
    except (*limits.ZIP_ERRORS, KeyError, ElementTree.ParseError):
        return {}  # calamine read the workbook; without these parts there is nothing to add


def _sheet_error_cells(xml: bytes) -> dict[tuple[int, int], str]:
    if b't="e"' not in xml and b"t='e'" not in xml:  # the usual sheet: one fast scan
        return {}
    origin = _DIMENSION.search(xml)
    top, left = (int(origin.group(2)), _column_number(origin.group(1))) if origin else (1, 1)
    cells = {}
    for match in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(match.group(1) + match.group(2))
        value = _VALUE.search(match.group(3))
        if ref and value:
            position = (int(ref.group(2)) - top, _column_number(ref.group(1)) - left)
            cells[position] = html.unescape(value.group(1).decode("utf-8", "replace"))
    return cells


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _with_error_cells(frame: pl.DataFrame, errors: dict[tuple[int, int], str]) -> pl.DataFrame:
    """The sheet with its error cells' text where calamine left them blank (the header is
    row 0 of the sheet, so data row i is frame row i - 1)."""
    by_column: dict[int, dict[int, str]] = {}
    for (row, column), text in errors.items():
        if 1 <= row <= frame.height and 0 <= column < frame.width:
            by_column.setdefault(column, {})[row - 1] = text
    return frame.with_columns(
        pl.coalesce(
            pl.col(frame.columns[column]),
            pl.int_range(pl.len()).replace_strict(
                list(texts), list(texts.values()), default=None, return_dtype=pl.String
            ),
        ).alias(frame.columns[column])
        for column, texts in by_column.items()
    )


def _sheet_metadata(label: str, frame: pl.DataFrame) -> ExportMetadata:
    columns = {fold(c): c for c in frame.columns}
    if "felt" not in columns or "vaerdi" not in columns:
        raise UnreadableExport("loader.file.sheet_columns", file=label)
    pairs = frame.select(columns["felt"], columns["vaerdi"]).rows()
    return _metadata(label, [(str(k).strip(), v) for k, v in pairs if k is not None])


def _first_line(exc: Exception) -> str:
    # a parser's message may quote a cell; UnreadableExport masks it
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__


def rejected_row_subject(table_name: str, raw_values: str | None) -> tuple[str | None, str | None]:
    """(municipality code, case id) a rejected row names, read with the export's header rules.

    `raw_values` is the JSON of the row's original cells (etl.rejected_rows); erased rows keep no
    values, so nothing ties them to anyone. A measurement row names only its case.
    """
    table = table_for_name(table_name)
    if not raw_values or table is None:
        return None, None
    cells = {
        canonical_column(header, table): value for header, value in json.loads(raw_values).items()
    }
    code = cells.get("kommunekode")
    return (parse_municipality_code(code.strip()) if code else None), cells.get("forloeb_id")
