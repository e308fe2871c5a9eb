"""The handover summary: one case on one to two A4 pages, from the coordinator to the caseworker.

The citizen appears only through the case id and facts that name no one: no citizen_key, no
borger_id, no CPR number, not even age or gender (the caseworker knows the citizen; the document
need not). The worker appears with id and name, because the caseworker receiving the case needs
to know whom to contact about it.
"""

from __future__ import annotations

import os

import polars as pl

from reports import charts, render
from reports.formats import fmt_date, fmt_int, fmt_number, fmt_pct, fmt_signed
from reports.source import ReportError, as_of, frame, open_warehouse
from reports.texts import instrument_name, label, text, tr, yes_no
from warehouse.db import Reader
from warehouse.reference import instrument_constants

CASE_SQL = """
-- the case's facts with its worker and lending municipality; grain: one row (the case)
select
    c.case_id,
    c.municipality_name,
    c.case_type,
    c.worker_id,
    w.name as worker_name,
    c.is_loan,
    lent.municipality_name as lent_from_name,
    c.start_date,
    c.end_date,
    c.status,
    c.end_reason,
    c.referred_by,
    c.duration_days,
from mart.cases as c
left join mart.workers as w on w.worker_id = c.worker_id
left join ref.municipalities as lent on lent.municipality_code = c.lent_from_municipality_code
where c.case_id = $case_id
"""

POINTS_SQL = """
-- the case's progression scores with their tracking; grain: one row per score
select
    p.measured_on,
    p.score,
    p.days_since_start / k.days_per_month as month_x,
    t.tracking,
    t.start_band,
from mart.progression as p
inner join mart.progression_tracking as t using (case_id, measured_on)
cross join staging.constants as k
where p.case_id = $case_id
order by p.measured_on
"""

BAND_SQL = """
-- the expected band of the case's start band; grain: one row per month
select month, p10, p25, p50, p75, p90, is_reliable,
from mart.expected_progression
where start_band = $start_band and month <= $last_month
order by month
"""

GAPS_SQL = """
-- gaps longer than the cadence between the points mart.fidelity measures gaps between (start,
-- each score inside the period, end or as-of); grain: one row per long gap
with
period as (
    select f.period_start, f.period_end from mart.fidelity as f where f.case_id = $case_id
),
points as (
    select period_start as on_date from period
    union all
    select p.measured_on
    from mart.progression as p, period
    where p.case_id = $case_id and p.measured_on between period.period_start and period.period_end
    union all
    select period_end from period
),
gaps as (
    select on_date as gap_start, lead(on_date) over (order by on_date) as gap_end from points
)
select
    g.gap_start,
    g.gap_end,
    g.gap_end - g.gap_start as gap_days,
    (g.gap_start - period.period_start) / k.days_per_month as gap_from,
    (g.gap_end - period.period_start) / k.days_per_month as gap_to,
from gaps as g, period, staging.constants as k
where g.gap_end - g.gap_start > k.cadence_days
order by g.gap_start
"""

ASSESSMENTS_SQL = """
-- the case's WHO-5 and GSE measurements; grain: one row per instrument x phase
select instrument, phase, measured_on, score, is_valid,
from mart.assessments
where case_id = $case_id
order by instrument desc, phase desc
"""

OUTCOMES_SQL = """
-- the case's pre/post changes; grain: one row per instrument
select instrument, pre_score, post_score, change, rc, reliable_change, clinical_change,
    meaningful_change,
from mart.case_outcomes
where case_id = $case_id
order by instrument desc
"""

FIDELITY_SQL = """
-- the case's cadence facts; grain: one row (the case)
select period_start, period_end, n_measurements, expected_measurements, coverage,
    max_gap_days, on_cadence, days_since_last, overdue, has_pre, has_post,
from mart.fidelity
where case_id = $case_id
"""

