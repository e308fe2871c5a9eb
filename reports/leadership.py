"""The leadership report: one municipality's period on A4 landscape pages, aggregates only.

Every figure is suppressed by the dashboard's own rules (app.suppression: 1-4 cases print as
"<5", the complement of a hidden figure as "skjult", a share is hidden when its numerator or
complement is small). The municipality's own figures are otherwise as counted: the report is made
only by those who may see its cases (app.queries.reports), and the dashboard shows them the same
figures exactly. The funnel's units, which include every other municipality, are published as in
the dashboard's presentation mode, with their cell-key noise (`fitted_funnel`), so they are the
values a coordinator or the leadership sees there, and the note says so. The period defaults to
the last 6 whole months up to the as-of date.
"""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date

import polars as pl

import texts
from app import funnel
from app.filters import Filters
from app.queries import fit_funnel
from app.queries.fidelity_sql import funnel_sql
from app.scope import Scope
from app.scoping import reader_run
from app.suppression import Rule, any_hidden, apply, is_small
from etl.parsing import parse_municipality_code
from etl.read import rejected_row_subject
from reports import charts, render
from reports import leadership_sql as sql
from reports.formats import SUPPRESSED, fmt_count, fmt_date, fmt_hidden, fmt_month, fmt_number
from reports.source import ReportError, as_of, frame, open_warehouse
from reports.texts import instrument_name, label, text, tr
from warehouse.db import Reader
from warehouse.stats import paired_change, spc

DEFAULT_MONTHS = 6
# what a published figure of another municipality gets: the dashboard's presentation mode
# (hidden when small, counts with their cell-key noise), as the leadership viewer is shown it
# whom the report's funnel is counted for: a viewer, aggregates only and always in presentation
# mode, as the leadership is shown the fidelity page (app.scope)
PRESENTATION = Scope(role="viewer", user="leadership report")
CHART_MONTHS = 24  # a control chart needs 12-20 points before its limits mean much
_MONTH = re.compile(r"(\d{4})-(\d{2})")
SPLIT_ORDER = {
    "age_band": ["<18", "18-24", "25-34", "35-49", "50+"],
    "gender": ["female", "male", "other"],
    "case_type": ["mentor", "parent_coach"],
    "referred_by": ["infohus", "jobcenter", "family_services", "school", "ssp", "psychiatry",
                    "other"],
}  # fmt: skip

