"""Named queries, one module per page (`app/queries/<page>.py`); each calls `app.data.run`.

What several pages share about splitting by group lives here.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.scope import Scope

# a worker shown by name and id, over scoped_cases `s` left-joined to mart.workers `w`
WORKER_LABEL_SQL = "coalesce(w.name || ' (' || s.worker_id || ')', s.worker_id)"
# splits naming single workers: only for viewers who may see cases, and then at case level
CASE_LEVEL_SPLITS = frozenset({"worker"})


def allowed_splits(names: Iterable[str], scope: Scope) -> list[str]:
    """The splits this viewer may choose (single workers only for case-level viewers)."""
    return [name for name in names if scope.case_level or name not in CASE_LEVEL_SPLITS]
