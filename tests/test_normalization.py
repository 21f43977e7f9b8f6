"""Tests for dlcore.normalization: finite differences, Keras float64, conventions, bad input."""

from __future__ import annotations

import doctest
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import normalization
from dlcore.gradcheck import numerical_gradient_array, rel_error
from dlcore.normalization import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_state,
    groupnorm_backward,
    groupnorm_forward,
    layernorm_backward,
    layernorm_forward,
    rmsnorm_backward,
    rmsnorm_forward,
)

# Finite differences: the issue's bound. With h = 1e-5 the truncation error h^2/6 f'''
# and the rounding error eps*|f|/h are both ~1e-10 relative for inputs of unit size.
FD_TOL = 1e-7
# Against Keras: the same formula evaluated in float64 in a different order
# (tf.nn.batch_normalization computes x*s + (beta - mean*s)). A dozen roundings of
# 2^-53 relative to the largest magnitude involved give ~1e-15 (measured <= 4.3e-15);
# the (max-normalised) rel_error bound 1e-12 leaves a wide margin for other summation
# orders and is still six orders tighter than the rtol 1e-6.
KERAS_TOL = 1e-12


def _fd_epsilon(group_size):
    """Epsilon for the finite-difference checks: Keras' 1e-3, except for groups of 2.

    With two values per group (N = 2 for batch norm, D = 2 for layer norm) the
    normalised output is +-sqrt(v / (v + eps)) whatever x is, so dx is only O(eps) while
    the outputs are O(1): the centred difference's rounding error eps_mach * |f| / h
    ~ 1e-11 is then ~1e-7 of dx (measured up to 7e-7 over 300 draws). With eps = 1 the
    gradient is O(1) again (measured <= 1.1e-9). The formula does not depend on eps.
    """
    return 1.0 if group_size == 2 else 1e-3


def _assert_matches_finite_differences(f, x, gamma, beta, dout, analytic):
    """(dx, dgamma, dbeta) of f(x, gamma, beta) against central differences, each < FD_TOL."""
    numeric = (
        numerical_gradient_array(lambda v: f(v, gamma, beta), x, dout),
        numerical_gradient_array(lambda v: f(x, v, beta), gamma, dout),
        numerical_gradient_array(lambda v: f(x, gamma, v), beta, dout),
    )
    for name, ours, theirs in zip(("dx", "dgamma", "dbeta"), analytic, numeric, strict=True):
        assert rel_error(ours, theirs) < FD_TOL, name


def _inputs(rng, n, d, *, offset=0.0):
    x = offset + rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d)
    return x, rng.normal(size=d), rng.normal(size=d)


# ---------------------------------------------------------------- finite differences


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_batchnorm_training_backward_matches_finite_differences(n, d, seed):
    rng = np.random.default_rng(seed)
    x, gamma, beta = _inputs(rng, n, d)

    eps = _fd_epsilon(n)

    def f(x_, g_, b_):  # fresh running statistics each call: the output ignores them
        return batchnorm_forward(x_, g_, b_, batchnorm_state(d), training=True, epsilon=eps)[0]

    out, cache = batchnorm_forward(x, gamma, beta, batchnorm_state(d), training=True, epsilon=eps)
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    _assert_matches_finite_differences(f, x, gamma, beta, dout, (dx, dgamma, dbeta))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_batchnorm_inference_backward_matches_finite_differences(n, d, seed):
    rng = np.random.default_rng(seed)
    x, gamma, beta = _inputs(rng, n, d)
    state = {"running_mean": rng.normal(size=d), "running_var": rng.uniform(0.1, 2.0, size=d)}
    out, cache = batchnorm_forward(x, gamma, beta, state, training=False)
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    def f(x_, g_, b_):
        return batchnorm_forward(x_, g_, b_, state, training=False)[0]

    _assert_matches_finite_differences(f, x, gamma, beta, dout, (dx, dgamma, dbeta))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_layernorm_backward_matches_finite_differences(n, d, seed):
    rng = np.random.default_rng(seed)
    x, gamma, beta = _inputs(rng, n, d)
    eps = _fd_epsilon(d)

    def f(x_, g_, b_):
        return layernorm_forward(x_, g_, b_, epsilon=eps)[0]

    out, cache = layernorm_forward(x, gamma, beta, epsilon=eps)
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    _assert_matches_finite_differences(f, x, gamma, beta, dout, (dx, dgamma, dbeta))


# ---------------------------------------------------------------- defining properties


