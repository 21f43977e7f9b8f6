r"""Many independent MLPs trained at once, as one batched NumPy network.

A claim such as "Adam reaches the target sooner than SGD" needs several seeds, a
learning-rate grid for each side and a run long enough to reach a plateau: dozens of
small trainings. Run one after another, each is dominated by Python overhead (a few
microseconds of arithmetic per layer and step, wrapped in much more interpreter time).
:class:`MLPEnsemble` stacks :math:`S` networks along a leading *model axis*: every
weight matrix has shape ``(S, D_in, D_out)`` and every activation ``(S, B, D)``, so one
``np.matmul`` serves all models and a sweep of 30 runs costs little more than one.

The models are independent, exactly as if trained one by one:

* each has its own initial weights (its own seed, and its own ``gain`` multiplying the
  initializer's draw), its own data order (its own permutation every epoch), and its
  own learning rate: the optimizer runs with the learning rate (or schedule) you give it,
  and each model's update is multiplied by ``lr_scale[s]``. That is exact for every
  update rule whose step is proportional to the learning rate (SGD, momentum, Nesterov,
  AdaGrad, RMSprop, Adadelta, Adam, AMSGrad), so ``optimizer=Adam(1.0)`` with
  ``lr_scale=[1e-3, 3e-3]`` is Adam at 1e-3 and at 3e-3;
* a model whose loss, gradient or update stops being finite is marked *diverged*: from
  then on its gradients are zero, its parameters frozen at their last finite values and
  its losses NaN, and the others carry on.

Layout per hidden layer :math:`l`: :math:`z = a W_l + b_l`, optional normalization of
:math:`z` (batch or layer norm with learned :math:`\gamma, \beta`, before the
activation, as Ioffe and Szegedy place it), then :math:`a = f(z)`. With
``norm_position="after"`` the normalization follows the activation instead,
:math:`a = \mathrm{N}(f(z))` (the placement of one of the course's sources).
Batch norm uses batch statistics in training (:meth:`MLPEnsemble.forward` with
``training=True``, what :func:`train` does) and its running averages in inference
(``training=False``, what :meth:`MLPEnsemble.evaluate` does). The output layer is
linear and the loss is softmax cross-entropy on integer labels.

Example:
    >>> import numpy as np
    >>> from dlcore import ensemble, optimizers
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2)); y = (x[:, 0] * x[:, 1] > 0).astype(int)
    >>> net = ensemble.MLPEnsemble([2, 16, 2], n_models=3, activation="tanh", seeds=[0, 1, 2])
    >>> hist = ensemble.train(net, x, y, optimizer=optimizers.SGD(1.0),
    ...                       lr_scale=[0.01, 0.1, 0.5], epochs=30, batch_size=20, seed=0)
    >>> hist.train_loss.shape, bool(hist.train_loss[2, -1] < hist.train_loss[0, -1])
    ((3, 30), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from dlcore import activations, initializers
from dlcore._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_in_range,
    check_positive,
    check_positive_int,
)
from dlcore.optimizers import Optimizer

__all__ = ["EnsembleHistory", "MLPEnsemble", "loss_along_gradient", "train"]

#: Normalizations a hidden layer may use (pass ``norm=None`` for none).
NORMS = ("batch", "layer")
NORM_POSITIONS = ("before", "after")


def _bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched matrix product over the leading model axis (``a`` may lack it).

    One BLAS call per model is faster than ``np.matmul`` on stacked arrays for these
    small matrices (measured: about 2x), and exact: each model's product is the same
    call it would get alone.
    """
    S = b.shape[0]
    out = np.empty((S, a.shape[-2], b.shape[-1]), dtype=np.result_type(a, b))
    for s in range(S):
        np.matmul(a if a.ndim == 2 else a[s], b[s], out=out[s])
    return out


def _per_model(value: object, n: int, name: str, *, positive: bool = True) -> np.ndarray:
    """A scalar or a length-``n`` sequence, as a float array of shape (n,), finite."""
    arr = as_float_array(value, name, ndim=(0, 1))
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have length n_models = {n}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr}")
    if positive and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {arr}")
    return arr.astype(np.float64)


