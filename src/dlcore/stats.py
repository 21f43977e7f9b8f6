r"""Small-sample statistics for comparing training runs over seeds.

A claim such as "GELU beats ReLU" rests on a handful of runs (one per seed), so the
course reports a mean with a Student-t confidence interval and tests differences with
t-tests, corrected for the number of comparisons. Everything here is NumPy only.

* :func:`t_cdf`, :func:`t_quantile` -- Student's t distribution (Student, 1908);
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


def _betainc(a: float, b: float, x: float, y: float) -> float:
    r"""Regularized incomplete beta function :math:`I_x(a, b)`, by its continued fraction.

    .. math::

        I_x(a, b) = \frac{x^a (1-x)^b}{a\,B(a, b)}\;
        \cfrac{1}{1 + \cfrac{d_1}{1 + \cfrac{d_2}{1 + \cdots}}}, \quad
        d_{2m+1} = -\frac{(a+m)(a+b+m)\,x}{(a+2m)(a+2m+1)}, \quad
        d_{2m} = \frac{m(b-m)\,x}{(a+2m-1)(a+2m)},

    evaluated with the modified Lentz method; it converges fast for
    :math:`x < (a+1)/(a+b+2)`, and :math:`I_x(a,b) = 1 - I_{1-x}(b,a)` covers the rest.
    ``y`` is :math:`1 - x`, passed separately so that a caller who knows it exactly (the t
    CDF near :math:`t = 0`, where :math:`x \to 1`) loses no digits to cancellation.
    Reference: Abramowitz & Stegun (1964), *Handbook of Mathematical Functions*, 26.5.8.
    """
    if y <= 0.0:  # x = 1 exactly (x alone may round to 1 while y = 1 - x > 0)
        return 1.0
    if x <= 0.0:
        return 0.0
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - _betainc(b, a, y, x)
    tiny, eps = 1e-300, 1e-15
    log_front = (
        a * math.log(x) + b * math.log(y) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    )
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for coefficient in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + coefficient * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + coefficient / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return math.exp(log_front) * h / a


def t_cdf(t: float, df: float) -> float:
    r"""Cumulative distribution function of Student's t with ``df`` degrees of freedom.

    .. math::

        F_\nu(t) = 1 - \tfrac12\, I_{\nu/(\nu+t^2)}\bigl(\tfrac\nu2, \tfrac12\bigr)
        \quad (t \ge 0), \qquad F_\nu(-t) = 1 - F_\nu(t),

    with :math:`I` the regularized incomplete beta function (:func:`_betainc`).
    Accurate to about 1e-13. ``t`` must be finite and ``df >= 1``.

    Reference: Student (1908), "The probable error of a mean", *Biometrika* 6(1).
    """
    t = check_real(t, "t")
    df = check_real(df, "df")
    if df < 1.0:
        raise ValueError(f"df must be >= 1 (degrees of freedom), got {df}")
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(q: float, df: float) -> float:
    r"""The ``q``-quantile of Student's t: the :math:`t` with :math:`F(t) = q`, by bisection.

    Symmetry gives :math:`t_{1-q} = -t_q`. Bisected to a relative width of 1e-13.
    """
    q = check_real(q, "q")
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be a probability strictly between 0 and 1, got {q}")
    df = check_real(df, "df")
    if df < 1.0:
        raise ValueError(f"df must be >= 1 (degrees of freedom), got {df}")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < q:  # bracket the root
        lo, hi = hi, 2.0 * hi
    while hi - lo > 1e-13 * hi:  # about 45 halvings
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if t_cdf(mid, df) < q else (lo, mid)
    return 0.5 * (lo + hi)


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    r"""Mean and half-width :math:`h` of the ``level`` confidence interval of the mean.

    .. math::

        \bar v \pm h, \qquad h = t_{(1+\text{level})/2,\ n-1}\ \frac{s}{\sqrt n},

    with :math:`s` the sample standard deviation (``ddof=1``) of the :math:`n \ge 2` values.
    """
    v = _sample(values, "values")
    level = check_real(level, "level")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    half = t_quantile(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


def _two_sided_p(t: float, df: float) -> float:
    if math.isnan(t):  # 0 / 0: no difference and no spread at all
        return 1.0
    return float(min(1.0, 2.0 * (1.0 - t_cdf(abs(t), df))))


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    r"""Two-sided p-value of the paired t-test of :math:`\operatorname{mean}(a - b) = 0`.

    For runs matched by seed (same data order, same initial weights where possible),
    :math:`d_i = a_i - b_i` and

    .. math::

        t = \frac{\bar d}{s_d / \sqrt n}, \qquad p = 2\,(1 - F_{n-1}(|t|)).

    Pairing removes the seed-to-seed variation that both runs share, so it detects
    smaller differences than :func:`welch_t_test` when runs are positively correlated.
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same length (got {a.size} and {b.size})")
    d = a - b
    sd = d.std(ddof=1)
    if sd == 0.0:
        return 1.0 if d.mean() == 0.0 else 0.0
    return _two_sided_p(d.mean() / (sd / math.sqrt(d.size)), d.size - 1)


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    r"""Two-sided p-value of Welch's t-test of :math:`\bar a = \bar b` (unequal variances).

    .. math::

        t = \frac{\bar a - \bar b}{\sqrt{s_a^2/n_a + s_b^2/n_b}}, \qquad
        \nu = \frac{(s_a^2/n_a + s_b^2/n_b)^2}
                   {\frac{(s_a^2/n_a)^2}{n_a - 1} + \frac{(s_b^2/n_b)^2}{n_b - 1}}.

    Reference: Welch (1947), "The generalization of 'Student's' problem when several
    different population variances are involved", *Biometrika* 34(1/2).
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0.0:
        return 1.0 if a.mean() == b.mean() else 0.0
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return _two_sided_p(t, df)


def holm(p_values: Mapping[str, float]) -> dict[str, float]:
    r"""Holm's step-down adjusted p-values, which control the family-wise error rate.

    Sort the :math:`m` p-values, :math:`p_{(1)} \le \dots \le p_{(m)}`; then

    .. math::

        \tilde p_{(i)} = \max_{j \le i} \min\bigl(1, (m - j + 1)\, p_{(j)}\bigr).

    A comparison is significant at level :math:`\alpha` when :math:`\tilde p < \alpha`.

    Reference: Holm (1979), "A simple sequentially rejective multiple test procedure",
    *Scandinavian Journal of Statistics* 6(2).
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

    Returns ``len(values) - window + 1`` numbers (none if there are fewer values than
    ``window``); entry ``s`` (0-based) covers steps ``s + 1`` to ``s + window``.
    """
    return _moving_average(_series(values, "values"), check_positive_int(window, "window"))


def steps_to_target(losses: Sequence[float], target: float, window: int = 20) -> int | None:
    r"""First step at which the moving average of the last ``window`` losses is <= ``target``.

    Returns the number of steps taken when the average of losses
    :math:`\ell_{s-w+1}, \dots, \ell_s` (1-based steps) first reaches the target, or
    ``None`` if it never does. The :func:`moving_average` keeps one lucky mini-batch from
    counting as "converged".
    """
    losses = _series(losses, "losses")
    target = check_real(target, "target")
    window = check_positive_int(window, "window")
    hit = np.flatnonzero(_moving_average(losses, window) <= target)
    return int(hit[0]) + window if hit.size else None


@dataclass(frozen=True)
class PairedDifference:
    """Summary of paired differences ``a - b``: mean, confidence interval, p-value."""

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

    Reference: Student (1908), "The probable error of a mean", *Biometrika* 6(1),
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

    Reference: D. J. Schuirmann (1987), "A comparison of the two one-sided tests procedure
    and the power approach for assessing the equivalence of average bioavailability",
    *J. Pharmacokinetics and Biopharmaceutics* 15, https://doi.org/10.1007/BF01068419
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
