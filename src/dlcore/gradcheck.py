r"""Centred finite differences and a relative-error measure, for checking backward passes.

Every analytic derivative in dlcore is tested against these. The centred difference

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

has truncation error :math:`\tfrac{h^2}{6} f'''` and rounding error of about
:math:`\varepsilon\,|f| / h` (:math:`\varepsilon \approx 2.2\times10^{-16}` in float64), so
with the default :math:`h = 10^{-5}` both are around :math:`10^{-10}` for well-scaled
functions: far below the :math:`10^{-7}` relative error the tests demand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcore._validation import as_float_array, check_positive

__all__ = ["numerical_gradient", "numerical_gradient_array", "rel_error"]


def _check_x(x: object) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"x must be a float64 numpy array (it is perturbed in place and restored), got {got}"
        )
    return x


def _scalar(value: object) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    r"""Gradient of a scalar function by centred finite differences.

    .. math::

        g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Each entry of ``x`` is perturbed in place, ``f`` is evaluated, and the entry is
    restored to its exact original value (also when ``f`` raises), so ``x`` is unchanged
    after the call.

    Args:
        f: function of ``x`` returning a scalar (a Python float or a size-1 array).
        x: float64 array of any shape; modified temporarily, restored on return.
        h: step size, > 0.

    Returns:
        Array of the same shape as ``x`` holding :math:`\partial f / \partial x`.

    References:
        The standard centred-difference check used to validate backpropagation; see e.g.
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp".
    """
    x = _check_x(x)
    h = check_positive(h, "h")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = _scalar(f(x))
            x[idx] = old - h
            f_minus = _scalar(f(x))
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    r"""Vector-Jacobian product of an array-valued function by centred differences.

    Returns the gradient of :math:`L(x) = \sum_j f(x)_j \, \mathrm{dout}_j`, i.e.
    :math:`J^\top \mathrm{dout}`: exactly what a backward pass receives ``dout`` and
    must return.

    .. math::

        g_i = \sum_j \frac{f(x + h e_i)_j - f(x - h e_i)_j}{2h}\, \mathrm{dout}_j

    Args:
        f: function of ``x`` returning an array with the shape of ``dout``.
        x: float64 array of any shape; modified temporarily, restored on return.
        dout: upstream gradient, same shape as ``f(x)``.
        h: step size, > 0.

    Returns:
        Array of the same shape as ``x``.
    """
    x = _check_x(x)
    dout = as_float_array(dout, "dout")

    def loss(z: np.ndarray) -> float:
        out = np.asarray(f(z))
        if out.shape != dout.shape:
            raise ValueError(f"dout must have the shape of f(x), {out.shape}, got {dout.shape}")
        return float(np.sum(out * dout))

    return numerical_gradient(loss, x, h)


def rel_error(a: object, b: object) -> float:
    r"""Relative error between two arrays, normalised by their largest magnitude.

    .. math::

        \mathrm{rel}(a, b) = \frac{\max_i |a_i - b_i|}{\max\!\big(\max_i (|a_i| + |b_i|),\,
        \mathrm{tiny}\big)}

    where tiny is the smallest positive normal float64. Normalising by the largest entry
    (rather than entry by entry) means that entries which are almost zero, such as
    :math:`\sigma'(30) \approx 10^{-13}`, do not turn a harmless :math:`10^{-20}` absolute
    difference into a large relative one. The value is symmetric in ``a`` and ``b``, 0
    when they are equal (including both zero), and at most 1.

    Args:
        a: array (or scalar).
        b: array of the same shape as ``a``.

    Returns:
        A float in :math:`[0, 1]`.
    """
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b must have the shape of a, {a.shape}, got {b.shape}")
    if a.size == 0:
        return 0.0
    num = np.max(np.abs(a - b))
    den = max(float(np.max(np.abs(a) + np.abs(b))), np.finfo(np.float64).tiny)
    return float(num / den)
