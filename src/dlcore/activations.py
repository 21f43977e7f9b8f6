r"""Activation functions: values, derivatives and the properties that matter for training.

Elementwise activations are reached by name through :func:`get`, which returns an
:class:`Activation` with ``.fn(x)``, ``.grad(x)`` (the elementwise derivative
:math:`f'(x)`) and descriptive properties; each also exists as a module-level function
(``activations.relu(x)``). This module holds the parameter-free elementwise functions
only; units with learned parameters or random state, or that couple entries (PReLU,
RReLU, maxout, softmax), are layer-like operations in :mod:`dlcore.layers`.

Every function is stable for inputs of any magnitude up to at least :math:`\pm 1000`
(no overflow warnings, no NaN). Floating-point input keeps its dtype; integer input is
computed in float64.

Conventions where Keras and the papers differ (each one is pinned by a test):

- **leaky ReLU slope**: dlcore's default is :math:`\alpha = 0.01` (Maas et al., 2013);
  ``keras.activations.leaky_relu`` defaults to ``negative_slope=0.2`` and
  ``keras.layers.LeakyReLU`` to ``0.3``.
- **GELU**: ``"gelu"`` is the exact form :math:`x\,\Phi(x)` (Hendrycks and Gimpel, 2016),
  like ``keras.activations.gelu`` (``approximate=False``); note that ``keras.ops.gelu``
  defaults to ``approximate=True``. The tanh approximation is ``"gelu_tanh"``.
- **hard sigmoid**: :math:`\mathrm{clip}((x + 3)/6, 0, 1)`, slope 1/6, as in Keras 3 and
  MobileNetV3 (Howard et al., 2019); Keras 2 used :math:`\mathrm{clip}(0.2x + 0.5, 0, 1)`.
- **derivative at a kink** (not defined mathematically): the value TensorFlow's gradient
  returns, i.e. :math:`\mathrm{relu}'(0) = 0`, :math:`\mathrm{leaky}'(0) = \alpha`,
  :math:`\mathrm{elu}'(0) = \alpha`, :math:`\mathrm{selu}'(0) = \lambda`,
  hard sigmoid :math:`0` at :math:`\pm 3`, step :math:`0` at 0.

**NaN passes through** the elementwise activations and their derivatives: NaN in gives
NaN out at the same positions, silently (no warning, no exception). This is the one
place in dlcore where NaN is not refused, on purpose: an activation is applied to every
hidden layer at every step, and a NaN there is a symptom of divergence upstream, which
:func:`dlcore.nn.train` reports as ``TrainingDivergedError`` with the epoch and step.
Turning NaN into a number (``relu'(NaN) = 0``) would hide it from the backward pass.
Infinite input is outside the stability promise: most functions return their limit,
but :math:`x\,\sigma(x)` and :math:`x\,\Phi(x)` (swish, GELU) give NaN at
:math:`-\infty` (:math:`-\infty \cdot 0`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.special import ndtr

from dlcore._validation import (
    as_float_array,
    bind_params,
    check_positive,
    lookup,
    no_params_with_instance,
)

__all__ = [
    "SELU_ALPHA",
    "SELU_SCALE",
    "Activation",
    "elu",
    "gelu",
    "gelu_tanh",
    "get",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "names",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softplus",
    "step",
    "swish",
    "tanh",
]

# --- constants -------------------------------------------------------------------------

_R = math.erfc(1.0 / math.sqrt(2.0))
#: SELU :math:`\alpha_{01}`, closed form of Klambauer et al. (2017): 1.6732632423543772...
SELU_ALPHA: float = -math.sqrt(2.0 / math.pi) / (_R * math.exp(0.5) - 1.0)
#: SELU :math:`\lambda_{01}`, closed form of Klambauer et al. (2017): 1.0507009873554805...
SELU_SCALE: float = (
    (1.0 - _R * math.sqrt(math.e))
    * math.sqrt(2.0 * math.pi)
    / math.sqrt(
        2.0 * math.erfc(math.sqrt(2.0)) * math.e**2
        + math.pi * _R**2 * math.e
        - 2.0 * (2.0 + math.pi) * _R * math.sqrt(math.e)
        + math.pi
        + 2.0
    )
)
_GELU_C = math.sqrt(2.0 / math.pi)  # tanh-approximation constant sqrt(2/pi)
_GELU_K = 0.044715  # cubic coefficient of the tanh approximation


def _x(x: object) -> np.ndarray:
    return as_float_array(x, "x")


def _exp_neg_abs(x: np.ndarray) -> np.ndarray:
    """:math:`e^{-|x|}`, which never overflows."""
    return np.exp(-np.abs(x))


def _sigmoid_grad_stable(x: np.ndarray) -> np.ndarray:
    # sigma'(x) = e^{-|x|} / (1 + e^{-|x|})^2 (an even function); unlike s(1 - s) it keeps
    # full relative precision far in both tails.
    e = _exp_neg_abs(x)
    return e / (1.0 + e) ** 2


def _std_normal_cdf(x: np.ndarray) -> np.ndarray:
    # Phi(x) by scipy.special.ndtr, which goes through erfc in the left tail and so keeps
    # its relative accuracy there, where (1 + erf(x / sqrt 2)) / 2 would cancel.
    return ndtr(np.asarray(x, dtype=np.float64)).astype(x.dtype)


def _std_normal_pdf(x: np.ndarray) -> np.ndarray:
    # Clipping at +-40 changes nothing (phi(40) underflows to 0) and keeps x^2 finite.
    z = np.clip(x, -40.0, 40.0)
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _nan_passes_through(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """Make an elementwise function (or derivative) map NaN to NaN, silently.

    NaN in, NaN out at the same positions, in the value and in the derivative (``relu'``
    and ``step`` would otherwise turn NaN into 0 and hide it from a backward pass), with no
    "invalid value" warning: the training loop, not the activation, decides what a NaN
    means (:func:`dlcore.nn.train` stops with ``TrainingDivergedError``).
    """

    @functools.wraps(fn)
    def wrapper(x: object, *args: object, **kwargs: object) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = fn(x, *args, **kwargs)
        arr = np.asarray(x)
        nan = np.isnan(arr) if arr.dtype.kind == "f" else None
        if nan is not None and nan.any():
            out = np.where(nan, np.nan, out).astype(out.dtype)
        return out

    return wrapper


# --- elementwise activations -----------------------------------------------------------


@_nan_passes_through
def sigmoid(x: object) -> np.ndarray:
    r"""Logistic sigmoid.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))

    Computed in the two-branch form :math:`1/(1+e^{-x})` for :math:`x \ge 0` and
    :math:`e^{x}/(1+e^{x})` for :math:`x < 0`, so the exponential never overflows.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`(0, 1)`.

    Example:
        >>> sigmoid(np.array([-2.0, 0.0, 2.0])).round(4)
        array([0.1192, 0.5   , 0.8808])

    References:
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp",
        https://doi.org/10.1007/3-540-49430-8_2
    """
    x = _x(x)
    e = _exp_neg_abs(x)
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@_nan_passes_through
def _sigmoid_grad(x: object) -> np.ndarray:
    return _sigmoid_grad_stable(_x(x))


@_nan_passes_through
def tanh(x: object) -> np.ndarray:
    r"""Hyperbolic tangent.

    .. math::

        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}, \qquad
        \tanh'(x) = 1 - \tanh^2(x) = \frac{4 e^{-2|x|}}{(1 + e^{-2|x|})^2}

    The derivative uses the last form, which keeps relative precision for large
    :math:`|x|`.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`(-1, 1)`.

    Example:
        >>> tanh(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.7616,  0.    ,  0.7616])

    References:
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp",
        https://doi.org/10.1007/3-540-49430-8_2
    """
    return np.tanh(_x(x))


@_nan_passes_through
def _tanh_grad(x: object) -> np.ndarray:
    x = _x(x)
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / (1.0 + e) ** 2


@_nan_passes_through
def relu(x: object) -> np.ndarray:
    r"""Rectified linear unit.

    .. math::

        \mathrm{relu}(x) = \max(0, x), \qquad
        \mathrm{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``.

    Example:
        >>> relu(np.array([-1.5, 0.0, 2.0])).round(4)
        array([0., 0., 2.])

    References:
        V. Nair, G. E. Hinton (2010), "Rectified Linear Units Improve Restricted Boltzmann
        Machines", https://mlanthology.org/icml/2010/nair2010icml-rectified/; X. Glorot, A. Bordes,
        Y. Bengio (2011), "Deep Sparse Rectifier Neural Networks",
        https://proceedings.mlr.press/v15/glorot11a.html
    """
    return np.maximum(_x(x), 0.0)


@_nan_passes_through
def _relu_grad(x: object) -> np.ndarray:
    x = _x(x)
    return (x > 0).astype(x.dtype)


@_nan_passes_through
def leaky_relu(x: object, alpha: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU with a fixed negative slope :math:`\alpha > 0`.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    The default :math:`\alpha = 0.01` is the slope of Maas et al. (2013). Keras uses other
    defaults: ``keras.activations.leaky_relu(x, negative_slope=0.2)`` and
    ``keras.layers.LeakyReLU(negative_slope=0.3)``; pass ``alpha`` to match them.

    Args:
        x: array of any shape.
        alpha: negative slope, > 0 (for :math:`\alpha = 0` use :func:`relu`).

    Returns:
        Array of the shape of ``x``.

    Example:
        >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.1).round(4)
        array([-0.2,  3. ])

    References:
        A. L. Maas, A. Y. Hannun, A. Y. Ng (2013), "Rectifier Nonlinearities Improve Neural
        Network Acoustic Models",
        https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf
    """
    x = _x(x)
    alpha = check_positive(alpha, "alpha")
    return np.where(x > 0, x, alpha * x)


@_nan_passes_through
def _leaky_relu_grad(x: object, alpha: float = 0.01) -> np.ndarray:
    x = _x(x)
    alpha = check_positive(alpha, "alpha")
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


@_nan_passes_through
def elu(x: object, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit.

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}

    The exponential is evaluated at :math:`\min(x, 0)` only, so it cannot overflow.
    For :math:`\alpha = 1` the derivative is continuous; otherwise it jumps at 0.

    Args:
        x: array of any shape.
        alpha: saturation value of the negative side (the output tends to
            :math:`-\alpha`), > 0. Same default as ``keras.activations.elu``.

    Returns:
        Array of the shape of ``x``, values in :math:`(-\alpha, \infty)`.

    Example:
        >>> elu(np.array([-1.0, 0.0, 2.0])).round(4)
        array([-0.6321,  0.    ,  2.    ])

    References:
        D.-A. Clevert, T. Unterthiner, S. Hochreiter (2016), "Fast and Accurate Deep Network
        Learning by Exponential Linear Units (ELUs)", https://arxiv.org/abs/1511.07289
    """
    x = _x(x)
    alpha = check_positive(alpha, "alpha")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@_nan_passes_through
def _elu_grad(x: object, alpha: float = 1.0) -> np.ndarray:
    x = _x(x)
    alpha = check_positive(alpha, "alpha")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))).astype(x.dtype)


@_nan_passes_through
def selu(x: object) -> np.ndarray:
    r"""Scaled exponential linear unit.

    .. math::

        f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases},
        \qquad
        f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}

    with :math:`\alpha = \alpha_{01} \approx 1.6732632` and
    :math:`\lambda = \lambda_{01} \approx 1.0507010` (:data:`SELU_ALPHA`,
    :data:`SELU_SCALE`), evaluated from the closed forms in Klambauer et al. (2017). They
    make :math:`z \sim \mathcal{N}(0, 1)` a fixed point: :math:`\mathbb{E}[f(z)] = 0`,
    :math:`\mathbb{E}[f(z)^2] = 1`. Keras (``tf.nn.selu``) uses the same values; its
    docstring prints them rounded to 8 decimals.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`(-\lambda\alpha, \infty)`.

    Example:
        >>> selu(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-1.1113,  0.    ,  1.0507])

    References:
        G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter (2017), "Self-Normalizing
        Neural Networks", https://arxiv.org/abs/1706.02515
    """
    return SELU_SCALE * elu(x, SELU_ALPHA)


@_nan_passes_through
def _selu_grad(x: object) -> np.ndarray:
    # At the kink x = 0 TensorFlow returns the right derivative lambda (unlike for ELU).
    x = _x(x)
    left = SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(x, 0.0))
    return np.where(x >= 0, SELU_SCALE, left).astype(x.dtype)


@_nan_passes_through
def softplus(x: object) -> np.ndarray:
    r"""Softplus, a smooth ReLU.

    .. math::

        f(x) = \log(1 + e^{x}), \qquad f'(x) = \sigma(x)

    Computed as ``np.logaddexp(0, x)``, which never overflows.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`(0, \infty)`.

    Example:
        >>> softplus(np.array([-1.0, 0.0, 1.0])).round(4)
        array([0.3133, 0.6931, 1.3133])

    References:
        C. Dugas, Y. Bengio, F. Bélisle, C. Nadeau, R. Garcia (2001), "Incorporating
        Second-Order Functional Knowledge for Better Option Pricing", NeurIPS 13,
        https://cirano.qc.ca/en/summaries/2002s-46
    """
    x = _x(x)
    return np.logaddexp(np.zeros_like(x), x)


@_nan_passes_through
def swish(x: object) -> np.ndarray:
    r"""Swish / SiLU: the input times its sigmoid.

    .. math::

        f(x) = x\,\sigma(x), \qquad f'(x) = \sigma(x) + x\,\sigma'(x)

    Not monotonic: it dips to a minimum of :math:`-W(1/e) \approx -0.2785` at
    :math:`x \approx -1.2785`. ``silu`` is the same function (Keras calls it ``silu``).

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``.

    Example:
        >>> swish(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.2689,  0.    ,  0.7311])

    References:
        P. Ramachandran, B. Zoph, Q. V. Le (2017), "Searching for Activation Functions",
        https://arxiv.org/abs/1710.05941;
        S. Elfwing, E. Uchibe, K. Doya (2018), "Sigmoid-Weighted Linear Units for Neural
        Network Function Approximation in Reinforcement Learning",
        https://arxiv.org/abs/1702.03118
    """
    x = _x(x)
    return x * sigmoid(x)


silu = swish


@_nan_passes_through
def _swish_grad(x: object) -> np.ndarray:
    x = _x(x)
    return sigmoid(x) + x * _sigmoid_grad_stable(x)


@_nan_passes_through
def gelu(x: object) -> np.ndarray:
    r"""Gaussian error linear unit, exact form.

    .. math::

        f(x) = x\,\Phi(x) = \frac{x}{2}\,\mathrm{erfc}\!\left(-\frac{x}{\sqrt 2}\right),
        \qquad f'(x) = \Phi(x) + x\,\varphi(x),
        \quad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}

    :math:`\Phi` is ``scipy.special.ndtr`` (vectorised, through ``erfc`` in the left tail),
    which unlike :math:`(1 + \mathrm{erf})/2` stays accurate in the left tail. This is
    ``keras.activations.gelu`` with its default ``approximate=False``; for the tanh
    approximation see :func:`gelu_tanh`. Not monotonic (minimum :math:`\approx -0.1700`
    at :math:`x \approx -0.752`).

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``.

    Example:
        >>> gelu(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.1587,  0.    ,  0.8413])

    References:
        D. Hendrycks, K. Gimpel (2016), "Gaussian Error Linear Units (GELUs)",
        https://arxiv.org/abs/1606.08415
    """
    x = _x(x)
    return x * _std_normal_cdf(x)


@_nan_passes_through
def _gelu_grad(x: object) -> np.ndarray:
    x = _x(x)
    return _std_normal_cdf(x) + x * _std_normal_pdf(x)


def _gelu_tanh_inner(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # z = 2u with u = sqrt(2/pi)(x + 0.044715 x^3), and dz/dx. For |x| > 100 the sigmoid of z
    # is exactly 0 or 1 in float64, so clipping x there changes nothing and keeps x^3 finite.
    c = np.clip(x, -100.0, 100.0)
    z = 2.0 * _GELU_C * (c + _GELU_K * c**3)
    dz = 2.0 * _GELU_C * (1.0 + 3.0 * _GELU_K * c**2)
    return z, dz


@_nan_passes_through
def gelu_tanh(x: object) -> np.ndarray:
    r"""GELU, tanh approximation.

    .. math::

        f(x) = \frac{x}{2}\left(1 + \tanh u\right) = x\,\sigma(2u), \quad
        u = \sqrt{2/\pi}\,\left(x + 0.044715\,x^3\right), \qquad
        f'(x) = \sigma(2u) + x\,\sigma'(2u)\, 2u'(x)

    The identity :math:`(1 + \tanh u)/2 = \sigma(2u)` avoids cancellation for negative
    :math:`x`. This is ``keras.activations.gelu(x, approximate=True)`` and the default of
    ``keras.ops.gelu``.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``.

    Example:
        >>> gelu_tanh(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.1588,  0.    ,  0.8412])

    References:
        D. Hendrycks, K. Gimpel (2016), "Gaussian Error Linear Units (GELUs)",
        https://arxiv.org/abs/1606.08415
    """
    x = _x(x)
    z, _ = _gelu_tanh_inner(x)
    return x * sigmoid(z)


@_nan_passes_through
def _gelu_tanh_grad(x: object) -> np.ndarray:
    x = _x(x)
    z, dz = _gelu_tanh_inner(x)
    return sigmoid(z) + x * _sigmoid_grad_stable(z) * dz


@_nan_passes_through
def hard_sigmoid(x: object) -> np.ndarray:
    r"""Hard sigmoid, the Keras 3 / MobileNetV3 definition (slope 1/6).

    .. math::

        f(x) = \min\!\left(\max\!\left(\frac{x + 3}{6}, 0\right), 1\right)
        = \frac{\mathrm{relu6}(x + 3)}{6}, \qquad
        f'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}

    Keras 2 (and some texts) used :math:`\mathrm{clip}(0.2x + 0.5, 0, 1)` instead; dlcore
    follows current Keras.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`[0, 1]`.

    Example:
        >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5])).round(4)
        array([0.  , 0.5 , 0.75])

    References:
        A. Howard et al. (2019), "Searching for MobileNetV3", https://arxiv.org/abs/1905.02244
    """
    x = _x(x)
    return np.clip((x + 3.0) / 6.0, 0.0, 1.0)


@_nan_passes_through
def _hard_sigmoid_grad(x: object) -> np.ndarray:
    x = _x(x)
    return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0).astype(x.dtype)


@_nan_passes_through
def linear(x: object) -> np.ndarray:
    r"""Identity (no activation).

    .. math::

        f(x) = x, \qquad f'(x) = 1

    Args:
        x: array of any shape.

    Returns:
        A copy of ``x`` as a float array.

    Example:
        >>> linear(np.array([-1.0, 2.0])).round(4)
        array([-1.,  2.])

    References:
        Stacked linear layers collapse to one linear map; see e.g. I. Goodfellow,
        Y. Bengio, A. Courville (2016), "Deep Learning", ch. 6,
        https://www.deeplearningbook.org/contents/mlp.html
    """
    return _x(x).copy()


@_nan_passes_through
def _linear_grad(x: object) -> np.ndarray:
    return np.ones_like(_x(x))


@_nan_passes_through
def step(x: object) -> np.ndarray:
    r"""Heaviside step, the threshold unit of the perceptron (for the history).

    .. math::

        f(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}, \qquad f'(x) = 0
        \ (x \ne 0)

    The derivative is zero wherever it exists, which is why gradient descent cannot train
    a network of step units. dlcore returns 0 at :math:`x = 0` as well.

    Args:
        x: array of any shape.

    Returns:
        Array of the shape of ``x``, values in :math:`\{0, 1\}`.

    Example:
        >>> step(np.array([-1.0, 0.0, 2.0])).round(4)
        array([0., 0., 1.])

    References:
        F. Rosenblatt (1958), "The Perceptron: A Probabilistic Model for Information Storage
        and Organization in the Brain", https://doi.org/10.1037/h0042519
    """
    x = _x(x)
    return (x > 0).astype(x.dtype)


@_nan_passes_through
def _zero_grad(x: object) -> np.ndarray:
    return np.zeros_like(_x(x))


# --- the registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    r"""An elementwise activation: value, derivative and descriptive properties.

    Made by :func:`get`. The properties are statements that the tests check numerically.

    Attributes:
        name: the registry name, e.g. ``"relu"``.
        fn: :math:`x \mapsto f(x)`, elementwise, any shape.
        grad: :math:`x \mapsto f'(x)`, elementwise, any shape.
        output_range: the set of values, e.g. ``"(0, 1)"``; a bracket is closed where the
            value is attained; numeric bounds that are not round numbers are rounded
            outward to 4 decimals.
        zero_centered: :math:`f(0) = 0` and :math:`f` takes both signs, so outputs can
            average to zero.
        saturation: where :math:`f'(x) \to 0`: ``"none"``, ``"one-sided"`` (as
            :math:`x \to -\infty`) or ``"two-sided"``.
        monotonic: :math:`f` is non-decreasing.
        smooth: :math:`f` is continuously differentiable (no kink, no jump).
        dead_region: :math:`f'(x) = 0` exactly on a whole interval, so a unit stuck there
            receives no gradient.
        params: the parameters bound into ``fn`` and ``grad`` (e.g. ``{"alpha": 0.01}``).

    Example:
        >>> act = get("tanh")
        >>> act.fn(np.array([0.0])), act.grad(np.array([0.0])), act.zero_centered
        (array([0.]), array([1.]), True)
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    output_range: str
    zero_centered: bool
    saturation: str
    monotonic: bool
    smooth: bool
    dead_region: bool
    params: dict = field(default_factory=dict)


