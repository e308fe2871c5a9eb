"""Every export audited and safe: data leave the dashboard only through components.download.

Streamlit's own ways out (a table's "Download as CSV" and Ctrl+C copy, a chart's "Show data",
"Download as PNG" and "Copy Vega-Lite spec", vega-embed's actions menu) are switched off: by the
config, by the export lock every table and chart component sends, and in the chart spec. The
browser proves the result (tests/browser/test_exports.py); these check the mechanism per page.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as gen

from app import components
from tests.support import security_fixtures as sf
from tests.support.app_fixtures import build_app_warehouse

ROOT = sf.ROOT
# Streamlit elements that draw data with a toolbar of their own (download, copy, show data):
# only app/components.py may call them, each behind the export lock.
DATA_ELEMENTS = (
    "dataframe", "data_editor", "table", "vega_lite_chart", "altair_chart", "line_chart",
    "bar_chart", "area_chart", "scatter_chart", "map", "plotly_chart", "pyplot", "bokeh_chart",
    "pydeck_chart", "graphviz_chart", "image", "json",
)  # fmt: skip
DIRECT_CALL = re.compile(
    r"\bst(?:\.sidebar)?\.(?:" + "|".join(DATA_ELEMENTS) + r")\("
    r"|\.(?:dataframe|data_editor|vega_lite_chart|altair_chart)\("  # on a column or expander too
)
TOOLBAR_HIDDEN = re.compile(r"stElementToolbar['\"]?\]\s*\{[^}]*display:\s*none\s*!important")
ROLES = {
    "national": {},
    "coordinator": {"municipalities": ("101",)},
    "worker": {"worker_id": "W101-1"},
    "viewer": {},
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app_warehouse(tmp_path_factory.mktemp("exports-wh") / "warehouse.duckdb")


def test_streamlits_table_download_and_copy_are_switched_off_in_the_config():
    """client.disableDataExport hides "Download as CSV" and stops Ctrl+C copy of table cells."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config.get("client", {}).get("disableDataExport") is True


def test_tables_and_charts_are_drawn_only_by_the_components():
    """A table or chart drawn straight with Streamlit would bring its own export toolbar."""
    sources = [*ROOT.glob("app/**/*.py"), *ROOT.glob("pages/*.py")]
    direct = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path.name != "components.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DIRECT_CALL.search(line)
    ]
    assert direct == []


def _spec_actions(chart) -> object:
    spec = json.loads(chart.proto.spec)
    return spec.get("usermeta", {}).get("embedOptions", {}).get("actions", "missing")


@pytest.fixture(scope="module")
def drawn(warehouse: Path) -> dict[tuple[str, str], object]:
    """(role, page) -> the AppTest of that page run for that role (each runs once per module)."""
    with pytest.MonkeyPatch.context() as patch:  # module scope: the monkeypatch fixture is per test
        patch.setenv("LAT_DB", str(warehouse))
        return {
            (role, page.stem): sf.run_page(page, role, **ROLES[role])
            for role in ROLES
            for page in sf.page_files()
        }


def _of(drawn: dict, role: str) -> list[tuple[str, object]]:
    runs = [(page, at) for (who, page), at in drawn.items() if who == role]
    for page, at in runs:
        assert not at.exception, f"{role} on {page}: {at.exception}"
    return runs


@pytest.mark.parametrize("role", ROLES)
def test_every_table_and_chart_comes_with_the_export_lock(drawn, role):
    """On every page, where a table or chart is drawn, Streamlit's toolbar over it is hidden."""
    runs = _of(drawn, role)
    for page, at in runs:
        if at.dataframe or at.get("vega_lite_chart"):
            styles = [html.proto.body for html in at.get("html")]
            assert any(TOOLBAR_HIDDEN.search(s) for s in styles), f"{page}: no export lock"
    assert any(at.dataframe for _, at in runs), f"{role}: no page drew a table to check"


@pytest.mark.parametrize("role", ROLES)
def test_every_chart_spec_switches_vega_embeds_actions_menu_off(drawn, role):
    runs = _of(drawn, role)
    charts = [(page, chart) for page, at in runs for chart in at.get("vega_lite_chart")]
    assert charts, f"{role}: no page drew a chart to check"
    assert [(page, _spec_actions(chart)) for page, chart in charts] == [
        (page, False) for page, _ in charts
    ]


# --- the audited download is formula-safe whatever the column type ------------------------------

FORMULA_STARTS = "=+-@\t\r"
cell_text = gen.one_of(
    gen.text(max_size=12),
    gen.builds(str.__add__, gen.sampled_from(FORMULA_STARTS), gen.text(max_size=12)),
    gen.sampled_from(['=HYPERLINK("http://x","klik")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]),
)
TEXT_TYPES = {"string": pl.String, "categorical": pl.Categorical, "enum": None}


def _column(values: list[str | None], kind: str) -> pl.Series:
    if kind == "enum":  # an Enum's categories are its distinct values
        categories = list(dict.fromkeys(v for v in values if v is not None))
        return pl.Series("cell", values, dtype=pl.Enum(categories))
    return pl.Series("cell", values, dtype=TEXT_TYPES[kind])


def _defused(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(tuple(FORMULA_STARTS)) else value


@settings(max_examples=150, deadline=None)
@given(
    values=gen.lists(gen.one_of(gen.none(), cell_text), min_size=1, max_size=8),
    kind=gen.sampled_from(list(TEXT_TYPES)),
)
def test_csv_download_defuses_formulas_in_every_text_column_type(values, kind):
    """Each cell reads back as written, with a leading ' where it would start a formula."""
    body = components.csv_bytes(pl.DataFrame(_column(values, kind)))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    expected = [_defused(v) for v in values]
    assert [row[0] if row else "" for row in rows[1:]] == expected


def test_a_download_is_audited_when_its_file_is_made_not_by_the_clicks_rerun(monkeypatch, tmp_path):
    """The browser fetches a download's file (Streamlit's deferred callable) apart from the
    rerun that carries the click: a client that drops that rerun got the file unaudited. So the
    entry is written where the file is made, for the user signed in when the button was drawn
    (the callable runs in a thread of its own, without the session)."""
    from app import auth
    from app.scope import Scope
    from privacy import audit

    monkeypatch.setenv("LAT_DB", str(tmp_path / "warehouse.duckdb"))
    drawn: dict = {}
    monkeypatch.setattr(components.st, "download_button", lambda *a, **k: drawn.update(k))
    monkeypatch.setattr(auth, "current_scope", lambda: Scope(role="viewer", user="ledelse"))
    components.download("Hent", lambda: b"rows", key="cases", kind="csv")
    monkeypatch.setattr(auth, "current_scope", lambda: None)  # no session in that thread
    assert audit.read_events(event="download").is_empty()  # drawing it took nothing away
    assert drawn["data"]() == b"rows"
    events = audit.read_events(event="download")
    assert events["user"].to_list() == ["ledelse"]
    assert json.loads(events["detail"][0])["what"] == "cases.csv"
    assert drawn["on_click"] == "ignore"  # one entry per file, not a second one for the click


def test_csv_download_is_in_danish_excels_dialect():
    """Danish Excel opens ';'-separated files with decimal commas as columns of numbers."""
    body = components.csv_bytes(pl.DataFrame({"gruppe": ["Alle"], "andel": [0.5], "n": [1517]}))
    assert body.decode("utf-8-sig").splitlines() == ["gruppe;andel;n", "Alle;0,5;1517"]
