"""Chart review: every registered page, for every role, photographed at 1280×720 and 1920×1080.

One browser, one context per role (and language); each page is opened once from the navigation,
left to settle (the script idle and every chart drawn), checked for an exception box, a traceback
or an error message, then photographed whole at both sizes. The PNGs are kept as test artefacts
in test-artifacts/screenshots/ (ignored by git), named `<role>-<lang>-<page>-<width>.png`, so a
reviewer can look at every page as a projector shows it before a chart change is called done. A
page in section tabs (`components.sections`) is photographed with each tab open in turn, clicked
as a reader would: `<role>-<lang>-<page>-tab2-<width>.png` and on.

Danish for every role, English for the national role (the one that sees every page). Set
`LAT_SCREENSHOT_ENGLISH=all` to photograph every role in English too (for a review by eye).

The case and worker pages open on a search box for every role but a worker (whose own page
opens on their id): those that may open a record also photograph it, typed into that box, as
`<role>-<lang>-case-record-<width>.png` (a case of the coordinator's municipality with gaps in
a row, and its worker), so the case's progression chart is reviewed too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from app.i18n import t
from app.scope import Scope
from app.streamlit_app import _landing, _pages, listed_pages
from harness.browser import (
    ALL_CHARTS_DRAWN,
    nav_titles,
    screenshot,
    sign_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

ROLES = ("national", "coordinator", "worker", "viewer")
SIZES = ((1280, 720), (1920, 1080))
PROBLEMS = "[data-testid=stException], [data-testid=stAlertContentError]"
# subheading -> charts drawn under it (until the next subheading), in page order
SECTIONS = """() => {
  const out = {}; let heading = null;
  const main = document.querySelector('[data-testid=stMain]');
  for (const el of main.querySelectorAll('h2, h3, .vega-embed')) {
    if (el.matches('h2, h3')) { heading = el.innerText.trim(); out[heading] = out[heading] || 0; }
    else if (heading !== null && el.querySelector('canvas, svg')) out[heading] += 1;
  }
  return out;
}"""
# The indicator charts (issue 10) by page and section, as every role with aggregate access sees
# them: the XmR control chart, the funnel plots (two per page), the Jacobson plot, the expected
# band and the attention bars. Workers compare no municipalities: their funnel section is a
# sentence. The XmR tile on the overview is text: its heading is checked there.
INDICATORS = {
    "fidelity": {
        t("pages.fidelity.control_chart_measured_every_second", "da"): 1,
        t("pages.fidelity.fair_comparison", "da"): 2,
    },
    "prepost": {
        t("pages.prepost.pre_against_post_per_case", "da"): 1,
        t("pages.prepost.fair_comparison_who_5", "da"): 2,
    },
    "progression": {t("pages.progression.expected_progress_by_starting_level", "da"): 1},
    "attention": {t("pages.attention.cases_per_reason", "da"): 1},
}
FAIR_COMPARISON = t("pages.fidelity.fair_comparison", "da")  # every funnel heading starts so
NO_FUNNEL_FOR_WORKERS = t("indicator_parts.the_comparison_of_municipalities_is", "da")
# the overview's tile on the monthly on-cadence share (its heading is bold markdown)
XMR_TILE = t("pages.overview.label_the_trend", "da", label=t("on_cadence_monthly", "da")).strip("*")
QUEUE_FOR_CASE_LEVEL = t("components.the_list_of_single_cases", "da").split("(")[0].strip()
# the demo worker (3 cases) has none in the attention queue: a sentence, no empty bar chart
EMPTY_QUEUE = t("pages.attention.nothing", "da")
# What a projector at 1280 px must not show: a table scrolling sideways (its grid wider than its
# frame), a card label over more than two lines or a card's figure over more than one (cards in
# a row would not line up), and Streamlit's own English (its skip link, the page's language).
PROJECTOR = SIZES[0][0]
LAYOUT = """() => {
  const lines = (el) => {
    const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  const tables = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame]')];
  return {
    wide_tables: tables.map(t => [t.querySelector('.dvn-scroller'), t])
      .filter(([s]) => s && s.scrollWidth > s.clientWidth + 1)
      .map(([s, t]) => [...t.querySelectorAll('th')].map(h => h.innerText).join(' | ')
                       + ` (${s.scrollWidth} px in ${s.clientWidth})`),
    long_labels: [...document.querySelectorAll('[data-testid=stMetricLabel] p')]
      .filter(p => lines(p) > 2).map(p => p.innerText),
    long_values: [...document.querySelectorAll('[data-testid=stMetricValue]')]
      .filter(v => lines(v) > 1).map(v => v.innerText),
    skip_link: [...document.querySelectorAll('[data-testid=stSkipToContent]')]
      .map(a => a.innerText.trim()),
    lang: document.documentElement.lang,
  };
}"""


def _tours() -> list[tuple[str, str]]:
    english = ROLES if os.environ.get("LAT_SCREENSHOT_ENGLISH") == "all" else ("national",)
    return [(role, "da") for role in ROLES] + [(role, "en") for role in english]


@dataclass
class Shot:
    """What one page showed one role in one language."""

    path: str
    text: str = ""
    sections: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    pictures: list[Path] = field(default_factory=list)
    layout: dict = field(default_factory=dict)  # LAYOUT at the projector's width
    record: bool = False  # a case or worker page opened on a record (`RECORD_ROLES`)
    tab: int = 0  # which of the page's section tabs is open (`components.sections`), from 0


def _url_path(page, role: str) -> str:
    path = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    # the root url is the role's landing page (the attention queue for coordinators and workers)
    return _landing(_scope(role)) if ":" in path or not path else path


def _settle(page) -> None:
    """The script is idle and every chart on the page has drawn."""
    wait_for_app(page)
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    page.wait_for_timeout(250)  # vega lays itself out once more after the first draw


# Streamlit 1.67 draws st.tabs with react-aria (role=tablist), no longer with baseweb
TABS = "[data-testid=stMain] [role=tablist] [data-testid=stTab]"


def _photograph_sections(page, role: str, lang: str, record: bool = False) -> list[Shot]:
    """The page as it opens, then each other section tab opened in turn, as a reader clicks."""
    shots = [_photograph(page, role, lang, record)]
    for tab in range(1, page.locator(TABS).count()):
        page.locator(TABS).nth(tab).click()
        page.locator(TABS).nth(tab).and_(page.locator("[aria-selected=true]")).wait_for()
        _settle(page)
        shots.append(_photograph(page, role, lang, record, tab))
    return shots


def _photograph(page, role: str, lang: str, record: bool = False, tab: int = 0) -> Shot:
    main = page.locator("[data-testid=stMain]")
    path, text = _url_path(page, role), main.inner_text()
    shot = Shot(path, text, page.evaluate(SECTIONS), record=record, tab=tab)
    shot.problems += page.locator(PROBLEMS).all_inner_texts()
    if "Traceback" in shot.text:
        shot.problems.append("a traceback")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _settle(page)
        if width == PROJECTOR:
            shot.layout = page.evaluate(LAYOUT)
        name = f"{shot.path}-record" if record else shot.path
        name += f"-tab{tab + 1}" if tab else ""
        shot.pictures.append(screenshot(page, f"{role}-{lang}-{name}-{width}"))
    return shot


# the roles that may open a case or worker record from its page's search box (a worker's own
# page opens on their id by itself; a viewer sees no single case)
RECORD_ROLES = ("national", "coordinator")
# a case of the demo coordinator's municipality (101) with the most gaps over the cadence in a
# row (they touch at a score), and its worker
GAPPED_CASE_SQL = """
with gaps as (
    select p.case_id,
        p.measured_on - lag(p.measured_on) over (partition by p.case_id order by p.measured_on)
            as gap_days,
    from mart.progression as p
)
select g.case_id, any_value(c.worker_id) as worker_id,
from gaps as g
inner join mart.cases as c on c.case_id = g.case_id
where c.municipality_code = '101' and c.worker_id is not null and g.gap_days > 61
group by g.case_id
order by count(*) desc, g.case_id
limit 1
"""


@pytest.fixture(scope="module")
def records(browser_warehouse) -> dict[str, str]:
    """kind -> the id of the record the case and worker pages are photographed on."""
    with duckdb.connect(str(browser_warehouse), read_only=True) as con:
        [(case_id, worker_id)] = con.sql(GAPPED_CASE_SQL).fetchall()
    return {"case": case_id, "worker": worker_id}


def _open_record(page, kind: str, record_id: str, lang: str) -> None:
    """Type the id into the record page's own search box, as a coordinator would."""
    search = page.get_by_label(t(f"components.search_labels.{kind}", lang))
    search.fill(record_id)
    search.press("Enter")
    page.locator("[data-testid=stMain] h2").filter(has_text=record_id).first.wait_for()
    _settle(page)


