"""Find en medarbejder / Find a worker: who could take a new case, here or on loan from elsewhere."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.i18n import tr
from app.queries import find_worker as q

COLUMNS = {
    "worker_id": {"da": "Medarbejder-id", "en": "Worker id"},
    "name": {"da": "Navn", "en": "Name"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "role": {"da": "Rolle", "en": "Role"},
    "gender": {"da": "Køn", "en": "Gender"},
    "age": {"da": "Alder", "en": "Age"},
    "age_band": {"da": "Aldersgruppe", "en": "Age band"},
    "languages": {"da": "Sprog", "en": "Languages"},
    "trained_on": {"da": "Uddannet", "en": "Trained on"},
    "active_cases": {"da": "Aktive forløb nu", "en": "Active cases now"},
    "capacity": {"da": "Ledige pladser", "en": "Free places"},
    "has_capacity": {"da": "Har ledig plads", "en": "Has a free place"},
    "workers": {"da": "Medarbejdere", "en": "Workers"},
    "workers_with_capacity": {"da": "Med ledig plads", "en": "With a free place"},
}
ANY = {"da": "Alle", "en": "Any"}
LIST_COLUMNS = ("worker_id", "name", "municipality_name", "gender", "age", "age_band",
                "languages", "trained_on", "active_cases", "capacity", "has_capacity")  # fmt: skip


def _choice() -> q.Choice:
    """The coordinator's wishes: role, gender, language, free places."""
    scope = data.current_scope()
    left, middle, right, last = st.columns(4)
    role = left.selectbox(tr({"da": "Rolle", "en": "Role"}), q.ROLES, key="fw_role",
                          format_func=lambda r: i18n.code_label("role", r))  # fmt: skip
    genders = middle.multiselect(
        tr({"da": "Køn", "en": "Gender"}), ["female", "male", "other"], key="fw_gender",
        format_func=lambda g: i18n.code_label("gender", g), placeholder=tr(ANY),
    )  # fmt: skip
    language = right.selectbox(
        tr({"da": "Sprog", "en": "Language"}), [None, *q.languages(scope)], key="fw_language",
        format_func=lambda x: tr(ANY) if x is None else x,
    )  # fmt: skip
    capacity = last.number_input(
        tr({"da": "Mindst ledige pladser", "en": "At least free places"}),
        min_value=0, max_value=50, value=1, step=1, key="fw_capacity",
    )  # fmt: skip
    return q.Choice(role=role, genders=tuple(genders), language=language,
                    min_capacity=int(capacity))  # fmt: skip


def _present(frame: pl.DataFrame) -> pl.DataFrame:
    shown = frame.select(c for c in LIST_COLUMNS if c in frame.columns).with_columns(
        i18n.code_expr("gender", "gender"), i18n.date_expr("trained_on")
    )
    if shown["name"].is_null().all():
        shown = shown.drop("name")  # nobody here may read these names: no empty column
    for column in ("age", "active_cases", "capacity"):  # not for this viewer, or unknown
        if shown[column].is_null().all():
            shown = shown.drop(column)
    return shown.rename({c: tr(COLUMNS[c]) for c in shown.columns})


def _count_sentence(n: int) -> str:
    if n == 1:
        return tr({"da": "1 medarbejder.", "en": "1 worker."})
    return tr({"da": "{n} medarbejdere.", "en": "{n} workers."}, n=i18n.fmt_int(n))