ATTENTION_SQL = """
-- why the active case needs attention; grain: one row (the case) when active
select reasons, priority, from mart.attention where case_id = $case_id
"""

WORDS = {
    "facts": {"da": "Forløbet", "en": "The case"},
    "case_id": {"da": "Forløbs-id", "en": "Case id"},
    "municipality": {"da": "Kommune", "en": "Municipality"},
    "case_type": {"da": "Forløbstype", "en": "Case type"},
    "worker": {"da": "Medarbejder", "en": "Worker"},
    "loan": {"da": "Udlånt", "en": "Loan"},
    "loan_from": {"da": "Ja, fra {name}", "en": "Yes, from {name}"},
    "start": {"da": "Startdato", "en": "Start date"},
    "end": {"da": "Slutdato", "en": "End date"},
    "status": {"da": "Status", "en": "Status"},
    "end_reason": {"da": "Afslutningsårsag", "en": "End reason"},
    "referred_by": {"da": "Henvist af", "en": "Referred by"},
    "duration": {"da": "Varighed", "en": "Duration"},
    "progression": {"da": "Progression", "en": "Progression"},
    "x": {"da": "Måneder siden start", "en": "Months since start"},
    "y": {"da": "Progressionsscore (1-10)", "en": "Progression score (1-10)"},
    "band_note": {
        "da": "Punkterne er forløbets scorer. Det blå bånd viser, hvordan borgere med samme startniveau ({band}) scorede på landsplan: det lyse bånd 10.-90. percentil, det mørke 25.-75., den stiplede linje medianen; måneder med under 20 borgere i sammenligningen har intet bånd. Orange felter er huller på over {cadence} dage uden måling.",
        "en": "The points are the case's scores. The blue band shows how citizens with the same start level ({band}) scored nationally: the light band the 10th-90th percentile, the dark one the 25th-75th, the dashed line the median; months with fewer than 20 citizens to compare with have no band. Orange areas are gaps of more than {cadence} days without a measurement.",
    },
    "no_scores": {
        "da": "Forløbet har ingen progressionsscorer.",
        "en": "The case has no progression scores.",
    },
    "gaps": {"da": "Huller over {cadence} dage", "en": "Gaps over {cadence} days"},
    "latest": {"da": "Seneste score", "en": "Latest score"},
    "latest_value": {
        "da": "{score} den {date} ({tracking})",
        "en": "{score} on {date} ({tracking})",
    },
    "band": {
        "low": {"da": "lav, 1-3", "en": "low, 1-3"},
        "mid": {"da": "middel, 4-6", "en": "mid, 4-6"},
        "high": {"da": "høj, 7-10", "en": "high, 7-10"},
    },
    "prepost": {"da": "WHO-5 og GSE før og efter", "en": "WHO-5 and GSE before and after"},
    "invalid": {"da": "ugyldig (for få svar)", "en": "invalid (too few answers)"},
    "no_assessments": {
        "da": "Ingen WHO-5- eller GSE-målinger.",
        "en": "No WHO-5 or GSE measurements.",
    },
    "pre_date": {"da": "Før, dato", "en": "Pre, date"},
    "post_date": {"da": "Efter, dato", "en": "Post, date"},
    "pre": {"da": "Før", "en": "Pre"},
    "post": {"da": "Efter", "en": "Post"},
    "change": {"da": "Ændring", "en": "Change"},
    "rc": {"da": "RC", "en": "RC"},
    "instrument": {"da": "Instrument", "en": "Instrument"},
    "reliable": {"da": "Pålidelig", "en": "Reliable"},
    "clinical": {"da": "Klinisk", "en": "Clinical"},
    "meaningful": {"da": "≥ MCID", "en": "≥ MCID"},
    "no_outcome": {
        "da": "Ingen ændring kan beregnes: det kræver en gyldig før- og eftermåling af samme instrument.",
        "en": "No change can be computed: that takes a valid pre and post of the same instrument.",
    },
    "constants": {
        "da": "Før- og eftermåling tæller inden for 30 dage af start og slut. Pålidelig ændring efter Jacobson-Truax: RC = ændring / (√2 · SD · √(1 − reliabilitet)); |RC| > {z} er pålidelig. Konstanter: {items}.",
        "en": "Pre and post count within 30 days of start and end. Reliable change after Jacobson-Truax: RC = change / (√2 · SD · √(1 − reliability)); |RC| > {z} is reliable. Constants: {items}.",
    },
    "constant_item": {
        "da": "{name} SD {sd}, reliabilitet {rel}, grænse {cutoff}, MCID {mcid} (pålidelig ved > {threshold} point)",
        "en": "{name} SD {sd}, reliability {rel}, cutoff {cutoff}, MCID {mcid} (reliable beyond {threshold} points)",
    },
    "fidelity": {"da": "Metodefidelitet", "en": "Method fidelity"},
    "measurements": {"da": "Progressionsmålinger", "en": "Progression measurements"},
    "measurements_value": {
        "da": "{n} (forventet {expected}, dækning {coverage})",
        "en": "{n} (expected {expected}, coverage {coverage})",
    },
    "max_gap": {"da": "Største hul", "en": "Largest gap"},
    "on_cadence": {
        "da": "Måling mindst hver {cadence}. dag",
        "en": "Measured at least every {cadence} days",
    },
    "since_last": {"da": "Dage siden seneste måling", "en": "Days since last measurement"},
    "overdue": {"da": "Forsinket måling", "en": "Measurement overdue"},
    "has_pre": {"da": "Førmåling af begge", "en": "Pre of both instruments"},
    "has_post": {"da": "Eftermåling af begge", "en": "Post of both instruments"},
    "attention": {"da": "Kræver opmærksomhed", "en": "Needs attention"},
    "no_attention": {
        "da": "Intet kræver opmærksomhed lige nu.",
        "en": "Nothing needs attention now.",
    },
    "covered": {"da": "{start} – {end}", "en": "{start} – {end}"},
}


