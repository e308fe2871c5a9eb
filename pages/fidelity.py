"""Metodefidelitet / Fidelity: measured every second month, gaps, pre/post (overdue cases are on
the attention page)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import components, data, i18n, indicator_parts
from app.i18n import tr
from app.page_charts import fidelity as fc
from app.page_charts import indicators as ic
from app.queries import fidelity as q

GAP_KINDS = {
    "start": {"da": "Start → første måling", "en": "Start → first measurement"},
    "between": {"da": "Mellem målinger", "en": "Between measurements"},
    "end": {"da": "Seneste måling → slut/i dag", "en": "Last measurement → end/today"},
}
ATTENTION_NOTE = {
    "da": "Aktive forløb, der mangler en måling, står på siden Opmærksomhed.",
    "en": "Active cases overdue a measurement are listed on the page Needs attention.",
}
ON_CADENCE = {"da": "Målt hver anden måned", "en": "Measured every second month"}

TABLE_COLUMNS = {
    "label": {"da": "Gruppe", "en": "Group"},
    "n_cases": {"da": "Forløb", "en": "Cases"},
    "on_cadence": {"da": "Målt hver anden måned", "en": "Measured every second month"},
    "n_new": {"da": "Nye forløb", "en": "New cases"},
    "pre": {"da": "Med førmåling", "en": "With pre measurement"},
    "n_ended": {"da": "Afsluttede forløb", "en": "Ended cases"},
    "post": {"da": "Med eftermåling", "en": "With post measurement"},
    "n_overdue": {"da": "Overskredet nu", "en": "Overdue now"},
}


def _group_label(group: str, row: dict) -> str:
    if row["is_total"]:
        return tr({"da": "I alt", "en": "Total"})
    coded = group in i18n.CODED_SPLITS
    return i18n.group_label(group, row["group_code"] if coded else row["group_label"] or None)


def _share_text(row: dict, share: str, flag: str) -> str:
    return components.value_text(row[share], row[flag], "pct", row[f"{flag}_by"])


def _count_text(row: dict, count: str, flag: str) -> str:
    return components.value_text(row[count], row[flag], "int", row[f"{flag}_by"])


def _country_total(scope, filters) -> dict | None:
    """The country's headline row beside a municipality's (None when the view is the country)."""
    country = data.country(scope, filters)
    if country is None:
        return None
    return q.by_group(scope, country, "municipality").filter(pl.col("is_total")).row(0, named=True)


def _beside(country: dict | None, text: str) -> str | None:
    """'Hele landet: 71 %' under a card (`text` is the country's figure as shown)."""
    if country is None:
        return None
    who = components.population_text(data.Population("country"))
    return i18n.t("population_beside", who=who, value=text)


def _figures(total: dict, monthly: pl.DataFrame, limit: int, country: dict | None) -> None:
    def beside(share: str, flag: str, count: bool = False) -> str | None:
        if country is None:
            return None
        shown = _count_text if count else _share_text
        return _beside(country, shown(country, share, flag))

    first, second, third, fourth = st.columns(4)
    with first:
        components.figure(
            i18n.t("on_cadence_whole"), _share_text(total, "share_on_cadence", "suppressed"),
            trend=monthly["share"].to_list() if monthly.height else None,
            help=tr({"da": "Andel af periodens aktive forløb, hvor intet hul mellem start, "
                           "progressionsmålinger og slut (eller i dag) er over {d} dage: hvert "
                           "forløb tælles én gang, over hele forløbet. Kurven og grafen pr. "
                           "måned tæller i stedet månedens aktive forløb, med huller indtil "
                           "månedens udgang; et forløb, der senere får et for langt hul, tæller "
                           "med i månederne før, så kurven ligger ofte højere.",
                     "en": "Share of the period's active cases where no gap between the start, "
                           "the progression measurements and the end (or today) exceeds {d} "
                           "days: each case counts once, over its whole period. The sparkline "
                           "and the monthly chart count each month's active cases instead, "
                           "with gaps up to the month's end; a case that has too long a gap "
                           "later counts as on cadence in the months before, so the line is "
                           "often higher."}, d=limit),
            beside=beside("share_on_cadence", "suppressed"),
        )  # fmt: skip
    with second:
        components.figure(
            tr({"da": "Nye forløb med førmåling", "en": "New cases with a pre measurement"}),
            _share_text(total, "share_pre", "pre_suppressed"),
            help=tr({"da": "Gyldig førmåling af både WHO-5 og GSE højst 30 dage fra start.",
                     "en": "A valid pre measurement of both WHO-5 and GSE within 30 days of "
                           "the start."}),
            beside=beside("share_pre", "pre_suppressed"),
        )  # fmt: skip
    with third:
        components.figure(
            tr({"da": "Afsluttede med eftermåling", "en": "Ended cases with a post measurement"}),
            _share_text(total, "share_post", "post_suppressed"),
            help=tr({"da": "Gyldig eftermåling af både WHO-5 og GSE højst 30 dage fra slut.",
                     "en": "A valid post measurement of both WHO-5 and GSE within 30 days of "
                           "the end."}),
            beside=beside("share_post", "post_suppressed"),
        )  # fmt: skip
    with fourth:
        components.figure(
            tr({"da": "Aktive forløb over grænsen", "en": "Active cases overdue"}),
            _count_text(total, "n_overdue", "overdue_suppressed"),
            help=tr({"da": "Aktive forløb uden progressionsmåling i mere end {d} dage pr. "
                           "dataenes dato, blandt periodens forløb; de står på siden "
                           "Opmærksomhed (med årsagen «mangler måling»).",
                     "en": "Active cases with no progression measurement for more than {d} "
                           "days as of the data's date, among the period's cases; they are "
                           "listed on the page Needs attention (reason “overdue”)."}, d=limit),
            beside=beside("n_overdue", "overdue_suppressed", count=True),
        )  # fmt: skip


# the n of a monthly chart is its largest month's cases (a case counts in every month it is
# active, so the months do not add up); said so, as it is less than the period's active cases
BUSIEST_MONTH = {"da": "forløb i den største måned", "en": "cases in the largest month"}


def _monthly_section(monthly: pl.DataFrame, limit: int) -> None:
    st.subheader(tr({"da": "Målt hver anden måned, pr. måned", "en": "On cadence, by month"}))
    if not monthly.height:
        components.no_match()
        return
    chart = fc.monthly_share(monthly, y_title=i18n.t("on_cadence_monthly"))
    shown = monthly.filter(~pl.col("suppressed"))["n_cases"]  # a shown month's own figure
    n_cases = int(shown.max()) if shown.len() else None
    components.chart_block(
        chart,
        monthly.select("month", "n_cases", "k_on_cadence", "share", "suppressed"),
        tr({"da": "Hvert punkt er andelen af månedens aktive forløb, hvor intet hul mellem "
                  "målinger (regnet fra start) indtil månedens udgang er over {d} dage; i et "
                  "forløbs sidste måned er det det samme som nøgletallet for hele forløbet. "
                  "Huller er måneder med under 5 forløb.",
            "en": "Each point is the share of the month's active cases where no gap between "
                  "measurements (counted from the start) up to the month's end is longer than "
                  "{d} days; in a case's last month this is the whole-case headline figure. "
                  "Gaps are months with fewer than 5 cases."},
           d=limit),
        n_cases,
        key="fidelity_monthly",
        unit=tr(BUSIEST_MONTH),
    )  # fmt: skip


def _group_section(scope, filters, limit: int) -> None:
    st.subheader(tr({"da": "Efter gruppe", "en": "By group"}))
    group = st.selectbox(
        tr({"da": "Gruppér efter", "en": "Group by"}),
        q.groups(scope),
        format_func=i18n.split_label,
        key="fidelity_group",
    )
    frame = q.by_group(scope, filters, group)
    rows = list(frame.iter_rows(named=True))
    frame = frame.with_columns(
        pl.Series("label", [_group_label(group, row) for row in rows], dtype=pl.String),
        pl.Series("text", [_share_text(row, "share_on_cadence", "suppressed") for row in rows],
                  dtype=pl.String),
    )  # fmt: skip
    groups, total = (
        frame.filter(~pl.col("is_total")),
        frame.filter(pl.col("is_total")).row(0, named=True),
    )
    chart = fc.group_shares(
        groups.select("label", "share_on_cadence", "n_cases", "text"),
        None if total["suppressed"] else total["share_on_cadence"],
        x_title=tr(ON_CADENCE),
    )
    components.chart_block(
        chart,
        groups.select("label", "n_cases", "k_on_cadence", "share_on_cadence", "suppressed"),
        tr({"da": "Hver søjle er andelen af gruppens forløb, der hele vejen er målt mindst hver "
                  "{d}. dag; den stiplede linje er andelen for alle. Manglende søjler bygger på "
                  "under 5 forløb.",
            "en": "Each bar is the share of the group's cases measured at least every {d} days "
                  "all the way; the dashed line is the share for all. Missing bars rest on "
                  "fewer than 5 cases."}, d=limit),
        None if total["suppressed"] else total["n_cases"],
        key="fidelity_groups",
    )  # fmt: skip
    _group_table(frame, group)


def _group_table(frame: pl.DataFrame, group: str) -> None:
    rows = [
        {
            "label": row["label"],
            "n_cases": _count_text(row, "n_cases", "suppressed"),
            "on_cadence": _share_text(row, "share_on_cadence", "suppressed"),
            "n_new": _count_text(row, "n_new", "pre_suppressed"),
            "pre": _share_text(row, "share_pre", "pre_suppressed"),
            "n_ended": _count_text(row, "n_ended", "post_suppressed"),
            "post": _share_text(row, "share_post", "post_suppressed"),
            "n_overdue": _count_text(row, "n_overdue", "overdue_suppressed"),
        }
        for row in frame.iter_rows(named=True)
    ]
    shown = pl.DataFrame(rows).rename({c: tr(label) for c, label in TABLE_COLUMNS.items()})
    # split by worker: a click on a worker's row opens their page (the total row opens nothing)
    by_worker = group == "worker"
    components.table(shown, key=f"fidelity_group_table_{group}",
                     opens="worker" if by_worker else None,
                     ids=frame["group_code"].to_list() if by_worker else None)  # fmt: skip
    if any(frame[c].any() for c in frame.columns if c.endswith("suppressed")):
        st.caption(i18n.t("suppressed_note"))


FUNNELS = (
    ("on_cadence", ON_CADENCE, "fidelity_funnel_cadence"),
    ("pre", {"da": "Nye forløb med førmåling", "en": "New cases with a pre measurement"},
     "fidelity_funnel_pre"),
)  # fmt: skip


def _funnel_section(scope, filters) -> None:
    """Funnel plots of the two fidelity shares by municipality or worker (no league table)."""
    indicator_parts.funnel_section(
        scope,
        filters,
        heading={"da": "Retfærdig sammenligning", "en": "Fair comparison"},
        key="fidelity_funnel",
        funnels=FUNNELS,
        fit=q.funnel_plot,
    )


VARIATION_POINTS = {
    "common_cause": {"da": "Almindelig variation", "en": "Common cause"},
    "improvement": {"da": "Særlig variation: forbedring", "en": "Special cause: improvement"},
    "concern": {"da": "Særlig variation: bekymring", "en": "Special cause: concern"},
}


def _control_options(scope, filters) -> dict[str | None, str]:
    """None (all the viewer's cases) and each municipality they may see as an aggregate."""
    everyone = tr({"da": "Dine forløb", "en": "Your cases"}) if scope.role == "worker" else (
        tr({"da": "Hele landet", "en": "The whole country"}) if not filters.municipalities
        else tr({"da": "De valgte kommuner", "en": "The chosen municipalities"}))  # fmt: skip
    options: dict[str | None, str] = {None: everyone}
    if scope.role != "worker":  # a worker counts only their own cases (data.run)
        names = data.filter_options(scope).municipalities
        chosen = filters.municipalities or tuple(names)
        options |= {code: names[code] for code in chosen if code in names}
    return options


def _control_section(scope, filters) -> None:
    st.subheader(tr({"da": "Styringsdiagram: målt hver anden måned",
                     "en": "Control chart: measured every second month"}))  # fmt: skip
    options = _control_options(scope, filters)
    left, right, _ = st.columns([2, 1, 1])
    chosen = left.selectbox(tr({"da": "Hvem", "en": "Whose"}), list(options),
                            format_func=options.get, key="fidelity_spc_unit")  # fmt: skip
    target = right.number_input(
        tr({"da": "Mål i % (valgfrit)", "en": "Target in % (optional)"}), min_value=0,
        max_value=100, value=None, step=5, key="fidelity_spc_target",
    )  # fmt: skip
    points, result = q.control_chart(
        scope, filters, chosen, None if target is None else target / 100
    )
    if result is None:
        st.info(tr({"da": "For få måneder med mindst 5 forløb til et styringsdiagram.",
                    "en": "Too few months with at least 5 cases for a control chart."}))  # fmt: skip
        return
    indicator_parts.status_badge(result.variation, result.assurance)
    if result.too_short:
        st.warning(tr({"da": "Under 12 måneder: grænserne er usikre.",
                       "en": "Fewer than 12 months: the limits are uncertain."}))  # fmt: skip
    chart = ic.xmr_chart(
        points, y_title=tr(ON_CADENCE),
        variation_labels={code: tr(words) for code, words in VARIATION_POINTS.items()},
        limit_title=tr({"da": "Kontrolgrænse", "en": "Control limit"}),
    )  # fmt: skip
    components.chart_block(
        chart,
        points,
        tr({"da": "Hvert punkt er månedens andel af aktive forløb, der indtil da er målt mindst "
                  "hver {d}. dag; den sorte linje er gennemsnittet, de stiplede linjer "
                  "kontrolgrænserne. Grå punkter er almindelig variation; blå og orange punkter "
                  "er særlig variation (uden for grænserne, 7 i træk over eller under "
                  "gennemsnittet, 7 i træk op eller ned, eller 2 af 3 nær en grænse) til det "
                  "bedre eller værre. Måneder med under 5 forløb er udeladt.",
            "en": "Each point is the month's share of active cases measured at least every {d} "
                  "days so far; the black line is the mean, the dashed lines the control limits. "
                  "Grey points are common cause variation; blue and orange points are special "
                  "cause (outside the limits, 7 in a row above or below the mean, 7 in a row up "
                  "or down, or 2 of 3 near a limit) for the better or the worse. Months with "
                  "fewer than 5 cases are left out."}, d=q.cadence_days()),
        int(points["n_cases"].max()),
        key="fidelity_control",
        unit=tr(BUSIEST_MONTH),
    )  # fmt: skip


def _gap_section(scope, filters, limit: int, n_cases: int | None) -> None:
    st.subheader(tr({"da": "Huller mellem målinger", "en": "Gaps between measurements"}))
    frame = q.gaps(scope, filters).with_columns(
        pl.col("kind").replace_strict({k: tr(v) for k, v in GAP_KINDS.items()}).alias("label")
    )
    order = {kind: i for i, kind in enumerate(GAP_KINDS)}
    frame = frame.sort(pl.col("kind").replace_strict(order), "bin_start")
    chart = fc.gap_histogram(
        frame, limit,
        x_title=tr({"da": "Dage (15-dages intervaller; sidste søjle: {b} eller flere)",
                    "en": "Days (15-day bins; last bar: {b} or more)"}, b=q.LAST_BIN),
        y_title=tr({"da": "Huller", "en": "Gaps"}),
        limit_label=tr({"da": "{d} dage", "en": "{d} days"}, d=limit),
    )  # fmt: skip
    components.chart_block(
        chart,
        frame.select("kind", "label", "bin_start", "bin_end", "n_gaps", "n_cases", "suppressed"),
        tr({"da": "Søjlerne tæller huller efter længde: fra start til første måling, mellem "
                  "målinger og fra seneste måling til slut (eller i dag); alt til højre for den "
                  "stiplede linje er over grænsen. Manglende søjler bygger på under 5 forløb.",
            "en": "The bars count gaps by length: from the start to the first measurement, "
                  "between measurements and from the last measurement to the end (or today); "
                  "everything right of the dashed line is over the limit. Missing bars rest on "
                  "fewer than 5 cases."}),
        n_cases,
        key="fidelity_gaps",
    )  # fmt: skip


def render() -> None:
    components.freshness()
    components.population_note()
    scope, filters = data.current_scope(), data.current_filters()
    limit = q.cadence_days()
    totals = q.by_group(scope, filters, "municipality").filter(pl.col("is_total"))
    if not totals.height or totals["n_cases"][0] == 0:
        components.no_match()
        return
    st.caption(
        tr({"da": "Forløb, der var aktive i perioden. Metoden: en progressionsmåling mindst "
                  "hver {d}. dag.",
            "en": "Cases active in the period. The method: a progression measurement at least "
                  "every {d} days."}, d=limit)
    )  # fmt: skip
    total = totals.row(0, named=True)
    monthly = q.monthly(scope, filters)
    _figures(total, monthly, limit, _country_total(scope, filters))
    _monthly_section(monthly, limit)
    _group_section(scope, filters, limit)
    _control_section(scope, filters)
    _funnel_section(scope, filters)
    _gap_section(scope, filters, limit, None if total["suppressed"] else total["n_cases"])
    st.caption(tr(ATTENTION_NOTE))


components.run_page("page_fidelity", render)
