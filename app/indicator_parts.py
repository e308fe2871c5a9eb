"""Page parts for the indicators (indicators.md sections 2-3), shared by several pages: the
funnel-plot controls and blocks, and the control chart's status in words.

- `funnel_controls(scope, key)`: which units to compare (municipalities, workers) and the
  overdispersion toggle (on by default for municipalities); None when the viewer compares none.
- `funnel_block(fitted, unit, filters, title=..., key=...)`: one funnel plot with how to read it,
  the units outside the 99.8% limits named in a sentence, and "n enheder skjult".
- `outside_sentences(fitted, unit, filters, language)`: those sentences (testable alone).
- `status_words(variation, assurance, language)`: an XmR chart's variation and assurance as text;
  `status_badge(variation, assurance)` shows them in the icon's colour.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import components, i18n
from app.filters import Filters
from app.funnel import Funnel
from app.i18n import tr
from app.page_charts import indicators as ic
from app.queries import funnel_units
from app.scope import Scope

UNIT_WORDS = {
    "municipality": {"da": "Kommuner", "en": "Municipalities"},
    "worker": {"da": "Medarbejdere", "en": "Workers"},
}
SIGNALS = {
    "none": {"da": "Inden for kontrolgrænserne", "en": "Within the control limits"},
    "high": {"da": "Over kontrolgrænsen", "en": "Above the control limit"},
    "low": {"da": "Under kontrolgrænsen", "en": "Below the control limit"},
}
LIMIT_WORDS = {"95": {"da": "95 %-grænser", "en": "95% limits"},
               "998": {"da": "99,8 %-grænser", "en": "99.8% limits"}}  # fmt: skip
_OUTSIDE = {
    "high": {"da": "{name} ligger over kontrolgrænsen: {rate} mod {target} {where}",
             "en": "{name} lies above the control limit: {rate} against {target} {where}"},
    "low": {"da": "{name} ligger under kontrolgrænsen: {rate} mod {target} {where}",
            "en": "{name} lies below the control limit: {rate} against {target} {where}"},
}  # fmt: skip
HIDDEN_ONE = {
    "da": "1 enhed skjult (under 5 forløb, eller den kunne regnes ud).",
    "en": "1 unit hidden (fewer than 5 cases, or it could be worked out).",
}
HIDDEN_MANY = {
    "da": "{n} enheder skjult (under 5 forløb, eller de kunne regnes ud).",
    "en": "{n} units hidden (fewer than 5 cases, or they could be worked out).",
}
_WHERE = {
    "country": {"da": "i hele landet", "en": "in the whole country"},
    "chosen": {"da": "i de valgte kommuner", "en": "in the chosen municipalities"},
    "workers": {"da": "for alle viste medarbejdere", "en": "for all workers shown"},
}
VARIATION = {
    "common_cause": {
        "da": "Almindelig variation: ingen tegn på en reel ændring",
        "en": "Common cause variation: no sign of a real change",
    },
    "improvement": {
        "da": "Særlig variation i retning af forbedring",
        "en": "Special cause variation pointing to improvement",
    },
    "concern": {
        "da": "Særlig variation, der giver anledning til bekymring",
        "en": "Special cause variation giving cause for concern",
    },
}
ASSURANCE = {
    "pass": {"da": "målet nås stabilt", "en": "the target is met consistently"},
    "fail": {"da": "målet nås ikke uden en ændring", "en": "the target will not be met "
                                                          "without a change"},
    "hit_and_miss": {"da": "målet nås kun nogle måneder", "en": "the target is hit and missed"},
}  # fmt: skip


def funnel_controls(scope: Scope, key: str) -> tuple[str, bool] | None:
    """The unit to compare and whether to allow for overdispersion (shown as a toggle)."""
    units = funnel_units(scope)
    if not units:
        return None
    left, right = st.columns([1, 2])
    unit = left.selectbox(
        tr({"da": "Sammenlign", "en": "Compare"}), units,
        format_func=lambda u: tr(UNIT_WORDS[u]), key=f"{key}_unit",
    )  # fmt: skip
    right.write("")  # aligns the toggle with the select box
    overdispersion = right.toggle(
        tr({"da": "Tag højde for overspredning", "en": "Allow for overdispersion"}),
        value=unit == "municipality",
        key=f"{key}_overdispersion_{unit}",
        help=tr({"da": "Kommuner varierer mere end tilfældet alene giver; med overspredning "
                       "bliver grænserne bredere, så kun de tydelige afvigelser skiller sig ud.",
                 "en": "Municipalities vary more than chance alone gives; allowing for "
                       "overdispersion widens the limits so that only clear deviations stand "
                       "out."}),
    )  # fmt: skip
    return unit, overdispersion


def _where(unit: str, filters: Filters) -> str:
    if unit == "worker":
        return "workers"
    return "chosen" if filters.municipalities else "country"


def outside_sentences(
    fitted: Funnel, unit: str, filters: Filters, language: str | None = None
) -> list[str]:
    """One sentence per shown unit outside the 99.8% limits, lowest share first."""
    where = tr(_WHERE[_where(unit, filters)], language)
    target = i18n.fmt_pct(fitted.target, 0, language)
    return [
        tr(_OUTSIDE[row["signal"]], language, name=row["unit_label"],
           rate=i18n.fmt_pct(row["rate"], 0, language), target=target, where=where)
        for row in fitted.outside().sort("rate", "unit_label").iter_rows(named=True)
    ]  # fmt: skip


def funnel_block(fitted: Funnel, unit: str, filters: Filters, *, title: str, key: str) -> None:
    """One funnel plot (see module docstring); a clear sentence when there is nothing to draw."""
    st.markdown(f"**{title}**")
    if not fitted.units.height:
        st.info(tr({"da": "Ingen forløb at sammenligne med de valgte filtre.",
                    "en": "No cases to compare with the chosen filters."}))  # fmt: skip
        return
    if not fitted.shown.height:
        st.info(tr({"da": "Alle enheder ({n}) bygger på under 5 forløb (eller kunne regnes ud) "
                          "og er skjult.",
                    "en": "All units ({n}) rest on fewer than 5 cases (or could be worked out) "
                          "and are hidden."}, n=i18n.fmt_int(fitted.hidden)))  # fmt: skip
        return
    chart = ic.funnel_chart(
        fitted,
        x_title=tr({"da": "Antal forløb (kvadratrodsskala)", "en": "Cases (square-root scale)"}),
        y_title=tr({"da": "Andel", "en": "Share"}),
        signal_labels={code: tr(words) for code, words in SIGNALS.items()},
        limit_labels={level: tr(words) for level, words in LIMIT_WORDS.items()},
        target_label=tr({"da": "Andel for alle", "en": "Share for all"}),
    )  # fmt: skip
    how = tr({"da": "Hvert punkt er én enhed ({units}): dens andel mod dens antal forløb. Den "
                    "vandrette linje er andelen for alle ({target}); grænserne snævrer ind, jo "
                    "flere forløb en enhed har. Et punkt uden for de fuldt optrukne 99,8 %-"
                    "grænser afviger mere, end tilfældet kan forklare.{od}",
              "en": "Each point is one unit ({units}): its share against its number of cases. "
                    "The horizontal line is the share for all ({target}); the limits narrow the "
                    "more cases a unit has. A point outside the solid 99.8% limits differs more "
                    "than chance explains.{od}"},
             units=tr(UNIT_WORDS[unit]).lower(), target=i18n.fmt_pct(fitted.target),
             od=tr({"da": " Grænserne tager højde for overspredning.",
                    "en": " The limits allow for overdispersion."}) if fitted.overdispersion
             else "")  # fmt: skip
    shown = fitted.shown
    components.chart_block(
        chart,
        shown.select("unit_label", "events", "total", "rate", "lower95", "upper95",
                     "lower998", "upper998", "signal"),
        how,
        int(shown["total"].sum()) if shown.height else 0,
        key=key,
        # the n adds up the units drawn (each one's count is in its tooltip); say so when some
        # are hidden, or it reads as the whole population (fewer than the page's other n)
        unit=tr({"da": "forløb i de viste enheder", "en": "cases in the units shown"})
        if fitted.hidden else None,
    )  # fmt: skip
    for sentence in outside_sentences(fitted, unit, filters):
        st.markdown(sentence + ".")
    if fitted.hidden:
        st.caption(
            tr(HIDDEN_ONE if fitted.hidden == 1 else HIDDEN_MANY, n=i18n.fmt_int(fitted.hidden))
        )


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
    st.subheader(tr(heading))
    controls = funnel_controls(scope, key)
    if controls is None:
        st.info(tr({"da": "Sammenligningen af kommuner vises ikke for medarbejdere.",
                    "en": "The comparison of municipalities is not shown to workers."}))  # fmt: skip
        return
    unit, overdispersion = controls
    for indicator, title, block_key in funnels:
        fitted = fit(scope, filters, indicator, unit, overdispersion)
        funnel_block(fitted, unit, filters, title=tr(title), key=block_key)


def status_words(variation: str, assurance: str | None, language: str | None = None) -> str:
    """The control chart's icons in words: variation, and assurance when there is a target."""
    text = tr(VARIATION[variation], language)
    if assurance is not None:
        text += "; " + tr(ASSURANCE[assurance], language)
    return text


# Streamlit's badge colours nearest the NHS icons (the charts use the exact colours)
_BADGE = {"common_cause": "gray", "improvement": "blue", "concern": "orange"}


def status_badge(variation: str, assurance: str | None) -> None:
    """The status of a control chart in words, in its icon's colour."""
    st.markdown(f":{_BADGE[variation]}-badge[{status_words(variation, assurance)}]")
