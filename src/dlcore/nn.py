r"""A multilayer perceptron with manual backpropagation, and a mini-batch training loop.

:class:`MLP` stacks the dense layers of :mod:`dlcore.layers`, each hidden layer computing

.. math::

    u_l = h_{l-1} W_l + b_l, \qquad
    z_l = \operatorname{norm}(u_l), \qquad
    a_l = f(z_l), \qquad
    h_l = a_l \ \ (\text{or } h_{l-1} + a_l \text{ with a residual connection}),

with :math:`h_0 = x`, an optional normalization (batch or layer norm, with learned
:math:`\gamma_l, \beta_l`; the identity otherwise), and a linear output layer
:math:`\text{logits} = h_{L-1} W_L + b_L`. The backward pass applies the chain rule
layer by layer and keeps every intermediate gradient in :attr:`MLP.trace`, so the
vanishing or exploding of :math:`\partial L / \partial a_l` can be looked at directly.

:func:`train` runs mini-batch gradient descent with any dlcore optimizer and returns a
:class:`History`; it stops with :class:`TrainingDivergedError` as soon as the loss or a
gradient is NaN or infinite.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from dlcore import activations, initializers
from dlcore import normalization as _norm
from dlcore._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_finite,
    check_positive,
    check_positive_int,
    check_real,
    check_rng,
    check_shape,
    lookup,
)
from dlcore.layers import _dense_backward, _dense_forward
from dlcore.losses import _BY_NAME, _loss_name, check_labels

__all__ = [
    "MLP",
    "History",
    "LayerTrace",
    "TrainingDivergedError",
    "clip_by_global_norm",
    "train",
]

NORMALIZATIONS = ("batch", "layer")


class TrainingDivergedError(FloatingPointError):
    """Raised by :func:`train` when the loss or a gradient becomes NaN or infinite.

    Attributes ``epoch`` (1-based), ``step`` (1-based, counted over the whole run) and
    ``loss`` (the offending loss value) say where it happened.

    Example:
        >>> err = TrainingDivergedError("diverged", epoch=2, step=17, loss=float("inf"))
        >>> isinstance(err, FloatingPointError), err.epoch, err.step
        (True, 2, 17)
    """

    def __init__(self, message: str, *, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.loss = loss


@dataclass
class LayerTrace:
    r"""What one hidden layer computed in the last forward (and backward) pass.

    Attributes:
        z: array of shape (N, width), the pre-activation :math:`z_l`, the input of the
            activation function (after the normalization when the layer has one).
        a: array of shape (N, width), the activation :math:`a_l = f(z_l)`. With a
            residual connection the layer's output is :math:`h_l = h_{l-1} + a_l`;
            otherwise :math:`h_l = a_l`.
        dz: array of shape (N, width) or None,
            :math:`\partial L / \partial z_l = \partial L / \partial a_l \odot f'(z_l)`,
            filled in by :meth:`MLP.backward` (``None`` until then).
        da: array of shape (N, width) or None, :math:`\partial L / \partial a_l`, which is
            also :math:`\partial L / \partial h_l`, the gradient with respect to the
            layer's output. Filled in by the backward pass.

    Example:
        >>> model = MLP([2, 3, 2], activation="tanh", rng=np.random.default_rng(0))
        >>> _ = model.forward(np.ones((4, 2)))
        >>> model.trace[0].z.shape, model.trace[0].da is None
        ((4, 3), True)
    """

    z: np.ndarray
    a: np.ndarray
    dz: np.ndarray | None = None
    da: np.ndarray | None = None


def _resolve_activation(activation: object) -> activations.Activation:
    if isinstance(activation, str):
        # The one name rule of dlcore._validation.lookup ("ReLU" works), with this
        # parameter's name in the error.
        key = lookup(
            activation, "activation", dict.fromkeys(activations.names()), param="activation"
        )
        return activations.get(key)
    if callable(getattr(activation, "fn", None)) and callable(getattr(activation, "grad", None)):
        return activation
    raise TypeError(
        "activation must be a name from dlcore.activations.names() or an object with "
        f".fn and .grad (from dlcore.activations.get), got {type(activation).__name__}"
    )


def _resolve_initializer(init: object, name: str) -> Callable:
    if isinstance(init, str):
        return initializers.get(
            lookup(init, "initializer", dict.fromkeys(initializers.names()), param=name)
        )
    if callable(init):
        return init
    if name == "bias_initializer" and not isinstance(init, bool):
        value = check_real(init, name)
        return lambda shape, rng: np.full(shape, value)
    raise TypeError(
        f"{name} must be a name from dlcore.initializers or a callable (shape, rng) -> array"
        + (" or a number" if name == "bias_initializer" else "")
        + f", got {type(init).__name__}"
    )


def _init_array(init: Callable, shape: tuple[int, ...], rng: np.random.Generator, name: str):
    arr = np.array(init(shape, rng), dtype=np.float64)  # a copy: params are updated in place
    if arr.shape != shape:
        raise ValueError(f"{name} returned an array of shape {arr.shape}, expected {shape}")
    return arr


class MLP:
    r"""Fully connected network with manual forward and backward passes.

    Layer :math:`l = 1, \dots, L-1` (hidden) computes

    .. math::

        z_l = \operatorname{norm}_l(h_{l-1} W_l + b_l), \qquad
        h_l = f(z_l) \quad\text{or}\quad h_l = h_{l-1} + f(z_l)\ \text{(residual)},

    and the output layer is linear, :math:`\text{logits} = h_{L-1} W_L + b_L`.

    * ``normalization="batch"`` uses :func:`dlcore.normalization.batchnorm_forward`
      (Ioffe and Szegedy, 2015) with Keras' defaults (momentum 0.99, epsilon 1e-3) and
      per-layer running statistics in :attr:`bn_state`; ``"layer"`` uses
      :func:`dlcore.normalization.layernorm_forward` (Ba, Kiros and Hinton, 2016). Both
      add parameters ``gamma{l}`` (initialised to 1) and ``beta{l}`` (to 0). The bias
      ``b{l}`` is kept so that the parameter names do not depend on the options; under
      batch norm it has no effect (the batch mean removes it) and its gradient is zero.
    * ``residual=True`` adds an identity skip connection around every hidden layer whose
      input width equals its output width, :math:`h_l = h_{l-1} + f(z_l)` (He, Zhang,
      Ren and Sun, 2016, "Deep residual learning for image recognition"). Layers that
      change the width (usually the first) have no skip connection.

    Weights use Keras' layout, ``W{l}`` of shape ``(sizes[l-1], sizes[l])``, so they
    can be copied into ``keras.layers.Dense`` unchanged (see
    :func:`dlcore.keras_tools.from_dlcore`).

    Args:
        sizes: ``[d_in, h_1, ..., h_{L-1}, n_out]``, at least two positive integers.
        activation: a name from :func:`dlcore.activations.names` or an object returned by
            :func:`dlcore.activations.get` (e.g. ``get("leaky_relu", alpha=0.1)``).
        initializer: weight initializer, a name for :func:`dlcore.initializers.get` or a
            callable ``(shape, rng) -> array``.
        normalization: ``None``, ``"batch"`` or ``"layer"``, applied to every hidden layer
            between the affine map and the activation.
        residual: identity skip connections around hidden layers of equal width.
        bias_initializer: initializer for every bias (default ``"zeros"``); a number sets
            all biases to that constant (e.g. ``-3.0`` to produce dead ReLUs).
        rng: ``numpy.random.Generator``, the source of the random initial weights.

    Attributes:
        params: dict name -> array, ``"W1", "b1", ..., "WL", "bL"`` and, with
            normalization, ``"gamma{l}", "beta{l}"`` for the hidden layers. Optimizers
            update this dict.
        bn_state: dict layer -> batch-norm running statistics (empty without batch norm).
        trace: list of :class:`LayerTrace`, one per hidden layer from the last
            :meth:`forward`; :meth:`backward` fills in the gradients.

    Raises:
        TypeError, ValueError: a bad argument (the message names it).

    Example:
        >>> model = MLP([2, 16, 3], activation="relu", rng=np.random.default_rng(0))
        >>> sorted(model.params), model.params["W1"].shape
        (['W1', 'W2', 'b1', 'b2'], (2, 16))
        >>> model.forward(np.zeros((5, 2))).shape
        (5, 3)

    References:
        D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986), "Learning representations
        by back-propagating errors", https://doi.org/10.1038/323533a0; batch norm:
        https://arxiv.org/abs/1502.03167; layer norm: https://arxiv.org/abs/1607.06450;
        residual connections: https://arxiv.org/abs/1512.03385
    """

    def __init__(
        self,
        sizes: list[int] | tuple[int, ...],
        *,
        activation: str | activations.Activation = "relu",
        initializer: str | Callable = "he_normal",
        normalization: str | None = None,
        residual: bool = False,
        bias_initializer: str | Callable | float = "zeros",
        rng: np.random.Generator,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(
                f"sizes must have at least 2 entries [d_in, ..., n_out], got {list(sizes)}"
            )
        self.sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        self.activation = _resolve_activation(activation)
        if normalization is not None:
            check_choice(normalization, "normalization", NORMALIZATIONS)
        self.normalization = normalization
        check_bool(residual, "residual")
        self.residual = residual
        w_init = _resolve_initializer(initializer, "initializer")
        b_init = _resolve_initializer(bias_initializer, "bias_initializer")
        check_rng(rng, "rng")

        self.num_layers = len(self.sizes) - 1
        self.params: dict[str, np.ndarray] = {}
        self.bn_state: dict[int, dict[str, np.ndarray]] = {}
        for l in range(1, self.num_layers + 1):
            fan_in, fan_out = self.sizes[l - 1], self.sizes[l]
            self.params[f"W{l}"] = _init_array(w_init, (fan_in, fan_out), rng, "initializer")
            self.params[f"b{l}"] = _init_array(b_init, (fan_out,), rng, "bias_initializer")
            if l < self.num_layers and normalization is not None:
                self.params[f"gamma{l}"] = np.ones(fan_out)
                self.params[f"beta{l}"] = np.zeros(fan_out)
                if normalization == "batch":
                    self.bn_state[l] = _norm.batchnorm_state(fan_out)
        self.trace: list[LayerTrace] = []
        self._caches: list | None = None

    def has_skip(self, l: int) -> bool:
        """Whether hidden layer ``l`` (1-based) has an identity skip connection.

        Example:
            >>> m = MLP([3, 4, 4, 2], residual=True, rng=np.random.default_rng(0))
            >>> [m.has_skip(l) for l in (1, 2, 3)]  # layer 1 changes the width
            [False, True, False]
        """
        return self.residual and l < self.num_layers and self.sizes[l - 1] == self.sizes[l]

    def __repr__(self) -> str:
        return (
            f"MLP(sizes={self.sizes}, "
            f"activation={getattr(self.activation, 'name', type(self.activation).__name__)!r}, "
            f"normalization={self.normalization!r}, residual={self.residual})"
        )

    # -- unchecked internals, shared with train() and dlcore.diagnostics ---------------

    def _forward(self, x: np.ndarray, training: bool, bn_state: dict) -> tuple:
        """Forward pass without input checks; returns (logits, caches, trace)."""
        p, act = self.params, self.activation
        caches, trace = [], []
        h = x
        for l in range(1, self.num_layers):
            u, dense_cache = _dense_forward(h, p[f"W{l}"], p[f"b{l}"])
            norm_cache = None
            if self.normalization == "batch":
                z, norm_cache = _norm.batchnorm_forward(
                    u, p[f"gamma{l}"], p[f"beta{l}"], bn_state[l], training=training
                )
            elif self.normalization == "layer":
                z, norm_cache = _norm.layernorm_forward(u, p[f"gamma{l}"], p[f"beta{l}"])
            else:
                z = u
            a = act.fn(z)
            caches.append((dense_cache, norm_cache))
            trace.append(LayerTrace(z=z, a=a))
            h = h + a if self.has_skip(l) else a
        L = self.num_layers
        logits, dense_cache = _dense_forward(h, p[f"W{L}"], p[f"b{L}"])
        caches.append((dense_cache, None))
        return logits, caches, trace

    def _backward(self, dout: np.ndarray, caches: list, trace: list) -> dict[str, np.ndarray]:
        """Backward pass without input checks; fills ``trace`` and returns the gradients."""
        p, act = self.params, self.activation
        grads: dict[str, np.ndarray] = {}
        L = self.num_layers
        dh, grads[f"W{L}"], grads[f"b{L}"] = _dense_backward(dout, caches[L - 1][0])
        for l in range(L - 1, 0, -1):
            dense_cache, norm_cache = caches[l - 1]
            entry = trace[l - 1]
            entry.da = dh
            entry.dz = dz = dh * act.grad(entry.z)
            if self.normalization == "batch":
                du, grads[f"gamma{l}"], grads[f"beta{l}"] = _norm.batchnorm_backward(
                    dz, norm_cache
                )
            elif self.normalization == "layer":
                du, grads[f"gamma{l}"], grads[f"beta{l}"] = _norm.layernorm_backward(
                    dz, norm_cache
                )
            else:
                du = dz
            dh_prev, grads[f"W{l}"], grads[f"b{l}"] = _dense_backward(du, dense_cache)
            dh = dh_prev + dh if self.has_skip(l) else dh_prev
        return {k: grads[k] for k in p}

    def _check_x(self, x: object, name: str = "x") -> np.ndarray:
        x = as_float_array(x, name, ndim=2)
        if x.shape[1] != self.sizes[0]:
            raise ValueError(
                f"{name} must have shape (N, {self.sizes[0]}) to match sizes[0], got {x.shape}"
            )
        if x.shape[0] == 0:
            raise ValueError(f"{name} must hold at least one example, got shape {x.shape}")
        check_finite(x, name)  # NaN input would poison batch-norm statistics silently
        return x

    def _check_targets(self, y: object, n: int, loss: str, name: str = "y") -> np.ndarray:
        if loss == "softmax_cross_entropy":
            return check_labels(y, name, n, self.sizes[-1])
        y = as_float_array(y, name, ndim=(1, 2))
        if y.ndim == 1 and self.sizes[-1] == 1:
            y = y[:, None]
        check_shape(y, (n, self.sizes[-1]), name)
        check_finite(y, name)
        return y

    # -- public API ---------------------------------------------------------------------

    def forward(self, x: object, training: bool = True) -> np.ndarray:
        r"""Compute the logits of a batch and record :attr:`trace` for :meth:`backward`.

        Args:
            x: input batch of shape (N, sizes[0]), finite.
            training: batch norm uses (and updates) batch statistics when ``True`` and its
                running statistics when ``False``; the other layers behave the same
                either way.

        Returns:
            Logits (the linear output), shape (N, sizes[-1]).

        Example:
            >>> m = MLP([2, 3, 2], rng=np.random.default_rng(0))
            >>> m.forward(np.ones((4, 2))).shape
            (4, 2)
        """
        x = self._check_x(x)
        check_bool(training, "training")
        logits, self._caches, self.trace = self._forward(x, training, self.bn_state)
        self._out_shape = logits.shape
        return logits

    def backward(self, dout: object) -> dict[str, np.ndarray]:
        r"""Backpropagate ``dout`` through the last :meth:`forward` pass.

        For each hidden layer, from the top down,

        .. math::

            \frac{\partial L}{\partial z_l} = \frac{\partial L}{\partial h_l} \odot f'(z_l),
            \qquad
            \frac{\partial L}{\partial h_{l-1}} = \frac{\partial L}{\partial u_l} W_l^\top
            \ \Big(+ \frac{\partial L}{\partial h_l} \text{ with a skip connection}\Big),

        where :math:`\partial L / \partial u_l` is :math:`\partial L / \partial z_l` passed
        back through the normalization. The intermediate gradients are stored in
        :attr:`trace` (``dz``, ``da``).

        Args:
            dout: gradient of the loss with respect to the logits, shape (N, sizes[-1]).

        Returns:
            Gradients, a dict with the same keys and shapes as :attr:`params`.

        Raises:
            RuntimeError: no :meth:`forward` pass yet.

        Example:
            >>> m = MLP([2, 3, 2], rng=np.random.default_rng(0))
            >>> _ = m.forward(np.ones((4, 2)))
            >>> m.backward(np.ones((4, 2)))["W1"].shape
            (2, 3)
        """
        if self._caches is None:
            raise RuntimeError("call forward(x) before backward(dout)")
        dout = as_float_array(dout, "dout", ndim=2)
        check_shape(dout, self._out_shape, "dout")
        return self._backward(dout, self._caches, self.trace)

    def loss_and_grads(
        self, x: object, y: object, loss: str = "softmax_cross_entropy"
    ) -> tuple[float, dict[str, np.ndarray]]:
        r"""Forward pass in training mode, loss, and backward pass.

        Args:
            x: input batch of shape (N, sizes[0]).
            y: integer labels of shape (N,) for ``"softmax_cross_entropy"``; targets of
                shape (N, sizes[-1]) for ``"mse"`` (or (N,) when there is one output).
            loss: ``"softmax_cross_entropy"`` or ``"mse"`` (see :mod:`dlcore.losses`).

        Returns:
            ``(loss, grads)``: the mean loss (a float) and a dict of gradients with the
            same keys and shapes as :attr:`params`.

        Example:
            >>> m = MLP([2, 3, 2], initializer="zeros", rng=np.random.default_rng(0))
            >>> loss, grads = m.loss_and_grads(np.ones((4, 2)), np.array([0, 1, 0, 1]))
            >>> round(loss, 6)  # equal logits: log 2
            0.693147
        """
        loss = _loss_name(loss)
        loss_fn = _BY_NAME[loss]
        x = self._check_x(x)
        y = self._check_targets(y, x.shape[0], loss)
        logits = self.forward(x, training=True)
        value, dlogits = loss_fn(logits, y)
        return value, self._backward(dlogits, self._caches, self.trace)

    def predict(self, x: object) -> np.ndarray:
        """Logits in inference mode (as ``keras.Model.predict``); ``argmax`` gives classes.

        Does not change :attr:`trace`, the batch-norm statistics or the cache of
        :meth:`backward`.

        Args:
            x: input batch of shape (N, sizes[0]).

        Returns:
            Logits of shape (N, sizes[-1]).

        Example:
            >>> m = MLP([2, 3, 2], normalization="batch", rng=np.random.default_rng(0))
            >>> m.predict(np.ones((4, 2))).shape, m.trace
            ((4, 2), [])
        """
        x = self._check_x(x)
        return self._forward(x, False, self.bn_state)[0]

    def accuracy(self, x: object, y: object) -> float:
        """Fraction of examples whose arg-max logit (inference mode) equals the label.

        Args:
            x: input batch of shape (N, sizes[0]).
            y: integer labels of shape (N,).

        Returns:
            A float in [0, 1].

        Example:
            >>> m = MLP([2, 2], initializer="zeros", bias_initializer=0.0,
            ...         rng=np.random.default_rng(0))
            >>> m.params["b1"][:] = [1.0, 0.0]  # always predicts class 0
            >>> m.accuracy(np.ones((4, 2)), np.array([0, 0, 1, 0]))
            0.75
        """
        x = self._check_x(x)
        y = check_labels(y, "y", x.shape[0], self.sizes[-1])
        return float(np.mean(np.argmax(self._forward(x, False, self.bn_state)[0], axis=1) == y))


def clip_by_global_norm(
    grads: dict[str, np.ndarray], clip_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    r"""Rescale all gradients together so that their global norm is at most ``clip_norm``.

    .. math::

        \|g\| = \sqrt{\textstyle\sum_k \|g_k\|_F^2}, \qquad
        g_k \leftarrow g_k \cdot \frac{c}{\max(\|g\|, c)} .

    The direction of the full gradient is kept. This is Keras' ``global_clipnorm`` and
    ``tf.clip_by_global_norm``; Keras' ``clipnorm`` instead clips each variable's gradient
    to norm :math:`c` separately, which changes the direction.

    Args:
        grads: dict name -> gradient array (not modified).
        clip_norm: maximum global norm, > 0.

    Returns:
        ``(clipped, norm)``: the rescaled gradients (the same arrays when no clipping was
        needed) and the global norm before clipping.

    Example:
        >>> clipped, norm = clip_by_global_norm({"a": np.array([3.0, 4.0])}, 1.0)
        >>> norm, clipped["a"]
        (5.0, array([0.6, 0.8]))

    References:
        R. Pascanu, T. Mikolov, Y. Bengio (2013), "On the difficulty of training recurrent
        neural networks", https://arxiv.org/abs/1211.5063
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
    clip_norm = check_positive(clip_norm, "clip_norm")
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    return _clip(grads, norm, clip_norm), norm


