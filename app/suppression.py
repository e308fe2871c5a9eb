"""Small-number suppression and cell-key perturbation: the one place that decides what a viewer
sees of a figure. The rule in words, for users, is docs/suppression.md.

Which views are exact (`treatment`): case-level queries; a worker's own cases; a coordinator's
view of their own municipalities only; a national view of one municipality. Every other view is
*protected*: its figures are hidden when small, and for viewers who may not see the cases
(coordinators outside their own area, leadership, presentation mode) its counts are perturbed.

In a protected view, per row of a frame:
- a count built from 1-4 cases is hidden (its value columns become null and its flag true);
  pages print it as `i18n.SUPPRESSED` ("<5"). Zero is shown: it reveals no person.
- a count whose cases outside the viewer's own area (`<count>_outside`) are 1-4 is hidden too,
  because the viewer knows the own part exactly and could subtract it ("the complement within
  the viewer's scope"); a row made only of own cases (`_outside` 0) stays exact.
- a count with a cell key (`<count>_key`, the sum of its cases' record keys) is perturbed: the
  noise NOISE_TABLE[key mod TABLE_SIZE] (-2..+2, mean 0) is added, and a result below 5 shows as
  5, so 1-4 is never shown. The same cases always give the same noise, whatever page, filter
  or repetition reaches them, so asking again or another way gains nothing.
- complementary suppression: rows that share a `total_group` value add up to a total shown
  elsewhere on the screen. When exactly one row of such a group is hidden, the smallest other
  row is hidden too (a row outside the viewer's own area first).
- shares: a row with a `numerator` is also hidden when the numerator or its complement
  (count − numerator) is 1-4, because with n shown either would reveal a small group.

The `_key` and `_outside` helper columns are dropped from every frame before it leaves here:
they would give the hidden numbers away. `app.data.run(..., suppress=Rule(...))` applies this.
A query gives its counts those columns with `with_counts` (`counted`), over cases that carry
`record_key` (`RECORD_KEY_SQL`) and `is_exact`: the dashboard's `scoped_cases`, the leadership
report's funnel (which imports no Streamlit, so these live here, not in app.data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

MIN_CASES = 5
# record keys are 0..TABLE_SIZE-1; a cell's noise is NOISE_TABLE[sum of its keys mod TABLE_SIZE]
TABLE_SIZE = 255
NOISE_RANGE = 2
# each of -2..+2 equally often (51 times): zero-mean noise
NOISE_TABLE = tuple(i % (2 * NOISE_RANGE + 1) - NOISE_RANGE for i in range(TABLE_SIZE))
KEY_SUFFIX = "_key"
OUTSIDE_SUFFIX = "_outside"
# a case's fixed random record key, as SQL over mart.cases `c` with `$cell_table` bound to
# TABLE_SIZE: a hash keyed with the warehouse's own secret (etl.meta), so the same case keeps its
# key across loads and nobody without the warehouse file can compute it. The dashboard's
# scoped_cases and the leadership report read it from here.
RECORD_KEY_SQL = (
    "cast(md5_number((select value from etl.meta where key = 'cell_key_secret') || c.case_id)"
    " % $cell_table::integer as integer)"
)


def counted(name: str, condition: str = "true", case: str = "c") -> str:
    """SQL for a count of `case` rows meeting `condition` (a constant of the caller's code),
    with the two columns this module protects it by: `<name>_key`, the sum of the cases'
    record keys (the cell key), and `<name>_outside`, the cases outside the viewer's own area.
    """
    rows = f"where {condition} and {case}.case_id is not null"
    return (
        f"count(*) filter ({rows}) as {name},\n"
        f"    coalesce(sum({case}.record_key) filter ({rows}), 0)::bigint as {name}_key,\n"
        f"    count(*) filter ({rows} and not {case}.is_exact) as {name}_outside,"
    )


def with_counts(sql: str, case: str = "c", **conditions: str) -> str:
    """`sql` with each `{name}` placeholder replaced by `counted(name, condition, case)`."""
    for name, condition in conditions.items():
        sql = sql.replace("{" + name + "}", counted(name, condition, case))
    return sql


@dataclass(frozen=True)
class Rule:
    """How one frame's rows are suppressed.

    count: column with the number of cases the row's figure is built from.
    values: further columns hidden with it (the count column is always hidden).
    numerator: column counting the cases with the property, for share rows (may be null per row).
    total_group: column whose non-null values group rows that add up to a shown total.
    flag: the boolean column added to say the row is hidden; a text column `<flag>_by` says why:
        'small' (built from 1-4 cases: print "<5") or 'complement' (hidden so a small one stays so).
    ratio: column holding numerator / count, worked out again from the published numbers (a
        share of exact numbers beside perturbed ones would give the noise away).
    means: columns of means of whole-number scores, rounded to whole points where counts are
        perturbed: a mean to full precision is a sum of whole scores over n, and of the few n
        the noise leaves possible usually only one divides it (the exact n, and then any two
        such n subtracted, would be out).
    The count and numerator columns may come with `<column>_key` (sum of the cases' record keys:
    perturbed) and `<column>_outside` (cases outside the viewer's own area); see the module.
    """

    count: str
    values: tuple[str, ...] = ()
    numerator: str | None = None
    total_group: str | None = None
    flag: str = "suppressed"
    ratio: str | None = None
    means: tuple[str, ...] = ()


@dataclass(frozen=True)
class Treatment:
    """What a view's figures get: hiding of small numbers, and cell-key noise on counts."""

    hide: bool
    perturb: bool


EXACT = Treatment(hide=False, perturb=False)
PUBLISHED = Treatment(hide=True, perturb=False)
PROTECTED = Treatment(hide=True, perturb=True)


def is_small(n: int | None) -> bool:
    """A count of 1-4 cases: too few to show."""
    return n is not None and 0 < n < MIN_CASES


def treatment(
    *,
    presentation: bool,
    case_level: bool,
    role: str,
    own_municipalities: frozenset[str],
    filtered_municipalities: Sequence[str],
    level: str,
) -> Treatment:
    """How this view's figures are shown (docs/suppression.md has the same table in words)."""
    if level == "case":
        return EXACT  # lists the viewer may see row by row
    if presentation or not case_level:
        return PROTECTED  # a shared screen or leadership: nobody there may see the cases
    if role == "worker":
        return EXACT  # a worker's aggregates count their own cases only
    if role == "coordinator":
        own = bool(filtered_municipalities) and set(filtered_municipalities) <= own_municipalities
        return EXACT if own else PROTECTED
    # national: may see every case; a figure across municipalities is one fit to publish
    return EXACT if len(filtered_municipalities) == 1 else PUBLISHED


def any_hidden(*flags: object) -> bool:
    """Was any figure hidden: any of `flags` (a frame's flag column, a Series, or a figure's
    bool) true? A sentence that says small figures are left out is said only then (the pages'
    captions, the reports' notes)."""
    return any(bool(f.fill_null(False).any()) if isinstance(f, pl.Series) else bool(f)
               for f in flags)  # fmt: skip


def noisy_count(n: int | None, cell_key: int | None) -> int | None:
    """`n` with its cell's noise, for a count that enters a computation but is never shown
    (a hidden unit's part of a funnel's target): zero stays zero, nothing below zero."""
    if not n or cell_key is None:
        return n
    return max(n + NOISE_TABLE[cell_key % TABLE_SIZE], 0)


def published_count(n: int | None, cell_key: int | None) -> int | None:
    """The count shown for a cell of `n` cases whose record keys sum to `cell_key`.

    Zero (and null) stays as it is; 1-4 never comes out (those are hidden before this).
    """
    if not n or cell_key is None:
        return n
    return max(noisy_count(n, cell_key), MIN_CASES)


def noisy_counts(df: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """`df` with the rule's count and numerator as `noisy_count`s (the viewer's own rows exact):
    for figures that are summed, never shown. `published_count` lifts a hidden 1-4 to 5; summed
    over a funnel's many small hidden units, that doubled the share of all units (0,30 -> 0,54)."""
    return _with_noise(df, rule, _exact_rows(df, rule), noisy_count)


def _column(df: pl.DataFrame, name: str | None, suffix: str) -> list | None:
    column = f"{name}{suffix}" if name else None
    return df[column].to_list() if column in df.columns else None


def _primary(df: pl.DataFrame, rule: Rule, exact_rows: list[bool]) -> list[bool]:
    counts = df[rule.count].to_list()
    numerators = df[rule.numerator].to_list() if rule.numerator else [None] * len(counts)
    hidden = []
    for n, k, exact in zip(counts, numerators, exact_rows, strict=True):
        small = is_small(n)
        if k is not None and n is not None:
            small = small or is_small(k) or is_small(n - k)
        hidden.append(not exact and small)
    return hidden


def _by_difference(df: pl.DataFrame, rule: Rule, exact_rows: list[bool]) -> list[bool]:
    """Rows whose cases outside the viewer's own area are 1-4 (the own part is known exactly)."""
    outside = _column(df, rule.count, OUTSIDE_SUFFIX) or [None] * df.height
    k_outside = _column(df, rule.numerator, OUTSIDE_SUFFIX) or [None] * df.height
    return [
        not exact and (is_small(out) or is_small(k_out))
        for out, k_out, exact in zip(outside, k_outside, exact_rows, strict=True)
    ]


def _complement(
    df: pl.DataFrame, rule: Rule, hidden: list[bool], exact_rows: list[bool]
) -> list[bool]:
    """Hide the smallest other row of every total group that has exactly one hidden row."""
    if rule.total_group is None:
        return hidden
    hidden = list(hidden)
    groups: dict[object, list[int]] = {}
    for index, group in enumerate(df[rule.total_group].to_list()):
        if group is not None:
            groups.setdefault(group, []).append(index)
    counts = df[rule.count].to_list()
    for rows in groups.values():
        shown = [i for i in rows if not hidden[i]]
        if len(rows) - len(shown) == 1 and shown:
            # a row of others' cases first: the viewer's own rows stay exact where they can
            smallest = min(
                shown, key=lambda i: (exact_rows[i], counts[i] is None, counts[i] or 0, i)
            )
            hidden[smallest] = True
    return hidden


def _exact_rows(df: pl.DataFrame, rule: Rule) -> list[bool]:
    """Rows made only of the viewer's own cases (known to the query by `<count>_outside`)."""
    outside = _column(df, rule.count, OUTSIDE_SUFFIX)
    return [out == 0 for out in outside] if outside else [False] * df.height


def _with_noise(
    df: pl.DataFrame,
    rule: Rule,
    exact_rows: list[bool],
    count: Callable[[int | None, int | None], int | None],
) -> pl.DataFrame:
    """`df` with the rule's count and numerator made by `count(n, cell key)`, the exact rows
    (the viewer's own cases) as they are."""
    for name in (rule.count, rule.numerator):
        keys = _column(df, name, KEY_SUFFIX)
        if keys is None:
            continue
        values = [
            n if exact else count(n, key)
            for n, key, exact in zip(df[name].to_list(), keys, exact_rows, strict=True)
        ]
        df = df.with_columns(pl.Series(name, values, dtype=df[name].dtype))
    return df


def _perturbed(df: pl.DataFrame, rule: Rule, exact_rows: list[bool]) -> pl.DataFrame:
    df = _with_noise(df, rule, exact_rows, published_count)
    if rule.ratio and rule.numerator:
        count = pl.when(pl.col(rule.count) > 0).then(pl.col(rule.count))
        df = df.with_columns((pl.col(rule.numerator) / count).alias(rule.ratio))
    exact = pl.Series(exact_rows, dtype=pl.Boolean)
    return df.with_columns(
        pl.when(exact).then(pl.col(c)).otherwise(pl.col(c).round(0)).alias(c) for c in rule.means
    )


def _apply_one(df: pl.DataFrame, rule: Rule, how: Treatment) -> pl.DataFrame:
    exact_rows = _exact_rows(df, rule)
    if how.hide:
        primary = _primary(df, rule, exact_rows)
        difference = _by_difference(df, rule, exact_rows)
        first = [p or d for p, d in zip(primary, difference, strict=True)]
        hidden = _complement(df, rule, first, exact_rows)
    else:
        primary = hidden = [False] * df.height
    if how.perturb:
        df = _perturbed(df, rule, exact_rows)
    why = [("small" if p else "complement") if h else None
           for p, h in zip(primary, hidden, strict=True)]  # fmt: skip
    df = df.with_columns(
        pl.Series(f"{rule.flag}_by", why, dtype=pl.String),
        pl.Series(rule.flag, hidden, dtype=pl.Boolean),
    )
    columns = [rule.count, *rule.values, *([rule.numerator] if rule.numerator else [])]
    return df.with_columns(
        pl.when(pl.col(rule.flag)).then(None).otherwise(pl.col(c)).alias(c)
        for c in dict.fromkeys(columns)
    )


def helper_columns(rule: Rule) -> list[str]:
    """The cell-key and outside-count columns a frame may carry for `rule`."""
    names = [rule.count, *([rule.numerator] if rule.numerator else [])]
    return [f"{name}{suffix}" for name in names for suffix in (KEY_SUFFIX, OUTSIDE_SUFFIX)]


def apply(
    df: pl.DataFrame, rules: Rule | Sequence[Rule], on: bool | Treatment = True
) -> pl.DataFrame:
    """Hide small figures (and their complements), perturb counts; adds each rule's flag column.

    `on` is the view's Treatment (True: hide without noise; False: exact); with nothing to hide
    the flag columns are added as false, so pages see one shape either way.
    """
    how = on if isinstance(on, Treatment) else (PUBLISHED if on else EXACT)
    rules = [rules] if isinstance(rules, Rule) else list(rules)
    for rule in rules:
        df = _apply_one(df, rule, how)
    helpers = {c for rule in rules for c in helper_columns(rule)}
    return df.drop([c for c in df.columns if c in helpers])
