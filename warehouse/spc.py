"""XmR control charts with the NHS "Making Data Count" rules (indicators.md section 3), public as
`warehouse.stats.spc`; the R package NHSRplotthedots implements the same chart.

Rules, in the order `rules` lists them and `direction` is decided:
- outside_limits: above `upper` or below `lower`;
- shift: part of a run of 7 or more values all strictly above (or all strictly below) the mean;
  a value equal to the mean ends a run;
- trend: part of a run of 7 or more values each strictly greater (or smaller) than the one
  before (6 steps); a value that ends one run and starts the opposite one keeps the first;
- two_of_three: in a window of three consecutive values at least two lie strictly beyond the
  same 2-sigma line; each of those values is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two
_SCREEN_FACTOR = 3.267  # D4 for n = 2: moving ranges above this times their mean are left out
_RUN = 7
_SHORT = 12
RULES = ("outside_limits", "shift", "trend", "two_of_three")


class SpcPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float
    special_cause: bool
    direction: str | None  # 'high' | 'low' | None
    rules: list[str]


class Spc(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean: float
    mr_mean: float
    lower: float
    upper: float
    too_short: bool
    variation: str  # 'common_cause' | 'improvement' | 'concern'
    assurance: str | None  # 'pass' | 'fail' | 'hit_and_miss' | None without a target
    points: list[SpcPoint]


def spc(values: Iterable, *, improvement: str = "up", target: float | None = None) -> Spc:
    """An XmR chart of the values (None and NaN dropped first).

    >>> spc([1, 2, 3]).mean
    2.0
    """
    if improvement not in ("up", "down"):
        raise ValueError(f"improvement must be 'up' or 'down', not {improvement!r}")
    xs = _kept(values)
    if len(xs) < 2:
        raise ValueError(f"a control chart needs at least 2 values, got {len(xs)}")
    mean = sum(xs) / len(xs)
    mr_mean = _screened_mr_mean(xs)
    upper, lower = mean + _LIMIT_FACTOR * mr_mean, mean - _LIMIT_FACTOR * mr_mean
    sigma2 = (2 / 3) * _LIMIT_FACTOR * mr_mean
    flags = {
        "outside_limits": [_outside(x, lower, upper) for x in xs],
        "shift": _runs([_side(x, mean) for x in xs]),
        "trend": _trends(xs),
        "two_of_three": _two_of_three(xs, mean + sigma2, mean - sigma2),
    }
    points = [_point(i, x, flags) for i, x in enumerate(xs)]
    return Spc(
        mean=mean,
        mr_mean=mr_mean,
        lower=lower,
        upper=upper,
        too_short=len(xs) < _SHORT,
        variation=_variation(points[-1], improvement),
        assurance=_assurance(lower, upper, target, improvement),
        points=points,
    )


def _kept(values: Iterable) -> list[float]:
    kept = []
    for value in values:
        if value is None:
            continue
        number = float(value)
        if not math.isnan(number):
            kept.append(number)
    return kept


def _screened_mr_mean(xs: Sequence[float]) -> float:
    ranges = [abs(b - a) for a, b in zip(xs, xs[1:], strict=False)]
    ceiling = _SCREEN_FACTOR * sum(ranges) / len(ranges)
    kept = [r for r in ranges if r <= ceiling]
    return sum(kept) / len(kept)


def _outside(x: float, lower: float, upper: float) -> str | None:
    return "high" if x > upper else "low" if x < lower else None


def _side(x: float, mean: float) -> str | None:
    return "high" if x > mean else "low" if x < mean else None


def _runs(labels: Sequence[str | None]) -> list[str | None]:
    """Each value's label when it belongs to a run of >= 7 equal, non-None labels."""
    out: list[str | None] = [None] * len(labels)
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            if labels[start] is not None and i - start >= _RUN:
                out[start:i] = [labels[start]] * (i - start)
            start = i
    return out


def _trends(xs: Sequence[float]) -> list[str | None]:
    """Runs of 6 strictly rising (or falling) steps; the first value of a run belongs to it."""
    steps = [None] + [
        "high" if b > a else "low" if b < a else None for a, b in zip(xs, xs[1:], strict=False)
    ]
    out: list[str | None] = [None] * len(xs)
    start = 1
    for i in range(2, len(xs) + 1):
        if i == len(xs) or steps[i] != steps[start]:
            if steps[start] is not None and i - start >= _RUN - 1:
                for j in range(start - 1, i):
                    # a peak or trough shared by two runs keeps the earlier run's direction
                    out[j] = out[j] or steps[start]
            start = i
    return out


def _two_of_three(xs: Sequence[float], upper2: float, lower2: float) -> list[str | None]:
    out: list[str | None] = [None] * len(xs)
    for start in range(len(xs) - 2):
        window = range(start, start + 3)
        for direction, beyond in (("high", lambda x: x > upper2), ("low", lambda x: x < lower2)):
            hits = [j for j in window if beyond(xs[j])]
            if len(hits) >= 2:
                for j in hits:
                    out[j] = direction
    return out


def _point(i: int, x: float, flags: dict[str, list[str | None]]) -> SpcPoint:
    met = [rule for rule in RULES if flags[rule][i] is not None]
    direction = flags[met[0]][i] if met else None
    return SpcPoint(value=x, special_cause=bool(met), direction=direction, rules=met)


def _variation(last: SpcPoint, improvement: str) -> str:
    if not last.special_cause:
        return "common_cause"
    better = "high" if improvement == "up" else "low"
    return "improvement" if last.direction == better else "concern"


def _assurance(lower: float, upper: float, target: float | None, improvement: str) -> str | None:
    if target is None:
        return None
    if improvement == "up":
        return "pass" if lower > target else "fail" if upper < target else "hit_and_miss"
    return "pass" if upper < target else "fail" if lower > target else "hit_and_miss"
