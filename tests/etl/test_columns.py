"""The export-format registry (etl/columns.py) is the one the reader, validator and erasure use."""

from __future__ import annotations

import pytest

from etl import columns, erase, read
from etl.columns import TABLES, VOCABULARIES, Column, Table


@pytest.fixture
def with_case_alias(monkeypatch: pytest.MonkeyPatch):
    """The registry with one more English alias for the case id ('sag_id' is not one today)."""
    cases = TABLES["forloeb"]
    renamed = tuple(
        Column(**{**c.__dict__, "english": "sag_id"}) if c.name == "forloeb_id" else c
        for c in cases.columns
    )
    patched = {**TABLES, "forloeb": Table(**{**cases.__dict__, "columns": renamed})}
    monkeypatch.setattr(columns, "TABLES", patched)
    return patched


def test_the_reader_maps_headers_by_the_registry(with_case_alias):
    assert read.canonical_column("Sag-ID", "forloeb") == "forloeb_id"
    assert read.canonical_column("case_id", "forloeb") is None


def test_erasure_finds_every_header_the_registry_gives_the_case_id():
    names = {c.english for t in TABLES.values() for c in t.columns if c.name == "forloeb_id"}
    assert names | {"forloeb_id"} == erase.CASE_COLUMNS
    assert {"borger_id", "citizen_id"} == erase.CITIZEN_COLUMNS


def test_every_enum_column_names_a_vocabulary_and_every_vocabulary_is_used():
    enums = [c for t in TABLES.values() for c in t.columns if c.kind == "enum"]
    assert all(c.vocabulary in VOCABULARIES for c in enums)
    assert {c.vocabulary for c in enums} == set(VOCABULARIES)


def test_a_vocabulary_gives_its_codes_and_their_danish_spelling():
    status = VOCABULARIES["status"]
    assert status.codes == ("active", "closed", "discontinued")
    assert [status.danish(c) for c in status.codes] == ["aktiv", "afsluttet", "afbrudt"]


def test_the_registry_maps_onto_exactly_the_warehouse_code_lists():
    """The codes live in warehouse/seeds/code_lists.csv (ref.code_lists); each vocabulary of
    the export format must reach exactly those codes, in that order."""
    import polars as pl

    from warehouse.db import CODE_LISTS_CSV

    seed = pl.read_csv(CODE_LISTS_CSV, infer_schema=False).sort(
        "code_list", pl.col("position").cast(int)
    )
    lists = {
        name: tuple(group["code"])
        for (name,), group in seed.group_by("code_list", maintain_order=True)
    }
    assert {name: words.codes for name, words in VOCABULARIES.items()} == lists
