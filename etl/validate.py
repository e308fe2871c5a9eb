"""Per-row validation of one table file (export-format.md sections 3 and 5, rules 8-16, 22-24).

Everything is vectorised: cells are parsed once per distinct value (`etl.parsing.parse_distinct`),
every rule is a polars boolean expression, and a row's single rejection reason is the first failing
check in rule-9 order (reason, then the leftmost column in the file). Messages and raw_values are
built only for rejected rows, which are few: each message as a catalogue key (`loader.*` in
texts/) and its values as JSON, and the Danish text from them once per distinct pair
(texts.messages.render, the function the dashboard renders them with in the reader's language).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import polars as pl

from etl import columns as export_format
from etl.columns import MAX_ITEMS, SCALES, VOCABULARIES, Column
from etl.parsing import (
    enum_parser,
    parse_bool,
    parse_date,
    parse_distinct,
    parse_int,
    parse_municipality_code,
)
from etl.read import SOURCE_ROW, TableFile, canonical_column
from privacy.cpr import CPR_MIN_BYTES, MASK, cpr_flag_expr, cpr_mask_expr
from privacy.pseudonym import Pseudonymizer
from texts import messages
from warehouse.db import municipality_codes

REASONS = (
    "missing_required",
    "invalid_value",
    "out_of_range",
    "future_date",
    "unknown_municipality",
    "date_order",
    "total_mismatch",
    "conflicting_duplicate",
    "unknown_case",
)
DATE_FLOOR = date(2016, 1, 1)
# A formula that failed in the spreadsheet: the reader keeps the error text of an XLSX error
# cell (calamine reads it blank), and a CSV saved from Excel holds it as text. It is no value
# of any column, text columns included.
SPREADSHEET_ERRORS = (
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
    "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
)  # fmt: skip
# The warehouse keeps integers as 32-bit `integer` (smaller ones by their own rules), so a larger
# value in a column without a range rule is out_of_range rather than a failed write.
STORED_INT_MAX = 2**31 - 1
AGE_LOW, AGE_HIGH = 10, 99  # rule 12: the age at start a birth year may give

Spec = Column  # a column's kind and rules: the registry's Column (etl/columns.py)


def specs_of(table: str) -> dict[str, Column]:
    """Danish column name -> its column in the registry, in the format's order."""
    return {c.name: c for c in export_format.TABLES[table].columns}  # the registry as it is now


def keys_of(table: str) -> list[str]:
    """The raw columns of the table's key."""
    return list(export_format.TABLES[table].keys)


KEYS = {name: keys_of(name) for name in export_format.TABLES}
_PARSED_DTYPE = {
    "code": pl.String,
    "enum": pl.String,
    "int": pl.Int64,
    "date": pl.Date,
    "bool": pl.Boolean,
}
_INVALID = {  # a cell that does not parse: its message, by the column's kind
    "code": "loader.not_a_municipality_code",
    "int": "loader.not_an_integer",
    "date": "loader.not_a_date",
    "bool": "loader.not_yes_or_no",
    "enum": "loader.not_allowed_value",
}
# the shape of Validated.rejected; the loader records rows in exactly this shape
REJECTED_SCHEMA = {
    "source_row": pl.Int64,
    "column_name": pl.String,
    "reason_code": pl.String,
    "message_key": pl.String,  # a `loader.` key of texts/{da,en}.toml
    "message_params": pl.String,  # its values, a JSON object
    "message": pl.String,  # the Danish text of both (texts.messages.render)
    "raw_values": pl.String,
}


@dataclass
class Validated:
    table: str
    source_file: str
    rows_read: int
    valid: pl.DataFrame
    duplicates_unchanged: int
    rejected: pl.DataFrame
    cpr_blanked: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class Message(NamedTuple):
    """A message as two expressions, evaluated on failing rows only: its key and its values."""

    key: pl.Expr  # a `loader.` key
    params: pl.Expr  # JSON object text


def message(key: str, **values: object) -> Message:
    """Loader message `key` with its values (polars expressions or constants), which must be
    exactly the placeholders of its text: a key the catalogue lacks, or a value its text does
    not name, fails here, when the checks are made, not in front of a reader."""
    if set(values) != messages.names(key):
        raise ValueError(f"{key}: values {sorted(values)} != {sorted(messages.names(key))}")
    fields = [
        (v if isinstance(v, pl.Expr) else pl.lit(v)).alias(name) for name, v in values.items()
    ]
    params = pl.struct(fields).struct.json_encode() if fields else pl.lit("{}")
    return Message(pl.lit(key), params)


