"""Rapporter / Reports: the leadership report (PDF) of a municipality the viewer may see, for a
chosen period (workflows.md section 4: the same document as `lat report leadership`).

The report holds aggregates only, with small numbers suppressed (and the funnel's municipalities
perturbed as in presentation mode, `reports.leadership.fitted_funnel`); still, it is one
municipality's figures, exact but for the suppression, so it is offered for the
municipalities whose cases the viewer may see: a coordinator's own, every one for a national
evaluator (`app.queries.reports.municipalities`). The handover summary of one case is on the
case page. Each document is audited as it is made.
"""

from __future__ import annotations

import streamlit as st

from app import components, data, i18n
from app.i18n import t
from app.queries import reports as q


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    st.subheader(t("pages.reports.leadership_report"))
    choices = q.municipalities(scope)
    if not choices:
        st.info(t("pages.reports.the_leadership_report_can_be"))
        return
    months = q.months()
    default_from, default_to = q.default_period(months)
    language = i18n.lang()
    left, middle, right = st.columns([2, 1, 1])
    code = left.selectbox(
        t("municipality"), list(choices), format_func=choices.get, key="reports_municipality"
    )
    start = middle.selectbox(
        t("pages.reports.from"),
        months,
        index=months.index(default_from),
        format_func=lambda m: i18n.fmt_month(m, language),
        key="reports_from",
    )
    end = right.selectbox(
        t("pages.reports.to"),
        months,
        index=months.index(default_to),
        format_func=lambda m: i18n.fmt_month(m, language),
        key="reports_to",
    )
    st.caption(t("pages.reports.number_of_cases_and_the"))
    if start > end:
        st.warning(t("pages.reports.the_period_must_start_before"))
        return
    period = f"{start:%Y-%m}_{end:%Y-%m}"
    components.document_download(
        t("pages.reports.make_the_leadership_report_pdf"),
        t("pages.reports.download_the_leadership_report_pdf"),
        lambda: q.leadership_pdf(scope, code, start, end, language),
        key="reports_leadership",
        file_name=f"ledelsesrapport-{code}-{period}-{language}.pdf",
    )


components.run_page("page_reports", render)