def _w(key: str, lang: str, **values: object) -> str:
    return tr(WORDS[key], lang, **values)


def _case(reader: Reader, case_id: str, lang: str) -> dict:
    rows = frame(reader, CASE_SQL, case_id=case_id)
    if rows.is_empty():
        raise ReportError(text("unknown_case", lang, case_id=case_id))
    return rows.row(0, named=True)


def _facts(case: dict, lang: str) -> list[render.Block]:
    worker = " · ".join(v for v in (case["worker_id"], case["worker_name"]) if v)
    loan = (
        _w("loan_from", lang, name=case["lent_from_name"]) if case["is_loan"] else text("no", lang)
    )
    rows = [
        (_w("case_id", lang), case["case_id"]),
        (_w("municipality", lang), case["municipality_name"]),
        (_w("case_type", lang), label("case_type", case["case_type"], lang)),
        (_w("worker", lang), worker or text("unknown", lang)),
        (_w("loan", lang), loan),
        (_w("start", lang), fmt_date(case["start_date"], lang)),
        (_w("end", lang), fmt_date(case["end_date"], lang)),
        (_w("status", lang), label("status", case["status"], lang)),
        (
            _w("end_reason", lang),
            label("end_reason", case["end_reason"], lang) if case["end_reason"] else "–",
        ),
        (_w("referred_by", lang), label("referred_by", case["referred_by"], lang)),
        (_w("duration", lang), _days(case["duration_days"], lang)),
    ]
    return [render.heading(_w("facts", lang)), render.facts(rows)]


