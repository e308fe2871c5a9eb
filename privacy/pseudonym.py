"""Keyed pseudonyms for citizens and cases (export-format.md rule 23).

A pseudonym is HMAC-SHA256 under a secret key, so the same borger_id always gives the same
citizen_key across exports, but nobody without the key can go back from the key to the id (a CPR
number has too few possible values for a plain hash to hide it).

A warehouse remembers which key made its pseudonyms: the key's fingerprint (an HMAC of a fixed
label under the key, which tells nothing about the key) sits in `etl.meta`. Loading or erasing
with another key would give every citizen a new pseudonym and let erased citizens back in, so
it is refused (`PseudonymKeyError`), as are a key file that holds no valid key and a missing key
file for a warehouse that already holds pseudonyms: a fresh key is made for a new warehouse only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from privacy.cpr import cpr_flag_expr, fold_cpr_text, looks_like_cpr
from privacy.files import data_dir, make_data_dir
from settings import settings

ENV_KEY = "LAT_PSEUDONYM_KEY"
KEY_FILE_NAME = "pseudonym.key"
MIN_KEY_BYTES = 16  # a key file holds at least 32 hex characters (we write 64)
FINGERPRINT_LABEL = b"LAT Indsigt: fingerprint of the pseudonym key, v1"
FINGERPRINT_META = "pseudonym_key_fingerprint"  # the key of its row in etl.meta
_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


class PseudonymKeyError(Exception):
    """The key cannot be used on this warehouse; the message says what to do (one line)."""


def normalise_citizen_id(borger_id: str) -> str:
    """Drop dashes and whitespace, digits as ASCII: '010190-1234', '0101901234', '010190–1234'
    and full-width '０１０１９０-１２３４' are one citizen.

    The folding is the CPR detector's own (`fold_cpr_text`), so whatever it reads as one number
    gets one pseudonym."""
    return fold_cpr_text(borger_id).replace("-", "").replace(" ", "")


# What `normalise_citizen_id` drops from plain ASCII text, where folding changes nothing else:
# '-' and the ASCII characters str.isspace() counts (tests/test_cpr.py checks every one of the
# 128), written out, since polars' `\s` and Python's disagree
_ASCII_DROPPED = r"[-\t\n\x0b\x0c\r\x1c-\x1f ]"


def _normalise_column(ids: pl.Series) -> pl.Series:
    """`normalise_citizen_id` of each cell: vectorised for ASCII cells, the rest in Python."""
    ascii_only = ids.str.contains(r"^[\x00-\x7f]*$")
    normalised = ids.str.replace_all(_ASCII_DROPPED, "")
    if not ascii_only.all():
        others = ids.filter(~ascii_only)
        folded = pl.Series([normalise_citizen_id(value) for value in others], dtype=pl.String)
        normalised = normalised.scatter(ascii_only.not_().arg_true(), folded)
    return normalised


class Pseudonymizer:
    """Turns ids into keyed pseudonyms that start with a letter and are never CPR-like."""

    def __init__(self, key: bytes):
        if not key:
            raise ValueError("the pseudonym key is empty")
        self._key = key

    @classmethod
    def from_environment(cls, key_file: Path, *, create: bool = True) -> Pseudonymizer:
        """Key from $LAT_PSEUDONYM_KEY, else from `key_file`, created (0600) on first use.

        `create=False` refuses to make a new key file (the warehouse already has pseudonyms).
        """
        env = settings().pseudonym_key
        if env is not None:
            return cls(env.get_secret_value().encode("utf-8"))
        key_file = Path(key_file)
        if not create and not key_file.exists():
            raise PseudonymKeyError(
                f"Nøglefilen {key_file} mangler, men datalageret har allerede pseudonymer lavet "
                "med en nøgle. Læg den sikkerhedskopierede nøgle tilbage (eller sæt "
                f"{ENV_KEY}); en ny nøgle ville give alle borgere nye pseudonymer."
            )
        return cls(_read_or_create_key(key_file))

    @classmethod
    def for_warehouse(cls, db: Path) -> Pseudonymizer:
        """The key of the warehouse `db`: $LAT_PSEUDONYM_KEY, else pseudonym.key beside it.

        Raises PseudonymKeyError when it is not the key that made the warehouse's pseudonyms.
        """
        stored, has_pseudonyms = _warehouse_key_state(Path(db))
        keys = cls.from_environment(data_dir(db) / KEY_FILE_NAME, create=not has_pseudonyms)
        keys.check_fingerprint(stored)
        return keys

    def fingerprint(self) -> str:
        """HMAC-SHA256 of a fixed label under the key: names the key without revealing it.

        In hex with the digits written as letters (0-9 as g-p): a hex digest holds by chance
        (one key in some 700) ten digits that read as a CPR number, and the warehouse's own CPR
        check then refused every load of that warehouse."""
        return self._legacy_fingerprint().translate(_DIGITS_AS_LETTERS)

    def _legacy_fingerprint(self) -> str:
        """The fingerprint as warehouses stored it before: plain hex."""
        return hmac.new(self._key, FINGERPRINT_LABEL, "sha256").hexdigest()

    def knows_fingerprint(self, stored: str) -> bool:
        """Is `stored` this key's fingerprint, in the present or the earlier form?"""
        return any(
            hmac.compare_digest(stored, mine)
            for mine in (self.fingerprint(), self._legacy_fingerprint())
        )

    def check_fingerprint(self, stored: str | None) -> None:
        """Refuse this key when a warehouse's stored fingerprint names another one."""
        mine = self.fingerprint()
        if stored is not None and not self.knows_fingerprint(stored):
            raise PseudonymKeyError(
                "Pseudonymnøglen er ikke den, datalagerets pseudonymer er lavet med (lageret: "
                f"{stored[:12]}, denne nøgle: {mine[:12]}). Med en anden nøgle får hver borger "
                "et nyt pseudonym, og slettede borgere kommer tilbage; intet er ændret. Brug "
                f"lagerets nøgle ({ENV_KEY} eller {KEY_FILE_NAME} ved lageret); se README om "
                "nøgleskift."
            )

    def _candidate(self, prefix: str, text: str, attempt: int = 0) -> str:
        message = text if attempt == 0 else f"{text}#{attempt}"
        return prefix + hmac.digest(self._key, message.encode("utf-8"), "sha256").hex()[:20]

    def _candidates(self, prefix: str, texts: Iterable[str]) -> list[str]:
        """`_candidate(prefix, text)` of each text. HMAC-SHA256 written out (RFC 2104: SHA-256
        of the outer padded key and the SHA-256 of the inner padded key and the text), from the
        two padded keys' SHA-256 states, each copied per text: half the cost of copying an
        `hmac` object, whose copy is Python (a tenth of a second of a 100,000-case load, held
        under Python's lock while the other files are validated)."""
        inner, outer = _padded_states(self._key)
        found = []
        for text in texts:
            mac = inner.copy()
            mac.update(text.encode("utf-8"))
            digest = outer.copy()
            digest.update(mac.digest())
            found.append(prefix + digest.hexdigest()[:20])
        return found

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

        Plain ASCII ids are normalised by a polars regex naming the characters
        `normalise_citizen_id` drops (not `\\s`: the two engines disagree on what it matches),
        the others by `normalise_citizen_id` itself, so a column and a single id always get the
        same key.
        """
        raw = ids.cast(pl.String)
        seen = raw.drop_nulls().unique()
        normalised = _normalise_column(seen)
        distinct = normalised.unique()
        keys = pl.Series(self._candidates("c", distinct), dtype=pl.String)
        # The CPR check runs vectorised; only the rare CPR-like candidates go back to Python.
        redo = keys.to_frame("k").select(cpr_flag_expr(pl.col("k")))["k"]
        if redo.any():
            fixed = {i: self._digest("c", distinct[i]) for i in redo.arg_true().to_list()}
            keys = keys.scatter(list(fixed), list(fixed.values()))
        key_of_seen = keys.gather(normalised.cast(pl.Enum(distinct)).to_physical())
        return raw.replace_strict(seen, key_of_seen, default=None).alias(ids.name)


_SHA256_BLOCK = 64  # bytes: HMAC pads its key to SHA-256's block


def _padded_states(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 after the inner and the outer padded key of HMAC-SHA256 under `key` (RFC 2104:
    a key longer than a block is its own SHA-256 first)."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the key that made this warehouse's pseudonyms, if recorded."""
    rows = con.execute(
        "select value from etl.meta where key = $k", {"k": FINGERPRINT_META}
    ).fetchall()
    return rows[0][0] if rows else None