def test_batchnorm_training_output_has_the_target_moments(rng):
    # Per feature, the output mean is beta and the (biased) variance is
    # gamma^2 * var / (var + eps): a check independent of how the code is written.
    x, gamma, beta = _inputs(rng, 50, 3, offset=4.0)
    out, _ = batchnorm_forward(x, gamma, beta, batchnorm_state(3), training=True, epsilon=0.5)
    np.testing.assert_allclose(out.mean(axis=0), beta, rtol=1e-12, atol=1e-12)
    var = x.var(axis=0)
    np.testing.assert_allclose(out.var(axis=0), gamma**2 * var / (var + 0.5), rtol=1e-12)


def test_layernorm_rows_have_the_target_moments(rng):
    x = rng.normal(size=(4, 20)) * 3 - 2
    out, _ = layernorm_forward(x, np.ones(20), np.zeros(20), epsilon=0.25)
    var = x.var(axis=1)
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=1), var / (var + 0.25), rtol=1e-12)


def test_running_statistics_use_keras_momentum_not_pytorch(rng):
    # Keras: running = momentum * running + (1 - momentum) * batch. PyTorch's
    # BatchNorm1d(momentum=m) weights the *batch* by m, so with the same number 0.99
    # the running mean would jump to 0.99 * batch mean after one step.
    x, gamma, beta = _inputs(rng, 8, 3, offset=2.0)
    state = batchnorm_state(3)
    batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99)
    np.testing.assert_allclose(state["running_mean"], 0.01 * x.mean(axis=0), rtol=1e-12)
    # biased batch variance (Keras), not the unbiased one (PyTorch's running_var)
    np.testing.assert_allclose(state["running_var"], 0.99 + 0.01 * x.var(axis=0), rtol=1e-12)
    assert not np.allclose(state["running_mean"], 0.99 * x.mean(axis=0))


def test_inference_uses_running_statistics_and_leaves_them_unchanged(rng):
    x, gamma, beta = _inputs(rng, 5, 2)
    state = {"running_mean": np.array([1.0, -2.0]), "running_var": np.array([4.0, 0.25])}
    out, _ = batchnorm_forward(x, gamma, beta, state, training=False, epsilon=1e-3)
    expected = gamma * (x - [1.0, -2.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-3) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    np.testing.assert_array_equal(state["running_mean"], [1.0, -2.0])
    np.testing.assert_array_equal(state["running_var"], [4.0, 0.25])


def test_batch_of_one_gives_beta_and_zero_input_gradient(rng):
    x, gamma, beta = _inputs(rng, 1, 4)
    state = batchnorm_state(4)
    out, cache = batchnorm_forward(x, gamma, beta, state, training=True)
    np.testing.assert_array_equal(out, beta[None, :])
    dx, dgamma, dbeta = batchnorm_backward(np.ones((1, 4)), cache)
    np.testing.assert_array_equal(dx, 0.0)
    np.testing.assert_array_equal(dgamma, 0.0)
    np.testing.assert_array_equal(dbeta, 1.0)
    # the batch variance is 0, so the running variance decays towards 0 by 1%
    np.testing.assert_allclose(state["running_var"], 0.99, rtol=1e-15)


def test_extreme_inputs_give_finite_results():
    # +-1000 inputs and a constant feature (variance 0): no NaN, no warnings
    # (RuntimeWarnings from dlcore are errors under pytest).
    x = np.array([[1000.0, 5.0], [-1000.0, 5.0], [1000.0, 5.0]])
    gamma, beta = np.ones(2), np.array([0.0, 0.5])
    out, cache = batchnorm_forward(x, gamma, beta, batchnorm_state(2), training=True)
    np.testing.assert_allclose(out[:, 1], 0.5)
    grads = batchnorm_backward(np.ones_like(x), cache)
    out_ln, cache_ln = layernorm_forward(x, gamma, beta)
    grads_ln = layernorm_backward(np.ones_like(x), cache_ln)
    for arr in (out, *grads, out_ln, *grads_ln):
        assert np.all(np.isfinite(arr))


def test_defaults_match_keras_signatures():
    # The contract pins Keras' defaults without needing TensorFlow to check them.
    bn = inspect.signature(batchnorm_forward).parameters
    assert bn["momentum"].default == 0.99
    assert bn["epsilon"].default == 1e-3
    assert inspect.signature(layernorm_forward).parameters["epsilon"].default == 1e-3


# ---------------------------------------------------------------- against Keras


def _keras_bn(keras, d, gamma, beta, state, **kw):
    layer = keras.layers.BatchNormalization(**kw)
    layer.build((None, d))
    layer.set_weights([gamma, beta, state["running_mean"], state["running_var"]])
    return layer


@pytest.mark.tf
def test_keras_defaults_are_the_dlcore_defaults(keras_float64):
    keras = keras_float64
    bn = keras.layers.BatchNormalization()
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)
    assert keras.layers.LayerNormalization().epsilon == 1e-3


