r"""Two-dimensional test landscapes for optimizers, trajectories, and momentum's exact rate.

Each landscape is an object with ``value(w)``, ``gradient(w)`` and ``hessian(w)`` for a
point ``w`` of shape ``(2,)`` (``value`` also accepts ``(..., 2)`` arrays, for contour
plots), a ``minimum`` (a global minimizer, or None) and a plotting window ``xlim``,
``ylim``. :func:`trajectory` runs any :mod:`dlcore.optimizers` optimizer from a start
point and returns the path. :func:`momentum_rate` and :func:`optimal_momentum` give the
exact linear convergence rate of heavy-ball momentum on a quadratic (Polyak, 1964; the
analysis of Goh's "Why Momentum Really Works", Distill 2017).

Example:
    >>> from dlcore.optimizers import SGD
    >>> q = Quadratic([1.0, 10.0])
    >>> path = trajectory(q, SGD(0.05), [1.0, 1.0], steps=100)
    >>> path.shape, bool(q.value(path[-1]) < 1e-4)
    ((101, 2), True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dlcore._validation import as_float_array, check_positive, check_positive_int, check_real
from dlcore.optimizers import Optimizer

__all__ = [
    "Beale",
    "Landscape",
    "Quadratic",
    "Rosenbrock",
    "Saddle",
    "gd_rate",
    "measured_rate",
    "momentum_rate",
    "optimal_momentum",
    "trajectory",
]


class Landscape:
    """Base class: a smooth function of two variables with its derivatives."""

    name = "landscape"
    minimum: tuple[float, float] | None = None
    xlim: tuple[float, float] = (-2.0, 2.0)
    ylim: tuple[float, float] = (-2.0, 2.0)

    def _xy(self, w: object) -> tuple[np.ndarray, np.ndarray]:
        w = as_float_array(w, "w")
        if w.ndim == 0 or w.shape[-1] != 2:
            raise ValueError(f"w must have shape (2,) or (..., 2), got {w.shape}")
        return w[..., 0], w[..., 1]

    def value(self, w: object) -> np.ndarray | float:
        """The function at ``w`` (shape ``(2,)`` -> float, ``(..., 2)`` -> ``(...)``)."""
        out = self._value(*self._xy(w))
        return float(out) if np.ndim(out) == 0 else out

    def on_grid(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The function on coordinate arrays ``x``, ``y`` of one shape (e.g. a ``meshgrid``),
        the signature :func:`dlcore.plotting.plot_loss_contours` expects."""
        return np.asarray(self.value(np.stack([np.asarray(x), np.asarray(y)], axis=-1)))

    def gradient(self, w: object) -> np.ndarray:
        """The gradient at one point ``w`` of shape ``(2,)``."""
        x, y = self._xy(w)
        return np.array(self._gradient(float(x), float(y)), dtype=float)

    def hessian(self, w: object) -> np.ndarray:
        """The 2 x 2 Hessian at one point ``w``."""
        x, y = self._xy(w)
        return np.array(self._hessian(float(x), float(y)), dtype=float)

    def _value(self, x, y):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _gradient(self, x, y):  # pragma: no cover
        raise NotImplementedError

    def _hessian(self, x, y):  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Quadratic(Landscape):
    r"""An ill-conditioned quadratic bowl, :math:`f(w) = \tfrac12 w^\top A w`.

    :math:`A = R\, \mathrm{diag}(\lambda_1, \lambda_2)\, R^\top` with :math:`R` a rotation
    by ``angle`` radians, so the eigenvalues (curvatures) are ``eigenvalues`` and the
    condition number is :math:`\kappa = \lambda_\max/\lambda_\min`. Gradient descent is
    stable for :math:`\eta < 2/\lambda_\max`.

    Args:
        eigenvalues: :math:`(\lambda_1, \lambda_2)`, both > 0.
        angle: rotation of the axes, radians. Default 0.

    Example:
        >>> q = Quadratic([1.0, 4.0])
        >>> q.value([1.0, 1.0]), q.gradient([1.0, 1.0]).tolist()
        (2.5, [1.0, 4.0])
    """

    name = "ill-conditioned quadratic"
    minimum = (0.0, 0.0)

    def __init__(self, eigenvalues: Sequence[float], angle: float = 0.0) -> None:
        lam = as_float_array(eigenvalues, "eigenvalues", ndim=1)
        if lam.shape != (2,) or not np.all(lam > 0) or not np.all(np.isfinite(lam)):
            raise ValueError(f"eigenvalues must be two finite numbers > 0, got {lam}")
        self.eigenvalues = lam
        self.angle = check_real(angle, "angle")
        c, s = math.cos(self.angle), math.sin(self.angle)
        rot = np.array([[c, -s], [s, c]])
        self.A = rot @ np.diag(lam) @ rot.T

    def _value(self, x, y):
        a = self.A
        return 0.5 * (a[0, 0] * x * x + 2 * a[0, 1] * x * y + a[1, 1] * y * y)

    def _gradient(self, x, y):
        return self.A @ np.array([x, y])

    def _hessian(self, x, y):
        return self.A.copy()

    def __repr__(self) -> str:
        return f"Quadratic({self.eigenvalues.tolist()}, angle={self.angle})"


