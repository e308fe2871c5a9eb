"""`lat load` fuzzed (issue 13 section 3): generated malformed exports (random bytes; truncated,
nested, path-traversing, lying and highly compressed ZIPs; workbooks with broken parts, formulas
and huge sheets; CSV files with NUL bytes, unbalanced quotes, mixed encodings, huge cells,
thousands of columns and repeated headers; symbolic links and FIFOs in folder exports).

Each is loaded by one long-lived worker process under an address-space limit (`MEMORY_LIMIT`),
which runs `lat load` in-process on a warehouse that already holds an export, and reports the exit
code, the output, how long it took and whether the warehouse's files changed. Every case must exit
0 or 2 (2 where the contract says it is refused), print no traceback, leave the warehouse byte for
byte as it was on exit 2 and finish within `CASE_SECONDS`; a Rust panic, a MemoryError or a crash
of the worker fails the test. The worker reads with the limits scaled down (`SCALED_LIMITS`), so
that inputs beyond every limit are small enough to generate by the hundred; the issue's own files
at the default limits are in tests/etl/test_reader_limits.py.

The number of cases is fixed (`EXAMPLES`, derandomised, so CI runs the same cases every time);
the module prints how many ran.
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.exports import CASE_COLUMNS, PROGRESSION_COLUMNS, case, write_export

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 2**20  # bytes of address space for the worker, imports included
CASE_SECONDS = 30  # per case, on a busy two-core machine
EXAMPLES = 35  # per strategy below; six strategies
MIB = 2**20

SCALED_LIMITS = {
    "LAT_MAX_FILE_BYTES": str(2 * MIB),
    "LAT_MAX_EXPORT_BYTES": str(5 * MIB),
    "LAT_MAX_ZIP_RATIO": "100",
    "LAT_MAX_ZIP_MEMBERS": "50",
    "LAT_MAX_COLUMNS": "100",
    "LAT_MAX_ROWS": "5000",
    "LAT_MAX_CELLS": "100000",
    "LAT_MAX_CELL_BYTES": "2048",
}

_WORKER = textwrap.dedent(
    """
    import contextlib, hashlib, io, json, os, resource, sys, time, traceback
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from cli.main import main

    def digest(folder):
        h = hashlib.sha256()
        for root, dirs, files in sorted(os.walk(folder)):
            for name in sorted(files):
                path = os.path.join(root, name)
                h.update(path.encode() + b"\\0")
                with open(path, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
        return h.hexdigest()

    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        db = request["db"]
        before = digest(os.path.dirname(db))
        stdout, stderr = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(["load", request["path"], "--db", db])
        except BaseException:  # a panic from Rust is a BaseException: report it, then stop
            code = "uncaught: " + traceback.format_exc()[-3000:]
        seconds = time.perf_counter() - start
        reply = {
            "code": code,
            "out": stdout.getvalue()[-4000:],
            "err": stderr.getvalue()[-4000:],
            "changed": digest(os.path.dirname(db)) != before,
            "seconds": seconds,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "vm": open("/proc/self/status").read().split("VmSize:")[1].split()[0],
        }
        out.write(json.dumps(reply) + "\\n")
        out.flush()
        if not isinstance(code, int):
            break
    """
)


class Worker:
    def __init__(self, folder: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAT_")}
        env.update(SCALED_LIMITS)
        # glibc gives each thread its own 64 MB malloc arena, which counts against the address
        # space (not against memory in use); two keep the limit about memory
        env["MALLOC_ARENA_MAX"] = "2"
        self.stderr = (folder / "worker.stderr").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(MEMORY_LIMIT)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.db = folder / "wh" / "warehouse.duckdb"
        self.cases = 0
        self.peak_mib = 0.0
        self.slowest = 0.0
        self.log: list[tuple[int, float, int]] = []

    def load(self, path: Path) -> dict:
        import select

        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"path": str(path), "db": str(self.db)}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], CASE_SECONDS)
        if not ready:
            self.process.kill()
            pytest.fail(f"{path.name}: took more than {CASE_SECONDS} s")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.stderr.seek(0)
            pytest.fail(
                f"{path}: the worker died (exit {self.process.returncode}): "
                + self.stderr.read()[-3000:]
            )
        reply = json.loads(line)
        self.log.append((reply["code"], reply["seconds"], int(reply["vm"])))
        self.cases += 1
        self.peak_mib = max(self.peak_mib, reply["peak_mib"])
        self.slowest = max(self.slowest, reply["seconds"])
        return reply

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        self.stderr.seek(0)
        self.fd_stderr = self.stderr.read()
        self.stderr.close()


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    running = Worker(folder)
    baseline = write_export(folder / "baseline", "2024-06-30", cases=[case("BASE1")])
    first = running.load(baseline)
    assert first["code"] == 0, first
    yield running
    running.close()
    print(
        f"\nfuzz: {running.cases - 1} cases ran, peak memory {running.peak_mib:.0f} MiB, "
        f"slowest {running.slowest:.1f} s"
    )
    for code in (0, 2):
        times = [s for c, s, _ in running.log if c == code]
        print(f"exit {code}: {len(times)} cases, {sum(times):.1f} s")
    print("max VmSize MiB", max(v for _, _, v in running.log) / 1024)
    # a Rust panic or allocator failure prints to the process's own stderr, past Python
    assert "panicked" not in running.fd_stderr and "Traceback" not in running.fd_stderr, (
        running.fd_stderr[-3000:]
    )


_counter = iter(range(10**9))


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cases")


@dataclass
class Case:
    """An export to build; `refused` is None when it may load (exit 0 or 2), else a text its one
    line of refusal must hold ('' for any)."""

    what: str
    build: Callable[[Path], Path]
    refused: str | None = None


def run_case(worker: Worker, cases_dir: Path, item: Case) -> None:
    folder = cases_dir / f"c{next(_counter)}"
    folder.mkdir()
    path = item.build(folder)
    outside = sorted(p.name for p in cases_dir.parent.iterdir())
    reply = worker.load(path)
    code, out, err = reply["code"], reply["out"], reply["err"]
    context = f"{item.what}: exit {code}\n{out}\n{err}"
    assert code in (0, 2), context
    assert "Traceback" not in out + err, context
    assert reply["seconds"] < CASE_SECONDS, context
    if item.refused is not None:
        assert code == 2, context
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("IKKE INDLÆST: "), context
        assert item.refused is None or item.refused in lines[0], context
        assert not reply["changed"], "exit 2 changed the warehouse: " + context
    # nothing is unpacked beside the export (a '../' member name stays a name)
    assert sorted(p.name for p in cases_dir.parent.iterdir()) == outside, context


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
)

# ------------------------------------------------------------------ building blocks


def _cases_text(n: int, sep: str = ";") -> str:
    rows = [case(f"F{i}") for i in range(n)]
    return "\n".join([sep.join(CASE_COLUMNS)] + [sep.join(r.values()) for r in rows]) + "\n"


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def _workbook(rows: list[list[object]], sheet: str = "forloeb", formulas: bool = False) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if formulas and r and c == 6:
                worksheet.write_formula(r, c, value if str(value).startswith("=") else "=1/0")
            else:
                worksheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def _case_rows(n: int) -> list[list[object]]:
    return [CASE_COLUMNS] + [list(case(f"F{i}").values()) for i in range(n)]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


_SHEET_HEAD = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>forloeb_id</t></is></c>'
    b"</row>"
)
_SHEET_TAIL = b"</sheetData></worksheet>"


# ------------------------------------------------------------------ strategies


@st.composite
def random_files(draw) -> Case:
    data = draw(st.binary(max_size=4096))
    name = draw(
        st.sampled_from(
            ["forloeb.csv", "data.xlsx", "data.zip", "dir/forloeb.csv", "dir/eksport.json"]
        )
    )
    magic = draw(st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xef\xbb\xbf"]))

    def build(folder: Path) -> Path:
        path = _write(folder, name, magic + data)
        return path.parent if name.startswith("dir/") else path

    return Case(f"random bytes as {name}", build)


@st.composite
def csv_files(draw) -> Case:
    rows = draw(st.integers(0, 40))
    sep = draw(st.sampled_from([";", ",", "\t"]))
    text = _cases_text(rows, sep)
    lines = text.splitlines(keepends=True)
    mutation = draw(
        st.sampled_from(
            [
                "nul",
                "quote",
                "encodings",
                "huge-cell",
                "many-columns",
                "repeated-headers",
                "line-ends",
                "many-rows",
                "long-header",
            ]
        )
    )
    refused = None
    rng = random.Random(draw(st.integers(0, 2**32)))
    data = text.encode()
    if mutation == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" * draw(st.integers(1, 3)) + data[at:]
        refused = "binære data"
    elif mutation == "quote":
        for _ in range(draw(st.integers(1, 5))):
            at = rng.randrange(len(data) + 1)
            data = data[:at] + b'"' + data[at:]
    elif mutation == "encodings":
        encoded = []
        for line in lines:
            line = line.replace("B-F", rng.choice(["Ærø-", "Møller-", "€-", "ø\u200b-"]))
            encoding = rng.choice(["utf-8", "cp1252", "latin-1", "utf-16", "garbage"])
            if encoding == "garbage":
                encoded.append(bytes(rng.randrange(128, 256) for _ in range(8)) + b"\n")
            else:
                encoded.append(line.encode(encoding, "replace"))
        data = b"".join(encoded)
    elif mutation == "huge-cell":
        size = draw(st.sampled_from([2040, 2048, 2049, 5000, 300_000, 3 * MIB]))
        cell = rng.choice(["x", "ø", '"'])
        value = cell * (size // len(cell.encode()))
        body = value.replace('"', '""')
        data = (text + sep.join(["F-huge", "101", "mentor", "W1", f'"{body}"']) + "\n").encode()
        if len(data) > 2 * MIB:
            refused = "filen er for stor"
        elif len(value.encode()) > 2048:
            refused = "en celle er længere"
    elif mutation == "many-columns":
        extra = draw(st.integers(0, 3000))
        header = sep.join(CASE_COLUMNS + [f"x{i}" for i in range(extra)])
        data = ("\n".join([header] + lines[1:]) + "\n").encode()
        if len(CASE_COLUMNS) + extra > 100:
            refused = "kolonner"
    elif mutation == "repeated-headers":
        columns = CASE_COLUMNS + draw(st.lists(st.sampled_from(CASE_COLUMNS), max_size=5))
        header = sep.join(rng.sample(columns, len(columns)))
        data = ("\n".join([header] + lines[1:]) + "\n").encode()
    elif mutation == "line-ends":
        data = text.replace("\n", rng.choice(["\r", "\r\n", "\n\r", "\r\r\n"])).encode()
    elif mutation == "many-rows":
        n = draw(st.sampled_from([4999, 5000, 5001, 20_000]))
        data = ("forloeb_id;dato;score\n" + "F1;2024-01-01;5\n" * n).encode()
        if n > 5000:
            refused = "rækker"
        return Case(f"csv {mutation} {n}", lambda f: _write(f, "progression.csv", data), refused)
    elif mutation == "long-header":
        data = ("forloeb_id;" + "y" * draw(st.sampled_from([100, 3000])) + "\nF1;1\n").encode()
        refused = "" if len(data) > 2100 else None
    name = draw(st.sampled_from(["forloeb.csv", "Forløb.CSV", "cases.csv"]))
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return Case(f"csv {mutation} as {name}", lambda f: _write(f, name, data), refused)


def _lie(data: bytes, declared: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, out.find(b"PK\x03\x04") + 22, declared)
    struct.pack_into("<I", out, out.find(b"PK\x01\x02") + 24, declared)
    return bytes(out)


@st.composite
def zip_files(draw) -> Case:
    kind = draw(
        st.sampled_from(
            [
                "truncated",
                "nested",
                "traversal",
                "bomb",
                "lying",
                "many",
                "corrupt",
                "flags",
                "xlsx-inside",
            ]
        )
    )
    rng = random.Random(draw(st.integers(0, 2**32)))
    good = [("forloeb.csv", _cases_text(draw(st.integers(1, 30))).encode())]
    refused = None
    if kind == "truncated":
        whole = _zip(good)
        data = whole[: draw(st.integers(0, len(whole) - 1))]
        refused = ""
    elif kind == "nested":
        depth = draw(st.integers(1, 4))
        data = _zip(good)
        for _ in range(depth):
            data = _zip([(rng.choice(["inner.zip", "forloeb.zip", "a/b.zip"]), data)])
        refused = "ingen tabel"
    elif kind == "traversal":
        names = ["../forloeb.csv", "/tmp/forloeb.csv", "a/../../forloeb.csv", "..\\forloeb.csv"]
        names += ["C:\\forloeb.csv", "./forloeb.csv", "x/../forloeb.csv", "../../../etc/x"]
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        data = _zip([(n, good[0][1]) for n in chosen])
    elif kind == "bomb":
        size = draw(st.sampled_from([int(1.5 * MIB), 3 * MIB, 40 * MIB]))
        filler = rng.choice([b"\x00", b" ", b";", b"a;"])
        header = ";".join(CASE_COLUMNS).encode() + b"\n"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            with zf.open("forloeb.csv", "w") as member:
                member.write(header)
                for _ in range(size // MIB):
                    member.write(filler * (MIB // len(filler)))
                member.write(filler * ((size % MIB) // len(filler)))
        data = buffer.getvalue()
        refused = "filen er for stor" if size > 2 * MIB else "gange sin pakkede"
    elif kind == "lying":
        whole = _zip([("forloeb.csv", _cases_text(500).encode())])
        real = zipfile.ZipFile(io.BytesIO(whole)).infolist()[0].file_size
        declared = draw(st.sampled_from([0, 10, real - 1, real + 1, 2**31]))
        data = _lie(whole, declared)
        refused = "" if declared < real or declared > 2 * MIB else None
    elif kind == "many":
        n = draw(st.sampled_from([48, 49, 51, 500]))
        data = _zip(good + [(f"noter/{i}.txt", b"x") for i in range(n)])
        refused = "filer; højst 50" if n + 1 > 50 else None
    elif kind == "corrupt":
        out = bytearray(_zip(good + [("eksport.json", b'{"exported_at": "2024-06-30"}')]))
        for _ in range(draw(st.integers(1, 8))):
            out[rng.randrange(len(out))] = rng.randrange(256)
        data = bytes(out)
    elif kind == "flags":
        out = bytearray(_zip(good))
        central = out.find(b"PK\x01\x02")
        field, value = rng.choice([(8, 1), (10, 99), (10, 12), (10, 14), (8, 0x40)])
        struct.pack_into("<H", out, central + field, value)  # encrypted, unknown method...
        data = bytes(out)
    else:  # xlsx-inside
        book = _workbook(_case_rows(draw(st.integers(1, 20))))
        data = _zip([("export/forloeb.xlsx", book)])
    return Case(f"zip {kind}", lambda f: _write(f, "eksport.zip", data), refused)


@st.composite
def xlsx_files(draw) -> Case:
    kind = draw(
        st.sampled_from(
            [
                "formulas",
                "drop-part",
                "truncate-part",
                "garbage-part",
                "far-cell",
                "many-rows",
                "no-references",
                "escapes",
                "big-shared-strings",
            ]
        )
    )
    rng = random.Random(draw(st.integers(0, 2**32)))
    rows = _case_rows(draw(st.integers(0, 30)))
    book = _workbook(rows, formulas=kind == "formulas")
    refused = None
    parts = _parts(book)
    sheet = "xl/worksheets/sheet1.xml"
    if kind in ("drop-part", "truncate-part", "garbage-part"):
        name = rng.choice(sorted(parts))
        if kind == "drop-part":
            del parts[name]
        elif kind == "truncate-part":
            parts[name] = parts[name][: rng.randrange(len(parts[name]) + 1)]
        else:
            parts[name] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    elif kind == "far-cell":
        ref = draw(st.sampled_from(["XFD1048576", "A9999999", "ZZZ1", "CV2", "CW2", "A4999"]))
        column = ref.rstrip("0123456789")
        row = int(ref[len(column) :])
        parts[sheet] = (
            _SHEET_HEAD + f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode() + _SHEET_TAIL
        )
        width = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(column)))
        if width > 100 or row - 1 > 5000 or (row - 1) * width > 100_000:
            refused = ""
    elif kind == "many-rows":
        n = draw(st.sampled_from([4990, 5003, 50_000]))
        body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(2, n))
        parts[sheet] = _SHEET_HEAD + body + _SHEET_TAIL
        refused = {4990: None, 5003: "rækker", 50_000: "filen er for stor"}[n]
    elif kind == "no-references":
        n = draw(st.sampled_from([50, 99, 150, 5000]))
        parts[sheet] = _SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * n + b"</row>" + _SHEET_TAIL
        refused = "kolonner" if n > 100 else None
    elif kind == "escapes":
        escape = rng.choice(["_x0000_", "_x0001_", "_x000A_", "_x001F_", "_xD800_"])
        book = _workbook([CASE_COLUMNS, [f"F{escape}"] + list(case("F1").values())[1:]])
        parts = _parts(book)
    else:  # big-shared-strings: many distinct strings, within or past the part limit
        n = draw(st.sampled_from([1000, 40_000]))
        big = [CASE_COLUMNS] + [[f"F{i}-{'x' * 40}"] for i in range(n)]
        parts = _parts(_workbook(big))
        refused = "" if n > 10_000 else None
    data = _zip(sorted(parts.items()))
    name = draw(st.sampled_from(["eksport.xlsx", "Eksport.XLSX"]))
    return Case(f"xlsx {kind}", lambda f: _write(f, name, data), refused)


@st.composite
def folder_exports(draw) -> Case:
    entries = draw(
        st.lists(
            st.sampled_from(
                [
                    "fifo",
                    "link-outside",
                    "link-dev-zero",
                    "link-dev-urandom",
                    "dangling",
                    "link-dir",
                    "link-loop",
                    "dir-named-csv",
                    "hidden",
                    "subfolder",
                ]
            ),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    tables = ["forloeb.csv", "progression.csv", "medarbejdere.csv", "maalinger.csv"]
    names = draw(st.permutations(tables))

    def build(folder: Path) -> Path:
        export = write_export(folder / "export", "2024-06-30", cases=[case("FZ1")])
        secret = _write(folder, "secret.csv", b"forloeb_id;kommunekode\nSECRET;101\n")
        for entry, name in zip(entries, list(names) * 3, strict=False):
            target = export / name
            if target.exists() or target.is_symlink():
                target.unlink()
            if entry == "fifo":
                os.mkfifo(target)
            elif entry == "link-outside":
                target.symlink_to(secret)
            elif entry == "link-dev-zero":
                target.symlink_to("/dev/zero")
            elif entry == "link-dev-urandom":
                target.symlink_to("/dev/urandom")
            elif entry == "dangling":
                target.symlink_to(folder / "nothing.csv")
            elif entry == "link-dir":
                target.symlink_to(folder)
            elif entry == "link-loop":
                target.symlink_to(target)
            elif entry == "dir-named-csv":
                target.mkdir()
            elif entry == "hidden":
                _write(export, "." + name, b"\x00garbage")
            else:
                _write(export, f"sub/{name}", _cases_text(2).encode())
        return export

    return Case(f"folder with {', '.join(entries)}", build)


@st.composite
def progression_csv(draw) -> Case:
    """Rows that may load: random cells under the progression header (the row-level paths)."""
    cell = st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12
    ) | st.sampled_from(["F1", "BASE1", "2024-01-01", "5", "10", "0", "", '"', ";", "1" * 30])
    rows = draw(st.lists(st.tuples(cell, cell, cell), max_size=12))
    lines = [";".join(PROGRESSION_COLUMNS)] + [";".join(r) for r in rows]
    data = ("\n".join(lines) + "\n").encode()
    return Case("progression rows", lambda f: _write(f, "progression.csv", data))


# ------------------------------------------------------------------ the tests


@SETTINGS
@given(random_files())
def test_random_bytes(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


@SETTINGS
@given(csv_files())
def test_malformed_csv(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


@SETTINGS
@given(zip_files())
def test_malformed_zip(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


@SETTINGS
@given(xlsx_files())
def test_malformed_xlsx(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


@SETTINGS
@given(folder_exports())
def test_folder_exports_with_links_and_fifos(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


@SETTINGS
@given(progression_csv())
def test_rows_of_any_text(worker, cases_dir, item):
    run_case(worker, cases_dir, item)


def test_the_fuzz_cases_ran(worker):
    """Runs last in the module: every strategy ran its examples (none was skipped)."""
    assert worker.cases - 1 >= 6 * EXAMPLES * 0.9, worker.cases
