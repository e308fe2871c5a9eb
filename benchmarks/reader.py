"""Reader benchmark: small queries of four sessions while a fifth runs a slow one, on one Reader.

    python -m benchmarks.reader --cases 20000 --seconds 20

The dashboard's sessions share one `warehouse.db.Reader`. Here one thread runs a deliberately
slow query (a cross join of mart.cases with a range) again and again while four others run
small mart views, as clicks do; it prints how long the small queries took (p50, p95, max) and
how often the slow one ran. A reader that ran one query at a time would make every small query
wait for the slow one. Builds (once) the same warehouse as benchmarks.pages. Figures only.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

SLOW = "select count(*) from mart.cases c, range(300) r where (hash(c.case_id) + r.range) % 7 = 0"
SMALL = ["as_of", "workers", "cases", "fidelity", "case_outcomes"]


def run(db: Path, seconds: float, sessions: int) -> dict:
    from warehouse.db import Reader

    reader = Reader(db)
    small: list[float] = []
    slow: list[float] = []
    stop = time.monotonic() + seconds

    def slow_session() -> None:
        while time.monotonic() < stop:
            start = time.monotonic()
            reader.rows(SLOW)
            slow.append(time.monotonic() - start)

    def small_session(first: int) -> None:
        n = first
        while time.monotonic() < stop:
            start = time.monotonic()
            reader.frame(f"select * from mart.{SMALL[n % len(SMALL)]}")  # noqa: S608 (constants)
            small.append(time.monotonic() - start)
            n += 1
            time.sleep(0.05)  # a click, then the page is read

    threads = [threading.Thread(target=slow_session)]
    threads += [threading.Thread(target=small_session, args=(k,)) for k in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader.close()
    small.sort()

    def ms(q: float) -> float:
        return small[min(len(small) - 1, int(q * len(small)))] * 1000

    return {
        "small": len(small),
        "p50": ms(0.5),
        "p95": ms(0.95),
        "max": small[-1] * 1000,
        "slow": len(slow),
        "slow_mean": sum(slow) / max(len(slow), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sessions", type=int, default=4, help="sessions of small queries")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lat-bench")
    args = parser.parse_args(argv)
    from benchmarks.pages import build_warehouse

    os.environ.setdefault("LAT_PSEUDONYM_KEY", "benchmark-key")
    args.work.mkdir(parents=True, exist_ok=True)
    db = build_warehouse(args.work, args.cases, args.seed)
    got = run(db, args.seconds, args.sessions)
    print(f"warehouse: {db} ({args.cases:,} cases); load average {os.getloadavg()[0]:.1f}")
    print(
        f"small queries: {got['small']}, p50 {got['p50']:.0f} ms, p95 {got['p95']:.0f} ms, "
        f"max {got['max']:.0f} ms; slow query: {got['slow']} times, {got['slow_mean']:.2f} s each"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
