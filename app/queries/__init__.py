"""Named queries, one module per page (`app/queries/<page>.py`); each calls `app.data.run`.

What several pages share about splitting by group lives here.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.scope import Scope

# a worker shown by name and id, over scoped_cases `s` left-joined to scoped_workers `w`
WORKER_LABEL_SQL = "coalesce(w.name || ' (' || s.worker_id || ')', s.worker_id)"
# splits naming single workers: only for viewers who may see cases, and then at case level
CASE_LEVEL_SPLITS = frozenset({"worker"})


def allowed_splits(names: Iterable[str], scope: Scope) -> list[str]:
    """The splits this viewer may choose (single workers only for case-level viewers)."""
    return [name for name in names if scope.case_level or name not in CASE_LEVEL_SPLITS]


def counted(name: str, condition: str = "true", case: str = "c") -> str:
    """SQL for a count of `case` rows meeting `condition` (a constant of the caller's code),
    with the two columns app/suppression.py protects it by: `<name>_key`, the sum of the cases'
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
