"""Settings from the environment, in one validated object (`LAT_DB`, `LAT_PSEUDONYM_KEY`, ...).

Read afresh whenever the environment's LAT_ variables changed since the last call of
`settings()`: a test or a shell may change the environment between two commands. A bad value is a `SettingsError` whose message names the variable and what it
should hold, in one line, never a traceback. This module imports nothing of the project: every
layer (privacy/, warehouse/, etl/, app/, cli/) may read it.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_DB = Path("data") / "warehouse.duckdb"
PREFIX = "LAT_"
MIB = 2**20
LIMIT_PREFIX = "max_"  # the reader's limits (etl/limits.py): max_rows is LAT_MAX_ROWS
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting in the environment that cannot be used; str(e) is one line saying which."""


class Settings(BaseModel):
    """Every setting `lat` and the dashboard read from the environment (documented in README):
    the field `max_rows` is the variable LAT_MAX_ROWS (`settings()` reads them). A plain model,
    not pydantic-settings' BaseSettings: importing that (and asyncio, which it imports) cost
    every `lat` command a tenth of a second of CPU before any work (issue 7 section 5)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    db: Path | None = Field(None, description="the warehouse file (default data/warehouse.duckdb)")
    pseudonym_key: SecretStr | None = Field(
        None, description="the pseudonym key (default: pseudonym.key beside the warehouse)"
    )
    writer_memory: str = Field(
        "768MB", description="DuckDB's memory limit for a load or another write (e.g. 2GB)"
    )
    reader_memory: str = Field(
        "2GB",
        description="DuckDB's memory limit for the dashboard's queries, all sessions together",
    )

    # the export reader's limits (etl/limits.py, docs/export-format.md "Limits")
    max_file_bytes: int = Field(
        512 * MIB, description="bytes in one file, ZIP member or workbook part, unpacked"
    )
    max_export_bytes: int = Field(
        2048 * MIB, description="bytes in all files of one export together, unpacked"
    )
    max_zip_ratio: int = Field(
        100, description="unpacked / packed size of one ZIP member (beyond 1 MB)"
    )
    max_zip_members: int = Field(10_000, description="entries in one ZIP or workbook")
    max_columns: int = Field(1_000, description="header cells of one table")
    max_rows: int = Field(5_000_000, description="rows (lines of a CSV) of one table")
    max_cells: int = Field(20_000_000, description="rows x columns of one table")
    max_cell_bytes: int = Field(65_536, description="bytes of one cell or header, in UTF-8")

    @field_validator("db", "pseudonym_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `LAT_DB= lat load ...` means "not set", as the shell habit goes
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("writer_memory", "reader_memory")
    @classmethod
    def _memory_amount(cls, value: str) -> str:
        if not _MEMORY.fullmatch(value.strip()):
            raise ValueError("skal være en mængde hukommelse som 768MB eller 2GB")
        return value.strip()

    @field_validator(
        "max_file_bytes", "max_export_bytes", "max_zip_ratio", "max_zip_members", "max_columns",
        "max_rows", "max_cells", "max_cell_bytes", mode="before",
    )  # fmt: skip
    @classmethod
    def _positive_whole_number(cls, value: object) -> object:
        # '10_000_000' reads as people write it; '1e6', '-1', '0' and 'many' are no limit
        text = str(value).strip().replace("_", "")
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"skal være et positivt helt tal (er {str(value).strip()[:40]!r})")
        return int(text)

    def db_path(self, explicit: str | Path | None = None) -> Path:
        """The warehouse file: `--db`, else `LAT_DB`, else data/warehouse.duckdb under the cwd."""
        return Path(explicit or self.db or DEFAULT_DB).absolute()


def settings() -> Settings:
    """The settings in force now; raises SettingsError with one line per bad variable."""
    # the names in any case (lat_db too), as pydantic-settings read them
    named = ((k, v) for k, v in os.environ.items() if k.upper().startswith(PREFIX))
    return _settings(tuple(sorted(named)))


@functools.lru_cache(maxsize=16)
def _settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    """The settings of one state of the LAT_ variables (the argument is the cache's key):
    made once, since a page run asks for the warehouse's path at every query (made afresh,
    they took a tenth of a cached page run)."""
    try:
        return Settings(**{name[len(PREFIX) :].lower(): value for name, value in environment})
    except ValidationError as exc:
        raise SettingsError(_message(exc)) from None


def _message(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX
        reason = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"Miljøvariablen {name} kan ikke bruges: {reason}.")
    return " ".join(lines)
