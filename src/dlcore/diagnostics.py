r"""Per-layer statistics of a network: how activations and gradients look, layer by layer.

These are the measurements behind the vanishing/exploding-gradient and activation
chapters: the spread of each hidden layer's activations, how many units sit where the
activation is flat (saturated) or exactly flat for every input (dead), and how the size of
:math:`\partial L / \partial W_l` and :math:`\partial L / \partial a_l` changes with depth.

The same structures are returned for Keras models by :mod:`dlcore.keras_tools`.

Definitions (for hidden layer :math:`l` with pre-activations :math:`z_l` and activations
:math:`a_l = f(z_l)`, both of shape ``(N, width)``):

* **mean, std**: over all :math:`N \times \text{width}` entries of :math:`a_l`.
* **fraction saturated**: share of entries :math:`(n, j)` with
  :math:`|f'(z_{nj})| < \tau \max_t |f'(t)|`, the maximum taken over a grid of
  :math:`t \in [-20, 20]` (step 0.01) and :math:`\tau` = ``saturation_threshold``
  (default 5 %). For the sigmoid, whose largest slope is :math:`1/4` at 0, an entry is
  saturated where :math:`\sigma'(z) < 0.0125`, i.e. :math:`|z| > 4.36`; for tanh where
  :math:`|z| > 2.18`; for ReLU wherever :math:`z \le 0`. An activation that is flat
  everywhere (``"step"``) has every entry saturated.
* **fraction dead**: share of the layer's units :math:`j` with :math:`f'(z_{nj}) = 0`
  exactly for *every* example :math:`n` of the batch: such a unit passes no gradient to its
  weights for this data (a "dead ReLU"). Smooth activations are essentially never dead.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from dlcore._validation import check_bool, check_in_range
from dlcore.losses import _BY_NAME, _loss_name
from dlcore.nn import MLP

__all__ = ["GradientNorms", "LayerStats", "activation_stats", "gradient_norms"]

#: The grid on which the largest slope :math:`\max_t |f'(t)|` is looked for.
SLOPE_GRID = np.linspace(-20.0, 20.0, 4001)


@dataclass
class LayerStats:
    """Statistics of one hidden layer's activations (see the module docstring).

    Attributes:
        layer: hidden-layer number, 1-based (layer ``l`` has weights ``W{l}``).
        mean: mean of all activation values.
        std: standard deviation of all activation values.
        frac_saturated: share of (example, unit) entries where the activation's slope is
            below the saturation threshold.
        frac_dead: share of units whose slope is exactly 0 for every example.
        activations: the activations :math:`a_l`, shape (N, width), e.g. for a histogram.
        preactivations: the pre-activations :math:`z_l` (input of the activation
            function), shape (N, width).

    Example:
        >>> z = np.array([[-1.0, 2.0], [-3.0, 0.5]])
        >>> st = layer_stats(1, z, np.maximum(z, 0), (z > 0) * 1.0, 1.0, 0.05)
        >>> st.frac_dead, st.frac_saturated  # unit 0 is off for both examples
        (0.5, 0.5)
    """

    layer: int
    mean: float
    std: float
    frac_saturated: float
    frac_dead: float
    activations: np.ndarray
    preactivations: np.ndarray


@dataclass
class GradientNorms:
    r"""Per-layer gradient sizes for one batch.

    Attributes:
        loss: the loss of the batch.
        weight_grad_norms: array of shape (L,), :math:`\|\partial L / \partial W_l\|_F` for
            every dense layer :math:`l = 1..L`, the output layer last.
        activation_grad_std: array of shape (L - 1,), the standard deviation over all
            entries of :math:`\partial L / \partial a_l`, for every hidden layer.

    Example:
        >>> g = GradientNorms(loss=0.7, weight_grad_norms=np.array([1e-3, 0.5]),
        ...                   activation_grad_std=np.array([2e-4]))
        >>> float(g.weight_grad_norms[0] / g.weight_grad_norms[-1])  # vanishing: << 1
        0.002
    """

    loss: float
    weight_grad_norms: np.ndarray
    activation_grad_std: np.ndarray


def max_slope(grad: object) -> float:
    r""":math:`\max_t |f'(t)|` over :data:`SLOPE_GRID`, for a derivative function ``grad``.

    Example:
        >>> from dlcore import activations
        >>> max_slope(activations.get("sigmoid").grad)  # sigma'(0) = 1/4
        0.25
    """
    return float(np.max(np.abs(grad(SLOPE_GRID))))


def layer_stats(
    layer: int, z: np.ndarray, a: np.ndarray, slope: np.ndarray, peak: float, threshold: float
) -> LayerStats:
    r"""Build a :class:`LayerStats` from arrays (shared with :mod:`dlcore.keras_tools`).

    Args:
        layer: hidden-layer number, 1-based.
        z: pre-activations, shape (N, width).
        a: activations, shape (N, width).
        slope: :math:`f'(z)`, shape (N, width).
        peak: :math:`\max_t |f'(t)|` (see :func:`max_slope`).
        threshold: :math:`\tau`, the saturation threshold relative to ``peak``.

    Returns:
        A :class:`LayerStats`.

    Example:
        >>> z = np.array([[0.0, 5.0]])
        >>> layer_stats(1, z, np.tanh(z), 1 - np.tanh(z) ** 2, 1.0, 0.05).frac_saturated
        0.5
    """
    flat = np.abs(slope) < threshold * peak if peak > 0 else np.ones(slope.shape, dtype=bool)
    return LayerStats(
        layer=layer,
        mean=float(np.mean(a)),
        std=float(np.std(a)),
        frac_saturated=float(np.mean(flat)),
        frac_dead=float(np.mean(np.all(slope == 0, axis=0))),
        activations=a,
        preactivations=z,
    )


def _check_model(model: object) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(
            "model must be a dlcore.nn.MLP (for Keras models use dlcore.keras_tools), "
            f"got {type(model).__name__}"
        )
    if model.num_layers < 2:
        raise ValueError("model must have at least one hidden layer (len(sizes) >= 3)")
    return model


def activation_stats(
    model: object, x: object, *, training: bool = True, saturation_threshold: float = 0.05
) -> list[LayerStats]:
    r"""Activation statistics of every hidden layer of a dlcore MLP for the batch ``x``.

    With :math:`s_{nj} = f'(z_{nj})` and :math:`s^\ast = \max_t |f'(t)|`,

    .. math::

        \text{saturated} = \frac{1}{N D}\,\#\{(n, j) : |s_{nj}| < \tau s^\ast\}, \qquad
        \text{dead} = \frac{1}{D}\,\#\{j : s_{nj} = 0 \ \forall n\}.

    The model is not changed: batch-norm running statistics are left as they were and
    :attr:`~dlcore.nn.MLP.trace` is not overwritten.

    Args:
        model: a :class:`dlcore.nn.MLP` with at least one hidden layer.
        x: the batch, shape (N, sizes[0]).
        training: batch norm uses batch statistics when ``True`` (what a training step
            sees) and the running statistics when ``False``.
        saturation_threshold: :math:`\tau`, in (0, 1].

    Returns:
        A list of :class:`LayerStats`, one per hidden layer, first layer first.

    Example:
        >>> from dlcore.nn import MLP
        >>> model = MLP([2, 4, 4, 2], activation="relu", bias_initializer=-10.0,
        ...             rng=np.random.default_rng(0))
        >>> [s.frac_dead for s in activation_stats(model, np.ones((8, 2)))]  # all dead
        [1.0, 1.0]

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the difficulty of training deep
        feedforward neural networks" (the per-layer activation histograms),
        https://proceedings.mlr.press/v9/glorot10a.html
    """
    model = _check_model(model)
    x = model._check_x(x)
    check_bool(training, "training")
    tau = check_in_range(
        saturation_threshold, "saturation_threshold", 0.0, 1.0, low_inclusive=False
    )
    _, _, trace = model._forward(x, training, copy.deepcopy(model.bn_state))
    grad = model.activation.grad
    peak = max_slope(grad)
    return [layer_stats(l, t.z, t.a, grad(t.z), peak, tau) for l, t in enumerate(trace, 1)]


def gradient_norms(
    model: object, x: object, y: object, *, loss: str = "softmax_cross_entropy"
) -> GradientNorms:
    r"""Per-layer gradient sizes of a dlcore MLP for one batch (training mode).

    .. math::

        g_l = \Big\| \frac{\partial L}{\partial W_l} \Big\|_F, \qquad
        s_l = \operatorname{std}_{n, j}\Big( \frac{\partial L}{\partial a_{l, nj}} \Big).

    A ratio :math:`g_1 / g_L \ll 1` is the vanishing-gradient problem, :math:`\gg 1` the
    exploding one. The model is not changed (batch-norm statistics, trace).

    Args:
        model: a :class:`dlcore.nn.MLP` with at least one hidden layer.
        x: the batch, shape (N, sizes[0]).
        y: labels (N,) for ``"softmax_cross_entropy"``, targets (N, sizes[-1]) for
            ``"mse"``.
        loss: ``"softmax_cross_entropy"`` or ``"mse"``.

    Returns:
        A :class:`GradientNorms`.

    Example:
        >>> from dlcore.nn import MLP
        >>> model = MLP([4] + [32] * 6 + [2], activation="sigmoid", rng=np.random.default_rng(0))
        >>> rng = np.random.default_rng(1)
        >>> g = gradient_norms(model, rng.normal(size=(16, 4)), rng.integers(0, 2, 16))
        >>> bool(g.weight_grad_norms[0] < 0.1 * g.weight_grad_norms[-1])  # vanishing
        True

    References:
        Y. Bengio, P. Simard, P. Frasconi (1994), "Learning long-term dependencies with
        gradient descent is difficult", https://doi.org/10.1109/72.279181;
        X. Glorot, Y. Bengio (2010), https://proceedings.mlr.press/v9/glorot10a.html
    """
    model = _check_model(model)
    loss = _loss_name(loss)
    loss_fn = _BY_NAME[loss]
    x = model._check_x(x)
    y = model._check_targets(y, x.shape[0], loss)
    logits, caches, trace = model._forward(x, True, copy.deepcopy(model.bn_state))
    value, dlogits = loss_fn(logits, y)
    grads = model._backward(dlogits, caches, trace)
    return GradientNorms(
        loss=value,
        weight_grad_norms=np.array(
            [np.linalg.norm(grads[f"W{l}"]) for l in range(1, model.num_layers + 1)]
        ),
        activation_grad_std=np.array([np.std(t.da) for t in trace]),
    )
