"""Shared chart helpers: one colour-blind-safe palette, a projector-friendly theme, base builders.

API:
- `PALETTE` (Okabe–Ito), `CASE_TYPE_COLORS`, `color_scale(domain)`: use these, never ad-hoc colours.
- `enable_theme()`: registers and enables the Altair theme "lat" (large fonts); the router calls it.
- `line_chart(df, x, y, *, color=None, ...)`, `bar_chart(df, x, y, *, color=None, horizontal=False)`:
  small builders returning `alt.Chart`s (pages may layer or tweak them), `CHART_HEIGHT` high
  (a horizontal bar chart: `row_height()`).
- `period_x(months, period)`: an X scale and axis spanning the chosen period (every month axis
  of a page's period uses it; `reaching_back(months, period)` for a chart with months before
  it, as an XmR chart's baseline), and `in_period(frame, column, period)`: the rows a chart over
  that period draws;
- `month_axis(months, max_ticks=8)`: a temporal axis of whole months with the year on every tick
  ("apr. 2026"), one tick every 1, 2, 3, 6 or 12 months so labels never crowd or repeat;
  `count_axis()`: an axis of counts (whole numbers only: never "0 0 0 1 1"). Every month and count
  axis of every builder uses these.
- `row_height()`: the height of a chart with a discrete y axis, per row (`ROW_STEP`), never a
  fixed height; `count_legend()`: a colour legend of counts.
- `drawn_rows(frame)`: the rows a chart of `frame` draws (hidden rows left out); `chart_block`
  shows a sentence instead of a chart that would draw nothing.
  They refuse more than `MAX_POINTS` rows (`check_points(*frames)`, for builders elsewhere too):
  aggregate in DuckDB first.
- `localized_spec(chart, language) -> dict` and `to_png(chart, language) -> bytes`: the Vega-Lite
  spec with the reader's number/date locale (and no vega-embed actions menu), and a PNG for
  slides (vl-convert, offline).
- `tip(shorthand, title=None, fmt=None)`, `tips(*entries)`: tooltip lines, each titled in the
  reader's words: `title` when given ('' for none), else the catalogue's word for the field
  (`FIELD_TITLES`), with the field's number/date format; a field without either is refused, so
  no tooltip prints a column name ('n_cases'). Every chart's tooltips are built with them; an
  axis, legend or header gets its `title=` from the caller (the same text on every layer of a
  shared axis) or `title=""`.
- `for_slide(chart, title, facts)`: the chart with its title and a line of facts (period · scope ·
  n · as-of date) above it, as every PNG download carries it (app/components.chart_block).
Texts (titles) come from the caller in the reader's language; dates as `:T`, counts as `:Q`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

import altair as alt
import polars as pl
from altair.utils.schemapi import UndefinedType

from app import i18n

MAX_POINTS = 5000
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour deficiency.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
CASE_TYPE_COLORS = {"mentor": PALETTE[0], "parent_coach": PALETTE[1]}
FONT_SIZE = 15
BODY_FONT = '"Source Sans", sans-serif'  # Streamlit 1.67's genericFonts.bodyFont
TITLE_SIZE = 18


def _theme() -> dict:
    axis = {
        "labelFontSize": FONT_SIZE,
        "titleFontSize": FONT_SIZE,
        "labelColor": "#1A1A1A",
        "titleColor": "#1A1A1A",
        "gridColor": "#E3E7EB",
        # Vega cuts labels at 180 px ('Værdi uden for gyldigt inte…'); a name is read whole
        "labelLimit": 320,
    }
    return {
        "config": {
            # the page's own typeface (Streamlit's body font) for every text of a chart: its
            # theme sets the axes' and legends' but not a title's or a text mark's, which fell
            # back to the browser's sans-serif (the expected band's title in another typeface)
            "font": BODY_FONT,
            "view": {"stroke": None, "continuousWidth": 600, "continuousHeight": 300},
            "axis": axis,
            # at most about ten ticks: a full-width axis got one per 40 px ('0 2 4 ... 58 60')
            "axisQuantitative": {"tickCount": 10},
            "legend": {
                "labelFontSize": FONT_SIZE,
                "titleFontSize": FONT_SIZE,
                "orient": "top",
                "labelLimit": 0,
            },  # no cut at 160 px ('Seneste måling → slut/i…')
            "title": {"fontSize": TITLE_SIZE, "anchor": "start"},
            # panel names above their panel, level: a row facet's names stood on their side
            # beside the y-axis title and ran into it ('Klinisk ænd|Pålidelig ændring')
            "header": {
                "labelFontSize": FONT_SIZE,
                "titleFontSize": FONT_SIZE,
                "labelOrient": "top",
                "labelAngle": 0,
                "labelAnchor": "start",
                "labelLimit": 0,
            },
            "range": {"category": list(PALETTE)},
            "mark": {"color": PALETTE[0]},
            "bar": {"color": PALETTE[0]},
            "line": {"strokeWidth": 3},
            "point": {"size": 60},
        }
    }


def enable_theme() -> None:
    """Register and enable the "lat" theme (idempotent)."""
    if "lat" not in alt.theme.names():
        alt.theme.register("lat", enable=False)(_theme)
    alt.theme.enable("lat")


def color_scale(domain: list[str], colors: dict[str, str] | None = None) -> alt.Scale:
    """A categorical scale over `domain` using the palette (or given colours per value)."""
    colors = colors or {}
    rng = [colors.get(value, PALETTE[i % len(PALETTE)]) for i, value in enumerate(domain)]
    return alt.Scale(domain=domain, range=rng)


def check_points(*frames: pl.DataFrame) -> None:
    """Refuse to draw more than `MAX_POINTS` rows in one chart (summed over its layers): a browser
    chokes on them, and a chart of that many is a query that forgot to aggregate."""
    points = sum(frame.height for frame in frames)
    if points > MAX_POINTS:
        raise ValueError(f"{points} points is too many for a chart; aggregate in the query")


# px per category row of a chart with a discrete y axis. Streamlit sizes charts to fit: a fixed
# height holds the legend and the x axis too, so a chart of one or two rows drawn 120 px high
# had no room left for the rows (a box plot as a strip, a heatmap of zero height). A step
# gives each row its room, however many there are.
ROW_STEP = 34
# the plot height of the builders' charts with a continuous y axis: without one Streamlit drew
# a line chart 150 px high, and its y title ('Andel målt hver anden måned indtil måneden') ran
# past the plot and was cut; a caller may set its own
CHART_HEIGHT = 300
MONTH_FORMAT = "%b %Y"
MONTH_STEPS = (1, 2, 3, 6, 12, 24)
DAY_FORMAT = "%-d. %b %Y"
COUNT_FORMAT = ",d"
SCORE_FORMAT = ",.1f"
SHARE_FORMAT = ".0%"

# field (column name) -> (catalogue key of its title, format): the words a tooltip line gets
# when the chart gives it no title of its own. Formats render in the reader's locale
# (`localized_spec`): ",d" 1.517, ",.1f" 5,3, ".0%" 45 %.
FIELD_TITLES: dict[str, tuple[str, str | None]] = {
    "month": ("common.month", MONTH_FORMAT),
    "measured_on": ("common.measured_on", DAY_FORMAT),
    "case_id": ("vocabulary.column_labels.case_id", None),
    "n_cases": ("common.cases", COUNT_FORMAT),
    "cases": ("common.cases", COUNT_FORMAT),
    "n": ("common.cases", COUNT_FORMAT),
    "total": ("common.cases", COUNT_FORMAT),
    "events": ("common.events", COUNT_FORMAT),
    "n_gaps": ("common.gaps", COUNT_FORMAT),
    "gap_days": ("common.days", COUNT_FORMAT),
    "days": ("common.days", COUNT_FORMAT),
    "share": ("common.share", SHARE_FORMAT),
    "score": ("vocabulary.column_labels.score", SCORE_FORMAT),
    "median": ("common.median", SCORE_FORMAT),
    "mean": ("common.mean", SCORE_FORMAT),
    "q1": ("common.p25", SCORE_FORMAT),
    "q3": ("common.p75", SCORE_FORMAT),
    "p10": ("common.p10", SCORE_FORMAT),
    "p25": ("common.p25", SCORE_FORMAT),
    "p50": ("common.median", SCORE_FORMAT),
    "p75": ("common.p75", SCORE_FORMAT),
    "p90": ("common.p90", SCORE_FORMAT),
    "bin_start": ("common.bin_from", None),
    "bin_end": ("common.bin_to", None),
}
_FIELD = re.compile(r"^(?:\w+\()?(?P<field>\w+)\)?(?::[A-Za-z])?$")


def field_of(shorthand: str) -> str:
    """The column of an Altair shorthand: 'n_cases:Q' -> n_cases, 'yearmonth(month):T' -> month."""
    found = _FIELD.match(shorthand)
    if not found:
        raise ValueError(f"not a field shorthand: {shorthand!r}")
    return found.group("field")


def tip(shorthand: str, title: str | None = None, fmt: str | None = None) -> alt.Tooltip:
    """One tooltip line of `shorthand` ('n_cases:Q'), titled `title` (a text in the reader's
    language; '' for a value that names itself, like a group's name) or, without one, the
    catalogue's word for the field (`FIELD_TITLES`); `fmt` or the field's format. A field with
    neither is refused: Vega-Lite would print the column name to the reader."""
    field = field_of(shorthand)
    key, default_fmt = FIELD_TITLES.get(field, (None, None))
    if title is None:
        if key is None:
            raise ValueError(f"tooltip of {field!r} needs a title (or an entry in FIELD_TITLES)")
        title = i18n.t(key)
    if fmt is None:
        fmt = _fitting(default_fmt, shorthand.rpartition(":")[2])
    return alt.Tooltip(shorthand, title=title, format=fmt if fmt is not None else alt.Undefined)


def _fitting(fmt: str | None, kind: str) -> str | None:
    """The field's format where it fits the encoding's type: a date format ('%b %Y') on a date
    (a date without one: `DAY_FORMAT`), a number format on a number; none on a name ('score:O'
    is a score's label, and 'month:Q' a count of months)."""
    if kind == "T":
        return fmt if fmt and fmt.startswith("%") else DAY_FORMAT
    if kind == "Q" and fmt and not fmt.startswith("%"):
        return fmt
    return None


def tips(*entries: str | tuple) -> list[alt.Tooltip]:
    """Tooltip lines from entries: a shorthand ('n_cases:Q') or a tuple (shorthand, title) or
    (shorthand, title, format), each as `tip` makes it."""
    return [tip(*((entry,) if isinstance(entry, str) else entry)) for entry in entries]


def month_step(months: pl.Series, max_ticks: int = 8) -> int:
    """Months between ticks: the smallest of `MONTH_STEPS` that keeps the span of `months` (dates)
    to at most `max_ticks` ticks."""
    dates = months.drop_nulls()
    if dates.is_empty():
        return 1
    first, last = dates.min(), dates.max()
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    return next((s for s in MONTH_STEPS if -(-span // s) <= max_ticks), MONTH_STEPS[-1])


Period = tuple[date, date]  # the chosen period's first and last month (Filters.from/to_month)


def period_months(months: pl.Series, period: Period | None) -> pl.Series:
    """The months an axis spans: `months` (the data's) with the period's first and last."""
    if period is None or None in period:
        return months
    return pl.concat([months.cast(pl.Date), pl.Series(list(period), dtype=pl.Date)])


def in_period(frame: pl.DataFrame, column: str, period: Period | None) -> pl.DataFrame:
    """The rows of `frame` whose month `column` lies in the chosen `period` (all without one). A
    chart whose x scale spans the period draws only these: rows before it were drawn left of the
    axis, and Vega's fit then shrank the plot to make room for them (the overview's trend,
    which holds the period before for its deltas, became a chart with no width)."""
    if period is None or None in period:
        return frame
    first, last = period
    return frame.filter(pl.col(column).cast(pl.Date).is_between(first, last))


def month_scale(period: Period | None, lead_days: int = 0) -> alt.Scale | UndefinedType:
    """A month axis's x scale: from the chosen period's first month to the end of its last,
    whatever months the data hold (a worker's chart stopped at the last month with an active
    case, as if the period ended there). Without a period, the data's own extent. `lead_days`:
    room before the first month (a dot on it stood on the y axis, cut in half)."""
    if period is None or None in period:
        return alt.Undefined
    first, last = period
    # to the last month's last day: its bar (a month wide) is drawn whole, and the next month's
    # first day, a tick of its own ('jul. 2026' after a period ending in June), stays outside
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    start = first - timedelta(days=lead_days)
    return alt.Scale(domain=[start.isoformat(), end.isoformat()])


def reaching_back(months: pl.Series, period: Period | None) -> Period | None:
    """The chosen `period`, begun at the data's first month where the data start earlier: a
    chart that draws months before the period on purpose (an XmR chart's baseline) still ends
    where the period ends, whatever months the data hold."""
    if period is None or None in period or months.drop_nulls().is_empty():
        return period
    first = min(months.drop_nulls().cast(pl.Date).min(), period[0])
    return first, period[1]


def period_x(
    months: pl.Series, period: Period | None, max_ticks: int = 8, lead_days: int = 0
) -> dict:
    """An `alt.X`'s `scale` and `axis` for a month axis over the chosen `period`
    (`month_scale`, with `lead_days` before its first month; the ticks of `month_axis` over the
    data's months and the period's ends)."""
    axis = month_axis(period_months(months, period), max_ticks=max_ticks)
    return {"scale": month_scale(period, lead_days), "axis": axis}


def month_axis(months: pl.Series, max_ticks: int = 8, **options) -> alt.Axis:
    """A temporal axis of whole months, each tick "apr. 2026" (d3's default ticks put the year on
    January only, which the axis then dropped for room, and fell to weeks and half months on a
    short span: "jul. 06, aug. 03", "apr. 2026, apr. 2026")."""
    step = month_step(months, max_ticks)
    return alt.Axis(format=MONTH_FORMAT, tickCount={"interval": "month", "step": step},
                    labelOverlap="greedy", **options)  # fmt: skip


def row_height(step: int = ROW_STEP, **options) -> alt.Step:
    """The height of a chart with a discrete y axis: `step` px per row (see `ROW_STEP`)."""
    return alt.Step(step, **options)


def count_legend(**options) -> alt.Legend:
    """A colour legend of counts: whole numbers ('1,000000' for a single cell's count)."""
    return alt.Legend(format=",d", tickMinStep=1, **options)


def count_axis(**options) -> alt.Axis:
    """An axis of counts: whole-number ticks only (a small maximum gave '0 0 0 0 0 1 1 1')."""
    return alt.Axis(format=",d", tickMinStep=1, **options)


def drawn_rows(frame: pl.DataFrame) -> int:
    """Rows a chart of `frame` draws: hidden rows (`suppressed`) are left out of every chart."""
    if "suppressed" not in frame.columns:
        return frame.height
    return frame.filter(~pl.col("suppressed").fill_null(False)).height


def case_type_scale() -> alt.Scale:
    """Case-type colours by the reader's labels (the house colours of mentor / parent coach)."""
    codes = list(CASE_TYPE_COLORS)
    labels = [i18n.code_label("case_type", c) for c in codes]
    colors = {i18n.code_label("case_type", c): CASE_TYPE_COLORS[c] for c in codes}
    return color_scale(labels, colors)


def line_chart(
    df: pl.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    x_title: str = "",
    y_title: str = "",
    y_format: str = ",d",
    scale: alt.Scale | None = None,
    period: Period | None = None,
) -> alt.Chart:
    """A line with points over time (`x` a date column of months), over the chosen `period`."""
    df = in_period(df, x, period)
    check_points(df)
    counts = y_format in (",d", "d")
    y_axis = count_axis() if counts else alt.Axis(format=y_format)
    encoding = {
        "x": alt.X(f"{x}:T", title=x_title, **period_x(df[x], period)),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=y_axis),
        "tooltip": tips(
            (f"{x}:T", x_title or i18n.t("common.month"), MONTH_FORMAT),
            (f"{y}:Q", y_title, y_format),
        ),  # fmt: skip
    }
    if color:
        # colours in the order the frame names the lines, not Vega's alphabetical order: that
        # follows the words, so the worker's line was green in Danish and blue in English
        scale = scale or color_scale(df[color].unique(maintain_order=True).to_list())
        encoding["color"] = alt.Color(f"{color}:N", title="", scale=scale)
        encoding["tooltip"].append(tip(f"{color}:N", ""))
    return alt.Chart(df).mark_line(point=True).encode(**encoding).properties(height=CHART_HEIGHT)


def bar_chart(
    df: pl.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    horizontal: bool = False,
    x_title: str = "",
    y_title: str = "",
    x_type: str = "N",
    scale: alt.Scale | None = None,
    sort: str | list | None = None,
) -> alt.Chart:
    """Bars of `y` (a count) per `x`; `horizontal=True` for long category labels."""
    check_points(df)
    cat = alt.X(
        f"{x}:{x_type}",
        title=x_title,
        sort=sort if sort is not None else alt.Undefined,
        axis=alt.Axis(labelAngle=0),
    )  # short categories read level ('1-4', not on end)
    val = alt.Y(f"{y}:Q", title=y_title, axis=count_axis())
    if horizontal:
        cat = alt.Y(f"{x}:{x_type}", title=x_title, sort=sort if sort is not None else "-x")
        val = alt.X(f"{y}:Q", title=y_title, axis=count_axis())
        encoding = {"y": cat, "x": val}
    else:
        encoding = {"x": cat, "y": val}
    encoding["tooltip"] = tips((f"{x}:{x_type}", x_title), (f"{y}:Q", y_title, COUNT_FORMAT))
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title="", scale=scale or alt.Undefined)
    chart = alt.Chart(df).mark_bar().encode(**encoding)
    return chart.properties(height=row_height() if horizontal else CHART_HEIGHT)


# Whether each spec is checked against Vega-Lite's JSON schema as it is made. The specs come from
# this code, never from input, and every page's AppTest draws them with the check on
# (tests/conftest.py); a viewer's page run skips it (a third of the pre/post page's own time).
VALIDATE = False


def localized_spec(chart: alt.TopLevelMixin, language: str | None = None) -> dict:
    """The chart's Vega-Lite spec with the reader's locale and vega-embed's actions menu off."""
    spec = chart.to_dict(validate=VALIDATE)
    spec.setdefault("config", {})["locale"] = i18n.vega_locale(language)
    # The actions menu ("Save as SVG/PNG", "View Source", "Open in Vega Editor") exports unaudited.
    # Streamlit 1.67 already embeds without it and drops this option; it is kept in the spec so a
    # renderer that honours embedOptions (another Streamlit, a pasted spec) stays closed too.
    usermeta = spec.setdefault("usermeta", {})
    usermeta.setdefault("embedOptions", {})["actions"] = False
    legend_only_drawn(spec)
    return spec


def _encodings(node: object) -> list[dict]:
    """Every `encoding` in a spec (top level, layers, facets, concatenations)."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("encoding"), dict):
                found.append(item["encoding"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def legend_only_drawn(spec: dict) -> None:
    """Leave out of each colour legend the categories the chart has no data for ('50+' listed
    beside no bar), in place. The scale keeps its whole domain, so a category keeps its colour
    from one view to the next; a field the data does not hold (made by a transform) is left be."""
    rows = [row for data in spec.get("datasets", {}).values() for row in data]
    for encoding in _encodings(spec):
        color = encoding.get("color")
        domain = (color or {}).get("scale", {}).get("domain")
        field = (color or {}).get("field")
        if not isinstance(domain, list) or color.get("legend", {}) is None:
            continue
        present = {row[field] for row in rows if row.get(field) is not None}
        if present and not set(domain) <= present:
            legend = color.setdefault("legend", {})
            legend["values"] = [value for value in domain if value in present]


def for_slide(chart: alt.TopLevelMixin, title: str, facts: list[str]) -> alt.TopLevelMixin:
    """The chart as it can go on a slide as it is: `title` in large type and under it the facts
    that say what it shows (period · scope · n · as-of date). A title the chart had already
    becomes the first line under the new one, so nothing it said is lost."""
    own = chart.title if isinstance(getattr(chart, "title", None), str) else None
    lines = [line for line in (own if own != title else None, " · ".join(facts)) if line]
    heading = alt.TitleParams(
        text=title,
        subtitle=lines,
        anchor="start",
        fontSize=TITLE_SIZE + 4,
        subtitleFontSize=FONT_SIZE,
        subtitleColor="#1A1A1A",
        offset=12,
    )
    return chart.properties(title=heading, background="white")


def to_png(chart: alt.TopLevelMixin, language: str | None = None) -> bytes:
    """A PNG of the chart at twice the size, for slides (rendered offline by vl-convert)."""
    import json

    import vl_convert

    return vl_convert.vegalite_to_png(json.dumps(localized_spec(chart, language)), scale=2)
