"""dlcore.ensemble: S batched MLPs must behave exactly like S separate ones."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import ensemble, nn, optimizers
from dlcore.ensemble import MLPEnsemble

SIZES = [5, 7, 6, 3]


def _data(n=53, d=5, c=3, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, d))
    y = (np.abs(x[:, 0]) + x[:, 1] > 0.7).astype(int) + (x[:, 2] > 1).astype(int)
    return x, np.minimum(y, c - 1)


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_each_model_matches_dlcore_nn_mlp(norm):
    # The same weights in dlcore.nn.MLP (the course's reference, gradient-checked on its
    # own) give the same training-mode loss and gradients, model by model. Both compute
    # the same float64 sums in possibly different orders: agreement to 1e-12 relative.
    x, y = _data()
    net = MLPEnsemble(SIZES, 3, activation="tanh", norm=norm, seeds=[4, 5, 6])
    idx = np.stack([np.random.default_rng(s).permutation(53)[:16] for s in range(3)])
    loss, correct, grads = net.loss_and_grads(x[idx], y[idx])
    for s in range(3):
        ref = nn.MLP(SIZES, activation="tanh", normalization=norm, rng=np.random.default_rng(0))
        for k in ref.params:
            ref.params[k][...] = net.params[k][s].reshape(ref.params[k].shape)
        ref_loss, ref_grads = ref.loss_and_grads(x[idx[s]], y[idx[s]])
        assert loss[s] == pytest.approx(ref_loss, rel=1e-12)
        for k, g in ref_grads.items():
            np.testing.assert_allclose(grads[k][s].reshape(g.shape), g, rtol=1e-10, atol=1e-13)
        logits = ref.forward(x[idx[s]], training=True)
        assert correct[s] == np.sum(logits.argmax(axis=1) == y[idx[s]])


def test_batch_norm_inference_uses_running_statistics():
    x, _ = _data()
    net = MLPEnsemble(SIZES, 2, norm="batch", seeds=[0, 1])
    net.running["mean1"][...] = 0.3
    net.running["var1"][...] = 2.0
    net.running["mean2"][...] = -0.1
    logits, _ = net.forward(x, training=False)
    for s in range(2):
        p = {k: v[s] for k, v in net.params.items()}
        a = x
        for l in (1, 2):
            z = a @ p[f"W{l}"] + p[f"b{l}"]
            mean, var = net.running[f"mean{l}"][s], net.running[f"var{l}"][s]
            z = p[f"gamma{l}"] * (z - mean) / np.sqrt(var + net.epsilon) + p[f"beta{l}"]
            a = np.maximum(z, 0)
        np.testing.assert_allclose(logits[s], a @ p["W3"] + p["b3"], rtol=1e-12)


def _train(seeds, lr_scale, opt, **kw):
    x, y = _data()
    net = MLPEnsemble(SIZES, len(seeds), activation="relu", seeds=seeds, norm=kw.pop("norm", None))
    hist = ensemble.train(
        net, x, y, optimizer=opt, lr_scale=lr_scale, epochs=3, batch_size=10, **kw
    )
    return net, hist


@pytest.mark.parametrize(
    "make", [lambda: optimizers.Adam(1.0), lambda: optimizers.SGD(1.0, momentum=0.9)]
)
def test_models_train_independently_of_each_other(make):
    # Model s of an ensemble ends exactly where it ends when trained alone: own weights,
    # own data order, own learning rate.
    net, hist = _train([3, 8, 11], [0.01, 0.03, 0.002], make(), norm="batch")
    for s, (seed, lr) in enumerate(zip([3, 8, 11], [0.01, 0.03, 0.002], strict=True)):
        alone, h1 = _train([seed], lr, make(), norm="batch")
        for k, v in alone.params.items():
            np.testing.assert_allclose(net.params[k][s], v[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hist.step_loss[s], h1.step_loss[0], rtol=1e-10)


@pytest.mark.parametrize(
    ("scaled", "direct"),
    [
        (lambda: optimizers.Adam(1.0), lambda lr: optimizers.Adam(lr)),
        (
            lambda: optimizers.SGD(1.0, momentum=0.9, nesterov=True),
            lambda lr: optimizers.SGD(lr, momentum=0.9, nesterov=True),
        ),
        (lambda: optimizers.RMSprop(1.0), lambda lr: optimizers.RMSprop(lr)),
    ],
)
def test_lr_scale_is_the_learning_rate(scaled, direct):
    # An update proportional to the learning rate: scaling it afterwards is exact.
    net_a, _ = _train([2], 0.005, scaled())
    net_b, _ = _train([2], 1.0, direct(0.005))
    for k in net_a.params:
        np.testing.assert_allclose(net_a.params[k], net_b.params[k], rtol=1e-9, atol=1e-12)


def test_a_diverging_model_is_frozen_and_the_others_carry_on():
    x, y = _data()
    net = MLPEnsemble(SIZES, 2, activation="relu", seeds=[0, 1], gain=[1.0, 1.0])
    hist = ensemble.train(net, x * 1e150, y, optimizer=optimizers.SGD(1.0), lr_scale=[0.0, 1e10],
                          epochs=2, batch_size=10)  # fmt: skip
    assert hist.diverged.tolist() == [False, True]
    assert hist.diverged_at_step[1] >= 0 and hist.diverged_at_step[0] == -1
    assert np.isnan(hist.train_loss[1]).all() and np.isfinite(hist.train_loss[0]).all()
    assert all(np.isfinite(v).all() for v in net.params.values())  # frozen before the NaN


def test_epoch_bookkeeping_counts_every_example_once():
    # With learning switched off (lr_scale 0), the epoch's mean training loss and accuracy
    # must equal those of the whole training set: the last, partial batch (53 = 5 * 10 + 3)
    # weighted by its size, every batch's correct count included.
    x, y = _data()
    net = MLPEnsemble(SIZES, 2, seeds=[0, 1])
    hist = ensemble.train(net, x, y, optimizer=optimizers.SGD(1.0), lr_scale=0.0, epochs=2,
                          batch_size=10, x_val=x, y_val=y)  # fmt: skip
    loss, acc = net.evaluate(x, y)
    np.testing.assert_allclose(hist.train_loss, np.repeat(loss[:, None], 2, 1), rtol=1e-12)
    np.testing.assert_allclose(hist.train_accuracy, np.repeat(acc[:, None], 2, 1), rtol=1e-12)
    np.testing.assert_allclose(hist.val_accuracy[:, -1], acc, rtol=1e-12)
    assert hist.step_loss.shape == (2, 12)
    # A new order every epoch: the same six batch losses... in another order.
    e1, e2 = hist.step_loss[0, :5], hist.step_loss[0, 6:11]
    assert not np.allclose(e1, e2)


def test_it_learns():
    x, y = _data(n=200)
    net = MLPEnsemble(SIZES, 2, activation="relu", initializer="he_normal", seeds=[0, 1])
    before = net.accuracy(x, y)
    ensemble.train(net, x, y, optimizer=optimizers.Adam(1.0), lr_scale=0.01, epochs=30,
                   batch_size=20)  # fmt: skip
    assert np.all(net.accuracy(x, y) > np.maximum(before, 0.8))


def test_float32_runs_in_float32():
    x, y = _data()
    net = MLPEnsemble(SIZES, 2, dtype="float32")
    ensemble.train(net, x, y, optimizer=optimizers.SGD(1.0), lr_scale=0.1, epochs=1, batch_size=10)
    assert all(v.dtype == np.float32 for v in net.params.values())


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: MLPEnsemble([5], 2), ValueError, "sizes"),
        (lambda: MLPEnsemble(SIZES, 0), ValueError, "n_models"),
        (lambda: MLPEnsemble(SIZES, 2, gain=[1.0]), ValueError, "gain"),
        (lambda: MLPEnsemble(SIZES, 2, gain=[1.0, np.nan]), ValueError, "gain must be finite"),
        (lambda: MLPEnsemble(SIZES, 2, norm="group"), ValueError, "norm"),
        (lambda: MLPEnsemble(SIZES, 2, seeds=[1]), ValueError, "seeds"),
        (lambda: MLPEnsemble(SIZES, 2, dtype="float16"), ValueError, "dtype"),
        (lambda: MLPEnsemble(SIZES, 2, activation="nope"), ValueError, "activation"),
    ],
)
def test_bad_construction(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_bad_training_input():
    x, y = _data()
    net = MLPEnsemble(SIZES, 2)
    sgd = optimizers.SGD(1.0)
    bad = x.copy()
    bad[3, 1] = np.nan
    cases = [
        (dict(optimizer=optimizers.SGD), TypeError, "optimizer must be a dlcore optimizer"),
        (dict(optimizer=sgd, lr_scale=[1.0, 2.0, 3.0]), ValueError, "lr_scale"),
        (dict(optimizer=sgd, lr_scale=-1.0), ValueError, "lr_scale must be >= 0"),
        (dict(optimizer=sgd, x_val=x), ValueError, "both x_val and y_val"),
    ]
    for kw, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            ensemble.train(net, x, y, epochs=1, **kw)
    with pytest.raises(ValueError, match="x must be finite"):
        ensemble.train(net, bad, y, optimizer=sgd, epochs=1)
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        ensemble.train(net, x, y + 3, optimizer=sgd, epochs=1)
    with pytest.raises(ValueError, match="columns"):
        ensemble.train(net, x[:, :4], y, optimizer=sgd, epochs=1)
    with pytest.raises(ValueError, match="x must be"):
        net.evaluate(x[:, :4], y)


def test_batch_norm_running_average_uses_keras_momentum():
    # Keras: running = momentum * running + (1 - momentum) * batch statistic, 0.99 the
    # weight of the OLD value. One full-batch step from running mean 0, variance 1.
    x, y = _data()
    net = MLPEnsemble(SIZES, 1, norm="batch", momentum=0.9, seeds=[0])
    z1 = x @ net.params["W1"][0] + net.params["b1"][0]
    ensemble.train(net, x, y, optimizer=optimizers.SGD(1.0), lr_scale=0.0, epochs=1,
                   batch_size=len(x))  # fmt: skip
    np.testing.assert_allclose(net.running["mean1"][0, 0], 0.1 * z1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(net.running["var1"][0, 0], 0.9 + 0.1 * z1.var(axis=0), rtol=1e-12)


def test_a_diverged_model_stays_where_it_diverged():
    # With momentum, a frozen model would keep drifting on its old velocity; it must not.
    x, y = _data()
    ends = []
    for epochs in (3, 5):
        net = MLPEnsemble(SIZES, 2, activation="relu", seeds=[0, 1])
        hist = ensemble.train(net, x, y, optimizer=optimizers.SGD(1.0, momentum=0.9),
                              lr_scale=[0.01, 1e50], epochs=epochs, batch_size=10)  # fmt: skip
        assert hist.diverged.tolist() == [False, True] and hist.diverged_at_step[1] < 18
        ends.append({k: v[1].copy() for k, v in net.params.items()})
    for k in ends[0]:
        assert np.isfinite(ends[0][k]).all()  # frozen before anything overflowed
        np.testing.assert_array_equal(ends[0][k], ends[1][k])


# ------------------------------------------------ normalization placement, landscape probe


def _manual_forward_after(net, s, x, training):
    """Model s of a norm_position="after" ensemble, rebuilt from dlcore.normalization."""
    from dlcore.normalization import batchnorm_forward, layernorm_forward

    p = {k: v[s] for k, v in net.params.items()}
    a = x
    for l in range(1, net.num_layers):
        a = net.activation.fn(a @ p[f"W{l}"] + p[f"b{l}"])
        g, b = p[f"gamma{l}"][0], p[f"beta{l}"][0]
        if net.norm == "batch":
            state = {
                "running_mean": net.running[f"mean{l}"][s, 0].copy(),
                "running_var": net.running[f"var{l}"][s, 0].copy(),
            }
            a, _ = batchnorm_forward(
                a, g, b, state, training=training, momentum=net.momentum, epsilon=net.epsilon
            )
        else:
            a, _ = layernorm_forward(a, g, b, epsilon=net.epsilon)
    L = net.num_layers
    return a @ p[f"W{L}"] + p[f"b{L}"]


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("training", [True, False])
def test_norm_after_the_activation_matches_dlcore_normalization(norm, training):
    x, _ = _data()
    net = MLPEnsemble(SIZES, 2, activation="tanh", norm=norm, norm_position="after", seeds=[1, 2])
    if norm == "batch":
        net.running["mean1"][...] = 0.2
        net.running["var1"][...] = 0.5
    expected = [_manual_forward_after(net, s, x, training) for s in range(2)]
    logits, _ = net.forward(x, training=training)
    for s in range(2):
        np.testing.assert_allclose(logits[s], expected[s], rtol=1e-12, atol=1e-14)
    before = MLPEnsemble(SIZES, 2, activation="tanh", norm=norm, seeds=[1, 2])
    assert not np.allclose(before.forward(x, training=training)[0], logits)


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("position", ["before", "after"])
def test_norm_gradients_match_finite_differences(norm, position):
    # Central differences on each parameter of model 0 (float64): truncation h^2 f'''/6
    # and rounding eps |f| / h are both ~1e-10 for h = 1e-5, far below the 1e-6 bound.
    from dlcore.gradcheck import numerical_gradient, rel_error

    x, y = _data(n=12)
    net = MLPEnsemble(SIZES, 2, activation="tanh", norm=norm, norm_position=position, seeds=[3, 4])
    xb, yb = np.broadcast_to(x, (2, *x.shape)), np.broadcast_to(y, (2, y.size))
    _, _, grads = net.loss_and_grads(xb, yb)
    for name, value in net.params.items():
        target = value[0]

        def loss0(_):
            return net.loss_and_grads(xb, yb)[0][0]

        numeric = numerical_gradient(loss0, target)
        # the bias in front of batch norm has gradient exactly 0 (rounding noise ~1e-17)
        tiny = np.max(np.abs(grads[name][0] - numeric)) < 1e-12
        assert tiny or rel_error(grads[name][0], numeric) < 1e-6, name


def test_evaluate_is_inference_mode_and_leaves_running_statistics_alone():
    x, y = _data()
    net = MLPEnsemble(SIZES, 2, norm="batch", seeds=[0, 1])
    before = {k: v.copy() for k, v in net.running.items()}
    net.evaluate(x, y)
    net.forward(x, training=False)
    for k in before:
        np.testing.assert_array_equal(net.running[k], before[k])
    net.forward(x, training=True)  # training mode moves them (Keras momentum 0.99)
    z1 = x @ net.params["W1"][0] + net.params["b1"][0]
    np.testing.assert_allclose(net.running["mean1"][0, 0], 0.01 * z1.mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("norm", [None, "batch"])
def test_loss_along_gradient_first_order_and_restores_state(norm):
    x, y = _data()
    net = MLPEnsemble(SIZES, 3, activation="tanh", norm=norm, seeds=[0, 1, 2])
    params = {k: v.copy() for k, v in net.params.items()}
    running = {k: v.copy() for k, v in net.running.items()}
    eta = np.array([0.0, 1e-6, 0.5])
    loss0, loss, change, gnorm = ensemble.loss_along_gradient(net, x, y, eta)
    assert loss.shape == change.shape == (3, 3) and gnorm.shape == loss0.shape == (3,)
    np.testing.assert_array_equal(loss[:, 0], loss0)
    np.testing.assert_array_equal(change[:, 0], 0.0)
    # first order: L(w - eta g) = L(w) - eta |g|^2 + O(eta^2); the O(eta^2) term is
    # ~1e-12 relative here, rounding of L ~1e-16 / 1e-6 |g|^2 ~1e-9: 1e-4 is ample
    np.testing.assert_allclose((loss0 - loss[:, 1]) / 1e-6, gnorm**2, rtol=1e-4)
    for k in params:
        np.testing.assert_array_equal(net.params[k], params[k])
    for k in running:
        np.testing.assert_array_equal(net.running[k], running[k])
    # per-model step sizes: model s along its own eta[s]
    per_model = ensemble.loss_along_gradient(net, x, y, np.array([[0.5], [0.0], [0.5]]))[1]
    assert per_model[0, 0] == loss[0, 2] and per_model[1, 0] == loss0[1]


def test_norm_position_and_landscape_bad_input():
    with pytest.raises(ValueError, match="norm_position"):
        MLPEnsemble(SIZES, 1, norm="batch", norm_position="middle")
    net = MLPEnsemble(SIZES, 2, seeds=[0, 1])
    x, y = _data()
    with pytest.raises(ValueError, match="step_sizes"):
        ensemble.loss_along_gradient(net, x, y, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x must be"):
        ensemble.loss_along_gradient(net, x[:, :2], y, [0.1])


@pytest.mark.parametrize("flag", [1, None, np.True_])
def test_forward_training_flag_must_be_a_bool(flag):
    net = MLPEnsemble(SIZES, 1, norm="batch")
    with pytest.raises(TypeError, match="training must be True or False"):
        net.forward(np.zeros((2, SIZES[0])), training=flag)


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: optimizers.SGD(1.0, momentum=0.9), lambda: optimizers.Adam(1.0)],
    ids=["momentum", "adam"],
)
def test_a_diverged_model_keeps_its_last_finite_weights(make_optimizer):
    # Inputs of 1e150 and a learning rate of 1e8 blow model 1 up within a few steps while
    # its weights are still far below overflow, so anything that still moves them after the
    # divergence (momentum's old velocity, Adam's moments once they overflow) shows.
    x, y = _data()
    ends = []
    for epochs in (2, 4):
        net = MLPEnsemble(SIZES, 2, activation="relu", seeds=[0, 1])
        hist = ensemble.train(net, x * 1e150, y, optimizer=make_optimizer(),
                              lr_scale=[0.0, 1e8], epochs=epochs, batch_size=10)  # fmt: skip
        assert hist.diverged.tolist() == [False, True] and hist.diverged_at_step[1] < 6
        assert np.isnan(hist.step_loss[1, hist.diverged_at_step[1] :]).all()
        ends.append({k: v[1].copy() for k, v in net.params.items()})
    for k in ends[0]:
        assert np.isfinite(ends[1][k]).all(), f"{k} of the diverged model is not finite"
        np.testing.assert_array_equal(ends[0][k], ends[1][k])
