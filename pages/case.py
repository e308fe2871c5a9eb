"""Forløb / Case: one case, as the coordinator follows it (workflows.md section 2).

Opened by `…/case?id=CASE_ID`, a click on a row of any case list, or the search box. Which
cases the viewer may open is the data layer's (app/queries/case.py): an out-of-scope id reads
exactly as an unknown one. The router audits each view with the case id.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.i18n import t
from app.page_charts import attention as ac
from app.page_charts import case as cc
from app.queries import case as q
from app.queries import fidelity as fidelity_q
from app.queries import prepost as prepost_q
from app.queries import progression as progression_q

NOT_FOUND = "pages.case.not_found"
ASK = "pages.case.ask"
TABS = "case_tabs"  # the page's section tabs (components.sections)
FACTS = {
    "municipality": "municipality",
    "case_type": "case_type",
    "worker": "worker",
    "loan": "pages.case.facts.loan",
    "start": "pages.case.facts.start",
    "end": "pages.case.facts.end",
    "status": "common.status",
    "end_reason": "pages.case.facts.end_reason",
    "referred_by": "common.referred_by",
    "duration": "pages.case.facts.duration",
}
TRACKING = {
    "start": "pages.case.tracking.start",
    "on_track": "common.on_track",
    "below_expected": "common.below_expected",
    "off_track": "pages.case.tracking.off_track",
    "no_reference": "common.no_reference",
}
BANDS = {
    "low": "pages.case.bands.low",
    "mid": "pages.case.bands.mid",
    "high": "pages.case.bands.high",
}
PREPOST_COLUMNS = {
    "instrument": "common.instrument",
    "pre_date": "pages.case.prepost_columns.pre_date",
    "pre": "common.pre",
    "post_date": "pages.case.prepost_columns.post_date",
    "post": "common.post",
    "change": "pages.case.prepost_columns.change",
    "rc": "pages.case.prepost_columns.rc",
    "reliable": "pages.case.prepost_columns.reliable",
    "clinical": "pages.case.prepost_columns.clinical",
    "meaningful": "pages.case.prepost_columns.meaningful",
}
INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}
YES_NO = {True: "yes", False: "no"}


def _yes_no(value: bool | None) -> str:
    return i18n.MISSING if value is None else t(YES_NO[bool(value)])


def _days(n: int | None) -> str:
    return i18n.MISSING if n is None else i18n.tn("pages.case.n_days", n)


def _facts(case: dict) -> None:
    worker = case["worker_id"]
    if worker and case["worker_name"]:
        worker = f"{case['worker_name']} ({worker})"
    loan = (
        t("pages.case.yes_from_name", name=case["lent_from_name"] or i18n.MISSING)
        if case["is_loan"]
        else t(YES_NO[False])
    )
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
        (left if number < 5 else right).markdown(f"**{t(FACTS[key])}:** {value}")
    if case["worker_id"]:
        if st.button(t("pages.case.open_the_worker_s_page"), key="case_open_worker"):
            components.open_record("worker", case["worker_id"])


def _attention(scope, case_id: str, status: str) -> None:
    row = q.attention(scope, case_id)
    if row is None:
        if status == "active":
            st.info(t("pages.case.the_case_is_not_in"))
        return
    if row["reasons"]:
        st.warning(t("pages.case.needs_attention_why", why=ac.why(row, i18n.lang())))
    else:
        st.success(t("pages.case.nothing_needs_attention_right_now"))


def _progression(scope, case_id: str) -> None:
    st.subheader(t("page_progression"))
    points = q.points(scope, case_id)
    if points.is_empty():
        st.info(t("pages.case.the_case_has_no_progression"))
        return
    band_code = points["start_band"][0]
    band = progression_q.expected_band(scope, band_code)
    gaps = q.gaps(scope, case_id)
    gaps = gaps.with_columns(
        pl.Series("gap_text", [_days(d) for d in gaps["gap_days"]], dtype=pl.String)
    )
    labels = {code: t(words) for code, words in TRACKING.items()}
    shown = points.with_columns(
        pl.col("tracking").replace_strict(labels, default=None).alias("tracking_label")
    )
    cadence = fidelity_q.cadence_days()
    gap_label = t("pages.case.gap_over_d_days", d=cadence)
    title = t("pages.case.starting_level_band", band=t(BANDS[band_code]))
    chart = cc.case_progression(
        band,
        shown,
        gaps,
        x_title=t("common.months"),
        y_title=t("common.score"),
        title=title,
        tracking_labels=labels,
        gap_label=gap_label,
        line_label=t("pages.case.the_case_s_scores"),
    )
    how = t("pages.case.the_points_are_the_case", d=cadence, k=i18n.fmt_int(gaps.height))
    components.chart_block(chart, points.drop("case_id"), how, 1, key="case_progression")


def _measurement(assessments: pl.DataFrame, instrument: str, phase: str) -> tuple[str, str]:
    found = assessments.filter((pl.col("instrument") == instrument) & (pl.col("phase") == phase))
    if found.is_empty():
        return i18n.MISSING, i18n.MISSING
    row = found.row(0, named=True)
    score = (
        i18n.fmt_number(row["score"], 0)
        if row["is_valid"]
        else t("pages.case.invalid_too_few_answers")
    )
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
    return pl.DataFrame(rows).rename({k: t(v) for k, v in PREPOST_COLUMNS.items()})


def _constants(scope) -> str:
    parts = []
    for instrument in prepost_q.INSTRUMENTS:
        ref = prepost_q.reference(scope, instrument)
        cutoff = i18n.MISSING if ref["cutoff"] is None else i18n.fmt_number(ref["cutoff"], 0)
        mcid = i18n.MISSING if ref["mcid"] is None else i18n.fmt_number(ref["mcid"], 0)
        parts.append(
            t(
                "pages.case.name_sd_sd_reliability_rel",
                name=INSTRUMENT_NAMES[instrument],
                sd=i18n.fmt_number(ref["sd"], 1),
                rel=i18n.fmt_number(ref["reliability"], 2),
                cutoff=cutoff,
                mcid=mcid,
                thr=i18n.fmt_number(ref["reliable_change_threshold"], 1),
            )
        )
    z = i18n.fmt_number(float(prepost_q.reference(scope, "WHO5")["z"]), 2)
    return t("pages.case.pre_and_post_count_within", z=z, items="; ".join(parts))


def _prepost(scope, case_id: str) -> None:
    st.subheader(t("pages.case.who_5_and_gse_before"))
    assessments = q.assessments(scope, case_id)
    if assessments.is_empty():
        st.info(t("pages.case.no_who_5_or_gse"))
        return
    components.table(_prepost_rows(assessments, q.outcomes(scope, case_id)), key="case_prepost")
    st.caption(_constants(scope))


def _fidelity(scope, case_id: str) -> None:
    st.subheader(t("common.fidelity"))
    f = q.fidelity(scope, case_id)
    if f is None:
        st.info(t("pages.case.no_fidelity_facts"))
        return
    cols = st.columns(4)
    cols[0].metric(
        t("pages.case.progression_measurements"),
        f"{i18n.fmt_int(f['n_measurements'])} / {i18n.fmt_int(f['expected_measurements'])}",
        help=t("pages.case.measurements_against_expected"),
    )
    cols[1].metric(t("pages.case.coverage"), i18n.fmt_pct(f["coverage"]))
    cols[2].metric(t("pages.case.largest_gap"), _days(f["max_gap_days"]))
    cols[3].metric(t("pages.case.days_since_last_measurement"), _days(f["days_since_last"]))
    st.markdown(
        " · ".join(
            [
                f"**{t('pages.case.on_cadence')}:** {_yes_no(f['on_cadence'])}",
                f"**{t('pages.case.measurement_overdue')}:** {_yes_no(f['overdue'])}",
                f"**{t('pages.case.pre_measurement')}:** {_yes_no(f['has_pre'])}",
                f"**{t('pages.case.post_measurement')}:** {_yes_no(f['has_post'])}",
            ]
        )
    )


def _handover(case: dict) -> None:
    st.subheader(t("pages.case.handover_summary"))
    if case["worker_id"] and not case["worker_name"]:
        # the document names the worker for the caseworker; a viewer who may not read the name
        # (a national evaluator, 3.2) gets no document with it
        st.caption(t("pages.case.the_summary_names_the_worker"))
        return
    scope, language = data.current_scope(), i18n.lang()  # the file is made without the session
    case_id = case["case_id"]
    components.document_download(
        t("pages.case.make_the_handover_summary_pdf"),
        t("pages.case.download_the_handover_summary_pdf"),
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
    case = components.requested_record(
        "case", lambda wanted: q.facts(scope, wanted), ASK, NOT_FOUND
    )
    if case is None:
        return
    st.header(t("pages.case.case_id", id=case["case_id"]))
    _facts(case)
    _attention(scope, case["case_id"], case["status"])
    # the scores over time open first (a coaching talk starts from them); pre/post and the
    # fidelity summary are a click away (only the open tab runs its queries)
    case_id = case["case_id"]
    components.sections(
        TABS,
        [
            ("pages.case.tabs.progression", partial(_progression, scope, case_id)),
            ("pages.case.tabs.prepost", partial(_prepost, scope, case_id)),
            ("pages.case.tabs.fidelity", partial(_fidelity, scope, case_id)),
        ],
    )
    _handover(case)  # the document holds every section: below the tabs, whichever is open


components.run_page("page_case", render)
