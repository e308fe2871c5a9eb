"""Load benchmark: synthesise an export, then time `lat load` against DuckDB's own read_csv.

    python -m benchmarks.load --cases 100000
    python -m benchmarks.load --cases 1500                # a realistic corps export
    python -m benchmarks.load --cases 1000000 --skip-floor --skip-monthly
    python -m benchmarks.load --cases 100000 --repeat 5   # medians on a busy machine

Both sides are timed as whole processes, Python start-up and imports included, because that is
what a coordinator waits for: `lat load FOLDER --db FILE` as a subprocess, against a bare Python
process that reads the same four CSV files into a DuckDB file with read_csv (all_varchar, no
validation). Prints both wall and CPU times, rows per second, each process's peak memory and the
ratio (issue 7: at most 3x).

Two loads are timed: the first load of the export into a new warehouse (the one the ratio is of),
and a monthly load: the next month's export (the same corps exported a month later, so nearly
every row is new or changed) into a copy of the warehouse the first export made, which is what
a coordinator runs every month.

The children run as an installed `lat` runs on a user's machine: with PYTHONDONTWRITEBYTECODE
removed from their environment, and after one untimed warm-up run of each side, so Python reads
the modules' compiled .pyc files instead of compiling every .py source again (on a user's install
the first run writes them) and the files are in the page cache for both sides alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

TABLE_FILES = ("forloeb.csv", "medarbejdere.csv", "maalinger.csv", "progression.csv")


def synthesise(out_dir: Path, cases: int, seed: int) -> int:
    """Write the export once per (cases, seed); returns the number of data rows."""
    marker = out_dir / ".complete"
    if not marker.exists():
        from etl.synth import write_synthetic_export

        write_synthetic_export(out_dir, cases=cases, seed=seed)
        marker.write_text("ok")
    return sum(_data_rows(out_dir / name) for name in TABLE_FILES)


def _data_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


@dataclass
class Timing:
    seconds: float
    peak_mib: float
    cpu_seconds: float  # user + system: less swayed than wall time by neighbours on the machine


def child_environment() -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE: a user's `lat` reads compiled .pyc
    files after its first run, and a sandbox that forbids writing them would time compiling."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_process(argv: list[str], env: dict[str, str] | None = None) -> Timing:
    """Wall time and peak RSS of one child process, from fork to exit."""
    with tempfile.TemporaryFile() as output:  # a file, not a pipe: a long report cannot block
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=env)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in earlier children)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            output.seek(0)
            raise SystemExit(
                f"benchmark step {argv[1:3]} exited {child.returncode}:\n"
                f"{output.read().decode(errors='replace')[-2000:]}"
            )
    return Timing(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


FLOOR = """
import sys
from pathlib import Path
import duckdb
folder = Path(sys.argv[1])
con = duckdb.connect(sys.argv[2])
for i, name in enumerate(["forloeb.csv", "medarbejdere.csv", "maalinger.csv", "progression.csv"]):
    con.execute(f"create table t{i} as select * from read_csv($p, all_varchar = true)",
                {"p": str(folder / name)})
