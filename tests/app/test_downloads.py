"""Downloads made for their use: CSVs that open right in Danish Excel, chart PNGs for slides."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import altair as alt
import polars as pl
import pytest

from app import charts, components, data
from app.filters import Filters
from app.i18n import fmt_date
from app.scope import Scope
from tests.support.app_fixtures import AS_OF
from tests.support.wording import da, en

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "municipality_name": ["København", "Århus"],
            "case_type": ["parent_coach", "mentor"],
            "share": [0.25, 1.5],
            "month": [date(2026, 1, 1), date(2026, 10, 1)],
            "suppressed": [False, True],
            "suppressed_by": [None, "small"],
        }
    )


def test_csv_for_danish_excel_has_bom_semicolons_decimal_commas_and_danish_words():
    body = components.csv_bytes(_frame(), "da")
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads æ, ø, å right
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == [
        da("municipality"),
        da("case_type"),
        da("common.share"),
        da("common.month"),
        da("vocabulary.column_labels.suppressed"),
        da("vocabulary.column_labels.suppressed_by"),
    ]
    assert rows[1] == [
        "København",
        da("vocabulary.code_labels.case_type.parent_coach"),
        "0,25",
        "01-01-2026",
        da("no"),
        "",
    ]
    assert rows[2] == [
        "Århus",
        da("vocabulary.code_labels.case_type.mentor"),
        "1,5",
        "01-10-2026",
        "Ja",
        da("vocabulary.code_labels.suppressed_by.small"),
    ]
    assert "," not in text.splitlines()[0]


def test_csv_in_english_uses_commas_points_and_english_words():
    rows = list(csv.reader(io.StringIO(components.csv_bytes(_frame(), "en").decode("utf-8-sig"))))
    assert rows[0] == [
        en("municipality"),
        en("case_type"),
        en("common.share"),
        en("common.month"),
        en("vocabulary.column_labels.suppressed"),
        en("vocabulary.column_labels.suppressed_by"),
    ]
    assert rows[1] == [
        "København",
        en("vocabulary.code_labels.case_type.parent_coach"),
        "0.25",
        "2026-01-01",
        "No",
        "",
    ]


def test_csv_headers_of_per_figure_flags_and_unknown_columns():
    frame = pl.DataFrame({"active_cases_suppressed": [True], "odd_column": [1]})
    rows = list(csv.reader(io.StringIO(components.csv_bytes(frame, "da").decode("utf-8-sig")),
                           delimiter=";"))  # fmt: skip
    assert rows == [["Skjult: Aktive forløb", "odd_column"], ["Ja", "1"]]


def test_csv_keeps_a_cell_with_a_semicolon_in_one_cell():
    frame = pl.DataFrame({"name": ["a;b"], "n": [2]})
    rows = list(csv.reader(io.StringIO(components.csv_bytes(frame, "da").decode("utf-8-sig")),
                           delimiter=";"))  # fmt: skip
    assert rows[1] == ["a;b", "2"]


def _chart() -> alt.Chart:
    return charts.bar_chart(pl.DataFrame({"x": ["a", "b"], "n": [3, 7]}), "x", "n")


def test_slide_png_carries_title_period_scope_n_and_as_of(monkeypatch):
    seen = {}

    def spy(chart, language=None):
        seen["spec"] = charts.localized_spec(chart, language)
        return real(chart, language)

    real = charts.to_png
    monkeypatch.setattr(charts, "to_png", spy)
    facts = ["nov. 2025 – okt. 2026", "København", "n = 123", "data pr. 31. okt. 2026"]
    body = components.chart_png(_chart(), da("common.active_cases"), facts, "da")
    assert body.startswith(PNG_MAGIC)
    title = seen["spec"]["title"]
    assert title["text"] == da("common.active_cases")
    assert title["subtitle"] == [
        "nov. 2025 – okt. 2026 · København · n = 123 · data pr. 31. okt. 2026"
    ]


def test_slide_keeps_a_title_the_chart_had():
    slide = charts.for_slide(_chart().properties(title="Pr. måned"), da("common.cases"), ["n = 5"])
    spec = slide.to_dict()
    assert spec["title"]["text"] == da("common.cases")
    assert spec["title"]["subtitle"] == ["Pr. måned", "n = 5"]


@pytest.mark.parametrize(
    ("scope", "filters", "label"),
    [
        (
            Scope.everything(),
            Filters(date(2025, 11, 1), date(2026, 10, 1)),
            da("population_country"),
        ),
        (
            Scope(role="coordinator", municipalities=frozenset({"101"})),
            Filters(date(2025, 11, 1), date(2026, 10, 1), municipalities=("101",)),
            "København",
        ),
        (
            Scope(role="worker", worker_id="W101-1"),
            Filters(date(2025, 11, 1), date(2026, 10, 1), case_types=("mentor",)),
            da("population_narrowed", who=da("population_own_cases")),
        ),
    ],
)
def test_slide_facts_name_the_period_scope_n_and_the_as_of_date(
    app_db, monkeypatch, scope, filters, label
):
    monkeypatch.setattr(data, "current_scope", lambda: scope)
    monkeypatch.setattr(data, "current_filters", lambda: filters)
    facts = components.slide_facts("n = 42", components.population_of(), "da")
    assert facts == ["nov. 2025 – okt. 2026", label, "n = 42", "data pr. 31. okt. 2026"]


def test_slide_spec_is_valid_vega_lite_for_layered_and_faceted_charts():
    base = pl.DataFrame({"m": ["a", "b"], "x": ["p", "q"], "n": [1, 2]})
    layered = _chart() + _chart()
    faceted = alt.Chart(base).mark_bar().encode(x="x:N", y="n:Q").facet("m:N")
    for chart in (layered, faceted):
        slide = charts.for_slide(chart, "T", ["n = 3"])
        assert json.loads(json.dumps(slide.to_dict()))["title"]["text"] == "T"
        assert components.chart_png(chart, "T", ["n = 3"], "da").startswith(PNG_MAGIC)


def png_app(page: str, scope_args: dict) -> None:
    """A page as `Scope(**scope_args)` sees it, with each PNG download's chart spec captured
    (the spec the PNG would be rendered from; the rendering itself is tested above). Runs inside
    AppTest, which ships only this function's source, so it imports here."""
    import dataclasses
    import json
    import runpy

    import streamlit as st

    from app import charts, components, data, i18n
    from app.scope import Scope
    from tests.support.app_fixtures import PERIOD

    i18n.init_lang()
    charts.enable_theme()
    st.session_state[data.SCOPE_KEY] = Scope(**scope_args)
    st.session_state[data.FILTERS_KEY] = dataclasses.replace(PERIOD)
    captured = st.session_state.setdefault("_pngs", {})
    real_button, real_png = components.st.download_button, charts.to_png

    def button(label, data=None, file_name=None, mime=None, **kwargs):
        if mime == "image/png":
            captured[file_name] = json.loads(data())  # made as the click would make it
        return real_button(label, data=data, file_name=file_name, mime=mime, **kwargs)

    components.st.download_button = button
    charts.to_png = lambda chart, language=None: json.dumps(charts.localized_spec(chart, language))
    try:
        runpy.run_path(page)
    finally:
        components.st.download_button, charts.to_png = real_button, real_png


