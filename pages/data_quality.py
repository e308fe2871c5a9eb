"""Datakvalitet / Data quality: load history, rejected rows to fix, rows waiting for their case."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts, components, data, i18n
from app.filters import Filters
from app.i18n import tr
from app.queries import data_quality as q

COLUMNS = {
    "batch_id": {"da": "Indlæsning", "en": "Batch"},
    "source_path": {"da": "Eksport", "en": "Export"},
    "exported_at": {"da": "Eksportdato", "en": "Exported"},
    "loaded_at": {"da": "Indlæst den", "en": "Loaded at"},
    "rows_read": {"da": "Læst", "en": "Read"},
    "rows_loaded": {"da": "Indlæst", "en": "Loaded"},
    "rows_unchanged": {"da": "Uændret", "en": "Unchanged"},
    "rows_superseded": {"da": "Erstattet", "en": "Superseded"},
    "rows_rejected": {"da": "Afvist", "en": "Rejected"},
    "status": {"da": "Status", "en": "Status"},
    "source_file": {"da": "Fil", "en": "File"},
    "source_row": {"da": "Række", "en": "Row"},
    "column_name": {"da": "Kolonne", "en": "Column"},
    "reason_code": {"da": "Årsag", "en": "Reason"},
    "message": {"da": "Hvad skal rettes", "en": "What to fix"},
    "raw_values": {"da": "Oprindelige værdier", "en": "Original values"},
}
COUNTS = ("rows_read", "rows_loaded", "rows_unchanged", "rows_superseded", "rows_rejected")


def _show_table(frame: pl.DataFrame, key: str) -> None:
    """A table with the reader's column names, date and count formats (36.231 in Danish; the
    counts are text then, so they are aligned right as numbers are)."""
    counts, language = [c for c in COUNTS if c in frame.columns], i18n.lang()
    shown = frame.with_columns(
        pl.col(c).map_elements(lambda v: i18n.fmt_int(v, language), pl.String) for c in counts
    ).with_columns(
        pl.col(c).map_elements(i18n.fmt_date, pl.String)
        for c in ("exported_at",) if c in frame.columns
    ).with_columns(
        pl.col(c).map_elements(lambda v: f"{i18n.fmt_date(v)} {v:%H:%M}", pl.String)
        for c in ("loaded_at",) if c in frame.columns
    ).with_columns(
        pl.col(c).map_elements(lambda v: i18n.code_label("reason_code", v), pl.String)
        for c in ("reason_code",) if c in frame.columns
    ).with_columns(
        pl.col(c).map_elements(lambda v: i18n.code_label("batch_status", v), pl.String)
        for c in ("status",) if c in frame.columns
    )  # fmt: skip
    shown = shown.rename({c: tr(COLUMNS[c]) for c in shown.columns if c in COLUMNS})
    right = {tr(COLUMNS[c]): st.column_config.TextColumn(alignment="right") for c in counts}
    components.table(shown, key=key, column_config=right)


def _when(value) -> str:
    return f"{i18n.fmt_date(value)} {value:%H:%M}"


def _checks(scope) -> None:
    """When the warehouse's own checks last held; a load is refused when one fails."""
    st.subheader(tr({"da": "Lagerets egne kontroller", "en": "The warehouse's own checks"}))
    runs = q.last_checks(scope)
    if runs["last_run_at"] is None:
        st.info(tr({"da": "Kontrollerne er ikke kørt på dette lager endnu. De kører ved hver "
                          "indlæsning og med `lat check`.",
                    "en": "The checks have not run on this warehouse yet. They run on every "
                          "load and with `lat check`."}))  # fmt: skip
    elif runs["last_passed"]:
        by = (tr({"da": f"ved indlæsning {runs['last_batch_id']}",
                  "en": f"at load {runs['last_batch_id']}"}) if runs["last_trigger"] == "load"
              else tr({"da": "med lat check", "en": "by lat check"}))  # fmt: skip
        st.success(tr({"da": f"Alle kontroller holdt senest {_when(runs['last_run_at'])} ({by}).",
                       "en": f"Every check held last on {_when(runs['last_run_at'])} ({by})."}))  # fmt: skip
    else:
        passed = (
            _when(runs["passed_at"]) if runs["passed_at"] else tr({"da": "aldrig", "en": "never"})
        )
        st.error(tr({"da": f"Kontrollen fejlede {_when(runs['last_run_at'])}: "
                           f"{runs['last_failed_checks']}. Senest holdt: {passed}.",
                     "en": f"The checks failed on {_when(runs['last_run_at'])}: "
                           f"{runs['last_failed_checks']}. Last held: {passed}."}))  # fmt: skip
    st.caption(
        tr({"da": "Før en indlæsning erstatter lageret, kontrolleres at hvert mart-view har entydige "
                  "nøgler uden tomme felter, at hver måling og progression hører til et forløb, at "
                  "læst = indlæst + uændret + erstattet + afvist for hver fil, og at intet ligner et "
                  "CPR-nummer. Fejler én, afvises indlæsningen, og lageret er uændret.",
            "en": "Before a load replaces the warehouse, it checks that every mart view has unique "
                  "keys with no blanks, that every measurement and progression row belongs to a "
                  "case, that read = loaded + unchanged + superseded + rejected for every file, and "
                  "that nothing looks like a CPR number. If one fails, the load is refused and the "
                  "warehouse is left as it was."})
    )  # fmt: skip


