"""The reader's words for the warehouse's codes, in Danish and English: one table for the dashboard
(app/i18n.py) and the documents (reports/texts.py). No Streamlit here, so both may import it."""

from __future__ import annotations

# kind -> code -> the key of its word in the text catalogue (texts/)
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
    "end_reason": {
        "goals_met": "common.goals",
        "partly_met": "vocabulary.code_labels.end_reason.partly_met",
        "not_met": "vocabulary.code_labels.end_reason.not_met",
        "handed_over": "vocabulary.code_labels.end_reason.handed_over",
        "citizen_withdrew": "vocabulary.code_labels.end_reason.citizen_withdrew",
        "other": "vocabulary.code_labels.gender.other",
    },
    "referred_by": {
        "infohus": "vocabulary.code_labels.referred_by.infohus",
        "jobcenter": "vocabulary.code_labels.referred_by.jobcenter",
        "family_services": "vocabulary.code_labels.referred_by.family_services",
        "school": "vocabulary.code_labels.referred_by.school",
        "ssp": "vocabulary.code_labels.referred_by.ssp",
        "psychiatry": "vocabulary.code_labels.referred_by.psychiatry",
        "other": "vocabulary.code_labels.gender.other",
    },
    "gender_match": {
        "same": "vocabulary.code_labels.gender_match.same",
        "different": "vocabulary.code_labels.gender_match.different",
    },
    "suppressed_by": {
        "small": "vocabulary.code_labels.suppressed_by.small",
        "complement": "vocabulary.code_labels.suppressed_by.complement",
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

# CSV downloads (app/components.csv_bytes): which columns hold codes of which kind, so the file
# carries the reader's words ('Forældrecoach', not 'parent_coach')
CODE_COLUMNS: dict[str, str] = {
    "case_type": "case_type",
    "gender": "gender",
    "citizen_gender": "gender",
    "worker_gender": "gender",
    "role": "role",
    "status": "status",
    "end_reason": "end_reason",
    "referred_by": "referred_by",
    "reliable_change": "reliable_change",
    "clinical_change": "reliable_change",
    "reason_code": "reason_code",
    "gender_match": "gender_match",
    "suppressed_by": "suppressed_by",  # and every `<figure>_suppressed_by`
}

# CSV headers in the reader's language for the columns the dashboard's downloads carry; a column
# not named here keeps its warehouse name (`<column>_suppressed` reads "Skjult: <column's header>")
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "case_id": "vocabulary.column_labels.case_id",
    "citizen_key": "vocabulary.column_labels.citizen_key",
    "municipality_code": "vocabulary.column_labels.municipality_code",
    "municipality_name": "municipality",
    "region_name": "vocabulary.column_labels.region_name",
    "case_type": "case_type",
    "worker_id": "vocabulary.column_labels.worker_id",
    "name": "vocabulary.column_labels.name",
    "role": "vocabulary.column_labels.role",
    "gender": "gender",
    "age": "vocabulary.column_labels.age",
    "age_band": "age_band",
    "age_at_start": "vocabulary.column_labels.age_at_start",
    "start_date": "vocabulary.column_labels.start_date",
    "end_date": "vocabulary.column_labels.end_date",
    "status": "common.status",
    "end_reason": "vocabulary.column_labels.end_reason",
    "referred_by": "common.referred_by",
    "month": "vocabulary.column_labels.month",
    "quarter": "vocabulary.column_labels.quarter",
    "start_quarter": "vocabulary.column_labels.start_quarter",
    "cases": "common.cases",
    "active_cases": "common.active_cases",
    "new_cases": "common.new_cases",
    "closed_cases": "common.closed_cases",
    "cases_total": "vocabulary.column_labels.cases_total",
    "lent_cases": "vocabulary.column_labels.lent_cases",
    "trained_on": "vocabulary.column_labels.trained_on",
    "active": "vocabulary.code_labels.status.active",
    "languages": "vocabulary.column_labels.languages",
    "capacity": "vocabulary.column_labels.capacity",
    "workers": "common.worker",
    "share": "common.share",
    "score": "vocabulary.column_labels.score",
    "gender_match": "vocabulary.column_labels.gender_match",
    "age_gap_band": "vocabulary.column_labels.age_gap_band",
    "suppressed": "vocabulary.column_labels.suppressed",
    "suppressed_by": "vocabulary.column_labels.suppressed_by",
}

# the export's columns (etl/columns.py TABLES, Danish names) -> their words, for the load report
# and the data-quality page; texts/ imports nothing, so the names are written out here and
# tests/test_texts.py fails when they and the format's columns differ
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
