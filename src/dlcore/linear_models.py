r"""Gradient descent on linear least squares and logistic regression, with its geometry.

Chapter 4 explains why centring and scaling the inputs speed up training with the
simplest models whose loss surface can be written down: for linear least squares

.. math::

    L(w) = \frac{1}{2N}\,\lVert X w - y \rVert^2, \qquad
    \nabla L = \frac1N X^\top (X w - y), \qquad H = \frac1N X^\top X ,

the Hessian :math:`H` does not depend on :math:`w` and is fixed by the *inputs* alone.
Gradient descent with step :math:`\eta = 1/\lambda_{\max}(H)` shrinks the error along
the eigenvector of eigenvalue :math:`\lambda_i` by :math:`1 - \lambda_i/\lambda_{\max}`
per step, so the slowest direction needs about :math:`\kappa \ln(1/\text{tol})` steps,
with :math:`\kappa = \lambda_{\max}/\lambda_{\min}` the condition number (Nesterov,
2004, *Introductory Lectures on Convex Optimization*, ch. 2; LeCun, Bottou, Orr &
Müller, 1998, "Efficient BackProp", https://doi.org/10.1007/3-540-49430-8_2).

A bias is a weight on a constant input 1: :func:`with_bias` appends that column, and
then a non-zero input mean couples the bias to every weight in :math:`H`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dlcore._validation import as_float_array, check_finite, check_positive, check_positive_int

__all__ = [
    "condition_number",
    "gradient_descent",
    "least_squares",
    "least_squares_hessian",
    "logistic",
    "predicted_steps",
    "steps_to_converge",
    "with_bias",
]


def _xy(x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x", ndim=2).astype(np.float64, copy=False)
    y = as_float_array(y, "y", ndim=1).astype(np.float64, copy=False)
    check_finite(x, "x")
    check_finite(y, "y")
    if len(y) != len(x) or len(x) == 0:
        raise ValueError(f"x and y must have the same, non-zero length, got {len(x)} and {len(y)}")
    return x, y


def _w(w: object, d: int) -> np.ndarray:
    w = as_float_array(w, "w", ndim=1).astype(np.float64, copy=False)
    check_finite(w, "w")
    if w.shape != (d,):
        raise ValueError(f"w must have shape ({d},) (one weight per column of x), got {w.shape}")
    return w


def with_bias(x: object) -> np.ndarray:
    """Append a column of ones to ``x`` ``(N, D)``: returns ``(N, D + 1)``.

    Example:
        >>> with_bias([[2.0], [3.0]]).tolist()
        [[2.0, 1.0], [3.0, 1.0]]
    """
    x = as_float_array(x, "x", ndim=2).astype(np.float64, copy=False)
    check_finite(x, "x")
    return np.hstack([x, np.ones((len(x), 1))])


def least_squares(w: object, x: object, y: object) -> tuple[float, np.ndarray]:
    r"""Loss :math:`\frac{1}{2N}\lVert Xw - y\rVert^2` and gradient :math:`\frac1N X^\top(Xw - y)`.

    Args:
        w: weights ``(D,)``; x: inputs ``(N, D)``; y: targets ``(N,)``.

    Example:
        >>> loss, g = least_squares([1.0], [[1.0], [2.0]], [1.0, 1.0])
        >>> loss, g.tolist()
        (0.25, [1.0])
    """
    x, y = _xy(x, y)
    w = _w(w, x.shape[1])
    r = x @ w - y
    return float(r @ r / (2 * len(y))), x.T @ r / len(y)


def least_squares_hessian(x: object) -> np.ndarray:
    r"""The Hessian :math:`H = \frac1N X^\top X` of :func:`least_squares`, shape ``(D, D)``.

    Example:
        >>> least_squares_hessian([[1.0, 1.0], [3.0, 1.0]]).tolist()
        [[5.0, 2.0], [2.0, 1.0]]
    """
    x = as_float_array(x, "x", ndim=2).astype(np.float64, copy=False)
    check_finite(x, "x")
    if len(x) == 0:
        raise ValueError("x must contain at least one example, got 0")
    return x.T @ x / len(x)


def logistic(w: object, x: object, y: object) -> tuple[float, np.ndarray]:
    r"""Mean logistic loss and its gradient for labels :math:`y_n \in \{0, 1\}`.

    .. math::

        L = \frac1N \sum_n \big[\log(1 + e^{z_n}) - y_n z_n\big], \quad z = Xw, \qquad
        \nabla L = \frac1N X^\top (\sigma(z) - y)

    Reference: Cox (1958), "The regression analysis of binary sequences",
    https://doi.org/10.1111/j.2517-6161.1958.tb00292.x

    Example:
        >>> loss, g = logistic([0.0], [[1.0], [2.0]], [1.0, 0.0])
        >>> round(loss, 4), g.tolist()
        (0.6931, [0.25])
    """
    x, y = _xy(x, y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold labels 0 or 1")
    w = _w(w, x.shape[1])
    z = x @ w
    loss = np.logaddexp(0.0, z) - y * z  # log(1 + e^z) without overflow
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid without overflow
    return float(loss.mean()), x.T @ (p - y) / len(y)


def condition_number(h: object) -> float:
    r""":math:`\kappa = \lambda_{\max}/\lambda_{\min}` of a symmetric matrix ``h``.

    Returns ``inf`` when :math:`\lambda_{\min} \le 0` (singular or indefinite).

    Example:
        >>> condition_number([[4.0, 0.0], [0.0, 0.5]])
        8.0
    """
    h = as_float_array(h, "h", ndim=2).astype(np.float64, copy=False)
    check_finite(h, "h")
    if h.shape[0] != h.shape[1] or h.size == 0:
        raise ValueError(f"h must be a non-empty square matrix, got shape {h.shape}")
    if not np.allclose(h, h.T, rtol=1e-10, atol=1e-12 * np.abs(h).max()):
        raise ValueError("h must be symmetric")
    lam = np.linalg.eigvalsh(h)
    return float(lam[-1] / lam[0]) if lam[0] > 0 else math.inf


def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray], w0: object, lr: float, steps: int
) -> np.ndarray:
    r"""Run :math:`w_{t+1} = w_t - \eta\,\nabla L(w_t)` and return the whole path.

    Args:
        grad: function ``w -> gradient`` (same shape as ``w``).
        w0: starting point ``(D,)``.
        lr: :math:`\eta > 0`.
        steps: number of updates.

    Returns:
        ``(steps + 1, D)`` array: ``w_0, w_1, ..., w_steps``.

    Raises:
        FloatingPointError: the path stops being finite (the step was too large).

    Example:
        >>> gradient_descent(lambda w: 2 * w, [1.0], 0.25, 2)[:, 0].tolist()
        [1.0, 0.5, 0.25]
    """
    w = as_float_array(w0, "w0", ndim=1).astype(np.float64)
    check_finite(w, "w0")
    lr = check_positive(lr, "lr")
    steps = check_positive_int(steps, "steps", allow_zero=True)
    path = np.empty((steps + 1, w.size))
    path[0] = w
    for t in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below instead
            w = w - lr * np.asarray(grad(w), dtype=np.float64)
        if not np.all(np.isfinite(w)):
            raise FloatingPointError(
                f"gradient descent diverged at step {t + 1} (lr={lr} is too large)"
            )
        path[t + 1] = w
    return path


def steps_to_converge(
    x: object,
    y: object,
    *,
    lr: float | None = None,
    tol: float = 1e-6,
    max_steps: int = 1_000_000,
) -> int | None:
    r"""Full-batch gradient-descent steps on :func:`least_squares` until it converges.

    Starting from :math:`w_0 = 0`, counts the steps :math:`t` until
    :math:`\lVert w_t - w^\ast\rVert \le \text{tol}\,\lVert w_0 - w^\ast\rVert`, where
    :math:`w^\ast` is the least-squares solution. The default step is
    :math:`\eta = 1/\lambda_{\max}(H)`. The iteration runs in closed form per
    eigen-direction of :math:`H` (the error along eigenvector :math:`i` is multiplied
    by :math:`1 - \eta\lambda_i` each step), which is exact for this quadratic and makes
    a million steps cost nothing.

    Returns:
        The step count, or ``None`` if not converged within ``max_steps`` (or if
        :math:`\eta` is too large to converge).

    Example:
        >>> x = np.array([[1.0, 0.0], [0.0, 0.1]]); y = np.array([1.0, 1.0])
        >>> steps_to_converge(x, y, tol=1e-3)
        687
    """
    x, y = _xy(x, y)
    tol = check_positive(tol, "tol")
    max_steps = check_positive_int(max_steps, "max_steps")
    h = x.T @ x / len(y)
    lam, v = np.linalg.eigh(h)
    if lam[0] <= 1e-14 * lam[-1]:
        raise ValueError("x must have full column rank (H is singular): no unique w*")
    lr = 1.0 / lam[-1] if lr is None else check_positive(lr, "lr")
    w_star = np.linalg.solve(h, x.T @ y / len(y))
    e0 = v.T @ (0.0 - w_star)  # error in the eigenbasis
    rate = np.abs(1.0 - lr * lam)
    if np.any(rate[e0 != 0] >= 1):
        return None
    norm0 = np.linalg.norm(e0)
    if norm0 == 0:
        return 0

    def err(t: int) -> float:
        return float(np.linalg.norm(e0 * rate**t)) / norm0

    if err(max_steps) > tol:
        return None
    lo, hi = 0, max_steps  # err is non-increasing in t: bisect for the first t <= tol
    while lo < hi:
        mid = (lo + hi) // 2
        if err(mid) <= tol:
            hi = mid
        else:
            lo = mid + 1
    return lo


def predicted_steps(kappa: float, tol: float = 1e-6) -> int:
    r"""The condition-number bound on the steps of :func:`steps_to_converge`.

    With :math:`\eta = 1/\lambda_{\max}` every error component shrinks at least by
    :math:`1 - 1/\kappa` per step, so
    :math:`\lVert e_t\rVert \le (1 - 1/\kappa)^t \lVert e_0\rVert` and

    .. math::

        t \le \Big\lceil \frac{\ln \text{tol}}{\ln(1 - 1/\kappa)} \Big\rceil
        \approx \kappa \ln(1/\text{tol}) .

    This is the eigen-decomposition argument: in the eigenbasis of the Hessian, the
    component along eigenvalue :math:`\lambda_i` is multiplied by
    :math:`1 - \lambda_i/\lambda_{\max} \in [0, 1 - 1/\kappa]` every step. The bound is
    reached when the starting error has a component along the slowest eigenvector. For
    general smooth strongly convex functions see Nesterov (2004), *Introductory Lectures
    on Convex Optimization*, section 2.1, https://doi.org/10.1007/978-1-4419-8853-9

    Example:
        >>> predicted_steps(10.0, 1e-3)
        66
    """
    kappa = check_positive(kappa, "kappa")
    tol = check_positive(tol, "tol")
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    if kappa == 1 or tol >= 1:
        return 0 if tol >= 1 else 1
    return math.ceil(math.log(tol) / math.log1p(-1.0 / kappa))
