"""Settings from the environment: one validated object, one clear line for a bad value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.main import main as lat
from settings import DEFAULT_DB, PREFIX, Settings, SettingsError, settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    names = [PREFIX + name.upper() for name in Settings.model_fields]
    missing = [name for name in names if not re.search(rf"^\| `{name}` \|", README, re.M)]
    assert missing == []


def test_the_warehouse_file_is_the_option_then_lat_db_then_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("LAT_DB", raising=False)
    assert settings().db_path() == DEFAULT_DB.absolute()
    monkeypatch.setenv("LAT_DB", str(tmp_path / "env.duckdb"))
    assert settings().db_path() == tmp_path / "env.duckdb"
    assert settings().db_path(tmp_path / "option.duckdb") == tmp_path / "option.duckdb"
    monkeypatch.setenv("LAT_DB", "  ")
    assert settings().db_path() == DEFAULT_DB.absolute(), "an empty LAT_DB means not set"


def test_a_bad_memory_limit_names_the_variable_and_an_example(monkeypatch):
    monkeypatch.setenv("LAT_WRITER_MEMORY", "plenty")
    with pytest.raises(SettingsError) as caught:
        settings()
    assert str(caught.value) == (
        "Miljøvariablen LAT_WRITER_MEMORY kan ikke bruges: skal være en mængde hukommelse som "
        "768MB eller 2GB."
    )
    monkeypatch.setenv("LAT_WRITER_MEMORY", " 2GB ")
    assert settings().writer_memory == "2GB"


def test_the_readers_memory_limit_is_checked_like_the_writers(monkeypatch):
    monkeypatch.delenv("LAT_READER_MEMORY", raising=False)
    assert settings().reader_memory == "2GB"
    monkeypatch.setenv("LAT_READER_MEMORY", "all of it")
    with pytest.raises(SettingsError, match="LAT_READER_MEMORY"):
        settings()
    monkeypatch.setenv("LAT_READER_MEMORY", "512MB")
    assert settings().reader_memory == "512MB"


def test_the_key_is_a_secret_that_no_message_or_repr_shows(monkeypatch):
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "a-very-secret-key")
    found = settings()
    assert found.pseudonym_key.get_secret_value() == "a-very-secret-key"
    assert "a-very-secret-key" not in repr(found)


def test_lat_stops_with_one_line_and_exit_2_on_a_bad_setting(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LAT_WRITER_MEMORY", "lots")
    assert lat(["check", "--db", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LAT_WRITER_MEMORY" in err and "Traceback" not in err
