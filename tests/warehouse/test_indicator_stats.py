"""Funnel-plot limits and XmR control charts (indicators.md sections 2-3), checked against values
computed independently: by hand for small cases, with scipy's binomial distribution for the exact
limits, and with numpy for the overdispersed ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from warehouse.stats import funnel_curve, funnel_limits, spc

# ---------------------------------------------------------------- funnel limits


def scipy_limit(n: int, theta: float, p: float) -> float:
    """Spiegelhalter's interpolated exact limit, from scipy's binomial (ppf = R's qbinom)."""
    r = scipy_stats.binom.ppf(p, n, theta)
    f_r = scipy_stats.binom.cdf(r, n, theta)
    f_before = scipy_stats.binom.cdf(r - 1, n, theta) if r > 0 else 0.0
    alpha = (f_r - p) / (f_r - f_before)
    return min(1.0, max(0.0, (r - alpha) / n))


def test_exact_limits_for_one_case_by_hand():
    # theta = 1/2, n = 1: F(0) = 0.5, F(1) = 1; p = .975 gives r = 1, alpha = .05, limit .95
    (unit, _) = funnel_limits([1, 0], [1, 1]).units
    assert unit.upper95 == pytest.approx(0.95)
    assert unit.upper998 == pytest.approx(0.998)
    assert unit.lower95 == 0.0 and unit.lower998 == 0.0  # (0 - .95) / 1 clipped to 0


@pytest.mark.parametrize(
    ("events", "totals"),
    [
        ([3, 12, 40, 1], [4, 30, 100, 7]),
        ([0, 5, 17, 250], [1, 9, 60, 1000]),
        ([7, 7, 7], [10, 10, 10]),
    ],
)
def test_exact_limits_agree_with_scipy_binomial(events: list[int], totals: list[int]):
    result = funnel_limits(events, totals)
    theta = sum(events) / sum(totals)
    assert result.target == pytest.approx(theta)
    assert (result.phi, result.tau2) == (None, None)
    for unit, r, n in zip(result.units, events, totals, strict=True):
        assert (unit.events, unit.total, unit.rate) == (r, n, r / n)
        want = [scipy_limit(n, theta, p) for p in (0.025, 0.975, 0.001, 0.999)]
        got = [unit.lower95, unit.upper95, unit.lower998, unit.upper998]
        assert got == pytest.approx(want, abs=1e-9)


def test_a_target_of_zero_or_one_gives_limits_equal_to_it():
    for events in ([0, 0], [3, 5]):
        totals = [3, 5] if events[0] else [4, 9]
        result = funnel_limits(events, totals)
        for unit in result.units:
            assert {unit.lower95, unit.upper95, unit.lower998, unit.upper998} == {result.target}
            assert unit.signal == "none"


def test_a_unit_beyond_the_998_limits_signals_high_or_low():
    result = funnel_limits([95, 50, 50, 50, 5], [100, 100, 100, 100, 100])
    assert [u.signal for u in result.units] == ["high", "none", "none", "none", "low"]


def numpy_overdispersed(events, totals):
    """FunnelPlotR's arcsine DerSimonian-Laird limits, written with numpy."""
    r, n = np.asarray(events, float), np.asarray(totals, float)
    theta = r.sum() / n.sum()
    y0, s = np.arcsin(np.sqrt(theta)), 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(r / n)) - y0) / s
    zw = np.clip(z, np.quantile(z, 0.1), np.quantile(z, 0.9))  # numpy's default is type 7
    k = len(z)
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))

    def limit(zq, sign):
        return np.sin(np.clip(y0 + sign * zq * np.sqrt(s**2 + tau2), 0, np.pi / 2)) ** 2

    return (
        phi,
        tau2,
        [limit(1.959964, -1), limit(1.959964, 1), limit(3.090232, -1), limit(3.090232, 1)],
    )