def bind_key(con: duckdb.DuckDBPyConnection, keys: Pseudonymizer) -> None:
    """Inside a write: refuse another key, or record this key's fingerprint when none is.

    A warehouse from before fingerprints adopts the key of its first keyed write.
    """
    stored = stored_fingerprint(con)
    keys.check_fingerprint(stored)
    if stored != keys.fingerprint():  # none yet, or the earlier hex form: written as letters
        con.execute(
            "insert or replace into etl.meta values ($k, $v)",
            {"k": FINGERPRINT_META, "v": keys.fingerprint()},
        )


def _warehouse_key_state(db: Path) -> tuple[str | None, bool]:
    """(stored fingerprint, holds pseudonyms already) of the live warehouse file, read-only.

    A warehouse that exists but cannot be read counts as holding pseudonyms, so that no new key
    is made for it; the write transaction then checks again, under the writer lock.
    """
    if not db.exists():
        return None, False
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None, True
    try:
        stored = stored_fingerprint(con)
        held = con.execute(
            "select exists (select 1 from etl.batches) or exists (select 1 from etl.erased_keys)"
            " or exists (select 1 from raw.cases)"
        ).fetchall()[0][0]
        return stored, stored is not None or bool(held)
    except duckdb.CatalogException:
        return None, False  # an empty file, not yet a warehouse
    finally:
        con.close()


def _read_or_create_key(key_file: Path) -> bytes:
    """Read the hex key in `key_file`, or create it with 32 random bytes, readable by owner only."""
    make_data_dir(key_file.parent)
    try:
        # O_EXCL: two loads starting at once must not each write a different key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = key_file.read_text(encoding="utf-8", errors="replace").strip()
    for _ in range(100):  # another process may have created the file and not yet written it
        if text:
            break
        time.sleep(0.01)
        text = key_file.read_text(encoding="utf-8", errors="replace").strip()
    return _parse_key_file(key_file, text)


def _parse_key_file(key_file: Path, text: str) -> bytes:
    """The key in a key file's text; anything but hex of MIN_KEY_BYTES or more is an error."""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"Nøglefilen {key_file} indeholder ikke en gyldig pseudonymnøgle (mindst "
            f"{2 * MIN_KEY_BYTES} hexadecimale tegn, som lat skriver den). Filen erstattes "
            "ikke: læg den rigtige nøgle tilbage fra sikkerhedskopien."
        )
    return key
