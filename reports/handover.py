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
from reports.formats import MISSING, fmt_date, fmt_int, fmt_number, fmt_pct, fmt_signed
from reports.source import ReportError, as_of, frame, open_warehouse
from reports.texts import instrument_name, label, text, tr, yes_no
from texts import plural
from texts.formats import run_on
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
    p.months_since_start_exact as month_x,
    t.tracking,
    t.start_band,
from mart.progression as p
inner join mart.progression_tracking as t using (case_id, measured_on)
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
    "facts": "reports.handover.words.facts",
    "case_id": "reports.handover.words.case_id",
    "municipality": "municipality",
    "case_type": "case_type",
    "worker": "worker",
    "loan": "reports.handover.words.loan",
    "loan_from": "reports.handover.words.loan_from",
    "start": "reports.handover.words.start",
    "end": "reports.handover.words.end",
    "status": "common.status",
    "end_reason": "reports.handover.words.end_reason",
    "referred_by": "common.referred_by",
    "duration": "reports.handover.words.duration",
    "progression": "page_progression",
    "x": "common.months",
    "y": "common.score",
    "band_note": "reports.handover.words.band_note",
    "no_scores": "reports.handover.words.no_scores",
    "gaps": "reports.handover.words.gaps",
    "latest": "common.latest_score",
    "latest_value": "reports.handover.words.latest_value",
    "band": {
        "low": "reports.handover.words.band.low",
        "mid": "reports.handover.words.band.mid",
        "high": "reports.handover.words.band.high",
    },
    "prepost": "reports.handover.words.prepost",
    "invalid": "reports.handover.words.invalid",
    "no_assessments": "reports.handover.words.no_assessments",
    "pre_date": "reports.handover.words.pre_date",
    "post_date": "reports.handover.words.post_date",
    "pre": "common.pre",
    "post": "common.post",
    "change": "reports.handover.words.change",
    "rc": "reports.handover.words.rc",
    "instrument": "common.instrument",
    "reliable": "reports.handover.words.reliable",
    "clinical": "reports.handover.words.clinical",
    "meaningful": "reports.handover.words.meaningful",
    "no_outcome": "reports.handover.words.no_outcome",
    "constants": "reports.handover.words.constants",
    "constant_item": "reports.handover.words.constant_item",
    "fidelity": "common.fidelity",
    "measurements": "reports.handover.words.measurements",
    "measurements_value": "reports.handover.words.measurements_value",
    "max_gap": "reports.handover.words.max_gap",
    "on_cadence": "reports.handover.words.on_cadence",
    "since_last": "reports.handover.words.since_last",
    "overdue": "reports.handover.words.overdue",
    "has_pre": "reports.handover.words.has_pre",
    "has_post": "reports.handover.words.has_post",
    "attention": "reports.handover.words.attention",
    "no_attention": "reports.handover.words.no_attention",
    "covered": "reports.handover.words.covered",
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
    window = reader.rows("select pre_post_window_days from staging.constants")[0][0]
    return _w("constants", lang, z=z, items="; ".join(items), window_days=window)


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
    return plural("plural.days", n, lang) if n is not None else MISSING


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


def _attention(reader: Reader, case_id: str, cadence: int, lang: str) -> list[render.Block]:
    rows = frame(reader, ATTENTION_SQL, case_id=case_id)
    if rows.is_empty():
        return []  # not active: the queue holds active cases only
    reasons = rows.row(0, named=True)["reasons"] or []
    body = (
        run_on([label("reason", r, lang, cadence_days=cadence) for r in reasons])
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
    side = _fidelity(reader, case_id, cadence, lang) + _attention(reader, case_id, cadence, lang)
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
