r"""Centred finite differences and a relative-error measure, for checking backward passes.

Every analytic derivative in dlcore is tested against these. The centred difference

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

has truncation error :math:`\tfrac{h^2}{6} f'''` and rounding error of about
:math:`\varepsilon\,|f| / h` (:math:`\varepsilon \approx 2.2\times10^{-16}` in float64), so
with the default :math:`h = 10^{-5}` both are around :math:`10^{-10}` for well-scaled
functions: far below the :math:`10^{-7}` relative error the tests demand.

Finite values only: a step too small to resolve against ``x`` (see
:data:`MAX_STEP_ROUNDING`), NaN or infinity in ``x``, or a non-finite value of ``f`` at a
perturbed point raises ``ValueError`` instead of returning a meaningless gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dlcore._validation import as_float_array, check_finite, check_positive

__all__ = ["MAX_STEP_ROUNDING", "numerical_gradient", "numerical_gradient_array", "rel_error"]

_EPS = float(np.finfo(np.float64).eps)

#: Largest relative error that rounding ``x +- h`` may put into the step.
#:
#: Stored in float64, :math:`x + h` and :math:`x - h` are each rounded to within
#: :math:`\tfrac{\varepsilon}{2}(|x| + h)`, so the step actually taken,
#: :math:`\mathrm{fl}(x+h) - \mathrm{fl}(x-h)`, differs from the :math:`2h` the difference
#: is divided by by up to :math:`\varepsilon(|x| + h)`: a relative error of the slope of
#: :math:`r = \varepsilon(|x| + h) / (2h)`. :func:`numerical_gradient` refuses a step with
#: :math:`r > 10^{-6}`, i.e. it requires
#: :math:`h \ge \varepsilon |x| / (2 \cdot 10^{-6} - \varepsilon) \approx 1.1 \times 10^{-10}
#: |x|` for every entry. (At :math:`h \lesssim \varepsilon |x| / 2` the perturbation is lost
#: entirely, :math:`x + h = x`, and the "derivative" is 0 or noise.) The default
#: :math:`h = 10^{-5}` is accepted for :math:`|x|` up to about :math:`10^5`.
MAX_STEP_ROUNDING = 1e-6


def _check_x(x: object) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"x must be a float64 numpy array (it is perturbed in place and restored), got {got}"
        )
    return x


def _index(idx: tuple[int, ...]) -> str:
    return "x[" + ", ".join(map(str, idx)) + "]"


def _check_step(h: object, x: np.ndarray) -> float:
    h = check_positive(h, "h")
    if x.size == 0:
        return h
    check_finite(x, "x")
    idx = np.unravel_index(int(np.argmax(np.abs(x))), x.shape)
    big = abs(float(x[idx]))
    if _EPS * (big + h) / (2.0 * h) > MAX_STEP_ROUNDING:
        need = _EPS * big / (2.0 * MAX_STEP_ROUNDING - _EPS)
        raise ValueError(
            f"h = {h:g} is too small to resolve {_index(idx)} = {big:g}: rounding x +- h "
            f"would change the step by more than {MAX_STEP_ROUNDING:g} relative; "
            f"use h >= {need:.2g} (about 1.1e-10 * max |x|)"
        )
    return h


def _scalar(value: object, where: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {arr.shape}")
    out = float(arr.reshape(()))
    if not math.isfinite(out):
        raise ValueError(f"f must return a finite value, got {out} at {where}")
    return out


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
        f: function of ``x`` returning a finite scalar (a Python float or a size-1 array).
        x: float64 array of any shape, finite; modified temporarily, restored on return.
        h: step size, > 0 and large enough that rounding :math:`x \pm h` changes the step
            by at most :data:`MAX_STEP_ROUNDING` (relative), i.e.
            :math:`h \gtrsim 1.1 \times 10^{-10} \max |x|`.

    Returns:
        Array of the same shape as ``x`` holding :math:`\partial f / \partial x`.

    Raises:
        TypeError: ``x`` is not a float64 array.
        ValueError: ``h`` is not positive or too small for ``x`` (the message names the
            entry and the smallest usable ``h``); ``x`` holds NaN or infinity; ``f``
            returns a non-scalar, or a non-finite value (the message names the entry and
            the sign of the step).

    Example:
        >>> x = np.array([1.0, 2.0])
        >>> numerical_gradient(lambda z: float(np.sum(z**2)), x).round(8)  # exact: 2 x
        array([2., 4.])

    References:
        The standard centred-difference check used to validate backpropagation; see e.g.
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp",
        https://doi.org/10.1007/3-540-49430-8_2
    """
    x = _check_x(x)
    h = _check_step(h, x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = _scalar(f(x), f"{_index(idx)} + h")
            x[idx] = old - h
            f_minus = _scalar(f(x), f"{_index(idx)} - h")
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
        h: step size, as in :func:`numerical_gradient`.

    Returns:
        Array of the same shape as ``x``.

    Raises:
        ValueError: as :func:`numerical_gradient`; also when ``f(x)`` does not have the
            shape of ``dout``.

    Example:
        >>> x, dout = np.array([[1.0, -2.0]]), np.array([[1.0, 1.0]])
        >>> numerical_gradient_array(lambda z: 3 * z, x, dout).round(8)  # J^T dout = 3 dout
        array([[3., 3.]])
    """
    x = _check_x(x)
    dout = as_float_array(dout, "dout")
    check_finite(dout, "dout")

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

    It stays in :math:`[0, 1]` for every finite input: arrays with entries above 1 are
    first divided by a power of two at least their largest magnitude (exact), so
    :math:`a - b` and :math:`|a| + |b|` cannot overflow even near the float64 maximum; and
    after rounding :math:`|a_i - b_i| \le |a_i| + |b_i|` still holds (when the signs
    differ both round the same exact value). NaN or infinity has no relative error and
    raises.

    Args:
        a: array (or scalar) of finite numbers.
        b: array of the same shape as ``a``.

    Returns:
        A float in :math:`[0, 1]`.

    Raises:
        TypeError: non-numeric input.
        ValueError: shapes differ, or ``a`` or ``b`` holds NaN or infinity.

    Example:
        >>> rel_error([1.0, 2.0], [1.0, 2.5])  # 0.5 / (2 + 2.5)
        0.1111111111111111
    """
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b must have the shape of a, {a.shape}, got {b.shape}")
    check_finite(a, "a")
    check_finite(b, "b")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    if scale > 1.0:  # scale by 2^-e with 2^e > scale: exact, nothing can overflow
        e = math.frexp(scale)[1]
        a, b = np.ldexp(a, -e), np.ldexp(b, -e)
    num = np.max(np.abs(a - b))
    den = max(float(np.max(np.abs(a) + np.abs(b))), np.finfo(np.float64).tiny)
    return float(num / den)