def _history(scope) -> None:
    st.subheader(tr({"da": "Indlæsninger", "en": "Loads"}))
    history = q.load_history(scope)
    _show_table(history, "dq_history")
    if "rows_read" in history.columns:
        st.caption(
            tr({"da": "Én række pr. indlæst eksport, nyeste først. Læst = indlæst + uændret + "
                      "erstattet + afvist.",
                "en": "One row per loaded export, newest first. Read = loaded + unchanged + "
                      "superseded + rejected."})
        )  # fmt: skip
    else:
        st.caption(
            tr({"da": "Én række pr. indlæst eksport, nyeste først. Eksportens rækketal gælder hele "
                      "landet og vises kun for nationale brugere.",
                "en": "One row per loaded export, newest first. An export's row counts are of "
                      "the whole country and shown to national users only."})
        )  # fmt: skip


def _reasons_chart(reasons: pl.DataFrame) -> None:
    labelled = reasons.with_columns(
        pl.col("reason_code").map_elements(lambda v: i18n.code_label("reason_code", v), pl.String)
        .alias("reason")
    )  # fmt: skip
    chart = charts.bar_chart(
        labelled.select("reason", "rows_rejected"),
        "reason",
        "rows_rejected",
        horizontal=True,
        y_title=tr({"da": "Afviste rækker", "en": "Rejected rows"}),
    )
    components.chart_block(
        chart,
        labelled.select("reason_code", "reason", "rows_rejected", "files"),
        tr({"da": "Hver søjle er antal afviste rækker med den årsag, som endnu ikke er rettet.",
            "en": "Each bar is the number of rejected rows with that reason not yet fixed."}),
        int(labelled["rows_rejected"].sum()),
        key="dq_reasons",
        unit=tr({"da": "rækker", "en": "rows"}),
    )  # fmt: skip


def _rows_per_reason(scope, reasons: pl.DataFrame) -> None:
    for reason in reasons["reason_code"].to_list():
        rows = q.rejected_rows(scope, reason)
        label = f"{i18n.code_label('reason_code', reason)}: {i18n.fmt_int(rows.height)}"
        with st.expander(label):
            _show_table(rows.head(q.ROW_LIMIT).drop("reason_code"), f"dq_rows_{reason}")
            components.download(
                tr({"da": "Hent rækkerne (CSV)", "en": "Download the rows (CSV)"}),
                lambda rows=rows: components.csv_bytes(rows),
                f"rejected_{reason}",
                "csv",
            )


def _orphans(scope) -> None:
    st.subheader(
        tr({"da": "Rækker der venter på deres forløb", "en": "Rows waiting for their case"})
    )
    orphans = q.orphans(scope)
    st.caption(
        tr({"da": "Målinger og progression for et forløb, der ikke er indlæst endnu. De indlæses "
                  "automatisk, når forløbet kommer med i en senere eksport.",
            "en": "Measurements and progression for a case not loaded yet. They load by "
                  "themselves when the case arrives in a later export."})
    )  # fmt: skip
    if scope.role != "national":
        # until its case arrives, a waiting row names no municipality: nobody but the national
        # centre can tie it to anyone, so nobody else is told of it (nor shown a national count)
        st.info(tr({"da": "Rækker, der venter på et forløb, kan ikke knyttes til en kommune, før "
                          "forløbet er indlæst; den nationale enhed følger dem.",
                    "en": "Rows waiting for a case cannot be tied to a municipality until the "
                          "case is loaded; the national centre follows them."}))  # fmt: skip
    elif orphans.is_empty():
        st.success(tr({"da": "Ingen rækker venter.", "en": "No rows are waiting."}))
    else:
        st.metric(tr({"da": "Ventende rækker", "en": "Waiting rows"}), i18n.fmt_int(orphans.height))
        _show_table(orphans.head(q.ROW_LIMIT).drop("reason_code"), "dq_orphans")


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    _checks(scope)
    _history(scope)
    st.subheader(tr({"da": "Afviste rækker", "en": "Rejected rows"}))
    reasons = q.rejected_by_reason(scope)
    if not scope.case_level:
        # rejected rows are case rows: an aggregate view lists none, and must not read as if
        # there were none to fix
        st.info(tr({"da": "Afviste rækker vises ikke i denne visning; koordinatorer ser deres "
                          "kommunes rækker og retter dem i fagsystemet.",
                    "en": "Rejected rows are not shown in this view; coordinators see their "
                          "municipality's rows and fix them in the platform."}))  # fmt: skip
    elif reasons.is_empty():
        st.success(tr({"da": "Ingen afviste rækker mangler at blive rettet ({who}).",
                       "en": "No rejected rows are waiting to be fixed ({who})."},
                      who=components.population_of("case", Filters())))  # fmt: skip
    else:
        _reasons_chart(reasons)
        _rows_per_reason(scope, reasons)
    _orphans(scope)


components.run_page("page_data_quality", render)
