"""A small, deterministic warehouse for the dashboard's AppTests, written through raw.* inserts.

`build_app_warehouse(path)` writes ~300 cases over four municipalities (as of 2026-10-31), with
WHO-5/GSE measurements, progression, workers, two load batches and rejected rows, plus two
hand-made groups for suppression tests: in Odense (461) 3 active parent-coach and 6 active mentor
cases; in Aalborg (851) 10 active mentor cases. So the view "461 + 851" has 19 active cases,
16 mentor and 3 parent coach: the 3 must hide, and so must the 16 (its complement).

The page tests share the rest: `page_as(page, ...)` runs one page alone as any viewer,
`through_router(page, role)` opens it signed in, and `chart_frames`, `everything_shown`, `metrics`
read what it shows. The warehouse itself is built once per run (`app_warehouse`/`app_db` in
tests/conftest.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
from streamlit.testing.v1 import AppTest

from app.filters import Filters
from app.i18n import t
from etl.read import rejected_row_subject
from harness.apptest import (  # noqa: F401 (the page tests read these from here)
    chart_frames,
    element_frames,
    everything_shown,
    metrics,
    signed_in_app,
)
from tests.support.wording import da_start
from texts.messages import render
from warehouse.db import write_transaction

AS_OF = date(2026, 10, 31)
OLD_MESSAGE = "Scoren 14 ligger uden for 1-10."  # a rejected row's message stored without a key
BIG_MUNICIPALITIES = ("101", "751")
SMALL_GROUP_MUNICIPALITIES = ("461", "851")
GENDERS = ("female", "male", "other")


# the facts of worker number w of a municipality (find a worker, matching): fixed, not drawn, so
# the random cases stay as they were
WORKER_FACTS = [
    {"gender": "female", "birth_year": 1985, "trained_on": date(2021, 3, 1),
     "languages": "dansk, arabisk"},
    {"gender": "male", "birth_year": 1962, "trained_on": date(2019, 9, 1), "languages": "dansk"},
    {"gender": "female", "birth_year": 1996, "trained_on": date(2023, 1, 15),
     "languages": "dansk, engelsk"},
    {"gender": "male", "birth_year": 1978, "trained_on": None, "languages": "dansk, tyrkisk"},
    {"gender": "female", "birth_year": 1970, "trained_on": date(2020, 5, 1), "languages": "dansk"},
    {"gender": "male", "birth_year": 1990, "trained_on": date(2022, 8, 1),
     "languages": "dansk, somali"},
]  # fmt: skip


def _case(case_id: str, muni: str, case_type: str, worker: str, start: date, **extra) -> dict:
    row = {
        "case_id": case_id,
        "municipality_code": muni,
        "case_type": case_type,
        "worker_id": worker,
        "citizen_key": f"citizen-{case_id}",
        "gender": "female",
        "age_at_start": 30,
        "birth_year": None,
        "start_date": start,
        "end_date": None,
        "status": "active",
        "end_reason": None,
        "referred_by": "jobcenter",
        "lent_from_municipality_code": None,
    }
    row.update(extra)
    return row


def _who5(case_id: str, phase: str, on: date, item: int) -> dict:
    items = {f"item_{i}": item if i <= 5 else None for i in range(1, 11)}
    return {"case_id": case_id, "instrument": "WHO5", "phase": phase, "measured_on": on,
            **items, "raw_score_given": None}  # fmt: skip


def _gse(case_id: str, phase: str, on: date, item: int) -> dict:
    items = {f"item_{i}": item for i in range(1, 11)}
    return {"case_id": case_id, "instrument": "GSE", "phase": phase, "measured_on": on,
            **items, "raw_score_given": None}  # fmt: skip


def fixture_rows(seed: int = 7) -> dict[str, list[dict]]:
    """The raw rows of the fixture (deterministic for a seed)."""
    rng = random.Random(seed)
    cases, assessments, progression, workers = [], [], [], []
    for muni in BIG_MUNICIPALITIES:
        for w in range(6):
            workers.append({"worker_id": f"W{muni}-{w}", "municipality_code": muni,
                            "role": "mentor" if w < 4 else "parent_coach",
                            "name": f"Medarbejder {muni}-{w}", "active": True,
                            **WORKER_FACTS[w]})  # fmt: skip
        for i in range(140):
            case_id = f"C{muni}-{i:03d}"
            case_type = "mentor" if rng.random() < 0.66 else "parent_coach"
            start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1340))
            length = rng.randrange(60, 540)
            end = start + timedelta(days=length)
            closed = end <= AS_OF - timedelta(days=5)
            status = rng.choice(("closed", "closed", "discontinued")) if closed else "active"
            cases.append(
                _case(
                    case_id,
                    muni,
                    case_type,
                    f"W{muni}-{rng.randrange(6)}",
                    start,
                    gender=rng.choice(GENDERS),
                    age_at_start=rng.randrange(14, 60),
                    end_date=end if closed else None,
                    status=status,
                    end_reason="goals_met" if closed else None,
                )  # fmt: skip
            )
            if rng.random() < 0.85:
                pre = rng.randrange(1, 3)
                assessments.append(_who5(case_id, "pre", start, pre))
                assessments.append(_gse(case_id, "pre", start, 2))
                if closed and rng.random() < 0.8:
                    assessments.append(_who5(case_id, "post", end, min(5, pre + rng.randrange(3))))
                    assessments.append(_gse(case_id, "post", end, 3))
            day = start
            while day < (end if closed else AS_OF):
                progression.append({"case_id": case_id, "measured_on": day,
                                    "score": rng.randrange(1, 11)})  # fmt: skip
                day += timedelta(days=rng.choice((30, 45, 60, 90)))
    small = [("461", "parent_coach", 3), ("461", "mentor", 6), ("851", "mentor", 10)]
    for muni, case_type, count in small:
        for i in range(count):
            case_id = f"S{muni}-{case_type[0]}{i}"
            cases.append(_case(case_id, muni, case_type, f"W{muni}-0", date(2024, 1, 15)))
    for muni in SMALL_GROUP_MUNICIPALITIES:
        workers.append({"worker_id": f"W{muni}-0", "municipality_code": muni, "role": "mentor",
                        "name": f"Medarbejder {muni}-0", "active": True,
                        **WORKER_FACTS[0]})  # fmt: skip
    return {"cases": cases, "assessments": assessments, "progression": progression,
            "workers": workers}  # fmt: skip


BATCHES = [
    {"batch_id": 1, "source_path": "eksport-2026-09.zip", "source_sha256": "a" * 64,
     "exported_at": date(2026, 9, 30), "loaded_at": datetime(2026, 10, 2, 9, 15),
     "rows_read": 100, "rows_loaded": 97, "rows_unchanged": 0, "rows_superseded": 0,
     "rows_rejected": 3, "status": "loaded"},
    {"batch_id": 2, "source_path": "eksport-2026-10", "source_sha256": "b" * 64,
     "exported_at": AS_OF, "loaded_at": datetime(2026, 11, 2, 8, 30),
     "rows_read": 5000, "rows_loaded": 4990, "rows_unchanged": 0, "rows_superseded": 5,
     "rows_rejected": 5, "status": "loaded"},
]  # fmt: skip

# batch, file, table, row, column, reason, (message key and values, as the loader stores them),
# raw values, resolved batch. The progression score row keeps a message without a key, as a row
# stored before the loader kept keys (migration 0003) does.
REJECTED = [
    (1, "maalinger.csv", "maalinger", 12, "forloeb_id", "unknown_case",
     ("loader.unknown_case", {"case_id": "F-9"}), {"forloeb_id": "F-9"}, 2),
    (2, "forloeb.csv", "forloeb", 7, "kommunekode", "unknown_municipality",
     ("loader.unknown_municipality", {"column": "Kommunekode", "value": "999"}),
     {"forloeb_id": "F-7", "kommunekode": "999"}, None),
    (2, "forloeb.csv", "forloeb", 9, "startdato", "future_date",
     ("loader.after_export_date",
      {"column": "Startdato", "value": "2030-01-01", "exported_at": AS_OF.isoformat()}),
     {"startdato": "2030-01-01"}, None),
    (2, "progression.csv", "progression", 3, "score", "out_of_range",
     OLD_MESSAGE, {"score": "14"}, None),
    (2, "progression.csv", "progression", 4, "forloeb_id", "unknown_case",
     ("loader.unknown_case", {"case_id": "F-77"}), {"forloeb_id": "F-77", "score": "4"}, None),
    (2, "maalinger.csv", "maalinger", 20, "forloeb_id", "unknown_case",
     ("loader.unknown_case", {"case_id": "F-78"}), {"forloeb_id": "F-78"}, None),
]  # fmt: skip


def _stored_message(message: tuple[str, dict] | str) -> tuple[str, str | None, str | None]:
    """(message, message_key, message_params) as the loader stores a rejected row's message."""
    if isinstance(message, str):
        return message, None, None
    key, params = message
    return render(key, params, "da"), key, json.dumps(params)


