"""Shared test settings: every test gets its own data folder and pseudonym key, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    """Keep tests away from ./data and from a real pseudonym key in the environment."""
    home = tmp_path_factory.mktemp("lat-data")
    monkeypatch.setenv("LAT_DB", str(home / "warehouse.duckdb"))
    monkeypatch.setenv("LAT_PSEUDONYM_KEY", "test-key-not-secret")


@pytest.fixture(autouse=True)
def _charts_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chart a test draws is checked against Vega-Lite's schema (the server skips it)."""
    from app import charts

    monkeypatch.setattr(charts, "VALIDATE", True)


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (production keeps argon2-cffi's RFC 9106 defaults)."""
    from argon2 import PasswordHasher

    from app import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(accounts, "_dummy_hash", None)


@pytest.fixture(scope="session")
def app_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard tests' fixture warehouse (tests/support/app_fixtures.py), built once per run.

    Read-only for the tests: the pages only read it (audit entries land beside it, never in it).
    """
    from tests.support.app_fixtures import build_app_warehouse  # late: most tests never need it

    return build_app_warehouse(tmp_path_factory.mktemp("app-wh") / "warehouse.duckdb")


@pytest.fixture
def app_db(app_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LAT_DB at the shared app warehouse for one test (after the isolating default)."""
    monkeypatch.setenv("LAT_DB", str(app_warehouse))
    return app_warehouse