def _either(condition: pl.Expr, then: Message, otherwise: Message) -> Message:
    return Message(
        pl.when(condition).then(then.key).otherwise(otherwise.key),
        pl.when(condition).then(then.params).otherwise(otherwise.params),
    )


@dataclass
class _Check:
    reason: str
    column: str  # Danish column name
    condition: pl.Expr  # true where the row fails
    message: Message


# ---------------------------------------------------------------------------------------------
# Entry point


def validate_table(tf: TableFile, exported_at: date, pseudonymizer: Pseudonymizer) -> Validated:
    """Validate, type and deduplicate one table file; every row read ends valid, unchanged or
    rejected."""
    specs = specs_of(tf.table)
    headers = [c for c in tf.frame.columns if c != SOURCE_ROW]
    header_of, ignored = _map_headers(headers, tf.table)
    blanked, cleaned = _blank_cpr(tf.frame, header_of, specs)
    work = _parse(cleaned, specs, header_of)
    names = _Names(header_of, headers, specs)
    checks = _sorted_checks(_checks(tf.table, specs, names, exported_at), names)
    fail = pl.coalesce(
        [pl.when(c.condition).then(pl.lit(i, pl.Int32)) for i, c in enumerate(checks)]
        or [pl.lit(None, pl.Int32)]
    )
    work = work.with_columns(fail.alias("_fail"))
    valid_work = work.filter(pl.col("_fail").is_null())
    failed = work.filter(pl.col("_fail").is_not_null())
    valid = _output(tf.table, valid_work, pseudonymizer)
    valid, unchanged, conflicts = _deduplicate(tf.table, valid, names)
    rejected = pl.concat([_rejections(failed, checks, names), conflicts], how="vertical")
    rejected = _with_raw_values(rejected.sort("source_row"), tf.frame)
    return Validated(
        table=tf.table,
        source_file=tf.source_file,
        rows_read=tf.frame.height,
        valid=valid.sort(SOURCE_ROW),
        duplicates_unchanged=unchanged,
        rejected=rejected,
        cpr_blanked=blanked,
        ignored_columns=ignored,
    )


# ---------------------------------------------------------------------------------------------
# Headers, CPR blanking and parsing


class _Names:
    """Header names and file positions of the table's columns (rule 9: leftmost column first)."""

    def __init__(self, header_of: dict[str, str], headers: list[str], specs: dict[str, Spec]):
        self.header_of = header_of
        order = list(specs)
        self.position = {
            name: headers.index(header_of[name]) if name in header_of else 1000 + order.index(name)
            for name in specs
        }

    def label(self, name: str) -> str:
        """The column as the file names it, or its Danish name when it is absent."""
        return self.header_of.get(name, name)

    def present(self, name: str) -> bool:
        return name in self.header_of


def _map_headers(headers: list[str], table: str) -> tuple[dict[str, str], list[str]]:
    header_of: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        name = canonical_column(header, table)
        if name is None or name in header_of:
            if header.strip():  # a blank header cell (a trailing delimiter) is not worth a line
                ignored.append(header)
        else:
            header_of[name] = header
    return header_of, ignored


def _blank_cpr(
    frame: pl.DataFrame, header_of: dict[str, str], specs: dict[str, Spec]
) -> tuple[list[tuple[int, str]], pl.DataFrame]:
    """Rule 24: blank every known cell but borger_id that holds a CPR-like number.

    The mask itself ('XXXXXX-XXXX') counts too: orphan rows come back from their masked
    raw_values, and must validate exactly as the original did, where that cell was blank.
    """
    columns = [h for name, h in header_of.items() if name != "borger_id"]
    if not columns or frame.height == 0:
        return [], frame
    flags = {
        h: _cpr_cells(frame[h], specs[name].kind) for name, h in header_of.items() if h in columns
    }
    hit = [h for h in columns if flags[h] is not None]
    blanked: list[tuple[int, str]] = []
    for header in hit:
        rows = frame.filter(flags[header])[SOURCE_ROW].to_list()
        blanked.extend((row, header) for row in rows)
    if hit:
        frame = frame.with_columns(
            [pl.when(flags[h]).then(None).otherwise(pl.col(h)).alias(h) for h in hit]
        )
    blanked.sort(key=lambda cell: (cell[0], columns.index(cell[1])))
    return blanked, frame


