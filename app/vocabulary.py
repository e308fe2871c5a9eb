"""The reader's words for the warehouse's codes, in Danish and English: one table for the dashboard
(app/i18n.py) and the documents (reports/texts.py). No Streamlit here, so both may import it."""

from __future__ import annotations

# kind -> code -> the key of its word in the text catalogue (app/texts/)
CODE_LABELS: dict[str, dict[str, str]] = {
    "case_type": {
        "mentor": "vocabulary.code_labels.case_type.mentor",
        "parent_coach": "vocabulary.code_labels.case_type.parent_coach",
    },
    "gender": {
        "male": "vocabulary.code_labels.gender.male",
        "female": "vocabulary.code_labels.gender.female",
        "other": "vocabulary.code_labels.gender.other",
    },
    "role": {
        "mentor": "vocabulary.code_labels.case_type.mentor",
        "parent_coach": "vocabulary.code_labels.case_type.parent_coach",
        "coordinator": "vocabulary.code_labels.role.coordinator",
    },
    "status": {
        "active": "vocabulary.code_labels.status.active",
        "closed": "vocabulary.code_labels.status.closed",
        "discontinued": "vocabulary.code_labels.status.discontinued",
    },
    "batch_status": {
        "loaded": "vocabulary.code_labels.batch_status.loaded",
        "loaded_with_rejections": "vocabulary.code_labels.batch_status.loaded_with_rejections",
    },
    "reliable_change": {
        "improved": "vocabulary.code_labels.reliable_change.improved",
        "unchanged": "vocabulary.code_labels.reliable_change.unchanged",
        "deteriorated": "vocabulary.code_labels.reliable_change.deteriorated",
        "recovered": "vocabulary.code_labels.reliable_change.recovered",
    },
    "reason_code": {
        "missing_required": "vocabulary.code_labels.reason_code.missing_required",
        "invalid_value": "vocabulary.code_labels.reason_code.invalid_value",
        "out_of_range": "vocabulary.code_labels.reason_code.out_of_range",
        "future_date": "vocabulary.code_labels.reason_code.future_date",
        "date_order": "vocabulary.code_labels.reason_code.date_order",
        "unknown_municipality": "vocabulary.code_labels.reason_code.unknown_municipality",
        "unknown_case": "vocabulary.code_labels.reason_code.unknown_case",
        "conflicting_duplicate": "vocabulary.code_labels.reason_code.conflicting_duplicate",
        "total_mismatch": "vocabulary.code_labels.reason_code.total_mismatch",
        "erased": "vocabulary.code_labels.reason_code.erased",
    },
}

# the export's columns (etl/read.py COLUMNS, Danish names) -> their words, for the load report
# and the data-quality page
CODE_LABELS["export_column"] = {
    name: f"export_column.{name}"
    for name in (
        "forloeb_id",
        "kommunekode",
        "forloebstype",
        "medarbejder_id",
        "borger_id",
        "koen",
        "alder",
        "foedselsaar",
        "startdato",
        "slutdato",
        "status",
        "afslutningsaarsag",
        "henvist_af",
        "udlaant_fra",
        "rolle",
        "navn",
        "uddannet_dato",
        "aktiv",
        "sprog",
        "instrument",
        "tidspunkt",
        "dato",
        *(f"item_{i}" for i in range(1, 11)),
        "raw_score",
        "score",
    )
}