@pytest.mark.tf
@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("momentum", [0.99, 0.5])
def test_batchnorm_matches_keras_over_several_training_steps(keras_float64, rng, n, momentum):
    # Forward output and running statistics after each training call, then inference.
    import tensorflow as tf

    d = 3
    _, gamma, beta = _inputs(rng, n, d)
    state = {"running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 2.0, size=d)}
    layer = _keras_bn(keras_float64, d, gamma, beta, state, momentum=momentum, epsilon=0.01)
    for _ in range(4):
        x = _inputs(rng, n, d, offset=3.0)[0]
        out, _ = batchnorm_forward(
            x, gamma, beta, state, training=True, momentum=momentum, epsilon=0.01
        )
        assert rel_error(out, layer(tf.constant(x), training=True).numpy()) < KERAS_TOL
        assert rel_error(state["running_mean"], layer.moving_mean.numpy()) < KERAS_TOL
        assert rel_error(state["running_var"], layer.moving_variance.numpy()) < KERAS_TOL
    x = _inputs(rng, n, d, offset=3.0)[0]
    out, _ = batchnorm_forward(x, gamma, beta, state, training=False, epsilon=0.01)
    assert rel_error(out, layer(tf.constant(x), training=False).numpy()) < KERAS_TOL


@pytest.mark.tf
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("n", [1, 6])
def test_batchnorm_backward_matches_keras_gradient_tape(keras_float64, rng, training, n):
    import tensorflow as tf

    d = 4
    x, gamma, beta = _inputs(rng, n, d, offset=-1.0)
    state = {"running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 2.0, size=d)}
    layer = _keras_bn(keras_float64, d, gamma, beta, state)
    dout = rng.normal(size=(n, d))
    out, cache = batchnorm_forward(x, gamma, beta, state, training=training)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = tf.reduce_sum(y * dout)
    k_dx, k_dgamma, k_dbeta = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    assert rel_error(out, y.numpy()) < KERAS_TOL
    if n == 1 and training:
        # Keras' dx is rounding noise around the exact 0 (x - mean = 0 exactly in dlcore)
        np.testing.assert_array_equal(dx, 0.0)
        assert np.max(np.abs(k_dx.numpy())) < 1e-12 * np.max(np.abs(dout * gamma))
    else:
        assert rel_error(dx, k_dx.numpy()) < KERAS_TOL
    assert rel_error(dgamma, np.asarray(k_dgamma)) < KERAS_TOL
    assert rel_error(dbeta, np.asarray(k_dbeta)) < KERAS_TOL


@pytest.mark.tf
@pytest.mark.parametrize(("n", "d"), [(1, 5), (4, 1), (6, 8)])
def test_layernorm_matches_keras_forward_and_backward(keras_float64, rng, n, d):
    import tensorflow as tf

    x, gamma, beta = _inputs(rng, n, d, offset=2.0)
    layer = keras_float64.layers.LayerNormalization()
    layer.build((None, d))
    layer.set_weights([gamma, beta])
    dout = rng.normal(size=(n, d))
    out, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * dout)
    k_dx, k_dgamma, k_dbeta = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    assert rel_error(out, y.numpy()) < KERAS_TOL
    if d == 1:  # output is beta whatever x is; Keras' dx is rounding noise around 0
        np.testing.assert_array_equal(dx, 0.0)
        assert np.max(np.abs(k_dx.numpy())) < 1e-12 * np.max(np.abs(dout * gamma))
    else:
        assert rel_error(dx, k_dx.numpy()) < KERAS_TOL
    assert rel_error(dgamma, np.asarray(k_dgamma)) < KERAS_TOL
    assert rel_error(dbeta, np.asarray(k_dbeta)) < KERAS_TOL


# ---------------------------------------------------------------- bad input

_X, _G, _B = np.zeros((2, 3)), np.ones(3), np.zeros(3)


def _bn(**overrides):
    args = {"x": _X, "gamma": _G, "beta": _B, "state": batchnorm_state(3), "training": True}
    args.update(overrides)
    return lambda: batchnorm_forward(**args)


_LN_CACHE = layernorm_forward(_X, _G, _B)[1]
_BN_CACHE = batchnorm_forward(_X, _G, _B, batchnorm_state(3), training=True)[1]


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (_bn(x=np.zeros(3)), ValueError, "x"),
        (_bn(x=np.zeros((0, 3))), ValueError, "x"),
        (_bn(x="abc"), TypeError, "x"),
        (_bn(gamma=np.ones(4)), ValueError, "gamma"),
        (_bn(beta=np.zeros((3, 1))), ValueError, "beta"),
        (_bn(state=None), TypeError, "state"),
        (_bn(state={"running_mean": np.zeros(3)}), ValueError, "running_var"),
        (
            _bn(state={"running_mean": np.zeros(2), "running_var": np.ones(3)}),
            ValueError,
            "running_mean",
        ),
        (
            _bn(state={"running_mean": [0.0] * 3, "running_var": np.ones(3)}),
            TypeError,
            "running_mean",
        ),
        (_bn(training=1), TypeError, "training"),
        (_bn(momentum=1.0), ValueError, "momentum"),
        (_bn(momentum=-0.1), ValueError, "momentum"),
        (_bn(epsilon=0.0), ValueError, "epsilon"),
        (_bn(epsilon=-1e-3), ValueError, "epsilon"),
        (lambda: batchnorm_state(0), ValueError, "num_features"),
        (lambda: batchnorm_state(2.0), TypeError, "num_features"),
        (lambda: batchnorm_backward(np.zeros((2, 4)), _BN_CACHE), ValueError, "dout"),
        (lambda: batchnorm_backward(np.zeros((2, 3)), _LN_CACHE), TypeError, "cache"),
        (lambda: layernorm_backward(np.zeros((2, 3)), _BN_CACHE), TypeError, "cache"),
        (lambda: layernorm_forward(_X, np.ones(2), _B), ValueError, "gamma"),
        (lambda: layernorm_forward(_X, _G, _B, epsilon=0), ValueError, "epsilon"),
        (lambda: layernorm_forward(np.zeros((2, 0)), np.ones(0), np.zeros(0)), ValueError, "x"),
    ],
)
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_bad_input_leaves_running_statistics_untouched():
    state = batchnorm_state(3)
    with pytest.raises(ValueError, match="epsilon"):
        batchnorm_forward(np.ones((2, 3)), _G, _B, state, training=True, epsilon=0.0)
    np.testing.assert_array_equal(state["running_mean"], 0.0)
    np.testing.assert_array_equal(state["running_var"], 1.0)


