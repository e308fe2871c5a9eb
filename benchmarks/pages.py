"""Page benchmark: each dashboard page's server-side run, cold and warm, on a large warehouse.

    python -m benchmarks.pages --cases 100000 [--pages case,worker]
    python -m benchmarks.pages --cases 100000 --warm   # as `lat serve` starts: warmed first

Builds (once, reused after) a warehouse from a synthetic export of N cases through the real ETL,
then, for every page, in a fresh process signed in as a national user (the case and worker pages
also as the coordinator of the record's municipality), times three things:
- fresh process: the page's first run after start-up, wall and CPU time (libraries imported,
  but the app's own modules, Altair's schema and the warehouse attach are new); with `--warm`,
  after what `lat serve` does before it accepts a session (app/warmup.py), timed apart as
  "warm-up";
- cold cache: the run after the query cache is emptied and the warehouse attached anew, which is
  what the first viewer after a new load meets in a running server (wall and CPU time: the
  process's, all threads, which neighbours on a shared machine sway least);
- warm: the median of five further runs (target: at most 300 ms), and the median CPU time of
  five more (the process's, all threads: less swayed by neighbours on a shared machine);
and the most data rows any one chart of the page ships (limit: 5,000, `app.charts.MAX_POINTS`).
Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.load import synthesise

REPO = Path(__file__).resolve().parents[1]

RUN_PAGE = """
import json, statistics, sys, time
import altair, duckdb, polars, streamlit as st  # imported before timing, as in a running server
from harness.apptest import element_frames, signed_in_app
role, record_id, municipality = sys.argv[2], sys.argv[3], sys.argv[4]
at = signed_in_app(role, municipalities=(municipality,) if municipality else ())
warming = time.perf_counter()
if sys.argv[5] == "warm":
    from app.warmup import warm
    warm()
warming = time.perf_counter() - warming
if record_id:  # a case or worker page: the id rides in the URL, as in a link
    at.query_params["id"] = record_id
at.switch_page(sys.argv[1])
def timed():
    start = time.perf_counter()
    at.run(timeout=120)
    return time.perf_counter() - start
def cpu_timed():  # the process's CPU time: what neighbours on a shared machine sway least
    start = time.process_time()
    at.run(timeout=120)
    return time.process_time() - start
def both_timed():  # wall and CPU time of one run
    start, cpu = time.perf_counter(), time.process_time()
    at.run(timeout=120)
    return time.perf_counter() - start, time.process_time() - cpu
first, first_cpu = both_timed()
failed = bool(at.exception)
# a new load in a running server: every query misses the cache and the file is attached anew
st.cache_data.clear()
st.cache_resource.clear()
cold, cold_cpu = both_timed()
warm = statistics.median(timed() for _ in range(5))
warm_cpu = statistics.median(cpu_timed() for _ in range(5))
points = max((sum(f.height for f in element_frames(c)) for c in at.get("vega_lite_chart")),
             default=0)
print(json.dumps({"warming": warming, "first": first, "cold": cold, "warm": warm,
                  "first_cpu": first_cpu, "cold_cpu": cold_cpu,
                  "warm_cpu": warm_cpu, "failed": failed, "points": points}))
"""


# the pages about one record, measured on a busy record of the warehouse, as national and as the
# coordinator of its municipality: (url path, SQL giving the id and its municipality)
RECORD_PAGES = {
    "case": "select case_id, municipality_code from mart.attention "
    "order by priority, days_since_last desc nulls last, case_id limit 1",
    "worker": "select worker_id, municipality_code from mart.workers "
    "order by active_cases desc, worker_id limit 1",
}


def _record(db: Path, sql: str) -> tuple[str, str]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()


def _runs(db: Path) -> list[tuple[str, str, str, str, str]]:
    """(label, page file, role, record id, municipality) of every measured run."""
    from app.streamlit_app import PAGES

    runs = []
    for file_name, _, url in PAGES:
        if url not in RECORD_PAGES:
            runs.append((url, file_name, "national", "", ""))
            continue
        record_id, municipality = _record(db, RECORD_PAGES[url])
        runs.append((url, file_name, "national", record_id, ""))
        runs.append((f"{url} (coord.)", file_name, "coordinator", record_id, municipality))
    return runs


def build_warehouse(work: Path, cases: int, seed: int) -> Path:
    """The warehouse of N synthetic cases, built once per version of the warehouse's SQL: a file
    built by other SQL (another branch, an older commit) is not reused, since its marts differ."""
    from warehouse.db import schema_version

    db = work / f"pages-{cases}-{seed}-{schema_version()}.duckdb"
    if db.exists():
        return db
    export = work / f"export-{cases}-{seed}"
    export.mkdir(parents=True, exist_ok=True)
    synthesise(export, cases, seed)
    from etl.load import load_exports

    building = db.with_name(f".{db.name}.building")  # an interrupted build is not reused
    building.unlink(missing_ok=True)
    load_exports([str(export)], building)
    building.rename(db)
    return db


def prepared_warehouse(argv: list[str] | None, description: str) -> Path:
    """The benchmark warehouse of the command line's --cases/--seed/--work (built once)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LAT_PSEUDONYM_KEY", "benchmark-key")
    db = build_warehouse(args.work, args.cases, args.seed)
    print(f"warehouse: {db} ({args.cases:,} cases)")
    return db


def main(argv: list[str] | None = None) -> int:
    chosen = argparse.ArgumentParser(add_help=False)
    chosen.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    chosen.add_argument("--warm", action="store_true", help="warm up first, as lat serve does")
    only, rest = chosen.parse_known_args(argv)
    db = prepared_warehouse(rest, __doc__.splitlines()[0])
    wanted = {name for name in only.pages.split(",") if name}

    env = {**os.environ, "LAT_DB": str(db)}
    print("ms per server-side run of a page (national viewer unless marked, no filters; the")
    print("case and worker pages on the first case of the attention queue / the busiest worker):")
    print(
        f"{'page':<20} {'warm-up':>8} {'fresh process':>14} {'(CPU)':>6} {'cold cache':>11}"
        f" {'(CPU)':>6} {'warm':>7} {'warm CPU':>9} {'max points':>11}"
    )
    for url, file_name, role, record_id, municipality in _runs(db):
        if wanted and url.split(" ")[0] not in wanted:
            continue
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                RUN_PAGE,
                str(REPO / "pages" / file_name),
                role,
                record_id,
                municipality,
                "warm" if only.warm else "cold",
            ],  # fmt: skip
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{url:<20} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        note = "  (the page raised an exception)" if result["failed"] else ""
        warming, first, first_cpu, cold, cold_cpu, warm, warm_cpu = (
            result[k] * 1000
            for k in ("warming", "first", "first_cpu", "cold", "cold_cpu", "warm", "warm_cpu")
        )
        points = result["points"]
        print(
            f"{url:<20} {warming:>8.0f} {first:>14.0f} {first_cpu:>6.0f} {cold:>11.0f}"
            f" {cold_cpu:>6.0f} {warm:>7.0f} {warm_cpu:>9.0f} {points:>11,}{note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