def _frame(rows: list[dict], batch_id: int) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(AS_OF).alias("exported_at"), pl.lit(batch_id).alias("batch_id")
    )


def build_app_warehouse(
    path: Path, *, with_data: bool = True, rows: dict[str, list[dict]] | None = None
) -> Path:
    """Write the fixture warehouse at `path` (replacing it); `with_data=False`: schema only;
    `rows`: other raw rows than `fixture_rows()` (tables left out or empty stay empty)."""
    path.unlink(missing_ok=True)
    with write_transaction(path) as con:
        # a fixed cell-key secret (a real warehouse makes a random one), so every test run sees
        # the same perturbed figures
        con.execute("update etl.meta set value = 'fixture-secret' where key = 'cell_key_secret'")
        if not with_data:
            return path
        for table, table_rows in (fixture_rows() if rows is None else rows).items():
            if not table_rows:
                continue
            frame = _frame(table_rows, 2)  # noqa: F841 (read by DuckDB's replacement scan)
            con.execute(f"insert into raw.{table} by name select * from frame")  # noqa: S608
        batches = pl.DataFrame(BATCHES)  # noqa: F841
        con.execute("insert into etl.batches by name select * from batches")
        for row in REJECTED:
            # the case and municipality a row names, as the loader stores them (etl/load.py)
            municipality, case = rejected_row_subject(row[2], json.dumps(row[7]))
            message, key, params = _stored_message(row[6])
            con.execute(
                "insert into etl.rejected_rows (batch_id, source_file, table_name, source_row, "
                "column_name, reason_code, message, raw_values, resolved_batch_id, case_id, "
                "municipality_code, message_key, message_params) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row[:6], message, json.dumps(row[7]), row[8], case, municipality, key, params],
            )
    return path