@pytest.fixture(scope="module")
def photographed(chromium, server, demo_accounts, records) -> dict[tuple[str, str], list[Shot]]:
    """(role, lang) -> one Shot per page in that role's navigation, and one per record page
    opened on a record (`RECORD_ROLES`)."""
    done = {}
    for role, lang in _tours():
        context = chromium.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            sign_in(page, server, *demo_accounts[role])
            if lang == "en":
                page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
                landing = _title(role, _landing(_scope(role)), "en")
                page.locator("h1").filter(has_text=landing).wait_for()
                wait_for_app(page)
            shots = []
            for title in nav_titles(page):
                page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).first.click()
                page.locator("h1").filter(has_text=title).first.wait_for()
                _settle(page)
                shots += _photograph_sections(page, role, lang)
                if shots[-1].path in records and role in RECORD_ROLES:
                    _open_record(page, shots[-1].path, records[shots[-1].path], lang)
                    shots += _photograph_sections(page, role, lang, record=True)
            done[(role, lang)] = shots
        finally:
            context.close()
    return done


def _scope(role: str) -> Scope:
    """An example viewer of the role (the router's rules read only the role and its reach)."""
    example = {"coordinator": {"municipalities": frozenset({"101"})}, "worker": {"worker_id": "W"}}
    return Scope(role=role, **example.get(role, {}))