def _cpr_cells(cells: pl.Series, kind: str) -> pl.Series | None:
    """Boolean mask of the cells holding a CPR-like number (or the mask), None when there are none.

    Typed columns repeat few distinct values (dates, scores, codes), so they are checked once
    per distinct value; free text is checked cell by cell, still in one vectorised pass. Only
    cells of at least CPR_MIN_BYTES can hold one (the mask is longer too): the others, most
    keys and codes, are not folded and searched at all.
    """
    candidates = cells if kind == "text" else cells.drop_nulls().unique()
    long = (candidates.str.len_bytes() >= CPR_MIN_BYTES).fill_null(False).arg_true()
    if not len(long):
        return None
    flagged = (
        candidates.gather(long)
        .to_frame("c")
        .select(
            (cpr_flag_expr(pl.col("c")) | pl.col("c").str.contains(MASK, literal=True)).fill_null(
                False
            )
        )["c"]
    )
    if not flagged.any():
        return None
    hit = long.filter(flagged)
    if kind == "text":
        return pl.repeat(False, len(cells), dtype=pl.Boolean, eager=True).scatter(hit, True)
    return cells.is_in(candidates.gather(hit).implode())


def _parse(frame: pl.DataFrame, specs: dict[str, Spec], header_of: dict[str, str]) -> pl.DataFrame:
    """A frame with each column's raw cell (Danish name) and parsed value ('<name>__v')."""
    series: list[pl.Series] = [frame[SOURCE_ROW]]
    for name, spec in specs.items():
        raw = (
            frame[header_of[name]].alias(name)
            if name in header_of
            else pl.Series(name, [None] * frame.height, dtype=pl.String)
        )
        series.append(raw)
        if spec.kind != "text":
            series.append(
                parse_distinct(raw, _parser(name, spec), _PARSED_DTYPE[spec.kind]).alias(
                    f"{name}__v"
                )
            )
    return pl.DataFrame(series)


def _parser(name: str, spec: Spec):
    if spec.kind == "enum":
        return enum_parser(VOCABULARIES[spec.vocabulary].spellings)
    return {
        "code": parse_municipality_code,
        "int": parse_int,
        "date": parse_date,
        "bool": parse_bool,
    }[spec.kind]


# ---------------------------------------------------------------------------------------------
# Checks


def _raw(name: str) -> pl.Expr:
    return pl.col(name)


def _value(name: str) -> pl.Expr:
    return pl.col(f"{name}__v")


_SHOWN_CHARS = 60


def _shown(name: str) -> pl.Expr:
    """The cell as a message may show it (the texts quote it): CPR-like numbers masked, cut at
    60 characters (a 5,000-digit age is still named, without filling the report)."""
    masked = cpr_mask_expr(_raw(name))
    cut = pl.when(masked.str.len_chars() > _SHOWN_CHARS).then(
        masked.str.slice(0, _SHOWN_CHARS) + pl.lit("…")
    )
    return cut.otherwise(masked)


def _title(label: str) -> str:
    """A column name as a message starts with it: 'startdato ' -> 'Startdato'."""
    label = label.strip()
    return label[:1].upper() + label[1:]


def _sorted_checks(checks: list[_Check], names: _Names) -> list[_Check]:
    return sorted(checks, key=lambda c: (REASONS.index(c.reason), names.position[c.column]))


def _checks(table: str, specs: dict[str, Spec], names: _Names, exported_at: date) -> list[_Check]:
    checks = [c for name, spec in specs.items() for c in _column_checks(name, spec, names)]
    for name, spec in specs.items():
        if spec.bounded_date:
            checks.append(_future_check(name, names, exported_at))
    extra = {
        "forloeb": _case_checks,
        "medarbejdere": lambda names, exported_at: [],
        "maalinger": _assessment_checks,
        "progression": lambda names, exported_at: [],
    }[table]
    return checks + extra(names, exported_at)


