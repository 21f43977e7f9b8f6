r"""Small-sample statistics for comparing training runs over seeds.

A claim such as "GELU beats ReLU" rests on a handful of runs (one per seed), so the
course reports a mean with a Student-t confidence interval and tests differences with
t-tests, corrected for the number of comparisons. The t distribution and the t-tests are
SciPy's (``scipy.special.betainc``, ``scipy.stats.t.ppf``, ``scipy.stats.ttest_rel``,
``scipy.stats.ttest_ind``); this module adds argument checks that name the parameter,
the conventions the chapters use (two-sided p-values, a p-value of 1 or 0 when there is
no spread at all), and what SciPy lacks (paired-difference CIs, the TOST equivalence
test, Holm, moving average, steps to target):

* :func:`t_cdf`, :func:`t_quantile` -- Student's t distribution (Student, 1908), from
  ``scipy.special.betainc`` (in a form that keeps its digits near :math:`t = 0`) and
  ``scipy.stats.t.ppf``;
* :func:`mean_ci` -- mean and half-width of the t confidence interval;
* :func:`paired_t_test` -- runs matched by seed; :func:`welch_t_test` -- unmatched
  samples with unequal variances (Welch, 1947);
* :func:`paired_difference` -- mean paired difference with its CI and p-value;
* :func:`equivalence_test` -- paired TOST: is the difference within a margin?
* :func:`holm` -- Holm's (1979) step-down correction for several comparisons;
* :func:`moving_average` -- a loss curve smoothed over a window of steps;
* :func:`steps_to_target` -- how soon that smoothed curve reaches a target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sp
from scipy.special import betainc

from dlcore._validation import as_float_array, check_positive_int, check_real

__all__ = [
    "PairedDifference",
    "equivalence_test",
    "holm",
    "mean_ci",
    "moving_average",
    "paired_difference",
    "paired_t_test",
    "steps_to_target",
    "t_cdf",
    "t_quantile",
    "welch_t_test",
]


def _sample(values: object, name: str, min_size: int = 2) -> np.ndarray:
    v = as_float_array(values, name)
    if v.ndim != 1 or v.size < min_size:
        raise ValueError(f"{name} must be a 1-D sequence of at least {min_size} numbers")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite (got NaN or inf)")
    return v


def _check_df(df: object) -> float:
    df = check_real(df, "df")
    if df < 1.0:
        raise ValueError(f"df must be >= 1 (degrees of freedom), got {df}")
    return df


def t_cdf(t: float, df: float) -> float:
    r"""Cumulative distribution function of Student's t with ``df`` degrees of freedom.

    .. math::

        F_\nu(t) = 1 - \tfrac12\, I_{\nu/(\nu+t^2)}\bigl(\tfrac\nu2, \tfrac12\bigr)
        \quad (t \ge 0), \qquad F_\nu(-t) = 1 - F_\nu(t),

    with :math:`I` the regularized incomplete beta function (``scipy.special.betainc``).
    Near :math:`t = 0` the equivalent form :math:`F_\nu(t) = \tfrac12 + \tfrac12
    \operatorname{sign}(t)\, I_{t^2/(\nu+t^2)}(\tfrac12, \tfrac\nu2)` is used, which keeps
    every digit of the small difference from 1/2; ``scipy.stats.t.cdf`` (SciPy 1.17) goes
    through the first form there and is off by 2e-9 at :math:`t = 7 \cdot 10^{-9}`,
    :math:`\nu = 1`. Accurate to a few ulps.

    Args:
        t: finite real number.
        df: degrees of freedom, >= 1 (need not be an integer: Welch's test uses a
            fractional one).

    Returns:
        :math:`P(T \le t)`, a float in [0, 1].

    Raises:
        TypeError: ``t`` or ``df`` is not a real number.
        ValueError: ``t`` or ``df`` is not finite, or ``df < 1``.

    Example:
        >>> round(t_cdf(1.0, 1), 12)  # df = 1 is the Cauchy distribution: 1/2 + atan(1)/pi
        0.75

    References:
        Student (1908), "The probable error of a mean", Biometrika 6(1),
        https://doi.org/10.2307/2331554
    """
    t = check_real(t, "t")
    df = _check_df(df)
    t2 = t * t
    x, y = t2 / (df + t2), df / (df + t2)  # y = 1 - x, each computed without cancellation
    if x < 0.5:
        centre = 0.5 * float(betainc(0.5, df / 2.0, x))
        return 0.5 + centre if t >= 0 else 0.5 - centre
    tail = 0.5 * float(betainc(df / 2.0, 0.5, y))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(q: float, df: float) -> float:
    r"""The ``q``-quantile of Student's t: the :math:`t` with :math:`F_\nu(t) = q`.

    Computed by ``scipy.stats.t.ppf``; symmetry gives :math:`t_{1-q} = -t_q`.

    Args:
        q: probability strictly between 0 and 1.
        df: degrees of freedom, >= 1.

    Returns:
        The quantile, a float.

    Raises:
        ValueError: ``q`` outside (0, 1), ``df < 1``, or either not finite.

    Example:
        >>> round(t_quantile(0.975, 4), 4)  # the two-sided 95 % critical value for n = 5
        2.7764
    """
    q = check_real(q, "q")
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be a probability strictly between 0 and 1, got {q}")
    return float(_sp.t.ppf(q, _check_df(df)))


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    r"""Mean and half-width :math:`h` of the ``level`` confidence interval of the mean.

    .. math::

        \bar v \pm h, \qquad h = t_{(1+\text{level})/2,\ n-1}\ \frac{s}{\sqrt n},

    with :math:`s` the sample standard deviation (``ddof=1``) of the :math:`n \ge 2` values.

    Args:
        values: 1-D sequence of at least two finite numbers (one per seed).
        level: confidence level strictly between 0 and 1.

    Returns:
        ``(mean, half_width)``.

    Raises:
        ValueError: fewer than two values, NaN or inf among them, or ``level`` outside
            (0, 1).

    Example:
        >>> mean, half = mean_ci([0.50, 0.52, 0.47, 0.55, 0.51])
        >>> round(mean, 4), round(half, 4)
        (0.51, 0.0362)
    """
    v = _sample(values, "values")
    level = check_real(level, "level")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    half = t_quantile(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    r"""Two-sided p-value of the paired t-test of :math:`\operatorname{mean}(a - b) = 0`.

    For runs matched by seed (same data order, same initial weights where possible),
    :math:`d_i = a_i - b_i` and

    .. math::

        t = \frac{\bar d}{s_d / \sqrt n}, \qquad p = 2\,(1 - F_{n-1}(|t|)),

    computed by ``scipy.stats.ttest_rel``. When all differences are equal (:math:`s_d =
    0`, where SciPy returns NaN) the p-value is 1 if they are all 0 and 0 otherwise.
    Pairing removes the seed-to-seed variation that both runs share, so it detects
    smaller differences than :func:`welch_t_test` when runs are positively correlated.

    Args:
        a: 1-D sequence of at least two finite numbers, one per seed.
        b: the same length as ``a``, matched entry by entry.

    Returns:
        The two-sided p-value in [0, 1].

    Raises:
        ValueError: lengths differ, fewer than two values, or NaN/inf.

    Example:
        >>> p = paired_t_test([0.61, 0.70, 0.55, 0.66], [0.60, 0.68, 0.55, 0.64])
        >>> round(p, 3)
        0.08
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length (got {a.size} and {b.size})")
    d = a - b
    if d.std(ddof=1) == 0.0:
        return 1.0 if d.mean() == 0.0 else 0.0
    return float(_sp.ttest_rel(a, b).pvalue)


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    r"""Two-sided p-value of Welch's t-test of :math:`\bar a = \bar b` (unequal variances).

    .. math::

        t = \frac{\bar a - \bar b}{\sqrt{s_a^2/n_a + s_b^2/n_b}}, \qquad
        \nu = \frac{(s_a^2/n_a + s_b^2/n_b)^2}
                   {\frac{(s_a^2/n_a)^2}{n_a - 1} + \frac{(s_b^2/n_b)^2}{n_b - 1}},

    computed by ``scipy.stats.ttest_ind(a, b, equal_var=False)``. With no spread in
    either sample the p-value is 1 if the means are equal and 0 otherwise.

    Args:
        a: 1-D sequence of at least two finite numbers.
        b: 1-D sequence of at least two finite numbers (any length).

    Returns:
        The two-sided p-value in [0, 1].

    Raises:
        ValueError: fewer than two values in a sample, or NaN/inf.

    Example:
        >>> round(welch_t_test([0.50, 0.52, 0.49], [0.60, 0.63, 0.58, 0.61]), 4)
        0.0007

    References:
        Welch (1947), "The generalization of 'Student's' problem when several different
        population variances are involved", Biometrika 34(1/2),
        https://doi.org/10.1093/biomet/34.1-2.28
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.var(ddof=1) + b.var(ddof=1) == 0.0:
        return 1.0 if a.mean() == b.mean() else 0.0
    return float(_sp.ttest_ind(a, b, equal_var=False).pvalue)


def holm(p_values: Mapping[str, float]) -> dict[str, float]:
    r"""Holm's step-down adjusted p-values, which control the family-wise error rate.

    Sort the :math:`m` p-values, :math:`p_{(1)} \le \dots \le p_{(m)}`; then

    .. math::

        \tilde p_{(i)} = \max_{j \le i} \min\bigl(1, (m - j + 1)\, p_{(j)}\bigr).

    A comparison is significant at level :math:`\alpha` when :math:`\tilde p < \alpha`.
    (SciPy has no Holm correction; ``statsmodels`` does, but is not a dependency.)

    Args:
        p_values: non-empty mapping name -> p-value in [0, 1].

    Returns:
        The adjusted p-values under the same names.

    Raises:
        TypeError: ``p_values`` is not a non-empty mapping, or a value is not a number.
        ValueError: a value is not a probability.

    Example:
        >>> holm({"a": 0.01, "b": 0.04, "c": 0.03})
        {'a': 0.03, 'c': 0.06, 'b': 0.06}

    References:
        Holm (1979), "A simple sequentially rejective multiple test procedure",
        Scandinavian Journal of Statistics 6(2), https://www.jstor.org/stable/4615733
    """
    if not isinstance(p_values, Mapping) or not p_values:
        raise TypeError("p_values must be a non-empty mapping name -> p-value")
    for name, p in p_values.items():
        p = check_real(p, f"p_values[{name!r}]")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p_values[{name!r}] must be a probability in [0, 1], got {p}")
    adjusted, running = {}, 0.0
    m = len(p_values)
    for i, name in enumerate(sorted(p_values, key=p_values.get)):
        running = max(running, min(1.0, (m - i) * float(p_values[name])))
        adjusted[name] = running
    return adjusted


def _series(values: object, name: str) -> np.ndarray:
    arr = as_float_array(values, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per step), got shape {arr.shape}")
    return arr


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    if values.size < window:
        return np.empty(0)
    return np.convolve(values, np.ones(window) / window, mode="valid")


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    r"""Mean of every ``window`` consecutive values: :math:`m_s = \frac1w \sum_{i=s}^{s+w-1} v_i`.

    Args:
        values: 1-D sequence of numbers (one per step); NaN propagates into the windows
            that contain it.
        window: number of values per mean, >= 1.

    Returns:
        ``len(values) - window + 1`` numbers (none if there are fewer values than
        ``window``); entry ``s`` (0-based) covers steps ``s + 1`` to ``s + window``.

    Raises:
        ValueError: ``values`` is not 1-D, or ``window < 1``.
        TypeError: ``window`` is not an integer.

    Example:
        >>> moving_average([1, 2, 3, 4], 2)
        array([1.5, 2.5, 3.5])
    """
    return _moving_average(_series(values, "values"), check_positive_int(window, "window"))


def steps_to_target(losses: Sequence[float], target: float, window: int = 20) -> int | None:
    r"""First step at which the moving average of the last ``window`` losses is <= ``target``.

    The :func:`moving_average` keeps one lucky mini-batch from counting as "converged".

    Args:
        losses: 1-D sequence of step losses (NaN never counts as reaching the target).
        target: finite loss level.
        window: number of steps averaged, >= 1.

    Returns:
        The number of steps taken when the average of losses
        :math:`\ell_{s-w+1}, \dots, \ell_s` (1-based steps) first reaches the target, or
        ``None`` if it never does.

    Raises:
        ValueError: ``losses`` is not 1-D, ``target`` is not finite, or ``window < 1``.

    Example:
        >>> steps_to_target([5.0, 4.0, 3.0, 2.0, 1.0, 1.0], 1.5, window=2)
        5
    """
    losses = _series(losses, "losses")
    target = check_real(target, "target")
    window = check_positive_int(window, "window")
    hit = np.flatnonzero(_moving_average(losses, window) <= target)
    return int(hit[0]) + window if hit.size else None


@dataclass(frozen=True)
class PairedDifference:
    """Summary of paired differences ``a - b``: mean, confidence interval, p-value.

    Made by :func:`paired_difference`; ``str()`` gives the one-line summary the chapters
    print.

    Example:
        >>> print(PairedDifference(0.02, 0.01, 0.03, 0.004, 5, 0.95))
        +0.02 [95% CI +0.01, +0.03], p = 0.004, n = 5
    """

    mean: float
    low: float
    high: float
    p_value: float
    n: int
    level: float

    def __str__(self) -> str:
        pct = round(100 * self.level)
        return (
            f"{self.mean:+.4g} [{pct}% CI {self.low:+.4g}, {self.high:+.4g}], "
            f"p = {self.p_value:.3g}, n = {self.n}"
        )


def _paired(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length (got {a.size} and {b.size})")
    return a - b


def paired_difference(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> PairedDifference:
    r"""Mean paired difference :math:`\bar d` of ``a - b``, its t interval and p-value.

    With :math:`d_i = a_i - b_i` over :math:`n` matched runs (same seed),

    .. math::

        \bar d \pm t_{(1+\text{level})/2,\,n-1}\,\frac{s_d}{\sqrt n}, \qquad
        p = \text{two-sided paired t-test of } \mathbb{E}[d] = 0.

    Example:
        >>> r = paired_difference([0.70, 0.72, 0.69, 0.71], [0.68, 0.69, 0.68, 0.69])
        >>> round(r.mean, 3), r.n, r.low > 0
        (0.02, 4, True)

    References:
        Student (1908), "The probable error of a mean", Biometrika 6(1),
        https://doi.org/10.2307/2331554
    """
    d = _paired(a, b)
    mean, half = mean_ci(d, level)
    return PairedDifference(mean, mean - half, mean + half, paired_t_test(a, b), d.size, level)


def equivalence_test(a: Sequence[float], b: Sequence[float], margin: float) -> float:
    r"""p-value of the paired TOST equivalence test: is :math:`|\mathbb{E}[a - b]| < \delta`?

    Two one-sided t-tests (Schuirmann, 1987) on :math:`d_i = a_i - b_i`: one of
    :math:`H_0: \mu_d \le -\delta`, one of :math:`H_0: \mu_d \ge \delta`. The p-value is the
    larger of the two; a p-value below :math:`\alpha` supports "the difference is smaller
    than the margin :math:`\delta`". Equivalently, the :math:`1 - 2\alpha` confidence
    interval of :math:`\bar d` lies inside :math:`(-\delta, \delta)`. A large p-value does
    not show a difference: with few runs the test often cannot decide.

    Args:
        a, b: matched samples (same length, >= 2).
        margin: the equivalence margin :math:`\delta > 0`, in the units of ``a``.

    Returns:
        The TOST p-value in [0, 1].

    Example:
        >>> a = [0.700, 0.712, 0.695, 0.705, 0.699]
        >>> b = [0.701, 0.710, 0.696, 0.703, 0.700]
        >>> equivalence_test(a, b, margin=0.01) < 0.05  # within one point
        True

    References:
        D. J. Schuirmann (1987), "A comparison of the two one-sided tests procedure and
        the power approach for assessing the equivalence of average bioavailability",
        J. Pharmacokinetics and Biopharmaceutics 15, https://doi.org/10.1007/BF01068419
    """
    d = _paired(a, b)
    margin = check_real(margin, "margin")
    if margin <= 0:
        raise ValueError(f"margin must be > 0, got {margin}")
    se = d.std(ddof=1) / math.sqrt(d.size)
    mean = float(d.mean())
    if se == 0.0:
        return 0.0 if abs(mean) < margin else 1.0
    df = d.size - 1
    p_lower = 1.0 - t_cdf((mean + margin) / se, df)  # H0: mu <= -margin
    p_upper = t_cdf((mean - margin) / se, df)  # H0: mu >= margin
    return float(min(1.0, max(p_lower, p_upper)))
