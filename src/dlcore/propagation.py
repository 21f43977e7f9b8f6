r"""Variance propagation through a deep MLP at initialization: theory and measurement.

Notation: hidden layer :math:`l = 1, \dots, L` computes :math:`z_l = a_{l-1} W_l` (biases
zero) and :math:`a_l = f(z_l)`, with :math:`W_l` of shape :math:`(n_{l-1}, n_l)` and
i.i.d. zero-mean entries of variance :math:`\sigma_l^2`. Under the mean-field assumptions
(weights independent of the activations, many inputs per unit so that :math:`z_l` is
close to Gaussian, :math:`z_l \sim \mathcal N(0, q_l)`):

.. math::

    q_l = n_{l-1}\,\sigma_l^2\,\mathbb E[a_{l-1}^2]
        = n_{l-1}\,\sigma_l^2\,\mathbb E_{z \sim \mathcal N(0, q_{l-1})}[f(z)^2],
    \qquad
    \operatorname{Var}\Bigl[\frac{\partial L}{\partial a_{l-1}}\Bigr]
        = n_l\,\sigma_l^2\,\mathbb E[f'(z_l)^2]\,
          \operatorname{Var}\Bigl[\frac{\partial L}{\partial a_l}\Bigr].

Note the *second moment* :math:`\mathbb E[a^2]`, not the variance: the two agree only for
zero-mean activations (not the sigmoid, not ReLU). :func:`gaussian_moments` gives
:math:`\mathbb E f(z)`, :math:`\mathbb E f(z)^2` and :math:`\mathbb E f'(z)^2` in closed
form where one exists (linear, ReLU, leaky ReLU, ELU, SELU) and by quadrature otherwise;
:func:`predict` iterates the two recursions; :func:`measure` runs a random network and
reports what actually happens.

References:
    Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp";
    X. Glorot, Y. Bengio (2010), "Understanding the difficulty of training deep feedforward
    neural networks", AISTATS; K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep into
    Rectifiers", https://arxiv.org/abs/1502.01852; B. Poole et al. (2016), "Exponential
    expressivity in deep neural networks through transient chaos",
    https://arxiv.org/abs/1606.05340.

Example:
    >>> from dlcore import propagation
    >>> m = propagation.gaussian_moments("relu", 2.0)
    >>> round(m.second, 12), round(m.slope_second, 12)  # E[relu(z)^2] = q/2, E[f'^2] = 1/2
    (1.0, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from dlcore import activations, initializers
from dlcore._validation import (
    as_float_array,
    check_positive,
    check_positive_int,
    check_rng,
    lookup,
)

__all__ = [
    "Measurement",
    "Moments",
    "Prediction",
    "gaussian_moments",
    "measure",
    "predict",
    "weight_variance",
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class Moments:
    """Moments of :math:`f(z)` for :math:`z \\sim \\mathcal N(0, q)`.

    Attributes:
        mean: :math:`\\mathbb E[f(z)]`.
        second: :math:`\\mathbb E[f(z)^2]` (the forward gain is ``n * var_w * second / q``).
        slope_second: :math:`\\mathbb E[f'(z)^2]` (the backward gain is
            ``n_out * var_w * slope_second``).
    """

    mean: float
    second: float
    slope_second: float

    @property
    def std(self) -> float:
        """Standard deviation of f(z): :math:`\\sqrt{\\mathbb E f^2 - (\\mathbb E f)^2}`."""
        return math.sqrt(max(0.0, self.second - self.mean**2))


def _phi_tail(x: float) -> float:
    """Standard normal upper tail :math:`\\Phi(-x)`."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _exp_tail(c: float, s: float) -> float:
    r""":math:`\mathbb E[e^{c z} \mathbb 1_{z<0}] = e^{c^2 s^2/2}\,\Phi(-c s)` for
    :math:`z \sim \mathcal N(0, s^2)`, without overflow (Mills-ratio series for large
    :math:`cs`)."""
    x = c * s
    if x < 25.0:
        return math.exp(0.5 * x * x) * _phi_tail(x)
    return (1.0 - 1.0 / x**2 + 3.0 / x**4 - 15.0 / x**6) / (x * _SQRT_2PI)


