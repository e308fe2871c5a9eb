"""Funnel-plot control limits for shares (indicators.md section 2), public as
`warehouse.stats.funnel_limits`.

Without overdispersion: exact binomial limits around the overall share with Spiegelhalter's
interpolation (Statistics in Medicine 2005; 24:1185, appendix A.1.1). With overdispersion: the
arcsine scale with a DerSimonian-Laird additive random effect, as the R package FunnelPlotR does.
Pure Python, like the paired statistics: scipy is a test dependency only.

`warehouse.stats.funnel_curve(target, totals, tau2=...)` gives the same limits at any totals, for
drawing the funnel's curves between the units (not in the contract; the dashboard's helper).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

# (lower 99.8%, lower 95%, upper 95%, upper 99.8%) probabilities and their normal quantiles
_PROBABILITIES = (0.001, 0.025, 0.975, 0.999)
_Z = {95: 1.959964, 998: 3.090232}
# R's qbinom searches with p * (1 - 64 * DBL_EPSILON) so that F(r) == p is found despite rounding
_FUZZ = 1 - 64 * 2.220446049250313e-16


class FunnelUnit(BaseModel):
    model_config = ConfigDict(frozen=True)

    """One unit (municipality, worker) with its share and the limits at its size."""

    events: int
    total: int
    rate: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float
    signal: str  # 'high' | 'low' | 'none'


class FunnelLimits(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: float
    phi: float | None
    tau2: float | None
    units: list[FunnelUnit]


def funnel_limits(
    events: Iterable[int], totals: Iterable[int], *, overdispersion: bool = False
) -> FunnelLimits:
    """Limits around the overall share for each unit, in input order.

    >>> funnel_limits([1, 3], [4, 4]).target
    0.5
    """
    events, totals = _checked(events, totals)
    target = sum(events) / sum(totals)
    if overdispersion:
        limits, phi, tau2 = _arcsine_limits(events, totals, target)
    else:
        limits, phi, tau2 = [_binomial_limits(n, target) for n in totals], None, None
    units = [
        _unit(r, n, low998, low95, up95, up998)
        for r, n, (low998, low95, up95, up998) in zip(events, totals, limits, strict=True)
    ]
    return FunnelLimits(target=target, phi=phi, tau2=tau2, units=units)


def funnel_curve(
    target: float, totals: Iterable[int], *, tau2: float | None = None
) -> list[tuple[float, float, float, float]]:
    """The limits (lower998, lower95, upper95, upper998) at each total around `target`: the
    curves a funnel plot draws between its units. `tau2` None gives the exact binomial limits,
    a number the overdispersed ones with that random effect (`funnel_limits(...).tau2`), so the
    curves are the units' own limits wherever a unit lies.

    >>> funnel_curve(0.5, [10])[0][0] < 0.5 < funnel_curve(0.5, [10])[0][3]
    True
    """
    sizes = _integers(totals, "totals")
    if any(n < 1 for n in sizes):
        raise ValueError("totals must be at least 1")
    if tau2 is None:
        return [_binomial_limits(n, target) for n in sizes]
    y0 = math.asin(math.sqrt(target))
    return [_arcsine_limit(y0, 1 / (2 * math.sqrt(n)), tau2) for n in sizes]


def _unit(r: int, n: int, low998: float, low95: float, up95: float, up998: float) -> FunnelUnit:
    rate = r / n
    signal = "high" if rate > up998 else "low" if rate < low998 else "none"
    return FunnelUnit(
        events=r,
        total=n,
        rate=rate,
        lower95=low95,
        upper95=up95,
        lower998=low998,
        upper998=up998,
        signal=signal,
    )


def _checked(events: Iterable[int], totals: Iterable[int]) -> tuple[list[int], list[int]]:
    events, totals = _integers(events, "events"), _integers(totals, "totals")
    if len(events) != len(totals):
        raise ValueError(
            f"events and totals must have the same length ({len(events)} and {len(totals)})"
        )
    if not totals:
        raise ValueError("funnel limits need at least one unit")
    for i, (r, n) in enumerate(zip(events, totals, strict=True)):
        if n < 1:
            raise ValueError(f"totals[{i}] is {n}: every unit needs at least one case")
        if r < 0 or r > n:
            raise ValueError(f"events[{i}] is {r}: it must lie between 0 and totals[{i}] ({n})")
    return events, totals


def _integers(values: Iterable, name: str) -> list[int]:
    out = []
    for i, value in enumerate(values):
        if isinstance(value, bool):
            raise ValueError(f"{name}[{i}] is {value!r}: a count must be an integer")
        try:
            out.append(operator.index(value))
        except TypeError:
            if isinstance(value, float) and value.is_integer():
                out.append(int(value))
            else:
                raise ValueError(f"{name}[{i}] is {value!r}: a count must be an integer") from None
    return out


# --- exact binomial limits ------------------------------------------------------------------


def _binomial_limits(n: int, theta: float) -> tuple[float, float, float, float]:
    if theta in (0.0, 1.0):
        return (theta,) * 4
    cdf = _BinomialCdf(n, theta)
    return tuple(_interpolated_limit(cdf, p) for p in _PROBABILITIES)


def _interpolated_limit(cdf: _BinomialCdf, p: float) -> float:
    r = cdf.quantile(p)
    f_r, f_before = cdf(r), cdf(r - 1)
    alpha = (f_r - p) / (f_r - f_before)
    return min(1.0, max(0.0, (r - alpha) / cdf.n))


class _BinomialCdf:
    """F(k) of Binomial(n, theta), summed once from log-probabilities (no underflow trouble)."""

    def __init__(self, n: int, theta: float):
        self.n = n
        log_p, log_q = math.log(theta), math.log1p(-theta)
        base = math.lgamma(n + 1)
        total, self._cumulative = 0.0, []
        for k in range(n + 1):
            log_pmf = base - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p
            total += math.exp(log_pmf + (n - k) * log_q)
            self._cumulative.append(min(total, 1.0))
        self._cumulative[-1] = 1.0

    def __call__(self, k: int) -> float:
        if k < 0:
            return 0.0
        return self._cumulative[min(k, self.n)]

    def quantile(self, p: float) -> int:
        """The smallest r with F(r) >= p (R's qbinom, with its fuzz)."""
        wanted = p * _FUZZ
        low, high = 0, self.n
        while low < high:
            mid = (low + high) // 2
            if self._cumulative[mid] >= wanted:
                high = mid
            else:
                low = mid + 1
        return low


# --- overdispersed limits on the arcsine scale ----------------------------------------------


def _arcsine_limits(
    events: Sequence[int], totals: Sequence[int], target: float
) -> tuple[list[tuple[float, float, float, float]], float, float]:
    y0 = math.asin(math.sqrt(target))
    s = [1 / (2 * math.sqrt(n)) for n in totals]
    z = [
        (math.asin(math.sqrt(r / n)) - y0) / si for r, n, si in zip(events, totals, s, strict=True)
    ]
    low, high = quantile7(z, 0.10), quantile7(z, 0.90)
    winsorised = [min(high, max(low, zi)) for zi in z]
    k = len(z)
    phi = sum(zi * zi for zi in winsorised) / k
    weights = [1 / (si * si) for si in s]
    tau2 = 0.0
    if k * phi > k - 1:
        tau2 = (k * phi - (k - 1)) / (sum(weights) - sum(w * w for w in weights) / sum(weights))
    return [_arcsine_limit(y0, si, tau2) for si in s], phi, tau2


def _arcsine_limit(y0: float, s: float, tau2: float) -> tuple[float, float, float, float]:
    spread = math.sqrt(s * s + tau2)
    return (
        _sin2(y0 - _Z[998] * spread),
        _sin2(y0 - _Z[95] * spread),
        _sin2(y0 + _Z[95] * spread),
        _sin2(y0 + _Z[998] * spread),
    )


def _sin2(angle: float) -> float:
    return math.sin(min(math.pi / 2, max(0.0, angle))) ** 2


def quantile7(values: Sequence[float], q: float) -> float:
    """R's quantile(type = 7): linear interpolation between order statistics."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])