def _clip(grads: dict, norm: float, clip_norm: float) -> dict:
    if norm <= clip_norm:
        return grads
    scale = clip_norm / norm
    return {k: g * scale for k, g in grads.items()}


@dataclass
class History:
    r"""Record of a :func:`train` run.

    Attributes:
        loss: training loss of every mini-batch step.
        train_loss: per epoch, the mean of the step losses weighted by batch size (the
            last, partial batch counts with its size), i.e. the mean loss over the
            training examples, as Keras reports.
        train_accuracy: per epoch, the fraction of training examples classified correctly
            *during* the epoch (training-mode logits of each mini-batch, all batches, as
            Keras reports). Empty for the ``"mse"`` loss.
        val_loss: per epoch, the loss on ``(x_val, y_val)`` in inference mode after the
            epoch (batch norm uses, and does not update, its running statistics); empty
            without validation data.
        val_accuracy: the same for the accuracy (empty for ``"mse"``).
        grad_norms: with ``record_grad_norms=True``, an array of shape
            (steps, num_layers): :math:`\|\partial L / \partial W_l\|_F` for every layer
            (output layer last) at every step, before clipping; otherwise ``None``.

    Example:
        >>> h = History(loss=[0.9, 0.7], train_loss=[0.8])
        >>> h.train_loss[-1], h.grad_norms is None
        (0.8, True)
    """

    loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    grad_norms: np.ndarray | None = None