def _progression(doc: render.Document, reader: Reader, case_id: str, cadence: int) -> list:
    lang = doc.lang
    blocks: list[render.Block] = [render.heading(_w("progression", lang))]
    points = frame(reader, POINTS_SQL, case_id=case_id)
    if points.is_empty():
        return blocks + [render.paragraph(_w("no_scores", lang))]
    start_band = points["start_band"][0]
    last_month = min(24, int(points["month_x"].max()) + 1)
    # only months with enough reference cases (is_reliable) get a band, as tracking uses them
    band = frame(reader, BAND_SQL, start_band=start_band, last_month=last_month).filter(
        pl.col("is_reliable")
    )
    gaps = frame(reader, GAPS_SQL, case_id=case_id)
    titles = {"x": _w("x", lang), "y": _w("y", lang)}
    chart = charts.progression(points, band, gaps, titles)
    blocks.append(render.image(doc.chart("progression", charts.to_svg(chart, lang)), 0.92))
    band_name = tr(WORDS["band"][start_band], lang) if start_band else "–"
    blocks.append(render.note(_w("band_note", lang, band=band_name, cadence=cadence)))
    latest = points.row(-1, named=True)
    rows = [
        (
            _w("latest", lang),
            _w(
                "latest_value",
                lang,
                score=latest["score"],
                date=fmt_date(latest["measured_on"], lang),
                tracking=label("tracking", latest["tracking"], lang),
            ),
        ),
        (
            _w("gaps", lang, cadence=cadence),
            "; ".join(
                f"{fmt_date(g['gap_start'], lang)} – {fmt_date(g['gap_end'], lang)} "
                f"({_days(g['gap_days'], lang)})"
                for g in gaps.iter_rows(named=True)
            )
            or text("none", lang),
        ),
    ]
    return blocks + [render.facts(rows)]


def _measurement(rows: pl.DataFrame, instrument: str, phase: str, lang: str) -> list[str]:
    """Date and score of one measurement, or dashes when there is none."""
    found = rows.filter((pl.col("instrument") == instrument) & (pl.col("phase") == phase))
    if found.is_empty():
        return ["–", "–"]
    a = found.row(0, named=True)
    score = fmt_int(a["score"], lang) if a["is_valid"] else _w("invalid", lang)
    return [fmt_date(a["measured_on"], lang), score]


def _prepost_rows(assessments: pl.DataFrame, outcomes: pl.DataFrame, lang: str) -> list[list[str]]:
    rows = []
    for instrument in assessments["instrument"].unique(maintain_order=True):
        change = ["–"] * 5
        found = outcomes.filter(pl.col("instrument") == instrument)
        if not found.is_empty():
            o = found.row(0, named=True)
            change = [
                fmt_signed(o["change"], lang, 0),
                fmt_number(o["rc"], lang, 2),
                label("reliable_change", o["reliable_change"], lang),
                label("reliable_change", o["clinical_change"], lang),
                yes_no(o["meaningful_change"], lang),
            ]
        rows.append(
            [
                instrument_name(instrument),
                *_measurement(assessments, instrument, "pre", lang),
                *_measurement(assessments, instrument, "post", lang),
                *change,
            ]
        )
    return rows


def _constant(value: float | None, lang: str) -> str:
    return text("none", lang).lower() if value is None else fmt_number(value, lang, 0)


def _constants_note(reader: Reader, lang: str) -> str:
    constants = instrument_constants(reader)
    items = [
        _w(
            "constant_item",
            lang,
            name=instrument_name(c["instrument"]),
            sd=fmt_number(c["sd"], lang, 1),
            rel=fmt_number(c["reliability"], lang, 2),
            cutoff=_constant(c["cutoff"], lang),
            mcid=_constant(c["mcid"], lang),
            threshold=fmt_number(c["reliable_change_threshold"], lang, 1),
        )
        for c in constants.iter_rows(named=True)
    ]
    z = fmt_number(constants["z"][0], lang, 2)
    return _w("constants", lang, z=z, items="; ".join(items))


