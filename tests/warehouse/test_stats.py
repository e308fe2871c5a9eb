"""warehouse.stats.paired_change against R, effectsize's formulas and scipy.

Reference values in R_REFERENCE were computed with R 4.2.2 Patched (2022-11-10 r83330) and
effectsize 0.8.3 (Debian bookworm r-base-core, r-cran-effectsize) by, for each data set:

    t.test(post, pre, paired = TRUE)                     # t, df, p_t, ci_low, ci_high
    suppressWarnings(wilcox.test(post, pre, paired = TRUE))  # v, p_w
    effectsize::hedges_g(post - pre, ci = NULL)          # d_z (one-sample Hedges' g of d)

printed with formatC(x, digits = 17, format = "g"). effectsize 0.8.3 predates
repeated_measures_d(), so d_av and the effect-size intervals are checked against an
independent implementation below (`_reference_effect_sizes`), written from the published
formulas: Algina & Keselman (2003) eq. 4 for the SE of d_av, Hedges & Olkin (1985) p. 86
eq. 14 for the SE of d_z, Hedges (1981) for J, and effectsize's documented order (normal
interval on the unadjusted d, then d and limits times J(n - 1)).
"""

from __future__ import annotations

import math
import random

import polars as pl
import pydantic
import pytest

from warehouse.stats import PairedChange, paired_change, t_quantile, t_two_sided_p

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")
np = pytest.importorskip("numpy")

NAN = math.nan


def _signs(n: int, every: int) -> list[int]:
    return [i * (-1 if i % every == 0 else 1) for i in range(1, n + 1)]


def _steps(n: int) -> list[int]:
    return [(i * 3) % 7 for i in range(1, n + 1)]


def _plus(xs: list[float], ds: list[float]) -> list[float]:
    return [x + d for x, d in zip(xs, ds, strict=True)]


# name -> (pre, post); the same data sets as the R script above.
DATA = {
    "exact": ([12, 15, 9, 20, 14, 11, 17, 13], [14, 19, 8, 26, 17, 16, 10, 22]),
    "ties": (
        [10, 12, 14, 9, 11, 13, 15, 8, 12, 10],
        _plus([10, 12, 14, 9, 11, 13, 15, 8, 12, 10], [2, -2, 3, 1, 1, 4, -1, 2, 5, 3]),
    ),
    "zeros": (
        [5, 6, 7, 8, 9, 10, 11, 12],
        _plus([5, 6, 7, 8, 9, 10, 11, 12], [0, 1, 2, -1, 3, 0, 4, 2.5]),
    ),
    "decimals": ([2.3, 3.1, 1.7, 4.4, 2.9, 3.6], [2.8, 3.0, 2.9, 4.9, 3.7, 3.5]),
    "two_pairs": ([3, 5], [4, 9]),
    "all_equal": ([1, 2, 3, 4], [3, 4, 5, 6]),
    "m49": (_steps(49), _plus(_steps(49), _signs(49, 3))),
    "m50": (_steps(50), _plus(_steps(50), _signs(50, 3))),
    "m60": (_steps(60), _plus(_steps(60), _signs(60, 4))),
}

# From R (see the module docstring). Where R's t.test stops with "data are essentially
# constant" the contract asks for NaN (df stays n - 1); d_z is None where effectsize gives Inf
# (the contract's NaN is checked in test_all_changes_equal_gives_nan_t_and_d_z_but_keeps_d_av).
R_REFERENCE = {
    "exact": dict(t=1.5252212707151869, df=7, p_t=0.17103281606287807, ci_low=-1.4446643691052699, ci_high=6.6946643691052694, v=28, p_w=0.19531250000000006, d_z=0.4789608880642886),
    "ties": dict(t=2.6475678243654848, df=9, p_t=0.026581960586059081, ci_low=0.26202886454376861, ci_high=3.337971135456232, v=48, p_w=0.040305130500733463, d_z=0.76512755014580835),
    "zeros": dict(t=2.3633067305929125, df=7, p_t=0.050096996929480157, ci_low=-0.0008013925627168738, ci_high=2.8758013925627166, v=19.5, p_w=0.073937435852152122, d_z=0.74214247610271078),
    "decimals": dict(t=2.2475645467377743, df=5, p_t=0.074504145933975849, ci_low=-0.06706877526822469, ci_high=1.0004021086015582, v=18, p_w=0.14001650319716896, d_z=0.77144104684669323),
    "two_pairs": dict(t=1.6666666666666667, df=1, p_t=0.34404173924526132, ci_low=-16.559307104262043, ci_high=21.559307104262039, v=3, p_w=0.5, d_z=0.0),
    "all_equal": dict(t=NAN, df=3, p_t=NAN, ci_low=NAN, ci_high=NAN, v=10, p_w=0.071860638225851606, d_z=None),
    "m49": dict(t=2.1041654159925778, df=48, p_t=0.040627032207362204, ci_low=0.37102343432703699, ci_high=16.322854116693367, v=817, p_w=0.041703854232423516, d_z=0.29586953264069971),
    "m50": dict(t=2.3094384738773459, df=49, p_t=0.025175564316802429, ci_low=1.1919540375223754, ci_high=17.168045962477624, v=867, p_w=0.027063492176047903, d_z=0.32157493183094288),
    "m60": dict(t=3.4874795020513787, df=59, p_t=0.00092776604058023124, ci_low=6.1804004252316833, ci_high=22.819599574768318, v=1350, p_w=0.0013808872498144, d_z=0.44447993770903704),
}  # fmt: skip