WORDS = {
    "caseload": "reports.leadership.words.caseload",
    "active": "common.active_cases",
    "new": "common.new_cases",
    "closed": "common.n_ended",
    "workers": "common.active_workers",
    "month": "reports.leadership.words.month",
    "cases": "common.cases",
    "caseload_note": "reports.leadership.words.caseload_note",
    "caseload_hidden": "reports.leadership.words.caseload_hidden",
    "citizens": "reports.leadership.words.citizens",
    "citizens_note": "reports.leadership.words.citizens_note",
    "age_band": "reports.leadership.words.age_band",
    "gender": "gender",
    "case_type": "case_type",
    "referred_by": "common.referred_by",
    "share": "common.share",
    "matching": "reports.leadership.words.matching",
    "match": "reports.leadership.words.match",
    "on_cadence_share": "reports.leadership.words.on_cadence_share",
    "who5_outcomes": "reports.leadership.words.who5_outcomes",
    "improved_share": "reports.leadership.words.improved_share",
    "matching_note": "reports.leadership.words.matching_note",
    "fidelity": "common.fidelity",
    "spc_title": "reports.leadership.words.spc_title",
    "spc_note": "reports.leadership.words.spc_note",
    "spc_status": "reports.leadership.words.spc_status",
    "common_cause": "reports.leadership.words.common_cause",
    "improvement": "reports.leadership.words.improvement",
    "concern": "reports.leadership.words.concern",
    "spc_short": "reports.leadership.words.spc_short",
    "spc_none": "reports.leadership.words.spc_none",
    "spc_none_hidden": "reports.leadership.words.spc_none_hidden",
    "funnel_title": "reports.leadership.words.funnel_title",
    "funnel_x": "reports.leadership.words.funnel_x",
    "funnel_note": "reports.leadership.words.funnel_note",
    "funnel_hidden": "reports.leadership.words.funnel_hidden",
    "funnel_this_hidden": "reports.leadership.words.funnel_this_hidden",
    "funnel_signal": {
        "high": "reports.leadership.words.funnel_signal.high",
        "low": "reports.leadership.words.funnel_signal.low",
        "none": "reports.leadership.words.funnel_signal.none",
    },
    "funnel_status": "reports.leadership.words.funnel_status",
    "figure": "reports.leadership.words.figure",
    "on_cadence": "reports.leadership.words.on_cadence",
    "has_pre": "common.new_cases_with_a_pre",
    "has_post": "reports.leadership.words.has_post",
    "overdue": "reports.leadership.words.overdue",
    "outcomes": "reports.leadership.words.outcomes",
    "instrument": "common.instrument",
    "n_pairs": "common.cases",
    "mean_pre": "common.mean_pre",
    "mean_post": "common.mean_post",
    "mean_change": "reports.leadership.words.mean_change",
    "improved": "vocabulary.code_labels.reliable_change.improved",
    "unchanged": "vocabulary.code_labels.reliable_change.unchanged",
    "deteriorated": "vocabulary.code_labels.reliable_change.deteriorated",
    "recovered": "reports.leadership.words.recovered",
    "outcomes_note": "reports.leadership.words.outcomes_note",
    "no_outcomes": "reports.leadership.words.no_outcomes",
    "quality": "reports.leadership.words.quality",
    "loads": "reports.leadership.words.loads",
    "last_export": "reports.leadership.words.last_export",
    "reason": "reports.leadership.words.reason",
    "rows": "reports.leadership.words.rows",
    "unresolved": "reports.leadership.words.unresolved",
    "no_rejected": "reports.leadership.words.no_rejected",
    "quality_note": "reports.leadership.words.quality_note",
}


def _w(key: str, lang: str, **values: object) -> str:
    return tr(WORDS[key], lang, **values)


@dataclass(frozen=True)
class ReportScope:
    """What the report covers: one municipality, one period, the warehouse's as-of date."""

    code: str
    name: str
    start: date
    end: date
    as_of: date
    cadence_days: int  # staging.constants: the texts state the warehouse's number

    @property
    def params(self) -> dict:
        return {"municipality": self.code, "start": self.start, "end": self.end}


# --- the period ---------------------------------------------------------------------------


