"""Page benchmark: each dashboard page's server-side run, cold and warm, on a large warehouse.

    python -m benchmarks.pages --cases 100000

Builds (once, reused after) a warehouse from a synthetic export of N cases through the real ETL,
then, for every page, in a fresh process: signs in as a national user, runs the page once (cold:
empty query caches, a fresh warehouse attach; Python libraries already imported, as in a running
server) and then five more times (warm: the median is printed). Figures only, no assertions.
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
import altair, duckdb, polars, streamlit  # imported before timing, as in a running server
from tests.app_fixtures import signed_in_app
at = signed_in_app("national")
at.switch_page(sys.argv[1])
start = time.perf_counter()
at.run(timeout=120)
cold = time.perf_counter() - start
failed = bool(at.exception)
warm = []
for _ in range(5):
    start = time.perf_counter()
    at.run(timeout=120)
    warm.append(time.perf_counter() - start)
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "failed": failed}))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LAT_PSEUDONYM_KEY", "benchmark-key")
    db = build_warehouse(args.work, args.cases, args.seed)
    print(f"warehouse: {db} ({args.cases:,} cases)")

    from app.streamlit_app import PAGES

    env = {**os.environ, "LAT_DB": str(db)}
    print(f"{'page':<16} {'cold ms':>9} {'warm ms':>9}")
    for file_name, _, url in PAGES:
        done = subprocess.run(
            [sys.executable, "-c", RUN_PAGE, str(REPO / "pages" / file_name)],
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
        print(f"{url:<16} {result['cold'] * 1000:>9.0f} {result['warm'] * 1000:>9.0f}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