def _column_checks(name: str, spec: Spec, names: _Names) -> list[_Check]:
    column = _title(names.label(name))
    checks = []
    if spec.required:
        missing = (
            message("loader.missing_value", column=column)
            if names.present(name)
            else message("loader.missing_column", column=name)
        )
        checks.append(_Check("missing_required", name, _raw(name).is_null(), missing))
    failed = _raw(name).is_in(SPREADSHEET_ERRORS)
    spreadsheet = message("loader.spreadsheet_error", column=column, value=_shown(name))
    checks.append(_Check("invalid_value", name, failed, spreadsheet))
    if spec.kind == "text":
        return checks
    allowed = (
        {"allowed": list(VOCABULARIES[spec.vocabulary].allowed)} if spec.kind == "enum" else {}
    )
    invalid = _raw(name).is_not_null() & _value(name).is_null()
    checks.append(
        _Check(
            "invalid_value",
            name,
            invalid,
            message(_INVALID[spec.kind], column=column, value=_shown(name), **allowed),
        )
    )
    if spec.low is not None:
        outside = (_value(name) < spec.low) | (_value(name) > spec.high)
        bounds = {"low": spec.low, "high": spec.high}
        range_message = message("loader.outside_range", column=column, value=_shown(name), **bounds)
        checks.append(_Check("out_of_range", name, outside.fill_null(False), range_message))
    if spec.kind == "int" and spec.low is None:
        too_large = (_value(name) > STORED_INT_MAX).fill_null(False)
        large = message("loader.too_large", column=column, value=_shown(name))
        checks.append(_Check("out_of_range", name, too_large, large))
    if spec.bounded_date:
        early = (_value(name) < DATE_FLOOR).fill_null(False)
        floor = DATE_FLOOR.isoformat()
        before = message("loader.before_floor", column=column, value=_shown(name), floor=floor)
        checks.append(_Check("out_of_range", name, early, before))
    if spec.kind == "code":
        unknown = _value(name).is_not_null() & ~_value(name).is_in(sorted(municipality_codes()))
        no_code = message("loader.unknown_municipality", column=column, value=_shown(name))
        checks.append(_Check("unknown_municipality", name, unknown, no_code))
    return checks


def _future_check(name: str, names: _Names, exported_at: date) -> _Check:
    late = (_value(name) > exported_at).fill_null(False)
    after = message(
        "loader.after_export_date",
        column=_title(names.label(name)),
        value=_shown(name),
        exported_at=exported_at.isoformat(),
    )
    return _Check("future_date", name, late, after)


def _case_checks(names: _Names, exported_at: date) -> list[_Check]:
    start, end, status = _value("startdato"), _value("slutdato"), _value("status")
    end_label, status_label = _title(names.label("slutdato")), _title(names.label("status"))
    age = start.dt.year().cast(pl.Int64) - _value("foedselsaar")
    return [
        # Rule 11: a closed or discontinued case needs its end date.
        _Check(
            "missing_required",
            "slutdato",
            (status.is_in(["closed", "discontinued"]) & _raw("slutdato").is_null()).fill_null(
                False
            ),
            message("loader.end_date_missing", column=end_label, status=_shown("status")),
        ),
        # Rule 12: without alder, the age comes from the birth year and must be 10..99.
        _Check(
            "out_of_range",
            "foedselsaar",
            (_raw("alder").is_null() & ((age < AGE_LOW) | (age > AGE_HIGH))).fill_null(False),
            message(
                "loader.age_outside_range",
                column=_title(names.label("foedselsaar")),
                value=_shown("foedselsaar"),
                age=age,
                low=AGE_LOW,
                high=AGE_HIGH,
            ),
        ),
        _future_check("slutdato", names, exported_at),
        _Check(
            "date_order",
            "slutdato",
            (end < start).fill_null(False),
            message(
                "loader.end_before_start",
                column=end_label,
                value=_shown("slutdato"),
                start=_shown("startdato"),
            ),
        ),
        _Check(
            "date_order",
            "status",
            ((status == "active") & end.is_not_null()).fill_null(False),
            message(
                "loader.status_with_end_date",
                column=status_label,
                value=_shown("status"),
                end=_shown("slutdato"),
            ),
        ),
    ]


def _by_instrument(values: dict[str, object]) -> pl.Expr:
    """The value for the row's instrument (SCALES' order), as a polars expression."""
    instrument = _value("instrument")
    chain = None
    for code, value in values.items():
        chain = (
            pl.when(instrument == code) if chain is None else chain.when(instrument == code)
        ).then(pl.lit(value))
    return chain.otherwise(None)