#: Below this many multiply-adds in the largest per-step matrix product, :func:`train`
#: runs BLAS on one thread: the products of a small MLP (64 x 100 by 100 x 100) take tens
#: of microseconds, less than waking and synchronising threads, and on a busy 2-core machine
#: a multi-threaded BLAS was measured 10x slower than a single thread.
SMALL_MATMUL = 4_000_000


def _blas_limit(model: MLP, batch_size: int) -> contextlib.AbstractContextManager:
    work = batch_size * max(a * b for a, b in zip(model.sizes, model.sizes[1:], strict=False))
    if work >= SMALL_MATMUL:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _diverged(epoch: int, step: int, loss: float, what: str) -> TrainingDivergedError:
    return TrainingDivergedError(
        f"training diverged at epoch {epoch}, step {step}: {what} (loss = {loss}). "
        "Try a lower learning rate, gradient clipping (clip_norm=...), a smaller "
        "initialization scale, or normalization.",
        epoch=epoch,
        step=step,
        loss=loss,
    )


def train(
    model: MLP,
    optimizer: object,
    x: object,
    y: object,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    x_val: object = None,
    y_val: object = None,
    loss: str = "softmax_cross_entropy",
    progress: bool = False,
    record_grad_norms: bool = False,
    clip_norm: float | None = None,
) -> History:
    r"""Train ``model`` by mini-batch gradient descent.

    Every epoch visits the examples in a new random order (drawn from ``rng``) in batches of
    ``batch_size`` (the last one may be smaller, as in Keras), and for each batch

    .. math::

        g = \nabla_\theta \frac{1}{|B|} \sum_{n \in B} \ell(x_n, y_n; \theta), \qquad
        \theta \leftarrow \mathrm{optimizer.step}(\theta, g).

    With ``clip_norm`` the gradients are first rescaled to a global norm of at most
    ``clip_norm`` (:func:`clip_by_global_norm`, Keras' ``global_clipnorm``; not Keras'
    per-variable ``clipnorm``).

    For small networks the loop limits the BLAS library to one thread (through
    ``threadpoolctl``), which is much faster for small matrices;
    see :data:`SMALL_MATMUL`.

    Training stops with :class:`TrainingDivergedError` as soon as the loss or the gradient
    norm is NaN or infinite; floating-point warnings are silenced inside the loop because
    this check replaces them.

    Args:
        model: the :class:`MLP`; its ``params`` are updated in place.
        optimizer: an object with ``step(params, grads)``, e.g.
            ``dlcore.optimizers.Adam()``.
        x: training inputs of shape (N, sizes[0]).
        y: labels (N,) for ``"softmax_cross_entropy"``, targets (N, sizes[-1]) for
            ``"mse"``.
        epochs: number of passes over the data, >= 1.
        batch_size: examples per step, >= 1.
        rng: ``numpy.random.Generator`` that shuffles the examples (the only random
            numbers the loop draws; the same generator state gives the same run).
        x_val: validation inputs, evaluated in inference mode after every epoch.
        y_val: validation targets (give both ``x_val`` and ``y_val`` or neither).
        loss: ``"softmax_cross_entropy"`` or ``"mse"``.
        progress: show a tqdm progress bar over the epochs (display only: the run is
            the same with or without it).
        record_grad_norms: store the per-layer weight-gradient norms of every step in
            ``History.grad_norms``.
        clip_norm: global-norm clipping threshold (> 0), or ``None``.

    Returns:
        A :class:`History`.

    Raises:
        TrainingDivergedError: the loss or a gradient became NaN or infinite; the update
            of that step is not applied, and the error names the epoch and the step.
        TypeError, ValueError: a bad argument (the message names it).

    Example:
        >>> from dlcore.optimizers import Adam
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(64, 2))
        >>> y = (x[:, 0] > 0).astype(int)
        >>> model = MLP([2, 8, 2], rng=rng)
        >>> hist = train(model, Adam(0.05), x, y, epochs=20, batch_size=16, rng=rng)
        >>> len(hist.loss), len(hist.train_loss)  # 4 steps per epoch
        (80, 20)
        >>> hist.train_accuracy[-1] > 0.9
        True

    References:
        H. Robbins, S. Monro (1951), "A stochastic approximation method",
        https://doi.org/10.1214/aoms/1177729586
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a dlcore.nn.MLP, got {type(model).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            "optimizer must have a step(params, grads) method (e.g. dlcore.optimizers.Adam()), "
            f"got {type(optimizer).__name__}"
        )
    loss = _loss_name(loss)
    loss_fn = _BY_NAME[loss]
    x = model._check_x(x)
    y = model._check_targets(y, x.shape[0], loss)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    check_rng(rng, "rng")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together (or both left out)")
    if x_val is not None:
        x_val = model._check_x(x_val, "x_val")
        y_val = model._check_targets(y_val, x_val.shape[0], loss, "y_val")
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm")
    for flag, name in ((progress, "progress"), (record_grad_norms, "record_grad_norms")):
        check_bool(flag, name)

    classify = loss == "softmax_cross_entropy"
    n = x.shape[0]
    steps_per_epoch = -(-n // batch_size)
    history = History()
    norms = np.empty((epochs * steps_per_epoch, model.num_layers)) if record_grad_norms else None
    weight_pos = [i for i, k in enumerate(model.params) if k.startswith("W")]

    epoch_iter = range(1, epochs + 1)
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc="training", unit="epoch")
    step = 0
    with (
        _blas_limit(model, batch_size),
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
    ):
        for epoch in epoch_iter:
            order = rng.permutation(n)
            loss_sum, correct = 0.0, 0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                xb, yb = x[idx], y[idx]
                logits, caches, trace = model._forward(xb, True, model.bn_state)
                value, dlogits = loss_fn(logits, yb)
                step += 1
                if not math.isfinite(value):
                    raise _diverged(epoch, step, value, "the loss is not finite")
                grads = model._backward(dlogits, caches, trace)
                sq = [float(np.vdot(g, g)) for g in grads.values()]
                total = math.sqrt(sum(sq))
                if not math.isfinite(total):
                    raise _diverged(epoch, step, value, "a gradient is not finite")
                if norms is not None:
                    norms[step - 1] = [sq[i] for i in weight_pos]
                if clip_norm is not None:
                    grads = _clip(grads, total, clip_norm)
                optimizer.step(model.params, grads)
                history.loss.append(value)
                loss_sum += value * len(idx)
                if classify:
                    correct += int(np.count_nonzero(np.argmax(logits, axis=1) == yb))
            model._caches, model.trace, model._out_shape = caches, trace, logits.shape
            history.train_loss.append(loss_sum / n)
            if classify:
                history.train_accuracy.append(correct / n)
            if x_val is not None:
                val_logits = model._forward(x_val, False, model.bn_state)[0]
                history.val_loss.append(loss_fn(val_logits, y_val)[0])
                if classify:
                    history.val_accuracy.append(
                        float(np.mean(np.argmax(val_logits, axis=1) == y_val))
                    )
            if progress:
                postfix = {"loss": f"{history.train_loss[-1]:.4f}"}
                if classify:
                    postfix["acc"] = f"{history.train_accuracy[-1]:.3f}"
                epoch_iter.set_postfix(postfix)
    history.grad_norms = None if norms is None else np.sqrt(norms)
    return history
