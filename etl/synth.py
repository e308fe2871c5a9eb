"""Synthetic platform exports for demos, tests and benchmarks (`lat synth`).

The export follows export-format.md: four CSV tables plus `eksport.json`. Clean mode writes UTF-8,
commas, ISO dates and Danish headers; messy mode varies dialect, headers and cell formats the way
real exports do, and plants a known number of invalid rows for every rejection reason.

Cases are generated in fixed chunks with numpy, one random stream per chunk, so memory stays flat
for a million cases and the same seed always writes byte-identical files.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from etl.columns import TABLES as TABLES_BY_NAME
from etl.columns import VOCABULARIES, table_names
from warehouse.db import MUNICIPALITIES_CSV

EXPORT_DATE = date(2026, 10, 31)  # fixed, so the demo is the same every day
FIRST_START = date(2019, 1, 1)
CHUNK_CASES = 50_000  # fixed: part of what makes a seed reproducible
MAX_CASES = 9_999_999  # case ids have seven digits; planted ids use eight
INVALID_RATE = 0.01
EPOCH = date(1970, 1, 1)
REFERENCE = MUNICIPALITIES_CSV
TABLES = table_names()

# fmt: off
# The corps' municipalities and their populations (thousands), which set their share of cases.
CORPS = {
    101: 650, 147: 105, 151: 52, 157: 75, 167: 55, 173: 56, 217: 63, 219: 52,  # Hovedstaden
    253: 52, 259: 62, 265: 90, 330: 80, 370: 83,  # Sjælland
    461: 210, 479: 59, 540: 74, 561: 116, 621: 95, 630: 120,  # Syddanmark
    657: 90, 730: 99, 740: 97, 751: 360, 791: 98,  # Midtjylland
    813: 59, 851: 222, 860: 64,  # Nordjylland
}

# fmt: on


def _labels_of(vocabulary: str) -> list[str]:
    """The clean export's spelling of each code, in the registry's order (etl/columns.py)."""
    words = VOCABULARIES[vocabulary]
    return [words.danish(code) for code in words.codes]


CASE_TYPES = _labels_of("case_type")
ROLES = _labels_of("role")
GENDERS = _labels_of("gender")
STATUSES = _labels_of("status")
END_REASONS = _labels_of("end_reason")
REFERRERS = _labels_of("referred_by")
INSTRUMENTS = _labels_of("instrument")
PHASES = _labels_of("phase")

# fmt: off

# Spellings real exports use for the same value (export-format.md, rule 2); "" means blank.
MESSY_CASE_TYPES = [
    ["mentor", "mentor", "Mentor", "MENTOR", "mentorforløb", " mentor "],
    ["forældrecoach", "Forældrecoach", "Forældrecoaching", "parent coach", "Parent-Coach",
     "FORÆLDRECOACH"],
]
MESSY_ROLES = [["mentor", "Mentor"], ["Forældrecoach", "parent coach"], ["koordinator", "Coordinator"]]
MESSY_GENDERS = [["mand", "M", "Mand", "male"], ["kvinde", "K", "Kvinde", "female"],
                 ["andet", "a", "other", "Andet"]]
MESSY_STATUSES = [["aktiv", "Aktiv", "active", ""], ["afsluttet", "Afsluttet", "closed", ""],
                  ["afbrudt", "Afbrudt", "discontinued", "AFBRUDT"]]
MESSY_END_REASONS = [
    ["maal_naaet", "Mål nået", "goals met", "MÅL NÅET"], ["delvist_naaet", "Delvist nået", "partly_met"],
    ["ikke_naaet", "Ikke nået", "not met"], ["overdraget", "Overdraget", "handed over"],
    ["borger_ophoert", "Borger ophørt", "citizen withdrew"], ["andet", "Andet", "other"],
]
MESSY_REFERRERS = [
    ["infohus", "Infohus", "INFOHUS"], ["jobcenter", "Jobcenter"],
    ["familieafdeling", "Familieafdeling", "family services"], ["skole", "Skole", "school"],
    ["ssp", "SSP"], ["psykiatri", "Psykiatri", "psychiatry"], ["andet", "Andet", "other"],
]
MESSY_INSTRUMENTS = [["WHO5", "WHO-5", "who 5", "WHO5"], ["GSE", "GSES", "gse", "general self-efficacy"]]
MESSY_PHASES = [["foer", "før", "pre", "baseline", "Før"], ["efter", "post", "Efter", "EFTER"]]
MESSY_BOOLS = [["nej", "Nej", "false", "0", "no"], ["ja", "Ja", "true", "1", "yes"]]
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%-d.%-m.%Y", "%d/%m/%Y", "%-d-%-m-%Y", "%d.%m.%Y"]
TIMES = ["08:05", "09:30", "10:15", "11:45", "13:00", "14:10", "15:20", "16:55:05"]
NOTES = ["ring før møde", "tolk ved første møde", "aftale flyttet", 'mor siger "ok"', "følges op"]

FIRST_F = ("Anne Mette Hanne Louise Camilla Maria Line Sofie Julie Pia Susanne Lene Charlotte Tina "
           "Heidi Birgitte Kirsten Signe Ida Emma Karen Mia Nanna Rikke Trine Malene").split()
FIRST_M = ("Peter Jens Lars Michael Henrik Thomas Søren Martin Jesper Niels Anders Rasmus Christian "
           "Mads Morten Jakob Kasper Frederik Mikkel Bjørn Kristian Jonas Ole Per Torben Brian").split()
FIRST_F_OTHER = "Fatima Amina Aisha Leyla Hodan Zeynep Sara Nadia Mariam Yasmin".split()
FIRST_M_OTHER = "Mohammad Ahmed Ali Omar Hassan Abdi Mehmet Yusuf Karim Bilal".split()
LAST = ("Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
        "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
        "Knudsen Jakobsen Mikkelsen Frederiksen Lund Holm Schmidt Eriksen Kjær Bach").split()
LAST_OTHER = "Hussein Ahmad Ali Yilmaz Khan Mohamed Abdullahi Said Hassan Osman".split()
LANGS = ["dansk"] * 6 + ["dansk, engelsk"] * 3 + ["dansk, engelsk, tysk", "dansk, polsk"]
LANGS_OTHER = ["dansk, arabisk", "dansk, somali", "dansk, tyrkisk", "dansk, urdu", "dansk, persisk",
               "dansk, arabisk, engelsk", "dansk, tigrinya"]

ITEMS = [f"item_{i}" for i in range(1, 11)]
CLEAN_HEADERS = {table: [c.name for c in TABLES_BY_NAME[table].columns] for table in TABLES}
# Messy headers: odd casing, spaces, hyphens, Danish letters, English aliases, one unknown column;
# every one folds to a valid name (export-format.md section 2).
MESSY_HEADERS = {
    "forloeb": ["Forløb ID", "Kommunekode ", "FORLOEBSTYPE", "Medarbejder-ID", "borger_id", "Køn",
                "Alder", "Fødselsår", "Startdato", "Slutdato", "Status", "Afslutningsårsag",
                "Henvist af", "Udlånt fra", "Bemærkning"],
    "medarbejdere": CLEAN_HEADERS["medarbejdere"],
    "maalinger": ["case-id", "Instrument", "phase", "Date", *ITEMS, "raw_score"],
    "progression": ["FORLØB_ID", "Dato", "Score"],
}
# CSV dialect per table: (encoding, separator, line terminator, byte-order mark, quote style).
CLEAN_DIALECT = ("utf-8", ",", "\n", False, "necessary")
MESSY_DIALECT = {
    "forloeb": ("cp1252", ";", "\r\n", False, "necessary"),  # Danish Excel's semicolon CSV
    "medarbejdere": ("utf-8", ",", "\n", True, "non_numeric"),
    "maalinger": ("utf-8", "\t", "\n", False, "necessary"),
    "progression": ("cp1252", ";", "\r\n", False, "necessary"),
}

# Reasons planted per table, in the order they are cycled through.
PLANTED = {
    "forloeb": ["missing_required", "invalid_value", "out_of_range", "future_date", "date_order",
                "unknown_municipality", "conflicting_duplicate"],
    "medarbejdere": ["missing_required", "invalid_value", "out_of_range", "unknown_municipality",
                     "conflicting_duplicate"],
    "maalinger": ["missing_required", "invalid_value", "out_of_range", "future_date",
                  "total_mismatch", "unknown_case", "conflicting_duplicate"],
    "progression": ["missing_required", "invalid_value", "out_of_range", "future_date",
                    "unknown_case", "conflicting_duplicate"],
}
# fmt: on


@dataclass
class SynthSummary:
    """What a synthetic export holds, so tests and benchmarks can check a load against it."""

    out_dir: Path
    cases: int
    seed: int
    messy: bool
    exported_at: date
    municipalities: list[str]
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    blank_rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    # table -> reason -> rows the ETL should reject for that reason (a conflicting pair counts 2)
    invalid: dict[str, dict[str, int]] = field(default_factory=lambda: {t: {} for t in TABLES})
    identical_duplicates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    cpr_borger_ids: int = 0
    cpr_in_text: int = 0
    workers: int = 0

    @property
    def invalid_by_reason(self) -> dict[str, int]:
        """Planted invalid rows per rejection reason over all tables."""
        total: Counter[str] = Counter()
        for reasons in self.invalid.values():
            total.update(reasons)
        return dict(sorted(total.items()))

    def add_invalid(self, table: str, reasons: Counter[str]) -> None:
        for reason, n in reasons.items():
            self.invalid[table][reason] = self.invalid[table].get(reason, 0) + n


# ---------------------------------------------------------------- reference and workers


@dataclass
class _Corps:
    codes: np.ndarray  # municipality code per corps index
    regions: np.ndarray  # region code per corps index
    weights: np.ndarray  # share of cases


def _corps() -> _Corps:
    ref = pl.read_csv(REFERENCE, schema_overrides={"municipality_code": pl.Int64})
    region_of = dict(zip(ref["municipality_code"], ref["region_code"], strict=True))
    codes = np.array(sorted(CORPS), dtype=np.int64)
    pops = np.array([CORPS[c] for c in codes], dtype=float)
    return _Corps(codes, np.array([region_of[c] for c in codes]), pops / pops.sum())


@dataclass
class _Workers:
    muni: np.ndarray  # corps index per worker
    role: np.ndarray  # index into ROLES
    start: np.ndarray  # (n_munis, 2): first mentor / parent coach worker index per municipality
    count: np.ndarray  # (n_munis, 2): how many


def _worker_counts(cases: int, corps: _Corps) -> np.ndarray:
    """Workers per municipality: about 6 each per 1,500 cases, so a worker has ~5-15 cases."""
    total = max(3 * len(corps.codes), round(cases * 6 * len(corps.codes) / 1500))
    return np.maximum(3, np.rint(corps.weights * total)).astype(np.int64)


def _make_workers(cases: int, corps: _Corps) -> _Workers:
    muni, role = [], []
    start = np.zeros((len(corps.codes), 2), dtype=np.int64)
    count = np.zeros_like(start)
    for m, n in enumerate(_worker_counts(cases, corps)):
        n_coord = max(1, round(0.07 * n))
        n_pc = max(1, round((n - n_coord) / 3))
        n_mentor = n - n_coord - n_pc
        offset = len(role)
        start[m] = (offset + n_coord, offset + n_coord + n_mentor)
        count[m] = (n_mentor, n_pc)
        role += [2] * n_coord + [0] * n_mentor + [1] * n_pc
        muni += [m] * n
    return _Workers(np.array(muni), np.array(role), start, count)


def _worker_frame(
    w: _Workers, corps: _Corps, rng: np.random.Generator, export: date, messy: bool
) -> pl.DataFrame:
    n = len(w.muni)
    other = rng.random(n) < 0.15  # non-Danish background: names and languages to match
    female = rng.random(n) < 0.65
    first = np.where(
        other,
        np.where(female, _pick(FIRST_F_OTHER, rng, n), _pick(FIRST_M_OTHER, rng, n)),
        np.where(female, _pick(FIRST_F, rng, n), _pick(FIRST_M, rng, n)),
    )
    last = np.where(other & (rng.random(n) < 0.8), _pick(LAST_OTHER, rng, n), _pick(LAST, rng, n))
    langs = np.where(other, _pick(LANGS_OTHER, rng, n), _pick(LANGS, rng, n))
    birth = np.clip(np.rint(rng.normal(1981, 10, n)), 1955, 2002).astype(np.int64)
    first_training = _days(date(2018, 1, 1))
    trained = rng.integers(first_training, _days(export) - 20, n)
    has_trained = rng.random(n) < 0.95
    active = rng.random(n) < 0.9
    gender = np.where(female, 1, 0)
    frame = pl.DataFrame(
        {
            "medarbejder_id": _ids("W", np.arange(1, n + 1), 6),
            "kommunekode": pl.Series(corps.codes[w.muni]),
            "rolle": pl.Series(ROLES).gather(w.role),
            "navn": pl.Series(first) + " " + pl.Series(last),
            "koen": pl.Series(GENDERS).gather(gender),
            "foedselsaar": pl.Series(birth),
            "uddannet_dato": _dates(trained, has_trained),
            "aktiv": pl.Series(["nej", "ja"]).gather(active.astype(np.int64)),
            "sprog": pl.Series(langs),
        }
    )
    if not messy:
        return frame
    return frame.with_columns(
        _messy_codes(corps.codes[w.muni], rng).alias("kommunekode"),
        _messy_labels(w.role, MESSY_ROLES, rng).alias("rolle"),
        _messy_labels(gender, MESSY_GENDERS, rng).alias("koen"),
        pl.col("foedselsaar").cast(pl.String),
        _messy_dates(trained, has_trained, rng).alias("uddannet_dato"),
        _messy_labels(active.astype(np.int64), MESSY_BOOLS, rng).alias("aktiv"),
    )


# ---------------------------------------------------------------- cases


@dataclass
class _Cases:
    case_no: np.ndarray
    muni: np.ndarray  # corps index
    mentor: np.ndarray  # bool
    worker: np.ndarray  # worker index
    lent_from: np.ndarray  # corps index, -1 when not lent
    citizen_no: np.ndarray
    gender: np.ndarray  # index into GENDERS
    age: np.ndarray
    age_given: np.ndarray
    birth_year_given: np.ndarray
    start: np.ndarray  # days since 1970-01-01
    end: np.ndarray  # days; meaningful only where status != 0
    status: np.ndarray  # index into STATUSES
    end_reason: np.ndarray  # index into END_REASONS, -1 none
    referred: np.ndarray  # index into REFERRERS, -1 none
    export_day: int

    @property
    def period_end(self) -> np.ndarray:
        return np.where(self.status == 0, self.export_day, self.end)


def _make_cases(
    rng: np.random.Generator, first_no: int, n: int, corps: _Corps, w: _Workers, export: date
) -> _Cases:
    case_no = np.arange(first_no, first_no + n, dtype=np.int64)
    muni = rng.choice(len(corps.codes), size=n, p=corps.weights)
    mentor = rng.random(n) < 2 / 3
    lent_from = _lending(rng, muni, corps)
    from_muni = np.where(lent_from >= 0, lent_from, muni)
    kind = np.where(mentor, 0, 1)
    pick = np.floor(rng.random(n) * w.count[from_muni, kind]).astype(np.int64)
    worker = w.start[from_muni, kind] + pick

    # Starts spread over 2019..export date, more in later years as the corps grew.
    first, last = _days(FIRST_START), _days(export) - 1
    start = first + np.floor((last - first) * rng.random(n) ** (1 / 1.4)).astype(np.int64)
    broke_off = rng.random(n) < 0.15
    length = np.where(broke_off, rng.beta(1.2, 3.0, n), rng.beta(2.2, 2.0, n))
    end = start + 61 + np.floor(length * 486).astype(np.int64)
    status = np.where(end > _days(export), 0, np.where(broke_off, 2, 1))
    closed_reason = rng.choice(6, size=n, p=[0.45, 0.3, 0.1, 0.08, 0.0, 0.07])
    broke_reason = rng.choice(6, size=n, p=[0.0, 0.0, 0.15, 0.15, 0.55, 0.15])
    end_reason = np.where(status == 1, closed_reason, np.where(status == 2, broke_reason, -1))
    end_reason = np.where(rng.random(n) < 0.05, -1, end_reason)

    ref_mentor = rng.choice(7, size=n, p=[0.2, 0.3, 0.05, 0.15, 0.12, 0.1, 0.08])
    ref_parent = rng.choice(7, size=n, p=[0.2, 0.05, 0.4, 0.2, 0.03, 0.05, 0.07])
    referred = np.where(rng.random(n) < 0.03, -1, np.where(mentor, ref_mentor, ref_parent))

    # Mentor cases are mostly young people; parent-coach cases are parents.
    age = np.where(mentor, 12 + rng.gamma(2.0, 5.0, n), 22 + rng.gamma(4.0, 3.0, n))
    age = np.clip(np.rint(age), 12, 60).astype(np.int64)
    female_p = np.where(mentor, 0.43, 0.7)
    u = rng.random(n)
    gender = np.where(u < female_p, 1, np.where(u < 0.98, 0, 2))
    form = rng.random(n)  # age only (82%), birth year only (15%), or both (3%)
    repeat = rng.random(n) < 0.06  # a citizen with an earlier case in the same chunk
    earlier = first_no + np.floor(rng.random(n) * np.arange(n)).astype(np.int64)
    return _Cases(
        case_no=case_no,
        muni=muni,
        mentor=mentor,
        worker=worker,
        lent_from=lent_from,
        citizen_no=np.where(repeat & (np.arange(n) > 0), earlier, case_no),
        gender=gender,
        age=age,
        age_given=(form < 0.82) | (form > 0.97),
        birth_year_given=form >= 0.82,
        start=start,
        end=end,
        status=status,
        end_reason=end_reason,
        referred=referred,
        export_day=_days(export),
    )


def _lending(rng: np.random.Generator, muni: np.ndarray, corps: _Corps) -> np.ndarray:
    """~5% of cases borrow a worker, usually from a corps municipality in the same region."""
    n = len(muni)
    lent = rng.random(n) < 0.05
    same_region = rng.random(n) < 0.8
    u = rng.random(n)
    out = np.full(n, -1, dtype=np.int64)
    everyone = np.arange(len(corps.codes))
    for m in range(len(corps.codes)):
        others = everyone[everyone != m]
        near = others[corps.regions[others] == corps.regions[m]]
        mine = lent & (muni == m)
        pool_near = near if len(near) else others
        pick_near = pool_near[np.floor(u[mine] * len(pool_near)).astype(np.int64)]
        pick_far = others[np.floor(u[mine] * len(others)).astype(np.int64)]
        out[mine] = np.where(same_region[mine], pick_near, pick_far)
    return out


def _case_frame(
    c: _Cases, corps: _Corps, rng: np.random.Generator, messy: bool, cpr_rate: float
) -> tuple[pl.DataFrame, int]:
    """The forloeb rows of one chunk, and how many borger_ids are CPR numbers."""
    n = len(c.case_no)
    start_year = c.start.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    birth_year = start_year - c.age
    ended = c.status != 0
    lent = c.lent_from >= 0
    lent_code = corps.codes[np.where(lent, c.lent_from, 0)]
    frame = pl.DataFrame(
        {
            "forloeb_id": _ids("F", c.case_no, 7),
            "kommunekode": pl.Series(corps.codes[c.muni]),
            "forloebstype": pl.Series(CASE_TYPES).gather(np.where(c.mentor, 0, 1)),
            "medarbejder_id": _ids("W", c.worker + 1, 6),
            "borger_id": _ids("B", c.citizen_no, 7),
            "koen": _labels(c.gender, GENDERS),
            "alder": _ints(c.age, c.age_given),
            "foedselsaar": _ints(birth_year, c.birth_year_given),
            "startdato": _dates(c.start, np.ones(n, dtype=bool)),
            "slutdato": _dates(c.end, ended),
            "status": _labels(c.status, STATUSES),
            "afslutningsaarsag": _labels(c.end_reason, END_REASONS),
            "henvist_af": _labels(c.referred, REFERRERS),
            "udlaant_fra": _ints(lent_code, lent),
        }
    )
    if not messy:
        return frame, 0
    cpr = rng.random(n) < cpr_rate
    borger = pl.select(
        pl.when(pl.Series(cpr)).then(_cpr_numbers(rng, birth_year)).otherwise(frame["borger_id"])
    ).to_series()
    # The platform leaves status blank now and then where it follows from slutdato (never afbrudt).
    status = _messy_labels(c.status, MESSY_STATUSES, rng)
    notes = pl.Series(NOTES).gather(rng.integers(0, len(NOTES), n))
    messy_frame = pl.DataFrame(
        {
            "forloeb_id": frame["forloeb_id"],
            "kommunekode": _spaces(_messy_codes(corps.codes[c.muni], rng), rng),
            "forloebstype": _messy_labels(np.where(c.mentor, 0, 1), MESSY_CASE_TYPES, rng),
            "medarbejder_id": frame["medarbejder_id"],
            "borger_id": _spaces(borger, rng),
            "koen": _messy_labels(c.gender, MESSY_GENDERS, rng),
            "alder": _messy_ints(c.age, c.age_given, rng),
            "foedselsaar": _messy_ints(birth_year, c.birth_year_given, rng),
            "startdato": _messy_dates(c.start, np.ones(n, dtype=bool), rng),
            "slutdato": _messy_dates(c.end, ended, rng),
            "status": status,
            "afslutningsaarsag": _messy_labels(c.end_reason, MESSY_END_REASONS, rng),
            "henvist_af": _messy_labels(c.referred, MESSY_REFERRERS, rng),
            "udlaant_fra": _messy_lent_from(c, corps, rng),
            "bemaerkning": pl.select(
                pl.when(pl.Series(rng.random(n) < 0.04)).then(notes)
            ).to_series(),
        }
    )
    return messy_frame, int(cpr.sum())


# ---------------------------------------------------------------- assessments and progression


@dataclass
class _Assessments:
    case: np.ndarray  # row index into the chunk's cases
    instrument: np.ndarray  # 0 WHO5, 1 GSE
    phase: np.ndarray  # 0 pre, 1 post
    day: np.ndarray
    items: np.ndarray  # (rows, 10), -1 = blank
    raw: np.ndarray  # given raw_score, -1 = blank


def _make_assessments(rng: np.random.Generator, c: _Cases, export: date) -> _Assessments:
    n = len(c.case_no)
    who_pre = rng.random(n) < 0.93
    gse_pre = np.where(who_pre, rng.random(n) < 0.95, rng.random(n) < 0.3)
    post_p = np.select([c.status == 1, c.status == 2], [0.85, 0.35], 0.0)
    who_post = rng.random(n) < post_p
    gse_post = who_post & (rng.random(n) < 0.93)
    gain = np.where(c.status == 2, 0.25, 0.7)  # discontinued cases improve less
    who_level = rng.normal(2.25, 0.75, n)  # item level; x20 is the 0-100 score
    who_gain = rng.normal(gain, 0.75, n)
    gse_level = rng.normal(2.5, 0.4, n)
    gse_gain = rng.normal(gain * 0.45, 0.35, n)
    late = rng.random(n) < 0.05  # some measurements outside the 30-day window
    pre_day = c.start + np.where(late, rng.integers(31, 60, n), rng.integers(-10, 15, n))
    post_day = c.end + np.where(late, rng.integers(-60, -31, n), rng.integers(-20, 10, n))
    parts = []
    for instrument, phase, has, level, day in (
        (0, 0, who_pre, who_level, pre_day),
        (1, 0, gse_pre, gse_level, pre_day + rng.integers(0, 3, n)),
        (0, 1, who_post, who_level + who_gain, post_day),
        (1, 1, gse_post, gse_level + gse_gain, post_day + rng.integers(0, 3, n)),
    ):
        idx = np.flatnonzero(has)
        parts.append(_score_rows(rng, idx, instrument, phase, level[idx], day[idx]))
    rows = _Assessments(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("case", "instrument", "phase", "day", "items", "raw")
        )
    )
    rows.day = np.minimum(rows.day, _days(export))
    order = np.lexsort((rows.phase, rows.instrument, rows.case))
    return _Assessments(
        *(getattr(rows, f)[order] for f in ("case", "instrument", "phase", "day", "items", "raw"))
    )


def _score_rows(
    rng: np.random.Generator,
    idx: np.ndarray,
    instrument: int,
    phase: int,
    level: np.ndarray,
    day: np.ndarray,
) -> _Assessments:
    k = len(idx)
    n_items, low, high, noise = (5, 0, 5, 0.75) if instrument == 0 else (10, 1, 4, 0.55)
    items = np.full((k, 10), -1, dtype=np.int64)
    values = np.rint(level[:, None] + rng.normal(0, noise, (k, n_items)))
    items[:, :n_items] = np.clip(values, low, high)
    # A few unanswered items: GSE often (1-3 items), WHO-5 rarely (one item).
    blanks = rng.random(k) < (0.06 if instrument == 1 else 0.02)
    n_blank = np.where(blanks, rng.integers(1, 4 if instrument == 1 else 2, k), 0)
    order = np.argsort(rng.random((k, n_items)), axis=1)
    rank = np.argsort(order, axis=1)
    items[:, :n_items][rank < n_blank[:, None]] = -1
    complete = n_blank == 0
    total = items[:, :n_items].sum(axis=1)
    raw = np.where(complete & (rng.random(k) < 0.5), total, -1)
    only_raw = complete & (rng.random(k) < 0.03)  # some platforms give only the total
    raw = np.where(only_raw, total, raw)
    items[only_raw] = -1
    full = np.full(k, instrument)
    return _Assessments(idx, full, np.full(k, phase), day, items, raw)


def _assessment_frame(
    a: _Assessments, c: _Cases, rng: np.random.Generator, messy: bool
) -> pl.DataFrame:
    n = len(a.case)
    case_ids = _ids("F", c.case_no[a.case], 7)
    cols: dict[str, pl.Series] = {"forloeb_id": case_ids}
    if messy:
        cols["instrument"] = _messy_labels(a.instrument, MESSY_INSTRUMENTS, rng)
        cols["tidspunkt"] = _messy_labels(a.phase, MESSY_PHASES, rng)
        cols["dato"] = _messy_dates(a.day, np.ones(n, dtype=bool), rng)
    else:
        cols["instrument"] = pl.Series(INSTRUMENTS).gather(a.instrument)
        cols["tidspunkt"] = pl.Series(PHASES).gather(a.phase)
        cols["dato"] = _dates(a.day, np.ones(n, dtype=bool))
    for i in range(10):
        cols[f"item_{i + 1}"] = _int_cells(a.items[:, i], a.items[:, i] >= 0, rng, messy)
    cols["raw_score"] = _int_cells(a.raw, a.raw >= 0, rng, messy)
    return pl.DataFrame(cols)


@dataclass
class _Progression:
    case: np.ndarray
    day: np.ndarray
    score: np.ndarray


def _make_progression(rng: np.random.Generator, c: _Cases) -> _Progression:
    """Ratings about monthly (20-44 days), some cases much sparser, scores drifting upward."""
    n = len(c.case_no)
    period_end = c.period_end
    span = period_end - c.start
    sloppy = rng.random(n) < 0.15
    interval = np.where(sloppy, rng.uniform(50, 90, n), rng.uniform(20, 44, n))
    count = np.floor(span / interval).astype(np.int64) + 2
    sparse = rng.random(n) < 0.05  # a few cases with barely any ratings
    count = np.where(sparse, rng.integers(1, 3, n), count)
    case = np.repeat(np.arange(n), count)
    first_row = np.repeat(np.cumsum(count) - count, count)
    step = np.arange(len(case)) - first_row
    gap = interval[case] * rng.uniform(0.75, 1.25, len(case))
    gap = np.where(rng.random(len(case)) < 0.04, gap * 2.5, gap)  # an occasional long pause
    gap = np.where(step == 0, rng.integers(0, 14, len(case)), np.maximum(1, np.rint(gap)))
    gap = gap.astype(np.int64)
    total = np.cumsum(gap)
    first = np.cumsum(count) - count
    offset = total - np.repeat(total[first] - gap[first], count)  # days since start, per case
    day = c.start[case] + offset
    keep = day <= period_end[case]
    case, day = case[keep], day[keep]
    base = rng.normal(4.0, 1.3, n)
    slope = np.where(c.status == 2, rng.normal(0.05, 0.15, n), rng.normal(0.22, 0.15, n))
    months = (day - c.start[case]) / 30.4
    raw = base[case] + slope[case] * months + rng.normal(0, 0.8, len(case))
    return _Progression(case, day, np.clip(np.rint(raw), 1, 10).astype(np.int64))


def _progression_frame(
    p: _Progression, c: _Cases, rng: np.random.Generator, messy: bool
) -> pl.DataFrame:
    n = len(p.case)
    ids = _ids("F", c.case_no[p.case], 7)
    if not messy:
        return pl.DataFrame(
            {
                "forloeb_id": ids,
                "dato": _dates(p.day, np.ones(n, dtype=bool)),
                "score": pl.Series(p.score),
            }
        )
    dates = _messy_dates(p.day, np.ones(n, dtype=bool), rng)
    with_time = pl.Series(rng.random(n) < 0.25)
    times = pl.Series(TIMES).gather(rng.integers(0, len(TIMES), n))
    iso = _dates(p.day, np.ones(n, dtype=bool)).dt.strftime("%Y-%m-%d")
    stamped = pl.select(pl.when(with_time).then(iso + " " + times).otherwise(dates)).to_series()
    score = _spaces(_messy_ints(p.score, np.ones(n, dtype=bool), rng), rng)
    return pl.DataFrame({"forloeb_id": ids, "dato": stamped, "score": score})


# ---------------------------------------------------------------- planting invalid rows (messy)


@dataclass
class _Edits:
    """Rows to replace in place (position -> row) and rows to insert after a position."""

    replace: dict[int, dict] = field(default_factory=dict)
    insert: list[tuple[int, dict]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    identical: int = 0

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        if not self.replace and not self.insert:
            return frame
        rows = [(2 * pos, row) for pos, row in self.replace.items()]
        rows += [(2 * pos + 1, row) for pos, row in self.insert]
        keep = np.ones(frame.height, dtype=bool)
        keep[list(self.replace)] = False
        added = pl.DataFrame([r for _, r in rows], schema=frame.schema)
        keys = np.concatenate([2 * np.flatnonzero(keep), np.array([k for k, _ in rows])])
        merged = pl.concat([frame.filter(pl.Series(keep)), added])
        return merged.with_columns(_k=pl.Series(keys)).sort("_k", maintain_order=True).drop("_k")


def _plan(table: str, rows: int) -> list[tuple[str, int]]:
    """(reason, variant) for each planted row of a chunk: ~1%, every reason at least once."""
    reasons = PLANTED[table]
    count = max(len(reasons), round(INVALID_RATE * rows))
    return [(reasons[j % len(reasons)], j // len(reasons)) for j in range(count)]


def _fmt(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).strftime("%d-%m-%Y")


def _plant_cases(frame: pl.DataFrame, c: _Cases, rng: np.random.Generator, bad_no: int) -> _Edits:
    """Extra cases with one planted fault each; they have no assessments, so nothing is orphaned."""
    edits = _Edits()
    closed = np.flatnonzero(c.status == 1)
    if len(closed) == 0:  # a tiny chunk of only active cases has no template; plant nothing
        return edits
    plan = _plan("forloeb", frame.height)
    templates = rng.choice(closed, size=len(plan), replace=len(plan) > len(closed))
    export = c.export_day
    for j, ((reason, variant), t) in enumerate(zip(plan, templates, strict=True)):
        row = frame.row(int(t), named=True)
        row.update(forloeb_id=f"F{bad_no + j}", status="afsluttet")
        if reason == "missing_required":
            row.update({"startdato": None} if variant % 2 == 0 else {"slutdato": None})
        elif reason == "invalid_value":
            row.update(
                {"startdato": "31-02-2024"} if variant % 2 == 0 else {"forloebstype": "terapi"}
            )
        elif reason == "out_of_range":
            row.update({"alder": "8"} if variant % 2 == 0 else {"startdato": "2015-06-01"})
        elif reason == "future_date":
            row.update(
                startdato=_fmt(export + 20 + variant),
                slutdato=None,
                status="aktiv",
                afslutningsaarsag=None,
            )
        elif reason == "date_order":
            if variant % 2 == 0:
                row.update(slutdato=_fmt(c.start[t] - 30))
            else:
                row.update(status="aktiv")
        elif reason == "unknown_municipality":
            row.update(kommunekode="999" if variant % 2 == 0 else "0998")
        elif reason == "conflicting_duplicate":
            other = dict(row, henvist_af="psykiatri" if c.referred[t] != 5 else "skole")
            edits.insert.append((int(t), other))
            edits.reasons[reason] += 1
        edits.insert.append((int(t), row))
        edits.reasons[reason] += 1
    return edits


def _plant_workers(frame: pl.DataFrame, rng: np.random.Generator) -> _Edits:
    """Extra workers with one planted fault each (no case names them)."""
    edits = _Edits()
    plan = _plan("medarbejdere", frame.height)
    # Rows 0 and 1 carry the CPR-in-name and quoted-name oddities; keep faults apart from them.
    first = min(2, frame.height - 1)
    templates = rng.choice(np.arange(first, frame.height), size=len(plan))
    for j, ((reason, variant), t) in enumerate(zip(plan, templates, strict=True)):
        row = frame.row(int(t), named=True)
        row["medarbejder_id"] = f"W{90_000_000 + j}"
        if reason == "missing_required":
            row.update({"rolle": None} if variant % 2 == 0 else {"kommunekode": None})
        elif reason == "invalid_value":
            row.update({"rolle": "chef"} if variant % 2 == 0 else {"aktiv": "måske"})
        elif reason == "out_of_range":
            row.update(foedselsaar="1930" if variant % 2 == 0 else "2015")
        elif reason == "unknown_municipality":
            row.update(kommunekode="999")
        elif reason == "conflicting_duplicate":
            edits.insert.append((int(t), dict(row, navn=f"{row['navn']} Berg")))
            edits.reasons[reason] += 1
        edits.insert.append((int(t), row))
        edits.reasons[reason] += 1
    return edits


def _plant_assessments(
    frame: pl.DataFrame, a: _Assessments, rng: np.random.Generator, orphan_no: int, export: int
) -> _Edits:
    edits = _Edits()
    plan = _plan("maalinger", frame.height)
    answered = (a.items >= 0).sum(axis=1)
    complete = np.flatnonzero(answered == np.where(a.instrument == 0, 5, 10))
    plan = plan[: len(complete)]  # only tiny exports have fewer rows than planned faults
    templates = rng.choice(complete, size=len(plan), replace=False)
    for j, ((reason, variant), t) in enumerate(zip(plan, templates, strict=True)):
        t = int(t)
        row = frame.row(t, named=True)
        who = a.instrument[t] == 0
        total = int(a.items[t].clip(0).sum())
        if reason == "missing_required":
            blank = [*ITEMS, "raw_score"]
            row.update(dict.fromkeys(blank) if variant % 2 == 0 else {"dato": None})
        elif reason == "invalid_value":
            row.update({"item_2": "x"} if variant % 2 == 0 else {"instrument": "BDI"})
        elif reason == "out_of_range":
            row.update(item_1="6" if who else "5")
        elif reason == "future_date":
            row.update(dato=_fmt(export + 10 + variant))
        elif reason == "total_mismatch":
            high = 25 if who else 40
            row.update(raw_score=str(total + 1 if total < high else total - 1))
        elif reason == "unknown_case":
            edits.insert.append((t, dict(row, forloeb_id=f"F{orphan_no + j}")))
            edits.reasons[reason] += 1
            continue
        elif reason == "conflicting_duplicate":
            first = int(a.items[t, 0])
            changed = (first + 1) % 6 if who else first % 4 + 1
            edits.insert.append((t, dict(row, item_1=str(changed), raw_score=None)))
            edits.reasons[reason] += 2
            continue
        edits.replace[t] = row
        edits.reasons[reason] += 1
    return edits


def _plant_progression(
    frame: pl.DataFrame, p: _Progression, rng: np.random.Generator, orphan_no: int, export: int
) -> _Edits:
    edits = _Edits()
    plan = (_plan("progression", frame.height) + [("identical", 0)])[: frame.height]
    templates = rng.choice(frame.height, size=len(plan), replace=False)
    bad_values = ["syv", "7,5", "2024-13-01"]
    for j, ((reason, variant), t) in enumerate(zip(plan, templates, strict=True)):
        t = int(t)
        row = frame.row(t, named=True)
        if reason == "missing_required":
            row.update({"score": None} if variant % 2 == 0 else {"dato": None})
        elif reason == "invalid_value":
            bad = bad_values[variant % 3]
            row.update({"dato": bad} if bad.startswith("2024") else {"score": bad})
        elif reason == "out_of_range":
            row.update(score=["11", "0", "12"][variant % 3])
        elif reason == "future_date":
            row.update(dato=_fmt(export + 5 + variant))
        elif reason == "unknown_case":
            edits.insert.append((t, dict(row, forloeb_id=f"F{orphan_no + j}")))
            edits.reasons[reason] += 1
            continue
        elif reason == "conflicting_duplicate":
            score = int(p.score[t])
            edits.insert.append((t, dict(row, score=str(score % 10 + 1))))
            edits.reasons[reason] += 2
            continue
        elif reason == "identical":  # a re-sent rating: counted unchanged, never an error
            edits.insert.append((t, row))
            edits.identical += 1
            continue
        edits.replace[t] = row
        edits.reasons[reason] += 1
    return edits


def _blank_rows(frame: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, int]:
    """Excel leaves empty rows (all cells blank) here and there; they must be skipped, not read."""
    count = max(1, frame.height // 500)
    edits = _Edits()
    empty = dict.fromkeys(frame.columns)
    for pos in rng.choice(frame.height, size=count, replace=count > frame.height):
        edits.insert.append((int(pos), empty))
    return edits.apply(frame), count


# ---------------------------------------------------------------- cell helpers


def _days(d: date) -> int:
    return (d - EPOCH).days


def _pick(options: list[str], rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    digits = pl.Series(numbers.astype(np.int64)).cast(pl.String).str.zfill(width)
    return prefix + digits


def _labels(codes: np.ndarray, labels: list[str]) -> pl.Series:
    values = pl.Series(labels).gather(np.maximum(codes, 0))
    return pl.select(pl.when(pl.Series(codes >= 0)).then(values)).to_series()


def _messy_labels(
    codes: np.ndarray, variants: list[list[str]], rng: np.random.Generator
) -> pl.Series:
    width = max(len(v) for v in variants)
    flat = [v[i % len(v)] for v in variants for i in range(width)]
    pick = np.maximum(codes, 0) * width + rng.integers(0, width, len(codes))
    values = pl.Series(flat).gather(pick)
    return pl.select(pl.when(pl.Series(codes >= 0) & (values != "")).then(values)).to_series()


def _ints(values: np.ndarray, valid: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(valid)).then(pl.Series(values, dtype=pl.Int64))).to_series()


def _messy_ints(values: np.ndarray, valid: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Integers as spreadsheets write them: mostly plain, sometimes '7,0', '7.0' or '07'."""
    text = pl.Series(values, dtype=pl.Int64).cast(pl.String)
    style = pl.Series(rng.choice(4, size=len(values), p=[0.9, 0.05, 0.03, 0.02]))
    out = pl.select(
        pl.when(~pl.Series(valid))
        .then(None)
        .when(style == 1)
        .then(text + ",0")
        .when(style == 2)
        .then(text + ".0")
        .when(style == 3)
        .then("0" + text)
        .otherwise(text)
    )
    return out.to_series()