def _scale_of_row(low: str, high: str) -> dict[str, pl.Expr]:
    """The row's instrument and its scale's bounds (Scale attributes `low`, `high`)."""
    return {
        "instrument": _by_instrument({c: s.label for c, s in SCALES.items()}),
        "low": _by_instrument({c: getattr(s, low) for c, s in SCALES.items()}),
        "high": _by_instrument({c: getattr(s, high) for c, s in SCALES.items()}),
    }


def _assessment_checks(names: _Names, exported_at: date) -> list[_Check]:
    instrument, raw_score = _value("instrument"), _value("raw_score")
    items = [f"item_{i}" for i in range(1, MAX_ITEMS + 1)]
    checks = []
    for i, item in enumerate(items, start=1):
        label = _title(names.label(item))
        for code, scale in SCALES.items():
            if i > scale.items:  # rule 10: an instrument has its own number of items
                checks.append(
                    _Check(
                        "invalid_value",
                        item,
                        ((instrument == code) & _raw(item).is_not_null()).fill_null(False),
                        message(
                            "loader.item_not_of_instrument",
                            column=label,
                            value=_shown(item),
                            instrument=scale.label,
                            items=scale.items,
                        ),
                    )
                )
        v = _value(item)
        outside = pl.any_horizontal(
            (instrument == code) & ((v < scale.item_low) | (v > scale.item_high))
            for code, scale in SCALES.items()
        )
        checks.append(
            _Check(
                "out_of_range",
                item,
                outside.fill_null(False),
                message(
                    "loader.outside_scale",
                    column=label,
                    value=_shown(item),
                    **_scale_of_row("item_low", "item_high"),
                ),
            )
        )
    score_label = _title(names.label("raw_score"))
    checks.append(
        _Check(
            "out_of_range",
            "raw_score",
            pl.any_horizontal(
                (instrument == code) & ((raw_score < scale.raw_low) | (raw_score > scale.raw_high))
                for code, scale in SCALES.items()
            ).fill_null(False),
            message(
                "loader.outside_scale",
                column=score_label,
                value=_shown("raw_score"),
                **_scale_of_row("raw_low", "raw_high"),
            ),
        )
    )
    # Rule 10: neither items nor raw_score is a missing raw_score.
    nothing = pl.all_horizontal([_raw(c).is_null() for c in [*items, "raw_score"]])
    checks.append(
        _Check(
            "missing_required",
            "raw_score",
            nothing,
            message("loader.score_missing", column=score_label),
        )
    )
    expected = pl.lit(MAX_ITEMS)  # the row's instrument's number of items (all when unknown)
    for code, scale in SCALES.items():
        expected = pl.when(instrument == code).then(pl.lit(scale.items)).otherwise(expected)
    answered = pl.sum_horizontal(
        [
            (_value(c).is_not_null() & (pl.lit(n) <= expected)).cast(pl.Int64)
            for n, c in enumerate(items, 1)
        ]
    )
    total = pl.sum_horizontal(
        [
            pl.when(pl.lit(n) <= expected).then(_value(c)).otherwise(0)
            for n, c in enumerate(items, 1)
        ]
    )
    given = raw_score.is_not_null() & instrument.is_not_null()
    incomplete = given & (answered > 0) & (answered < expected)
    mismatch = given & (answered == expected) & (total != raw_score)
    checks.append(
        _Check(
            "total_mismatch",
            "raw_score",
            (incomplete | mismatch).fill_null(False),
            _either(
                incomplete,
                message(
                    "loader.score_without_all_items",
                    column=score_label,
                    value=_shown("raw_score"),
                    answered=answered,
                    expected=expected,
                ),
                message(
                    "loader.score_not_item_sum",
                    column=score_label,
                    value=_shown("raw_score"),
                    total=total,
                ),
            ),
        )
    )
    return checks


# ---------------------------------------------------------------------------------------------
# Valid rows: typed output, defaults, deduplication


def _output(table: str, work: pl.DataFrame, pseudonymizer: Pseudonymizer) -> pl.DataFrame:
    builder = {
        "forloeb": _case_output,
        "medarbejdere": _worker_output,
        "maalinger": _assessment_output,
        "progression": _progression_output,
    }[table]
    built = builder(work, pseudonymizer)
    # A column the registry names and no rule above derives is stored as given (typed): a new
    # export column then needs its Column and its raw column, and nothing here.
    plain = [
        (_raw(c.name) if c.kind == "text" else _value(c.name)).alias(c.raw)
        for c in export_format.TABLES[table].columns
        if c.raw is not None and c.raw not in built.columns
    ]
    return built.with_columns(work.select(plain)) if plain else built


