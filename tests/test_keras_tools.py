"""Tests for dlcore.keras_tools: the Keras mirror of dlcore.nn.MLP and the Keras diagnostics.

All comparisons run Keras in float64 (fixture ``keras_float64``). Both sides then do the
same float64 arithmetic in a different order; a forward or backward pass through a few
small layers accumulates a few dozen roundings of ~1e-16, so agreement is expected to
~1e-14 and the tolerance 1e-10 (far below the brief's 1e-6) still separates a real formula
difference from rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import activations, diagnostics
from dlcore.nn import MLP

pytestmark = pytest.mark.tf

kt = pytest.importorskip("dlcore.keras_tools")
RTOL = 1e-10
# TensorFlow evaluates GELU with float32-rounded constants (1/sqrt(2); sqrt(2/pi), 0.044715)
# and Keras rounds leaky ReLU's slope to float32: relative error 2^-24 ~ 6e-8 in a constant,
# hence ~1e-8 in the activation (see test_keras_activation_equals_dlcore). Through a few
# O(1) layers that stays well below the brief's 1e-6, which is used for them.
FLOAT32_CONSTANTS = {"gelu", "gelu_tanh", "leaky_relu"}
LOOSE_RTOL = 1e-6


def make_mlp(rng, sizes=(4, 6, 6, 3), **kw):
    kw.setdefault("bias_initializer", lambda shape, rng: rng.normal(scale=0.2, size=shape))
    return MLP(list(sizes), rng=rng, **kw)


def assert_grads_close(ours, theirs, rtol=RTOL):
    assert ours.keys() == theirs.keys()
    scale = max(np.max(np.abs(g)) for g in ours.values())
    for key in ours:
        # Absolute floor of 1 % of rtol times the largest gradient: the batch-norm biases
        # have a true gradient of 0, where both sides hold rounding noise (~1e-17), and the
        # float32 constants of GELU perturb every entry by an absolute ~1e-8 * scale, which
        # is large relative to the smallest entries.
        np.testing.assert_allclose(ours[key], theirs[key], rtol=rtol, atol=1e-2 * rtol * scale)


@pytest.mark.parametrize(
    ("act", "normalization", "residual"),
    [
        ("tanh", None, False),
        ("relu", "batch", False),
        ("softplus", "layer", False),
        ("elu", None, True),
        ("swish", "batch", True),
        ("sigmoid", "layer", True),
        ("gelu", "layer", False),
        ("leaky_relu", None, True),
    ],
)
def test_from_dlcore_gives_the_same_logits_and_gradients(
    keras_float64, rng, act, normalization, residual
):
    rtol = LOOSE_RTOL if act in FLOAT32_CONSTANTS else RTOL
    mlp = make_mlp(rng, activation=act, normalization=normalization, residual=residual)
    model = kt.from_dlcore(mlp)
    x, y = rng.normal(size=(9, 4)), rng.integers(0, 3, size=9)
    # Inference mode first (running statistics untouched on both sides), then training mode.
    np.testing.assert_allclose(model(x, training=False).numpy(), mlp.predict(x), rtol=rtol)
    loss, grads = mlp.loss_and_grads(x, y)  # dlcore: first update of the running statistics
    k_loss, k_grads = kt.loss_and_grads(model, x, y)  # restores Keras' moving statistics
    assert k_loss == pytest.approx(loss, rel=rtol)
    assert_grads_close(grads, k_grads, rtol)
    np.testing.assert_allclose(model(x, training=True).numpy(), mlp.forward(x), rtol=rtol)
    if normalization == "batch":
        # dlcore has now updated its running statistics twice, Keras once: once more.
        model(x, training=True)
        bn = model.get_layer("norm_1")
        np.testing.assert_allclose(
            bn.moving_mean.numpy(), mlp.bn_state[1]["running_mean"], rtol=rtol
        )
        np.testing.assert_allclose(
            bn.moving_variance.numpy(), mlp.bn_state[1]["running_var"], rtol=rtol
        )


def test_mse_gradients_agree(keras_float64, rng):
    mlp = make_mlp(rng, sizes=(3, 5, 2), activation="softplus")
    model = kt.from_dlcore(mlp)
    x, t = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    loss, grads = mlp.loss_and_grads(x, t, loss="mse")
    k_loss, k_grads = kt.loss_and_grads(model, x, t, loss="mse")
    assert k_loss == pytest.approx(loss, rel=RTOL)
    assert_grads_close(grads, k_grads)
    g, kg = (
        diagnostics.gradient_norms(mlp, x, t, loss="mse"),
        kt.gradient_norms(model, x, t, loss="mse"),
    )
    np.testing.assert_allclose(kg.weight_grad_norms, g.weight_grad_norms, rtol=RTOL)


@pytest.mark.parametrize(
    ("normalization", "residual"), [(None, False), ("batch", False), ("layer", True)]
)
def test_keras_diagnostics_equal_dlcore_diagnostics(keras_float64, rng, normalization, residual):
    mlp = make_mlp(
        rng,
        sizes=(4, 12, 12, 12, 3),
        activation="tanh",
        normalization=normalization,
        residual=residual,
        initializer=lambda s, r: r.normal(scale=1.5, size=s),
    )
    model = kt.from_dlcore(mlp)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    before = [v.numpy().copy() for v in model.non_trainable_variables]
    ours, theirs = diagnostics.activation_stats(mlp, x), kt.activation_stats(model, x)
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs, strict=True):
        assert a.layer == b.layer
        np.testing.assert_allclose(b.activations, a.activations, rtol=RTOL, atol=1e-14)
        np.testing.assert_allclose(b.preactivations, a.preactivations, rtol=RTOL, atol=1e-14)
        assert b.mean == pytest.approx(a.mean, abs=1e-12)
        assert b.std == pytest.approx(a.std, rel=RTOL)
        # Counts of entries: equal unless an entry sits within rounding of the threshold.
        assert b.frac_saturated == a.frac_saturated
        assert b.frac_dead == a.frac_dead
    assert any(s.frac_saturated > 0 for s in ours)  # the test exercises the threshold
    g, kg = diagnostics.gradient_norms(mlp, x, y), kt.gradient_norms(model, x, y)
    assert kg.loss == pytest.approx(g.loss, rel=RTOL)
    np.testing.assert_allclose(kg.weight_grad_norms, g.weight_grad_norms, rtol=RTOL)
    np.testing.assert_allclose(kg.activation_grad_std, g.activation_grad_std, rtol=RTOL)
    # The Keras tools restore batch-norm moving statistics.
    for v, old in zip(model.non_trainable_variables, before, strict=True):
        np.testing.assert_array_equal(v.numpy(), old)


def test_sequential_model_with_builtin_activations(keras_float64, rng):
    keras = keras_float64
    seq = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dropout(0.0),
            keras.layers.Dense(2),
        ]
    )
    mlp = MLP([3, 5, 2], activation="relu", rng=rng)
    for l, layer in ((1, seq.layers[0]), (2, seq.layers[2])):
        layer.set_weights([mlp.params[f"W{l}"], mlp.params[f"b{l}"] + 0.1])
        mlp.params[f"b{l}"] += 0.1
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    (a,), (b,) = diagnostics.activation_stats(mlp, x), kt.activation_stats(seq, x)
    np.testing.assert_allclose(b.preactivations, a.preactivations, rtol=RTOL)
    assert (b.frac_saturated, b.frac_dead) == (a.frac_saturated, a.frac_dead)
    np.testing.assert_allclose(
        kt.gradient_norms(seq, x, y).weight_grad_norms,
        diagnostics.gradient_norms(mlp, x, y).weight_grad_norms,
        rtol=RTOL,
    )


def test_dense_without_bias_and_foreign_variable_names(keras_float64, rng):
    keras = keras_float64
    seq = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4, activation="tanh", use_bias=False),
            keras.layers.Dense(2),
        ]
    )
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    (s,) = kt.activation_stats(seq, x)
    z = x @ seq.layers[0].kernel.numpy()
    np.testing.assert_allclose(s.preactivations, z, rtol=1e-13)
    np.testing.assert_allclose(s.activations, np.tanh(z), rtol=1e-13)
    # Variables of layers not made by build_mlp keep their Keras path as the key.
    _, grads = kt.loss_and_grads(seq, x, y)
    assert sorted(grads) == sorted(v.path for v in seq.trainable_variables)


def test_build_mlp_structure_and_seeding(keras_float64):
    model = kt.build_mlp([4, 8, 8, 2], "tanh", "glorot_uniform", residual=True, seed=3)
    names = [layer.name for layer in model.layers]
    assert names == ["x", "dense_1", "act_1", "dense_2", "act_2", "skip_2", "dense_3"]
    kernels = [model.get_layer(f"dense_{l}").kernel.numpy() for l in (1, 2, 3)]
    assert [k.shape for k in kernels] == [(4, 8), (8, 8), (8, 2)]
    # Glorot-uniform bounds sqrt(6 / (fan_in + fan_out)).
    assert np.max(np.abs(kernels[1])) <= np.sqrt(6 / 16)
    again = kt.build_mlp([4, 8, 8, 2], "tanh", "glorot_uniform", residual=True, seed=3)
    other = kt.build_mlp([4, 8, 8, 2], "tanh", "glorot_uniform", residual=True, seed=4)
    np.testing.assert_array_equal(again.get_layer("dense_2").kernel.numpy(), kernels[1])
    assert not np.array_equal(other.get_layer("dense_2").kernel.numpy(), kernels[1])
    # Layers get different seeds, so equal shapes do not mean equal weights.
    square = kt.build_mlp([8, 8, 8, 8], "relu", "he_normal", seed=0)
    assert not np.array_equal(
        square.get_layer("dense_1").kernel.numpy(), square.get_layer("dense_2").kernel.numpy()
    )
    const = kt.build_mlp([2, 3, 2], "relu", bias_initializer=-2.0, normalization="layer")
    np.testing.assert_array_equal(const.get_layer("dense_1").bias.numpy(), -2.0)
    assert [layer.name for layer in const.layers][2] == "norm_1"
    init = keras_float64.initializers.Ones()
    np.testing.assert_array_equal(kt.build_mlp([2, 2], "relu", init).layers[1].kernel.numpy(), 1.0)


@pytest.mark.parametrize("name", [n for n in activations.names() if n != "step"])
def test_keras_activation_equals_dlcore(keras_float64, name):
    x = np.linspace(-6, 6, 241)
    ours = activations.get(name).fn(x)
    theirs = np.asarray(kt.keras_activation(name)(x))
    if name == "leaky_relu":
        # Keras rounds negative_slope = 0.01 to float32: relative error <= 2^-24 ~ 6e-8.
        np.testing.assert_allclose(theirs, ours, rtol=1e-7)
    elif name in FLOAT32_CONSTANTS:
        # A float32 constant c (relative error 2^-24) moves f by |c df/dc| 2^-24; for the exact
        # GELU that is x^2 c phi(x) sqrt(2) 2^-24 <= 0.74 * 0.71 * 0.57 * 6e-8 ~ 2e-8 (the tanh
        # form is similar), so 2e-8 absolute. (TF's 1 + erf also cancels in the left tail,
        # which dlcore avoids with erfc: relative, not absolute, error is large there.)
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=2e-8)
    else:
        np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-15)


def test_keras_activation_carries_parameters(keras_float64):
    x = np.array([-2.0, 3.0])
    leaky = kt.keras_activation(activations.get("leaky_relu", alpha=0.125))
    np.testing.assert_allclose(np.asarray(leaky(x)), [-0.25, 3.0], rtol=1e-15)
    elu = kt.keras_activation(activations.get("elu", alpha=2.0))
    np.testing.assert_allclose(np.asarray(elu(x)), [2.0 * np.expm1(-2.0), 3.0], rtol=1e-14)


def _mlp():
    return MLP([3, 4, 2], rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: kt.build_mlp([3]), ValueError, "sizes"),
        (lambda: kt.build_mlp("3,2"), TypeError, "sizes"),
        (lambda: kt.build_mlp([3, -1]), ValueError, "sizes[1]"),
        (lambda: kt.build_mlp([3, 2], "relux"), ValueError, "activation"),
        (lambda: kt.build_mlp([3, 2], "step"), ValueError, "step"),
        (lambda: kt.build_mlp([3, 2], np.tanh), TypeError, "activation"),
        (lambda: kt.build_mlp([3, 2], "relu", "he_normalx"), ValueError, "initializer"),
        (lambda: kt.build_mlp([3, 2], "relu", 1.0), TypeError, "initializer"),
        (lambda: kt.build_mlp([3, 2], bias_initializer=[1]), TypeError, "bias_initializer"),
        (lambda: kt.build_mlp([3, 2], normalization="group"), ValueError, "normalization"),
        (lambda: kt.build_mlp([3, 2], residual=1), TypeError, "residual"),
        (lambda: kt.build_mlp([3, 2], seed=-1), ValueError, "seed"),
        (lambda: kt.from_dlcore("mlp"), TypeError, "mlp"),
        (lambda: kt.activation_stats(_mlp(), np.zeros((2, 3))), TypeError, "model"),
        (lambda: kt.activation_stats(kt.from_dlcore(_mlp()), np.zeros((2, 4))), ValueError, "x"),
        (
            lambda: kt.activation_stats(kt.from_dlcore(_mlp()), np.zeros((2, 3)), training=None),
            TypeError,
            "training",
        ),
        (
            lambda: kt.activation_stats(
                kt.from_dlcore(_mlp()), np.zeros((2, 3)), saturation_threshold=2.0
            ),
            ValueError,
            "saturation_threshold",
        ),
        (
            lambda: kt.gradient_norms(kt.from_dlcore(_mlp()), np.zeros((2, 3)), np.array([0, 2])),
            ValueError,
            "y",
        ),
        (
            lambda: kt.gradient_norms(
                kt.from_dlcore(_mlp()), np.zeros((2, 3)), np.zeros((2, 3)), loss="mse"
            ),
            ValueError,
            "y",
        ),
        (
            lambda: kt.loss_and_grads(
                kt.from_dlcore(_mlp()), np.zeros((2, 3)), np.zeros(2, int), loss="hinge"
            ),
            ValueError,
            "loss",
        ),
    ],
)
def test_bad_input_names_the_parameter(keras_float64, call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value)


def test_mse_accepts_flat_targets_for_one_output(keras_float64, rng):
    mlp = make_mlp(rng, sizes=(2, 3, 1), activation="tanh")
    x, t = rng.normal(size=(5, 2)), rng.normal(size=5)
    loss, _ = kt.loss_and_grads(kt.from_dlcore(mlp), x, t, loss="mse")
    assert loss == pytest.approx(mlp.loss_and_grads(x, t, loss="mse")[0], rel=RTOL)
