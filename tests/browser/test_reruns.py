"""A page that runs again: its stale elements dim at once, without Streamlit's one-second fade
(app/components.calm_reruns), which made every tab draw its page frame by frame while it
waited."""

from __future__ import annotations

import pytest

from harness.browser import go_to, sign_in, wait_for_app

pytestmark = pytest.mark.browser

PERIOD_BOX = "[data-testid=stSidebar] [data-testid=stSelectbox]"
# Notes each element as it turns stale: its transition's duration and delay and its opacity
# once the stale style applies (read in the same task as the attribute change).
WATCH_STALE = """() => {
  window.__stale = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.getAttribute('data-stale') !== 'true') continue;
      const style = getComputedStyle(r.target);
      window.__stale.push([style.transitionDuration, style.transitionDelay, style.opacity]);
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-stale']});
}"""


def _run_twice(page) -> None:
    """Two runs of the open page, each after another "period from" month."""
    for key in ("ArrowUp", "ArrowDown"):
        box = page.locator(PERIOD_BOX).first
        box.scroll_into_view_if_needed()  # a click that scrolls the sidebar closes the list
        box.click()
        page.get_by_role("option").first.wait_for()
        page.keyboard.press(key)
        page.keyboard.press("Enter")
        wait_for_app(page)


def test_stale_elements_dim_at_once_without_a_fade(page, server, demo_accounts):
    sign_in(page, server, *demo_accounts["national"])
    go_to(page, "Overblik")
    page.evaluate(WATCH_STALE)
    _run_twice(page)
    stale = page.evaluate("window.__stale")
    assert stale, "no element turned stale while the page ran again"
    durations = {duration for duration, _delay, _opacity in stale}
    assert durations == {"0s"}, durations  # Streamlit's own: '1s' after '0.5s'
    assert any(float(opacity) < 1 for _duration, _delay, opacity in stale)  # still dimmed


# Notes the tab bar's transition each time its style changes while the page runs again (the bar
# is not an element with `data-stale`: Streamlit styles it stale itself, with its own fade).
WATCH_TAB_BAR = """() => {
  window.__bar = [];
  const bar = document.querySelector('[data-testid=stTabs] [role=tablist]');
  new MutationObserver(() => {
    const style = getComputedStyle(bar);
    window.__bar.push([style.transitionProperty, style.transitionDuration, style.opacity]);
  }).observe(bar, {attributes: true, attributeFilter: ['class', 'style']});
}"""


def test_a_pages_tab_bar_dims_without_a_fade(page, server, demo_accounts):
    sign_in(page, server, *demo_accounts["national"])
    go_to(page, "Metodefidelitet")  # a page in section tabs (components.sections)
    page.locator("[data-testid=stTabs] [role=tablist]").wait_for()
    page.evaluate(WATCH_TAB_BAR)
    _run_twice(page)
    styles = page.evaluate("window.__bar")
    assert styles, "the tab bar's style never changed while the page ran again"
    # Streamlit's own while stale: 'opacity' over '1s'; calm_reruns: no transition at all
    assert {duration for _property, duration, _opacity in styles} == {"0s"}, styles
