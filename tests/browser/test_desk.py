"""The coordinator's desk in a real browser: sign in → the attention queue (landing page) → click
a case row → the case page → download the handover PDF → the worker page. Screenshots of each
step go to test-artifacts/screenshots/desk-*.png."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from app.i18n import t
from harness.browser import (
    screenshot,
    sign_in,
    wait_for_app,
    wait_for_chart,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.browser

CASE_ID = re.compile(r"\bF\d{7,}\b")
ROW_HEIGHT = 35  # Streamlit's data grid: header and rows are 35 px high


def _click_first_row(page) -> None:
    """Tick the first row of the first table: the row-selection checkbox left of its cells."""
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.locator("td").first.wait_for(state="attached")
    # the queue sits below its chart, under the fold: a mouse click needs it in the window
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box, "the case list is not on screen"
    page.mouse.click(box["x"] + 18, box["y"] + ROW_HEIGHT + ROW_HEIGHT / 2)


def test_coordinator_goes_from_the_queue_to_a_case_its_handover_pdf_and_its_worker(
    page, server, demo_accounts
):
    sign_in(page, server, *demo_accounts["coordinator"])
    # the landing page of a coordinator is the attention queue
    page.locator("h1").filter(has_text=t("page_attention", "da")).wait_for()
    wait_for_app(page)
    # the data grid draws its cells after the run ends (on a busy machine, a while after)
    page.locator("[data-testid=stDataFrame] td").first.wait_for(state="attached", timeout=60_000)
    first_case = CASE_ID.search(" ".join(page.locator("[data-testid=stDataFrame] td")
                                         .all_inner_texts()))  # fmt: skip
    assert first_case, "no case ids in the coordinator's queue"
    screenshot(page, "desk-1-attention")

    _click_first_row(page)
    page.locator("h1").filter(has_text=t("page_case", "da")).wait_for()
    wait_for_app(page)
    assert re.search(r"/case\?.*id=F\d{7,}", page.url), page.url
    case_id = re.search(r"id=(F\d{7,})", page.url).group(1)
    assert case_id == first_case.group(0), "the click opened another case than the first row"
    header = page.locator("[data-testid=stMain] h2").first.inner_text()
    assert case_id in header
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "Kommune:" in main and "Medarbejder:" in main
    wait_for_chart(page)
    screenshot(page, "desk-2-case")

    page.get_by_role("button", name=t("pages.case.make_the_handover_summary_pdf", "da")).click()
    button = page.get_by_role(
        "button", name=t("pages.case.download_the_handover_summary_pdf", "da")
    )
    button.wait_for(timeout=60_000)
    wait_for_app(page)
    with page.expect_download(timeout=30_000) as download:
        button.click()
    assert download.value.suggested_filename == f"overdragelse-{case_id}-da.pdf"
    body = Path(download.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert case_id in text
    screenshot(page, "desk-3-case-pdf")

    page.get_by_role("button", name=t("pages.case.open_the_worker_s_page", "da")).click()
    page.locator("h1").filter(has_text=t("page_worker", "da")).wait_for()
    wait_for_app(page)
    assert "/worker?" in page.url and "id=" in page.url
    main = page.locator("[data-testid=stMain]").inner_text()
    assert t("pages.worker.the_worker_s_cases", "da") in main
    assert case_id in " ".join(page.locator("[data-testid=stDataFrame] td").all_inner_texts())
    screenshot(page, "desk-4-worker")


@pytest.mark.parametrize(
    ("role", "path", "title_key"),
    [("coordinator", "attention", "page_attention"), ("national", "overview", "page_overview")],
)
def test_a_bookmark_of_the_landing_page_opens_it(
    page, server, demo_accounts, role, path, title_key
):
    sign_in(page, server, *demo_accounts[role])
    wait_for_session_cookie(page)  # the bookmark is opened as a new load: the cookie resumes
    page.goto(f"{server}/{path}")
    wait_for_app(page)
    page.locator("h1").filter(has_text=t(title_key, "da")).wait_for()
    assert page.locator("[role=dialog]").count() == 0, "a dialog opened over the bookmark"
    assert "Page not found" not in page.locator("body").inner_text()
    assert page.url.split("?")[0].rstrip("/").endswith(f"/{path}"), page.url
