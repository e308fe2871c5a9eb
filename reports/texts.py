"""The documents' words in Danish (default) and English.

Code labels are the dashboard's words (texts/vocabulary.py, which imports no Streamlit), with the
codes only the documents print added here.
"""

from __future__ import annotations

import texts as catalogue
from app import suppression
from texts.vocabulary import CODE_LABELS

# the rule numbers the documents' texts state; the warehouse's (the cadence) the caller passes,
# read from staging.constants
RULES = {
    "min_cases": suppression.MIN_CASES,
    "suppressed": f"<{suppression.MIN_CASES}",
    "small_max": suppression.MIN_CASES - 1,
    "noise_range": suppression.NOISE_RANGE,
}

TEXTS: dict[str, str] = {  # the documents' short names -> catalogue keys
    # errors (one line each; the CLI prefixes "lat report: ")
    "no_warehouse": "reports.texts.no_warehouse",
    "bad_warehouse": "reports.texts.bad_warehouse",
    "empty_warehouse": "reports.texts.empty_warehouse",
    "unknown_case": "reports.texts.unknown_case",
    "unknown_municipality": "reports.texts.unknown_municipality",
    "no_cases_municipality": "reports.texts.no_cases_municipality",
    "bad_month": "reports.texts.bad_month",
    "period_order": "reports.texts.period_order",
    "period_after_as_of": "reports.texts.period_after_as_of",
    "period_no_cases": "reports.texts.period_no_cases",
    # page frame
    "period": "reports.texts.period",
    "as_of": "reports.texts.as_of",
    "made": "reports.texts.made",
    "page": "audit.detail.page",
    "handover_title": "reports.texts.handover_title",
    "handover_footer": "reports.texts.handover_footer",
    "leadership_title": "reports.texts.leadership_title",
    "leadership_footer": "reports.texts.leadership_footer",
    "yes": "reports.texts.yes",
    "no": "reports.texts.no",
    "none": "reports.texts.none",
    "unknown": "unknown",
    "total": "common.total",
}

# The dashboard's words for warehouse codes (texts/vocabulary.py), plus the documents' own.
CODES: dict[str, dict[str, str]] = {
    **CODE_LABELS,
    "phase": {"pre": "common.pre", "post": "common.post"},
    "tracking": {
        "start": "reports.texts.codes.tracking.start",
        "no_reference": "common.no_reference",
        "off_track": "reports.texts.codes.tracking.off_track",
        "below_expected": "common.below_expected",
        "on_track": "common.on_track",
        "no_score": "reports.texts.codes.tracking.no_score",
    },
    "reason": {
        "off_track": "reports.texts.codes.reason.off_track",
        "dropped": "reports.texts.codes.reason.dropped",
        "overdue": "reports.texts.codes.reason.overdue",
        "below_expected": "common.below_expected",
        "no_score": "reports.texts.codes.reason.no_score",
        "missing_pre": "reports.texts.codes.reason.missing_pre",
    },
    "match": {
        "same": "reports.texts.codes.match.same",
        "different": "reports.texts.codes.match.different",
        "unknown": "reports.texts.codes.match.unknown",
    },
}


INSTRUMENT_NAMES = {"WHO5": "WHO-5", "GSE": "GSE"}  # how the documents write the instruments


def instrument_name(code: str) -> str:
    return INSTRUMENT_NAMES.get(code, code)


def tr(key: str, lang: str, **values: object) -> str:
    """The catalogue's text for `key` (texts/) in `lang`, filled in with `values`; the
    suppression threshold and the cadence fill their placeholders from the rules."""
    entry = catalogue.catalogue(lang).get(key) or catalogue.catalogue("da").get(key)
    if entry is not None:
        for name in catalogue.placeholders(entry) & RULES.keys():
            values.setdefault(name, RULES[name])
    return catalogue.text(key, lang, **values)


def text(key: str, lang: str, **values: object) -> str:
    """The documents' own text `key` (TEXTS below names its catalogue key), filled in."""
    return tr(TEXTS[key], lang, **values)


def label(kind: str, code: str | None, lang: str, **values: object) -> str:
    """The reader's word for a warehouse code; a missing code is 'Ukendt', an unknown one as is."""
    if code is None:
        return text("unknown", lang)
    labels = CODES.get(kind, {}).get(code)
    return tr(labels, lang, **values) if labels else str(code)


def yes_no(value: bool | None, lang: str) -> str:
    if value is None:
        return "–"
    return text("yes" if value else "no", lang)