def _fmt(v: float) -> str:
    s = f"{v:g}"
    return s if float(s) == v else repr(v)


# name -> (fn, grad, parameter defaults, properties(params) -> dict)
_Props = Callable[[dict], dict]


def _props(rng: str, zc: bool, sat: str, mono: bool, smooth: bool, dead: bool) -> _Props:
    values = {
        "output_range": rng,
        "zero_centered": zc,
        "saturation": sat,
        "monotonic": mono,
        "smooth": smooth,
        "dead_region": dead,
    }
    return lambda _params: values


def _elu_props(params: dict) -> dict:
    alpha = params["alpha"]
    return {
        "output_range": f"({_fmt(-alpha)}, inf)",
        "zero_centered": True,
        "saturation": "one-sided",
        "monotonic": True,
        "smooth": alpha == 1.0,
        "dead_region": False,
    }


_SELU_LOW = math.floor(-SELU_SCALE * SELU_ALPHA * 1e4) / 1e4  # -1.7581, rounded outward

_REGISTRY: dict[str, tuple[Callable, Callable, dict, _Props]] = {
    "sigmoid": (
        sigmoid,
        _sigmoid_grad,
        {},
        _props("(0, 1)", False, "two-sided", True, True, False),
    ),
    "tanh": (tanh, _tanh_grad, {}, _props("(-1, 1)", True, "two-sided", True, True, False)),
    "relu": (relu, _relu_grad, {}, _props("[0, inf)", False, "one-sided", True, False, True)),
    "leaky_relu": (
        leaky_relu,
        _leaky_relu_grad,
        {"alpha": 0.01},
        _props("(-inf, inf)", True, "none", True, False, False),
    ),
    "elu": (elu, _elu_grad, {"alpha": 1.0}, _elu_props),
    "selu": (
        selu,
        _selu_grad,
        {},
        _props(f"({_SELU_LOW:.4f}, inf)", True, "one-sided", True, False, False),
    ),
    "softplus": (
        softplus,
        sigmoid,
        {},
        _props("(0, inf)", False, "one-sided", True, True, False),
    ),
    "swish": (
        swish,
        _swish_grad,
        {},
        _props("[-0.2785, inf)", True, "one-sided", False, True, False),
    ),
    "silu": (
        silu,
        _swish_grad,
        {},
        _props("[-0.2785, inf)", True, "one-sided", False, True, False),
    ),
    "gelu": (
        gelu,
        _gelu_grad,
        {},
        _props("[-0.1700, inf)", True, "one-sided", False, True, False),
    ),
    "gelu_tanh": (
        gelu_tanh,
        _gelu_tanh_grad,
        {},
        _props("[-0.1701, inf)", True, "one-sided", False, True, False),
    ),
    "hard_sigmoid": (
        hard_sigmoid,
        _hard_sigmoid_grad,
        {},
        _props("[0, 1]", False, "two-sided", True, False, True),
    ),
    "linear": (linear, _linear_grad, {}, _props("(-inf, inf)", True, "none", True, True, False)),
    "step": (step, _zero_grad, {}, _props("{0, 1}", False, "two-sided", True, False, True)),
}


