"""One case (the case page, workflows.md section 2): case level, scoped like every case list.

Every query joins `scoped_cases` (app/data.py) at case level, with no sidebar filters: a case the
viewer may not see (another municipality for a coordinator, another worker's case for a worker)
gives no rows, exactly as an unknown id does, so the page cannot tell the two apart; a viewer
without case-level access gets `data.NotAllowed`.

- `facts(scope, case_id)`: one row (or none): municipality, case type, worker (name where the
  viewer may read it), loan, dates, status, end reason, referral, duration.
- `points(scope, case_id)`: the progression scores with their tracking and months since start.
- `gaps(scope, case_id)`: the gaps longer than the cadence (the rule of the handover document).
- `assessments(scope, case_id)`, `outcomes(scope, case_id)`: WHO-5/GSE measurements, changes.
- `fidelity(scope, case_id)`: the cadence facts of mart.fidelity.
- `attention(scope, case_id)`: the queue row (reasons and the numbers their sentences need).
"""

from __future__ import annotations

import polars as pl

from app import data
from app.filters import Filters
from app.scope import Scope
from reports import handover
from warehouse.db import db_path

MAX_ID_LENGTH = 64  # longer input is no case id; it is refused before any query

FACTS_SQL = """
-- the case's facts, if the viewer may see it; grain: one row (the case) or none
select
    s.case_id,
    s.municipality_code,
    s.municipality_name,
    s.case_type,
    s.worker_id,
    w.name as worker_name,
    s.is_loan,
    lent.municipality_name as lent_from_name,
    s.start_date,
    s.end_date,
    s.status,
    s.end_reason,
    s.referred_by,
    s.duration_days,
from scoped_cases as s
left join scoped_workers as w on w.worker_id = s.worker_id
left join ref.municipalities as lent on lent.municipality_code = s.lent_from_municipality_code
where s.case_id = $case_id
"""

POINTS_SQL = """
-- the case's progression scores with their tracking; grain: one row per score
select
    p.case_id,
    p.measured_on,
    p.measurement_no,
    p.score,
    p.months_since_start_exact as months,
    t.month,
    t.start_band,
    t.tracking,
    t.expected_p10,
    t.expected_p25,
    t.expected_p50,
from mart.progression as p
inner join scoped_cases as s on s.case_id = p.case_id
inner join mart.progression_tracking as t
    on t.case_id = p.case_id and t.measured_on = p.measured_on
where p.case_id = $case_id
order by p.measured_on
"""

ATTENTION_SQL = """
-- the case's row of the attention queue with its latest score's band; grain: one row or none
select
    a.reasons,
    a.priority,
    a.latest_score,
    a.days_since_last,
    t.previous_score,
    t.month,
    t.expected_p50,
from mart.attention as a
inner join scoped_cases as s on s.case_id = a.case_id
left join mart.progression_tracking as t
    on t.case_id = a.case_id and t.measured_on = a.latest_measured_on
where a.case_id = $case_id
"""


def _scoped(sql: str) -> str:
    """A per-case query of the handover document, answered only for a case the viewer may see."""
    # the SQL is a constant of reports.handover; the values stay bound parameters
    return (
        "select x.* from (\n" + sql.strip() + "\n) as x\n"  # noqa: S608
        "where exists (select 1 from scoped_cases as s where s.case_id = $case_id)"
    )


GAPS_SQL = _scoped(handover.GAPS_SQL)
ASSESSMENTS_SQL = _scoped(handover.ASSESSMENTS_SQL)
OUTCOMES_SQL = _scoped(handover.OUTCOMES_SQL)
FIDELITY_SQL = _scoped(handover.FIDELITY_SQL)


def clean_id(value: object) -> str | None:
    """A case or worker id as typed or linked (trimmed), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_ID_LENGTH or not text.isprintable():
        return None
    return text


def _run(sql: str, scope: Scope, case_id: str) -> pl.DataFrame:
    # no sidebar filters: a filter must not make a linked case look unknown
    return data.run(sql, {"case_id": case_id}, scope=scope, filters=Filters(), level="case")


def facts(scope: Scope, case_id: object) -> dict | None:
    """The case's facts, or None when there is no such case for this viewer (or `case_id`, as
    typed or linked, cannot be one: `clean_id`)."""
    case_id = clean_id(case_id)
    if case_id is None:
        return None
    frame = _run(FACTS_SQL, scope, case_id)
    return frame.row(0, named=True) if frame.height else None


def points(scope: Scope, case_id: str) -> pl.DataFrame:
    return _run(POINTS_SQL, scope, case_id)


def gaps(scope: Scope, case_id: str) -> pl.DataFrame:
    return _run(GAPS_SQL, scope, case_id)


def assessments(scope: Scope, case_id: str) -> pl.DataFrame:
    return _run(ASSESSMENTS_SQL, scope, case_id)


def outcomes(scope: Scope, case_id: str) -> pl.DataFrame:
    return _run(OUTCOMES_SQL, scope, case_id)


def fidelity(scope: Scope, case_id: str) -> dict | None:
    frame = _run(FIDELITY_SQL, scope, case_id)
    return frame.row(0, named=True) if frame.height else None


def attention(scope: Scope, case_id: str) -> dict | None:
    """The case's queue row (active cases only), or None."""
    frame = _run(ATTENTION_SQL, scope, case_id)
    return frame.row(0, named=True) if frame.height else None


def handover_pdf(scope: Scope, case_id: str, lang: str) -> bytes:
    """The case's handover summary (PDF), for a viewer who may open the case and read its
    worker's name (the document names the worker for the caseworker); `NotAllowed` otherwise."""
    found = facts(scope, case_id)
    if found is None or (found["worker_id"] and not found["worker_name"]):
        raise data.NotAllowed("the handover summary of a case outside the viewer's scope")
    from reports import handover_pdf as make  # late: the document libraries are heavy

    return make(db_path(), case_id, lang)