def _elu_moments(q: float, alpha: float, lam: float) -> Moments:
    # f(z) = lam * z (z > 0), lam * alpha (e^z - 1) (z <= 0); s = sqrt(q)
    s = math.sqrt(q)
    e1, e2 = _exp_tail(1.0, s), _exp_tail(2.0, s)
    mean = lam * (s / _SQRT_2PI + alpha * (e1 - 0.5))
    second = lam**2 * (q / 2.0 + alpha**2 * (e2 - 2.0 * e1 + 0.5))
    slope = lam**2 * (0.5 + alpha**2 * e2)
    return Moments(mean, second, slope)


def _quadrature_moments(act: activations.Activation, q: float) -> Moments:
    # E[g(z)] = int g(s x) phi(x) dx on a uniform grid in x over [-10, 10] (the Gaussian
    # tail beyond carries < 1e-22): the trapezoid rule on a smooth integrand that vanishes
    # at both ends converges geometrically; a step of 0.004 s resolves tanh and the sigmoid
    # (width ~1 in z) for s up to ~50.
    s = math.sqrt(q)
    x = np.linspace(-10.0, 10.0, 5_001)
    w = np.exp(-0.5 * x * x)
    w /= w.sum()  # the trapezoid weights, normalized so that E[1] = 1 exactly
    z = s * x
    f, g = act.fn(z), act.grad(z)
    return Moments(float(w @ f), float(w @ (f * f)), float(w @ (g * g)))


def gaussian_moments(activation: str | activations.Activation, q: float) -> Moments:
    r"""Mean, second moment and squared-slope moment of an activation of a Gaussian.

    For :math:`z \sim \mathcal N(0, q)`, :math:`s = \sqrt q`:

    - linear: :math:`(0,\ q,\ 1)`;
    - ReLU: :math:`(s/\sqrt{2\pi},\ q/2,\ 1/2)`: **half** the second moment survives;
    - leaky ReLU (slope :math:`\alpha` for :math:`z<0`):
      :math:`((1-\alpha)s/\sqrt{2\pi},\ (1+\alpha^2)q/2,\ (1+\alpha^2)/2)`;
    - ELU / SELU (:math:`\lambda\alpha(e^z-1)` for :math:`z \le 0`, :math:`\lambda z` above),
      with :math:`E_c = \mathbb E[e^{cz}; z<0] = e^{c^2 q/2}\Phi(-c s)`:
      mean :math:`\lambda(s/\sqrt{2\pi} + \alpha(E_1 - \tfrac12))`, second moment
      :math:`\lambda^2(q/2 + \alpha^2(E_2 - 2E_1 + \tfrac12))`, slope moment
      :math:`\lambda^2(\tfrac12 + \alpha^2 E_2)`;
    - anything else (tanh, sigmoid, ...): numerical quadrature of the three integrals.

    Args:
        activation: name or :class:`dlcore.activations.Activation`.
        q: variance of the pre-activation, > 0.

    Returns:
        :class:`Moments`.

    Example:
        >>> round(gaussian_moments("leaky_relu", 1.0).second, 6)  # (1 + 0.01^2) / 2
        0.50005

    References:
        K. He et al. (2015), https://arxiv.org/abs/1502.01852 (ReLU);
        G. Klambauer et al. (2017), https://arxiv.org/abs/1706.02515 (SELU).
    """
    act = activations.get(activation)
    q = check_positive(q, "q")
    s = math.sqrt(q)
    if act.name == "linear":
        return Moments(0.0, q, 1.0)
    if act.name in ("relu", "leaky_relu"):
        a = act.params.get("alpha", 0.0)
        return Moments((1.0 - a) * s / _SQRT_2PI, (1.0 + a * a) * q / 2, (1.0 + a * a) / 2)
    if act.name == "elu":
        return _elu_moments(q, act.params["alpha"], 1.0)
    if act.name == "selu":
        return _elu_moments(q, activations.SELU_ALPHA, activations.SELU_SCALE)
    return _quadrature_moments(act, q)


