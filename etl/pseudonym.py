"""Keyed pseudonyms for citizens and cases (export-format.md rule 23).

A pseudonym is HMAC-SHA256 under a secret key, so the same borger_id always gives the same
citizen_key across exports, but nobody without the key can go back from the key to the id (a CPR
number has too few possible values for a plain hash to hide it).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from pathlib import Path

import polars as pl

from etl.cpr import cpr_flag_expr, fold_cpr_text, looks_like_cpr

ENV_KEY = "LAT_PSEUDONYM_KEY"


def normalise_citizen_id(borger_id: str) -> str:
    """Drop dashes and whitespace, digits as ASCII: '010190-1234', '0101901234', '010190–1234'
    and full-width '０１０１９０-１２３４' are one citizen.

    The folding is the CPR detector's own (`fold_cpr_text`), so whatever it reads as one number
    gets one pseudonym."""
    return fold_cpr_text(borger_id).replace("-", "").replace(" ", "")


class Pseudonymizer:
    """Turns ids into keyed pseudonyms that start with a letter and are never CPR-like."""

    def __init__(self, key: bytes):
        if not key:
            raise ValueError("the pseudonym key is empty")
        self._key = key

    @classmethod
    def from_environment(cls, key_file: Path) -> Pseudonymizer:
        """Key from $LAT_PSEUDONYM_KEY, else from `key_file`, created (0600) on first use."""
        env = os.environ.get(ENV_KEY)
        if env:
            return cls(env.encode("utf-8"))
        return cls(_read_or_create_key(Path(key_file)))

    @classmethod
    def for_warehouse(cls, db: Path) -> Pseudonymizer:
        """The key of the warehouse `db`: $LAT_PSEUDONYM_KEY, else pseudonym.key beside it."""
        from warehouse.db import data_dir  # imported late: warehouse/ may import etl/

        return cls.from_environment(data_dir(db) / "pseudonym.key")

    def _candidate(self, prefix: str, text: str, attempt: int = 0) -> str:
        message = text if attempt == 0 else f"{text}#{attempt}"
        return prefix + hmac.digest(self._key, message.encode("utf-8"), "sha256").hex()[:20]

    def _digest(self, prefix: str, text: str) -> str:
        # Twenty hex characters may by chance hold ten digits that read as a CPR number (about
        # one id in 1,500); such a pseudonym is re-derived with a counter, deterministically.
        attempt = 0
        candidate = self._candidate(prefix, text)
        while looks_like_cpr(candidate):
            attempt += 1
            candidate = self._candidate(prefix, text, attempt)
        return candidate

    def citizen_key(self, borger_id: str) -> str:
        """'c' + 20 hex characters of HMAC-SHA256 over the normalised borger_id."""
        return self._digest("c", normalise_citizen_id(borger_id))

    def case_key(self, case_id: str) -> str:
        """'k' + 20 hex characters of HMAC-SHA256 over 'case:' + case_id (erasure records)."""
        return self._digest("k", "case:" + case_id)

    def citizen_keys(self, ids: pl.Series) -> pl.Series:
        """citizen_key for a whole column, computed once per distinct id.

        Ids are normalised by `normalise_citizen_id` itself (not a polars regex: the two engines
        disagree on what `\\s` matches), so a column and a single id always get the same key.
        """
        raw = ids.cast(pl.String)
        seen = raw.drop_nulls().unique()
        normalised = pl.Series([normalise_citizen_id(value) for value in seen], dtype=pl.String)
        distinct = normalised.unique()
        keys = pl.Series([self._candidate("c", value) for value in distinct], dtype=pl.String)
        # The CPR check runs vectorised; only the rare CPR-like candidates go back to Python.
        redo = keys.to_frame("k").select(cpr_flag_expr(pl.col("k")))["k"]
        if redo.any():
            fixed = {i: self._digest("c", distinct[i]) for i in redo.arg_true().to_list()}
            keys = keys.scatter(list(fixed), list(fixed.values()))
        key_of_seen = keys.gather(normalised.cast(pl.Enum(distinct)).to_physical())
        return raw.replace_strict(seen, key_of_seen, default=None).alias(ids.name)


def _read_or_create_key(key_file: Path) -> bytes:
    """Read the hex key in `key_file`, or create it with 32 random bytes, readable by owner only."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two loads starting at once must not each write a different key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = key_file.read_text(encoding="utf-8").strip()
    for _ in range(100):  # another process may have created the file and not yet written it
        if text:
            break
        time.sleep(0.01)
        text = key_file.read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"the pseudonym key file {key_file} is empty")
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode("utf-8")
