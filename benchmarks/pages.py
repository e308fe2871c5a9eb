"""Page benchmark: each dashboard page's server-side run, cold and warm, on a large warehouse.

    python -m benchmarks.pages --cases 100000
    python -m benchmarks.pages --cases 100000 --warm   # as `lat serve` starts: warmed first

Builds (once, reused after) a warehouse from a synthetic export of N cases through the real ETL,
then, for every page, in a fresh process signed in as a national user, times three things:
- fresh process: the page's first run after start-up (libraries imported, but the app's own
  modules, Altair's schema and the warehouse attach are new); with `--warm`, after what
  `lat serve` does before it accepts a session (app/warmup.py), timed apart as "warm-up";
- cold cache: the run after the query cache is emptied and the warehouse attached anew, which is
  what the first viewer after a new load meets in a running server;
- warm: the median of five further runs (target: at most 300 ms);
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
from tests.app_fixtures import element_frames, signed_in_app
at = signed_in_app("national")
warming = time.perf_counter()
if sys.argv[2] == "warm":
    from app.warmup import warm
    warm()
warming = time.perf_counter() - warming
at.switch_page(sys.argv[1])
def timed():
    start = time.perf_counter()
    at.run(timeout=120)
    return time.perf_counter() - start
first = timed()
failed = bool(at.exception)
# a new load in a running server: every query misses the cache and the file is attached anew
st.cache_data.clear()
st.cache_resource.clear()
cold = timed()
warm = statistics.median(timed() for _ in range(5))
points = max((sum(f.height for f in element_frames(c)) for c in at.get("vega_lite_chart")),
             default=0)
print(json.dumps({"warming": warming, "first": first, "cold": cold, "warm": warm,
                  "failed": failed, "points": points}))
"""


def build_warehouse(work: Path, cases: int, seed: int) -> Path:
    db = work / f"pages-{cases}-{seed}.duckdb"
    if db.exists():
        return db
    export = work / f"export-{cases}-{seed}"
    export.mkdir(parents=True, exist_ok=True)
    synthesise(export, cases, seed)
    from etl.load import load_exports

    load_exports([str(export)], db)
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
    argv = list(sys.argv[1:] if argv is None else argv)
    warmed = "--warm" in argv
    db = prepared_warehouse([a for a in argv if a != "--warm"], __doc__.splitlines()[0])

    from app.streamlit_app import PAGES

    env = {**os.environ, "LAT_DB": str(db)}
    print("ms per server-side run of a page (national viewer, no filters):")
    print(
        f"{'page':<14} {'warm-up':>8} {'fresh process':>14} {'cold cache':>11} {'warm':>7}"
        f" {'max points':>11}"
    )
    for file_name, _, url in PAGES:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                RUN_PAGE,
                str(REPO / "pages" / file_name),
                "warm" if warmed else "cold",
            ],  # fmt: skip
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{url:<16} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        note = "  (the page raised an exception)" if result["failed"] else ""
        warming, first, cold, warm = (
            result[k] * 1000 for k in ("warming", "first", "cold", "warm")
        )
        points = result["points"]
        print(
            f"{url:<14} {warming:>8.0f} {first:>14.0f} {cold:>11.0f} {warm:>7.0f}"
            f" {points:>11,}{note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
