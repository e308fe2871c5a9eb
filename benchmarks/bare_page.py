"""The framework's floor for benchmarks.viewcost --bare: a Streamlit page with nothing of LAT
Indsigt's (no sign-in, no warehouse, no chart, no table), only what every view has: a select box
in the sidebar, a title, four cards and a line of text, with the dashboard's own rule that stale
elements dim without a fade (app.components.calm_reruns, as on every page of ours). What a
Chromium tab spends on a period change here is what Streamlit's own frontend costs per view
before any page of ours is drawn. The run sleeps BARE_RUN_S, as a page's queries take a moment,
so the tab shows the run going."""

import time

import streamlit as st

from app.components import calm_reruns

BARE_RUN_S = 0.3
MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]

calm_reruns()
with st.sidebar:
    chosen = st.selectbox("Periode fra", MONTHS, index=5)
time.sleep(BARE_RUN_S)
st.title("Bar side")
for number, column in enumerate(st.columns(4)):
    column.metric(f"Kort {number + 1}", f"{(MONTHS.index(chosen) + 1) * (number + 3)}")
st.write(f"Valgt periode: {chosen}")
