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