def _pngs(page: str, **scope) -> dict[str, dict]:
    from streamlit.testing.v1 import AppTest

    from tests.support.app_fixtures import PAGES

    args = (str(PAGES / f"{page}.py"), {"role": "viewer", **scope})
    at = AppTest.from_function(png_app, args=args, default_timeout=60).run()
    assert not at.exception
    return at.session_state["_pngs"]


def test_a_page_s_png_download_is_the_chart_with_title_period_scope_n_and_as_of(app_db):
    pngs = _pngs("matching")
    title = pngs["mt_shares.png"]["title"]
    match = da("pages.matching.matches.gender_match").lower()
    assert title["text"] == da("pages.matching.outcomes_and_fidelity_by_match", m=match)
    (facts,) = title["subtitle"]
    period, scope, n, as_of = facts.split(" · ")
    assert (period, scope, as_of) == (
        "nov. 2025 – okt. 2026",
        da("population_country"),
        da("components.data_as_of_d", d=fmt_date(AS_OF, "da")),
    )
    before, after = da("n_behind", n="@").split("@")  # 'n = ', ' forløb'
    assert n.startswith(before) and n.endswith(after)
    assert int(n.removeprefix(before).removesuffix(after).replace(".", "")) > 100


def test_a_chart_without_its_own_title_carries_the_page_title_on_its_png(app_db):
    pngs = _pngs("caseloads", role="coordinator", municipalities=frozenset({"101"}))
    assert pngs and all(spec["title"]["text"] == da("page_caseloads") for spec in pngs.values())
    assert all("data pr. 31. okt. 2026" in spec["title"]["subtitle"][-1] for spec in pngs.values())