def test_overdispersed_limits_agree_with_an_independent_numpy_version():
    events, totals = [2, 15, 30, 44, 9, 70, 3], [10, 40, 50, 60, 30, 90, 25]
    result = funnel_limits(events, totals, overdispersion=True)
    phi, tau2, limits = numpy_overdispersed(events, totals)
    assert result.phi == pytest.approx(phi)
    assert result.tau2 == pytest.approx(tau2)
    assert tau2 > 0  # these units vary more than chance
    for i, unit in enumerate(result.units):
        got = [unit.lower95, unit.upper95, unit.lower998, unit.upper998]
        assert got == pytest.approx([float(lim[i]) for lim in limits])


def test_overdispersion_by_hand_for_two_opposite_units():
    # theta .5, s = 1 / (2 sqrt 10); z = -+(pi/4)/s, winsorised to -+0.8 * (pi/4)/s
    result = funnel_limits([0, 10], [10, 10], overdispersion=True)
    s = 1 / (2 * math.sqrt(10))
    zw = 0.8 * (math.pi / 4) / s
    phi = zw**2
    tau2 = (2 * phi - 1) / (80 - 3200 / 80)
    assert result.phi == pytest.approx(phi)
    assert result.tau2 == pytest.approx(tau2)
    spread = math.sqrt(s * s + tau2)
    upper95 = math.sin(min(math.pi / 2, math.pi / 4 + 1.959964 * spread)) ** 2
    assert result.units[0].upper95 == pytest.approx(upper95)


def test_no_overdispersion_left_means_tau2_zero():
    result = funnel_limits([10, 10, 10], [20, 20, 20], overdispersion=True)
    assert (result.phi, result.tau2) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("events", "totals", "message"),
    [
        ([1, 2], [3], "same length"),
        ([], [], "at least one unit"),
        ([1], [0], "at least one case"),
        ([-1], [4], "between 0 and"),
        ([5], [4], "between 0 and"),
        ([1.5], [4], "integer"),
        (["2"], [4], "integer"),
        ([True], [4], "integer"),
    ],
)
def test_bad_input_is_a_clear_value_error(events, totals, message):
    with pytest.raises(ValueError, match=message):
        funnel_limits(events, totals)


def test_whole_floats_and_numpy_integers_are_counts():
    result = funnel_limits(np.array([1, 2]), [4.0, 4])
    assert [u.total for u in result.units] == [4, 4]


# ---------------------------------------------------------------- control charts


def rules(result) -> list[list[str]]:
    return [p.rules for p in result.points]


def test_limits_use_the_screened_mean_moving_range():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 3, 3, 3, 3, 20]
    result = spc(values)
    # moving ranges: seven 1s, 5, three 0s, 17; mean 29/12; 17 > 3.267 * 29/12 is left out
    assert result.mr_mean == pytest.approx(12 / 11)
    assert result.mean == pytest.approx(sum(values) / 13)
    assert result.upper == pytest.approx(result.mean + 2.66 * 12 / 11)
    assert result.lower == pytest.approx(result.mean - 2.66 * 12 / 11)


def test_outside_the_limits_is_a_special_cause_with_its_direction():
    values = [5, 5.5, 4.5, 5, 5.5, 4.5, 5, 5.5, 4.5, 5, 12, -2]
    points = spc(values).points
    assert points[-2].rules[0] == "outside_limits" and points[-2].direction == "high"
    assert points[-1].rules[0] == "outside_limits" and points[-1].direction == "low"
    assert not any(p.special_cause for p in points[:-2])


def test_a_shift_needs_seven_values_on_one_side_and_the_mean_ends_a_run():
    seven = spc([6, 4] * 4 + [5.5] * 7 + [4.5] * 7)  # mean exactly 5
    assert seven.mean == 5
    assert [("shift" in r) for r in rules(seven)] == [False] * 8 + [True] * 14
    # six above, one exactly at the mean, six more above: no run of seven there
    split = spc([6] * 6 + [5] + [6] * 6 + [4] * 12 + [5])
    assert split.mean == 5
    assert [("shift" in r) for r in rules(split)] == [False] * 13 + [True] * 12 + [False]