class MLPEnsemble:
    r"""``n_models`` independent MLPs of the same shape, stored with a leading model axis.

    Args:
        sizes: layer widths ``[D_in, H_1, ..., H_k, C]`` (at least input and output).
        n_models: :math:`S`, the number of networks.
        activation: hidden activation, a name or :class:`dlcore.activations.Activation`.
        initializer: kernel initializer name or callable ``(shape, rng) -> array``.
        gain: multiplier of each model's initial kernels (scalar or shape (S,)); chapter 3's
            weight-scale sweeps vary it.
        bias_init: initial value of every hidden and output bias.
        norm: ``None``, ``"batch"`` or ``"layer"``: normalize each hidden pre-activation
            (before the activation) and learn :math:`\gamma, \beta`.
        norm_position: ``"before"`` (default: :math:`f(\mathrm{N}(z))`) or ``"after"``
            the activation (:math:`\mathrm{N}(f(z))`).
        momentum: batch norm's running-average weight of the *old* value (Keras' convention;
            PyTorch's ``momentum`` is one minus this).
        epsilon: added to the variance in the normalization.
        seeds: one seed per model for its initial weights (default ``0 .. S-1``).
        dtype: ``"float64"`` (default) or ``"float32"`` (about twice as fast; enough for
            training experiments, not for gradient checks).

    Attributes:
        params: dict of arrays ``W1, b1, ..., (gamma1, beta1, ...)``, each ``(S, ...)``.
        running: batch norm's running means and variances, ``(S, 1, H)`` each.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        n_models: int,
        *,
        activation: str | activations.Activation = "relu",
        initializer: str | object = "glorot_uniform",
        gain: float | Sequence[float] = 1.0,
        bias_init: float = 0.0,
        norm: str | None = None,
        norm_position: str = "before",
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        seeds: Sequence[int] | None = None,
        dtype: str = "float64",
    ) -> None:
        self.n_models = check_positive_int(n_models, "n_models")
        if isinstance(sizes, (str, bytes)) or len(sizes) < 2:
            raise ValueError(f"sizes must list at least input and output widths, got {sizes!r}")
        self.sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        self.activation = activations.get(activation)
        init = initializers.get(initializer)
        self.gain = _per_model(gain, self.n_models, "gain")
        bias_init = float(as_float_array(bias_init, "bias_init", ndim=0))
        if norm is not None:
            check_choice(norm, "norm", NORMS)
        self.norm = norm
        self.norm_position = check_choice(norm_position, "norm_position", NORM_POSITIONS)
        self.momentum = check_in_range(momentum, "momentum", 0.0, 1.0)
        self.epsilon = check_positive(epsilon, "epsilon")
        if seeds is None:
            seeds = range(self.n_models)
        seeds = [check_positive_int(s, "seeds[i]", allow_zero=True) for s in seeds]
        if len(seeds) != self.n_models:
            raise ValueError(
                f"seeds must have n_models = {self.n_models} entries, got {len(seeds)}"
            )
        self.seeds = tuple(seeds)
        self.dtype = np.dtype(check_choice(str(dtype), "dtype", ("float64", "float32")))
        rngs = [np.random.default_rng(s) for s in self.seeds]
        S = self.n_models
        self.params: dict[str, np.ndarray] = {}
        self.running: dict[str, np.ndarray] = {}
        for l, (d_in, d_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), 1):
            W = np.stack([init((d_in, d_out), r) for r in rngs]) * self.gain[:, None, None]
            self.params[f"W{l}"] = W.astype(self.dtype)
            self.params[f"b{l}"] = np.full((S, 1, d_out), bias_init, dtype=self.dtype)
            if norm is not None and l < self.num_layers:
                self.params[f"gamma{l}"] = np.ones((S, 1, d_out), dtype=self.dtype)
                self.params[f"beta{l}"] = np.zeros((S, 1, d_out), dtype=self.dtype)
                if norm == "batch":
                    self.running[f"mean{l}"] = np.zeros((S, 1, d_out), dtype=self.dtype)
                    self.running[f"var{l}"] = np.ones((S, 1, d_out), dtype=self.dtype)

    @property
    def num_layers(self) -> int:
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    def _normalize(self, l: int, z: np.ndarray, training: bool) -> tuple[np.ndarray, tuple]:
        if self.norm == "batch" and training:
            mean, var = z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True)
            m = self.momentum
            self.running[f"mean{l}"] = m * self.running[f"mean{l}"] + (1 - m) * mean
            self.running[f"var{l}"] = m * self.running[f"var{l}"] + (1 - m) * var
        elif self.norm == "batch":
            mean, var = self.running[f"mean{l}"], self.running[f"var{l}"]
        else:  # layer norm: statistics over the features of each example
            mean, var = z.mean(axis=2, keepdims=True), z.var(axis=2, keepdims=True)
        inv = 1.0 / np.sqrt(var + self.epsilon)
        xhat = (z - mean) * inv
        out = self.params[f"gamma{l}"] * xhat + self.params[f"beta{l}"]
        return out, (xhat, inv, training)

    def _normalize_backward(self, l: int, dout: np.ndarray, cache: tuple, grads: dict):
        xhat, inv, training = cache
        grads[f"gamma{l}"] = np.sum(dout * xhat, axis=1, keepdims=True)
        grads[f"beta{l}"] = np.sum(dout, axis=1, keepdims=True)
        dxhat = dout * self.params[f"gamma{l}"]
        if self.norm == "batch" and not training:
            return dxhat * inv
        axis = 1 if self.norm == "batch" else 2
        # d/dz of (z - mean) / sqrt(var + eps) with mean and var computed over `axis`
        return inv * (
            dxhat
            - dxhat.mean(axis=axis, keepdims=True)
            - xhat * np.mean(dxhat * xhat, axis=axis, keepdims=True)
        )

    def forward(self, x: np.ndarray, *, training: bool = False) -> tuple[np.ndarray, list]:
        """Logits of every model, ``(S, N, C)``, and the caches for :meth:`backward`.

        ``x`` is ``(N, D_in)`` (the same inputs for every model) or ``(S, N, D_in)``.
        ``training=True`` uses batch statistics and updates batch norm's running
        averages; ``training=False`` (inference) uses the running averages.
        """
        check_bool(training, "training")
        a = x
        caches = []
        for l in range(1, self.num_layers + 1):
            z = _bmm(a, self.params[f"W{l}"]) + self.params[f"b{l}"]
            if l == self.num_layers:
                caches.append((a, None, None))
                return z, caches
            norm_cache = None
            if self.norm is not None and self.norm_position == "before":
                z, norm_cache = self._normalize(l, z, training)
            caches.append((a, z, norm_cache))
            a = self.activation.fn(z)
            if self.norm is not None and self.norm_position == "after":
                a, norm_cache = self._normalize(l, a, training)
                caches[-1] = (caches[-1][0], z, norm_cache)
        raise AssertionError("unreachable")  # pragma: no cover

    def backward(self, dlogits: np.ndarray, caches: list) -> dict[str, np.ndarray]:
        """Gradients of every parameter (same keys and shapes as :attr:`params`)."""
        grads: dict[str, np.ndarray] = {}
        dz = dlogits
        for l in range(self.num_layers, 0, -1):
            a_prev, _, _ = caches[l - 1]
            if a_prev.ndim == 2:
                grads[f"W{l}"] = _bmm(a_prev.T, dz)
            else:
                grads[f"W{l}"] = _bmm(a_prev.transpose(0, 2, 1), dz)
            grads[f"b{l}"] = dz.sum(axis=1, keepdims=True)
            if l == 1:
                break
            da = _bmm(dz, self.params[f"W{l}"].transpose(0, 2, 1))
            _, z_prev, norm_cache = caches[l - 2]
            after = self.norm_position == "after"
            if norm_cache is not None and after:
                da = self._normalize_backward(l - 1, da, norm_cache, grads)
            dz = da * self.activation.grad(z_prev)
            if norm_cache is not None and not after:
                dz = self._normalize_backward(l - 1, dz, norm_cache, grads)
        return grads

    def loss_and_grads(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Per-model mean softmax cross-entropy ``(S,)``, correct counts ``(S,)``, gradients.

        ``x`` is ``(S, B, D_in)`` and ``y`` integer labels ``(S, B)`` (one batch per model).
        """
        logits, caches = self.forward(x, training=True)
        loss, dlogits, correct = _softmax_xent(logits, y)
        return loss, correct, self.backward(dlogits, caches)

    def _chunks(self, x: np.ndarray, size: int = 1024):
        for i in range(0, x.shape[0], size):
            yield slice(i, i + size)

    def evaluate(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        """Mean loss and accuracy of each model on ``(x, y)`` (inference mode), ``(S,)`` each."""
        x = as_float_array(x, "x", ndim=2).astype(self.dtype, copy=False)
        y = np.asarray(y)
        if x.shape[1] != self.sizes[0] or y.shape != (x.shape[0],):
            raise ValueError(
                f"x must be (N, {self.sizes[0]}) and y (N,), got {x.shape} and {y.shape}"
            )
        total = np.zeros(self.n_models)
        correct = np.zeros(self.n_models)
        with np.errstate(all="ignore"), threadpool_limits(1):
            for sl in self._chunks(x):
                logits, _ = self.forward(x[sl], training=False)
                yb = np.broadcast_to(y[sl], logits.shape[:2])
                loss, _, c = _softmax_xent(logits, yb)
                total += loss * yb.shape[1]
                correct += c
        return total / x.shape[0], correct / x.shape[0]

    def accuracy(self, x: object, y: object) -> np.ndarray:
        """Fraction of ``y`` each model classifies correctly, ``(S,)`` (inference mode)."""
        return self.evaluate(x, y)[1]


def _softmax_xent(logits: np.ndarray, y: np.ndarray):
    """Per-model mean cross-entropy (S,), its gradient w.r.t. logits, correct counts (S,)."""
    B = logits.shape[1]
    shifted = logits - logits.max(axis=2, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=2, keepdims=True)
    picked = np.take_along_axis(shifted, y[..., None], axis=2)[..., 0]
    loss = np.mean(np.log(total[..., 0]) - picked, axis=1)
    dlogits = exp / total
    np.put_along_axis(
        dlogits, y[..., None], np.take_along_axis(dlogits, y[..., None], axis=2) - 1.0, axis=2
    )
    dlogits /= B
    correct = (logits.argmax(axis=2) == y).sum(axis=1).astype(np.float64)
    return loss, dlogits, correct


@dataclass
class EnsembleHistory:
    """What :func:`train` records, one row per model.

    Attributes:
        train_loss: ``(S, epochs)`` mean training loss of each epoch (every example counted
            once, the last partial batch by its size); NaN once a model has diverged.
        train_accuracy: ``(S, epochs)`` fraction of the epoch's examples classified
            correctly during training (training mode, weights changing within the epoch).
        step_loss: ``(S, steps)`` the loss of every mini-batch step.
        val_loss, val_accuracy: ``(S, epochs)`` in inference mode after each epoch, when
            validation data was given (else empty arrays).
        diverged: ``(S,)`` whether the model's loss, gradient or update stopped being
            finite.
        diverged_at_step: ``(S,)`` the step index where it did (-1 if never).
    """

    train_loss: np.ndarray
    train_accuracy: np.ndarray
    step_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged: np.ndarray
    diverged_at_step: np.ndarray
    lr_scale: np.ndarray = field(repr=False)


def train(
    net: MLPEnsemble,
    x: object,
    y: object,
    *,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int = 128,
    lr_scale: float | Sequence[float] = 1.0,
    x_val: object | None = None,
    y_val: object | None = None,
    seed: int = 0,
) -> EnsembleHistory:
    """Train every model of ``net`` in place with mini-batch gradient descent.

    Each model draws its own permutation of the training set every epoch (from
    ``seed`` and the model's own seed), and takes one optimizer step per mini-batch
    (the last, smaller batch included); its update is the optimizer's multiplied by
    ``lr_scale[s]`` (see the module docstring for why that is exact).

    Args:
        net: the ensemble (changed in place).
        x, y: training inputs ``(N, D_in)`` and integer labels ``(N,)``.
        optimizer: a fresh dlcore optimizer; give it learning rate 1 (or a schedule
            peaking at 1) and put the learning rates in ``lr_scale``.
        epochs: passes over the training set.
        batch_size: examples per step.
        lr_scale: per-model learning-rate factor, scalar or ``(S,)``, >= 0.
        x_val, y_val: evaluated after every epoch in inference mode.
        seed: seeds the data order.

    Returns:
        :class:`EnsembleHistory`.

    Raises:
        TypeError: ``optimizer`` is not a dlcore optimizer instance.
        ValueError: bad shapes, non-finite inputs, labels out of range.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a dlcore optimizer instance, got {type(optimizer).__name__}"
        )
    x = as_float_array(x, "x", ndim=2)
    y = np.asarray(y)
    n, d = x.shape
    if d != net.sizes[0]:
        raise ValueError(f"x must have {net.sizes[0]} columns (sizes[0]), got {d}")
    if y.shape != (n,) or y.dtype.kind not in "iu":
        raise ValueError(f"y must be integer labels of shape ({n},), got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() >= net.sizes[-1]:
        raise ValueError(f"y must be labels in [0, {net.sizes[-1]}), got [{y.min()}, {y.max()}]")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (it holds NaN or inf)")
    x = x.astype(net.dtype, copy=False)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    S = net.n_models
    scale = _per_model(lr_scale, S, "lr_scale")
    has_val = x_val is not None
    if has_val != (y_val is not None):
        raise ValueError("give both x_val and y_val, or neither")
    seed = check_positive_int(seed, "seed", allow_zero=True)
    # The data order of a model depends on (seed, the model's own seed) only, so a model
    # trains the same whether it shares the ensemble with others or not.
    rngs = [np.random.default_rng([seed, s]) for s in net.seeds]
    steps_per_epoch = -(-n // batch_size)
    step_loss = np.full((S, epochs * steps_per_epoch), np.nan)
    train_loss = np.full((S, epochs), np.nan)
    train_acc = np.full((S, epochs), np.nan)
    val_loss = np.full((S, epochs if has_val else 0), np.nan)
    val_acc = np.full((S, epochs if has_val else 0), np.nan)
    diverged = np.zeros(S, dtype=bool)
    diverged_at = np.full(S, -1)
    step = 0
    # One BLAS thread: for matrices this small, threads cost more than they save.
    with np.errstate(all="ignore"), threadpool_limits(1):
        for epoch in range(epochs):
            order = np.stack([r.permutation(n) for r in rngs])
            loss_sum = np.zeros(S)
            correct = np.zeros(S)
            for start in range(0, n, batch_size):
                idx = order[:, start : start + batch_size]
                loss, corr, grads = net.loss_and_grads(x[idx], y[idx])
                finite = np.isfinite(loss)
                for g in grads.values():
                    finite &= np.isfinite(g).reshape(S, -1).all(axis=1)
                newly = ~finite & ~diverged
                diverged_at[newly] = step
                diverged |= newly
                for g in grads.values():
                    g[diverged] = 0.0
                old = {k: v.copy() for k, v in net.params.items()}
                optimizer.step(net.params, grads)
                new, ok = {}, np.ones(S, dtype=bool)
                for k, v in net.params.items():
                    new[k] = old[k] + scale.reshape((S,) + (1,) * (v.ndim - 1)) * (v - old[k])
                    ok &= np.isfinite(new[k]).reshape(S, -1).all(axis=1)
                # An update that overflows (e.g. Adam's moments past 1e308) diverges the
                # model too, before it lands: a diverged model keeps its last finite weights.
                newly = ~ok & ~diverged
                diverged_at[newly] = step
                diverged |= newly
                for k, v in net.params.items():  # in place: the optimizer keeps no copies
                    frozen = diverged.reshape((S,) + (1,) * (v.ndim - 1))
                    v[...] = np.where(frozen, old[k], new[k])
                loss = np.where(diverged, np.nan, loss)
                step_loss[:, step] = loss
                loss_sum += loss * idx.shape[1]
                correct += corr
                step += 1
            train_loss[:, epoch] = loss_sum / n
            train_acc[:, epoch] = np.where(diverged, np.nan, correct / n)
            if has_val:
                vl, va = net.evaluate(x_val, y_val)
                val_loss[:, epoch] = np.where(diverged, np.nan, vl)
                val_acc[:, epoch] = np.where(diverged, np.nan, va)
    return EnsembleHistory(
        train_loss, train_acc, step_loss, val_loss, val_acc, diverged, diverged_at, scale
    )


def loss_along_gradient(
    net: MLPEnsemble, x: object, y: object, step_sizes: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Loss and gradient of every model along its own gradient direction, on one batch.

    With :math:`g = \nabla L(w)` on the batch ``(x, y)`` (training mode, as in a step),
    evaluates :math:`L(w - \eta_k g)` and :math:`\lVert \nabla L(w - \eta_k g) - g \rVert`
    for each step size :math:`\eta_k`: the two quantities Santurkar et al. (2018) use
    to compare the loss landscape with and without batch norm (how far the loss moves
    along a step, and how well the gradient predicts the gradient a step later, the
    "effective :math:`\beta`-smoothness" :math:`\lVert\Delta\nabla L\rVert / (\eta
    \lVert g\rVert)`). Parameters and running statistics are restored afterwards.
    Paper: https://arxiv.org/abs/1805.11604

    Args:
        net: the ensemble (left unchanged).
        x, y: one batch ``(B, D_in)`` and its integer labels ``(B,)``, shared by all models.
        step_sizes: :math:`\eta`, shape ``(K,)`` (the same for every model) or ``(S, K)``.

    Returns:
        ``(loss0, loss, grad_change, grad_norm)``: ``loss0`` ``(S,)`` at :math:`w`; ``loss``
        and ``grad_change`` ``(S, K)``; ``grad_norm`` ``(S,)`` is :math:`\lVert g \rVert`
        (all parameters together).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.normal(size=(32, 3)), rng.integers(0, 2, size=32)
        >>> net = MLPEnsemble([3, 8, 2], n_models=2, seeds=[0, 1])
        >>> loss0, loss, change, norm = loss_along_gradient(net, x, y, [0.0, 1e-3])
        >>> bool(np.all(loss[:, 0] == loss0)), bool(np.all(loss[:, 1] < loss0))
        (True, True)
    """
    x = as_float_array(x, "x", ndim=2).astype(net.dtype, copy=False)
    y = np.asarray(y)
    if x.shape[1] != net.sizes[0] or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (B, {net.sizes[0]}) and y (B,), got {x.shape} and {y.shape}")
    S = net.n_models
    eta = as_float_array(step_sizes, "step_sizes", ndim=(1, 2))
    if eta.ndim == 1:
        eta = np.broadcast_to(eta, (S, eta.size))
    if eta.shape[0] != S:
        raise ValueError(f"step_sizes must be (K,) or (n_models={S}, K), got {eta.shape}")
    yb = np.broadcast_to(y, (S, y.size))
    params = {k: v.copy() for k, v in net.params.items()}
    running = {k: v.copy() for k, v in net.running.items()}

    def flat(grads):
        return np.concatenate([grads[k].reshape(S, -1) for k in sorted(grads)], axis=1)

    try:
        with np.errstate(all="ignore"), threadpool_limits(1):
            loss0, _, grads0 = net.loss_and_grads(x, yb)
            g0 = flat(grads0)
            losses = np.empty(eta.shape)
            change = np.empty(eta.shape)
            for k in range(eta.shape[1]):
                for name, value in params.items():
                    step = eta[:, k].reshape((S,) + (1,) * (value.ndim - 1))
                    net.params[name] = (value - step * grads0[name]).astype(net.dtype)
                losses[:, k], _, grads = net.loss_and_grads(x, yb)
                change[:, k] = np.linalg.norm(flat(grads) - g0, axis=1)
            g0_norm = np.linalg.norm(g0, axis=1)
    finally:
        net.params.update(params)
        net.running.update(running)
    return loss0, losses, change, g0_norm
