"""Every way data leave the dashboard is its audited, formula-safe download: for each role and
page, nothing else on screen offers a download, a copy or a raw data view."""

from __future__ import annotations

import pytest

from app.i18n import t
from harness.browser import nav_titles, sign_in, wait_for_app

pytestmark = pytest.mark.browser

ROLES = ("national", "coordinator", "worker", "viewer")
TABLES_AND_CHARTS = "[data-testid=stDataFrame], [data-testid=stVegaLiteChart]"
DRAWN = f"{TABLES_AND_CHARTS}, [data-testid=stMetric]"  # a page of cards alone: its figures
# What would take data away past the audit: Streamlit's element toolbar (Download as CSV, Search,
# Show data, Download as PNG, Copy Vega-Lite spec), vega-embed's actions menu, a plain link.
OTHER_WAYS_OUT = (
    "[data-testid=stElementToolbar] button",
    "[data-testid=stElementToolbarButton]",
    ".vega-actions",
    ".vega-embed details",
    ".vega-embed summary",
    "a[download]",
    "a[href^='blob:'], a[href^='data:']",
)
SENTINEL = "nothing copied"


def _open_expanders(page) -> None:
    """Tables inside expanders must be on screen to be checked."""
    expanders = page.locator("[data-testid=stExpander] details:not([open]) > summary")
    while expanders.count():
        expanders.first.click()
        wait_for_app(page)


def _offered(page) -> list[str]:
    """Visible elements that offer another way out, with what they say."""
    found = []
    for selector in OTHER_WAYS_OUT:
        matches = page.locator(selector)
        for index in range(matches.count()):
            element = matches.nth(index)
            if element.is_visible():
                label = element.get_attribute("aria-label") or element.inner_text()
                found.append(f"{selector}: {label.strip()!r}")
    return found


def _hover_each_table_and_chart(page) -> list[str]:
    """Hover every table, chart and figure (toolbars appear on hover); what each one offered."""
    offered = []
    drawn = page.locator(DRAWN)
    for index in range(drawn.count()):
        element = drawn.nth(index)
        if not element.is_visible():
            continue
        element.scroll_into_view_if_needed()
        element.hover()
        page.wait_for_timeout(150)  # the toolbar fades in
        offered += _offered(page)
    return offered


@pytest.mark.parametrize("role", ROLES)
def test_no_page_offers_a_way_out_but_the_audited_download(chromium, server, demo_accounts, role):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    checked, offered = 0, {}
    try:
        sign_in(page, server, *demo_accounts[role])
        for title in nav_titles(page):
            page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).first.click()
            page.locator("h1").filter(has_text=title).first.wait_for()
            wait_for_app(page)
            _open_expanders(page)
            checked += page.locator(TABLES_AND_CHARTS).count()
            found = _offered(page) + _hover_each_table_and_chart(page)
            if found:
                offered[title] = sorted(set(found))
    finally:
        context.close()
    assert checked, f"{role}: no table or chart on any page to check"
    assert offered == {}, f"{role}: other ways out than the audited download: {offered}"


def test_table_cells_cannot_be_copied_to_the_clipboard(chromium, server, demo_accounts):
    """Ctrl+C on a selected cell of a case list copies nothing (client.disableDataExport)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, server, *demo_accounts["national"])
        page.locator("[data-testid=stSidebarNav] a").filter(has_text="Progression").first.click()
        page.locator("h1").filter(has_text="Progression").first.wait_for()
        wait_for_app(page)
        # the alert check's list of cases is in a section tab of its own (only the open one runs)
        page.get_by_role("tab", name=t("pages.progression.tabs.alerts", "da")).click()
        wait_for_app(page)
        grid = page.locator("[data-testid=stDataFrame]").first
        grid.locator("td").first.wait_for(state="attached")
        grid.scroll_into_view_if_needed()
        page.evaluate("text => navigator.clipboard.writeText(text)", SENTINEL)
        box = grid.bounding_box()
        assert box, "the case list is not on screen"
        page.mouse.click(box["x"] + 60, box["y"] + 55)  # a cell of the first row
        page.keyboard.press("ControlOrMeta+c")
        page.wait_for_timeout(300)
        copied = page.evaluate("() => navigator.clipboard.readText()")
    finally:
        context.close()
    assert copied == SENTINEL, f"a table cell was copied to the clipboard: {copied!r}"