# --- running one page and reading what it shows --------------------------------------------------

PAGES = Path(__file__).resolve().parents[2] / "pages"
PERIOD = Filters(date(2025, 11, 1), date(2026, 10, 1))  # the sidebar's default: the last 12 months


def page_app(page: str, scope_args: dict, fixed_filters: dict | None) -> None:
    """The router's frame without sign-in: a fixed scope, the filters, then the page.

    `fixed_filters` None: the sidebar filters as the router draws them (defaults: the last 12
    months); a dict: `PERIOD` with `fixed_filters` (e.g. municipalities) and no sidebar.
    Runs inside AppTest (`from_function` ships only this function's source, so it imports here).
    """
    import dataclasses
    import runpy

    import streamlit as st

    from app import charts, data, filter_sidebar, i18n
    from app.scope import Scope
    from tests.support.app_fixtures import PERIOD

    i18n.init_lang()
    charts.enable_theme()
    scope = Scope(**scope_args)
    st.session_state[data.SCOPE_KEY] = scope
    if fixed_filters is None:
        options = data.filter_options(scope)
        chosen = filter_sidebar.sidebar(options, show_workers=scope.case_level)
    else:
        chosen = dataclasses.replace(PERIOD, **fixed_filters)
    st.session_state[data.FILTERS_KEY] = chosen
    runpy.run_path(page)