_SCHEMES = {  # name -> (scale, mode) of variance scaling; Var = gain^2 * scale / n(mode)
    "glorot_normal": (1.0, "fan_avg"),
    "glorot_uniform": (1.0, "fan_avg"),
    "he_normal": (2.0, "fan_in"),
    "he_uniform": (2.0, "fan_in"),
    "lecun_normal": (1.0, "fan_in"),
    "lecun_uniform": (1.0, "fan_in"),
    "orthogonal": (1.0, "fan_max"),  # unit-norm rows or columns: Var = 1 / max(n_in, n_out)
}


def weight_variance(initializer: str, fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    r"""Variance of one weight under a named scheme, times ``gain**2``.

    .. math::

        \sigma^2 = g^2 \cdot \begin{cases}
        2/(n_\text{in} + n_\text{out}) & \text{Glorot} \\ 2/n_\text{in} & \text{He} \\
        1/n_\text{in} & \text{LeCun} \\ 1/\max(n_\text{in}, n_\text{out}) &
        \text{orthogonal} \end{cases}

    Args:
        initializer: one of the names above (Keras' spelling; normal or uniform alike,
            since both have the same variance).
        fan_in, fan_out: :math:`n_\text{in}, n_\text{out}`, positive integers.
        gain: multiplier :math:`g` of the standard deviation, > 0.

    Returns:
        :math:`\sigma^2`.

    Example:
        >>> weight_variance("he_normal", 100, 50)
        0.02
    """
    name = lookup(initializer, "initializer", _SCHEMES)
    fan_in, fan_out = check_positive_int(fan_in, "fan_in"), check_positive_int(fan_out, "fan_out")
    gain = check_positive(gain, "gain")
    scale, mode = _SCHEMES[name]
    n = {
        "fan_in": fan_in,
        "fan_avg": (fan_in + fan_out) / 2,
        "fan_max": max(fan_in, fan_out),
    }[mode]
    return gain**2 * scale / n


@dataclass(frozen=True)
class Prediction:
    """Per-layer predictions of :func:`predict`, each of shape ``(L,)`` for layers 1..L.

    Attributes:
        pre_std: :math:`\\sqrt{q_l}`, the std of the pre-activation :math:`z_l`.
        act_std: std of :math:`a_l = f(z_l)` (mean removed).
        grad_std: std of :math:`\\partial L/\\partial a_l`, with that of the last layer = 1.
    """

    pre_std: np.ndarray
    act_std: np.ndarray
    grad_std: np.ndarray


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    if isinstance(sizes, (str, bytes)) or len(sizes) < 2:
        raise ValueError(f"sizes must list at least [n_0, n_1], got {sizes!r}")
    return [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]


def predict(
    sizes: Sequence[int],
    activation: str | activations.Activation,
    initializer: str,
    gain: float = 1.0,
    input_second_moment: float = 1.0,
) -> Prediction:
    r"""Mean-field prediction of per-layer activation and gradient spread.

    Iterates :math:`q_1 = n_0\sigma_1^2 \mathbb E[x^2]`,
    :math:`q_l = n_{l-1}\sigma_l^2\,\mathbb E f(z_{l-1})^2`, and backwards from
    :math:`\operatorname{Var}[\partial L/\partial a_L] = 1`,
    :math:`\operatorname{Var}[\partial L/\partial a_{l-1}] = n_l \sigma_l^2\,
    \mathbb E f'(z_l)^2\,\operatorname{Var}[\partial L/\partial a_l]`, with
    :math:`\sigma_l^2` from :func:`weight_variance`.

    Args:
        sizes: ``[n_0, n_1, ..., n_L]``: input width, then the width of each hidden layer.
        activation: name or :class:`dlcore.activations.Activation`.
        initializer: scheme name accepted by :func:`weight_variance`.
        gain: multiplies every weight's standard deviation.
        input_second_moment: :math:`\mathbb E[x^2]`, averaged over the input features.

    Returns:
        :class:`Prediction`.

    Example:
        >>> p = predict([100] * 11, "relu", "he_normal")
        >>> bool(np.allclose(p.pre_std, 2**0.5) and np.allclose(p.grad_std, 1.0))
        True
    """
    sizes = _check_sizes(sizes)
    m = check_positive(input_second_moment, "input_second_moment")
    L = len(sizes) - 1
    var_w = [weight_variance(initializer, sizes[l], sizes[l + 1], gain) for l in range(L)]
    pre, act, slope = np.empty(L), np.empty(L), np.empty(L)
    for l in range(L):
        q = sizes[l] * var_w[l] * m
        mom = gaussian_moments(activation, max(q, 1e-300))
        pre[l], act[l], slope[l], m = math.sqrt(q), mom.std, mom.slope_second, mom.second
    grad_var = np.ones(L)
    for l in range(L - 1, 0, -1):  # layer l+1 (1-based) sends the gradient to layer l
        grad_var[l - 1] = grad_var[l] * sizes[l + 1] * var_w[l] * slope[l]
    return Prediction(pre, act, np.sqrt(grad_var))


@dataclass(frozen=True)
class Measurement:
    """Per-layer statistics of one random network, shape ``(L,)`` each (layers 1..L).

    Attributes:
        pre_std, act_std, grad_std: std over examples and units of :math:`z_l`, of
            :math:`a_l` and of :math:`\\partial L/\\partial a_l`.
        act_mean: mean of :math:`a_l`.
        activations: the arrays :math:`a_l` (``keep=True`` only; else empty).
    """

    pre_std: np.ndarray
    act_std: np.ndarray
    grad_std: np.ndarray
    act_mean: np.ndarray
    activations: tuple = ()


def measure(
    sizes: Sequence[int],
    activation: str | activations.Activation,
    initializer: str | object,
    x: object,
    rng: np.random.Generator,
    gain: float = 1.0,
    keep: bool = False,
) -> Measurement:
    r"""Run a fresh random MLP forward and backward and measure every layer.

    Weights ``gain * initializer((n_{l-1}, n_l), rng)``, biases zero. The loss is a fixed
    random projection of the last layer, :math:`L = \sum_{b,j} r_{bj}\, a_{L,bj}` with
    :math:`r_{bj} \sim \mathcal N(0, 1)` drawn from ``rng``, so that
    :math:`\partial L / \partial a_L = r` has unit variance, matching :func:`predict`.

    Args:
        sizes: ``[n_0, ..., n_L]`` as in :func:`predict`.
        activation: name or :class:`dlcore.activations.Activation`.
        initializer: any initializer name or callable (see :func:`dlcore.initializers.get`).
        x: inputs, shape ``(batch, n_0)``, finite.
        rng: ``numpy.random.Generator`` for the weights and the projection.
        gain: multiplies every weight.
        keep: also return the activation arrays.

    Returns:
        :class:`Measurement`.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> m = measure([64] * 6, "relu", "he_normal", rng.standard_normal((256, 64)), rng)
        >>> bool(0.5 < m.pre_std[-1] < 2.0)
        True
    """
    sizes = _check_sizes(sizes)
    act = activations.get(activation)
    init = initializers.get(initializer)
    rng = check_rng(rng)
    gain = check_positive(gain, "gain")
    x = as_float_array(x, "x", ndim=2)
    if x.shape[1] != sizes[0]:
        raise ValueError(f"x must have sizes[0] = {sizes[0]} columns, got {x.shape[1]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (it holds NaN or inf)")
    L = len(sizes) - 1
    a, zs, acts = x, [], []
    # One BLAS thread: for matrices this small, threads cost more than they save.
    with np.errstate(over="ignore", invalid="ignore", under="ignore"), threadpool_limits(1):
        Ws = [gain * init((sizes[l], sizes[l + 1]), rng) for l in range(L)]
        for W in Ws:
            z = a @ W
            a = act.fn(z)
            zs.append(z)
            acts.append(a)
        da = rng.standard_normal(a.shape)
        grads = [da]
        for l in range(L - 1, 0, -1):
            da = (da * act.grad(zs[l])) @ Ws[l].T
            grads.append(da)
    grads.reverse()
    return Measurement(
        pre_std=np.array([z.std() for z in zs]),
        act_std=np.array([a.std() for a in acts]),
        grad_std=np.array([g.std() for g in grads]),
        act_mean=np.array([a.mean() for a in acts]),
        activations=tuple(acts) if keep else (),
    )
