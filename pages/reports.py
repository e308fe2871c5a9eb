"""Rapporter / Reports: the leadership report (PDF) of a municipality the viewer may see, for a
chosen period (workflows.md section 4: the same document as `lat report leadership`).

The report holds aggregates only, with small numbers suppressed as in presentation mode; still,
it is one municipality's figures, exact but for the suppression, so it is offered for the
municipalities whose cases the viewer may see: a coordinator's own, every one for a national
evaluator (`app.queries.reports.municipalities`). The handover summary of one case is on the
case page. Each document is audited as it is made.
"""

from __future__ import annotations

import streamlit as st

from app import components, data, i18n
from app.i18n import tr
from app.queries import reports as q


def render() -> None:
    components.freshness()
    scope = data.current_scope()
    st.subheader(tr({"da": "Ledelsesrapport", "en": "Leadership report"}))
    choices = q.municipalities(scope)
    if not choices:
        st.info(tr({"da": "Ledelsesrapporten kan hentes af koordinatorer (for egne kommuner) og "
                          "nationale brugere.",
                    "en": "The leadership report can be downloaded by coordinators (for their own "
                          "municipalities) and national users."}))  # fmt: skip
        return
    months = q.months()
    default_from, default_to = q.default_period(months)
    language = i18n.lang()
    left, middle, right = st.columns([2, 1, 1])
    code = left.selectbox(tr({"da": "Kommune", "en": "Municipality"}), list(choices),
                          format_func=choices.get, key="reports_municipality")  # fmt: skip
    start = middle.selectbox(tr({"da": "Fra", "en": "From"}), months,
                             index=months.index(default_from),
                             format_func=lambda m: i18n.fmt_month(m, language),
                             key="reports_from")  # fmt: skip
    end = right.selectbox(tr({"da": "Til", "en": "To"}), months, index=months.index(default_to),
                          format_func=lambda m: i18n.fmt_month(m, language),
                          key="reports_to")  # fmt: skip
    st.caption(tr({"da": "Antal forløb og borgernes baggrund, metodefidelitet med kontrolkort, "
                         "før/efter-resultater, matchning, kommunen mod landet og "
                         "datakvalitet; kun samlede tal, små tal skjult. Standard: de seneste 6 "
                         "hele måneder.",
                   "en": "Number of cases and the citizens' background, fidelity with its "
                         "control chart, pre/post outcomes, matching, the municipality against "
                         "the country and data quality; aggregates only, small numbers hidden. "
                         "Default: the last 6 whole months."}))  # fmt: skip
    if start > end:
        st.warning(tr({"da": "Perioden skal starte før den slutter.",
                       "en": "The period must start before it ends."}))  # fmt: skip
        return
    period = f"{start:%Y-%m}_{end:%Y-%m}"
    components.document_download(
        tr({"da": "Lav ledelsesrapport (PDF)", "en": "Make the leadership report (PDF)"}),
        tr({"da": "Hent ledelsesrapport (PDF)", "en": "Download the leadership report (PDF)"}),
        lambda: q.leadership_pdf(scope, code, start, end, language),
        key="reports_leadership",
        file_name=f"ledelsesrapport-{code}-{period}-{language}.pdf",
    )


components.run_page("page_reports", render)