def page_as(
    page: str,
    *,
    filters: dict | None = None,
    lang: str | None = None,
    choose: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    tabs: dict[str, str] | None = None,
    role: str = "national",
    municipalities: tuple[str, ...] | frozenset[str] = (),
    **scope: object,
) -> AppTest:
    """Run pages/<page>.py alone (already run) as the viewer `Scope(role, ..., **scope)`.

    The router always signs in nationally; this picks any viewer. `filters`: see `page_app`;
    `choose`: selectbox key -> value to pick after the first run (e.g. a split); `params`: the
    URL's query parameters (e.g. {"id": "C101-001"} for the case page); `tabs`: the section
    tabs to open (`components.sections`), tabs key -> the tab's catalogue key, as a reader clicks
    them before the page runs (`open_tab` does it on a page already open).
    """
    scope_args = {"role": role, "user": "test", "municipalities": frozenset(municipalities),
                  **scope}  # fmt: skip
    at = AppTest.from_function(
        page_app, args=(str(PAGES / f"{page}.py"), scope_args, filters), default_timeout=60
    )
    if lang:
        at.query_params["lang"] = lang
    for name, value in (params or {}).items():
        at.query_params[name] = value
    for key, label in (tabs or {}).items():
        at.session_state[key] = t(label, lang or "da")
    at.run()
    for key, value in (choose or {}).items():
        at.selectbox(key=key).set_value(value).run()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the section tab `label` (a catalogue key) of the tabs `key`, as a click does."""
    tab = next(tab for tab in at.tabs if tab.label in {t(label, "da"), t(label, "en")})
    at.session_state[key] = tab.label
    return at.run()


def each_tab(at: AppTest, key: str) -> Iterator[AppTest]:
    """The page with each of its section tabs `key` open in turn, from the first."""
    for label in [tab.label for tab in at.tabs]:
        at.session_state[key] = label
        yield at.run()


def section_tabs(at: AppTest) -> tuple[str, list[str]] | None:
    """The key and labels of the page's section tabs (`components.sections`), None without:
    the key is the state that holds the open tab's label."""
    labels = [tab.label for tab in at.main.tabs]
    state = at.session_state
    key = next((k for k in state if isinstance(state[k], str) and state[k] in labels), None)
    return (key, labels) if key else None


def through_router(page: str, role: str = "national", lang: str | None = None) -> AppTest:
    """pages/<page>.py opened from the router's navigation by a signed-in `role` (already run)."""
    at = signed_in_app(role)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    return at.switch_page(f"../pages/{page}.py").run()


def monthly_mart(app_db, municipality: str | None) -> pl.DataFrame:
    """The share per month from mart.fidelity_monthly, months a small number hides left out."""
    with duckdb.connect(str(app_db), read_only=True) as con:
        frame = pl.from_arrow(con.sql(
            "select month, sum(active_cases)::bigint as n, sum(on_cadence_cases)::bigint as k "
            "from mart.fidelity_monthly where ($m::varchar is null or municipality_code = $m) "
            "and month <= date '2026-10-01' group by month order by month",
            params={"m": municipality}).arrow())  # fmt: skip
    small = [pl.col(c).is_between(1, 4) for c in ("n", "k")] + [
        (pl.col("n") - pl.col("k")).is_between(1, 4)
    ]
    return frame.filter(~pl.any_horizontal(small)).select(
        "month", (pl.col("k") / pl.col("n")).alias("share")
    )


def chart_caption(at: AppTest, how_to_read_key: str) -> str:
    """The caption under the chart whose how-to-read sentence is the catalogue's `how_to_read_key`
    (matched on the Danish text up to its first placeholder)."""
    start = da_start(how_to_read_key)
    return next(c.value for c in at.caption if c.value.startswith(start))


N_START = da_start("n_behind")  # 'n = ': how the n under a chart begins (n_behind, n_of_unit)


def n_note(caption: str) -> str:
    """What a chart's caption says it counts: '... n = 67 forløb · Hele landet' -> 'n = 67 forløb'
    (components.chart_block writes every caption so; the population after ' · ' is required)."""
    counted, population = caption.rsplit(N_START, 1)[1].split(" · ")
    assert population  # every chart names whom it counts
    return N_START + counted


def n_count(caption: str) -> str:
    """The count in a chart's caption as shown: '... n = 1.067 forløb · Hele landet' -> '1.067'."""
    return n_note(caption).removeprefix(N_START).split(" ", 1)[0]
