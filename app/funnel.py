"""Funnel plots for the dashboard and the leadership report (indicators.md section 2): limits
for the viewer's units, with small units hidden and the reader's own marked. No Streamlit here;
the page parts are in app/indicator_parts.py.

`fit(counts, overdispersion=..., treatment=..., marked=...)` takes one row per unit (`unit_code,
unit_label, events, total`, unsuppressed) and returns a `Funnel`: the units with their rate,
limits and signal from `warehouse.stats.funnel_limits`, hidden where the small-number rule says
so, the limit curves to draw (`warehouse.stats.funnel_curve`), the target and how many units are
hidden. `marked` names the reader's units (`is_marked`): the municipalities of the filter against
the country, the leadership report's municipality. Marking changes no figure: a marked unit is
fitted, published and hidden like any other, and a hidden one is only named as hidden
(`marked_hidden`), never drawn.

The limits are fitted on every unit, hidden ones included: the target is the share of all the
units' cases (contract), and a hidden unit still counts towards it. Only what is drawn and named
is suppressed, by the same rule as every other share (app/suppression.py), so a unit's count
or its rate is never shown when it rests on 1-4 cases or would give such a one away. Where the
view's counts are perturbed (a coordinator looking beyond their own municipalities, leadership,
presentation mode), the units' counts carry their cell-key noise before anything is fitted, so a
unit's size on the x axis is the published one: two funnels of neighbouring periods cannot be
subtracted to find a small group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from app import suppression
from warehouse.stats import funnel_curve, funnel_limits

LIMITS = ("lower998", "lower95", "upper95", "upper998")
CURVE_POINTS = 80


@dataclass(frozen=True)
class Funnel:
    units: pl.DataFrame  # shown and hidden units; hidden ones have null figures
    curve: pl.DataFrame  # total, lower998, lower95, upper95, upper998
    target: float | None
    hidden: int
    overdispersion: bool
    marked: tuple[str, ...] = ()  # the reader's unit codes, as asked (some may have no cases)

    @property
    def shown(self) -> pl.DataFrame:
        return self.units.filter(~pl.col("suppressed"))

    def marked_shown(self) -> pl.DataFrame:
        """The reader's units that are drawn, by name."""
        return self.shown.filter(pl.col("is_marked")).sort("unit_label")

    def marked_hidden(self) -> list[str]:
        """The names of the reader's units that are hidden (counted in the limits, not drawn)."""
        hidden = self.units.filter(pl.col("is_marked") & pl.col("suppressed"))
        return sorted(hidden["unit_label"].to_list())

    def marked_absent(self) -> list[str]:
        """The codes of the reader's units without a case to compare."""
        present = set(self.units["unit_code"].to_list()) if self.units.height else set()
        return [code for code in self.marked if code not in present]

    def others_hidden(self) -> int:
        """Hidden units that are not the reader's."""
        return self.hidden - len(self.marked_hidden())

    def outside(self) -> pl.DataFrame:
        """Shown units outside the 99.8% limits (`signal` high or low)."""
        return self.shown.filter(pl.col("signal") != "none")


UNIT_RULE = suppression.Rule(count="total", numerator="events", total_group="all_units")
SHOWN_WITH_UNIT = ("total", "events", "rate", *LIMITS, "signal")


def _sizes(largest: int) -> list[int]:
    """Totals to draw the curves at: every one up to 20, then geometric steps to `largest`."""
    if largest <= 20:
        return list(range(1, largest + 1))
    steps = [math.exp(math.log(20) + i * (math.log(largest) - math.log(20)) / CURVE_POINTS)
             for i in range(CURVE_POINTS + 1)]  # fmt: skip
    return sorted(set(range(1, 21)) | {round(s) for s in steps} | {largest})


def _empty(overdispersion: bool, marked: tuple[str, ...]) -> Funnel:
    schema = {"total": pl.Int64} | {c: pl.Float64 for c in LIMITS}
    return Funnel(pl.DataFrame(), pl.DataFrame(schema=schema), None, 0, overdispersion, marked)


def _published(counts: pl.DataFrame, how: suppression.Treatment) -> pl.DataFrame:
    """Every unit's counts as published (perturbed where the view is), with its hidden flag."""
    grouped = counts.with_columns(pl.lit("units").alias("all_units"))
    noise = suppression.Treatment(hide=False, perturb=how.perturb)
    published = suppression.apply(grouped, UNIT_RULE, on=noise)
    hiding = suppression.Treatment(hide=how.hide, perturb=False)
    hidden = suppression.apply(grouped, UNIT_RULE, on=hiding)["suppressed"]
    if how.perturb:
        # a hidden unit is never drawn: its noisy counts enter the fit as they are, not lifted
        # to 5 as a shown count is (that lifted the target of many small units far off)
        unshown = suppression.noisy_counts(grouped, UNIT_RULE).with_columns(
            pl.col("total").clip(lower_bound=1)  # a unit of the fit has a case (its 1-2 less 2)
        )
        published = published.with_columns(
            pl.when(hidden).then(unshown[c]).otherwise(pl.col(c)).alias(c)
            for c in ("events", "total")
        )
    # noise on each count alone may lift the events above the total
    events = pl.min_horizontal("events", "total").alias("events")
    return published.drop("all_units", "suppressed", "suppressed_by").with_columns(
        events, hidden.alias("suppressed")
    )


def fit(
    counts: pl.DataFrame,
    *,
    overdispersion: bool,
    treatment: bool | suppression.Treatment,
    marked: Sequence[str] = (),
) -> Funnel:
    """The funnel of `counts` (see module docstring); units without cases are left out.

    `treatment` is the view's (app.data.treatment); True hides small units without noise.
    `marked`: the unit codes to mark (`is_marked`)."""
    marked = tuple(marked)
    how = (
        treatment
        if isinstance(treatment, suppression.Treatment)
        else (suppression.PUBLISHED if treatment else suppression.EXACT)
    )
    counts = _published(counts.filter(pl.col("total") > 0), how)
    if not counts.height:
        return _empty(overdispersion, marked)
    limits = funnel_limits(counts["events"], counts["total"], overdispersion=overdispersion)
    fitted = counts.with_columns(
        pl.Series("rate", [u.rate for u in limits.units], dtype=pl.Float64),
        *(pl.Series(c, [getattr(u, c) for u in limits.units], dtype=pl.Float64) for c in LIMITS),
        pl.Series("signal", [u.signal for u in limits.units], dtype=pl.String),
        pl.col("unit_code").is_in(list(marked)).alias("is_marked"),
    )
    units = fitted.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
        for c in SHOWN_WITH_UNIT
    )
    shown = units.filter(~pl.col("suppressed"))
    # the curves reach the largest unit drawn, never a hidden one's size
    largest = int(shown["total"].max()) if shown.height else 1
    sizes = _sizes(max(largest, 2))
    curve = pl.DataFrame(
        [(n, *lim) for n, lim in zip(sizes, funnel_curve(limits.target, sizes, tau2=limits.tau2),
                                     strict=True)],
        schema={"total": pl.Int64} | {c: pl.Float64 for c in LIMITS},
        orient="row",
    )  # fmt: skip
    hidden = units.height - shown.height
    return Funnel(units, curve, limits.target, hidden, overdispersion, marked)