def _title(role: str, url: str, lang: str) -> str:
    """The navigation title of the page at `url` in `lang`."""
    return next(t(key, lang) for _, key, path in listed_pages(_scope(role)) if path == url)


def _registered(role: str) -> set[str]:
    """The pages this role's navigation shows (the router's own pages and their visibility)."""
    return {url for url, page in _pages(_scope(role)).items() if page.visibility == "visible"}


def _whole_pages(shots: list[Shot]) -> dict[str, Shot]:
    """path -> what the page showed over all its section tabs (records left out)."""
    pages: dict[str, Shot] = {}
    for shot in shots:
        if not shot.record:
            whole = pages.setdefault(shot.path, Shot(shot.path))
            whole.text += "\n" + shot.text
            for heading, charts in shot.sections.items():
                whole.sections[heading] = whole.sections.get(heading, 0) + charts
    return pages


@pytest.mark.parametrize(("role", "lang"), _tours())
def test_every_page_is_photographed_at_both_sizes_without_an_error(photographed, role, lang):
    shots = photographed[(role, lang)]
    assert {shot.path for shot in shots if not shot.record} == _registered(role), (
        f"{role}: pages missed"
    )
    opened = {shot.path for shot in shots if shot.record}
    assert opened == ({"case", "worker"} if role in RECORD_ROLES else set()), f"{role}: records"
    for shot in shots:
        assert not shot.problems, f"{role} ({lang}) on {shot.path}: {shot.problems}"
        assert len(shot.pictures) == len(SIZES)
        for picture in shot.pictures:
            assert picture.stat().st_size > 10_000, f"{picture} is (nearly) empty"


@pytest.mark.parametrize("role", ROLES)
def test_indicator_charts_show_as_scoping_allows(photographed, role):
    shots = _whole_pages(photographed[(role, "da")])
    for path, sections in INDICATORS.items():
        shown = shots[path].sections
        for heading, charts in sections.items():
            if role == "worker" and heading.startswith(FAIR_COMPARISON):
                assert shown.get(heading) == 0, f"worker sees a funnel plot on {path}"
                assert NO_FUNNEL_FOR_WORKERS in shots[path].text
                continue
            if role == "worker" and path == "attention" and EMPTY_QUEUE in shots[path].text:
                assert heading not in shown, "an attention chart for an empty queue"
                continue
            assert shown.get(heading) == charts, (
                f"{role} on {path}: {heading!r} drew {shown.get(heading)} charts, not {charts}"
            )
    assert XMR_TILE in shots["overview"].text, f"{role}: no control-chart tile on the overview"
    viewer_note = QUEUE_FOR_CASE_LEVEL in shots["attention"].text
    assert viewer_note == (role == "viewer"), f"{role}: the case-level note on the attention page"


@pytest.mark.parametrize(("role", "lang"), _tours())
def test_every_page_fits_a_projector(photographed, role, lang):
    """At 1280 px no table scrolls sideways, no card label takes more than two lines and no
    card's figure more than one (cards in a row line up)."""
    shots = photographed[(role, lang)]
    wide = {shot.path: shot.layout["wide_tables"] for shot in shots if shot.layout["wide_tables"]}
    assert wide == {}, f"{role} ({lang}): tables wider than the page"
    long = {shot.path: shot.layout["long_labels"] for shot in shots if shot.layout["long_labels"]}
    assert long == {}, f"{role} ({lang}): card labels over two lines"
    long = {shot.path: shot.layout["long_values"] for shot in shots if shot.layout["long_values"]}
    assert long == {}, f"{role} ({lang}): card figures over one line"


@pytest.mark.parametrize(("role", "lang"), _tours())
def test_streamlit_s_own_texts_are_in_the_reader_s_language(photographed, role, lang):
    skip = t("components.streamlit.skip_to_main_content", lang)
    for shot in photographed[(role, lang)]:
        assert shot.layout["skip_link"] == [skip], f"{role} ({lang}) on {shot.path}"
        assert shot.layout["lang"] == lang, f"{role} ({lang}) on {shot.path}"