def _case_output(work: pl.DataFrame, pseudonymizer: Pseudonymizer) -> pl.DataFrame:
    municipality, lent = _value("kommunekode"), _value("udlaant_fra")
    derived_age = _value("startdato").dt.year().cast(pl.Int64) - _value("foedselsaar")
    return work.select(
        _raw("forloeb_id").alias("case_id"),
        municipality.alias("municipality_code"),
        _value("forloebstype").alias("case_type"),
        _raw("medarbejder_id").alias("worker_id"),
        pseudonymizer.citizen_keys(work["borger_id"]).alias("citizen_key"),
        _value("koen").alias("gender"),
        pl.coalesce(_value("alder"), derived_age).alias("age_at_start"),
        _value("foedselsaar").alias("birth_year"),
        _value("startdato").alias("start_date"),
        _value("slutdato").alias("end_date"),
        # Rule 15: the default status is applied before duplicates are compared.
        pl.coalesce(
            _value("status"),
            pl.when(_value("slutdato").is_null())
            .then(pl.lit("active"))
            .otherwise(pl.lit("closed")),
        ).alias("status"),
        _value("afslutningsaarsag").alias("end_reason"),
        _value("henvist_af").alias("referred_by"),
        # Rule 13: a loan from the case's own municipality is no loan.
        pl.when(lent == municipality)
        .then(None)
        .otherwise(lent)
        .alias("lent_from_municipality_code"),
        pl.col(SOURCE_ROW),
    )


def _worker_output(work: pl.DataFrame, pseudonymizer: Pseudonymizer) -> pl.DataFrame:
    return work.select(
        _raw("medarbejder_id").alias("worker_id"),
        _value("kommunekode").alias("municipality_code"),
        _value("rolle").alias("role"),
        _raw("navn").alias("name"),
        _value("koen").alias("gender"),
        _value("foedselsaar").alias("birth_year"),
        _value("uddannet_dato").alias("trained_on"),
        _value("aktiv").fill_null(True).alias("active"),
        _raw("sprog").str.replace_all(r"\s*,\s*", ", ").str.strip_chars(", ").alias("languages"),
        pl.col(SOURCE_ROW),
    )


def _assessment_output(work: pl.DataFrame, pseudonymizer: Pseudonymizer) -> pl.DataFrame:
    return work.select(
        _raw("forloeb_id").alias("case_id"),
        _value("instrument").alias("instrument"),
        _value("tidspunkt").alias("phase"),
        _value("dato").alias("measured_on"),
        *[_value(f"item_{i}").cast(pl.Int16).alias(f"item_{i}") for i in range(1, 11)],
        _value("raw_score").cast(pl.Int16).alias("raw_score_given"),
        pl.col(SOURCE_ROW),
    )


def _progression_output(work: pl.DataFrame, pseudonymizer: Pseudonymizer) -> pl.DataFrame:
    return work.select(
        _raw("forloeb_id").alias("case_id"),
        _value("dato").alias("measured_on"),
        _value("score").cast(pl.Int16).alias("score"),
        pl.col(SOURCE_ROW),
    )


