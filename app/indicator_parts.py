"""Page parts for the indicators (indicators.md sections 2-3), shared by several pages: the
funnel-plot controls and blocks, and the control chart's status in words.

- `funnel_controls(scope, key)`: which units to compare (municipalities, workers) and the
  overdispersion toggle (on by default for municipalities); None when the viewer compares none.
- `funnel_section(scope, filters, ...)`: the controls, a sentence of whom the funnels compare
  (`comparison_text`: by municipality the country, the filter's municipalities marked; by worker
  the view's workers), then one `funnel_block` per indicator.
- `funnel_block(fitted, unit, scope, filters, title=..., key=...)`: one funnel plot with how to
  read it, its n and population (`compared`), the reader's marked units and then the other
  units outside the 99.8% limits named in sentences, and "n enheder skjult".
- `outside_sentences(fitted, unit, language)`: those sentences (testable alone).
- `status_words(variation, assurance, language)`: an XmR chart's variation and assurance as text;
  `status_badge(variation, assurance)` shows them in the icon's colour.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from app import components, data, i18n
from app.filters import Filters
from app.funnel import Funnel
from app.i18n import t
from app.page_charts import indicators as ic
from app.queries import funnel_filters, funnel_level, funnel_units
from app.scope import Scope

UNIT_WORDS = {
    "municipality": "indicator_parts.unit_words.municipality",
    "worker": "common.worker",
}
SIGNALS = {
    "none": "indicator_parts.signals.none",
    "high": "indicator_parts.signals.high",
    "low": "indicator_parts.signals.low",
}
LIMIT_WORDS = {"95": "indicator_parts.limit_words.95", "998": "indicator_parts.limit_words.998"}
_OUTSIDE = {
    "high": "indicator_parts.outside.high",
    "low": "indicator_parts.outside.low",
}
# where a marked unit lies: within the limits, or outside them as any other unit is named
_PLACED = {"none": "indicator_parts.inside", **_OUTSIDE}
_WHERE = {
    "municipality": "indicator_parts.where.country",
    "worker": "indicator_parts.where.workers",
}
VARIATION = {
    "common_cause": "indicator_parts.variation.common_cause",
    "improvement": "indicator_parts.variation.improvement",
    "concern": "indicator_parts.variation.concern",
}
ASSURANCE = {
    "pass": "indicator_parts.assurance.pass",
    "fail": "indicator_parts.assurance.fail",
    "hit_and_miss": "indicator_parts.assurance.hit_and_miss",
}


def funnel_controls(scope: Scope, key: str) -> tuple[str, bool] | None:
    """The unit to compare and whether to allow for overdispersion (shown as a toggle)."""
    units = funnel_units(scope)
    if not units:
        return None
    left, right = st.columns([1, 2])
    unit = left.selectbox(
        t("indicator_parts.compare"),
        units,
        format_func=lambda u: t(UNIT_WORDS[u]),
        key=f"{key}_unit",
    )
    right.write("")  # aligns the toggle with the select box
    overdispersion = right.toggle(
        t("indicator_parts.allow_for_overdispersion"),
        value=unit == "municipality",
        key=f"{key}_overdispersion_{unit}",
        help=t("indicator_parts.municipalities_vary_more_than_chance"),
    )
    return unit, overdispersion


def outside_sentences(fitted: Funnel, unit: str, language: str | None = None) -> list[str]:
    """The reader's marked units first, by name: where each lies (within, above or below the
    99.8% limits), or that it is hidden; then one sentence per other shown unit outside the
    limits, lowest share first."""
    where = t(_WHERE[unit], language)
    target = i18n.fmt_pct(fitted.target, 0, language)

    def placed(row: dict) -> str:
        return t(_PLACED[row["signal"]], language, name=row["unit_label"],
                 rate=i18n.fmt_pct(row["rate"], 0, language), target=target, where=where)  # fmt: skip

    marked = [placed(row) for row in fitted.marked_shown().iter_rows(named=True)]
    hidden = [t("indicator_parts.marked_hidden", language, name=name)
              for name in fitted.marked_hidden()]  # fmt: skip
    others = fitted.outside().filter(~pl.col("is_marked")).sort("rate", "unit_label")
    return [*marked, *hidden, *(placed(row) for row in others.iter_rows(named=True))]


def compared(scope: Scope, filters: Filters, unit: str) -> data.Population:
    """Whom a funnel by `unit` compares, as `fit_funnel` counts it: by municipality the
    country (`funnel_filters`), by worker the filters' own view at case level (a coordinator's
    own municipalities)."""
    return data.population(scope, funnel_filters(scope, filters, unit), funnel_level(unit))


def comparison_text(scope: Scope, filters: Filters, unit: str) -> str:
    """The section's sentence of whom its funnels compare, under the controls: the page's
    header ('Tal for: København') names the view, but a funnel by municipality compares the
    country, the filter's municipalities marked; by worker, the workers of the view."""
    if unit != "municipality":
        who = components.population_text(compared(scope, filters, unit), in_sentence=True)
        return t("indicator_parts.population.workers", who=who)
    marked = data.population(scope, filters).names
    if not marked:
        return t("indicator_parts.population.country")
    return t("indicator_parts.population.marked", names=i18n.fmt_together(list(marked)))


