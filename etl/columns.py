"""THE export format (export-format.md sections 2, 3 and 5): tables, columns, names, vocabularies.

One registry that everything about an export derives from: the reader maps headers with it
(Danish or English, folded), the validator types and checks cells with it, the loader writes the
raw table it names, erasure finds the case and citizen columns by it, `lat synth` writes its
labels, and the warehouse seeds its code lists (`ref.*`) from it for the dashboard to read.

A new export column is one `Column` here (and, when it is stored, a numbered migration in
warehouse/sql/migrations/ adding its raw column); nothing else needs to learn its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

METADATA_NAMES = ("eksport", "export")


@dataclass(frozen=True)
class Vocabulary:
    """The accepted spellings of a coded column and the code each one stands for."""

    spellings: dict[str, str]  # accepted spelling (folded when compared) -> code
    allowed: tuple[str, ...]  # the spellings a rejection message names (as a file writes them)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes, in the order of their first spelling."""
        return tuple(dict.fromkeys(self.spellings.values()))

    def danish(self, code: str) -> str:
        """The first (Danish) spelling of a code, as a clean export writes it."""
        return next(s for s, c in self.spellings.items() if c == code)


_CASE_TYPES = {
    "mentor": "mentor",
    "mentorforløb": "mentor",
    "forældrecoach": "parent_coach",
    "forældrecoaching": "parent_coach",
    "parent_coach": "parent_coach",
}
VOCABULARIES: dict[str, Vocabulary] = {
    "case_type": Vocabulary(_CASE_TYPES, ("mentor", "forældrecoach")),
    "role": Vocabulary(
        {**_CASE_TYPES, "koordinator": "coordinator", "coordinator": "coordinator"},
        ("mentor", "forældrecoach", "koordinator"),
    ),
    "gender": Vocabulary(
        {
            **dict.fromkeys(("mand", "m", "male"), "male"),
            **dict.fromkeys(("kvinde", "k", "female"), "female"),
            **dict.fromkeys(("andet", "a", "other"), "other"),
        },
        ("mand", "kvinde", "andet"),
    ),
    "status": Vocabulary(
        {
            **dict.fromkeys(("aktiv", "active"), "active"),
            **dict.fromkeys(("afsluttet", "closed"), "closed"),
            **dict.fromkeys(("afbrudt", "discontinued"), "discontinued"),
        },
        ("aktiv", "afsluttet", "afbrudt"),
    ),
    "end_reason": Vocabulary(
        {
            **dict.fromkeys(("maal_naaet", "goals_met"), "goals_met"),
            **dict.fromkeys(("delvist_naaet", "partly_met"), "partly_met"),
            **dict.fromkeys(("ikke_naaet", "not_met"), "not_met"),
            **dict.fromkeys(("overdraget", "handed_over"), "handed_over"),
            **dict.fromkeys(("borger_ophoert", "citizen_withdrew"), "citizen_withdrew"),
            **dict.fromkeys(("andet", "other"), "other"),
        },
        ("maal_naaet", "delvist_naaet", "ikke_naaet", "overdraget", "borger_ophoert", "andet"),
    ),
    "referred_by": Vocabulary(
        {
            "infohus": "infohus",
            "jobcenter": "jobcenter",
            **dict.fromkeys(("familieafdeling", "family_services"), "family_services"),
            **dict.fromkeys(("skole", "school"), "school"),
            "ssp": "ssp",
            **dict.fromkeys(("psykiatri", "psychiatry"), "psychiatry"),
            **dict.fromkeys(("andet", "other"), "other"),
        },
        ("infohus", "jobcenter", "familieafdeling", "skole", "ssp", "psykiatri", "andet"),
    ),
    "instrument": Vocabulary(
        {
            **dict.fromkeys(("WHO5", "WHO-5", "who 5"), "WHO5"),
            **dict.fromkeys(("GSE", "GSES", "general self-efficacy"), "GSE"),
        },
        ("WHO5", "GSE"),
    ),
    "phase": Vocabulary(
        {
            **dict.fromkeys(("foer", "før", "pre", "baseline"), "pre"),
            **dict.fromkeys(("efter", "post"), "post"),
        },
        ("før", "efter"),
    ),
}


@dataclass(frozen=True)
class Scale:
    """How an instrument is answered in the export: its items and each item's range (rule 10)."""

    label: str  # as messages name it
    items: int  # item_1 .. item_<items>
    item_low: int
    item_high: int

    @property
    def raw_low(self) -> int:
        """The smallest raw_score (the sum of the items)."""
        return self.items * self.item_low

    @property
    def raw_high(self) -> int:
        return self.items * self.item_high


# instrument code -> its scale; raw_score is the items' sum (GSE's mean x 10 is the same range)
SCALES: dict[str, Scale] = {
    "WHO5": Scale("WHO-5", items=5, item_low=0, item_high=5),
    "GSE": Scale("GSE", items=10, item_low=1, item_high=4),
}
MAX_ITEMS = max(scale.items for scale in SCALES.values())