def names() -> list[str]:
    """Names of the elementwise activations that :func:`get` accepts.

    Returns:
        List of lower-case names, in the order of the course's property table.

    Example:
        >>> names()[:3]
        ['sigmoid', 'tanh', 'relu']
    """
    return list(_REGISTRY)


def get(name: str | Activation, **params: float) -> Activation:
    r"""Look up an elementwise activation by name.

    Args:
        name: one of :func:`names` (``"relu"``, ``"gelu"``, ...); an :class:`Activation`
            is returned unchanged.
        **params: parameters of the activation: ``alpha`` for ``"leaky_relu"`` (default
            0.01) and ``"elu"`` (default 1.0); the others take none.

    Returns:
        An :class:`Activation` with ``fn``, ``grad`` and its properties.

    Raises:
        ValueError: unknown name (the message lists the valid ones) or a bad parameter value.
        TypeError: a parameter the activation does not take.

    Example:
        >>> get("LeakyReLU", alpha=0.2).grad(np.array([-1.0, 1.0]))
        array([0.2, 1. ])
        >>> get("relu").dead_region, get("gelu").output_range
        (True, '[-0.1700, inf)')
    """
    if isinstance(name, Activation):
        no_params_with_instance("activation", params)
        return name
    name = lookup(name, "activation", _REGISTRY)
    fn, grad, defaults, props = _REGISTRY[name]
    bound = bind_params("activation", name, defaults, params)
    for key, value in bound.items():
        bound[key] = check_positive(value, key)
    if bound:
        fn, grad = partial(fn, **bound), partial(grad, **bound)
    return Activation(name=name, fn=fn, grad=grad, params=bound, **props(bound))
