"""The documents the dashboard hands out (reports/, workflows.md section 4), scoped here.

- `municipalities(scope)`: code -> name of the municipalities whose leadership report the viewer
  may take: a coordinator's own, every municipality with cases for a national evaluator, none for
  a worker (who counts only their own cases) or an aggregate-only viewer.
- `months()`: the months a report period may start or end in; `default_period(months)`: the
  command line's default (the last 6 whole months up to the as-of date).
- `leadership_pdf(scope, code, start, end, lang)`: the report, refused (`data.NotAllowed`) for a
  municipality outside `municipalities(scope)`.
"""

from __future__ import annotations

from datetime import date

from app import data
from app.scope import Scope
from warehouse.db import db_path


def municipalities(scope: Scope) -> dict[str, str]:
    """The municipalities whose leadership report this viewer may take (code -> name)."""
    if not scope.case_level or scope.role not in ("national", "coordinator"):
        return {}
    found = data.filter_options(scope).municipalities  # the municipalities with cases
    if scope.role == "coordinator":
        return {code: name for code, name in found.items() if code in scope.municipalities}
    return found


def months() -> list[date]:
    """The first days of the months with data, oldest first."""
    return list(data.filter_options(data.current_scope()).months)


def default_period(choices: list[date]) -> tuple[date, date]:
    """The report's default period as months of `choices` (reports.leadership's own rule)."""
    from reports.leadership import resolve_period  # late: the document libraries are heavy

    first, last = resolve_period(data.as_of(), None, None)
    start, end = first.replace(day=1), last.replace(day=1)
    start = start if start in choices else choices[0]
    end = end if end in choices else choices[-1]
    return start, end


def leadership_pdf(scope: Scope, code: str, start: date, end: date, lang: str) -> bytes:
    """The leadership report of one of the viewer's municipalities as PDF bytes."""
    if code not in municipalities(scope):
        raise data.NotAllowed("the leadership report of a municipality outside the viewer's scope")
    from reports import leadership_pdf as make  # late: the document libraries are heavy

    return make(db_path(), code, start, end, lang)
