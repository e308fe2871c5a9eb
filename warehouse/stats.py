"""Paired pre/post statistics (warehouse contract, section 6), in pure Python.

`paired_change(pre, post)` is the one place the dashboard and evaluators get a paired
t-test, a Wilcoxon signed-rank test and two standardised effect sizes from. It uses only
the standard library on purpose: scipy is not a runtime dependency of the project (numpy is,
for `lat synth`, but this module needs none of it), and the sample sizes here (one score pair
per case) are small enough that exact loops are fast.

What each number reproduces (all with d = post - pre):

- `t`, `df`, `p_t`, `ci_low`, `ci_high`: R `t.test(post, pre, paired = TRUE)`.
  t = mean(d) / (sd(d) / sqrt(n)), df = n - 1, two-sided p, CI = mean(d) +- qt(.975, df) * se.
  Like R ("data are essentially constant"), a standard error below 10 * eps * |mean(d)|
  counts as no variation, and then t, p_t, the interval and d_z are NaN.
- `wilcoxon_v`, `p_wilcoxon`: R `wilcox.test(post, pre, paired = TRUE)` with its defaults
  (exact = NULL, correct = TRUE). Zero changes are dropped; V is the sum of the average
  ranks of |d| over the positive d; m is the number of non-zero d. The p-value is exact
  (signed-rank distribution, p = min(1, 2 * min(P(V <= v), P(V >= v)))) when m < 50 and
  there are neither ties nor zero changes; otherwise z = V - m(m+1)/4, corrected by
  0.5 * sign(z), divided by sqrt(m(m+1)(2m+1)/24 - sum(t^3 - t)/48) with t the sizes of the
  tie groups, and p = 2 * min(Phi(z), Phi(-z)). All changes zero give V = 0 and p = NaN,
  as R does.
- `d_av`, `d_z` and their intervals: R package effectsize,
  `repeated_measures_d(post, pre, method = "av" | "z", adjust = TRUE)` (source:
  effectsize R/repeated_measures_d.R, `.paired_d`):
    d_av = mean(d) / s_av, s_av = sqrt((var(pre) + var(post)) / 2),
           se = sqrt(var(d) / n) / s_av            (Algina & Keselman 2003, eq. 4);
    d_z  = mean(d) / sd(d),
           se = sqrt(1 / n + d_z^2 / (2 n))         (Hedges & Olkin 1985, p. 86, eq. 14).
  The 95% interval is the normal one, d +- qnorm(.975) * se, computed on the unadjusted d;
  then d and both limits are multiplied by Hedges' correction
  J(df) = Gamma(df / 2) / (sqrt(df / 2) * Gamma((df - 1) / 2)) with df = n - 1
  (Hedges 1981; effectsize `.J`). J(1) = 0, so with exactly two pairs both effect sizes
  and their intervals are 0, as in effectsize. When s_av = 0 (pre and post both constant)
  d_av is NaN rather than infinite.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from statistics import NormalDist

from pydantic import BaseModel, ConfigDict

# Public here with the paired statistics (indicators.md sections 2-3); each lives in its module.
from warehouse.funnel import FunnelLimits, FunnelUnit, funnel_curve, funnel_limits  # noqa: F401
from warehouse.spc import Spc, SpcPoint, spc  # noqa: F401

NAN = math.nan
_Z_975 = NormalDist().inv_cdf(0.975)
# R's t.test refuses data whose standard error is below this multiple of |mean|.
_CONSTANT_TOLERANCE = 10 * 2.220446049250313e-16
# R's wilcox.test uses the exact distribution only below this many non-zero changes.
_EXACT_LIMIT = 50


class PairedChange(BaseModel):
    """Paired pre/post summary; see the module docstring for the definitions."""

    model_config = ConfigDict(frozen=True)

    n: int
    mean_pre: float
    mean_post: float
    mean_change: float
    ci_low: float
    ci_high: float
    t: float
    df: float
    p_t: float
    d_av: float
    d_av_ci_low: float
    d_av_ci_high: float
    d_z: float
    d_z_ci_low: float
    d_z_ci_high: float
    wilcoxon_v: float
    p_wilcoxon: float

    def as_dict(self) -> dict[str, float | int]:
        """The fields as a plain dict, in declaration order."""
        return self.model_dump()


def paired_change(pre: Iterable, post: Iterable) -> PairedChange:
    """Paired statistics of post - pre; pairs with a missing side are dropped.

    >>> paired_change([1, 2, 3, 4], [2, 4, 5, 4]).mean_change
    1.25
    """
    pairs = _complete_pairs(_as_list(pre, "pre"), _as_list(post, "post"))
    n = len(pairs)
    xs = [p for p, _ in pairs]
    ys = [q for _, q in pairs]
    changes = [q - p for p, q in pairs]
    means = {
        "n": n,
        "mean_pre": _mean(xs),
        "mean_post": _mean(ys),
        "mean_change": _mean(changes),
    }
    if n < 2:
        return PairedChange(**means, **dict.fromkeys(_INFERENCE_FIELDS, NAN))
    return PairedChange(
        **means,
        **_t_test(changes),
        **_d_av(xs, ys, changes),
        **_d_z(changes),
        **_wilcoxon(changes),
    )


_INFERENCE_FIELDS = (
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p_t",
    "d_av",
    "d_av_ci_low",
    "d_av_ci_high",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
    "wilcoxon_v",
    "p_wilcoxon",
)


# --- input -----------------------------------------------------------------------------


def _as_list(values: Iterable, name: str) -> list:
    """Plain Python list from a list, tuple, numpy array or polars Series."""
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of numbers, not a string")
    if hasattr(values, "to_list"):  # polars Series: nulls become None
        return list(values.to_list())
    if hasattr(values, "tolist"):  # numpy array
        return list(values.tolist())
    return list(values)


def _complete_pairs(pre: Sequence, post: Sequence) -> list[tuple[float, float]]:
    if len(pre) != len(post):
        raise ValueError(
            f"pre and post must have the same length (got {len(pre)} and {len(post)} values)"
        )
    pairs = []
    for a, b in zip(pre, post, strict=True):
        x, y = _score(a), _score(b)
        if x is not None and y is not None:
            pairs.append((x, y))
    return pairs


def _score(value: object) -> float | None:
    """A float, or None for a missing value (None or NaN)."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise ValueError(f"scores must be numbers, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"scores must be numbers, got {value!r}") from None
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"scores must be finite, got {value!r}")
    return number


