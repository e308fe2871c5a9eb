"""Main flows as a national user: filters change the figures and the URL, the URL restores the
view in a new page, the English switch, and a chart's CSV download."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.i18n import t
from app.scope import Scope
from app.streamlit_app import SECTIONS, _landing, listed_pages
from harness.browser import go_to, screenshot, sign_in, wait_for_app, wait_for_chart

pytestmark = pytest.mark.browser


def _titles(lang: str) -> list[str]:
    """The national viewer's navigation titles in `lang`, as the router orders them: the
    sections (the landing page's first), each in its own order."""
    scope = Scope(role="national")
    keys = {url: key for _, key, url in listed_pages(scope)}
    landing = _landing(scope)
    order = sorted(SECTIONS, key=lambda section: landing not in SECTIONS[section])
    return [t(keys[url], lang) for section in order for url in SECTIONS[section] if url in keys]


def _first_metric(page) -> str:
    """The first headline figure's label and value (the delta is left out)."""
    label, value = page.locator("[data-testid=stMetric]").first.inner_text().split("\n\n")[:2]
    return f"{label}: {value}"


def _choose(page, filter_label: str, option: str) -> None:
    """Pick one option in a sidebar multiselect and wait for the rerun it causes."""
    box = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").filter(
        has_text=filter_label
    )
    # scrolled to first: a click that has to scroll the sidebar closes the menu it opens
    # (a filter below the fold, as the navigation grows)
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)


@pytest.fixture
def national(page, server, demo_accounts):
    """A page signed in as the national demo account, on the overview with its chart drawn."""
    sign_in(page, server, *demo_accounts["national"])
    wait_for_chart(page)
    return page


def test_filter_changes_figures_and_url_and_the_url_restores_the_view(
    national, server, demo_accounts
):
    before = _first_metric(national)
    chart_before = national.locator(".vega-embed").first.inner_html()
    _choose(national, "Forløbstype", "Mentor")
    wait_for_chart(national)
    after = _first_metric(national)
    assert after != before, f"the mentor filter left the first figure at {before}"
    assert national.locator(".vega-embed").first.inner_html() != chart_before
    assert "type=mentor" in national.url
    screenshot(national, "national-overview-mentor")

    # The copied URL in the same browser resumes the signed-in session (its cookie), then
    # shows the view.
    copy = national.context.new_page()
    copy.goto(national.url)
    wait_for_chart(copy)
    assert "type=mentor" in copy.url
    case_type = copy.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").filter(
        has_text="Forløbstype"
    )
    assert "Mentor" in case_type.inner_text()
    assert _first_metric(copy) == after


def test_english_switch_translates_titles_and_number_format(national):
    constants = national.locator("[data-testid=stCaptionContainer]").filter(has_text="Jacobson")
    assert "reliabilitet 0,85" in constants.inner_text()  # Danish decimal comma
    national.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    national.locator("h1").filter(has_text=t("page_overview", "en")).wait_for()
    wait_for_app(national)
    assert "lang=en" in national.url
    titles = national.locator("[data-testid=stSidebarNav] a").all_inner_texts()
    assert titles == _titles("en")
    assert t("page_audit", "en") in titles
    sections = national.locator("[data-testid=stSidebarNav]").inner_text()
    assert t("nav_figures", "en") in sections and t("nav_figures", "da") not in sections
    assert _first_metric(national).startswith("Active cases: ")
    constants = national.locator("[data-testid=stCaptionContainer]").filter(has_text="Jacobson")
    assert "reliability 0.85" in constants.inner_text()  # English decimal point
    screenshot(national, "national-overview-english")


def test_chart_csv_download_has_header_and_rows(national):
    button = national.get_by_role("button", name="Hent data (CSV)").first
    with national.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "overview_case_types.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Danish Excel's separator
    assert rows[0] == ["Måned", "Forløbstype", "Aktive forløb", "Skjult"]
    assert len(rows) > 12, "fewer rows than months in the default period"
    assert {row[1] for row in rows[1:]} == {"Mentor", "Forældrecoach"}
    assert all(len(row) == 4 for row in rows[1:])
    assert all(row[3] in ("Ja", "Nej") for row in rows[1:])


def _typed_into_first(page, kind: str, typed: str) -> str:
    """What the list of the sidebar's first `kind` box shows for a filter that matches nothing."""
    box = page.locator(f"[data-testid=stSidebar] [data-testid={kind}]").first
    box.scroll_into_view_if_needed()
    box.locator("input").first.click()
    page.keyboard.type(typed)
    listbox = page.get_by_role("listbox").first
    listbox.wait_for()
    text = listbox.inner_text()
    page.keyboard.press("Escape")
    return text


@pytest.mark.parametrize("kind", ["stSelectbox", "stMultiSelect"])
def test_a_box_whose_filter_matches_nothing_says_so_in_the_reader_s_language(national, kind):
    """Streamlit writes 'No results' in English; app/components.streamlit_texts translates it,
    in Danish and again after a switch to English."""
    assert _typed_into_first(national, kind, "zzzz") == t("components.streamlit.no_results", "da")
    national.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    national.locator("h1").filter(has_text=t("page_overview", "en")).wait_for()
    wait_for_app(national)
    assert _typed_into_first(national, kind, "zzzz") == t("components.streamlit.no_results", "en")


def test_a_search_box_says_in_danish_how_to_search(national):
    """Streamlit's 'Press Enter to apply' under a box being typed in, in the reader's words."""
    go_to(national, t("page_case", "da"))
    national.get_by_label(t("components.search_labels.case", "da")).click()
    national.keyboard.type("F00")
    hint = national.locator("[data-testid=InputInstructions]").first
    hint.wait_for()
    assert t("components.streamlit.press_enter_to_apply", "da") in hint.inner_text()
    assert "Press Enter" not in hint.inner_text()
