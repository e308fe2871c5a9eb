"""Documents: the handover summary of one case and the leadership report of a municipality.

Public entry points (the CLI and the dashboard's download buttons call these; no Streamlit here):
`handover_pdf(db, case_id, lang)`, `handover_pngs(...)`, `leadership_pdf(db, municipality, start,
end, lang)`, `leadership_pngs(...)`. Each reads the warehouse read-only and raises `ReportError`
with one readable line for an unknown case or municipality, an empty period or a missing warehouse.
"""

from reports.handover import handover_pdf, handover_pngs
from reports.leadership import leadership_pdf, leadership_pngs
from reports.source import ReportError

__all__ = ["ReportError", "handover_pdf", "handover_pngs", "leadership_pdf", "leadership_pngs"]