# --- descriptive -----------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float:
    # fsum keeps the mean exact to the last bit, close to R's long-double mean().
    return math.fsum(values) / len(values) if values else NAN


def _var(values: Sequence[float]) -> float:
    """Sample variance (denominator n - 1), two-pass like R's var()."""
    m = _mean(values)
    return math.fsum((v - m) ** 2 for v in values) / (len(values) - 1)


def _is_constant(se: float, mean: float) -> bool:
    return se == 0 or se < _CONSTANT_TOLERANCE * abs(mean)


# --- paired t-test ---------------------------------------------------------------------


def _t_test(changes: Sequence[float]) -> dict[str, float]:
    n = len(changes)
    df = float(n - 1)
    mean = _mean(changes)
    se = math.sqrt(_var(changes) / n)
    if _is_constant(se, mean):
        return {"ci_low": NAN, "ci_high": NAN, "t": NAN, "df": df, "p_t": NAN}
    t = mean / se
    half_width = t_quantile(0.975, df) * se
    return {
        "ci_low": mean - half_width,
        "ci_high": mean + half_width,
        "t": t,
        "df": df,
        "p_t": t_two_sided_p(t, df),
    }


# --- effect sizes (effectsize::repeated_measures_d, adjust = TRUE) ---------------------


def hedges_j(df: float) -> float:
    """Hedges' small-sample correction Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    if df <= 1:
        return 0.0  # Gamma((df-1)/2) is infinite at df = 1, as in effectsize's .J
    return math.exp(math.lgamma(df / 2) - math.log(math.sqrt(df / 2)) - math.lgamma((df - 1) / 2))


def _adjusted(d: float, se: float, df: float, prefix: str) -> dict[str, float]:
    """d and its normal 95% interval, all multiplied by Hedges' J (effectsize's order)."""
    j = hedges_j(df)
    # "+ 0.0" turns the -0.0 that J = 0 can give into 0.0, so it never prints as "-0".
    return {
        prefix: d * j + 0.0,
        f"{prefix}_ci_low": (d - _Z_975 * se) * j + 0.0,
        f"{prefix}_ci_high": (d + _Z_975 * se) * j + 0.0,
    }


def _d_av(pre: Sequence[float], post: Sequence[float], changes: Sequence[float]) -> dict:
    n = len(changes)
    s_av = math.sqrt((_var(pre) + _var(post)) / 2)
    if s_av == 0:
        return {"d_av": NAN, "d_av_ci_low": NAN, "d_av_ci_high": NAN}
    d = _mean(changes) / s_av
    se = math.sqrt(_var(changes) / n) / s_av
    return _adjusted(d, se, n - 1, "d_av")


def _d_z(changes: Sequence[float]) -> dict:
    n = len(changes)
    mean = _mean(changes)
    sd = math.sqrt(_var(changes))
    if _is_constant(sd / math.sqrt(n), mean):
        return {"d_z": NAN, "d_z_ci_low": NAN, "d_z_ci_high": NAN}
    d = mean / sd
    se = math.sqrt(1 / n + d**2 / (2 * n))
    return _adjusted(d, se, n - 1, "d_z")


# --- Wilcoxon signed-rank test ---------------------------------------------------------


def _wilcoxon(changes: Sequence[float]) -> dict[str, float]:
    has_zeros = any(c == 0 for c in changes)
    nonzero = [c for c in changes if c != 0]
    m = len(nonzero)
    ranks = average_ranks([abs(c) for c in nonzero])
    v = math.fsum(r for r, c in zip(ranks, nonzero, strict=True) if c > 0)
    tie_sizes = Counter(ranks).values()
    has_ties = any(size > 1 for size in tie_sizes)
    if m < _EXACT_LIMIT and not has_ties and not has_zeros:
        p = _signrank_exact_p(round(v), m)
    else:
        p = _signrank_normal_p(v, m, tie_sizes)
    return {"wilcoxon_v": v, "p_wilcoxon": p}


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n with ties given their average rank (R's rank(), ties = "average")."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _signrank_exact_p(v: int, m: int) -> float:
    counts = _signrank_counts(m)
    total = 2**m
    lower = sum(counts[: v + 1]) / total
    upper = sum(counts[v:]) / total
    return min(1.0, 2 * min(lower, upper))


@lru_cache(maxsize=64)
def _signrank_counts(m: int) -> tuple[int, ...]:
    """counts[s] = number of subsets of {1..m} whose sum is s (exact integers)."""
    counts = [1] + [0] * (m * (m + 1) // 2)
    top = 0
    for rank in range(1, m + 1):
        top += rank
        for s in range(top, rank - 1, -1):
            counts[s] += counts[s - rank]
    return tuple(counts)


def _signrank_normal_p(v: float, m: int, tie_sizes: Iterable[int]) -> float:
    z = v - m * (m + 1) / 4
    tie_term = sum(t**3 - t for t in tie_sizes) / 48
    sigma = math.sqrt(m * (m + 1) * (2 * m + 1) / 24 - tie_term)
    if sigma == 0:
        return NAN  # no non-zero changes: R gives NaN too
    z = (z - math.copysign(0.5, z) * (z != 0)) / sigma
    return math.erfc(abs(z) / math.sqrt(2))  # = 2 * min(Phi(z), Phi(-z))


# --- Student t distribution ------------------------------------------------------------


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    if math.isnan(t):
        return NAN
    if math.isinf(t):
        return 0.0
    return regularized_beta(df / (df + t * t), df / 2, 0.5)


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t for 0.5 <= p < 1, by bisection on the exact tail."""
    tail = 2 * (1 - p)
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > tail:
        low, high = high, high * 2
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):
            break
        if t_two_sided_p(mid, df) > tail:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) by the continued fraction of Numerical Recipes (betai/betacf)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    # The fraction converges fast only on this side of the mean; use symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1 - math.exp(log_front) * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """Modified Lentz evaluation of the incomplete beta continued fraction."""
    tiny, eps = 1e-300, 1e-16
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < eps:
            break
    return result