def _lists(scope, choice: q.Choice) -> None:
    workers = q.workers(scope, choice)
    if scope.role == "coordinator":
        own = workers.filter(pl.col("is_own"))
        st.subheader(tr({"da": "I din kommune", "en": "In your municipality"}))
        if own.is_empty():
            st.info(tr({"da": "Ingen af dine medarbejdere passer til valget.",
                        "en": "None of your workers fits the choice."}))  # fmt: skip
        else:
            components.case_list(own, _present, _count_sentence(own.height), key="fw_own")
        workers = workers.filter(~pl.col("is_own"))
        st.subheader(tr({"da": "Andre kommuner i korpset (til udlån)",
                         "en": "Other municipalities in the corps (for a loan)"}))  # fmt: skip
        note = tr({"da": "Medarbejdere i andre kommuner vises med id, aldersgruppe og om de har "
                         "en ledig plads, ikke navn eller antal forløb: spørg deres koordinator "
                         "om et udlån. Mindst ledige pladser gælder her som «har en ledig plads».",
                   "en": "Workers of other municipalities show by id, age band and whether they "
                         "have a free place, not by name or caseload: ask their coordinator for "
                         "a loan. At least free places counts here as “has a free place”."})  # fmt: skip
    else:
        st.subheader(tr({"da": "Medarbejdere i korpset", "en": "Workers in the corps"}))
        note = tr({"da": "Medarbejdere vises med id, ikke navn.",
                   "en": "Workers show by id, not name."})  # fmt: skip
    if workers.is_empty():
        st.info(tr({"da": "Ingen medarbejdere passer til valget.",
                    "en": "No worker fits the choice."}))  # fmt: skip
    else:
        components.case_list(workers, _present, _count_sentence(workers.height), key="fw_corps")
    st.caption(note)


def _summary(scope, choice: q.Choice) -> None:
    st.subheader(tr({"da": "Ledige pladser pr. kommune", "en": "Free places per municipality"}))
    frame = q.by_municipality(scope, choice)
    if frame.is_empty():
        st.info(tr({"da": "Ingen medarbejdere passer til valget.",
                    "en": "No worker fits the choice."}))  # fmt: skip
        return
    shown = frame.filter(~pl.col("suppressed"))
    chart = charts.bar_chart(
        shown.select("municipality_name", "capacity"), "municipality_name", "capacity",
        horizontal=True, y_title=tr(COLUMNS["capacity"]),
    ).properties(height=max(100, 32 * shown.height))  # fmt: skip
    components.chart_block(
        chart,
        frame.select("municipality_code", "municipality_name", "workers", "workers_with_capacity",
                     "active_cases", "capacity", "suppressed"),
        tr({"da": "Hver søjle er de ledige pladser hos de medarbejdere, der passer til valget; "
                  "kommuner, hvor det ville vise under 5 aktive forløb, er udeladt.",
            "en": "Each bar is the free places of the workers who fit the choice; "
                  "municipalities where it would show fewer than 5 active cases are left out."}),
        int(frame["workers"].sum()),
        key="fw_capacity_chart",
        unit=tr({"da": "medarbejdere", "en": "workers"}),
        title=tr({"da": "Ledige pladser pr. kommune", "en": "Free places per municipality"}),
    )  # fmt: skip
    rows = frame.to_dicts()
    table = frame.select("municipality_name", "workers", "workers_with_capacity").with_columns(
        pl.Series("active_cases", [components.value_text(r["active_cases"], r["suppressed"],
                                                         by=r["suppressed_by"]) for r in rows]),
        pl.Series("capacity", [components.value_text(r["capacity"], r["suppressed"],
                                                     by=r["suppressed_by"]) for r in rows]),
    )  # fmt: skip
    components.table(table.rename({c: tr(COLUMNS[c]) for c in table.columns}), key="fw_summary")


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    choice = _choice()
    st.caption(tr({"da": "Kun aktive medarbejdere. Ledige pladser = op til {k} aktive forløb pr. "
                         "medarbejder, minus de aktive forløb pr. dataenes dato.",
                   "en": "Active workers only. Free places = up to {k} active cases per worker, "
                         "less the active cases as of the data's date."},
                  k=q.capacity_cases()))  # fmt: skip
    if scope.case_level:
        _lists(scope, choice)
    else:
        st.info(tr({"da": "I denne visning vises kun tal pr. kommune, ingen id'er eller navne.",
                    "en": "This view shows counts per municipality only, no ids or names."}))  # fmt: skip
    _summary(scope, choice)
    st.caption(i18n.t("suppressed_note"))


components.run_page("page_find_worker", render)