def _prepost(reader: Reader, case_id: str, lang: str) -> list[render.Block]:
    blocks: list[render.Block] = [render.heading(_w("prepost", lang))]
    assessments = frame(reader, ASSESSMENTS_SQL, case_id=case_id)
    if assessments.is_empty():
        return blocks + [render.paragraph(_w("no_assessments", lang))]
    outcomes = frame(reader, OUTCOMES_SQL, case_id=case_id)
    keys = ("instrument", "pre_date", "pre", "post_date", "post", "change", "rc", "reliable",
            "clinical", "meaningful")  # fmt: skip
    rows = _prepost_rows(assessments, outcomes, lang)
    blocks.append(render.table([_w(k, lang) for k in keys], rows))
    if outcomes.is_empty():
        blocks.append(render.paragraph(_w("no_outcome", lang)))
    return blocks + [render.note(_constants_note(reader, lang))]


def _days(n: int | None, lang: str) -> str:
    return text("days", lang, n=fmt_int(n, lang))


def _fidelity(reader: Reader, case_id: str, cadence: int, lang: str) -> list[render.Block]:
    f = frame(reader, FIDELITY_SQL, case_id=case_id).row(0, named=True)
    rows = [
        (
            _w("measurements", lang),
            _w(
                "measurements_value",
                lang,
                n=f["n_measurements"],
                expected=f["expected_measurements"],
                coverage=fmt_pct(f["coverage"], lang),
            ),
        ),
        (_w("max_gap", lang), _days(f["max_gap_days"], lang)),
        (_w("on_cadence", lang, cadence=cadence), yes_no(f["on_cadence"], lang)),
        (_w("since_last", lang), _days(f["days_since_last"], lang)),
        (_w("overdue", lang), yes_no(f["overdue"], lang)),
        (_w("has_pre", lang), yes_no(f["has_pre"], lang)),
        (_w("has_post", lang), yes_no(f["has_post"], lang)),
    ]
    return [render.heading(_w("fidelity", lang)), render.facts(rows)]


def _attention(reader: Reader, case_id: str, lang: str) -> list[render.Block]:
    rows = frame(reader, ATTENTION_SQL, case_id=case_id)
    if rows.is_empty():
        return []  # not active: the queue holds active cases only
    reasons = rows.row(0, named=True)["reasons"] or []
    body = (
        "; ".join(label("reason", r, lang) for r in reasons)
        if reasons
        else _w("no_attention", lang)
    )
    return [render.heading(_w("attention", lang)), render.paragraph(body)]


def _document(reader: Reader, case_id: str, lang: str) -> render.Document:
    case = _case(reader, case_id, lang)
    as_of_date = as_of(reader, lang)
    cadence = reader.rows("select cadence_days from staging.constants")[0][0]
    period = _w(
        "covered",
        lang,
        start=fmt_date(case["start_date"], lang),
        end=fmt_date(case["end_date"] or as_of_date, lang),
    )
    doc = render.Document(
        meta=render.page_meta(
            text("handover_title", lang, case_id=case_id),
            period,
            case["municipality_name"],
            as_of_date,
            text("handover_footer", lang),
            lang,
        ),
        lang=lang,
        landscape=False,
    )
    side = _fidelity(reader, case_id, cadence, lang) + _attention(reader, case_id, lang)
    doc.pages.append(
        [render.columns(_facts(case, lang), side, widths=[1.0, 1.25])]
        + _progression(doc, reader, case_id, cadence)
        + _prepost(reader, case_id, lang)
    )
    return doc


def _build(db: str | os.PathLike, case_id: str, lang: str) -> render.Document:
    with open_warehouse(db, lang) as reader:
        return _document(reader, case_id.strip(), lang)


def handover_pdf(db: str | os.PathLike, case_id: str, lang: str = "da") -> bytes:
    """The handover summary of one case as PDF bytes."""
    return render.to_pdf(_build(db, case_id, lang))


def handover_pngs(db: str | os.PathLike, case_id: str, lang: str = "da") -> list[bytes]:
    """The handover summary as one PNG per page."""
    return render.to_pngs(_build(db, case_id, lang))
