"""Load benchmark: synthesise an export, then time `lat load` against DuckDB's own read_csv.

    python -m benchmarks.load --cases 100000
    python -m benchmarks.load --cases 1000000 --skip-floor

Prints wall time, rows per second, peak memory of the load process, and the ratio to the floor:
DuckDB's read_csv of the same files into a table (all four files, one thread pool, no validation).
Each measurement runs in a fresh process so peak memory is the load's own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
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


def _child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter; it prints a JSON line with its own peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


FLOOR = """
import duckdb, json, resource, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
con = duckdb.connect(sys.argv[2])
start = time.perf_counter()
for i, name in enumerate(["forloeb.csv", "medarbejdere.csv", "maalinger.csv", "progression.csv"]):
    con.execute(f"create table t{i} as select * from read_csv($p, all_varchar = true)",
                {"p": str(folder / name)})
con.close()
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

LOAD = """
import json, resource, sys, time
from pathlib import Path
from etl.load import load_exports
start = time.perf_counter()
load_exports([sys.argv[1]], Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args(argv)

    export = args.work / f"export-{args.cases}-{args.seed}"
    export.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = synthesise(export, args.cases, args.seed)
    print(
        f"export: {args.cases:,} cases, {rows:,} data rows in {export} "
        f"(ready in {time.perf_counter() - start:.1f} s)"
    )

    floor = None
    if not args.skip_floor:
        floor_db = args.work / "floor.duckdb"
        floor_db.unlink(missing_ok=True)
        floor = _child(FLOOR, str(export), str(floor_db))
        floor_db.unlink(missing_ok=True)
        print(f"floor (duckdb read_csv, all_varchar): {floor['seconds']:.2f} s")

    warehouse = args.work / f"bench-{args.cases}.duckdb"
    warehouse.unlink(missing_ok=True)
    load = _child(LOAD, str(export), str(warehouse))
    print(
        f"lat load: {load['seconds']:.2f} s wall, {rows / load['seconds']:,.0f} rows/s, "
        f"peak memory {load['peak_mib']:,.0f} MiB"
    )
    if floor:
        print(f"ratio to floor: {load['seconds'] / floor['seconds']:.1f}x")
    warehouse.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