def _deduplicate(
    table: str, valid: pl.DataFrame, names: _Names
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Rule 16: identical rows of one key count once; differing rows are all rejected."""
    keys = keys_of(table)
    repeated = _repeated_rows(valid, keys)
    if repeated is None:
        return valid, 0, pl.DataFrame(schema=REJECTED_SCHEMA)
    values = [c for c in valid.columns if c != SOURCE_ROW]
    group = valid.filter(repeated)
    variants = group.select(values).unique().group_by(keys).len()
    conflicting = variants.filter(pl.col("len") > 1).select(keys)
    clash = group.join(conflicting, on=keys, how="semi")
    same = group.join(conflicting, on=keys, how="anti")
    later_copies = same.filter(pl.col(SOURCE_ROW) != pl.col(SOURCE_ROW).min().over(keys))
    drop = pl.concat([clash.select(SOURCE_ROW), later_copies.select(SOURCE_ROW)])
    kept = valid.join(drop, on=SOURCE_ROW, how="anti")
    return kept, later_copies.height, _conflict_rows(table, clash, keys, names)


def _repeated_rows(valid: pl.DataFrame, keys: list[str]) -> pl.Series | None:
    """Rows whose key occurs more than once in the file, or None if no key repeats.

    Exact (polars compares the key values themselves), so one repeat among a million rows is
    found whatever its hash. An earlier version compared sorted UInt64 hashes with
    `Series.diff()`, which in Polars 2 yields null for hashes at or above 2**63 and so missed
    half of all single repeats.
    """
    repeated = valid.select(keys).is_duplicated()
    return repeated if repeated.any() else None


def _conflict_rows(table: str, clash: pl.DataFrame, keys: list[str], names: _Names) -> pl.DataFrame:
    if clash.height == 0:
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    key_column = {"case_id": "forloeb_id", "worker_id": "medarbejder_id"}[keys[0]]
    rows = pl.col(SOURCE_ROW).sort().implode().over(keys, mapping_strategy="join")
    key_text = pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator=" / ")
    repeated = message(
        f"loader.conflicting_duplicate.{table}", repeated=cpr_mask_expr(key_text), rows=rows
    )
    return with_danish_messages(
        clash.select(
            pl.col(SOURCE_ROW).alias("source_row"),
            pl.lit(names.label(key_column)).alias("column_name"),
            pl.lit("conflicting_duplicate").alias("reason_code"),
            repeated.key.alias("message_key"),
            repeated.params.alias("message_params"),
            pl.lit(None, pl.String).alias("raw_values"),
        )
    )


# ---------------------------------------------------------------------------------------------
# Rejected rows


def _rejections(failed: pl.DataFrame, checks: list[_Check], names: _Names) -> pl.DataFrame:
    if failed.height == 0:
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    index = pl.col("_fail")
    used = sorted(set(failed["_fail"].to_list()))

    def chain(pick) -> pl.Expr:
        expr = pl.when(index == used[0]).then(pick(checks[used[0]]))
        for i in used[1:]:
            expr = expr.when(index == i).then(pick(checks[i]))
        return expr.otherwise(None)

    return with_danish_messages(
        failed.select(
            pl.col(SOURCE_ROW).alias("source_row"),
            chain(lambda c: pl.lit(names.label(c.column))).cast(pl.String).alias("column_name"),
            chain(lambda c: pl.lit(c.reason)).cast(pl.String).alias("reason_code"),
            chain(lambda c: c.message.key).cast(pl.String).alias("message_key"),
            chain(lambda c: c.message.params).cast(pl.String).alias("message_params"),
            pl.lit(None, pl.String).alias("raw_values"),
        )
    )


def with_danish_messages(rejected: pl.DataFrame) -> pl.DataFrame:
    """`rejected` (REJECTED_SCHEMA but `message`) with `message`, the Danish text of each row's
    key and values, rendered once per distinct pair by texts.messages.render, the one function
    that also renders them for the dashboard (so the stored text is the Danish one shown)."""
    pairs = rejected.select("message_key", "message_params").unique()
    texts = [messages.render(key, params, "da") for key, params in pairs.iter_rows()]
    rendered = pairs.with_columns(pl.Series("message", texts, dtype=pl.String))
    joined = rejected.join(
        rendered, on=["message_key", "message_params"], how="left", maintain_order="left"
    )
    return joined.select(list(REJECTED_SCHEMA))


def raw_values(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """`source_row` and `raw_values` of the given rows of a TableFile frame: the original cells
    as a JSON object, every CPR-like number masked (rule 24). The loader uses it for orphans."""
    headers = [c for c in frame.columns if c != SOURCE_ROW]
    picked = frame.filter(pl.col(SOURCE_ROW).is_in(rows.implode()))
    return picked.select(
        pl.col(SOURCE_ROW).cast(pl.Int64).alias("source_row"),
        pl.struct([cpr_mask_expr(pl.col(h)).alias(h) for h in headers])
        .struct.json_encode()
        .alias("raw_values"),
    )


def _with_raw_values(rejected: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    if rejected.height == 0 or frame.width <= 1:
        return rejected
    masked = raw_values(frame, rejected["source_row"])
    return rejected.drop("raw_values").join(
        masked, on="source_row", how="left", maintain_order="left"
    )
