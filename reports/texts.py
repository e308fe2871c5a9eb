"""The documents' words in Danish (default) and English.

Code labels are the dashboard's words (app/vocabulary.py, which imports no Streamlit), with the
codes only the documents print added here.
"""

from __future__ import annotations

from app.vocabulary import CODE_LABELS

TEXTS: dict[str, dict[str, str]] = {
    # errors (one line each; the CLI prefixes "lat report: ")
    "no_warehouse": {
        "da": "der er intet lager i {path} (indlæs eksporter med `lat load`, eller angiv --db)",
        "en": "there is no warehouse at {path} (load exports with `lat load`, or give --db)",
    },
    "bad_warehouse": {
        "da": "lageret {path} kan ikke læses: {error}",
        "en": "the warehouse {path} cannot be read: {error}",
    },
    "empty_warehouse": {
        "da": "lageret er tomt: der er ikke indlæst nogen eksport endnu",
        "en": "the warehouse is empty: no export has been loaded yet",
    },
    "unknown_case": {
        "da": "ukendt forløb {case_id}: det findes ikke i lageret",
        "en": "unknown case {case_id}: it is not in the warehouse",
    },
    "unknown_municipality": {
        "da": "ukendt kommune {code}: ikke en af de 98 kommunekoder",
        "en": "unknown municipality {code}: not one of the 98 municipality codes",
    },
    "no_cases_municipality": {
        "da": "kommune {code} ({name}) har ingen forløb i lageret",
        "en": "municipality {code} ({name}) has no cases in the warehouse",
    },
    "bad_month": {
        "da": "{option} skal være en måned som ÅÅÅÅ-MM, ikke {value!r}",
        "en": "{option} must be a month as YYYY-MM, not {value!r}",
    },
    "period_order": {
        "da": "perioden er tom: --from {start} ligger efter --to {end}",
        "en": "the period is empty: --from {start} is after --to {end}",
    },
    "period_after_as_of": {
        "da": "perioden er tom: den begynder {start}, efter lagerets opgørelsesdato {as_of}",
        "en": "the period is empty: it begins {start}, after the warehouse's as-of date {as_of}",
    },
    "period_no_cases": {
        "da": "perioden er tom: {name} har ingen aktive forløb fra {start} til {end}",
        "en": "the period is empty: {name} has no active cases from {start} to {end}",
    },
    # page frame
    "period": {"da": "Periode", "en": "Period"},
    "as_of": {"da": "Data pr.", "en": "Data as of"},
    "made": {"da": "Dannet", "en": "Made"},
    "page": {"da": "Side", "en": "Page"},
    "handover_title": {
        "da": "Overdragelse af forløb {case_id}",
        "en": "Handover of case {case_id}",
    },
    "handover_footer": {
        "da": "Fortroligt. Borgeren er kun identificeret ved forløbs-id; dokumentet indeholder intet CPR-nummer.",
        "en": "Confidential. The citizen is identified only by the case id; the document holds no CPR number.",
    },
    "leadership_title": {"da": "Ledelsesrapport", "en": "Leadership report"},
    "leadership_footer": {
        "da": "Kun samlede tal. Tal bygget på 1-4 forløb vises som <5, og et tal, der ellers kunne regnes ud fra en total, er også skjult.",
        "en": "Aggregates only. Figures built from 1-4 cases show as <5, and a figure that could otherwise be worked out from a total is hidden too.",
    },
    "yes": {"da": "Ja", "en": "Yes"},
    "no": {"da": "Nej", "en": "No"},
    "none": {"da": "Ingen", "en": "None"},
    "unknown": {"da": "Ukendt", "en": "Unknown"},
    "total": {"da": "I alt", "en": "Total"},
    "days": {"da": "{n} dage", "en": "{n} days"},
}

# The dashboard's words for warehouse codes (app/vocabulary.py), plus the documents' own.
CODES: dict[str, dict[str, dict[str, str]]] = {
    **CODE_LABELS,
    "phase": {"pre": {"da": "Før", "en": "Pre"}, "post": {"da": "Efter", "en": "Post"}},
    "tracking": {
        "start": {"da": "Start", "en": "Start"},
        "no_reference": {"da": "Ingen reference", "en": "No reference"},
        "off_track": {"da": "Bagud", "en": "Off track"},
        "below_expected": {"da": "Under forventet", "en": "Below expected"},
        "on_track": {"da": "Som forventet", "en": "On track"},
        "no_score": {"da": "Ingen score", "en": "No score"},
    },
    "reason": {
        "off_track": {"da": "Bagud i forhold til forventet", "en": "Off track"},
        "dropped": {"da": "Faldet mindst 2 point", "en": "Dropped by 2 points or more"},
        "overdue": {
            "da": "Måling forsinket (over 61 dage)",
            "en": "Measurement overdue (over 61 days)",
        },
        "below_expected": {"da": "Under forventet", "en": "Below expected"},
        "no_score": {"da": "Ingen progressionsscore", "en": "No progression score"},
        "missing_pre": {"da": "Mangler førmåling", "en": "Missing pre measurement"},
    },
    "match": {
        "same": {"da": "Samme køn", "en": "Same gender"},
        "different": {"da": "Forskelligt køn", "en": "Different gender"},
        "unknown": {"da": "Køn ukendt", "en": "Gender unknown"},
    },
}


INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}  # how the documents write the instruments


def instrument_name(code: str) -> str:
    return INSTRUMENT_NAMES.get(code, code)


def text(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang`, filled in with `values`."""
    template = TEXTS[key].get(lang) or TEXTS[key]["da"]
    return template.format(**values) if values else template


def tr(texts: dict[str, str], lang: str, **values: object) -> str:
    """Pick a module's own {"da": ..., "en": ...} text and fill it in."""
    template = texts.get(lang) or texts["da"]
    return template.format(**values) if values else template


def label(kind: str, code: str | None, lang: str) -> str:
    """The reader's word for a warehouse code; a missing code is 'Ukendt', an unknown one as is."""
    if code is None:
        return text("unknown", lang)
    labels = CODES.get(kind, {}).get(code)
    return tr(labels, lang) if labels else str(code)


def yes_no(value: bool | None, lang: str) -> str:
    if value is None:
        return "–"
    return text("yes" if value else "no", lang)
