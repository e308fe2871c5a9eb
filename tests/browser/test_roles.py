"""Each demo role signs in through the real form, visits every page, and sees only its own data."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.i18n import t
from harness.browser import (
    nav_titles,
    screenshot,
    sign_in,
    table_cells,
    wait_for_app,
)

pytestmark = pytest.mark.browser

ROLES = ("national", "coordinator", "worker", "viewer")
CASE_ID = re.compile(r"\bF\d{7,}\b")
AUDIT_TITLE = "Revisionsspor"
DATA_QUALITY_TITLE = "Datakvalitet"
CASE_LIST_PAGES = ("Opmærksomhed",)  # pages with a list of single cases
BANNER = "Skærmen er sikker at dele"
COORDINATOR_MUNICIPALITY = "101"


@dataclass(frozen=True)
class Visit:
    """What one page showed one role."""

    title: str
    path: str
    exceptions: int
    errors: list[str]
    main_text: str
    cells: list[str]
    screenshot: Path

    @property
    def case_ids(self) -> set[str]:
        return set(CASE_ID.findall(" ".join(self.cells))) | set(CASE_ID.findall(self.main_text))


@pytest.fixture(scope="module")
def cases(browser_warehouse: Path) -> dict[str, set[str]]:
    """Case ids per municipality code and per worker id, read straight from the warehouse."""
    con = duckdb.connect(str(browser_warehouse), read_only=True)
    try:
        rows = con.execute(
            "select case_id, municipality_code, worker_id from mart.cases"
        ).fetchall()
    finally:
        con.close()
    grouped: dict[str, set[str]] = {}
    for case_id, municipality, worker in rows:
        grouped.setdefault(f"muni:{municipality}", set()).add(case_id)
        grouped.setdefault(f"worker:{worker}", set()).add(case_id)
    grouped["all"] = {row[0] for row in rows}
    return grouped


@pytest.fixture(scope="module")
def worker_id(browser_warehouse: Path, demo_accounts: dict[str, tuple[str, str]]) -> str:
    from app.accounts import open_store

    account = open_store(browser_warehouse).get(demo_accounts["worker"][0])
    assert account is not None and account.worker_id, "the demo worker account has no worker id"
    return account.worker_id


def _wait_for_tables(page, title: str, role: str) -> None:
    """The data grid draws its cells after the run ends; case lists must have drawn rows, or
    say in a sentence that no case is on the list (the demo worker has no active case)."""
    if title in CASE_LIST_PAGES and role != "viewer":
        rows_or_none = "[data-testid=stDataFrame] td, [data-testid=stAlertContentInfo]"
        page.locator(rows_or_none).first.wait_for(state="attached")
    grids = page.locator("[data-testid=stDataFrame]")
    for index in range(grids.count()):
        grid = grids.nth(index)
        if grid.is_visible():
            grid.locator("th, td").first.wait_for(state="attached")  # hidden a11y cells


def _visit(page, role: str) -> Visit:
    path = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    # the root url is the role's landing page (the overview, or the attention queue for
    # coordinators and workers): named by its title, so no screenshot overwrites another
    if ":" in path or not path:
        path = "start-" + re.sub(r"\W+", "-", page.locator("h1").first.inner_text().lower())
    main = page.locator("[data-testid=stMain]")
    return Visit(
        title=page.locator("h1").first.inner_text(),
        path=path,
        exceptions=page.locator("[data-testid=stException]").count(),
        errors=page.locator("[data-testid=stAlertContentError]").all_inner_texts(),
        main_text=main.inner_text(),
        cells=table_cells(page),
        screenshot=screenshot(page, f"{role}-{path}"),
    )


@pytest.fixture(scope="module")
def tour(chromium, server, demo_accounts) -> Callable[[str], tuple[list[str], list[Visit]]]:
    """tour(role) -> (navigation titles, one Visit per page); each role tours once per module."""
    done: dict[str, tuple[list[str], list[Visit]] | Exception] = {}

    def run(role: str) -> tuple[list[str], list[Visit]]:
        if role not in done:
            try:
                done[role] = _tour(role)
            except Exception as error:  # a broken tour fails each test once, not slowly again
                done[role] = error
        if isinstance(done[role], Exception):
            raise done[role]
        return done[role]

    def _tour(role: str) -> tuple[list[str], list[Visit]]:
        if role not in demo_accounts:
            pytest.fail(f"no demo account for the role {role!r}")
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            sign_in(page, server, *demo_accounts[role])
            titles = nav_titles(page)
            visits = []
            for title in titles:
                page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).first.click()
                page.locator("h1").filter(has_text=title).first.wait_for()
                wait_for_app(page)
                _wait_for_tables(page, title, role)
                visits.append(_visit(page, role))
        finally:
            context.close()
        return titles, visits

    return run


def _by_title(visits: list[Visit]) -> dict[str, Visit]:
    return {visit.title: visit for visit in visits}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_without_an_error_and_is_photographed(tour, role):
    titles, visits = tour(role)
    assert len(titles) >= 6, f"{role} sees too few pages: {titles}"
    assert [visit.title for visit in visits] == titles
    for visit in visits:
        assert visit.exceptions == 0, f"{role} on {visit.title}: a Streamlit exception box"
        assert "Traceback" not in visit.main_text, f"{role} on {visit.title}: a traceback"
        assert not visit.errors, f"{role} on {visit.title}: error message {visit.errors}"
        assert visit.screenshot.stat().st_size > 10_000, f"{visit.screenshot} is (nearly) empty"


@pytest.mark.parametrize("role", ROLES)
def test_only_national_sees_the_audit_page(tour, role):
    titles, _ = tour(role)
    assert (AUDIT_TITLE in titles) == (role == "national"), f"{role} navigation: {titles}"


FIGURE_PAGES = tuple(
    t(key, "da")
    for key in (
        "page_overview", "page_progression", "page_fidelity", "page_attention",
        "page_citizens", "page_matching",
    )
)  # fmt: skip
POPULATIONS = {
    "national": t("population_country", "da"),
    "coordinator": "København",
    "worker": t("population_own_cases", "da"),
    "viewer": t("population_country", "da"),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_says_whom_its_figures_count(tour, role):
    """Issue 12: cards and lists on one page about different populations, unlabelled."""
    _, visits = tour(role)
    pages = _by_title(visits)
    for title in FIGURE_PAGES:
        text = pages[title].main_text
        who = t("population_figures", "da", who=POPULATIONS[role])
        assert who in text, f"{role} on {title}: no population"
    # a coordinator opens on their own municipality, with the country beside its figures
    country = t("population_beside", "da", who=t("population_country", "da"), value="")
    beside = country in pages[t("page_overview", "da")].main_text
    assert beside == (role == "coordinator"), f"{role}: country beside = {beside}"


def test_national_sees_case_ids_in_the_case_lists(tour, cases):
    _, visits = tour("national")
    pages = _by_title(visits)
    for title in CASE_LIST_PAGES:
        shown = pages[title].case_ids
        assert shown, f"national: no case ids in the case list on {title}"
        assert shown <= cases["all"], f"unknown case ids on {title}: {shown - cases['all']}"


def test_coordinator_sees_only_own_municipality_cases(tour, cases):
    _, visits = tour("coordinator")
    own = cases[f"muni:{COORDINATOR_MUNICIPALITY}"]
    pages = _by_title(visits)
    for title in CASE_LIST_PAGES:
        assert pages[title].case_ids, f"coordinator: no case ids on {title} (scope too narrow?)"
    for visit in visits:
        if visit.title == DATA_QUALITY_TITLE:
            continue  # rejected rows: checked on their full download below
        foreign = visit.case_ids - own
        assert not foreign, f"coordinator (101) sees other cases on {visit.title}: {foreign}"


def test_worker_sees_only_own_cases(tour, cases, worker_id):
    _, visits = tour("worker")
    own = cases.get(f"worker:{worker_id}", set())
    assert own, f"the demo worker {worker_id} has no cases in the warehouse"
    for visit in visits:
        if visit.title == DATA_QUALITY_TITLE:
            continue  # rejected rows: checked on their full download below
        foreign = visit.case_ids - own
        assert not foreign, f"worker {worker_id} sees other cases on {visit.title}: {foreign}"


def test_viewer_sees_the_banner_and_no_case_level_data(tour):
    _, visits = tour("viewer")
    for visit in visits:
        assert BANNER in visit.main_text, f"viewer on {visit.title}: no presentation banner"
        assert not visit.case_ids, f"viewer on {visit.title} sees case ids {visit.case_ids}"
    attention = _by_title(visits)["Opmærksomhed"]
    assert "vises kun for brugere med adgang til forløbsniveau" in attention.main_text


def _download(page, button) -> str:
    """Click a download button and return the file's text; retried once when no file came
    (the click can land while the expander's table is still sizing itself)."""
    for attempt in range(3):
        try:
            with page.expect_download(timeout=5_000) as download:
                button.click()
            return Path(download.value.path()).read_text(encoding="utf-8-sig")
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _rejected_rows_downloads(page) -> dict[str, list[dict[str, str]]]:
    """Open each 'rejected rows' expander on the data-quality page and download its CSV."""
    tables = {}
    expanders = page.locator("[data-testid=stExpander]")
    for index in range(expanders.count()):
        expander = expanders.nth(index)
        expander.locator("summary").click()
        expander.locator("[data-testid=stDataFrame] td").first.wait_for(state="attached")
        wait_for_app(page)  # the download button is disabled while a rerun is running
        text = _download(page, expander.get_by_role("button", name="Hent rækkerne (CSV)"))
        tables[expander.locator("summary").inner_text()] = list(
            csv.DictReader(io.StringIO(text), delimiter=";")
        )
    return tables


@pytest.mark.parametrize("role", ["coordinator", "worker"])
def test_data_quality_lists_no_other_municipality_cases(page, server, demo_accounts, cases, role):
    """A rejected row that names a case of another municipality must not reach a coordinator."""
    sign_in(page, server, *demo_accounts[role])
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=DATA_QUALITY_TITLE).click()
    page.locator("h1").filter(has_text=DATA_QUALITY_TITLE).wait_for()
    wait_for_app(page)
    tables = _rejected_rows_downloads(page)
    assert tables, f"{role}: no rejected-row lists on the data-quality page"
    own = cases[f"muni:{COORDINATOR_MUNICIPALITY}"]
    named = {
        case_id
        for rows in tables.values()
        for row in rows
        for case_id in CASE_ID.findall(" ".join(row.values()))
    }
    foreign = (named & cases["all"]) - own
    assert not foreign, (
        f"{role} (municipality 101) sees rejected rows naming {len(foreign)} cases of other "
        f"municipalities, e.g. {sorted(foreign)[:5]} (lists: {list(tables)})"
    )


def test_wrong_password_shows_an_error_and_no_content(page, server, demo_accounts):
    name, password = demo_accounts["national"]
    sign_in(page, server, name, password + "-wrong")
    assert page.locator("[data-testid=stAlertContentError]").count() == 1
    assert (
        "Forkert brugernavn eller adgangskode" in page.locator("[data-testid=stMain]").inner_text()
    )
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    assert page.locator("[data-testid=stMetric], [data-testid=stDataFrame]").count() == 0
    assert page.locator(".vega-embed").count() == 0