FIELDS = (
    "n mean_pre mean_post mean_change ci_low ci_high t df p_t d_av d_av_ci_low d_av_ci_high "
    "d_z d_z_ci_low d_z_ci_high wilcoxon_v p_wilcoxon"
).split()


def _close(actual: float, expected: float, rel: float = 1e-12) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == pytest.approx(expected, rel=rel, abs=1e-14)


def _reference_effect_sizes(pre: list[float], post: list[float]) -> dict[str, float]:
    """d_av and d_z with intervals, from the published formulas via numpy/scipy."""
    x, y = np.asarray(pre, float), np.asarray(post, float)
    diff = y - x
    n = diff.size
    nu = n - 1
    hedges = scipy_special.gamma(nu / 2) / (np.sqrt(nu / 2) * scipy_special.gamma((nu - 1) / 2))
    z = scipy_stats.norm.ppf(0.975)
    sd_av = np.sqrt(np.mean([x.var(ddof=1), y.var(ddof=1)]))
    raw_av = diff.mean() / sd_av
    se_av = diff.std(ddof=1) / (np.sqrt(n) * sd_av)  # Algina & Keselman (2003), eq. 4
    raw_z = diff.mean() / diff.std(ddof=1)
    se_z = np.sqrt((2 + raw_z**2) / (2 * n))  # Hedges & Olkin (1985), p. 86, eq. 14
    out = {}
    for name, raw, se in (("d_av", raw_av, se_av), ("d_z", raw_z, se_z)):
        out[name] = raw * hedges
        out[f"{name}_ci_low"] = (raw - z * se) * hedges
        out[f"{name}_ci_high"] = (raw + z * se) * hedges
    return out


@pytest.mark.parametrize("name", sorted(R_REFERENCE))
def test_t_test_matches_r(name: str) -> None:
    result = paired_change(*DATA[name])
    ref = R_REFERENCE[name]
    for field in ("t", "df", "p_t", "ci_low", "ci_high"):
        assert _close(getattr(result, field), ref[field], rel=1e-11), field


@pytest.mark.parametrize("name", sorted(R_REFERENCE))
def test_wilcoxon_matches_r(name: str) -> None:
    result = paired_change(*DATA[name])
    ref = R_REFERENCE[name]
    assert result.wilcoxon_v == ref["v"]
    assert _close(result.p_wilcoxon, ref["p_w"])


@pytest.mark.parametrize("name", [k for k, v in R_REFERENCE.items() if v["d_z"] is not None])
def test_d_z_matches_effectsize_hedges_g_of_the_changes(name: str) -> None:
    assert _close(paired_change(*DATA[name]).d_z, R_REFERENCE[name]["d_z"])


@pytest.mark.parametrize("name", ["exact", "ties", "zeros", "decimals", "m49", "m60"])
def test_effect_sizes_and_intervals_match_the_published_formulas(name: str) -> None:
    result = paired_change(*DATA[name])
    for field, expected in _reference_effect_sizes(*DATA[name]).items():
        assert _close(getattr(result, field), float(expected)), field


def test_exactness_switches_at_fifty_nonzero_changes() -> None:
    # 49 distinct non-zero changes: exact p is a multiple of 2 / 2**49; 50: normal approximation.
    p49 = paired_change(*DATA["m49"]).p_wilcoxon
    assert (p49 * 2**48).is_integer()
    p50 = paired_change(*DATA["m50"]).p_wilcoxon
    assert not (p50 * 2**49).is_integer()


def test_agrees_with_scipy_on_random_data() -> None:
    rng = random.Random(20240611)
    for trial in range(40):
        n = rng.randint(3, 70)
        integer_scores = trial % 2 == 0  # integers give ties and zeros, floats give neither
        pre = [rng.randint(0, 30) if integer_scores else rng.gauss(20, 4) for _ in range(n)]
        post = [p + (rng.randint(-4, 6) if integer_scores else rng.gauss(0.7, 3)) for p in pre]
        result = paired_change(pre, post)
        ttest = scipy_stats.ttest_rel(post, pre)
        interval = ttest.confidence_interval()
        changes = [b - a for a, b in zip(pre, post, strict=True)]
        nonzero = [c for c in changes if c != 0]
        exact = len(nonzero) == n < 50 and len({abs(c) for c in nonzero}) == n
        wilcoxon = scipy_stats.wilcoxon(
            post, pre, zero_method="wilcox", correction=True, method="exact" if exact else "approx"
        )
        assert _close(result.t, ttest.statistic, rel=1e-10)
        assert _close(result.p_t, ttest.pvalue, rel=1e-9)
        assert _close(result.ci_low, interval.low, rel=1e-9)
        assert _close(result.ci_high, interval.high, rel=1e-9)
        assert _close(result.p_wilcoxon, wilcoxon.pvalue, rel=1e-9)
        assert result.wilcoxon_v == sum(
            r for r, c in zip(scipy_stats.rankdata(np.abs(nonzero)), nonzero, strict=True) if c > 0
        )


