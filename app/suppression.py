"""Small-number suppression: the one place that decides which figures hide as "<5".

A figure built from 1-4 cases is hidden (its value columns become null and its flag column true);
pages print a hidden figure as `i18n.SUPPRESSED` ("<5"). Zero is shown: it reveals no person.

Complementary suppression: rows that share a `total_group` value add up to a total shown elsewhere
on the screen (mentor + parent coach = active cases; the months of the period = the period's figure).
When exactly one row of such a group is hidden, the smallest other row is hidden too, so the hidden
number cannot be worked out by subtraction.

Shares: a row with a `numerator` (cases having the property among `count`) is also hidden when the
numerator or its complement (count − numerator) is 1-4, because with n shown either would reveal a
small group.

`app.data.run(..., suppress=Rule(...))` applies the rules; `needed(...)` says when they are on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

MIN_CASES = 5


@dataclass(frozen=True)
class Rule:
    """How one frame's rows are suppressed.

    count: column with the number of cases the row's figure is built from.
    values: further columns hidden with it (the count column is always hidden).
    numerator: column counting the cases with the property, for share rows (may be null per row).
    total_group: column whose non-null values group rows that add up to a shown total.
    flag: the boolean column added to say the row is hidden; a text column `<flag>_by` says why:
        'small' (built from 1-4 cases: print "<5") or 'complement' (hidden so a small one stays so).
    """

    count: str
    values: tuple[str, ...] = ()
    numerator: str | None = None
    total_group: str | None = None
    flag: str = "suppressed"


def is_small(n: int | None) -> bool:
    """A count of 1-4 cases: too few to show."""
    return n is not None and 0 < n < MIN_CASES


def needed(
    *,
    presentation: bool,
    case_level: bool,
    role: str,
    own_municipalities: frozenset[str],
    filtered_municipalities: Sequence[str],
    level: str,
) -> bool:
    """Is suppression on for this view?

    Always for presentation and aggregate-only viewers; always when the view spans more than one
    municipality; for a coordinator also when the one municipality is not theirs. Case-level
    queries are lists the viewer may see row by row, so nothing is suppressed there.
    """
    if level == "case":
        return False
    if presentation or not case_level:
        return True
    if len(filtered_municipalities) != 1:
        return True
    return role == "coordinator" and filtered_municipalities[0] not in own_municipalities


def _primary(df: pl.DataFrame, rule: Rule) -> list[bool]:
    counts = df[rule.count].to_list()
    numerators = df[rule.numerator].to_list() if rule.numerator else [None] * len(counts)
    hidden = []
    for n, k in zip(counts, numerators, strict=True):
        small = is_small(n)
        if k is not None and n is not None:
            small = small or is_small(k) or is_small(n - k)
        hidden.append(small)
    return hidden


def _complement(df: pl.DataFrame, rule: Rule, hidden: list[bool]) -> list[bool]:
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
            smallest = min(shown, key=lambda i: (counts[i] is None, counts[i] or 0, i))
            hidden[smallest] = True
    return hidden


def apply(df: pl.DataFrame, rules: Rule | Sequence[Rule], on: bool = True) -> pl.DataFrame:
    """Hide small figures (and their complements) per rule; adds each rule's flag column.

    With `on=False` the flag columns are added as false, so pages see one shape either way.
    """
    for rule in [rules] if isinstance(rules, Rule) else rules:
        primary = _primary(df, rule) if on else [False] * df.height
        hidden = _complement(df, rule, primary) if on else primary
        mask = pl.Series(rule.flag, hidden, dtype=pl.Boolean)
        why = [
            ("small" if p else "complement") if h else None
            for p, h in zip(primary, hidden, strict=True)
        ]
        df = df.with_columns(pl.Series(f"{rule.flag}_by", why, dtype=pl.String))
        columns = [rule.count, *rule.values]
        if rule.numerator:
            columns.append(rule.numerator)
        df = df.with_columns(mask).with_columns(
            pl.when(pl.col(rule.flag)).then(None).otherwise(pl.col(c)).alias(c)
            for c in dict.fromkeys(columns)
        )
    return df
