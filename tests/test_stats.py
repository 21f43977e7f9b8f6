"""dlcore.stats: Student's t, confidence intervals, t-tests, Holm, steps-to-target."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import stats


# Closed forms of the t CDF: df = 1 is the Cauchy distribution, df = 2 has an algebraic CDF.
@given(t=st.floats(-50, 50))
@settings(max_examples=60, deadline=None)
def test_t_cdf_matches_closed_forms(t):
    # float64 evaluation of the continued fraction and its lgamma prefactor: ~1e-15
    assert stats.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-13)
    assert stats.t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-13)


@pytest.mark.parametrize("t", [1e-300, 1e-12, 7e-9, 1e-5, -1e-5])
def test_t_cdf_keeps_its_digits_near_zero(t):
    # F(t) = 1/2 + atan(t)/pi for df = 1. Computing 1 - df / (df + t^2) instead of
    # t^2 / (df + t^2) loses the t/pi part (errors 1e-13 at t = 1e-5, found by hypothesis,
    # and 2e-9 at t = 7e-9). Two ulps of 0.5 is what float64 can hold here.
    assert stats.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, rel=0, abs=2.3e-16)


@given(t=st.floats(0, 30), df=st.floats(1, 200))
@settings(max_examples=60, deadline=None)
def test_t_cdf_is_symmetric_and_monotone(t, df):
    assert stats.t_cdf(-t, df) == pytest.approx(1 - stats.t_cdf(t, df), abs=1e-12)
    assert stats.t_cdf(t + 0.1, df) >= stats.t_cdf(t, df)


@pytest.mark.parametrize(
    "df, expected",  # two-sided 95 % critical values, printed in every t table
    [(1, 12.7062), (4, 2.7764), (9, 2.2622), (30, 2.0423), (1000, 1.9623)],
)
def test_t_quantile_textbook_values(df, expected):
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)
    assert stats.t_quantile(0.025, df) == pytest.approx(-expected, abs=1e-4)


def test_t_distribution_agrees_with_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    for df in (1, 2.5, 4, 17, 120):
        for t in (-8.0, -1.3, 0.0, 0.4, 2.0, 25.0):
            # both evaluate I_x(a, b) in float64; measured gap <= 6e-14 over t in [-60, 60]
            assert stats.t_cdf(t, df) == pytest.approx(scipy_stats.t.cdf(t, df), abs=1e-12)
        for q in (0.51, 0.6, 0.9, 0.975, 0.999):
            # bisection to 1e-13 relative, plus the CDF error divided by the density
            assert stats.t_quantile(q, df) == pytest.approx(scipy_stats.t.ppf(q, df), rel=1e-10)


def test_mean_ci_by_hand():
    values = [0.50, 0.52, 0.47, 0.55, 0.51]
    mean, half = stats.mean_ci(values)
    assert mean == pytest.approx(0.51)
    s = np.std(values, ddof=1)
    assert half == pytest.approx(2.7764451 * s / math.sqrt(5), rel=1e-6)


def test_mean_ci_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    trials = 4000
    samples = rng.normal(3.0, 2.0, size=(trials, 5))
    covered = 0
    for row in samples:
        mean, half = stats.mean_ci(row)
        covered += abs(mean - 3.0) <= half
    # binomial standard error of the coverage: sqrt(0.95 * 0.05 / 4000) = 0.0034; 4 SE
    assert abs(covered / trials - 0.95) < 4 * 0.0034


def test_t_tests_agree_with_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.50, 0.02, 6), rng.normal(0.52, 0.05, 6)
    # same formulas; the p-values differ only by the t CDF's ~1e-13
    assert stats.paired_t_test(a, b) == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue, rel=1e-9)
    c = rng.normal(0.5, 0.01, 9)
    expected = scipy_stats.ttest_ind(a, c, equal_var=False).pvalue
    assert stats.welch_t_test(a, c) == pytest.approx(expected, rel=1e-9)


def test_pairing_detects_a_shift_that_welch_misses():
    seed_effect = np.array([0.40, 0.55, 0.47, 0.62, 0.51])  # large seed-to-seed spread
    a, b = seed_effect + 0.02, seed_effect + np.array([0.001, -0.002, 0.0, 0.002, -0.001])
    assert stats.paired_t_test(a, b) < 0.001 < 0.5 < stats.welch_t_test(a, b)


def test_t_tests_with_no_spread():
    assert stats.paired_t_test([1.0, 2.0], [1.0, 2.0]) == 1.0
    assert stats.paired_t_test([1.0, 2.0], [0.0, 1.0]) == 0.0
    assert stats.welch_t_test([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert stats.welch_t_test([1.0, 1.0], [2.0, 2.0]) == 0.0


def test_holm_by_hand():
    adjusted = stats.holm({"a": 0.01, "b": 0.04, "c": 0.03})
    # sorted a, c, b: 3 * 0.01 = 0.03; 2 * 0.03 = 0.06; max(0.06, 1 * 0.04) = 0.06
    assert adjusted == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})
    assert stats.holm({"x": 0.7, "y": 0.9}) == {"x": 1.0, "y": 1.0}


def test_moving_average():
    np.testing.assert_allclose(stats.moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(stats.moving_average([1, 2, 3], 1), [1, 2, 3])
    assert stats.moving_average([1, 2], 3).size == 0


def test_steps_to_target():
    losses = [5.0, 4.0, 3.0, 2.0, 1.0, 1.0]
    assert stats.steps_to_target(losses, 1.5, window=2) == 5  # mean(2, 1) = 1.5 at step 5
    assert stats.steps_to_target(losses, 3.0, window=1) == 3
    assert stats.steps_to_target(losses, 0.5, window=2) is None
    assert stats.steps_to_target(losses[:1], 9.0, window=2) is None  # fewer steps than window


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: stats.t_cdf(1.0, 0.5), ValueError, "df must be >= 1"),
        (lambda: stats.t_cdf("1", 3), TypeError, "t must be a real number"),
        (lambda: stats.t_quantile(1.0, 3), ValueError, "q must be a probability"),
        (lambda: stats.t_quantile(0.9, 0), ValueError, "df must be >= 1"),
        (lambda: stats.mean_ci([1.0]), ValueError, "values must be a 1-D sequence of at least 2"),
        (lambda: stats.mean_ci([1.0, np.nan]), ValueError, "values must be finite"),
        (lambda: stats.mean_ci([1.0, 2.0], level=95), ValueError, "level must be strictly"),
        (lambda: stats.paired_t_test([1, 2, 3], [1, 2]), ValueError, "same length"),
        (lambda: stats.welch_t_test("ab", [1, 2]), TypeError, "a must be an array of numbers"),
        (lambda: stats.holm({}), TypeError, "non-empty mapping"),
        (lambda: stats.holm({"a": 1.5}), ValueError, r"p_values\['a'\] must be a probability"),
        (lambda: stats.steps_to_target([[1.0]], 1.0), ValueError, "losses must be 1-D"),
        (lambda: stats.moving_average([[1.0]], 1), ValueError, "values must be 1-D"),
        (lambda: stats.moving_average([1.0, 2.0], 1.5), TypeError, "window"),
        (lambda: stats.steps_to_target([1.0], 1.0, window=0), ValueError, "window"),
    ],
)
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_paired_difference_matches_scipy(rng):
    from scipy import stats as sps

    a = rng.normal(0.70, 0.02, size=7)
    b = a - rng.normal(0.01, 0.01, size=7)
    r = stats.paired_difference(a, b, level=0.9)
    d = a - b
    lo, hi = sps.t.interval(0.9, d.size - 1, loc=d.mean(), scale=sps.sem(d))
    assert r.n == 7 and r.level == 0.9
    assert r.mean == pytest.approx(d.mean(), rel=1e-13)
    assert (r.low, r.high) == pytest.approx((lo, hi), rel=1e-9)
    assert r.p_value == pytest.approx(sps.ttest_rel(a, b).pvalue, rel=1e-9)
    assert "90% CI" in str(r)


@pytest.mark.parametrize("shift", [0.0, 0.004, 0.02])
def test_equivalence_test_is_the_larger_one_sided_p(rng, shift):
    from scipy import stats as sps

    a = rng.normal(0.7, 0.01, size=6)
    b = a - shift - rng.normal(0, 0.003, size=6)
    d, margin = a - b, 0.01
    lower = sps.ttest_1samp(d, -margin, alternative="greater").pvalue
    upper = sps.ttest_1samp(d, margin, alternative="less").pvalue
    assert stats.equivalence_test(a, b, margin) == pytest.approx(max(lower, upper), rel=1e-9)


def test_equivalence_test_decides_as_the_interval_does(rng):
    # TOST at alpha rejects exactly when the (1 - 2 alpha) CI lies inside the margin.
    for _ in range(50):
        a = rng.normal(0, 1, size=5)
        b = a + rng.normal(rng.uniform(-0.5, 0.5), 0.3, size=5)
        r = stats.paired_difference(a, b, level=0.90)
        inside = -0.4 < r.low and r.high < 0.4
        assert (stats.equivalence_test(a, b, 0.4) < 0.05) == inside


def test_equivalence_and_paired_difference_reject_bad_input():
    with pytest.raises(ValueError, match="margin must be > 0"):
        stats.equivalence_test([1.0, 2.0], [1.0, 2.5], margin=0.0)
    with pytest.raises(ValueError, match="same length"):
        stats.paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"finite|NaN|nan"):
        stats.paired_difference([1.0, float("nan")], [1.0, 2.0])
    assert stats.equivalence_test([1.0, 1.0], [1.0, 1.0], 0.1) == 0.0  # identical: equivalent


def test_nan_in_a_loss_curve_is_documented_behaviour():
    # moving_average lets NaN propagate into the windows that hold it; steps_to_target
    # never counts such a window as reaching the target (a diverged run never "converges").
    smoothed = stats.moving_average([1.0, np.nan, 3.0, 4.0], 2)
    np.testing.assert_array_equal(np.isnan(smoothed), [True, True, False])
    assert stats.steps_to_target([5.0, np.nan, 0.5, 0.5], 1.0, window=2) == 4
    assert stats.steps_to_target([5.0, np.nan, np.nan], 100.0, window=1) == 1
