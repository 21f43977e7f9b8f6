r"""Loss functions with their gradients: softmax cross-entropy and mean squared error.

Each function returns ``(loss, grad)``: the scalar loss averaged over the batch and its
gradient with respect to the network output, ready to be passed to a backward pass.
The averaging follows Keras' default reduction (``"sum_over_batch_size"``), so the
values equal ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` and
``keras.losses.MeanSquaredError()``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcore._validation import as_float_array, check_finite, check_shape, lookup

__all__ = ["mse", "softmax_cross_entropy"]


def check_labels(y: object, name: str, num_examples: int, num_classes: int) -> np.ndarray:
    """Return ``y`` as a 1-D integer array of class labels in ``[0, num_classes)``.

    Example:
        >>> check_labels([0, 2, 1], "y", 3, 3)
        array([0, 2, 1])
        >>> check_labels([0, 3], "y", 2, 3)
        Traceback (most recent call last):
        ...
        ValueError: y must hold labels in [0, 3) (the number of classes), got values from 0 to 3
    """
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must be an array of integer class labels, got {type(y).__name__}")
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.shape != (num_examples,):
        raise ValueError(
            f"{name} must have shape ({num_examples},) (one label per example), got {arr.shape}"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name} must hold labels in [0, {num_classes}) (the number of classes), "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr


def _softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Unchecked core of :func:`softmax_cross_entropy` (used inside the training loop)."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
    dlogits = exp / total
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return loss, dlogits


def softmax_cross_entropy(logits: object, y: object) -> tuple[float, np.ndarray]:
    r"""Mean softmax cross-entropy of integer labels, and its gradient w.r.t. the logits.

    For logits :math:`z \in \mathbb{R}^{N \times C}` and labels :math:`y_n`,

    .. math::

        L = \frac{1}{N} \sum_{n=1}^{N} \Big( \log \sum_{c=1}^{C} e^{z_{nc}} - z_{n y_n} \Big),
        \qquad
        \frac{\partial L}{\partial z_{nc}} = \frac{1}{N}
        \big( \operatorname{softmax}(z_n)_c - [c = y_n] \big).

    The log-sum-exp is computed after subtracting each row's maximum, so logits of
    :math:`\pm 1000` give finite values. Equals Keras'
    ``SparseCategoricalCrossentropy(from_logits=True)`` with its default mean reduction.

    Args:
        logits: unnormalised scores (the network's linear output), shape (N, C), finite.
        y: integer class labels in ``[0, C)``, shape (N,).

    Returns:
        ``(loss, dlogits)``: the mean cross-entropy over the batch (a float) and its
        gradient with respect to ``logits``, shape (N, C).

    Raises:
        ValueError: NaN or infinity in ``logits``, labels out of range, or wrong shapes
            (the message names the parameter).
        TypeError: labels that are not integers.

    Example:
        >>> loss, dlogits = softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
        >>> round(loss, 6), dlogits  # log 2; softmax minus one-hot
        (0.693147, array([[ 0.5, -0.5]]))

    References:
        J. S. Bridle (1990), "Probabilistic Interpretation of Feedforward Classification
        Network Outputs, with Relationships to Statistical Pattern Recognition",
        https://doi.org/10.1007/978-3-642-76153-9_28
    """
    logits = as_float_array(logits, "logits", ndim=2)
    if logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(
            f"logits must have at least one example and one class, got {logits.shape}"
        )
    labels = check_labels(y, "y", logits.shape[0], logits.shape[1])
    check_finite(logits, "logits")
    return _softmax_cross_entropy(logits, labels)


def _mse(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Unchecked core of :func:`mse`."""
    diff = pred - target
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


#: The unchecked ``(loss, gradient)`` function of every loss that :mod:`dlcore.nn`,
#: :mod:`dlcore.diagnostics` and :mod:`dlcore.keras_tools` accept, by name.
_BY_NAME: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]] = {
    "softmax_cross_entropy": _softmax_cross_entropy,
    "mse": _mse,
}
LOSSES = tuple(_BY_NAME)


def _loss_name(loss: str) -> str:
    """The registry key ``loss`` names (``"MSE"`` -> ``"mse"``), by the one name rule.

    Callers compare the key, never the raw argument, so every spelling the rule accepts
    behaves the same (``loss="SoftmaxCrossEntropy"`` must also report accuracy).
    """
    return lookup(loss, "loss", _BY_NAME, param="loss")


def _by_name(loss: str) -> Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]:
    """The unchecked function called ``loss``; ``ValueError`` lists the names otherwise."""
    return _BY_NAME[_loss_name(loss)]


def mse(pred: object, target: object) -> tuple[float, np.ndarray]:
    r"""Mean squared error and its gradient w.r.t. the prediction.

    With :math:`M` the total number of entries of ``pred``,

    .. math::

        L = \frac{1}{M} \sum_{i} (p_i - t_i)^2,
        \qquad
        \frac{\partial L}{\partial p_i} = \frac{2}{M} (p_i - t_i).

    For 2-D input this is the mean over outputs and then over the batch, which is what
    ``keras.losses.MeanSquaredError()`` computes. ``target`` must have exactly the shape of
    ``pred`` (no broadcasting: a ``(N,)`` target against a ``(N, 1)`` prediction would
    silently build an ``(N, N)`` matrix).

    Args:
        pred: predictions, shape (N,) or (N, D), finite.
        target: targets of the same shape as ``pred``, finite.

    Returns:
        ``(loss, dpred)``: the mean squared error (a float) and its gradient with respect
        to ``pred``.

    Raises:
        ValueError: NaN or infinity in ``pred`` or ``target`` (named), shapes that differ,
            or empty input.

    Example:
        >>> loss, dpred = mse(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
        >>> loss, dpred
        (0.5, array([1., 0.]))
    """
    pred = as_float_array(pred, "pred", ndim=(1, 2))
    target = as_float_array(target, "target", ndim=(1, 2))
    check_shape(target, pred.shape, "target")
    if pred.size == 0:
        raise ValueError("pred must not be empty")
    check_finite(pred, "pred")
    check_finite(target, "target")
    return _mse(pred, target)
