"""Every export audited and safe: data leave the dashboard only through components.download.

Streamlit's own ways out (a table's "Download as CSV" and Ctrl+C copy, a chart's "Show data",
"Download as PNG" and "Copy Vega-Lite spec", vega-embed's actions menu) are switched off: by the
config, by the export lock every table and chart component sends, and in the chart spec. The
browser proves the result (tests/browser/test_exports.py); these check the mechanism per page.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests import security_fixtures as sf
from tests.app_fixtures import build_app_warehouse

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
