"""The fidelity page's SQL that the leadership report runs too, without Streamlit:
`app.queries.fidelity` runs it through `app.data.run`, `reports.leadership.fitted_funnel` through
`app.scoping.reader_run` on its own reader (both by `app.queries.fit_funnel`), so the report's
funnel is the page's in presentation mode by construction.

- `COHORT`, `with_cohort(body)`: the cases of `scoped_cases` active at some time in the period,
  with their fidelity facts (mart.fidelity), as a CTE `cohort` in front of `body`.
- `FUNNEL_INDICATORS`: funnel indicator -> (denominator, event) over the cohort `s`.
- `funnel_sql(indicator, unit)`: the funnel's counts per unit (`app.queries.FUNNEL_SQL`) of one
  indicator over the cohort.
"""

from __future__ import annotations

from app.queries import FUNNEL_SQL, FUNNEL_UNITS, funnel_level

# a new case: it started in the period (its pre measurement is due in the period)
IS_NEW_SQL = "s.start_date >= $period_start::date"
# funnel indicator -> (denominator, event) over the cohort `s`
FUNNEL_INDICATORS = {
    "on_cadence": ("true", "s.on_cadence"),
    "pre": (IS_NEW_SQL, "s.has_pre"),
}

COHORT = """
cohort as (
    -- cases active at some time in the period, with their fidelity facts; grain: one row per case
    select s.*, f.* exclude (case_id, municipality_code, case_type, worker_id, period_end),
    from scoped_cases as s
    inner join mart.fidelity as f on f.case_id = s.case_id
    where mart.is_active_between(s.start_date, s.end_date, $period_start::date, $period_end::date)
)"""


def with_cohort(body: str) -> str:
    """`body` with the CTE `cohort` in front."""
    return "with " + COHORT.strip() + ",\n" + body.strip()


def funnel_sql(indicator: str, unit: str) -> str:
    """The funnel's counts per `unit` of one fidelity share (on cadence, or new cases with a pre
    measurement) over the cohort, with their cell keys (`app.queries.FUNNEL_SQL`)."""
    if indicator not in FUNNEL_INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}")
    funnel_level(unit)  # refuses an unknown unit
    code, label = FUNNEL_UNITS[unit]
    denominator, event = FUNNEL_INDICATORS[indicator]
    sql = FUNNEL_SQL.format(code=code, label=label, denominator=denominator, event=event,
                            population="cohort")  # fmt: skip
    return with_cohort(sql)
