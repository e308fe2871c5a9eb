"""Mart benchmark: a full scan of each public mart view on a large warehouse.

    python -m benchmarks.marts --cases 100000

Builds (once, reused after) the same warehouse as benchmarks.pages, then, in a fresh process per
view, attaches it read-only as the dashboard does and times fetching every row of the view
(first scan, then the median of three more). Figures only, no assertions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.pages import prepared_warehouse

REPO = Path(__file__).resolve().parents[1]

SCAN = """
import json, statistics, sys, time
import duckdb
con = duckdb.connect()
con.execute("attach $p as wh (read_only)", {"p": sys.argv[1]})
con.execute("use wh")
query = "select * from mart." + sys.argv[2]
def timed():
    start = time.perf_counter()
    rows = len(con.sql(query).fetch_arrow_table())
    return time.perf_counter() - start, rows
first, rows = timed()
again = statistics.median(timed()[0] for _ in range(3))
print(json.dumps({"first": first, "again": again, "rows": rows}))
"""


def mart_views(db: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select view_name from duckdb_views() where schema_name = 'mart' and not internal "
            "order by view_name"
        ).fetchall()
    return [name for (name,) in rows]


def main(argv: list[str] | None = None) -> int:
    db = prepared_warehouse(argv, __doc__.splitlines()[0])
    print(f"{'view':<24} {'rows':>10} {'first scan ms':>14} {'later ms':>9}")
    for view in mart_views(db):
        done = subprocess.run(
            [sys.executable, "-c", SCAN, str(db), view],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{view:<24} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{view:<24} {result['rows']:>10,} {result['first'] * 1000:>14.0f} "
            f"{result['again'] * 1000:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
