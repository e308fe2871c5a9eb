"""Find a worker (workflows.md section 1, "before"): mentors and parent coaches who could take a
new case, in the viewer's own municipalities by name and elsewhere in the corps (for a loan) by
id only.

Who sees what (the scoping is `scoped_workers`, app/data.py, plus the rules here):
- coordinator: their own municipalities' workers with names, exact age, caseload and free
  places; the corps elsewhere by worker id, with a ten-year age band instead of the age and
  only whether the worker has a free place (a caseload counts citizens, and a threshold on
  others' free places would tell it); per municipality counts (citizen counts outside their own
  area hidden when 1-4);
- national: every worker by id (no staff names, docs/suppression.md), and the counts;
- viewer and presentation mode: the counts per municipality only (no ids, no names);
- worker: nothing: finding a worker for a case is the coordinator's task (`NotAllowed`).

- `capacity_cases()`: the active cases a worker can carry (free places count up to it).
- `languages(scope)`: the languages the corps' workers speak (for the language filter).
- `workers(scope, choice)`: the active workers matching `choice` (case level).
- `by_municipality(scope, choice)`: per municipality: matching workers, those with a free place,
  their active cases and free places (aggregates).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from app import data
from app.scope import Scope

ROLES = ("mentor", "parent_coach")


@dataclass(frozen=True)
class Choice:
    """What the coordinator looks for: a role, genders (none: any), a language, free places."""

    role: str = "mentor"
    genders: tuple[str, ...] = ()
    language: str | None = None
    min_capacity: int = 1

    def params(self) -> dict:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        return {
            "want_role": self.role,
            "want_genders": list(self.genders),
            "want_language": (self.language or "").strip().lower() or None,
            "want_capacity": max(0, int(self.min_capacity)),
        }


def _exactness(scope: Scope) -> dict:
    # the national centre may see every case, so every worker's caseload is exact to it
    return {"all_exact": scope.role == "national" and scope.case_level}


def capacity_cases() -> int:
    """The active cases a worker can carry (the house default behind `capacity`)."""
    frame = data.run_meta("select worker_capacity_cases from mart.constants")
    return int(frame["worker_capacity_cases"][0])


def _refuse_workers(scope: Scope) -> None:
    if scope.role == "worker":
        raise data.NotAllowed("finding a worker is for coordinators and the national centre")


_MATCHING = """
matching as (
    -- active workers of the role with the wanted gender, language and free places; grain: one
    -- row per worker
    select
        w.*,
        list_contains($exact_munis::varchar[], w.municipality_code) as is_own,
        -- a worker's caseload counts citizens: exact for the viewer's own area (and the
        -- national centre, who may see every case), elsewhere only "has a free place"
        $all_exact or list_contains($exact_munis::varchar[], w.municipality_code) as is_exact,
    from scoped_workers as w
    where w.active
        and w.role = $want_role
        and (len($want_genders::varchar[]) = 0
            or list_contains($want_genders::varchar[], w.gender))
        and ($want_language::varchar is null or list_contains(
            list_transform(string_split(lower(coalesce(w.languages, '')), ','),
                           lambda x: trim(x)),
            $want_language::varchar))
        and case
            when is_exact then coalesce(w.capacity, 0) >= $want_capacity::integer
            -- a threshold on others' free places would tell their caseload by bisection
            else $want_capacity::integer = 0 or coalesce(w.capacity, 0) > 0
        end
)"""

LANGUAGES_SQL = """
-- the languages the corps' workers speak; grain: one row per language
with spoken as (
    select trim(unnest(string_split(lower(languages), ','))) as language
    from scoped_workers
    where languages is not null
)
select distinct language from spoken where language <> '' order by language
"""


def languages(scope: Scope) -> list[str]:
    """The languages workers of the corps speak (lower case), for the language filter."""
    _refuse_workers(scope)
    frame = data.run_staff(LANGUAGES_SQL, scope=scope, level="aggregate")
    return frame["language"].to_list()


WORKERS_SQL = (
    "with "
    + _MATCHING.strip()
    + """
-- the matching workers: the own municipalities' by name, the others' by id and age band only;
-- grain: one row per worker
select
    m.worker_id,
    case when m.is_own then m.name end as name,
    m.municipality_code,
    r.municipality_name,
    m.is_own,
    m.role,
    m.gender,
    case when m.is_own or not $own_only_age then m.age end as age,
    case
        when m.age is null then null
        else (m.age // 10 * 10)::varchar || '-' || (m.age // 10 * 10 + 9)::varchar
    end as age_band,
    m.languages,
    m.trained_on,
    case when m.is_exact then m.active_cases end as active_cases,
    case when m.is_exact then m.capacity end as capacity,
    coalesce(m.capacity, 0) > 0 as has_capacity,
from matching as m
left join ref.municipalities as r on r.municipality_code = m.municipality_code
order by m.is_own desc, m.capacity desc, r.municipality_name, m.worker_id
"""
)


def workers(scope: Scope, choice: Choice) -> pl.DataFrame:
    """The active workers matching `choice`, own municipalities first (case level)."""
    _refuse_workers(scope)
    # a coordinator sees the age of workers elsewhere as a ten-year band only: enough to match,
    # less to recognise a colleague by; the national centre reads the marts anyway
    params = choice.params() | _exactness(scope) | {"own_only_age": scope.role == "coordinator"}
    return data.run_staff(WORKERS_SQL, params, scope=scope, level="case")


BY_MUNICIPALITY_SQL = (
    "with "
    + _MATCHING.strip()
    + """
-- per municipality: the matching workers and their caseload; grain: one row per municipality
select
    m.municipality_code,
    any_value(r.municipality_name) as municipality_name,
    count(*) as workers,
    count(*) filter (where m.capacity > 0) as workers_with_capacity,
    sum(m.active_cases)::bigint as active_cases,
    -- the citizens counted outside the viewer's own area (their own stay exact; a count across
    -- municipalities is a published figure, for the national centre too)
    coalesce(sum(m.active_cases) filter (where not m.is_own), 0)::bigint as active_cases_outside,
    sum(m.capacity)::bigint as capacity,
from matching as m
left join ref.municipalities as r on r.municipality_code = m.municipality_code
group by m.municipality_code
order by capacity desc, municipality_name
"""
)


def by_municipality(scope: Scope, choice: Choice) -> pl.DataFrame:
    """Matching workers per municipality; active cases (and the free places that would give
    them away) hidden when 1-4 outside the viewer's own area."""
    _refuse_workers(scope)
    return data.run_staff(
        BY_MUNICIPALITY_SQL,
        choice.params() | _exactness(scope),
        scope=scope,
        level="aggregate",
        suppress=data.Rule(count="active_cases", values=("capacity",)),
    )