# ---------------------------------------------------------------- NaN / inf (issue 9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_batch_raises_before_touching_running_statistics(rng, bad):
    # One bad batch must not poison the running statistics: before the fix, a NaN batch
    # made running_mean NaN for ever and every later inference output NaN.
    x, gamma, beta = _inputs(rng, 6, 3)
    state = {"running_mean": rng.normal(size=3), "running_var": rng.uniform(0.5, 2.0, size=3)}
    before = {k: v.copy() for k, v in state.items()}
    x[2, 1] = bad
    with pytest.raises(ValueError, match=r"\bx\b.*NaN or infinity"):
        batchnorm_forward(x, gamma, beta, state, training=True)
    for key in before:
        np.testing.assert_array_equal(state[key], before[key])
    # the layer still works on the next, healthy batch
    x[2, 1] = 0.0
    out, _ = batchnorm_forward(x, gamma, beta, state, training=False)
    assert np.all(np.isfinite(out))


def test_overflowing_batch_variance_raises_before_touching_running_statistics():
    # finite inputs whose squared deviations overflow: var = inf would poison running_var
    state = batchnorm_state(2)
    x = np.array([[1e200, 0.0], [-1e200, 1.0]])
    with pytest.raises(ValueError, match=r"\bx\b.*overflow"):
        batchnorm_forward(x, np.ones(2), np.zeros(2), state, training=True)
    np.testing.assert_array_equal(state["running_mean"], 0.0)
    np.testing.assert_array_equal(state["running_var"], 1.0)


def test_inference_with_nan_leaves_running_statistics_untouched():
    state = batchnorm_state(2)
    out, _ = batchnorm_forward(
        np.array([[np.nan, 1.0]]), np.ones(2), np.zeros(2), state, training=False
    )
    assert np.isnan(out[0, 0]) and np.isfinite(out[0, 1])
    np.testing.assert_array_equal(state["running_mean"], 0.0)