def _int_cells(
    values: np.ndarray, valid: np.ndarray, rng: np.random.Generator, messy: bool
) -> pl.Series:
    return _messy_ints(values, valid, rng) if messy else _ints(values, valid)


def _messy_lent_from(c: _Cases, corps: _Corps, rng: np.random.Generator) -> pl.Series:
    """udlaant_fra as codes; a few exports repeat the case's own code, which means no loan."""
    own = rng.random(len(c.muni)) < 0.01
    lent = c.lent_from >= 0
    code = corps.codes[np.where(lent, c.lent_from, c.muni)]
    codes = _messy_codes(code, rng)
    return pl.select(pl.when(pl.Series(lent | own)).then(codes)).to_series()


def _messy_codes(codes: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Municipality codes, now and then with the leading zero of the official four-digit form."""
    text = pl.Series(codes, dtype=pl.Int64).cast(pl.String)
    padded = pl.Series(rng.random(len(codes)) < 0.1)
    return pl.select(pl.when(padded).then(text.str.zfill(4)).otherwise(text)).to_series()


def _dates(days: np.ndarray, valid: np.ndarray) -> pl.Series:
    values = pl.Series(days.astype(np.int32)).cast(pl.Date)
    return pl.select(pl.when(pl.Series(valid)).then(values)).to_series()


def _messy_dates(days: np.ndarray, valid: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Dates in every accepted written form, mostly Danish day-first."""
    d = _dates(days, valid)
    style = pl.Series(rng.integers(0, len(DATE_FORMATS), len(days)))
    expr = pl.when(style == 0).then(d.dt.strftime(DATE_FORMATS[0]))
    for i, fmt in enumerate(DATE_FORMATS[1:], start=1):
        expr = expr.when(style == i).then(d.dt.strftime(fmt))
    return pl.select(expr).to_series()


def _spaces(values: pl.Series, rng: np.random.Generator, rate: float = 0.02) -> pl.Series:
    """Stray spaces around a few cells, as hand-edited spreadsheets have."""
    u = pl.Series(rng.random(len(values)))
    return pl.select(
        pl.when(u < rate / 2)
        .then(" " + values)
        .when(u < rate)
        .then(values + "  ")
        .otherwise(values)
    ).to_series()


def _cpr_numbers(rng: np.random.Generator, birth_year: np.ndarray) -> pl.Series:
    """Synthetic CPR numbers matching the birth year: 'ddmmyy-xxxx' or 'ddmmyyxxxx'."""
    n = len(birth_year)
    jan1 = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    born = _dates(jan1 + rng.integers(0, 365, n), np.ones(n, dtype=bool))
    serial = pl.Series(rng.integers(0, 10_000, n)).cast(pl.String).str.zfill(4)
    dash = pl.Series(rng.random(n) < 0.6)
    stem = born.dt.strftime("%d%m%y")
    return pl.select(pl.when(dash).then(stem + "-" + serial).otherwise(stem + serial)).to_series()


# ---------------------------------------------------------------- writing


class _CsvFile:
    """One table file, written chunk by chunk in its dialect."""

    def __init__(self, path: Path, headers: list[str], dialect: tuple) -> None:
        self.encoding, self.separator, self.eol, bom, self.quote = dialect
        self.headers = headers
        self.handle: BinaryIO = path.open("wb")
        if bom:
            self.handle.write(b"\xef\xbb\xbf")
        self.first = True

    def write(self, frame: pl.DataFrame, empty_line_after: int | None = None) -> None:
        buf = io.BytesIO()
        if set(frame.columns) <= set(self.headers):
            # clean headers are the registry's names: a column the registry has and this
            # generator does not make yet is written blank (an optional column left empty)
            frame = frame.select(
                pl.col(h) if h in frame.columns else pl.lit(None, pl.String).alias(h)
                for h in self.headers
            )
        else:
            frame.columns = self.headers  # messy headers: the same columns, spelled otherwise
        frame.write_csv(
            buf,
            include_header=self.first,
            separator=self.separator,
            line_terminator=self.eol,
            quote_style=self.quote,
        )
        data = buf.getvalue()
        if empty_line_after is not None:  # a truly empty line, not just empty cells
            eol = self.eol.encode()
            lines = data.split(eol)
            lines.insert(empty_line_after, b"")
            data = eol.join(lines)
        if self.encoding != "utf-8":
            data = data.decode("utf-8").encode(self.encoding)
        self.handle.write(data)
        self.first = False

    def close(self) -> None:
        self.handle.close()


def write_synthetic_export(
    out_dir: Path, cases: int, seed: int = 1, messy: bool = False, exported_at: date | None = None
) -> SynthSummary:
    """Write forloeb/medarbejdere/maalinger/progression CSVs and eksport.json into out_dir."""
    if not 1 <= cases <= MAX_CASES:
        raise ValueError(f"--cases skal være mellem 1 og {MAX_CASES:,} (fik {cases})")
    if seed < 0:
        raise ValueError(f"--seed skal være 0 eller større (fik {seed})")
    export = exported_at or EXPORT_DATE
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    corps = _corps()
    summary = SynthSummary(out_dir, cases, seed, messy, export, [str(c) for c in corps.codes])
    headers = MESSY_HEADERS if messy else CLEAN_HEADERS
    files = {
        t: _CsvFile(out_dir / f"{t}.csv", headers[t], MESSY_DIALECT[t] if messy else CLEAN_DIALECT)
        for t in TABLES
    }
    try:
        workers = _make_workers(cases, corps)
        _write_workers(files["medarbejdere"], workers, corps, seed, messy, summary)
        for k, first_no in enumerate(range(1, cases + 1, CHUNK_CASES)):
            n = min(CHUNK_CASES, cases + 1 - first_no)
            _write_chunk(files, k, first_no, n, (corps, workers), seed, messy, summary)
    finally:
        for f in files.values():
            f.close()
    meta = {
        "platform": "tilvaerelsesmestring",
        "exported_at": export.isoformat(),
        "municipalities": summary.municipalities,
    }
    (out_dir / "eksport.json").write_text(json.dumps(meta, ensure_ascii=False) + "\n", "utf-8")
    return summary


def _write_workers(
    out: _CsvFile, workers: _Workers, corps: _Corps, seed: int, messy: bool, summary: SynthSummary
) -> None:
    rng = np.random.default_rng([seed, 0])
    frame = _worker_frame(workers, corps, rng, summary.exported_at, messy)
    summary.workers = frame.height
    if messy:
        # One CPR number typed into a name cell, and a name with quotes in it.
        names = frame["navn"].to_list()
        names[0] = f"{names[0]} 150372-1234"
        if len(names) > 1:
            names[1] = names[1].replace(" ", ' "Mo" ', 1)
        frame = frame.with_columns(navn=pl.Series(names))
        summary.cpr_in_text = 1
        edits = _plant_workers(frame, np.random.default_rng([seed, 2]))
        frame = edits.apply(frame)
        summary.add_invalid("medarbejdere", edits.reasons)
        frame, blanks = _blank_rows(frame, rng)
        summary.blank_rows["medarbejdere"] += blanks
    summary.rows["medarbejdere"] += frame.height - summary.blank_rows["medarbejdere"]
    out.write(frame)


def _write_chunk(
    files: dict[str, _CsvFile],
    k: int,
    first_no: int,
    n: int,
    staff: tuple[_Corps, _Workers],
    seed: int,
    messy: bool,
    summary: SynthSummary,
) -> None:
    rng = np.random.default_rng([seed, 1, k])
    corps, workers = staff
    c = _make_cases(rng, first_no, n, corps, workers, summary.exported_at)
    a = _make_assessments(rng, c, summary.exported_at)
    p = _make_progression(rng, c)
    case_frame, cpr = _case_frame(c, corps, rng, messy, cpr_rate=0.03)
    frames = {
        "forloeb": case_frame,
        "maalinger": _assessment_frame(a, c, rng, messy),
        "progression": _progression_frame(p, c, rng, messy),
    }
    if messy:
        summary.cpr_borger_ids += cpr
        plant_rng = np.random.default_rng([seed, 3, k])
        planted = {
            "forloeb": _plant_cases(case_frame, c, plant_rng, 90_000_000 + k * CHUNK_CASES),
            "maalinger": _plant_assessments(
                frames["maalinger"], a, plant_rng, 95_000_000 + k * CHUNK_CASES, c.export_day
            ),
            "progression": _plant_progression(
                frames["progression"], p, plant_rng, 97_000_000 + k * CHUNK_CASES, c.export_day
            ),
        }
        for table, edits in planted.items():
            frame = edits.apply(frames[table])
            frames[table], blanks = _blank_rows(frame, plant_rng)
            summary.add_invalid(table, edits.reasons)
            summary.identical_duplicates[table] += edits.identical
            summary.blank_rows[table] += blanks
            summary.rows[table] -= blanks
    for table, frame in frames.items():
        summary.rows[table] += frame.height
        empty_line = 3 if messy and k == 0 and table == "forloeb" and frame.height > 3 else None
        summary.blank_rows[table] += empty_line is not None
        files[table].write(frame, empty_line_after=empty_line)
