r"""Keras counterparts of :class:`dlcore.nn.MLP` and of :mod:`dlcore.diagnostics`.

The chapters show a mechanism in NumPy and then the same network in Keras. This module
builds that Keras network (:func:`build_mlp`), copies the weights of a dlcore MLP into it
(:func:`from_dlcore`, so both compute the same logits and gradients), and measures a Keras
model with the same definitions as :mod:`dlcore.diagnostics`
(:func:`activation_stats`, :func:`gradient_norms`, via ``tf.GradientTape``).

TensorFlow and Keras are imported only when one of these functions is called, so this
module (like the rest of dlcore) can be imported without them. Nothing here pins a
device: TensorFlow places the work itself.

Layer names follow the dlcore parameter numbering: ``dense_{l}`` holds ``W{l}``/``b{l}``,
``norm_{l}`` the normalization of hidden layer ``l``, ``act_{l}`` its activation and
``skip_{l}`` its residual addition.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from dlcore import activations as _activations
from dlcore._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_in_range,
    check_positive_int,
    check_real,
    lookup,
)
from dlcore.diagnostics import SLOPE_GRID, GradientNorms, LayerStats, layer_stats
from dlcore.losses import _loss_name, check_labels
from dlcore.nn import MLP, NORMALIZATIONS

__all__ = [
    "activation_stats",
    "build_mlp",
    "from_dlcore",
    "gradient_norms",
    "keras_activation",
    "loss_and_grads",
]


def _import_tf() -> tuple[Any, Any]:
    """Import keras and tensorflow, or say clearly that TensorFlow is needed."""
    try:
        import keras
        import tensorflow as tf
    except ImportError as exc:  # pragma: no cover - run in a subprocess by test_import_without_tf
        raise ImportError(
            "dlcore.keras_tools needs TensorFlow and Keras, which are not installed: "
            "pip install tensorflow (or pip install 'dlcore[tf]'). The rest of dlcore "
            "works without them."
        ) from exc
    return keras, tf


def keras_activation(activation: str | _activations.Activation) -> Any:
    """The Keras activation function equal to a dlcore activation (name or object).

    Parameters are carried over (``alpha`` of leaky ReLU becomes Keras'
    ``negative_slope``; that of ELU its ``alpha``); ``"gelu"`` is the exact form
    (``approximate=False``) and ``"gelu_tanh"`` the tanh approximation. ``"step"`` has no
    gradient and no Keras counterpart.

    Args:
        activation: a name from :func:`dlcore.activations.names` or an object from
            :func:`dlcore.activations.get`.

    Returns:
        A function of a tensor, usable in ``keras.layers.Activation``.

    Raises:
        ImportError: TensorFlow is not installed.
        ValueError: the activation has no Keras counterpart (``"step"``).

    Example:
        >>> fn = keras_activation("leaky_relu")  # dlcore's alpha = 0.01, not Keras' 0.2
        >>> np.asarray(fn(np.array([-1.0, 2.0]))).round(4)
        array([-0.01,  2.  ])
    """
    keras, _ = _import_tf()
    if isinstance(activation, str):
        names = dict.fromkeys(_activations.names())
        activation = _activations.get(lookup(activation, "activation", names, param="activation"))
    if not isinstance(activation, _activations.Activation):
        raise TypeError(
            "activation must be a name or a dlcore.activations.Activation, "
            f"got {type(activation).__name__}"
        )
    act = keras.activations
    params = activation.params
    table = {
        "sigmoid": act.sigmoid,
        "tanh": act.tanh,
        "relu": act.relu,
        "selu": act.selu,
        "softplus": act.softplus,
        "swish": act.silu,
        "silu": act.silu,
        "gelu": functools.partial(act.gelu, approximate=False),
        "gelu_tanh": functools.partial(act.gelu, approximate=True),
        "hard_sigmoid": act.hard_sigmoid,
        "linear": act.linear,
    }
    if activation.name == "leaky_relu":
        return functools.partial(act.leaky_relu, negative_slope=params["alpha"])
    if activation.name == "elu":
        return functools.partial(act.elu, alpha=params["alpha"])
    if activation.name not in table:
        raise ValueError(f"activation {activation.name!r} has no Keras counterpart")
    return table[activation.name]


def _keras_initializer(keras: Any, init: object, name: str, seed: int) -> Any:
    if isinstance(init, keras.initializers.Initializer):
        return init
    if name == "bias_initializer" and not isinstance(init, (bool, str)):
        return keras.initializers.Constant(check_real(init, name))
    if not isinstance(init, str):
        extra = " or a number" if name == "bias_initializer" else ""
        raise TypeError(
            f"{name} must be a Keras initializer name (e.g. 'he_normal') or a "
            f"keras.initializers.Initializer{extra}, got {type(init).__name__}"
        )
    try:
        obj = keras.initializers.get(init)
    except ValueError as exc:
        raise ValueError(f"{name} must be a Keras initializer name, got {init!r}") from exc
    config = obj.get_config()
    if "seed" in config:
        config["seed"] = seed
        obj = type(obj).from_config(config)
    return obj


def build_mlp(
    sizes: list[int] | tuple[int, ...],
    activation: str | _activations.Activation = "relu",
    initializer: Any = "he_normal",
    seed: int = 0,
    *,
    normalization: str | None = None,
    residual: bool = False,
    bias_initializer: Any = "zeros",
) -> Any:
    r"""A Keras model with the structure of ``dlcore.nn.MLP(sizes, ...)``.

    For every hidden layer :math:`l`: ``Dense`` (linear, ``dense_{l}``), then
    ``BatchNormalization`` (momentum 0.99, epsilon 1e-3) or ``LayerNormalization``
    (epsilon 1e-3) as ``norm_{l}``, then ``Activation`` (``act_{l}``), then, with
    ``residual=True`` and equal input and output width, ``Add`` (``skip_{l}``) of the layer's
    input: :math:`h_l = h_{l-1} + f(z_l)`. The output ``Dense`` is linear (logits). The
    model is functional, so residual connections fit; it uses Keras' current float type.

    Args:
        sizes: ``[d_in, h_1, ..., n_out]``.
        activation: as in :class:`dlcore.nn.MLP`; translated by :func:`keras_activation`.
        initializer: kernel initializer, a Keras name (e.g. ``"glorot_uniform"``) or a
            ``keras.initializers.Initializer``.
        seed: an integer, not a ``numpy.random.Generator``, because Keras initializers are
            seeded with integers; layer :math:`l` uses ``seed + l``.
        normalization: ``None``, ``"batch"`` or ``"layer"``.
        residual: identity skip connections around hidden layers of equal width.
        bias_initializer: a Keras name, an initializer, or a number (a constant).

    Returns:
        A functional ``keras.Model``.

    Raises:
        ImportError: TensorFlow is not installed.

    Example:
        >>> model = build_mlp([2, 3, 3, 2], "tanh", residual=True)
        >>> [layer.name for layer in model.layers]
        ['x', 'dense_1', 'act_1', 'dense_2', 'act_2', 'skip_2', 'dense_3']

    References:
        K. He, X. Zhang, S. Ren, J. Sun (2016), "Deep residual learning for image
        recognition" (the skip connections), https://arxiv.org/abs/1512.03385
    """
    keras, _ = _import_tf()
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries [d_in, ..., n_out], got {sizes}")
    sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    fn = keras_activation(activation)
    if normalization is not None:
        check_choice(normalization, "normalization", NORMALIZATIONS)
    check_bool(residual, "residual")
    seed = check_positive_int(seed, "seed", allow_zero=True)

    num_layers = len(sizes) - 1
    inputs = keras.Input(shape=(sizes[0],), name="x")
    h = inputs

    def dense(l: int) -> Any:
        return keras.layers.Dense(
            sizes[l],
            kernel_initializer=_keras_initializer(keras, initializer, "initializer", seed + l),
            bias_initializer=_keras_initializer(keras, bias_initializer, "bias_initializer", 0),
            name=f"dense_{l}",
        )

    for l in range(1, num_layers):
        z = dense(l)(h)
        if normalization == "batch":
            z = keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3, name=f"norm_{l}")(z)
        elif normalization == "layer":
            z = keras.layers.LayerNormalization(epsilon=1e-3, name=f"norm_{l}")(z)
        a = keras.layers.Activation(fn, name=f"act_{l}")(z)
        h = (
            keras.layers.Add(name=f"skip_{l}")([h, a])
            if residual and sizes[l - 1] == sizes[l]
            else a
        )
    h = dense(num_layers)(h)
    return keras.Model(inputs, h, name="mlp")


def from_dlcore(mlp: MLP) -> Any:
    """A Keras model (see :func:`build_mlp`) holding the weights of a dlcore MLP.

    Copies ``W{l}``, ``b{l}``, ``gamma{l}``, ``beta{l}`` and the batch-norm running
    statistics, so that ``model(x, training=t)`` equals ``mlp.forward(x, training=t)`` and
    the gradients of the same loss are equal (up to rounding; use float64 Keras,
    ``keras.config.set_floatx("float64")``, for agreement to ~1e-12).

    Args:
        mlp: a :class:`dlcore.nn.MLP`.

    Returns:
        A ``keras.Model`` built by :func:`build_mlp`.

    Raises:
        ImportError: TensorFlow is not installed.

    Example:
        >>> from dlcore.nn import MLP
        >>> mlp = MLP([2, 3, 2], rng=np.random.default_rng(0))
        >>> x = np.ones((4, 2), dtype="float32")
        >>> bool(np.allclose(from_dlcore(mlp)(x), mlp.forward(x), atol=1e-5))  # float32
        True
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a dlcore.nn.MLP, got {type(mlp).__name__}")
    model = build_mlp(
        mlp.sizes, mlp.activation, normalization=mlp.normalization, residual=mlp.residual
    )
    p = mlp.params
    for l in range(1, mlp.num_layers + 1):
        model.get_layer(f"dense_{l}").set_weights([p[f"W{l}"], p[f"b{l}"]])
        if l < mlp.num_layers and mlp.normalization == "layer":
            model.get_layer(f"norm_{l}").set_weights([p[f"gamma{l}"], p[f"beta{l}"]])
        elif l < mlp.num_layers and mlp.normalization == "batch":
            state = mlp.bn_state[l]
            model.get_layer(f"norm_{l}").set_weights(
                [p[f"gamma{l}"], p[f"beta{l}"], state["running_mean"], state["running_var"]]
            )
    return model