def test_a_trend_needs_six_steps_in_one_direction():
    seven = spc([5, 5, 5, 1, 2, 3, 4, 5, 6, 7, 5, 5])
    assert [("trend" in r) for r in rules(seven)] == [False] * 3 + [True] * 7 + [False] * 2
    six = spc([5, 5, 5, 1, 2, 3, 4, 5, 6, 5, 5, 5])
    assert not any("trend" in r for r in rules(six))
    falling = spc([5, 5, 9, 8, 7, 6, 5, 4, 3, 5, 5])
    trend_points = [p for p in falling.points if p.rules == ["trend"]]
    assert trend_points and all(p.direction == "low" for p in trend_points)


def test_two_of_three_beyond_the_two_sigma_line_flags_those_values():
    values = [10, 10.4, 9.6] * 6 + [11.5, 10, 11.5, 10]
    result = spc(values)
    sigma2 = result.mean + (2 / 3) * 2.66 * result.mr_mean
    assert sigma2 < 11.5 < result.upper
    flagged = [i for i, p in enumerate(result.points) if p.special_cause]
    assert flagged == [18, 20]
    assert all(result.points[i].rules == ["two_of_three"] for i in flagged)
    assert {result.points[i].direction for i in flagged} == {"high"}
    # one value beyond the line in every window of three is not enough
    assert not any(p.special_cause for p in spc([10, 10.4, 9.6] * 6 + [11.5, 10, 10]).points)


def test_direction_comes_from_the_first_rule_met():
    # the last seven values fall (trend low) but all lie above the mean (shift high)
    result = spc([0] * 7 + [10, 9, 8, 7, 6, 5, 4])
    last = result.points[-1]
    assert last.rules == ["shift", "trend"]
    assert last.direction == "high"
    assert result.variation == "improvement"
    assert spc([0] * 7 + [10, 9, 8, 7, 6, 5, 4], improvement="down").variation == "concern"


def test_common_cause_when_the_last_value_meets_no_rule():
    result = spc([5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6])
    assert result.variation == "common_cause"
    assert not result.too_short
    assert spc([5, 6] * 5 + [5]).too_short  # 11 values


@pytest.mark.parametrize(
    ("improvement", "target", "want"),
    [
        ("up", 0.0, "pass"),
        ("up", 100.0, "fail"),
        ("up", 5.5, "hit_and_miss"),
        ("down", 100.0, "pass"),
        ("down", 0.0, "fail"),
        ("down", 5.5, "hit_and_miss"),
        ("up", None, None),
    ],
)
def test_assurance_compares_the_limits_with_the_target(improvement, target, want):
    result = spc([5, 6] * 6, improvement=improvement, target=target)
    assert result.assurance == want


def test_missing_values_are_dropped_first():
    result = spc([1, None, math.nan, 3, float("nan")])
    assert [p.value for p in result.points] == [1.0, 3.0]
    assert result.mean == 2.0


@pytest.mark.parametrize("values", [[], [1], [1, None, math.nan]])
def test_fewer_than_two_values_are_a_value_error(values):
    with pytest.raises(ValueError, match="at least 2"):
        spc(values)


def test_improvement_must_be_up_or_down():
    with pytest.raises(ValueError, match="'up' or 'down'"):
        spc([1, 2, 3], improvement="sideways")


@pytest.mark.parametrize("overdispersion", [False, True])
def test_the_funnel_curve_passes_through_every_units_limits(overdispersion):
    events, totals = [3, 12, 30, 41, 2, 90], [10, 20, 45, 60, 9, 100]
    fit = funnel_limits(events, totals, overdispersion=overdispersion)
    assert (fit.tau2 is not None) == overdispersion
    curve = funnel_curve(fit.target, totals, tau2=fit.tau2)
    for unit, limits in zip(fit.units, curve, strict=True):
        assert limits == pytest.approx((unit.lower998, unit.lower95, unit.upper95, unit.upper998))
    # the funnel narrows as the number grows
    wide, narrow = funnel_curve(fit.target, [5, 500], tau2=fit.tau2)
    assert narrow[3] - narrow[0] < wide[3] - wide[0]


def test_the_funnel_curve_refuses_a_total_below_one():
    with pytest.raises(ValueError, match="at least 1"):
        funnel_curve(0.5, [0])
