"""Tests for dlcore.diagnostics: per-layer activation and gradient statistics of an MLP."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcore import activations
from dlcore.diagnostics import (
    SLOPE_GRID,
    GradientNorms,
    LayerStats,
    activation_stats,
    gradient_norms,
    max_slope,
)
from dlcore.nn import MLP


def normal_init(std):
    return lambda shape, rng: rng.normal(scale=std, size=shape)


def test_saturation_thresholds_of_sigmoid_and_tanh():
    # The grid contains t = 0, where both slopes peak: sigmoid'(0) = 1/4, tanh'(0) = 1.
    assert 0.0 in SLOPE_GRID
    assert max_slope(activations.get("sigmoid").grad) == 0.25
    assert max_slope(activations.get("tanh").grad) == 1.0
    # GELU's slope peaks at t = sqrt(2) with value Phi(sqrt2) + sqrt2 phi(sqrt2) ~ 1.1289;
    # the 0.01 grid step costs at most f''' h^2 / 8 ~ 1e-5 there.
    peak = 0.5 * math.erfc(-1.0) + math.sqrt(2) * math.exp(-1.0) / math.sqrt(2 * math.pi)
    assert max_slope(activations.get("gelu").grad) == pytest.approx(peak, abs=1e-5)


def test_activation_stats_match_direct_computation(rng):
    model = MLP([4, 30, 20, 3], activation="tanh", initializer=normal_init(1.0), rng=rng)
    x = rng.normal(size=(50, 4))
    stats = activation_stats(model, x)
    assert [s.layer for s in stats] == [1, 2]
    # Recompute layer by layer from the weights: z = h W + b, a = tanh(z).
    h = x
    for s, l in zip(stats, (1, 2), strict=True):
        z = h @ model.params[f"W{l}"] + model.params[f"b{l}"]
        a = np.tanh(z)
        assert isinstance(s, LayerStats)
        np.testing.assert_allclose(s.preactivations, z, rtol=1e-13)
        np.testing.assert_allclose(s.activations, a, rtol=1e-13)
        assert s.mean == pytest.approx(a.mean(), rel=1e-12)
        assert s.std == pytest.approx(a.std(), rel=1e-12)
        # tanh'(z) < 0.05 * 1  <=>  |z| > artanh(sqrt(0.95)) = 2.178...
        assert s.frac_saturated == np.mean(np.abs(z) > np.arctanh(np.sqrt(0.95)))
        assert s.frac_dead == 0.0
        h = a
    # Weights of std 1 with 4 and 30 inputs: layer-2 pre-activations have std ~ sqrt(30)*0.8,
    # so a large share of layer 2 is saturated, and more than in layer 1.
    assert stats[1].frac_saturated > stats[0].frac_saturated
    assert stats[1].frac_saturated > 0.3


def test_dead_relu_units_are_counted(rng):
    model = MLP([3, 10, 3], activation="relu", rng=rng)
    model.params["b1"][:4] = -100.0  # four units can never be active for O(1) inputs
    x = rng.normal(size=(40, 3))
    (s,) = activation_stats(model, x)
    assert s.frac_dead == pytest.approx(0.4)
    # ReLU's slope is 0 or 1, so saturated means exactly "inactive".
    assert s.frac_saturated == np.mean(s.preactivations <= 0)


def test_flat_activation_is_fully_saturated(rng):
    model = MLP([2, 5, 2], activation="step", rng=rng)
    (s,) = activation_stats(model, rng.normal(size=(6, 2)))
    assert s.frac_saturated == 1.0 and s.frac_dead == 1.0


def test_stats_leave_the_model_unchanged(rng):
    model = MLP([3, 6, 6, 2], activation="relu", normalization="batch", rng=rng)
    x = rng.normal(loc=3.0, size=(20, 3))
    model.forward(x[:5])
    trace = model.trace
    state = {l: {k: v.copy() for k, v in s.items()} for l, s in model.bn_state.items()}
    train_stats = activation_stats(model, x)
    infer_stats = activation_stats(model, x, training=False)
    gradient_norms(model, x, np.zeros(20, dtype=int))
    assert model.trace is trace
    for l in state:
        for k in state[l]:
            np.testing.assert_array_equal(model.bn_state[l][k], state[l][k])
    # In training mode batch norm centres each pre-activation on the batch; with untouched
    # running statistics (mean 0) inference mode keeps the input's offset of about 3 * W.
    assert np.allclose(train_stats[0].preactivations.mean(axis=0), 0.0, atol=1e-12)
    assert not np.allclose(infer_stats[0].preactivations.mean(axis=0), 0.0, atol=1e-2)


def test_gradient_norms_match_loss_and_grads(rng):
    model = MLP([5, 8, 8, 8, 3], activation="sigmoid", rng=rng)
    x, y = rng.normal(size=(30, 5)), rng.integers(0, 3, size=30)
    g = gradient_norms(model, x, y)
    loss, grads = model.loss_and_grads(x, y)
    assert isinstance(g, GradientNorms)
    assert g.loss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(
        g.weight_grad_norms, [np.linalg.norm(grads[f"W{l}"]) for l in (1, 2, 3, 4)], rtol=1e-13
    )
    np.testing.assert_allclose(
        g.activation_grad_std, [np.std(t.da) for t in model.trace], rtol=1e-13
    )
    # Deep sigmoid nets: each layer multiplies dL/da by W^T diag(sigma') with sigma' <= 1/4, so
    # the gradient shrinks towards the input (the vanishing-gradient effect).
    assert g.activation_grad_std[0] < g.activation_grad_std[-1]


def test_gradient_norms_with_mse(rng):
    model = MLP([2, 4, 1], activation="tanh", rng=rng)
    x, t = rng.normal(size=(10, 2)), rng.normal(size=10)
    g = gradient_norms(model, x, t, loss="mse")
    assert g.loss == pytest.approx(model.loss_and_grads(x, t, loss="mse")[0], rel=1e-14)
    assert g.weight_grad_norms.shape == (2,) and g.activation_grad_std.shape == (1,)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda m, x: activation_stats("model", x), TypeError, "model"),
        (
            lambda m, x: activation_stats(MLP([3, 2], rng=np.random.default_rng(0)), x),
            ValueError,
            "model",
        ),
        (lambda m, x: activation_stats(m, x[:, :2]), ValueError, "x"),
        (lambda m, x: activation_stats(m, x, training="yes"), TypeError, "training"),
        (
            lambda m, x: activation_stats(m, x, saturation_threshold=0.0),
            ValueError,
            "saturation_threshold",
        ),
        (lambda m, x: gradient_norms(m, x, np.zeros(3, dtype=int)), ValueError, "y"),
        (lambda m, x: gradient_norms(m, x, np.zeros(4, dtype=int), loss="l1"), ValueError, "loss"),
    ],
)
def test_bad_input_names_the_parameter(call, exc, name):
    model = MLP([3, 4, 2], rng=np.random.default_rng(0))
    with pytest.raises(exc) as info:
        call(model, np.zeros((4, 3)))
    assert name in str(info.value)