con.close()
"""


def lat_command() -> list[str]:
    """The installed `lat` beside this interpreter, else the same entry point through -m."""
    script = Path(sys.executable).with_name("lat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _floor(export: Path, work: Path) -> Timing:
    target = work / "floor.duckdb"
    target.unlink(missing_ok=True)
    try:
        return timed_process(
            [sys.executable, "-c", FLOOR, str(export), str(target)], child_environment()
        )
    finally:
        target.unlink(missing_ok=True)


def _lat_load(export: Path, warehouse: Path, start_from: Path | None = None) -> Timing:
    """A load into a new warehouse, or into a fresh copy of `start_from` (the copy is made
    before the clock starts); the key file beside them is kept between runs."""
    warehouse.unlink(missing_ok=True)
    if start_from is not None:
        shutil.copyfile(start_from, warehouse)
    try:
        return timed_process(
            [*lat_command(), "load", str(export), "--db", str(warehouse)], child_environment()
        )
    finally:
        warehouse.unlink(missing_ok=True)


def _month_before(export: Path, cases: int, seed: int) -> Path:
    """The warehouse the first export makes, built once per (cases, seed, SQL) and kept."""
    from warehouse.db import schema_version

    built = export.parent / f"base-{cases}-{seed}-{schema_version()}.duckdb"
    if not built.exists():
        building = built.with_name(built.name + ".building")
        building.unlink(missing_ok=True)
        timed_process([*lat_command(), "load", str(export), "--db", str(building)])
        building.rename(built)
    return built


def _next_month(work: Path, cases: int, seed: int) -> Path:
    """The export of the month after: the same corps exported NEXT_MONTH_DAYS later."""
    from etl.synth import EXPORT_DATE, write_synthetic_export

    out_dir = work / f"export-{cases}-{seed}-next"
    marker = out_dir / ".complete"
    if not marker.exists():
        later = EXPORT_DATE + timedelta(days=NEXT_MONTH_DAYS)
        write_synthetic_export(out_dir, cases=cases, seed=seed, exported_at=later)
        marker.write_text("ok")
    return out_dir


NEXT_MONTH_DAYS = 30


def _print_load(label: str, load: Timing, rows: int) -> None:
    print(
        f"{label}: {load.seconds:.2f} s wall, {load.cpu_seconds:.2f} s cpu, "
        f"{rows / load.seconds:,.0f} rows/s, peak memory {load.peak_mib:,.0f} MiB"
    )


def _median(runs: list[Timing]) -> Timing:
    """The run of median wall time: on a shared machine one run can be far off."""
    return sorted(runs, key=lambda t: t.seconds)[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--skip-monthly", action="store_true", help="time only the first load, not the monthly"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side; medians are printed"
    )
    args = parser.parse_args(argv)

    export = args.work / f"export-{args.cases}-{args.seed}"
    export.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = synthesise(export, args.cases, args.seed)
    print(
        f"export: {args.cases:,} cases, {rows:,} data rows in {export} "
        f"(ready in {time.perf_counter() - start:.1f} s)"
    )

    warehouse = args.work / f"bench-{args.cases}.duckdb"
    monthly = None
    if not args.skip_monthly:
        monthly = (
            _next_month(args.work, args.cases, args.seed),
            _month_before(export, args.cases, args.seed),
        )
        monthly_rows = synthesise(monthly[0], args.cases, args.seed)
    # warm-up, untimed: the children's .pyc files are written and the files are read once
    if not args.skip_floor:
        _floor(export, args.work)
    _lat_load(export, warehouse)
    floors: list[Timing] = []
    loads: list[Timing] = []
    monthly_loads: list[Timing] = []
    for _ in range(max(args.repeat, 1)):
        # interleaved, so a neighbour's burst of work slows both sides of a pair alike
        if not args.skip_floor:
            floors.append(_floor(export, args.work))
        loads.append(_lat_load(export, warehouse))
        if monthly is not None:
            monthly_loads.append(_lat_load(monthly[0], warehouse, start_from=monthly[1]))
    print("children: whole processes, .pyc files allowed, after one warm-up run of each side")
    if floors:
        floor = _median(floors)
        print(
            f"floor (python + duckdb read_csv, all_varchar): {floor.seconds:.2f} s wall, "
            f"{floor.cpu_seconds:.2f} s cpu, peak memory {floor.peak_mib:,.0f} MiB"
        )
    _print_load("lat load, first load into a new warehouse", _median(loads), rows)
    if floors:
        ratios = sorted(lo.seconds / fl.seconds for lo, fl in zip(loads, floors, strict=True))
        cpu = sorted(lo.cpu_seconds / fl.cpu_seconds for lo, fl in zip(loads, floors, strict=True))
        print(
            f"ratio to floor: {ratios[len(ratios) // 2]:.1f}x wall, {cpu[len(cpu) // 2]:.1f}x cpu "
            f"(medians of {len(ratios)} pairs)"
        )
    if monthly_loads:
        _print_load(
            "lat load, the next month's export into that warehouse",
            _median(monthly_loads),
            monthly_rows,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