def _absent(fitted: Funnel) -> list[str]:
    """The reader's marked units without a case to compare, by name (not even hidden)."""
    codes = fitted.marked_absent()
    if not codes:
        return []
    names = data.municipality_names()
    return sorted(names.get(code, code) for code in codes)


def funnel_block(
    fitted: Funnel, unit: str, scope: Scope, filters: Filters, *, title: str, key: str
) -> None:
    """One funnel plot (see module docstring); a clear sentence when there is nothing to draw."""
    st.markdown(f"**{title}**")
    for name in _absent(fitted):
        st.caption(t("indicator_parts.marked_absent", name=name))
    if not fitted.units.height:
        st.info(t("indicator_parts.no_cases_to_compare_with"))
        return
    if not fitted.shown.height:
        st.info(t("indicator_parts.all_units_n_rest_on", n=i18n.fmt_int(fitted.hidden)))
        return
    chart = ic.funnel_chart(
        fitted,
        x_title=t("indicator_parts.cases_square_root_scale"),
        y_title=t("common.share"),
        signal_labels={code: t(words) for code, words in SIGNALS.items()},
        limit_labels={level: t(words) for level, words in LIMIT_WORDS.items()},
        target_label=t("indicator_parts.share_for_all"),
        marked_labels=(t("indicator_parts.legend.others"), t("indicator_parts.legend.marked")),
    )
    how = t(
        "indicator_parts.each_point_is_one_unit",
        units=t(UNIT_WORDS[unit]).lower(),
        target=i18n.fmt_pct(fitted.target),
        od=t("indicator_parts.the_limits_allow_for_overdispersion")
        if fitted.overdispersion
        else "",
    )
    shown = fitted.shown
    components.chart_block(
        chart,
        shown.select(
            "unit_label",
            "events",
            "total",
            "rate",
            "lower95",
            "upper95",
            "lower998",
            "upper998",
            "signal",
        ),
        how,
        int(shown["total"].sum()) if shown.height else 0,
        key=key,
        # the n adds up the units drawn (each one's count is in its tooltip); say so when some
        # are hidden, or it reads as the whole population (fewer than the page's other n)
        unit="indicator_parts.cases_in_the_units_shown" if fitted.hidden else None,
        # by municipality the country, not the filter's municipalities (they are marked)
        population=components.population_text(compared(scope, filters, unit)),
    )
    for sentence in outside_sentences(fitted, unit):
        st.markdown(sentence + ".")
    if fitted.hidden:
        st.caption(i18n.tn("indicator_parts.hidden", fitted.hidden))


def funnel_section(
    scope: Scope,
    filters: Filters,
    *,
    heading: dict[str, str],
    key: str,
    funnels: tuple[tuple[str, dict[str, str], str], ...],
    fit: Callable[..., Funnel],
) -> None:
    """A page's funnel plots: the unit and overdispersion controls, then one funnel per
    (indicator, title, key) of `funnels`, each fitted by `fit(scope, filters, indicator, unit,
    overdispersion)` (the page's query); workers, who count their own cases only, get a sentence."""
    st.subheader(t(heading))
    controls = funnel_controls(scope, key)
    if controls is None:
        st.info(t("indicator_parts.the_comparison_of_municipalities_is"))
        return
    unit, overdispersion = controls
    st.caption(comparison_text(scope, filters, unit))
    for indicator, title, block_key in funnels:
        fitted = fit(scope, filters, indicator, unit, overdispersion)
        funnel_block(fitted, unit, scope, filters, title=t(title), key=block_key)


def status_words(variation: str, assurance: str | None, language: str | None = None) -> str:
    """The control chart's icons in words: variation, and assurance when there is a target."""
    text = t(VARIATION[variation], language)
    if assurance is not None:
        text += "; " + t(ASSURANCE[assurance], language)
    return text


# Streamlit's badge colours nearest the NHS icons (the charts use the exact colours)
_BADGE = {"common_cause": "gray", "improvement": "blue", "concern": "orange"}


def status_badge(variation: str, assurance: str | None) -> None:
    """The status of a control chart in words, in its icon's colour."""
    st.markdown(f":{_BADGE[variation]}-badge[{status_words(variation, assurance)}]")
