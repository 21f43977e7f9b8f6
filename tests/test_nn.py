"""Tests for dlcore.nn: MLP backprop against finite differences, and the training loop."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

from dlcore import activations, data, nn
from dlcore.gradcheck import numerical_gradient, rel_error
from dlcore.nn import MLP, History, TrainingDivergedError, clip_by_global_norm, train
from dlcore.optimizers import SGD, Adam

# Centred differences (h = 1e-5) of a smooth O(1) loss: truncation h^2/6 |L'''| ~ 1e-11,
# rounding ~ eps |L| / h ~ 1e-10 (relative to O(1e-1..1) gradients), so 1e-7 has margin.
FD_TOL = 1e-7


def small_normal(scale=0.8):
    """Initializer callable with a scale that keeps tanh/sigmoid away from saturation."""
    return lambda shape, rng: rng.normal(scale=scale / math.sqrt(shape[0]), size=shape)


def make_model(rng, sizes=(3, 5, 5, 4), **kw):
    kw.setdefault("initializer", small_normal())
    kw.setdefault("bias_initializer", lambda shape, rng: rng.normal(scale=0.1, size=shape))
    return MLP(list(sizes), rng=rng, **kw)


def check_gradients(model, x, y, loss="softmax_cross_entropy"):
    _, grads = model.loss_and_grads(x, y, loss=loss)
    assert grads.keys() == model.params.keys()
    for key, param in model.params.items():
        assert grads[key].shape == param.shape
        num = numerical_gradient(lambda _p: model.loss_and_grads(x, y, loss=loss)[0], param)
        if (
            model.normalization == "batch"
            and key[0] == "b"
            and key[1:].isdigit()
            and key != f"b{len(model.sizes) - 1}"
        ):
            # Batch norm subtracts the batch mean, which removes the bias exactly: the true
            # gradient is 0, both estimates are rounding noise (analytic ~1e-17, numerical
            # ~eps |L| / h ~ 1e-11).
            assert np.max(np.abs(grads[key])) < 1e-13
            assert np.max(np.abs(num)) < 1e-9
        else:
            assert rel_error(grads[key], num) < FD_TOL, key


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus", "gelu", "swish", "elu"])
@pytest.mark.parametrize("normalization", [None, "batch", "layer"])
def test_mlp_gradients_match_finite_differences(rng, act, normalization):
    model = make_model(rng, activation=act, normalization=normalization)
    x = rng.normal(size=(6, 3))
    y = rng.integers(0, 4, size=6)
    check_gradients(model, x, y)


@pytest.mark.parametrize("normalization", [None, "batch", "layer"])
def test_residual_mlp_gradients_match_finite_differences(rng, normalization):
    model = make_model(
        rng, sizes=(3, 4, 4, 4, 2), activation="tanh", residual=True, normalization=normalization
    )
    assert [model.has_skip(l) for l in (1, 2, 3, 4)] == [False, True, True, False]
    x = rng.normal(size=(5, 3))
    check_gradients(model, x, rng.integers(0, 2, size=5))


def test_mse_gradients_match_finite_differences(rng):
    model = make_model(rng, sizes=(2, 6, 3), activation="gelu_tanh")
    x = rng.normal(size=(4, 2))
    check_gradients(model, x, rng.normal(size=(4, 3)), loss="mse")
    # A single output accepts (N,) targets as well as (N, 1).
    model1 = make_model(rng, sizes=(2, 3, 1), activation="tanh")
    t = rng.normal(size=4)
    assert model1.loss_and_grads(x, t, "mse")[0] == model1.loss_and_grads(x, t[:, None], "mse")[0]


def test_relu_gradients_match_away_from_kinks(rng):
    model = make_model(rng, sizes=(3, 6, 6, 3), activation="relu")
    x = rng.normal(size=(5, 3))
    y = rng.integers(0, 3, size=5)
    model.forward(x)
    # The finite difference is only valid if no pre-activation is within h of the kink; a
    # weight change of h moves z by at most h * max|input| ~ 1e-4.
    assert min(np.min(np.abs(t.z)) for t in model.trace) > 1e-3
    check_gradients(model, x, y)


def test_trace_records_the_chain_rule(rng):
    model = make_model(rng, activation="tanh")
    x = rng.normal(size=(6, 3))
    _, grads = model.loss_and_grads(x, rng.integers(0, 4, size=6))
    act = model.activation
    assert len(model.trace) == 2
    for l, t in enumerate(model.trace, start=1):
        assert t.z.shape == t.a.shape == t.dz.shape == t.da.shape == (6, 5)
        np.testing.assert_allclose(t.a, np.tanh(t.z), rtol=1e-15)
        np.testing.assert_allclose(t.dz, t.da * act.grad(t.z), rtol=1e-15)
        # Without normalization z = h W + b, so dL/db is the batch sum of dL/dz.
        np.testing.assert_allclose(grads[f"b{l}"], t.dz.sum(axis=0), rtol=1e-12)
    # dL/da of layer 1 is dL/dz of layer 2 sent back through W2 (float64 matmul rounding).
    np.testing.assert_allclose(
        model.trace[0].da, model.trace[1].dz @ model.params["W2"].T, rtol=1e-12
    )


def test_residual_forward_adds_the_skip(rng):
    model = make_model(rng, sizes=(3, 4, 4, 2), activation="tanh", residual=True)
    x = rng.normal(size=(5, 3))
    logits = model.forward(x)
    a1, a2 = model.trace[0].a, model.trace[1].a
    # Layer 1 changes the width (no skip), layer 2 keeps it: h2 = h1 + a2 = a1 + a2.
    np.testing.assert_allclose(
        logits, (a1 + a2) @ model.params["W3"] + model.params["b3"], rtol=1e-13
    )


def test_batchnorm_state_training_versus_inference(rng):
    model = make_model(rng, activation="tanh", normalization="batch")
    assert sorted(model.params) == sorted(
        ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    )
    x = rng.normal(loc=2.0, size=(8, 3))
    before = {l: {k: v.copy() for k, v in s.items()} for l, s in model.bn_state.items()}
    model.predict(x)
    model.accuracy(x, rng.integers(0, 4, size=8))
    for l in (1, 2):
        np.testing.assert_array_equal(model.bn_state[l]["running_mean"], before[l]["running_mean"])
    model.forward(x, training=True)
    # One training step moves the running mean by (1 - 0.99) of the batch mean (Keras default).
    u1 = x @ model.params["W1"] + model.params["b1"]
    np.testing.assert_allclose(
        model.bn_state[1]["running_mean"], 0.01 * u1.mean(axis=0), rtol=1e-12
    )
    # In training mode each normalized pre-activation has batch mean beta = 0 and variance
    # var / (var + eps) with eps = 1e-3 (gamma = 1).
    z, u_var = model.trace[0].z, u1.var(axis=0)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(z.var(axis=0), u_var / (u_var + 1e-3), rtol=1e-12)
    # Inference mode uses the (barely updated) running statistics instead, which do not remove
    # the input's offset (loc = 2): the logits differ from the training-mode ones.
    assert np.max(np.abs(model.predict(x) - model.forward(x, training=True))) > 1e-3


def test_predict_and_accuracy_leave_the_trace_alone(rng):
    model = make_model(rng, activation="tanh")
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 4, size=10)
    model.forward(x[:4])
    trace = model.trace
    logits = model.predict(x)
    assert model.trace is trace
    assert logits.shape == (10, 4)
    assert model.accuracy(x, y) == np.mean(np.argmax(logits, axis=1) == y)
    # backward still refers to the last forward (4 examples).
    assert model.backward(np.ones((4, 4)))["W1"].shape == (3, 5)


def test_bias_initializer_constant_kills_relus(rng):
    model = MLP([4, 50, 3], activation="relu", bias_initializer=-10.0, rng=rng)
    np.testing.assert_array_equal(model.params["b1"], -10.0)
    np.testing.assert_array_equal(model.params["b2"], -10.0)
    model.forward(rng.normal(size=(20, 4)))
    # He-normal weights give |x W| of a few units at most, far from 10: every unit is dead.
    assert np.all(model.trace[0].a == 0.0)


def test_activation_object_and_named_initializer(rng):
    leaky = activations.get("leaky_relu", alpha=0.2)
    model = MLP([2, 3, 2], activation=leaky, initializer="zeros", rng=rng)
    assert model.activation is leaky
    assert np.all(model.params["W1"] == 0.0)
    assert "leaky_relu" in repr(model)


def spirals_problem():
    ds = data.spirals(n_samples=600, noise=0.05, seed=1)
    return ds.x_train, ds.y_train, ds.x_test, ds.y_test


def test_train_learns_spirals(rng):
    x, y, xv, yv = spirals_problem()
    model = MLP([2, 64, 64, 3], activation="relu", rng=rng)
    chance_loss = math.log(3)
    hist = train(
        model,
        Adam(learning_rate=0.01),
        x,
        y,
        epochs=60,
        batch_size=32,
        rng=rng,
        x_val=xv,
        y_val=yv,
    )
    assert isinstance(hist, History)
    steps = 60 * math.ceil(len(x) / 32)
    assert len(hist.loss) == steps
    assert len(hist.train_loss) == len(hist.train_accuracy) == 60
    assert len(hist.val_loss) == len(hist.val_accuracy) == 60
    assert hist.grad_norms is None
    # A linear model cannot beat ~1/2 accuracy on three spiral arms; a trained 2-hidden-layer
    # ReLU net reaches well above 90 % (noise 0.05 is small next to the arm spacing).
    assert hist.train_loss[-1] < 0.3 * chance_loss
    assert hist.val_accuracy[-1] > 0.9
    assert model.accuracy(xv, yv) == pytest.approx(hist.val_accuracy[-1])
    # The trace after training belongs to the last mini-batch and has gradients.
    assert model.trace[0].da is not None


def test_train_history_matches_a_manual_full_batch_step(rng):
    x, y, _, _ = spirals_problem()
    model = MLP([2, 8, 3], activation="tanh", rng=rng)
    loss0, grads0 = model.loss_and_grads(x, y)
    params0 = {k: v.copy() for k, v in model.params.items()}
    hist = train(
        model,
        SGD(learning_rate=0.1),
        x,
        y,
        epochs=1,
        batch_size=len(x),
        rng=rng,
        record_grad_norms=True,
    )
    # One full-batch step: order does not matter, so the loss and per-layer norms equal the
    # ones computed directly, up to summation-order rounding (~1e-15 relative).
    assert hist.loss[0] == pytest.approx(loss0, rel=1e-12)
    assert hist.train_loss == pytest.approx([loss0], rel=1e-12)
    expected = [np.linalg.norm(grads0["W1"]), np.linalg.norm(grads0["W2"])]
    np.testing.assert_allclose(hist.grad_norms, [expected], rtol=1e-12)
    for k in params0:
        np.testing.assert_allclose(
            model.params[k], params0[k] - 0.1 * grads0[k], rtol=1e-12, atol=1e-15
        )


def test_train_with_mse_has_no_accuracy(rng):
    x = rng.normal(size=(50, 2))
    t = np.sin(x[:, :1])
    model = MLP([2, 16, 1], activation="tanh", rng=rng)
    hist = train(
        model,
        Adam(learning_rate=0.01),
        x,
        t,
        epochs=30,
        batch_size=10,
        rng=rng,
        loss="mse",
        progress=True,
        x_val=x,
        y_val=t[:, 0],
    )
    assert hist.train_accuracy == [] and hist.val_accuracy == []
    assert hist.train_loss[-1] < 0.2 * hist.train_loss[0]
    assert len(hist.val_loss) == 30


def test_train_records_grad_norms_per_layer(rng):
    x, y, _, _ = spirals_problem()
    model = MLP([2, 8, 8, 3], activation="sigmoid", normalization="layer", rng=rng)
    hist = train(model, Adam(), x, y, epochs=2, batch_size=100, rng=rng, record_grad_norms=True)
    assert hist.grad_norms.shape == (2 * math.ceil(len(x) / 100), 3)
    assert np.all(hist.grad_norms > 0)


def test_clip_by_global_norm_bounds_the_norm(rng):
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    norm = math.sqrt(sum(np.sum(g**2) for g in grads.values()))
    clipped, reported = clip_by_global_norm(grads, norm / 4)
    assert reported == pytest.approx(norm, rel=1e-14)
    new_norm = math.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert new_norm == pytest.approx(norm / 4, rel=1e-14)
    # The direction is kept: every array is scaled by the same factor.
    for k in grads:
        np.testing.assert_allclose(clipped[k], grads[k] / 4, rtol=1e-14)
    same, _ = clip_by_global_norm(grads, 2 * norm)
    assert same is grads


@pytest.mark.tf
def test_clip_by_global_norm_matches_tensorflow(rng):
    tf = pytest.importorskip("tensorflow")
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    clipped, norm = clip_by_global_norm(grads, 1.5)
    ref, ref_norm = tf.clip_by_global_norm([tf.constant(grads["a"]), tf.constant(grads["b"])], 1.5)
    assert norm == pytest.approx(float(ref_norm), rel=1e-12)
    np.testing.assert_allclose(clipped["a"], ref[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(clipped["b"], ref[1].numpy(), rtol=1e-12)


def test_train_clip_norm_bounds_each_update(rng):
    x, y, _, _ = spirals_problem()
    model = MLP([2, 16, 3], activation="relu", rng=rng)
    _, grads = model.loss_and_grads(x, y)
    norm = math.sqrt(sum(np.sum(g**2) for g in grads.values()))
    before = {k: v.copy() for k, v in model.params.items()}
    clip = norm / 10
    train(
        model, SGD(learning_rate=1.0), x, y, epochs=1, batch_size=len(x), rng=rng, clip_norm=clip
    )
    step = math.sqrt(sum(np.sum((model.params[k] - before[k]) ** 2) for k in before))
    # SGD with lr 1 moves the parameters by exactly the clipped gradient, of norm clip.
    assert step == pytest.approx(clip, rel=1e-10)


def test_train_raises_on_divergence(rng):
    x, y, _, _ = spirals_problem()
    model = MLP([2, 32, 32, 3], activation="relu", rng=rng)
    # Gradient descent on a quadratic loss multiplies the error by |1 - lr * curvature| each
    # step: with lr = 1000 that factor is huge and the loss overflows within a few steps.
    with pytest.raises(TrainingDivergedError) as info:
        train(
            model,
            SGD(learning_rate=1e3),
            x,
            np.eye(3)[y],
            loss="mse",
            epochs=5,
            batch_size=32,
            rng=rng,
        )
    err = info.value
    assert isinstance(err, FloatingPointError)
    steps_per_epoch = math.ceil(len(x) / 32)
    assert (err.epoch - 1) * steps_per_epoch < err.step <= err.epoch * steps_per_epoch
    # Either the loss itself overflowed, or it is astronomically large and the gradient
    # (one more multiplication by the weights) overflowed first.
    assert not math.isfinite(err.loss) or err.loss > 1e100
    msg = str(err)
    assert f"epoch {err.epoch}, step {err.step}" in msg and f"loss = {err.loss}" in msg
    assert "is not finite" in msg
    assert "learning rate" in msg and "clip_norm" in msg


def test_train_raises_on_non_finite_gradient(rng):
    class InfGrad:
        name = "inf_grad"
        fn = staticmethod(np.tanh)

        @staticmethod
        def grad(z):
            return np.full_like(z, np.inf)

    x, y, _, _ = spirals_problem()
    model = MLP([2, 4, 3], activation=InfGrad(), rng=rng)
    with pytest.raises(TrainingDivergedError, match="gradient is not finite") as info:
        train(model, SGD(), x, y, epochs=1, batch_size=16, rng=rng)
    assert info.value.step == 1 and info.value.epoch == 1 and math.isfinite(info.value.loss)


def test_progress_bar_shows_epochs(rng, capsys):
    x, y, _, _ = spirals_problem()
    model = MLP([2, 4, 3], rng=rng)
    train(model, SGD(), x, y, epochs=2, batch_size=64, rng=rng, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss" in err


def test_small_networks_train_with_single_threaded_blas(rng, monkeypatch):
    calls = []

    def fake_limits(limits, user_api):
        calls.append((limits, user_api))
        return contextlib.nullcontext()

    monkeypatch.setattr(nn, "threadpool_limits", fake_limits)
    x, y = rng.normal(size=(8, 2)), rng.integers(0, 2, size=8)
    train(MLP([2, 4, 2], rng=rng), SGD(), x, y, epochs=1, batch_size=4, rng=rng)
    assert calls == [(1, "blas")]
    # Above the size threshold BLAS keeps its threads.
    monkeypatch.setattr(nn, "SMALL_MATMUL", 4 * 2 * 4)
    train(MLP([2, 4, 2], rng=rng), SGD(), x, y, epochs=1, batch_size=4, rng=rng)
    assert calls == [(1, "blas")]


def test_backward_before_forward(rng):
    with pytest.raises(RuntimeError, match="forward"):
        make_model(rng).backward(np.zeros((1, 4)))


X = np.zeros((4, 3))
Y = np.array([0, 1, 2, 3])


def _model(**kw):
    return make_model(np.random.default_rng(0), **kw)


def _train(**kw):
    args = {"epochs": 1, "batch_size": 2, "rng": np.random.default_rng(0)}
    args.update(kw)
    model = args.pop("model", _model())
    opt = args.pop("optimizer", SGD())
    return train(model, opt, args.pop("x", X), args.pop("y", Y), **args)


BAD_INPUTS = [
    (lambda: MLP([3], rng=np.random.default_rng(0)), ValueError, "sizes"),
    (lambda: MLP(3, rng=np.random.default_rng(0)), TypeError, "sizes"),
    (lambda: MLP([3, 0, 2], rng=np.random.default_rng(0)), ValueError, "sizes[1]"),
    (lambda: _model(activation="relux"), ValueError, "activation"),
    (lambda: _model(activation=np.tanh), TypeError, "activation"),
    (
        lambda: MLP([3, 2], initializer="he_normalx", rng=np.random.default_rng(0)),
        ValueError,
        "initializer",
    ),
    (lambda: _model(initializer=0.5), TypeError, "initializer"),
    (lambda: _model(initializer=lambda s, r: np.zeros(3)), ValueError, "initializer"),
    (lambda: _model(bias_initializer=True), TypeError, "bias_initializer"),
    (lambda: _model(bias_initializer=float("nan")), ValueError, "bias_initializer"),
    (lambda: _model(normalization="group"), ValueError, "normalization"),
    (lambda: _model(residual="yes"), TypeError, "residual"),
    (lambda: MLP([3, 2], rng=0), TypeError, "rng"),
    (lambda: _model().forward(np.zeros((4, 2))), ValueError, "x"),
    (lambda: _model().forward(np.zeros((0, 3))), ValueError, "x"),
    (lambda: _model().forward(X, training=1), TypeError, "training"),
    (lambda: _model().loss_and_grads(X, Y, loss="hinge"), ValueError, "loss"),
    (lambda: _model().loss_and_grads(X, np.array([0, 1, 2, 4])), ValueError, "y"),
    (lambda: _model().loss_and_grads(X, Y[:3]), ValueError, "y"),
    (lambda: _model().loss_and_grads(X, Y.astype(float)), TypeError, "y"),
    (lambda: _model().loss_and_grads(X, np.zeros((4, 3)), loss="mse"), ValueError, "y"),
    (lambda: _model().accuracy(X, Y[:2]), ValueError, "y"),
    (lambda: _model().backward(np.zeros(4)), RuntimeError, "forward"),
    (lambda: _train(model="mlp"), TypeError, "model"),
    (lambda: _train(optimizer="adam"), TypeError, "optimizer"),
    (lambda: _train(epochs=0), ValueError, "epochs"),
    (lambda: _train(epochs=2.0), TypeError, "epochs"),
    (lambda: _train(batch_size=0), ValueError, "batch_size"),
    (lambda: _train(rng=np.random.RandomState(0)), TypeError, "rng"),
    (lambda: _train(y=Y[:3]), ValueError, "y"),
    (lambda: _train(x=np.zeros((4, 5))), ValueError, "x"),
    (lambda: _train(x_val=X), ValueError, "y_val"),
    (lambda: _train(x_val=np.zeros((2, 2)), y_val=Y[:2]), ValueError, "x_val"),
    (lambda: _train(x_val=X, y_val=Y + 1), ValueError, "y_val"),
    (lambda: _train(clip_norm=-1.0), ValueError, "clip_norm"),
    (lambda: _train(progress="yes"), TypeError, "progress"),
    (lambda: _train(record_grad_norms=None), TypeError, "record_grad_norms"),
    (lambda: _train(loss="cross_entropy"), ValueError, "loss"),
    # Finite-value policy: NaN/inf inputs are refused up front, before any state changes.
    (lambda: _train(x=np.full((4, 3), np.nan)), ValueError, "x contains NaN"),
    (lambda: _train(x_val=np.full((4, 3), np.inf), y_val=Y), ValueError, "x_val contains NaN"),
    (
        lambda: _train(model=_model(sizes=(3, 2)), y=np.full((4, 2), np.nan), loss="mse"),
        ValueError,
        "y contains NaN",
    ),
    (lambda: _model().forward(np.full((2, 3), np.nan)), ValueError, "x contains NaN"),
    (lambda: _model().predict(np.full((2, 3), -np.inf)), ValueError, "x contains NaN"),
    (lambda: clip_by_global_norm([np.ones(2)], 1.0), TypeError, "grads"),
    (lambda: clip_by_global_norm({"a": np.ones(2)}, 0.0), ValueError, "clip_norm"),
]


@pytest.mark.parametrize(("call", "exc", "name"), BAD_INPUTS)
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value)


def test_backward_checks_dout_shape(rng):
    model = make_model(rng)
    model.forward(X)
    with pytest.raises(ValueError, match="dout"):
        model.backward(np.zeros((4, 3)))


def test_module_exports():
    assert set(nn.__all__) >= {"MLP", "train", "History", "TrainingDivergedError"}


# -- Training-loop bookkeeping -------------------------------------------------------------
# Each test below was checked against a bug planted in a scratch copy of nn.train (see
# "Planted bugs" in CONTRIBUTING.md); the comment on each test names the bug it catches.


class Frozen:
    """An optimizer that changes nothing: the network is the same at every step, so any
    per-epoch average must equal the same quantity computed on the whole training set."""

    def __init__(self):
        self.calls = 0

    def step(self, params, grads):
        self.calls += 1


class Recording:
    """SGD that records, at every step, the gradients it receives and the (unclipped)
    full-batch weight-gradient norms of the parameters it is about to update."""

    def __init__(self, model, x, y, learning_rate=0.5):
        self.model, self.x, self.y = model, x, y
        self.sgd = SGD(learning_rate=learning_rate)
        self.received, self.unclipped = [], []

    def step(self, params, grads):
        self.received.append({k: g.copy() for k, g in grads.items()})
        _, full = self.model.loss_and_grads(self.x, self.y)
        self.unclipped.append([np.linalg.norm(full[k]) for k in params if k.startswith("W")])
        self.sgd.step(params, grads)


def _spy_batches(model):
    """Record the inputs of every training-mode forward pass that train() makes."""
    seen = []
    original = model._forward

    def spy(x, training, bn_state):
        if training:
            seen.append(x.copy())
        return original(x, training, bn_state)

    model._forward = spy
    return seen


def test_every_epoch_visits_each_example_once_in_a_new_order():
    # Catches: no per-epoch shuffling (order drawn once, or never).
    n, bs, epochs = 12, 5, 3
    x = np.arange(n, dtype=float)[:, None]  # feature = example index
    y = np.arange(n) % 2
    model = MLP([1, 3, 2], rng=np.random.default_rng(0))
    seen = _spy_batches(model)
    train(model, Frozen(), x, y, epochs=epochs, batch_size=bs, rng=np.random.default_rng(1))
    # ceil(12 / 5) = 3 batches per epoch of sizes 5, 5, 2 (the last one partial, as in Keras).
    assert [len(b) for b in seen] == [5, 5, 2] * epochs
    orders = [np.concatenate(seen[3 * e : 3 * e + 3])[:, 0].astype(int) for e in range(epochs)]
    for order in orders:
        assert sorted(order) == list(range(n))  # a permutation: each example exactly once
    # Two independent uniform permutations of 12 items coincide with probability 1/12!.
    assert not np.array_equal(orders[0], np.arange(n))
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])


def test_epoch_loss_and_accuracy_weight_every_example_once(rng):
    # Catches: the last partial batch weighted as a full one, train_loss as the plain mean
    # of the step losses, and train_accuracy counting only the last batch. With a frozen
    # network (and no batch norm) the per-epoch means over mini-batches must equal the loss
    # and the accuracy of the whole training set.
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 4, size=10)
    model = make_model(rng, activation="tanh")
    full_loss, _ = model.loss_and_grads(x, y)
    full_acc = model.accuracy(x, y)
    assert 0.0 < full_acc < 1.0
    hist = train(model, Frozen(), x, y, epochs=2, batch_size=4, rng=rng)
    assert len(hist.loss) == 2 * 3  # batches of 4, 4, 2
    # Summation order differs (per batch, then over batches): a few ulps.
    assert hist.train_loss == pytest.approx([full_loss] * 2, rel=1e-12)
    assert hist.train_accuracy == [full_acc] * 2
    # The same average written through the recorded step losses: weights 4, 4, 2 (not 4, 4, 4).
    steps = np.reshape(hist.loss, (2, 3))
    assert hist.train_loss == pytest.approx(list(steps @ [0.4, 0.4, 0.2]), rel=1e-12)
    # The mse path averages the same way.
    t = rng.normal(size=(10, 4))
    full_mse, _ = model.loss_and_grads(x, t, loss="mse")
    hist = train(model, Frozen(), x, t, epochs=1, batch_size=4, rng=rng, loss="mse")
    assert hist.train_loss == pytest.approx([full_mse], rel=1e-12)


def test_validation_runs_in_inference_mode_and_changes_nothing(rng):
    # Catches: validation run in training mode (batch statistics instead of the running
    # ones, and running statistics updated by the validation data).
    x, y, xv, yv = spirals_problem()
    x, y = x[:90], y[:90]
    xv = xv[:40] + 3.0  # shifted, so batch statistics of xv differ from the running ones

    def run(with_val):
        model = MLP([2, 8, 8, 3], normalization="batch", rng=np.random.default_rng(3))
        kw = {"x_val": xv, "y_val": yv[:40]} if with_val else {}
        hist = train(
            model, Adam(0.01), x, y, epochs=3, batch_size=32, rng=np.random.default_rng(4), **kw
        )
        return model, hist

    plain, plain_hist = run(False)
    model, hist = run(True)
    # Validation must not change training: same steps, same weights, same running statistics.
    assert hist.loss == plain_hist.loss
    for k in plain.params:
        np.testing.assert_array_equal(model.params[k], plain.params[k])
    for l in plain.bn_state:
        for k in plain.bn_state[l]:
            np.testing.assert_array_equal(model.bn_state[l][k], plain.bn_state[l][k])
    # The last epoch's validation numbers are those of the trained model in inference mode.
    from dlcore.losses import softmax_cross_entropy

    assert len(hist.val_loss) == len(hist.val_accuracy) == 3
    assert hist.val_loss[-1] == pytest.approx(
        softmax_cross_entropy(model.predict(xv), yv[:40])[0], rel=1e-12
    )
    assert hist.val_accuracy[-1] == model.accuracy(xv, yv[:40])


def test_grad_norms_are_recorded_before_clipping(rng):
    # Catches: gradient norms recorded after clipping (and squared norms, or norms of the
    # wrong step).
    x, y, _, _ = spirals_problem()
    x, y = x[:64], y[:64]
    model = MLP([2, 8, 8, 3], activation="tanh", rng=rng)
    opt = Recording(model, x, y)
    clip = 1e-3
    hist = train(
        model, opt, x, y, epochs=3, batch_size=64, rng=rng, record_grad_norms=True, clip_norm=clip
    )
    # Full batch: every step's gradient is the full-batch gradient of the current weights.
    # Summation order differs between the two computations: ~1e-15 relative.
    np.testing.assert_allclose(hist.grad_norms, opt.unclipped, rtol=1e-10)
    assert np.all(np.linalg.norm(hist.grad_norms, axis=1) > 100 * clip)
    # ... while the optimizer received the clipped gradient, of global norm exactly clip.
    for g in opt.received:
        assert math.sqrt(sum(np.sum(v**2) for v in g.values())) == pytest.approx(clip, rel=1e-12)


def test_training_is_deterministic_given_the_generators():
    # Catches: a hidden global random source (np.random.*) or state carried between runs.
    x, y, xv, yv = spirals_problem()

    def run(shuffle_seed, progress=False):
        model = MLP([2, 8, 3], normalization="batch", rng=np.random.default_rng(0))
        hist = train(
            model, Adam(0.01), x, y, epochs=2, batch_size=50,
            rng=np.random.default_rng(shuffle_seed), x_val=xv, y_val=yv,
            record_grad_norms=True, progress=progress,
        )  # fmt: skip
        return model, hist

    a, ha = run(7)
    np.random.seed(123)  # noqa: NPY002 - the legacy global state must not matter
    b, hb = run(7)
    _, hc = run(8)
    assert ha.loss == hb.loss and ha.val_loss == hb.val_loss
    np.testing.assert_array_equal(ha.grad_norms, hb.grad_norms)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    # Another shuffling seed gives another trajectory (the first batch already differs).
    assert ha.loss[0] != hc.loss[0]


def test_progress_bar_changes_nothing_but_the_display(capsys):
    # Catches: a progress path that draws from rng, skips bookkeeping, or shows stale numbers.
    x, y, _, _ = spirals_problem()

    def run(progress):
        model = MLP([2, 8, 3], rng=np.random.default_rng(0))
        return train(
            model, SGD(0.1), x, y, epochs=3, batch_size=64,
            rng=np.random.default_rng(1), progress=progress,
        )  # fmt: skip

    quiet = run(False)
    assert capsys.readouterr().err == ""
    shown = run(True)
    err = capsys.readouterr().err
    assert shown == quiet
    assert "3/3" in err
    # The bar shows the last epoch's mean loss and accuracy, as History records them.
    assert f"loss={quiet.train_loss[-1]:.4f}" in err
    assert f"acc={quiet.train_accuracy[-1]:.3f}" in err


def test_after_training_the_trace_belongs_to_the_last_batch(rng):
    # Catches: the model's trace / backward cache left at the wrong (or no) batch.
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 4, size=10)
    model = make_model(rng, activation="tanh")
    seen = _spy_batches(model)
    train(model, Frozen(), x, y, epochs=1, batch_size=4, rng=rng)
    assert model.trace[0].z.shape == (2, 5)  # the partial last batch
    np.testing.assert_allclose(
        model.trace[0].z, seen[-1] @ model.params["W1"] + model.params["b1"], rtol=1e-13
    )
    assert model.backward(np.ones((2, 4)))["W1"].shape == (3, 5)


def test_divergence_stops_before_the_bad_step_is_applied(rng):
    # Catches: the update applied before the finiteness check (parameters poisoned).
    class InfAtStep3:
        name = "inf_at_step_3"
        calls = 0
        fn = staticmethod(np.tanh)

        @classmethod
        def grad(cls, z):
            cls.calls += 1
            return np.full_like(z, np.inf) if cls.calls == 3 else 1 - np.tanh(z) ** 2

    x, y = rng.normal(size=(12, 3)), rng.integers(0, 4, size=12)
    model = make_model(rng, sizes=(3, 5, 4), activation=InfAtStep3())
    opt = Frozen()
    with pytest.raises(TrainingDivergedError) as info:
        train(model, opt, x, y, epochs=2, batch_size=4, rng=rng)
    # Step 3 is the last batch of epoch 1; the optimizer saw steps 1 and 2 only.
    assert (info.value.epoch, info.value.step, opt.calls) == (1, 3, 2)
    assert all(np.all(np.isfinite(p)) for p in model.params.values())


def test_names_follow_the_one_lookup_rule(rng):
    # Catches: a raw comparison with the caller's spelling (loss == "softmax_cross_entropy")
    # after the case-insensitive lookup: loss="SoftmaxCrossEntropy" took the regression
    # path and refused integer labels as (N, C) targets; and MLP(activation="ReLU") was
    # refused although activations.get("ReLU") works. Real bugs, found writing this test.
    x, y = rng.normal(size=(12, 3)), rng.integers(0, 4, size=12)
    model = MLP([3, 5, 4], activation="ReLU", initializer="HeNormal", rng=rng)
    assert model.activation.name == "relu"
    hist = train(
        model, Frozen(), x, y, epochs=1, batch_size=4, rng=rng, loss="SoftmaxCrossEntropy"
    )
    assert len(hist.train_accuracy) == 1
    assert model.loss_and_grads(x, y, loss="Softmax_Cross_Entropy")[0] == pytest.approx(
        hist.train_loss[0], rel=1e-12
    )
    t = rng.normal(size=(12, 4))
    assert (
        train(model, Frozen(), x, t, epochs=1, batch_size=4, rng=rng, loss="MSE").train_accuracy
        == []
    )


def test_nan_input_leaves_batch_norm_statistics_untouched(rng):
    # Catches: NaN input reaching batch norm in training mode, which would make the running
    # statistics NaN for good (every later prediction NaN).
    model = make_model(rng, normalization="batch")
    before = {l: {k: v.copy() for k, v in s.items()} for l, s in model.bn_state.items()}
    x = rng.normal(size=(4, 3))
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        model.forward(x, training=True)
    for l, s in model.bn_state.items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, before[l][k])