@pytest.mark.parametrize("flag", [1, 0, None, np.True_, "yes"])
def test_training_flag_must_be_a_python_bool(flag):
    with pytest.raises(TypeError, match="training must be True or False"):
        batchnorm_forward(_X, _G, _B, batchnorm_state(3), training=flag)


def test_docstring_examples_run():
    result = doctest.testmod(normalization, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


def test_every_public_function_has_an_example_and_a_paper_link():
    for name in normalization.__all__:
        doc = getattr(normalization, name).__doc__
        assert "Example:" in doc and ">>>" in doc, name
    assert normalization.__doc__.count("https://arxiv.org/abs/") >= 4


# ---------------------------------------------------------------- RMS norm, group norm


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_rmsnorm_backward_matches_finite_differences(n, d, seed):
    # No centring, so D = 2 is not degenerate; D = 1 is: y = gamma x / sqrt(x^2 + eps) is
    # +-gamma up to O(eps), so as for groups of 2 (see _fd_epsilon) we use eps = 1 there
    # (measured 1.9e-7 with 1e-3).
    rng = np.random.default_rng(seed)
    x, gamma, _ = _inputs(rng, n, d)
    eps = 1.0 if d == 1 else 1e-3
    out, cache = rmsnorm_forward(x, gamma, epsilon=eps)
    dout = rng.normal(size=out.shape)
    dx, dgamma = rmsnorm_backward(dout, cache)
    num_dx = numerical_gradient_array(lambda v: rmsnorm_forward(v, gamma, epsilon=eps)[0], x, dout)
    num_dg = numerical_gradient_array(lambda v: rmsnorm_forward(x, v, epsilon=eps)[0], gamma, dout)
    assert rel_error(dx, num_dx) < FD_TOL
    assert rel_error(dgamma, num_dg) < FD_TOL


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3),
    positions=st.sampled_from([(), (3,), (2, 2)]),
    groups_and_size=st.sampled_from([(1, 3), (2, 3), (3, 1), (2, 2), (1, 4)]),
    seed=st.integers(0, 2**32 - 1),
)
def test_groupnorm_backward_matches_finite_differences(n, positions, groups_and_size, seed):
    rng = np.random.default_rng(seed)
    groups, size = groups_and_size
    c = groups * size
    x = rng.normal(size=(n, *positions, c)) * rng.uniform(0.5, 3.0, size=c)
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    group_values = size * int(np.prod(positions, dtype=int))
    eps = _fd_epsilon(group_values)
    if group_values == 1:  # the output is beta: dx is exactly 0 (checked below)
        eps = 1e-3

    def f(x_, g_, b_):
        return groupnorm_forward(x_, g_, b_, groups=groups, epsilon=eps)[0]

    out, cache = groupnorm_forward(x, gamma, beta, groups=groups, epsilon=eps)
    dout = rng.normal(size=out.shape)
    grads = groupnorm_backward(dout, cache)
    if group_values == 1:
        np.testing.assert_array_equal(grads[0], 0.0)
    _assert_matches_finite_differences(f, x, gamma, beta, dout, grads)


def test_groupnorm_with_one_group_is_layernorm_and_with_c_groups_is_instance_norm(rng):
    x, gamma, beta = _inputs(rng, 5, 6)
    dout = rng.normal(size=x.shape)
    gn, gn_cache = groupnorm_forward(x, gamma, beta, groups=1)
    ln, ln_cache = layernorm_forward(x, gamma, beta)
    np.testing.assert_allclose(gn, ln, rtol=1e-13, atol=1e-13)
    for a, b in zip(
        groupnorm_backward(dout, gn_cache), layernorm_backward(dout, ln_cache), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    # one channel per group over 2x2 positions: each (example, channel) normalized alone
    img = rng.normal(size=(2, 2, 2, 3)) * 4 + 1
    out, _ = groupnorm_forward(img, np.ones(3), np.zeros(3), groups=3, epsilon=0.5)
    var = img.var(axis=(1, 2))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=(1, 2)), var / (var + 0.5), rtol=1e-12)


