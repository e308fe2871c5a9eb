"""Data quality page: load history, rejected rows by reason, orphans; raw values for national only."""

from __future__ import annotations

from app.queries import data_quality as q
from app.scope import Scope
from tests.app_fixtures import build_app_warehouse, through_router


def test_page_lists_loads_reasons_and_orphans(app_db):
    at = through_router("data_quality")
    assert not at.exception
    assert at.title[0].value == "Datakvalitet"
    assert len(at.dataframe) >= 2  # load history and the waiting rows
    assert at.get("vega_lite_chart")
    labels = [e.label for e in at.expander]
    # resolved orphans (batch 1's row) are not counted: two unknown_case rows remain
    assert "Ukendt forløb: 2" in labels and "Ukendt kommune: 1" in labels


def test_orphans_are_unresolved_unknown_case_rows_only(app_db):
    orphans = q.orphans(Scope.everything())
    assert sorted(orphans["source_row"].to_list()) == [4, 20]


def test_raw_values_only_for_national_viewers(app_db):
    national = q.rejected_rows(Scope.everything())
    coordinator = q.rejected_rows(Scope(role="coordinator", municipalities=frozenset({"101"})))
    assert "raw_values" in national.columns
    assert "raw_values" not in coordinator.columns
    assert {"source_file", "source_row", "column_name", "reason_code", "message"} <= set(
        coordinator.columns
    )


def test_page_in_english(app_db):
    at = through_router("data_quality", lang="en")
    assert not at.exception
    assert at.title[0].value == "Data quality"


def test_empty_warehouse_shows_guidance(tmp_path, monkeypatch):
    db = build_app_warehouse(tmp_path / "empty.duckdb", with_data=False)
    monkeypatch.setenv("LAT_DB", str(db))
    at = through_router("data_quality")
    assert not at.exception
    assert any("lat load" in i.body for i in at.info)
