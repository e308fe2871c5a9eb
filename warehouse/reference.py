"""Reference constants of the change criteria (`ref.instruments`): show them and change them.

`lat reference [INSTRUMENT] [--sd X] [--reliability R] [--cutoff C | --no-cutoff]
[--mcid M | --no-mcid] [--db FILE]` prints the constants in force, or validates and writes new ones
through the atomic warehouse writer, so every mart shows the new values when the command returns.
The reliable-change threshold itself is computed once, in the view `staging.instruments`.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import Reader, apply_schema, ensure_warehouse, write_transaction

CONSTANTS_QUERY = """
select
    instrument,
    score_min,
    score_max,
    reliability,
    sd,
    cutoff,
    mcid,
    z,
    reliable_change_threshold,
    sources
from staging.instruments
order by instrument desc
"""

# Spellings the platform uses for the instruments (export-format.md, maalinger.instrument).
ALIASES = {"WHO5": "WHO5", "GSE": "GSE", "GSES": "GSE", "GENERALSELFEFFICACY": "GSE"}


class ReferenceError(ValueError):
    """A value a user gave that cannot become a reference constant; the message says why."""


def instrument_constants(source: duckdb.DuckDBPyConnection | Reader) -> pl.DataFrame:
    """The constants in force, one row per instrument, with the reliable-change threshold."""
    if isinstance(source, Reader):
        return source.frame(CONSTANTS_QUERY)
    return source.sql(CONSTANTS_QUERY).pl()


def canonical_instrument(name: str) -> str | None:
    """'who-5', 'WHO 5' and 'WHO5' are one instrument; None when the name is unknown."""
    folded = "".join(ch for ch in name.upper() if ch.isalnum())
    return ALIASES.get(folded)


def validate_changes(current: dict, changes: dict[str, float | None]) -> None:
    """Raise ReferenceError with a one-line reason when a new value cannot be used."""
    for column, value in changes.items():
        if value is not None and not math.isfinite(value):
            raise ReferenceError(f"--{column} must be a finite number, not {value}")
    low, high = current["score_min"], current["score_max"]
    name = current["instrument"]
    if "reliability" in changes and not 0 < changes["reliability"] < 1:
        raise ReferenceError(
            f"--reliability must lie strictly between 0 and 1, not {changes['reliability']:g}"
        )
    if "sd" in changes and not changes["sd"] > 0:
        raise ReferenceError(f"--sd must be greater than 0, not {changes['sd']:g}")
    cutoff = changes.get("cutoff")
    if cutoff is not None and not low <= cutoff <= high:
        raise ReferenceError(
            f"--cutoff for {name} must lie on its scale {low}-{high}, not {cutoff:g}"
        )
    mcid = changes.get("mcid")
    if mcid is not None and not 0 < mcid <= high - low:
        raise ReferenceError(
            f"--mcid for {name} must be a change between 0 and {high - low} points, not {mcid:g}"
        )


def read_constants(path: Path) -> pl.DataFrame:
    """Constants of the warehouse at `path`, or the defaults when there is no warehouse yet."""
    if not path.exists():
        con = duckdb.connect()
        try:
            apply_schema(con)
            return instrument_constants(con)
        finally:
            con.close()
    ensure_warehouse(path)  # a warehouse built by older SQL gets the current views first
    reader = Reader(path)
    try:
        return instrument_constants(reader)
    finally:
        reader.close()


def update_instrument(path: Path, instrument: str, changes: dict[str, float | None]) -> None:
    """Write new constants for one instrument in one atomic transaction."""
    allowed = ("sd", "reliability", "cutoff", "mcid")
    with write_transaction(path) as con:
        for column, value in changes.items():
            if column not in allowed:  # identifiers only from this allow-list
                raise ReferenceError(f"unknown constant {column}")
            con.execute(
                f"update ref.instruments set {column} = $value where instrument = $instrument",  # noqa: S608
                {"value": value, "instrument": instrument},
            )


def format_constants(constants: pl.DataFrame) -> str:
    """A readable table of the constants, their sources and the thresholds they give."""

    def number(value: float | None) -> str:
        return "none" if value is None else f"{value:g}"

    header = ("instrument", "scale", "reliability", "sd", "cutoff", "mcid", "reliable change >")
    rows = [header]
    for row in constants.iter_rows(named=True):
        rows.append(
            (
                row["instrument"],
                f"{row['score_min']}-{row['score_max']}",
                number(row["reliability"]),
                number(row["sd"]),
                number(row["cutoff"]),
                number(row["mcid"]),
                f"{row['reliable_change_threshold']:.2f} points",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    z = constants["z"][0] if constants.height else 1.959964
    lines.append("")
    lines.append(
        f"Reliable change (Jacobson-Truax): |change| > z * sqrt(2) * sd * sqrt(1 - reliability),"
        f" z = {z}"
    )
    lines.append("Sources:")
    for row in constants.iter_rows(named=True):
        lines.append(
            textwrap.fill(
                row["sources"],
                width=100,
                initial_indent=f"  {row['instrument']}: ",
                subsequent_indent="    ",
            )
        )
    return "\n".join(lines)


def show_or_change(
    path: Path, name: str | None, changes: dict[str, float | None]
) -> tuple[str | None, pl.DataFrame, bool]:
    """(instrument, constants to show, whether they changed) for `lat reference`.

    Without changes: the constants in force (all, or of the named instrument). With changes: the
    named instrument's constants are checked and written first. ReferenceError says what is wrong.
    """
    constants = read_constants(path)
    instrument = canonical_instrument(name) if name else None
    if name and instrument not in constants["instrument"].to_list():
        known = ", ".join(constants["instrument"].to_list())
        raise ReferenceError(f"unknown instrument {name!r}; known: {known}")
    if changes:
        if instrument is None:
            raise ReferenceError("name the instrument to change, e.g. `lat reference WHO5 --sd 18`")
        current = constants.filter(pl.col("instrument") == instrument).row(0, named=True)
        validate_changes(current, changes)
        update_instrument(path, instrument, changes)
        constants = read_constants(path)
    if instrument is not None:
        constants = constants.filter(pl.col("instrument") == instrument)
    return instrument, constants, bool(changes)