def test_rmsnorm_rows_have_the_target_root_mean_square(rng):
    x = rng.normal(size=(4, 10)) * 3 + 2  # not centred: RMS norm keeps the mean
    out, _ = rmsnorm_forward(x, np.ones(10), epsilon=0.25)
    ms = np.mean(x**2, axis=1)
    np.testing.assert_allclose(np.mean(out**2, axis=1), ms / (ms + 0.25), rtol=1e-12)
    # the mean is not removed: each row keeps its ratio mean / RMS (layer norm makes it 0)
    ratio = x.mean(axis=1) / np.sqrt(ms)
    np.testing.assert_allclose(out.mean(axis=1) / np.sqrt(np.mean(out**2, axis=1)), ratio)
    assert np.all(ratio > 0.2)
    assert inspect.signature(rmsnorm_forward).parameters["epsilon"].default == 1e-6


@pytest.mark.tf
@pytest.mark.parametrize(("n", "d"), [(1, 5), (4, 1), (6, 8)])
def test_rmsnorm_matches_keras_forward_and_backward(keras_float64, rng, n, d):
    import tensorflow as tf

    x, gamma, _ = _inputs(rng, n, d, offset=2.0)
    layer = keras_float64.layers.RMSNormalization()
    layer.build((None, d))
    layer.set_weights([gamma])
    dout = rng.normal(size=(n, d))
    out, cache = rmsnorm_forward(x, gamma)
    dx, dgamma = rmsnorm_backward(dout, cache)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * dout)
    k_dx, k_dgamma = tape.gradient(loss, [xt, layer.trainable_weights[0]])
    assert layer.epsilon == 1e-6
    assert rel_error(out, y.numpy()) < KERAS_TOL
    assert rel_error(dx, k_dx.numpy()) < KERAS_TOL
    assert rel_error(dgamma, np.asarray(k_dgamma)) < KERAS_TOL


@pytest.mark.tf
@pytest.mark.parametrize(("shape", "groups"), [((3, 8), 4), ((2, 3, 3, 6), 2), ((1, 4), 1)])
def test_groupnorm_matches_keras_forward_and_backward(keras_float64, rng, shape, groups):
    import tensorflow as tf

    c = shape[-1]
    x = rng.normal(size=shape) * 2 + 1
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    layer = keras_float64.layers.GroupNormalization(groups=groups)
    layer.build((None, *shape[1:]))
    layer.set_weights([gamma, beta])
    dout = rng.normal(size=shape)
    out, cache = groupnorm_forward(x, gamma, beta, groups=groups)
    dx, dgamma, dbeta = groupnorm_backward(dout, cache)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * dout)
    k_dx, k_dgamma, k_dbeta = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    assert rel_error(out, y.numpy()) < KERAS_TOL
    assert rel_error(dx, k_dx.numpy()) < KERAS_TOL
    assert rel_error(dgamma, np.asarray(k_dgamma)) < KERAS_TOL
    assert rel_error(dbeta, np.asarray(k_dbeta)) < KERAS_TOL


_RMS_CACHE = rmsnorm_forward(_X, _G)[1]
_GN_CACHE = groupnorm_forward(_X, _G, _B, groups=3)[1]


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: rmsnorm_forward(np.zeros(3), _G), ValueError, "x"),
        (lambda: rmsnorm_forward(_X, np.ones(2)), ValueError, "gamma"),
        (lambda: rmsnorm_forward(_X, _G, epsilon=0.0), ValueError, "epsilon"),
        (lambda: rmsnorm_forward(np.zeros((2, 0)), np.ones(0)), ValueError, "x"),
        (lambda: rmsnorm_backward(np.zeros((2, 3)), _LN_CACHE), TypeError, "cache"),
        (lambda: rmsnorm_backward(np.zeros((3, 3)), _RMS_CACHE), ValueError, "dout"),
        (lambda: groupnorm_forward(np.zeros(3), _G, _B, groups=1), ValueError, "x"),
        (lambda: groupnorm_forward(_X, _G, _B, groups=2), ValueError, "groups"),
        (lambda: groupnorm_forward(_X, _G, _B, groups=0), ValueError, "groups"),
        (lambda: groupnorm_forward(_X, _G, _B, groups=1.0), TypeError, "groups"),
        (lambda: groupnorm_forward(_X, _G, np.zeros(2), groups=1), ValueError, "beta"),
        (lambda: groupnorm_forward(_X, _G, _B, groups=1, epsilon=-1), ValueError, "epsilon"),
        (lambda: groupnorm_backward(np.zeros((2, 3)), _RMS_CACHE), TypeError, "cache"),
        (lambda: groupnorm_backward(np.zeros((2, 4)), _GN_CACHE), ValueError, "dout"),
    ],
)
def test_rms_and_group_norm_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