@dataclass(frozen=True)
class Column:
    """One column of an export table: its names, its kind, its rules, the raw column it fills."""

    name: str  # Danish name, as the export format names it
    english: str  # the English alias a header may use instead
    kind: str  # 'text' | 'code' | 'enum' | 'int' | 'date' | 'bool'
    raw: str | None = None  # the raw.* column it fills as given; None: derived by the validator
    required: bool = False
    low: int | None = None
    high: int | None = None
    bounded_date: bool = False  # dates with the 2016 floor and the export-date ceiling
    vocabulary: str | None = None  # for 'enum': the key in VOCABULARIES


@dataclass(frozen=True)
class Table:
    """One table of an export: its names, the raw table it fills, its key, its columns."""

    name: str  # Danish: the file or sheet name
    english: str
    raw: str  # the table in schema raw
    keys: tuple[str, ...]  # raw columns of its key
    columns: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _items() -> tuple[Column, ...]:
    return tuple(
        Column(f"item_{i}", f"item_{i}", "int", raw=f"item_{i}") for i in range(1, MAX_ITEMS + 1)
    )


# In the order of applying (rule 14: a worker and a case before the rows that name them), and
# each table's columns in the order of export-format.md section 3.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "medarbejdere",
            "workers",
            "workers",
            ("worker_id",),
            (
                Column("medarbejder_id", "worker_id", "text", "worker_id", required=True),
                Column("kommunekode", "municipality_code", "code", "municipality_code", True),
                Column("rolle", "role", "enum", "role", True, vocabulary="role"),
                Column("navn", "name", "text", "name"),
                Column("koen", "gender", "enum", "gender", vocabulary="gender"),
                Column("foedselsaar", "birth_year", "int", "birth_year", low=1940, high=2010),
                Column("uddannet_dato", "trained_on", "date", "trained_on"),
                Column("aktiv", "active", "bool", "active"),
                Column("sprog", "languages", "text", "languages"),
            ),
        ),
        Table(
            "forloeb",
            "cases",
            "cases",
            ("case_id",),
            (
                Column("forloeb_id", "case_id", "text", "case_id", required=True),
                Column("kommunekode", "municipality_code", "code", "municipality_code", True),
                Column(
                    "forloebstype", "case_type", "enum", "case_type", True, vocabulary="case_type"
                ),
                Column("medarbejder_id", "worker_id", "text", "worker_id"),
                Column("borger_id", "citizen_id", "text", required=True),  # -> citizen_key
                Column("koen", "gender", "enum", "gender", vocabulary="gender"),
                Column("alder", "age", "int", low=10, high=99),  # -> age_at_start
                Column("foedselsaar", "birth_year", "int", "birth_year"),
                Column("startdato", "start_date", "date", "start_date", True, bounded_date=True),
                Column("slutdato", "end_date", "date", "end_date"),
                Column("status", "status", "enum", vocabulary="status"),  # rule 15 default
                Column(
                    "afslutningsaarsag", "end_reason", "enum", "end_reason", vocabulary="end_reason"
                ),
                Column(
                    "henvist_af", "referred_by", "enum", "referred_by", vocabulary="referred_by"
                ),
                Column("udlaant_fra", "lent_from", "code"),  # -> lent_from_municipality_code
            ),
        ),
        Table(
            "maalinger",
            "assessments",
            "assessments",
            ("case_id", "instrument", "phase"),
            (
                Column("forloeb_id", "case_id", "text", "case_id", required=True),
                Column(
                    "instrument", "instrument", "enum", "instrument", True, vocabulary="instrument"
                ),
                Column("tidspunkt", "phase", "enum", "phase", True, vocabulary="phase"),
                Column("dato", "date", "date", "measured_on", True, bounded_date=True),
                *_items(),
                Column("raw_score", "raw_score", "int", "raw_score_given"),
            ),
        ),
        Table(
            "progression",
            "progression",
            "progression",
            ("case_id", "measured_on"),
            (
                Column("forloeb_id", "case_id", "text", "case_id", required=True),
                Column("dato", "date", "date", "measured_on", True, bounded_date=True),
                Column("score", "score", "int", "score", True, low=1, high=10),
            ),
        ),
    )
}


def table_names() -> tuple[str, ...]:
    """The Danish table names, in the order of export-format.md section 3."""
    return ("forloeb", "medarbejdere", "maalinger", "progression")


def english_tables() -> dict[str, str]:
    """Danish table name -> its English alias."""
    return {t.name: t.english for t in TABLES.values()}


def aliases(table: str) -> dict[str, str]:
    """Danish column name -> English alias, for one table, in the format's order."""
    return {c.name: c.english for c in TABLES[table].columns}


def header_names(column: str) -> frozenset[str]:
    """Every header name (Danish and English) that means `column` in any table."""
    return frozenset(
        name
        for t in TABLES.values()
        for c in t.columns
        if c.name == column
        for name in (c.name, c.english)
    )
