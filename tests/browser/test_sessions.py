"""Signed-in sessions in a real browser: a reload keeps them (an HttpOnly cookie), a revoke ends
them at the next click, and a link opened before sign-in lands on its page after it."""

from __future__ import annotations

import pytest

from harness.browser import (
    APP_IDLE,
    SIGN_IN_PASSWORD,
    sign_in,
    wait_for_app,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.browser


def _signed_in(page) -> bool:
    return page.locator("[data-testid=stSidebarNav]").count() > 0


def test_a_reload_keeps_the_session_in_an_httponly_cookie(page, server, demo_accounts):
    sign_in(page, server, *demo_accounts["national"])
    cookie = wait_for_session_cookie(page)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "lat_session" not in page.evaluate("document.cookie")  # out of JavaScript's reach
    page.reload()
    wait_for_app(page)
    page.wait_for_selector("[data-testid=stSidebarNav]")
    assert page.get_by_label(SIGN_IN_PASSWORD).count() == 0


def test_revoke_ends_the_live_session_at_the_next_click(
    page, server, demo_accounts, browser_warehouse
):
    from app.accounts import open_store

    name, password = demo_accounts["coordinator"]
    sign_in(page, server, name, password)
    wait_for_session_cookie(page)
    assert _signed_in(page)
    open_store(browser_warehouse).revoke(name)  # what `lat user revoke NAME` does
    page.locator("[data-testid=stSidebarNav] a").nth(1).click()
    page.get_by_label(SIGN_IN_PASSWORD).wait_for()
    wait_for_app(page)
    assert (
        page.locator("[data-testid=stMetric], .vega-embed, [data-testid=stDataFrame]").count() == 0
    )
    page.reload()  # and the cookie no longer lets anyone back in
    wait_for_app(page)
    page.get_by_label(SIGN_IN_PASSWORD).wait_for()


def test_a_link_opened_before_sign_in_lands_on_its_page(page, server, demo_accounts):
    sign_in(page, f"{server}/caseloads?type=mentor", *demo_accounts["national"])
    page.locator("h1").filter(has_text="Forløb og kapacitet").first.wait_for()
    page.wait_for_selector(APP_IDLE)
    assert "/caseloads" in page.url and "type=mentor" in page.url
    case_type = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").filter(
        has_text="Forløbstype"
    )
    assert "Mentor" in case_type.inner_text()