def _month(value: str | date | None, option: str, lang: str) -> date | None:
    """'2026-05' (or a date) -> the first day of that month; None stays None."""
    if value is None or isinstance(value, date):
        return value.replace(day=1) if value else None
    found = _MONTH.fullmatch(value.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise ReportError(text("bad_month", lang, option=option, value=value))
    return date(int(found[1]), int(found[2]), 1)


def _last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def resolve_period(
    as_of_date: date, start: str | date | None, end: str | date | None, lang: str = "da"
) -> tuple[date, date]:
    """The period's first and last day. Without --to: the last whole month up to the as-of date;
    without --from: 6 months ending with --to. The last day never passes the as-of date."""
    to_month = _month(end, "--to", lang)
    if to_month is None:
        whole = _last_day(as_of_date) == as_of_date
        to_month = _add_months(as_of_date.replace(day=1), 0 if whole else -1)
    from_month = _month(start, "--from", lang) or _add_months(to_month, 1 - DEFAULT_MONTHS)
    if from_month > as_of_date:
        raise ReportError(
            text(
                "period_after_as_of",
                lang,
                start=fmt_date(from_month, lang),
                as_of=fmt_date(as_of_date, lang),
            )
        )
    if from_month > to_month:
        raise ReportError(
            text(
                "period_order",
                lang,
                start=fmt_month(from_month, lang),
                end=fmt_month(to_month, lang),
            )
        )
    return from_month, min(_last_day(to_month), as_of_date)


def report_scope(reader: Reader, municipality: str, start, end, lang: str) -> ReportScope:
    code = parse_municipality_code(str(municipality).strip())
    found = frame(reader, sql.MUNICIPALITY, municipality=code) if code else pl.DataFrame()
    if found.is_empty():
        raise ReportError(text("unknown_municipality", lang, code=municipality))
    name, has_cases = found.row(0)
    if not has_cases:
        raise ReportError(text("no_cases_municipality", lang, code=code, name=name))
    as_of_date = as_of(reader, lang)
    first, last = resolve_period(as_of_date, start, end, lang)
    cadence = reader.rows("select cadence_days from staging.constants")[0][0]
    return ReportScope(code, name, first, last, as_of_date, cadence)


# --- page 1: caseload -----------------------------------------------------------------------


def _caseload_page(doc: render.Document, reader: Reader, scope: ReportScope) -> list[render.Block]:
    lang = doc.lang
    totals = frame(reader, sql.TOTALS, **scope.params).row(0, named=True)
    if not totals["active_cases"]:
        raise ReportError(
            text(
                "period_no_cases",
                lang,
                name=scope.name,
                start=fmt_date(scope.start, lang),
                end=fmt_date(scope.end, lang),
            )
        )
    keys = (("active_cases", "active"), ("new_cases", "new"), ("closed_cases", "closed"),
            ("active_workers", "workers"))  # fmt: skip
    tiles = render.tiles([(fmt_count(totals[c], lang), _w(k, lang)) for c, k in keys])
    monthly = _suppressed_months(frame(reader, sql.MONTHLY, **scope.params))
    measures = [_w("active", lang), _w("new", lang), _w("closed", lang)]
    long = pl.concat(
        monthly.select("month", pl.lit(m).alias("measure"), pl.col(c).alias("value"))
        for m, c in zip(measures, ("active_cases", "new_cases", "closed_cases"), strict=True)
    )
    chart = charts.caseload(long, {"y": _w("cases", lang), "order": measures})
    rows = [
        [fmt_month(r["month"], lang)]
        + [
            fmt_hidden(r[c], r[f"{c}_hidden_by"], lang)
            for c in ("active_cases", "new_cases", "closed_cases")
        ]
        for r in monthly.iter_rows(named=True)
    ]
    table = render.table([_w("month", lang), *measures], rows)
    return [
        render.heading(_w("caseload", lang)),
        tiles,
        render.columns(
            [render.image(doc.chart("caseload", charts.to_svg(chart, lang)))],
            [table],
            widths=[1.5, 1.0],
        ),
        render.note(_caseload_note(monthly, lang)),
    ]


def _caseload_note(monthly: pl.DataFrame, lang: str) -> str:
    """How to read the caseload, with 'figures under 5 are not drawn' only where a month's
    figure was hidden (a report whose every figure is shown claimed it all the same)."""
    flags = [monthly[f"{c}_hidden"] for c in ("active_cases", "new_cases", "closed_cases")]
    note = _w("caseload_note", lang)
    return f"{note} {_w('caseload_hidden', lang)}" if any_hidden(*flags) else note


def _suppressed_months(monthly: pl.DataFrame) -> pl.DataFrame:
    """New and ended cases of the months add up to the period's tiles: complements hidden too."""
    monthly = monthly.with_columns(pl.lit(1).alias("period"))
    rules = [
        Rule(count="active_cases", flag="active_cases_hidden"),
        Rule(count="new_cases", total_group="period", flag="new_cases_hidden"),
        Rule(count="closed_cases", total_group="period", flag="closed_cases_hidden"),
    ]
    return apply(monthly, rules)


# --- page 2: citizens and matching -----------------------------------------------------------


def _split_table(split: pl.DataFrame, name: str, lang: str) -> render.Block:
    order = SPLIT_ORDER[name]
    rank = {code: i for i, code in enumerate(order)}
    rows = sorted(split.iter_rows(named=True), key=lambda r: rank.get(r["value"], len(order)))
    kind = None if name == "age_band" else name
    body = [
        [
            (r["value"] or text("unknown", lang))
            if kind is None
            else label(kind, r["value"], lang),
            fmt_hidden(r["n_cases"], r["hidden_by"], lang),
            fmt_hidden(r["share"], r["hidden_by"], lang, "pct"),
        ]
        for r in rows
    ]
    return render.table([_w(name, lang), _w("cases", lang), _w("share", lang)], body)


def _citizens(reader: Reader, scope: ReportScope, lang: str) -> list[render.Block]:
    splits = frame(reader, sql.CHARACTERISTICS, **scope.params).with_columns(
        (pl.col("n_cases") / pl.col("n_cases").sum().over("split")).alias("share")
    )
    # The values of one split add up to the active cases shown on page 1.
    splits = apply(
        splits, Rule(count="n_cases", values=("share",), total_group="split", flag="hidden")
    )
    tables = [[_split_table(splits.filter(pl.col("split") == s), s, lang)] for s in SPLIT_ORDER]
    return [
        render.heading(_w("citizens", lang)),
        render.columns(*tables),
        render.note(_w("citizens_note", lang)),
    ]


def _matching(reader: Reader, scope: ReportScope, lang: str) -> list[render.Block]:
    matched = frame(reader, sql.MATCHING, **scope.params).with_columns(
        (pl.col("k_on_cadence") / pl.col("n_cases")).alias("share_cadence"),
        (pl.col("k_improved") / pl.col("n_outcomes")).alias("share_improved"),
        pl.lit(1).alias("period"),
    )
    rules = [
        Rule(count="n_cases", values=("share_cadence",), numerator="k_on_cadence",
             total_group="period", flag="cases_hidden"),
        Rule(count="n_outcomes", values=("share_improved",), numerator="k_improved",
             flag="outcomes_hidden"),
    ]  # fmt: skip
    matched = apply(matched, rules)
    order = {"same": 0, "different": 1, "unknown": 2}
    rows = [
        [
            label("match", r["match"], lang),
            fmt_hidden(r["n_cases"], r["cases_hidden_by"], lang),
            fmt_hidden(r["share_cadence"], r["cases_hidden_by"], lang, "pct"),
            fmt_hidden(r["n_outcomes"], r["outcomes_hidden_by"], lang),
            fmt_hidden(r["share_improved"], r["outcomes_hidden_by"], lang, "pct"),
        ]
        for r in sorted(matched.iter_rows(named=True), key=lambda r: order[r["match"]])
    ]
    keys = ("match", "cases", "on_cadence_share", "who5_outcomes", "improved_share")
    return [
        render.heading(_w("matching", lang)),
        render.table([_w(k, lang, cadence_days=scope.cadence_days) for k in keys], rows),
        render.note(_w("matching_note", lang)),
    ]


# --- page 3: fidelity -----------------------------------------------------------------------


def _control_chart(doc: render.Document, reader: Reader, scope: ReportScope) -> list[render.Block]:
    lang = doc.lang
    chart_start = _add_months(scope.end.replace(day=1), 1 - CHART_MONTHS)
    monthly = frame(
        reader, sql.FIDELITY_MONTHLY, **scope.params, chart_start=chart_start
    ).with_columns(
        # a month without cases has no share (null, not NaN, so it is left out of the chart)
        pl.when(pl.col("n_cases") > 0)
        .then(pl.col("k_on_cadence") / pl.col("n_cases"))
        .alias("share")
    )
    monthly = apply(monthly, Rule(count="n_cases", values=("share",), numerator="k_on_cadence"))
    shown = monthly.drop_nulls("share")
    blocks: list[render.Block] = [
        render.heading(_w("spc_title", lang, cadence_days=scope.cadence_days))
    ]
    if shown.height < 2:
        return blocks + [render.paragraph(spc_missing(monthly, lang))]
    result = spc(shown["share"].to_list(), improvement="up")
    colours = [
        charts.NHS["common_cause"]
        if not p.special_cause
        else charts.NHS["improvement" if p.direction == "high" else "concern"]
        for p in result.points
    ]
    limits = {"mean": result.mean, "lower": max(0.0, result.lower), "upper": min(1.0, result.upper),
              "start": scope.start, "end": scope.end}  # fmt: skip
    chart = charts.control_chart(
        shown.with_columns(pl.Series("colour", colours)), limits, {"y": _w("share", lang)}
    )
    blocks += [
        render.image(doc.chart("spc", charts.to_svg(chart, lang))),
        render.paragraph(_w("spc_status", lang, status=_w(result.variation, lang))),
    ]
    if result.too_short:
        blocks.append(render.warning(_w("spc_short", lang)))
    return blocks + [render.note(_w("spc_note", lang))]


def spc_missing(monthly: pl.DataFrame, lang: str) -> str:
    """Why the control chart is missing: too few months with a share; that small figures are
    hidden only where a month was (`suppressed`, as app.suppression.apply flags it)."""
    return _w("spc_none_hidden" if any_hidden(monthly["suppressed"]) else "spc_none", lang)


def fitted_funnel(reader: Reader, scope: ReportScope) -> funnel.Funnel:
    """The dashboard's funnel of the share on cadence (app.funnel), as presentation mode shows
    it to anyone: fitted on every municipality, each unit's counts with its cell-key noise, small
    ones hidden, this municipality marked. Every other municipality is then published as its
    coordinator sees it on the fidelity page (docs/suppression.md rule 5); counted exactly, the
    report beside the dashboard gave their exact counts away. It is the page's own path
    (`app.queries.fit_funnel` over `app.queries.fidelity_sql.funnel_sql`), run on the report's
    reader (`app.scoping.reader_run`), no Streamlit. Only units shown are drawn, and the limit
    lines run through them only (no name on the chart but this municipality's)."""
    # the fidelity page's query, in the period's whole months, this municipality in the filter
    view = Filters(scope.start, scope.end.replace(day=1), municipalities=(scope.code,))
    return fit_funnel(funnel_sql("on_cadence", "municipality"), None, scope=PRESENTATION,
                      filters=view, unit="municipality", overdispersion=True,
                      run=reader_run(reader))  # fmt: skip


def _funnel(doc: render.Document, reader: Reader, scope: ReportScope) -> list[render.Block]:
    lang = doc.lang
    fitted = fitted_funnel(reader, scope)
    shown = fitted.shown.sort("total") if fitted.units.height else fitted.units
    hidden = texts.plural(WORDS["funnel_hidden"], fitted.others_hidden(), lang)
    notes = [hidden] if fitted.others_hidden() else []
    if fitted.marked_hidden():
        notes.append(_w("funnel_this_hidden", lang, name=scope.name))
    titles = {"x": _w("funnel_x", lang), "y": _w("share", lang), "this": scope.name}
    blocks = [render.heading(_w("funnel_title", lang))]
    if shown.height:
        chart = charts.funnel(shown, fitted.target, titles)
        blocks.append(render.image(doc.chart("funnel", charts.to_svg(chart, lang))))
    for this in fitted.marked_shown().iter_rows(named=True):
        where = tr(WORDS["funnel_signal"][this["signal"]], lang)
        blocks.append(render.paragraph(_w("funnel_status", lang, name=scope.name, where=where)))
    target = fmt_hidden(fitted.target, None, lang, "pct")
    return blocks + [
        render.note(_w("funnel_note", lang, name=scope.name, target=target, hidden=" ".join(notes)))
    ]


def _fidelity_table(reader: Reader, scope: ReportScope, lang: str) -> list[render.Block]:
    figures = frame(reader, sql.FIDELITY_PERIOD, **scope.params).with_columns(
        (pl.col("k_cases") / pl.col("n_cases")).alias("share")
    )
    figures = apply(figures, Rule(count="n_cases", values=("share",), numerator="k_cases"))
    rows = [
        [
            _w(r["figure"], lang, cadence_days=scope.cadence_days),
            fmt_hidden(r["n_cases"], r["suppressed_by"], lang),
            fmt_hidden(r["share"], r["suppressed_by"], lang, "pct"),
        ]
        for r in figures.iter_rows(named=True)
    ]
    return [render.table([_w("figure", lang), _w("cases", lang), _w("share", lang)], rows)]


def _fidelity_page(doc: render.Document, reader: Reader, scope: ReportScope) -> list[render.Block]:
    return [
        render.columns(_control_chart(doc, reader, scope), _funnel(doc, reader, scope)),
        render.heading(_w("fidelity", doc.lang)),
        *_fidelity_table(reader, scope, doc.lang),
    ]


# --- page 4: outcomes and data quality -------------------------------------------------------


def _outcome_row(instrument: str, pairs: pl.DataFrame, lang: str) -> list[str]:
    n = pairs.height
    if is_small(n):  # too few pairs: nothing of the row is shown
        return [instrument_name(instrument), SUPPRESSED] + ["–"] * 7
    stats = paired_change(pairs["pre_score"].to_list(), pairs["post_score"].to_list())
    change = f"{fmt_number(stats.mean_change, lang)} ({fmt_number(stats.ci_low, lang)}; {fmt_number(stats.ci_high, lang)})"
    counts = pl.DataFrame(
        {
            "category": ["improved", "unchanged", "deteriorated"],
            "k": [
                pairs.filter(pl.col("reliable_change") == c).height
                for c in ("improved", "unchanged", "deteriorated")
            ],
            "group": [1, 1, 1],
        }
    )
    # The three categories add up to n: a small one hides the next smallest too.
    counts = apply(counts, Rule(count="k", total_group="group"))
    recovered = pairs.filter(pl.col("clinical_change") == "recovered").height
    return [
        instrument_name(instrument),
        fmt_count(n, lang),
        fmt_number(stats.mean_pre, lang),
        fmt_number(stats.mean_post, lang),
        change,
        *[fmt_hidden(r["k"], r["suppressed_by"], lang) for r in counts.iter_rows(named=True)],
        fmt_count(recovered, lang) if instrument == "WHO5" else "–",
    ]


def _outcomes(reader: Reader, scope: ReportScope, lang: str) -> list[render.Block]:
    outcomes = frame(reader, sql.OUTCOMES, **scope.params)
    blocks: list[render.Block] = [render.heading(_w("outcomes", lang))]
    if outcomes.is_empty():
        return blocks + [render.paragraph(_w("no_outcomes", lang))]
    rows = [
        _outcome_row(i, outcomes.filter(pl.col("instrument") == i), lang)
        for i in outcomes["instrument"].unique(maintain_order=True)
    ]
    keys = ("instrument", "n_pairs", "mean_pre", "mean_post", "mean_change", "improved",
            "unchanged", "deteriorated", "recovered")  # fmt: skip
    return blocks + [
        render.table([_w(k, lang) for k in keys], rows),
        render.note(_w("outcomes_note", lang)),
    ]


def _rejected_here(reader: Reader, scope: ReportScope) -> pl.DataFrame:
    """The period's rejected rows about this municipality: named by its code, or by one of its cases."""
    rejected = frame(reader, sql.REJECTED, **scope.params)
    subjects = [
        rejected_row_subject(t, raw)
        for t, raw in zip(rejected["table_name"], rejected["raw_values"], strict=True)
    ]
    rejected = rejected.with_columns(
        pl.Series("code", [m for m, _ in subjects], dtype=pl.String),
        pl.Series("case_id", [c for _, c in subjects], dtype=pl.String),
    )
    case_ids = rejected.filter(pl.col("code").is_null())["case_id"].drop_nulls().unique().to_list()
    if case_ids:
        owners = frame(reader, sql.CASE_MUNICIPALITIES, case_ids=case_ids)
        lookup = dict(zip(owners["case_id"], owners["municipality_code"], strict=True))
        rejected = rejected.with_columns(
            pl.coalesce(
                "code",
                pl.col("case_id").replace_strict(lookup, default=None, return_dtype=pl.String),
            )
        )
    return rejected.filter(pl.col("code") == scope.code)


def _quality(reader: Reader, scope: ReportScope, lang: str) -> list[render.Block]:
    loads = frame(reader, sql.LOADS, **scope.params).row(0, named=True)
    blocks = [
        render.heading(_w("quality", lang)),
        render.facts(
            [
                (_w("loads", lang), fmt_number(loads["n_loads"], lang, 0)),
                (_w("last_export", lang), fmt_date(loads["last_export"], lang)),
            ]
        ),
    ]
    rejected = _rejected_here(reader, scope)
    if rejected.is_empty():
        return blocks + [render.paragraph(_w("no_rejected", lang))]
    by_reason = (
        rejected.group_by("reason_code")
        .agg(pl.len().alias("rows"), (~pl.col("is_resolved")).sum().alias("unresolved"))
        .sort("rows", descending=True)
    )
    rows = [
        [
            label("reason_code", r["reason_code"], lang),
            fmt_count(r["rows"], lang),
            fmt_count(r["unresolved"], lang),
        ]
        for r in by_reason.iter_rows(named=True)
    ]
    header = [_w("reason", lang), _w("rows", lang), _w("unresolved", lang)]
    return blocks + [render.table(header, rows), render.note(_w("quality_note", lang))]


# --- the document -------------------------------------------------------------------------


def _document(reader: Reader, municipality: str, start, end, lang: str) -> render.Document:
    scope = report_scope(reader, municipality, start, end, lang)
    period = f"{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)}"
    doc = render.Document(
        meta=render.page_meta(
            text("leadership_title", lang),
            period,
            scope.name,
            scope.as_of,
            text("leadership_footer", lang),
            lang,
        ),
        lang=lang,
        landscape=True,
    )
    doc.pages.append(_caseload_page(doc, reader, scope))
    doc.pages.append(_citizens(reader, scope, lang) + _matching(reader, scope, lang))
    doc.pages.append(_fidelity_page(doc, reader, scope))
    doc.pages.append(_outcomes(reader, scope, lang) + _quality(reader, scope, lang))
    return doc


def leadership_document(
    db: str | os.PathLike,
    municipality: str,
    start: str | date | None = None,
    end: str | date | None = None,
    lang: str = "da",
) -> render.Document:
    """The report's content, to render as PDF and PNG pages without querying twice."""
    with open_warehouse(db, lang) as reader:
        return _document(reader, municipality, start, end, lang)


def leadership_pdf(
    db: str | os.PathLike,
    municipality: str,
    start: str | date | None = None,
    end: str | date | None = None,
    lang: str = "da",
) -> bytes:
    """The leadership report of one municipality's period (months 'YYYY-MM') as PDF bytes."""
    return render.to_pdf(leadership_document(db, municipality, start, end, lang))


def leadership_pngs(
    db: str | os.PathLike,
    municipality: str,
    start: str | date | None = None,
    end: str | date | None = None,
    lang: str = "da",
) -> list[bytes]:
    """The leadership report as one PNG per page (A4 landscape at 150 dpi), for slides."""
    return render.to_pngs(leadership_document(db, municipality, start, end, lang))
