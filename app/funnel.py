"""Funnel plots for the dashboard (indicators.md section 2): limits for the viewer's units, with
small units hidden. No Streamlit here; the page parts are in app/indicator_parts.py.

`fit(counts, overdispersion=..., suppress=...)` takes one row per unit (`unit_code, unit_label,
events, total`, unsuppressed) and returns a `Funnel`: the units with their rate, limits and
signal from `warehouse.stats.funnel_limits`, hidden where the small-number rule says so, the
limit curves to draw (`warehouse.stats.funnel_curve`), the target and how many units are hidden.

The limits are fitted on every unit, hidden ones included: the target is the share of all the
units' cases (contract), and a hidden unit still counts towards it. Only what is drawn and named
is suppressed, by the same rule as every other share (app/suppression.py), so a unit's count
or its rate is never shown when it rests on 1-4 cases or would give such a one away.
"""

from __future__ import annotations

import math
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

    @property
    def shown(self) -> pl.DataFrame:
        return self.units.filter(~pl.col("suppressed"))

    def outside(self) -> pl.DataFrame:
        """Shown units outside the 99.8% limits (`signal` high or low)."""
        return self.shown.filter(pl.col("signal") != "none")


UNIT_RULE = suppression.Rule(
    count="total",
    values=("events", "rate", *LIMITS, "signal"),
    numerator="events",
    total_group="all_units",
)


def _sizes(largest: int) -> list[int]:
    """Totals to draw the curves at: every one up to 20, then geometric steps to `largest`."""
    if largest <= 20:
        return list(range(1, largest + 1))
    steps = [math.exp(math.log(20) + i * (math.log(largest) - math.log(20)) / CURVE_POINTS)
             for i in range(CURVE_POINTS + 1)]  # fmt: skip
    return sorted(set(range(1, 21)) | {round(s) for s in steps} | {largest})


def _empty(overdispersion: bool) -> Funnel:
    schema = {"total": pl.Int64} | {c: pl.Float64 for c in LIMITS}
    return Funnel(pl.DataFrame(), pl.DataFrame(schema=schema), None, 0, overdispersion)


def fit(counts: pl.DataFrame, *, overdispersion: bool, suppress: bool) -> Funnel:
    """The funnel of `counts` (see module docstring); units without cases are left out."""
    counts = counts.filter(pl.col("total") > 0)
    if not counts.height:
        return _empty(overdispersion)
    limits = funnel_limits(counts["events"], counts["total"], overdispersion=overdispersion)
    fitted = counts.with_columns(
        pl.Series("rate", [u.rate for u in limits.units], dtype=pl.Float64),
        *(pl.Series(c, [getattr(u, c) for u in limits.units], dtype=pl.Float64) for c in LIMITS),
        pl.Series("signal", [u.signal for u in limits.units], dtype=pl.String),
        pl.lit("units").alias("all_units"),
    )
    units = suppression.apply(fitted, UNIT_RULE, on=suppress).drop("all_units")
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
    return Funnel(units, curve, limits.target, hidden, overdispersion)