@pytest.mark.parametrize("df", [1, 2, 3, 7, 30, 250, 5000])
def test_t_distribution_matches_scipy(df: int) -> None:
    assert t_quantile(0.975, df) == pytest.approx(scipy_stats.t.ppf(0.975, df), rel=1e-12)
    for t in (0.1, 1.0, 2.5, 8.0):
        assert t_two_sided_p(t, df) == pytest.approx(2 * scipy_stats.t.sf(t, df), rel=1e-10)


def test_result_has_the_contract_fields_in_order_and_is_frozen() -> None:
    result = paired_change([1, 2, 3], [2, 2, 5])
    assert list(PairedChange.model_fields) == FIELDS
    assert list(result.as_dict()) == FIELDS
    assert result.as_dict()["mean_change"] == 1.0
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        result.n = 4  # type: ignore[misc]


def test_no_pairs_gives_nan_everywhere_but_n() -> None:
    result = paired_change([], [])
    assert result.n == 0
    assert all(math.isnan(v) for k, v in result.as_dict().items() if k != "n")


def test_one_pair_keeps_means_and_nans_the_rest() -> None:
    result = paired_change([4, None], [7, 1])
    assert (result.n, result.mean_pre, result.mean_post, result.mean_change) == (1, 4, 7, 3)
    inferential = FIELDS[4:]
    assert all(math.isnan(getattr(result, k)) for k in inferential)


def test_missing_sides_are_dropped_for_every_input_type() -> None:
    pre, post = DATA["exact"]
    pre_gappy = [*pre[:3], None, *pre[3:], 5.0, NAN]
    post_gappy = [*post[:3], 4.0, *post[3:], None, 6.0]
    expected = paired_change(pre, post)
    assert paired_change(pre_gappy, post_gappy) == expected
    as_numpy = [np.array([NAN if v is None else v for v in s]) for s in (pre_gappy, post_gappy)]
    assert paired_change(*as_numpy) == expected
    assert (
        paired_change(
            pl.Series(pre_gappy, dtype=pl.Float64, strict=False),
            pl.Series(post_gappy, dtype=pl.Float64, strict=False),
        )
        == expected
    )
    assert paired_change(tuple(pre), iter(post)) == expected


def test_all_changes_equal_gives_nan_t_and_d_z_but_keeps_d_av() -> None:
    result = paired_change(*DATA["all_equal"])
    for field in ("t", "p_t", "ci_low", "ci_high", "d_z", "d_z_ci_low", "d_z_ci_high"):
        assert math.isnan(getattr(result, field)), field
    assert result.mean_change == 2
    assert result.d_av == pytest.approx(2 / math.sqrt(5 / 3) * 0.7236012545582677, rel=1e-12)


def test_float_noise_in_equal_changes_still_counts_as_constant() -> None:
    # 0.3 - 0.1 and 0.7 - 0.5 differ in the last bit; R calls this "essentially constant".
    result = paired_change([0.1, 0.5, 1.1], [0.3, 0.7, 1.3])
    assert math.isnan(result.t)
    assert math.isnan(result.d_z)


def test_all_zero_changes_give_v_zero_and_nan_p_like_r() -> None:
    result = paired_change([1, 2, 3], [1, 2, 3])
    assert result.wilcoxon_v == 0
    assert math.isnan(result.p_wilcoxon)
    assert math.isnan(result.t)


def test_two_pairs_give_zero_effect_sizes_because_hedges_j_of_one_is_zero() -> None:
    result = paired_change(*DATA["two_pairs"])
    assert (result.d_av, result.d_av_ci_low, result.d_av_ci_high) == (0.0, 0.0, 0.0)
    assert math.copysign(1, result.d_z_ci_low) == 1  # no "-0" in a table


def test_negative_change_gives_negative_statistics() -> None:
    result = paired_change([4, 3, 5, 2, 9], [3, 1, 4, 1, 5])
    assert result.mean_change == pytest.approx(-1.8)
    assert result.t < 0 and result.d_av < 0 and result.d_z < 0 and result.ci_high < 0
    assert result.wilcoxon_v == 0
    assert result.p_wilcoxon == pytest.approx(0.054474035106195577, rel=1e-12)  # R 4.2.2


def test_unequal_lengths_are_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"same length \(got 3 and 2"):
        paired_change([1, 2, 3], [1, 2])


@pytest.mark.parametrize("bad", [["a", 2], [math.inf, 2], [object(), 2]])
def test_non_numeric_or_infinite_scores_are_a_clear_value_error(bad: list) -> None:
    with pytest.raises(ValueError, match="scores must be"):
        paired_change(bad, [1, 2])


def test_a_string_instead_of_a_sequence_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a string"):
        paired_change("123", "456")
