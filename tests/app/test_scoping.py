"""Who may see what: every query function and every page, under every role, with crafted filters.

A coordinator of 101 must never get another municipality's case ids, citizen keys, worker ids or
worker names, whatever the filters or the URL say; a worker only their own cases; a viewer (and
presentation mode) nothing identifying at all, with the "safe to share" banner; national all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from app import data
from app.filters import Filters
from app.queries import (
    attention,
    case,
    caseloads,
    citizens,
    data_quality,
    fidelity,
    fidelity_sql,
    find_worker,
    matching,
    overview,
    prepost,
    progression,
    reports,
    worker,
)
from app.scope import Scope
from tests.support import security_fixtures as sf
from tests.support.app_fixtures import build_app_warehouse, fixture_rows
from tests.support.wording import da

OWN = frozenset({"101"})
OTHER = "751"
WORKER = "W101-1"
WIDE = Filters(date(2023, 1, 1), date(2026, 10, 1))
# fidelity_sql is SQL text only (run by fidelity.funnel_plot and the leadership report)
QUERY_MODULES = (attention, caseloads, citizens, data_quality, fidelity, fidelity_sql, find_worker,
                 matching, overview, prepost, progression, case, worker, reports)  # fmt: skip
# the query functions and pages that show a coordinator the corps' worker ids elsewhere (for a
# loan; never names, cases or citizens)
CORPS_VIEWS = ("find_worker",)
# the allowed values of the extra arguments some query functions take
EXTRA_ARGS = {
    "group": lambda module: list(getattr(module, "GROUPS", {})),
    "split": lambda module: list(getattr(module, "SPLITS", {})),
    "instrument": lambda module: list(getattr(module, "INSTRUMENTS", ())),
    "reason_code": lambda module: [None, "unknown_case"],
    "band": lambda module: list(getattr(module, "BANDS", ())),
    "indicator": lambda module: list(getattr(module, "FUNNEL_INDICATORS", {})),
    "unit": lambda module: ["municipality", "worker"],
    "municipality": lambda module: [None, OTHER],
    # one record's pages: another municipality's, the coordinator's / worker's own, crafted
    "case_id": lambda module: ["C751-001", "C101-053", "' or '1'='1"],
    "worker_id": lambda module: ["W751-0", WORKER, "' or '1'='1"],
    "as_of": lambda module: [date(2026, 10, 31)],
    "code": lambda module: [OTHER, "101"],
    "start": lambda module: [date(2026, 5, 1)],
    "end": lambda module: [date(2026, 10, 1)],
    "lang": lambda module: ["da"],
    "match": lambda module: list(getattr(module, "MATCHES", {})),
    "dimension": lambda module: list(getattr(module, "DIMENSIONS", {})),
    "choice": lambda module: [module.Choice(min_capacity=0), module.Choice(role="parent_coach")],
}
CASE_SQL = "select case_id, municipality_code, worker_id, citizen_key from scoped_cases"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app_warehouse(tmp_path_factory.mktemp("security-wh") / "warehouse.duckdb")


@pytest.fixture
def db(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAT_DB", str(warehouse))
    return warehouse


# --- the query functions -----------------------------------------------------------------------


def _calls() -> list[tuple[str, Callable[[Scope, Filters], object]]]:
    """Every public query function that takes a scope, with every allowed extra argument."""
    calls = []
    for module in QUERY_MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            params = list(inspect.signature(function).parameters)
            if not params or params[0] != "scope":
                continue
            calls += _expand(module, name, function, params[1:])
    return calls


def _expand(module, name: str, function, params: list[str]) -> list:
    takes_filters = bool(params) and params[0] == "filters"
    extras = [p for p in params[1 if takes_filters else 0 :] if p in EXTRA_ARGS]
    choices: list[dict] = [{}]
    for extra in extras:
        choices = [{**c, extra: v} for c in choices for v in EXTRA_ARGS[extra](module)]
    out = []
    for kwargs in choices:
        label = f"{module.__name__.rsplit('.', 1)[1]}.{name}({kwargs or ''})"

        def call(scope, filters, function=function, kwargs=kwargs, takes=takes_filters):
            return function(scope, filters, **kwargs) if takes else function(scope, **kwargs)

        out.append((label, call))
    return out


CALLS = _calls()


def _strings(result: object) -> str:
    """Every value a query function returned, as text."""
    if isinstance(result, pl.DataFrame):
        lists = [name for name, dtype in result.schema.items() if dtype == pl.List(pl.String)]
        result = result.with_columns(pl.col(name).list.join(",") for name in lists)
        return result.cast(pl.String, strict=False).write_csv() if result.width else ""
    if isinstance(result, tuple | list):
        return "\n".join(_strings(part) for part in result)
    return str(result)


def _run(call, scope: Scope, filters: Filters) -> str:
    try:
        return _strings(call(scope, filters))
    except data.NotAllowed:
        return ""


OTHER_WORKERS = tuple(sorted({c["worker_id"] for c in fixture_rows()["cases"]
                              if c["municipality_code"] == OTHER}))  # fmt: skip
HOSTILE_FILTERS = {
    # the other municipality and its workers, as a URL could never carry them (not validated)
    "other_area": Filters(
        WIDE.from_month, WIDE.to_month, municipalities=(OTHER,), workers=OTHER_WORKERS
    ),
    "sql_everywhere": Filters(
        WIDE.from_month,
        WIDE.to_month,
        municipalities=sf.SQL_FRAGMENTS,
        case_types=sf.SQL_FRAGMENTS,
        genders=sf.SQL_FRAGMENTS,
        age_bands=sf.SQL_FRAGMENTS,
        workers=sf.SQL_FRAGMENTS,
    ),
}


def test_every_query_module_is_covered():
    """A new query module must join this test, else its scoping goes unchecked."""
    stored = {p.stem for p in (sf.ROOT / "app" / "queries").glob("*.py")} - {"__init__"}
    assert stored == {m.__name__.rsplit(".", 1)[1] for m in QUERY_MODULES}
    assert len(CALLS) > 20


@pytest.mark.parametrize("variant", [None, *HOSTILE_FILTERS])
def test_coordinator_gets_nothing_identifying_of_another_municipality(db, variant):
    coordinator = Scope(role="coordinator", municipalities=OWN)
    filters = HOSTILE_FILTERS.get(variant, WIDE)
    leaks = {
        label: sf.leaked(_run(call, coordinator, filters), _others_secrets(label))
        for label, call in CALLS
    }
    assert {label: found[:3] for label, found in leaks.items() if found} == {}


def _others_secrets(view: str) -> set[str]:
    """What a coordinator of OWN must not see in `view` (a query label or a page name)."""
    forbidden = sf.secrets_of_others(OWN)
    if view.split(".")[0] in CORPS_VIEWS:
        forbidden -= sf.corps_worker_ids(OWN)
    return forbidden


def test_viewer_and_presentation_get_nothing_identifying(db):
    forbidden = sf.all_identifying()
    for scope in (Scope(role="viewer"), Scope(role="national", presentation=True),
                  Scope(role="coordinator", municipalities=OWN, presentation=True)):  # fmt: skip
        leaks = {label: sf.leaked(_run(call, scope, WIDE), forbidden) for label, call in CALLS}
        assert {label: found[:3] for label, found in leaks.items() if found} == {}, scope


def test_worker_gets_only_their_own_cases(db):
    worker = Scope(role="worker", worker_id=WORKER)
    own_cases = sf.worker_case_ids(WORKER)
    forbidden = sf.all_identifying() - own_cases - {f"citizen-{c}" for c in own_cases}
    forbidden -= {WORKER, "Medarbejder 101-1"}
    leaks = {label: sf.leaked(_run(call, worker, WIDE), forbidden) for label, call in CALLS}
    assert {label: found[:3] for label, found in leaks.items() if found} == {}


# --- the scoped_cases gate itself, with every crafted filter value --------------------------


def _case_rows(scope: Scope, filters: Filters) -> pl.DataFrame:
    return data.run(CASE_SQL, scope=scope, filters=filters, level="case")


CRAFTED_FILTERS = [
    Filters(municipalities=(OTHER,)),
    Filters(municipalities=("101", OTHER)),
    Filters(workers=OTHER_WORKERS),
    Filters(municipalities=(), workers=()),
    Filters(municipalities=tuple(str(i) for i in range(20_000))),
    *(Filters(municipalities=(value,)) for value in sf.CRAFTED_VALUES),
    *(Filters(workers=(value,)) for value in sf.CRAFTED_VALUES),
    *(Filters(case_types=(value,), genders=(value,), age_bands=(value,))
      for value in sf.SQL_FRAGMENTS),
    Filters(municipalities=("101", None)),  # type: ignore[arg-type]
]  # fmt: skip


@pytest.mark.parametrize("filters", CRAFTED_FILTERS, ids=lambda f: repr(f)[:60])
def test_crafted_filters_never_widen_a_coordinators_case_rows(db, filters):
    rows = _case_rows(Scope(role="coordinator", municipalities=OWN), filters)
    assert set(rows["municipality_code"].to_list()) <= OWN


@pytest.mark.parametrize("filters", CRAFTED_FILTERS[:8], ids=lambda f: repr(f)[:60])
def test_crafted_filters_never_widen_a_workers_case_rows(db, filters):
    rows = _case_rows(Scope(role="worker", worker_id=WORKER), filters)
    assert set(rows["worker_id"].to_list()) <= {WORKER}


def test_sql_in_a_filter_is_a_value_not_code(db):
    rows = _case_rows(Scope.everything(), Filters(municipalities=("101' or '1'='1",)))
    assert rows.height == 0
    assert _case_rows(Scope.everything(), Filters()).height == len(fixture_rows()["cases"])


def test_a_leading_zero_scope_code_does_not_open_other_municipalities(db):
    rows = _case_rows(Scope(role="coordinator", municipalities=frozenset({"0101"})), WIDE)
    assert set(rows["municipality_code"].to_list()) <= {"101"}


def test_a_coordinator_without_municipalities_sees_no_case(db):
    """Fail closed: such a scope cannot be built, and if it could it would see nothing."""
    try:
        rows = _case_rows(Scope(role="coordinator"), WIDE)
    except (data.NotAllowed, ValueError):
        return
    assert rows.height == 0, f"a coordinator without municipalities saw {rows.height} cases"


def test_a_worker_scope_without_worker_id_sees_no_case(db):
    """Fail closed: a worker scope missing its worker_id must not become the national view."""
    try:
        rows = _case_rows(Scope(role="worker"), WIDE)
    except (data.NotAllowed, ValueError):
        return
    assert rows.height == 0, f"a worker without worker_id saw {rows.height} cases"


def test_viewer_gets_not_allowed_for_every_case_level_query(db):
    with pytest.raises(data.NotAllowed):
        _case_rows(Scope(role="viewer"), WIDE)
    with pytest.raises(data.NotAllowed):
        _case_rows(Scope(role="national", presentation=True), WIDE)


def test_national_sees_every_case_and_the_detector_can_fire(db):
    rows = _case_rows(Scope.everything(), WIDE)
    assert rows.height == len(fixture_rows()["cases"])
    text = _strings(attention.queue(Scope.everything(), WIDE))
    assert sf.leaked(text, sf.secrets_of_others(OWN)), "the leak detector found nothing to find"


# --- pages, with crafted URL parameters --------------------------------------------------------

PAGES = sf.page_files()
CRAFTED_URL = {
    "muni": [OTHER, *sf.CRAFTED_VALUES],
    "worker": [*OTHER_WORKERS[:3], *sf.SQL_FRAGMENTS],
    "type": list(sf.SQL_FRAGMENTS),
    "gender": ["<script>alert(1)</script>"],
    "age": ["' or 1=1 --"],
    "from": "2023-01'; drop table raw.cases; --",
    "to": "9999-99",
    "lang": 'en"><script>',
}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_coordinator_page_with_crafted_url_shows_no_other_municipality(db, page):
    at = sf.run_page(page, "coordinator", tuple(OWN), query=CRAFTED_URL)
    assert not at.exception, at.exception
    text = sf.rendered_text(at)
    forbidden = _others_secrets(page.stem)
    assert sf.leaked(text, forbidden) == []
    for name, body in sf.downloads(at).items():
        assert sf.leaked(body.decode("utf-8-sig"), forbidden) == [], name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_worker_page_shows_only_their_own_cases(db, page):
    at = sf.run_page(page, "worker", worker_id=WORKER, query={"worker": list(OTHER_WORKERS)})
    assert not at.exception, at.exception
    own = sf.worker_case_ids(WORKER)
    forbidden = sf.all_identifying() - own - {f"citizen-{c}" for c in own}
    forbidden -= {WORKER, "Medarbejder 101-1"}
    assert sf.leaked(sf.rendered_text(at), forbidden) == []
    for name, body in sf.downloads(at).items():
        assert sf.leaked(body.decode("utf-8-sig"), forbidden) == [], name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("role", ["viewer", "national"])
def test_presentation_mode_shows_no_ids_or_names_and_the_banner(db, page, role):
    at = sf.run_page(page, role, presentation=True, query={"muni": ["101"]})
    assert not at.exception, at.exception
    assert sf.leaked(sf.rendered_text(at), sf.all_identifying()) == []
    for name, body in sf.downloads(at).items():
        assert sf.leaked(body.decode("utf-8-sig"), sf.all_identifying()) == [], name
    assert any(da("auth.banner") in info.body for info in at.info), "no safe-to-share banner"


def test_router_demands_sign_in_before_showing_data(db):
    """The real entry point must not hand an anonymous visitor the national view."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(sf.ROOT / "app" / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert sf.leaked(sf.rendered_text(at), sf.all_identifying()) == []
    assert not at.metric, "figures are shown before anyone signed in"
