"""The reader's words for the warehouse's codes, in Danish and English: one table for the dashboard
(app/i18n.py) and the documents (reports/texts.py). No Streamlit here, so both may import it."""

from __future__ import annotations

# kind -> code -> {"da": ..., "en": ...}
CODE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "case_type": {
        "mentor": {"da": "Mentor", "en": "Mentor"},
        "parent_coach": {"da": "Forældrecoach", "en": "Parent coach"},
    },
    "gender": {
        "male": {"da": "Mand", "en": "Male"},
        "female": {"da": "Kvinde", "en": "Female"},
        "other": {"da": "Andet", "en": "Other"},
    },
    "role": {
        "mentor": {"da": "Mentor", "en": "Mentor"},
        "parent_coach": {"da": "Forældrecoach", "en": "Parent coach"},
        "coordinator": {"da": "Koordinator", "en": "Coordinator"},
    },
    "status": {
        "active": {"da": "Aktiv", "en": "Active"},
        "closed": {"da": "Afsluttet", "en": "Closed"},
        "discontinued": {"da": "Afbrudt", "en": "Discontinued"},
    },
    "batch_status": {
        "loaded": {"da": "Indlæst", "en": "Loaded"},
        "loaded_with_rejections": {
            "da": "Indlæst med afviste rækker",
            "en": "Loaded with rejected rows",
        },
    },  # fmt: skip
    "reliable_change": {
        "improved": {"da": "Forbedret", "en": "Improved"},
        "unchanged": {"da": "Uændret", "en": "Unchanged"},
        "deteriorated": {"da": "Forværret", "en": "Deteriorated"},
        "recovered": {"da": "Restitueret", "en": "Recovered"},
    },
    "end_reason": {
        "goals_met": {"da": "Mål nået", "en": "Goals met"},
        "partly_met": {"da": "Delvist nået", "en": "Partly met"},
        "not_met": {"da": "Ikke nået", "en": "Not met"},
        "handed_over": {"da": "Overdraget", "en": "Handed over"},
        "citizen_withdrew": {"da": "Borgeren ophørte", "en": "Citizen withdrew"},
        "other": {"da": "Andet", "en": "Other"},
    },
    "referred_by": {
        "infohus": {"da": "Infohus", "en": "Infohus"},
        "jobcenter": {"da": "Jobcenter", "en": "Job centre"},
        "family_services": {"da": "Familieafdeling", "en": "Family services"},
        "school": {"da": "Skole", "en": "School"},
        "ssp": {"da": "SSP", "en": "SSP"},
        "psychiatry": {"da": "Psykiatri", "en": "Psychiatry"},
        "other": {"da": "Andet", "en": "Other"},
    },
    "gender_match": {
        "same": {"da": "Samme køn", "en": "Same gender"},
        "different": {"da": "Forskelligt køn", "en": "Different gender"},
    },
    "suppressed_by": {
        "small": {"da": "Under 5", "en": "Below 5"},
        "complement": {
            "da": "Skjult, så et lille tal forbliver skjult",
            "en": "Hidden so that a small figure stays hidden",
        },
    },  # fmt: skip
    "reason_code": {
        "missing_required": {"da": "Manglende påkrævet værdi", "en": "Missing required value"},
        "invalid_value": {"da": "Ugyldig værdi", "en": "Invalid value"},
        "out_of_range": {"da": "Værdi uden for gyldigt interval", "en": "Value out of range"},
        "future_date": {"da": "Dato i fremtiden", "en": "Date in the future"},
        "date_order": {"da": "Datoer i forkert rækkefølge", "en": "Dates in the wrong order"},
        "unknown_municipality": {"da": "Ukendt kommune", "en": "Unknown municipality"},
        "unknown_case": {"da": "Ukendt forløb", "en": "Unknown case"},
        "conflicting_duplicate": {"da": "Modstridende dublet", "en": "Conflicting duplicate"},
        "total_mismatch": {"da": "Total passer ikke med delscorer", "en": "Total does not match"},
        "erased": {"da": "Slettet efter anmodning", "en": "Erased on request"},
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
    "case_id": {"da": "Forløb-id", "en": "Case id"},
    "citizen_key": {"da": "Borger (pseudonym)", "en": "Citizen (pseudonym)"},
    "municipality_code": {"da": "Kommunekode", "en": "Municipality code"},
    "municipality_name": {"da": "Kommune", "en": "Municipality"},
    "region_name": {"da": "Region", "en": "Region"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "worker_id": {"da": "Medarbejder-id", "en": "Worker id"},
    "name": {"da": "Navn", "en": "Name"},
    "role": {"da": "Rolle", "en": "Role"},
    "gender": {"da": "Køn", "en": "Gender"},
    "age": {"da": "Alder", "en": "Age"},
    "age_band": {"da": "Aldersgruppe", "en": "Age band"},
    "age_at_start": {"da": "Alder ved start", "en": "Age at start"},
    "start_date": {"da": "Startdato", "en": "Start date"},
    "end_date": {"da": "Slutdato", "en": "End date"},
    "status": {"da": "Status", "en": "Status"},
    "end_reason": {"da": "Afslutningsårsag", "en": "End reason"},
    "referred_by": {"da": "Henvist af", "en": "Referred by"},
    "month": {"da": "Måned", "en": "Month"},
    "quarter": {"da": "Kvartal", "en": "Quarter"},
    "start_quarter": {"da": "Startkvartal", "en": "Start quarter"},
    "cases": {"da": "Forløb", "en": "Cases"},
    "active_cases": {"da": "Aktive forløb", "en": "Active cases"},
    "new_cases": {"da": "Nye forløb", "en": "New cases"},
    "closed_cases": {"da": "Afsluttede forløb", "en": "Closed cases"},
    "cases_total": {"da": "Forløb i alt", "en": "Cases in all"},
    "lent_cases": {"da": "Forløb i andre kommuner", "en": "Cases in other municipalities"},
    "trained_on": {"da": "Uddannet", "en": "Trained on"},
    "active": {"da": "Aktiv", "en": "Active"},
    "languages": {"da": "Sprog", "en": "Languages"},
    "capacity": {"da": "Ledige pladser", "en": "Free places"},
    "workers": {"da": "Medarbejdere", "en": "Workers"},
    "share": {"da": "Andel", "en": "Share"},
    "score": {"da": "Score", "en": "Score"},
    "gender_match": {"da": "Køn: match", "en": "Gender match"},
    "age_gap_band": {"da": "Aldersforskel", "en": "Age gap"},
    "suppressed": {"da": "Skjult", "en": "Hidden"},
    "suppressed_by": {"da": "Skjult fordi", "en": "Hidden because"},
}
