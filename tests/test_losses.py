"""Tests for dlcore.losses: finite differences, stability, and agreement with Keras."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlcore.gradcheck import numerical_gradient, rel_error
from dlcore.losses import mse, softmax_cross_entropy

# Centred differences with h = 1e-5 on these smooth, O(1)-scaled losses: truncation
# h^2/6 |f'''| ~ 1e-11 and rounding ~ eps |L| / h ~ 1e-10, so 1e-7 has a wide margin.
FD_TOL = 1e-7
# Float64 against float64 with a different order of operations: each result carries a
# few ulps (~1e-15) of rounding per operation; 1e-10 is far above that and far below
# any formula difference.
KERAS_RTOL = 1e-10


def _labels(rng, n, c):
    return rng.integers(0, c, size=n)


EPS = np.finfo(np.float64).eps
H = 1e-5  # numerical_gradient's default step


def softmax_ce_fd_bound(logits: np.ndarray, h: float = H) -> float:
    r"""Largest possible |centred difference - true gradient| of the mean cross-entropy.

    Derived for any logits, saturated softmax included, as an *absolute* bound: a relative
    tolerance fails when a saturated softmax makes the whole gradient tiny, because the
    rounding error of the loss does not shrink with it.

    * Truncation: the centred difference errs by h^2/6 |L'''(xi)|. Along one logit,
      N L = log sum_c exp(z_c) - z_y has third derivative p(1 - p)(1 - 2p), at most
      1/(6 sqrt 3) in size for every p in [0, 1], so the error is <= h^2 / (36 sqrt(3) N).
    * Rounding of the loss: per row, the shifted logits (|z - max z| <= R), the C
      exponentials, their sum and its log each add a few ulps, absolute error
      <= (C + 4) eps (1 + R + log C); the mean over N rows adds N eps times the largest
      term (<= R + log C). Two evaluations, each off by delta, give delta / h in the slope.
    * The step itself: z +- h is rounded, so the true step differs from 2h by up to
      2 eps (|z| + h): a relative change of the slope of eps (|z| + h) / h, times the
      gradient (<= 1/N).

    A factor 2 covers the "few ulps" and the cross terms.
    """
    n, c = logits.shape
    spread = float(np.max(logits.max(axis=1) - logits.min(axis=1)))
    magnitude = spread + np.log(c)
    truncation = h**2 / (36 * np.sqrt(3) * n)
    loss_rounding = ((c + 4) * (1 + magnitude) + n * magnitude) * EPS
    step_rounding = EPS * (float(np.max(np.abs(logits))) + h) / h / n
    return 2 * (truncation + loss_rounding / h + step_rounding)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(2, 6),
    scale=st.sampled_from([0.1, 1.0, 5.0, 30.0]),
    seed=st.integers(0, 2**32 - 1),
)
@example(n=1, c=2, scale=5.0, seed=0)  # the shapes of the fresh-clone failure (issue 9)
@example(n=2, c=3, scale=30.0, seed=1)  # deeply saturated: most gradient entries ~1e-20
def test_softmax_cross_entropy_gradient_matches_finite_differences(n, c, scale, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=(n, c))
    y = _labels(rng, n, c)
    loss, dlogits = softmax_cross_entropy(logits, y)
    num = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits, h=H)
    assert dlogits.shape == logits.shape
    bound = softmax_ce_fd_bound(logits)
    assert np.max(np.abs(dlogits - num)) <= bound
    # The bound still means something: at the unsaturated scales it is far below the
    # size of a gradient entry (~1/N), so a wrong formula cannot hide under it.
    if scale <= 1.0:
        assert bound < 1e-8
    # Every row of the gradient sums to zero (softmax minus a one-hot, both sum to 1):
    # C entries of size <= 1/N, summed with rounding ~ C eps / N.
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)
    assert loss >= 0.0


def test_fd_bound_catches_a_gradient_off_by_one_percent(rng):
    # A gradient 1 % off (a typical backward-pass slip, e.g. dividing by N - 1 instead of
    # N) fails the bound even in the smallest case.
    logits = rng.normal(size=(1, 2))
    y = np.array([0])
    _, dlogits = softmax_cross_entropy(logits, y)
    num = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits, h=H)
    assert np.max(np.abs(0.99 * dlogits - num)) > softmax_ce_fd_bound(logits)


@settings(max_examples=30, deadline=None)
@given(shape=st.sampled_from([(5,), (3, 1), (4, 3)]), seed=st.integers(0, 2**32 - 1))
def test_mse_gradient_matches_finite_differences(shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    loss, dpred = mse(pred, target)
    num = numerical_gradient(lambda p: mse(p, target)[0], pred)
    assert rel_error(dpred, num) < FD_TOL
    # Independent formula: the mean of the squared differences.
    assert loss == pytest.approx(np.sum((pred - target) ** 2) / pred.size, rel=1e-14)


def test_softmax_cross_entropy_is_stable_at_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    y = np.array([1, 0])
    loss, dlogits = softmax_cross_entropy(logits, y)
    # Row 1: label logit is 2000 below the max, so its loss is 2000 (log-sum-exp = 1000).
    # Row 2: three equal logits give log 3. The mean is exact up to rounding.
    assert loss == pytest.approx((2000.0 + np.log(3.0)) / 2, rel=1e-14)
    assert np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(dlogits[1], (np.full(3, 1 / 3) - [1, 0, 0]) / 2, rtol=1e-14)


def test_softmax_cross_entropy_is_shift_invariant(rng):
    # Adding a constant to a row of logits leaves the softmax, hence loss and gradient, equal.
    logits = rng.normal(size=(4, 5))
    y = _labels(rng, 4, 5)
    shift = rng.normal(size=(4, 1)) * 100
    a, da = softmax_cross_entropy(logits, y)
    b, db = softmax_cross_entropy(logits + shift, y)
    # 100-sized shifts cost ~100 eps of absolute precision in the log-sum-exp.
    assert a == pytest.approx(b, abs=1e-12)
    np.testing.assert_allclose(da, db, atol=1e-13)


def test_softmax_cross_entropy_keeps_float32():
    logits = np.zeros((2, 3), dtype=np.float32)
    loss, dlogits = softmax_cross_entropy(logits, np.array([0, 2]))
    assert dlogits.dtype == np.float32
    assert loss == pytest.approx(np.log(3.0), rel=1e-6)


@pytest.mark.tf
def test_softmax_cross_entropy_matches_keras(keras_float64, rng):
    keras = keras_float64
    import tensorflow as tf

    logits = rng.normal(scale=3.0, size=(7, 4))
    y = _labels(rng, 7, 4)
    loss, dlogits = softmax_cross_entropy(logits, y)
    z = tf.Variable(logits)
    with tf.GradientTape() as tape:
        ref = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, z)
    np.testing.assert_allclose(loss, ref.numpy(), rtol=KERAS_RTOL)
    np.testing.assert_allclose(dlogits, tape.gradient(ref, z).numpy(), rtol=KERAS_RTOL, atol=1e-16)


@pytest.mark.tf
@pytest.mark.parametrize("shape", [(6,), (6, 1), (6, 3)])
def test_mse_matches_keras(keras_float64, rng, shape):
    keras = keras_float64
    import tensorflow as tf

    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    loss, dpred = mse(pred, target)
    p = tf.Variable(pred)
    with tf.GradientTape() as tape:
        ref = keras.losses.MeanSquaredError()(target, p)
    np.testing.assert_allclose(loss, ref.numpy(), rtol=KERAS_RTOL)
    np.testing.assert_allclose(dpred, tape.gradient(ref, p).numpy(), rtol=KERAS_RTOL)


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: softmax_cross_entropy(np.zeros(3), np.array([0])), ValueError, "logits"),
        (lambda: softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, int)), ValueError, "logits"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, "y"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])), ValueError, "y"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError, "[0, 3)"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 0])), ValueError, "y"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), None), TypeError, "y"),
        (
            lambda: softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0])),
            ValueError,
            "logits",
        ),
        (lambda: softmax_cross_entropy("logits", np.array([0])), TypeError, "logits"),
        (lambda: mse(np.zeros((3, 1)), np.zeros(3)), ValueError, "target"),
        (lambda: mse(np.zeros((3, 2, 1)), np.zeros((3, 2, 1))), ValueError, "pred"),
        (lambda: mse(np.zeros(0), np.zeros(0)), ValueError, "pred"),
        (lambda: mse(np.zeros(2), ["a", "b"]), TypeError, "target"),
        # Finite-value policy: NaN/inf is refused by name, as for softmax_cross_entropy.
        (lambda: mse(np.array([0.0, np.nan]), np.zeros(2)), ValueError, "pred contains NaN"),
        (lambda: mse(np.zeros(2), np.array([np.inf, 0.0])), ValueError, "target contains NaN"),
        (lambda: mse(np.array([[-np.inf]]), np.zeros((1, 1))), ValueError, "pred"),
        (
            lambda: softmax_cross_entropy(np.array([[np.inf, 0.0]]), np.array([0])),
            ValueError,
            "logits contains NaN",
        ),
    ],
)
def test_bad_input_names_the_parameter(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value)