class Rosenbrock(Landscape):
    r"""Rosenbrock's banana valley, :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2`.

    Minimum 0 at :math:`(a, a^2)`, at the end of a long, curved, flat-bottomed valley.

    Reference: Rosenbrock, H. H. (1960). An automatic method for finding the greatest or
    least value of a function. The Computer Journal 3(3).
    https://doi.org/10.1093/comjnl/3.3.175

    Example:
        >>> Rosenbrock().value([1.0, 1.0]), np.abs(Rosenbrock().gradient([1.0, 1.0])).tolist()
        (0.0, [0.0, 0.0])
    """

    name = "Rosenbrock"
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a = check_real(a, "a")
        self.b = check_positive(b, "b")
        self.minimum = (self.a, self.a**2)

    def _value(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _gradient(self, x, y):
        return [-2 * (self.a - x) - 4 * self.b * x * (y - x * x), 2 * self.b * (y - x * x)]

    def _hessian(self, x, y):
        return [
            [2 - 4 * self.b * (y - 3 * x * x), -4 * self.b * x],
            [-4 * self.b * x, 2 * self.b],
        ]


class Beale(Landscape):
    r"""Beale's function, flat plateaus and steep walls; minimum 0 at :math:`(3, 0.5)`.

    .. math::

        f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 .

    Reference: Beale, E. M. L. (1958). On an iterative method for finding a local minimum
    of a function of more than one variable. Princeton University, Technical Report 25.

    Example:
        >>> Beale().value([3.0, 0.5])
        0.0
    """

    name = "Beale"
    minimum = (3.0, 0.5)
    xlim = (-4.5, 4.5)
    ylim = (-4.5, 4.5)
    _C = (1.5, 2.25, 2.625)

    def _value(self, x, y):
        return sum((c - x + x * y ** (k + 1)) ** 2 for k, c in enumerate(self._C))

    def _gradient(self, x, y):
        gx = gy = 0.0
        for k, c in enumerate(self._C):
            r = c - x + x * y ** (k + 1)
            gx += 2 * r * (y ** (k + 1) - 1)
            gy += 2 * r * x * (k + 1) * y**k
        return [gx, gy]

    def _hessian(self, x, y):
        hxx = hxy = hyy = 0.0
        for k, c in enumerate(self._C):
            n = k + 1
            r = c - x + x * y**n
            rx, ry = y**n - 1, x * n * y ** (n - 1)
            rxy = n * y ** (n - 1)
            ryy = x * n * (n - 1) * y ** (n - 2) if n >= 2 else 0.0
            hxx += 2 * rx * rx
            hxy += 2 * (rx * ry + r * rxy)
            hyy += 2 * (ry * ry + r * ryy)
        return [[hxx, hxy], [hxy, hyy]]


class Saddle(Landscape):
    r"""A saddle with two minima, :math:`f(x, y) = \tfrac12 x^2 - \tfrac12 y^2 + \tfrac14 y^4`.

    The origin is a saddle point (Hessian eigenvalues 1 and -1): downhill along
    :math:`y`, uphill along :math:`x`. The minima are :math:`(0, \pm 1)` with value
    :math:`-1/4`. Started on the line :math:`y = 0`, gradient descent converges to the
    saddle; started a little off it, it escapes, slowly at first (the escape is
    exponential, by :math:`1 + \eta` per step near the saddle).

    Example:
        >>> s = Saddle()
        >>> s.hessian([0.0, 0.0]).tolist(), s.value([0.0, 1.0])
        ([[1.0, 0.0], [0.0, -1.0]], -0.25)
    """

    name = "saddle"
    minimum = (0.0, 1.0)
    xlim = (-2.0, 2.0)
    ylim = (-1.6, 1.6)

    def _value(self, x, y):
        return 0.5 * x * x - 0.5 * y * y + 0.25 * y**4

    def _gradient(self, x, y):
        return [x, -y + y**3]

    def _hessian(self, x, y):
        return [[1.0, 0.0], [0.0, -1.0 + 3 * y * y]]


def trajectory(
    landscape: Landscape, optimizer: Optimizer, start: Sequence[float], steps: int
) -> np.ndarray:
    r"""Run ``optimizer`` on ``landscape`` from ``start``; return the iterates.

    Args:
        landscape: a :class:`Landscape`.
        optimizer: a fresh dlcore optimizer (its state is used and changed).
        start: the initial point :math:`w_0`, shape ``(2,)``.
        steps: number of steps :math:`T` (>= 1).

    Returns:
        Array ``(T + 1, 2)``: :math:`w_0, \dots, w_T`. If the run diverges (the gradient or
        the point stops being finite, or :math:`|w| > 10^6`), the path ends there, so it
        may be shorter.

    Example:
        >>> from dlcore.optimizers import SGD
        >>> trajectory(Quadratic([1.0, 1.0]), SGD(0.5), [2.0, -2.0], 2).tolist()
        [[2.0, -2.0], [1.0, -1.0], [0.5, -0.5]]
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a dlcore optimizer, got {type(optimizer).__name__}")
    w = as_float_array(start, "start", ndim=1).astype(float)
    if w.shape != (2,) or not np.all(np.isfinite(w)):
        raise ValueError(f"start must be 2 finite numbers, got {w}")
    steps = check_positive_int(steps, "steps")
    params = {"w": w.copy()}
    path = [w.copy()]
    for _ in range(steps):
        g = landscape.gradient(params["w"])
        if not np.all(np.isfinite(g)):
            break
        optimizer.step(params, {"w": g})
        if not np.all(np.isfinite(params["w"])) or np.max(np.abs(params["w"])) > 1e6:
            break
        path.append(params["w"].copy())
    return np.array(path)


def gd_rate(eta: float, eigenvalues: Sequence[float]) -> float:
    r"""Plain gradient descent's rate on a quadratic: :math:`\max_i |1 - \eta\lambda_i|`.

    The error along eigenvector :math:`i` is multiplied by :math:`1 - \eta\lambda_i` every
    step, so GD converges iff :math:`\eta < 2/\lambda_\max`.

    Example:
        >>> gd_rate(0.1, [1.0, 10.0]), gd_rate(0.25, [1.0, 10.0])
        (0.9, 1.5)
    """
    lam = as_float_array(eigenvalues, "eigenvalues", ndim=1)
    eta = check_positive(eta, "eta")
    return float(np.max(np.abs(1.0 - eta * lam)))


def momentum_rate(eta: float, rho: float, eigenvalues: Sequence[float]) -> float:
    r"""Exact linear rate of heavy-ball momentum on a quadratic with these curvatures.

    Along an eigenvector with curvature :math:`\lambda`, heavy ball
    :math:`w_{k+1} = w_k - \eta\lambda w_k + \rho (w_k - w_{k-1})` is the linear
    recurrence with matrix :math:`\begin{pmatrix} 1+\rho-\eta\lambda & -\rho \\ 1 & 0
    \end{pmatrix}`, whose eigenvalues solve :math:`z^2 - (1+\rho-\eta\lambda) z + \rho = 0`.
    The error shrinks like :math:`r^k` with :math:`r` = the largest :math:`|z|` over all
    :math:`\lambda`: :math:`\sqrt\rho` when the roots are complex
    (:math:`(1+\rho-\eta\lambda)^2 < 4\rho`, oscillation), otherwise
    :math:`\tfrac12(|1+\rho-\eta\lambda| + \sqrt{(1+\rho-\eta\lambda)^2 - 4\rho})`.
    Keras' ``SGD(momentum=rho)`` is exactly this recurrence. ``rho = 0`` gives
    :func:`gd_rate`.

    Example:
        >>> round(momentum_rate(0.1, 0.0, [1.0, 10.0]), 6)
        0.9
        >>> eta, rho, r = optimal_momentum(1.0, 100.0)
        >>> round(momentum_rate(eta, rho, [1.0, 100.0]), 6), round(r, 6)
        (0.818182, 0.818182)
    """
    lam = as_float_array(eigenvalues, "eigenvalues", ndim=1)
    eta = check_positive(eta, "eta")
    rho = check_real(rho, "rho")
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    b = 1.0 + rho - eta * lam
    disc = b * b - 4.0 * rho
    real = 0.5 * (np.abs(b) + np.sqrt(np.maximum(disc, 0.0)))
    return float(np.max(np.where(disc < 0, math.sqrt(rho), real)))


def optimal_momentum(mu: float, L: float) -> tuple[float, float, float]:
    r"""The best heavy-ball pair for curvatures in :math:`[\mu, L]`, and its rate.

    .. math::

        \eta^* = \Big(\frac{2}{\sqrt L + \sqrt\mu}\Big)^2, \quad
        \rho^* = \Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^2, \quad
        r^* = \sqrt{\rho^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1},

    with :math:`\kappa = L/\mu`; compare plain GD's best rate
    :math:`(\kappa - 1)/(\kappa + 1)` at :math:`\eta = 2/(\mu + L)` (Polyak, 1964).

    Example:
        >>> [round(v, 4) for v in optimal_momentum(1.0, 100.0)]
        [0.0331, 0.6694, 0.8182]
    """
    mu = check_positive(mu, "mu")
    L = check_positive(L, "L")
    if L < mu:
        raise ValueError(f"L must be >= mu, got mu={mu}, L={L}")
    sk = math.sqrt(L / mu)
    r = (sk - 1.0) / (sk + 1.0)
    return (2.0 / (math.sqrt(L) + math.sqrt(mu))) ** 2, r * r, r


def measured_rate(errors: Sequence[float], tail: float = 0.5) -> float:
    r"""Geometric-mean rate of a decaying error sequence over its last ``tail`` fraction.

    :math:`(e_T / e_{T-n})^{1/n}` with :math:`n = \lfloor \text{tail}\cdot T \rfloor`;
    compare with :func:`momentum_rate`.

    Example:
        >>> measured_rate([0.5**k for k in range(20)])
        0.5
    """
    e = as_float_array(errors, "errors", ndim=1)
    if e.size < 3 or not np.all(e[-2:] > 0):
        raise ValueError("errors must hold >= 3 values with positive ends")
    n = max(1, int(tail * (e.size - 1)))
    return float((e[-1] / e[-1 - n]) ** (1.0 / n))
