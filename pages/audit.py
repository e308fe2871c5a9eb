"""Revisionsspor / Audit trail: who signed in, viewed, downloaded and erased what. National only."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import polars as pl
import streamlit as st

import texts
from app import components, data, i18n
from app.i18n import t
from privacy import audit

ALL = ""  # the event menu's "all events"


def event_label(event: str) -> str:
    """An event kind in words ('page_view' -> 'Sidevisning')."""
    return t("audit.all") if event == ALL else t(f"audit.event.{event}")


CODED_FIELDS = {"case_types": "case_type", "genders": "gender"}  # filter values that are codes


def _page_title(url: str) -> str | None:
    """The navigation title of the page at url path `url` ('find-worker' -> 'Find en
    medarbejder'), from the router's own list; None for a path it does not know."""
    from app.streamlit_app import NATIONAL_PAGES, PAGES  # the router's table, no page runs

    keys = {path: key for _file, key, path in (*PAGES, *NATIONAL_PAGES)}
    return t(keys[url]) if url in keys else None


MUNICIPALITY_FIELDS = ("municipalities", "municipality", "municipality_code")  # hold codes


def _word(value: object, field: str = "") -> str:
    """A detail's value in words where the catalogue has one (a page, a role, a method)."""
    if field in MUNICIPALITY_FIELDS and isinstance(value, str):
        return data.municipality_names().get(value, value)  # '101' -> 'København'
    if field in CODED_FIELDS and isinstance(value, str):
        return i18n.code_label(CODED_FIELDS[field], value)
    if field == "page" and isinstance(value, str) and _page_title(value):
        return _page_title(value)  # 'data-quality' and 'case' were shown as they are stored
    if isinstance(value, bool):
        return t("audit.value.yes" if value else "audit.value.no")
    if isinstance(value, int | float):
        return i18n.fmt_int(value) if float(value).is_integer() else i18n.fmt_number(value, 1)
    if isinstance(value, list):
        return ", ".join(_word(v, field) for v in value) or "–"
    if field == "rows_removed" and isinstance(value, dict):  # per table: the total says it
        return i18n.fmt_int(sum(v for v in value.values() if isinstance(v, int | float)))
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if v not in (None, [], {})}
        return ", ".join(f"{_name(k)} {_word(v, k)}" for k, v in shown.items()) or "–"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):  # a month or a day, stored as ISO
        day = date.fromisoformat(text if len(text) == 10 else f"{text}-01")
        return i18n.fmt_date(day) if len(text) == 10 else i18n.fmt_month(day)
    for key in (f"audit.value.{text}", f"page_{text}"):
        if texts.exists(key):
            return t(key)
    return text


def _name(field: str) -> str:
    key = f"audit.detail.{field}"
    return t(key) if texts.exists(key) else field


def detail_text(detail: str) -> str:
    """An event's detail (JSON as stored) as a line a reader understands."""
    try:
        values = json.loads(detail) if detail else {}
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return _word(values)
    return "; ".join(f"{_name(k)}: {_word(v, k)}" for k, v in values.items())


def readable(events: pl.DataFrame) -> pl.DataFrame:
    """The trail as the page shows it: Danish time, events and details in words, Danish headings."""
    shown = events.select(
        i18n.labelled(events["at"], lambda at: i18n.fmt_time(datetime.fromisoformat(at))),
        i18n.labelled(events["event"], event_label),
        "user",
        i18n.labelled(events["detail"], detail_text),
    )
    return shown.rename({name: t(f"audit.column.{name}") for name in shown.columns})


def render() -> None:
    st.title(t("audit.title"))
    scope = data.current_scope()
    if not scope.reads_audit_trail:  # the data layer refuses it too (data.audit_events)
        st.error(t("audit.refused"))
        st.stop()
    left, middle, right = st.columns([2, 2, 1])
    event = left.selectbox(
        t("audit.event"), [ALL, *audit.EVENTS], format_func=event_label, key="audit_event"
    )
    user = middle.text_input(t("audit.user"), key="audit_user").strip()
    limit = right.number_input(t("audit.limit"), 10, 10_000, 500, step=100, key="audit_limit")
    events = data.audit_events(scope, limit=int(limit), event=event or None, user=user or None)
    st.caption(t("audit.how"))
    if events.is_empty():
        st.info(t("audit.empty"))
    else:
        components.table(readable(events), key="audit_events")


render()
