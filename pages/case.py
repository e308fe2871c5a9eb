"""Forløb / Case: one case, as the coordinator follows it (workflows.md section 2).

Opened by `…/case?id=CASE_ID`, a click on a row of any case list, or the search box. Which
cases the viewer may open is the data layer's (app/queries/case.py): an out-of-scope id reads
exactly as an unknown one. The router audits each view with the case id.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import tr
from app.page_charts import attention as ac
from app.page_charts import case as cc
from app.queries import case as q
from app.queries import fidelity as fidelity_q
from app.queries import prepost as prepost_q
from app.queries import progression as progression_q

NOT_FOUND = {"da": "Forløbet findes ikke, eller du har ikke adgang til det.",
             "en": "The case does not exist, or you do not have access to it."}  # fmt: skip
ASK = {"da": "Skriv et forløbs-id i feltet, eller klik på et forløb i en liste (f.eks. på "
             "siden Opmærksomhed).",
       "en": "Type a case id in the box, or click a case in a list (e.g. on the Needs "
             "attention page)."}  # fmt: skip
FACTS = {
    "municipality": {"da": "Kommune", "en": "Municipality"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "worker": {"da": "Medarbejder", "en": "Worker"},
    "loan": {"da": "Udlånt", "en": "Loan"},
    "start": {"da": "Startdato", "en": "Start date"},
    "end": {"da": "Slutdato", "en": "End date"},
    "status": {"da": "Status", "en": "Status"},
    "end_reason": {"da": "Afslutningsårsag", "en": "End reason"},
    "referred_by": {"da": "Henvist af", "en": "Referred by"},
    "duration": {"da": "Varighed", "en": "Duration"},
}
TRACKING = {
    "start": {"da": "Første score", "en": "First score"},
    "on_track": {"da": "Som forventet", "en": "On track"},
    "below_expected": {"da": "Under forventet", "en": "Below expected"},
    "off_track": {"da": "Langt under forventet", "en": "Off track"},
    "no_reference": {"da": "Ingen reference", "en": "No reference"},
}
BANDS = {"low": {"da": "lav, 1-3", "en": "low, 1-3"}, "mid": {"da": "middel, 4-6", "en": "mid, 4-6"},
         "high": {"da": "høj, 7-10", "en": "high, 7-10"}}  # fmt: skip
PREPOST_COLUMNS = {
    "instrument": {"da": "Instrument", "en": "Instrument"},
    "pre_date": {"da": "Før, dato", "en": "Pre, date"},
    "pre": {"da": "Før", "en": "Pre"},
    "post_date": {"da": "Efter, dato", "en": "Post, date"},
    "post": {"da": "Efter", "en": "Post"},
    "change": {"da": "Ændring", "en": "Change"},
    "rc": {"da": "RC", "en": "RC"},
    "reliable": {"da": "Pålidelig ændring", "en": "Reliable change"},
    "clinical": {"da": "Klinisk ændring", "en": "Clinical change"},
    "meaningful": {"da": "≥ MCID", "en": "≥ MCID"},
}
INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}
YES_NO = {True: {"da": "Ja", "en": "Yes"}, False: {"da": "Nej", "en": "No"}}


def _yes_no(value: bool | None) -> str:
    return i18n.MISSING if value is None else tr(YES_NO[bool(value)])


def _days(n: int | None) -> str:
    return (
        i18n.MISSING if n is None else tr({"da": "{n} dage", "en": "{n} days"}, n=i18n.fmt_int(n))
    )


def _facts(case: dict) -> None:
    worker = case["worker_id"]
    if worker and case["worker_name"]:
        worker = f"{case['worker_name']} ({worker})"
    loan = (tr({"da": "Ja, fra {name}", "en": "Yes, from {name}"},
               name=case["lent_from_name"] or i18n.MISSING)
            if case["is_loan"] else tr(YES_NO[False]))  # fmt: skip
    values = {
        "municipality": case["municipality_name"],
        "case_type": i18n.code_label("case_type", case["case_type"]),
        "worker": worker or i18n.MISSING,
        "loan": loan,
        "start": i18n.fmt_date(case["start_date"]),
        "end": i18n.fmt_date(case["end_date"]),
        "status": i18n.code_label("status", case["status"]),
        "end_reason": i18n.code_label("end_reason", case["end_reason"])
        if case["end_reason"]
        else i18n.MISSING,
        "referred_by": i18n.code_label("referred_by", case["referred_by"])
        if case["referred_by"]
        else i18n.MISSING,
        "duration": _days(case["duration_days"]),
    }
    left, right = st.columns(2)
    for number, (key, value) in enumerate(values.items()):
        (left if number < 5 else right).markdown(f"**{tr(FACTS[key])}:** {value}")
    if case["worker_id"]:
        if st.button(tr({"da": "Åbn medarbejderens side", "en": "Open the worker's page"}),
                     key="case_open_worker"):  # fmt: skip
            components.open_record("worker", case["worker_id"])


def _attention(scope, case_id: str, status: str) -> None:
    row = q.attention(scope, case_id)
    if row is None:
        if status == "active":
            st.info(tr({"da": "Forløbet er ikke i opmærksomhedslisten.",
                        "en": "The case is not in the attention queue."}))  # fmt: skip
        return
    if row["reasons"]:
        st.warning(tr({"da": "Kræver opmærksomhed: {why}", "en": "Needs attention: {why}"},
                      why=ac.why(row, i18n.lang())))  # fmt: skip
    else:
        st.success(tr({"da": "Intet kræver opmærksomhed lige nu.",
                       "en": "Nothing needs attention right now."}))  # fmt: skip


def _progression(scope, case_id: str) -> None:
    st.subheader(tr({"da": "Progression", "en": "Progression"}))
    points = q.points(scope, case_id)
    if points.is_empty():
        st.info(tr({"da": "Forløbet har ingen progressionsscorer.",
                    "en": "The case has no progression scores."}))  # fmt: skip
        return
    band_code = points["start_band"][0]
    band = progression_q.expected_band(scope, band_code)
    gaps = q.gaps(scope, case_id)
    labels = {code: tr(words) for code, words in TRACKING.items()}
    shown = points.with_columns(
        pl.col("tracking").replace_strict(labels, default=None).alias("tracking_label")
    )
    cadence = fidelity_q.cadence_days()
    gap_label = tr({"da": "Hul over {d} dage", "en": "Gap over {d} days"}, d=cadence)
    title = tr(
        {"da": "Startniveau {band}", "en": "Starting level {band}"}, band=tr(BANDS[band_code])
    )
    chart = cc.case_progression(
        band, shown, gaps, x_title=tr({"da": "Måneder siden start", "en": "Months since start"}),
        y_title=tr({"da": "Progressionsscore (1-10)", "en": "Progression score (1-10)"}),
        title=title, tracking_labels=labels, gap_label=gap_label,
    )  # fmt: skip
    how = tr({"da": "Punkterne er forløbets scorer, farvet efter om de er som forventet. Det blå "
                    "bånd er, hvordan borgere med samme startniveau scorede på landsplan (lyst: "
                    "10.-90. percentil, mørkt: 25.-75., stregen: medianen); måneder med under 20 "
                    "borgere har intet bånd. Orange felter er huller på over {d} dage uden måling "
                    "({k} i alt).",
              "en": "The points are the case's scores, coloured by whether they are on track. "
                    "The blue band is how citizens with the same starting level scored "
                    "nationally (light: 10th-90th percentile, dark: 25th-75th, the line: the "
                    "median); months with fewer than 20 citizens have no band. Orange areas are "
                    "gaps of more than {d} days without a measurement ({k} in all)."},
             d=cadence, k=i18n.fmt_int(gaps.height))  # fmt: skip
    components.chart_block(chart, points.drop("case_id"), how, 1, key="case_progression")


def _measurement(assessments: pl.DataFrame, instrument: str, phase: str) -> tuple[str, str]:
    found = assessments.filter((pl.col("instrument") == instrument) & (pl.col("phase") == phase))
    if found.is_empty():
        return i18n.MISSING, i18n.MISSING
    row = found.row(0, named=True)
    score = (i18n.fmt_number(row["score"], 0) if row["is_valid"]
             else tr({"da": "ugyldig (for få svar)", "en": "invalid (too few answers)"}))  # fmt: skip
    return i18n.fmt_date(row["measured_on"]), score


def _prepost_rows(assessments: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for instrument in prepost_q.INSTRUMENTS:
        pre_date, pre = _measurement(assessments, instrument, "pre")
        post_date, post = _measurement(assessments, instrument, "post")
        found = outcomes.filter(pl.col("instrument") == instrument)
        o = found.row(0, named=True) if found.height else {}
        rows.append({
            "instrument": INSTRUMENT_NAMES[instrument], "pre_date": pre_date, "pre": pre,
            "post_date": post_date, "post": post,
            "change": i18n.fmt_signed(o.get("change"), 0) if o else i18n.MISSING,
            "rc": i18n.fmt_number(o.get("rc"), 2) if o else i18n.MISSING,
            "reliable": i18n.code_label("reliable_change", o["reliable_change"])
            if o.get("reliable_change") else i18n.MISSING,
            "clinical": i18n.code_label("reliable_change", o["clinical_change"])
            if o.get("clinical_change") else i18n.MISSING,
            "meaningful": _yes_no(o.get("meaningful_change")) if o else i18n.MISSING,
        })  # fmt: skip
    return pl.DataFrame(rows).rename({k: tr(v) for k, v in PREPOST_COLUMNS.items()})


def _constants(scope) -> str:
    parts = []
    for instrument in prepost_q.INSTRUMENTS:
        ref = prepost_q.reference(scope, instrument)
        cutoff = i18n.MISSING if ref["cutoff"] is None else i18n.fmt_number(ref["cutoff"], 0)
        mcid = i18n.MISSING if ref["mcid"] is None else i18n.fmt_number(ref["mcid"], 0)
        parts.append(tr(
            {"da": "{name}: sd {sd}, reliabilitet {rel}, grænseværdi {cutoff}, MCID {mcid}, "
                   "pålidelig ved mere end {thr} point",
             "en": "{name}: sd {sd}, reliability {rel}, cutoff {cutoff}, MCID {mcid}, reliable "
                   "beyond {thr} points"},
            name=INSTRUMENT_NAMES[instrument], sd=i18n.fmt_number(ref["sd"], 1),
            rel=i18n.fmt_number(ref["reliability"], 2), cutoff=cutoff, mcid=mcid,
            thr=i18n.fmt_number(ref["reliable_change_threshold"], 1),
        ))  # fmt: skip
    z = i18n.fmt_number(float(prepost_q.reference(scope, "WHO5")["z"]), 2)
    return tr({"da": "Før- og eftermåling tæller inden for 30 dage af start og slut. Pålidelig "
                     "ændring efter Jacobson-Truax (RC = ændring / (√2 · sd · √(1 − "
                     "reliabilitet)); |RC| > {z}). Konstanter: {items}.",
               "en": "Pre and post count within 30 days of start and end. Reliable change after "
                     "Jacobson-Truax (RC = change / (√2 · sd · √(1 − reliability)); |RC| > {z}). "
                     "Constants: {items}."}, z=z, items="; ".join(parts))  # fmt: skip


def _prepost(scope, case_id: str) -> None:
    st.subheader(tr({"da": "WHO-5 og GSE før og efter", "en": "WHO-5 and GSE before and after"}))
    assessments = q.assessments(scope, case_id)
    if assessments.is_empty():
        st.info(tr({"da": "Ingen WHO-5- eller GSE-målinger.",
                    "en": "No WHO-5 or GSE measurements."}))  # fmt: skip
        return
    components.table(_prepost_rows(assessments, q.outcomes(scope, case_id)), key="case_prepost")
    st.caption(_constants(scope))


def _fidelity(scope, case_id: str) -> None:
    st.subheader(tr({"da": "Metodefidelitet", "en": "Method fidelity"}))
    f = q.fidelity(scope, case_id)
    if f is None:
        st.info(tr({"da": "Ingen fidelitetsoplysninger.", "en": "No fidelity facts."}))
        return
    cols = st.columns(4)
    cols[0].metric(tr({"da": "Progressionsmålinger", "en": "Progression measurements"}),
                   f"{i18n.fmt_int(f['n_measurements'])} / {i18n.fmt_int(f['expected_measurements'])}",
                   help=tr({"da": "Målinger mod forventet", "en": "Measurements against expected"}))  # fmt: skip
    cols[1].metric(tr({"da": "Dækning", "en": "Coverage"}), i18n.fmt_pct(f["coverage"]))
    cols[2].metric(tr({"da": "Største hul", "en": "Largest gap"}), _days(f["max_gap_days"]))
    cols[3].metric(tr({"da": "Dage siden seneste måling", "en": "Days since last measurement"}),
                   _days(f["days_since_last"]))  # fmt: skip
    st.markdown(" · ".join([
        f"**{tr({'da': 'Målt til tiden', 'en': 'On cadence'})}:** {_yes_no(f['on_cadence'])}",
        f"**{tr({'da': 'Forsinket måling', 'en': 'Measurement overdue'})}:** {_yes_no(f['overdue'])}",
        f"**{tr({'da': 'Førmåling', 'en': 'Pre measurement'})}:** {_yes_no(f['has_pre'])}",
        f"**{tr({'da': 'Eftermåling', 'en': 'Post measurement'})}:** {_yes_no(f['has_post'])}",
    ]))  # fmt: skip


def _handover(case: dict) -> None:
    st.subheader(tr({"da": "Overdragelsesnotat", "en": "Handover summary"}))
    if case["worker_id"] and not case["worker_name"]:
        # the document names the worker for the caseworker; a viewer who may not read the name
        # (a national evaluator, 3.2) gets no document with it
        st.caption(tr({"da": "Notatet nævner medarbejderen ved navn og kan derfor kun hentes af "
                             "koordinatorer i forløbets kommune og medarbejderen selv.",
                       "en": "The summary names the worker, so only the coordinators of the "
                             "case's municipality and the worker themself can download it."}))  # fmt: skip
        return
    scope, language = data.current_scope(), i18n.lang()  # the file is made without the session
    case_id = case["case_id"]
    components.document_download(
        tr({"da": "Lav overdragelsesnotat (PDF)", "en": "Make the handover summary (PDF)"}),
        tr({"da": "Hent overdragelsesnotat (PDF)", "en": "Download the handover summary (PDF)"}),
        lambda: q.handover_pdf(scope, case_id, language),
        key="case_handover",
        file_name=f"overdragelse-{case_id}-{language}.pdf",
    )


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    if not scope.case_level:  # the queries refuse too (data.NotAllowed); this says it first
        st.info(i18n.t("not_allowed"))
        return
    wanted = components.record_search("case")
    case_id = q.clean_id(wanted)
    if wanted is None:
        st.info(tr(ASK))
        return
    case = q.facts(scope, case_id) if case_id else None
    if case is None:
        st.warning(tr(NOT_FOUND))
        return
    st.header(tr({"da": "Forløb {id}", "en": "Case {id}"}, id=case["case_id"]))
    _facts(case)
    _attention(scope, case["case_id"], case["status"])
    _progression(scope, case["case_id"])
    _prepost(scope, case["case_id"])
    _fidelity(scope, case["case_id"])
    _handover(case)


components.run_page("page_case", render)