def _check_keras_model(keras: Any, model: object) -> Any:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    return model


def _run_layers(keras: Any, tf: Any, model: Any, x: Any, training: bool) -> tuple[Any, list]:
    """Run ``model`` layer by layer; return the output and (z, a, fn) per nonlinear layer.

    Works for ``keras.Sequential`` models and for the functional MLPs of this module: an
    ``Add`` layer adds the input of the last ``Dense`` layer (the residual block's input).
    A ``Dense`` layer with a built-in nonlinear activation is split into its affine part
    :math:`z` and :math:`a = f(z)`.
    """
    linear = keras.activations.linear
    records = []
    h = x
    block_input = x
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Dense):
            block_input = h
            if layer.activation is linear:
                h = layer(h)
                continue
            z = tf.matmul(h, layer.kernel)
            if layer.use_bias:
                z = z + layer.bias
            h = layer.activation(z)
            records.append((z, h, layer.activation))
        elif isinstance(layer, keras.layers.Activation):
            z, h = h, layer(h)
            records.append((z, h, layer.activation))
        elif isinstance(layer, keras.layers.Add):
            h = block_input + h
        else:
            h = layer(h, training=training)
    return h, records


def _slope(tf: Any, fn: Any, z: Any) -> np.ndarray:
    """Elementwise derivative f'(z) by automatic differentiation."""
    z = tf.convert_to_tensor(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = fn(z)
    return tape.gradient(out, z).numpy()


class _KeepState:
    """Restore a model's non-trainable variables (batch-norm moving statistics) on exit."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __enter__(self) -> None:
        self.saved = [v.numpy() for v in self.model.non_trainable_variables]

    def __exit__(self, *exc: object) -> None:
        for var, value in zip(self.model.non_trainable_variables, self.saved, strict=True):
            var.assign(value)


def _input(keras: Any, model: Any, x: object) -> np.ndarray:
    x = as_float_array(x, "x", ndim=2)
    want = model.inputs[0].shape[-1] if model.inputs else None
    if want is not None and x.shape[1] != want:
        raise ValueError(
            f"x must have shape (N, {want}) to match the model's input, got {x.shape}"
        )
    return x.astype(keras.config.floatx())


def activation_stats(
    model: Any, x: object, *, training: bool = True, saturation_threshold: float = 0.05
) -> list[LayerStats]:
    r"""Activation statistics of every nonlinear layer of a Keras model.

    The same definitions and return type as :func:`dlcore.diagnostics.activation_stats`;
    the slope :math:`f'(z)` comes from ``tf.GradientTape``. A "layer" is a
    ``keras.layers.Activation`` or a ``Dense`` layer with a nonlinear activation; the
    output layer should be linear (logits). Batch-norm moving statistics are restored
    afterwards, so the model is not changed.

    Args:
        model: a ``keras.Sequential`` model or a model from :func:`build_mlp` /
            :func:`from_dlcore`.
        x: the batch, shape (N, d_in).
        training: passed to normalization (and dropout) layers.
        saturation_threshold: :math:`\tau`, in (0, 1].

    Returns:
        A list of :class:`dlcore.diagnostics.LayerStats`, one per nonlinear layer.

    Example:
        >>> model = build_mlp([2, 4, 4, 2], "relu", bias_initializer=-10.0)
        >>> [s.frac_dead for s in activation_stats(model, np.ones((8, 2), "float32"))]
        [1.0, 1.0]

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the difficulty of training deep
        feedforward neural networks", https://proceedings.mlr.press/v9/glorot10a.html
    """
    keras, tf = _import_tf()
    model = _check_keras_model(keras, model)
    x = _input(keras, model, x)
    check_bool(training, "training")
    tau = check_in_range(
        saturation_threshold, "saturation_threshold", 0.0, 1.0, low_inclusive=False
    )
    with _KeepState(model):
        _, records = _run_layers(keras, tf, model, tf.constant(x), training)
    out = []
    for l, (z, a, fn) in enumerate(records, start=1):
        peak = float(np.max(np.abs(_slope(tf, fn, SLOPE_GRID.astype(x.dtype)))))
        out.append(layer_stats(l, z.numpy(), a.numpy(), _slope(tf, fn, z), peak, tau))
    return out


def _batch(model: object, x: object, y: object, loss: str) -> tuple:
    """Checked ``(keras, tf, model, x, y, keras_loss)`` for a loss/gradient computation."""
    keras, tf = _import_tf()
    model = _check_keras_model(keras, model)
    loss = _loss_name(loss)
    x = _input(keras, model, x)
    return (keras, tf, model, x, *_targets(keras, model, x, y, loss))


def _targets(keras: Any, model: Any, x: np.ndarray, y: object, loss: str) -> tuple:
    n_out = model.outputs[0].shape[-1]
    if loss == "softmax_cross_entropy":
        y = check_labels(y, "y", x.shape[0], n_out)
        return y, keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    y = as_float_array(y, "y", ndim=(1, 2)).astype(x.dtype)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != (x.shape[0], n_out):
        raise ValueError(f"y must have shape ({x.shape[0]}, {n_out}), got {y.shape}")
    return y, keras.losses.MeanSquaredError()


def _dlcore_name(path: str) -> str:
    """``dense_3/kernel`` -> ``W3``, ``norm_1/gamma`` -> ``gamma1``; other paths unchanged."""
    layer, _, var = path.rpartition("/")
    kind, _, num = layer.rpartition("_")
    names = {
        ("dense", "kernel"): "W",
        ("dense", "bias"): "b",
        ("norm", "gamma"): "gamma",
        ("norm", "beta"): "beta",
    }
    if num.isdigit() and (kind, var) in names:
        return names[kind, var] + num
    return path


def loss_and_grads(
    model: Any, x: object, y: object, *, loss: str = "softmax_cross_entropy"
) -> tuple[float, dict[str, np.ndarray]]:
    r"""Loss and gradients of a Keras model, named like :attr:`dlcore.nn.MLP.params`.

    The counterpart of :meth:`dlcore.nn.MLP.loss_and_grads`: a training-mode forward pass,
    ``SparseCategoricalCrossentropy(from_logits=True)`` or ``MeanSquaredError()``, and
    ``tf.GradientTape`` for :math:`\partial L / \partial \theta` of every trainable
    variable. For a model from :func:`build_mlp` the keys are ``"W1"``, ``"b1"``,
    ``"gamma1"``, ... (others keep their Keras path), so the two dicts can be compared
    entry by entry. Batch-norm moving statistics are restored afterwards.

    Args:
        model: a ``keras.Model``.
        x: the batch, shape (N, d_in).
        y: labels (N,) or targets (N, n_out).
        loss: ``"softmax_cross_entropy"`` or ``"mse"``.

    Returns:
        ``(loss, grads)``: the loss (a float) and a dict name -> gradient array.

    Example:
        >>> model = build_mlp([2, 3, 2])
        >>> loss, grads = loss_and_grads(model, np.ones((4, 2), "float32"), np.array([0, 1, 0, 1]))
        >>> sorted(grads)
        ['W1', 'W2', 'b1', 'b2']
    """
    _, tf, model, x, y, loss_fn = _batch(model, x, y, loss)
    variables = model.trainable_variables
    with _KeepState(model), tf.GradientTape() as tape:
        value = loss_fn(y, model(x, training=True))
    grads = tape.gradient(value, variables)
    return float(value), {
        _dlcore_name(v.path): g.numpy() for v, g in zip(variables, grads, strict=True)
    }


def gradient_norms(
    model: Any, x: object, y: object, *, loss: str = "softmax_cross_entropy"
) -> GradientNorms:
    r"""Per-layer gradient sizes of a Keras model for one batch, via ``tf.GradientTape``.

    The same definitions and return type as :func:`dlcore.diagnostics.gradient_norms`:
    :math:`\|\partial L / \partial W_l\|_F` for the kernel of every ``Dense`` layer and the
    standard deviation of :math:`\partial L / \partial a_l` for every nonlinear layer. The
    loss is ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` or
    ``keras.losses.MeanSquaredError()`` on the model's (linear) output. The forward pass is
    in training mode; batch-norm moving statistics are restored afterwards.

    Args:
        model: a ``keras.Sequential`` model or a model from :func:`build_mlp` /
            :func:`from_dlcore`.
        x: the batch, shape (N, d_in).
        y: labels (N,) or targets (N, n_out).
        loss: ``"softmax_cross_entropy"`` or ``"mse"``.

    Returns:
        A :class:`dlcore.diagnostics.GradientNorms`.

    Example:
        >>> model = build_mlp([2, 3, 3, 2], "tanh")
        >>> g = gradient_norms(model, np.ones((4, 2), "float32"), np.array([0, 1, 0, 1]))
        >>> g.weight_grad_norms.shape, g.activation_grad_std.shape
        ((3,), (2,))

    References:
        Y. Bengio, P. Simard, P. Frasconi (1994), "Learning long-term dependencies with
        gradient descent is difficult", https://doi.org/10.1109/72.279181
    """
    keras, tf, model, x, y, loss_fn = _batch(model, x, y, loss)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with _KeepState(model), tf.GradientTape() as tape:
        out, records = _run_layers(keras, tf, model, tf.constant(x), True)
        value = loss_fn(y, out)
    acts = [a for _, a, _ in records]
    grads = tape.gradient(value, kernels + acts)
    return GradientNorms(
        loss=float(value),
        weight_grad_norms=np.array([np.linalg.norm(g.numpy()) for g in grads[: len(kernels)]]),
        activation_grad_std=np.array([np.std(g.numpy()) for g in grads[len(kernels) :]]),
    )
