"""Revisionsspor / Audit trail: who signed in, viewed, downloaded and erased what. National only."""

from __future__ import annotations

import streamlit as st

from app import components, data
from privacy import audit

TEXTS = {
    "da": {
        "title": "Revisionsspor",
        "refused": "Revisionssporet kan kun ses af nationale brugere.",
        "event": "Hændelse",
        "all": "Alle",
        "user": "Bruger",
        "limit": "Højst antal rækker",
        "how": "Nyeste først. Sporet kan ikke ændres eller slettes; det rummer aldrig "
        "CPR-numre eller slettede oplysninger, kun pseudonymer og antal.",
        "empty": "Ingen hændelser matcher.",
    },
    "en": {
        "title": "Audit trail",
        "refused": "Only national users can see the audit trail.",
        "event": "Event",
        "all": "All",
        "user": "User",
        "limit": "Maximum rows",
        "how": "Newest first. The trail cannot be changed or deleted; it never holds CPR numbers "
        "or erased content, only pseudonyms and counts.",
        "empty": "No events match.",
    },
}

t = TEXTS["en" if st.session_state.get("lang") == "en" else "da"]
st.title(t["title"])
scope = data.current_scope()
if not scope.reads_audit_trail:  # the data layer refuses it too (data.audit_events)
    st.error(t["refused"])
    st.stop()

left, middle, right = st.columns([2, 2, 1])
event = left.selectbox(t["event"], [t["all"], *audit.EVENTS], key="audit_event")
user = middle.text_input(t["user"], key="audit_user").strip()
limit = right.number_input(t["limit"], 10, 10_000, 500, step=100, key="audit_limit")
events = data.audit_events(
    scope, limit=int(limit), event=None if event == t["all"] else event, user=user or None
)
st.caption(t["how"])
if events.is_empty():
    st.info(t["empty"])
else:
    components.table(events, key="audit_events")
