r"""Weight initializers, with Keras' names, arguments and conventions.

Every initializer is a function ``(shape, rng) -> np.ndarray`` (float64); the random ones
draw from the ``numpy.random.Generator`` they are given and from nothing else.
:func:`get` looks one up by its Keras name and binds parameters.

Conventions (all follow Keras; each is pinned by a test):

- **Fans** (:func:`compute_fans`): a dense kernel (fan_in, fan_out); a convolution kernel
  (..., in_channels, out_channels) multiplies both by the receptive-field size.
- **Truncated normal** re-draws values more than two standard deviations from the mean.
  Truncation shrinks the standard deviation by the factor
  :data:`TRUNCATED_NORMAL_STD` :math:`\approx 0.8796`; :func:`variance_scaling` (and so
  Glorot/He/LeCun normal) divides by it so that the *final* standard deviation is the
  target :math:`\sqrt{\text{scale}/n}`, while :func:`truncated_normal` uses ``stddev``
  as given (before truncation), as ``keras.initializers.TruncatedNormal`` does.
- **He normal** is Keras': a truncated normal with standard deviation
  :math:`\sqrt{2/\text{fan\_in}}` after truncation. He et al. (2015) used an untruncated
  normal and noted that :math:`\sqrt{2/\text{fan\_out}}` works as well; that is
  ``variance_scaling(shape, rng, scale=2.0, mode="fan_in" or "fan_out",
  distribution="untruncated_normal")``. Glorot normal and LeCun normal are likewise
  truncated, as in Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from dlcore._validation import (
    bind_params,
    check_choice,
    check_positive,
    check_real,
    check_rng,
    lookup,
    no_params_with_instance,
)

__all__ = [
    "TRUNCATED_NORMAL_STD",
    "compute_fans",
    "constant",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "names",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]

#: Standard deviation of a standard normal truncated to :math:`[-2, 2]`,
#: :math:`\sqrt{1 - 4\varphi(2)/\operatorname{erf}(\sqrt 2)}` = 0.87962566103423978...
#: (the constant Keras writes out).
TRUNCATED_NORMAL_STD: float = math.sqrt(
    1.0 - 4.0 * math.exp(-2.0) / math.sqrt(2.0 * math.pi) / math.erf(math.sqrt(2.0))
)

Initializer = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]


# --- helpers ---------------------------------------------------------------------------


def _shape(shape: object) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    ok = isinstance(shape, Sequence) and not isinstance(shape, str)
    ok = ok and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape)
    if not ok or any(d < 1 for d in shape):
        raise ValueError(f"shape must be a tuple of positive integers, got {shape!r}")
    return tuple(int(d) for d in shape)


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    r"""Number of inputs and outputs of a unit, from a weight shape (Keras' rule).

    .. math::

        (\text{fan\_in}, \text{fan\_out}) = \begin{cases}
        (1, 1) & \text{shape} = () \\
        (n, n) & \text{shape} = (n,) \\
        (n_\text{in}, n_\text{out}) & \text{shape} = (n_\text{in}, n_\text{out}) \\
        (r\,c_\text{in}, r\,c_\text{out}) & \text{shape} = (k_1, \dots, k_m, c_\text{in},
        c_\text{out}),\ r = \textstyle\prod_i k_i
        \end{cases}

    Args:
        shape: weight shape, a tuple of positive integers (an int means ``(n,)``).

    Returns:
        ``(fan_in, fan_out)``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks".
    """
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_standard_normal(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Standard normal samples, each outside [-2, 2] re-drawn until it falls inside."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return z


def _check_normal(mean: float, stddev: float) -> tuple[float, float]:
    return check_real(mean, "mean"), check_positive(stddev, "stddev")


def _check_uniform(minval: float, maxval: float) -> tuple[float, float]:
    minval, maxval = check_real(minval, "minval"), check_real(maxval, "maxval")
    if not maxval > minval:
        raise ValueError(f"maxval must be > minval ({minval}), got {maxval}")
    return minval, maxval


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def _check_variance_scaling(scale: float, mode: str, distribution: str) -> tuple:
    return (
        check_positive(scale, "scale"),
        check_choice(mode, "mode", _MODES),
        check_choice(distribution, "distribution", _DISTRIBUTIONS),
    )


# --- constant initializers ------------------------------------------------------------


def constant(
    shape: Sequence[int], rng: np.random.Generator | None = None, value: float = 0.0
) -> np.ndarray:
    r"""Every weight equal to ``value``: :math:`W_{ij} = c`.

    With equal weights every unit of a layer computes the same function and receives the
    same gradient, so the units stay identical forever: the symmetry that random
    initialization exists to break.

    Args:
        shape: weight shape.
        rng: unused (accepted so that every initializer has the signature
            ``(shape, rng)``); checked if given.
        value: the constant, finite.

    Returns:
        float64 array of ``shape``.

    References:
        D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986), "Learning Representations by
        Back-Propagating Errors" (on the need to break symmetry).
    """
    shape = _shape(shape)
    if rng is not None:
        check_rng(rng)
    return np.full(shape, check_real(value, "value"), dtype=np.float64)


def zeros(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """All zeros; see :func:`constant`. The usual choice for biases.

    Args:
        shape: weight shape.
        rng: unused; checked if given.

    Returns:
        float64 array of ``shape``.
    """
    return constant(shape, rng, 0.0)


def ones(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """All ones; see :func:`constant`. The usual choice for normalization scales.

    Args:
        shape: weight shape.
        rng: unused; checked if given.

    Returns:
        float64 array of ``shape``.
    """
    return constant(shape, rng, 1.0)


# --- fixed-scale random initializers -------------------------------------------------------


def random_normal(
    shape: Sequence[int], rng: np.random.Generator, mean: float = 0.0, stddev: float = 0.05
) -> np.ndarray:
    r"""Normal samples with a fixed scale: :math:`W_{ij} \sim \mathcal{N}(\mu, \sigma^2)`.

    Defaults as ``keras.initializers.RandomNormal``.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.
        mean: :math:`\mu`.
        stddev: :math:`\sigma`, > 0.

    Returns:
        float64 array of ``shape``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks" (why a fixed scale fails in deep networks).
    """
    shape, rng = _shape(shape), check_rng(rng)
    mean, stddev = _check_normal(mean, stddev)
    return mean + stddev * rng.standard_normal(shape)


def random_uniform(
    shape: Sequence[int],
    rng: np.random.Generator,
    minval: float = -0.05,
    maxval: float = 0.05,
) -> np.ndarray:
    r"""Uniform samples with a fixed range: :math:`W_{ij} \sim U(a, b)`.

    Standard deviation :math:`(b - a)/\sqrt{12}`. Defaults as
    ``keras.initializers.RandomUniform``.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.
        minval: :math:`a`.
        maxval: :math:`b > a`.

    Returns:
        float64 array of ``shape``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks".
    """
    shape, rng = _shape(shape), check_rng(rng)
    minval, maxval = _check_uniform(minval, maxval)
    return rng.uniform(minval, maxval, size=shape)


def truncated_normal(
    shape: Sequence[int], rng: np.random.Generator, mean: float = 0.0, stddev: float = 0.05
) -> np.ndarray:
    r"""Normal samples re-drawn when more than two standard deviations from the mean.

    .. math::

        W_{ij} \sim \mathcal{N}(\mu, \sigma^2) \ \text{conditioned on}\
        |W_{ij} - \mu| \le 2\sigma

    ``stddev`` is :math:`\sigma` *before* truncation (Keras' ``TruncatedNormal``); the
    samples' standard deviation is :math:`0.8796\,\sigma` (:data:`TRUNCATED_NORMAL_STD`).

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.
        mean: :math:`\mu`.
        stddev: :math:`\sigma`, > 0.

    Returns:
        float64 array of ``shape``, inside :math:`[\mu - 2\sigma, \mu + 2\sigma]`.

    References:
        As in ``keras.initializers.TruncatedNormal`` / ``tf.random.truncated_normal``.
    """
    shape, rng = _shape(shape), check_rng(rng)
    mean, stddev = _check_normal(mean, stddev)
    return mean + stddev * _truncated_standard_normal(shape, rng)


# --- variance scaling and its named cases ---------------------------------------------------


def variance_scaling(
    shape: Sequence[int],
    rng: np.random.Generator,
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
) -> np.ndarray:
    r"""Variance scaling: weights with variance ``scale / n``, n set by ``mode``.

    .. math::

        \operatorname{Var}[W_{ij}] = \frac{\text{scale}}{n}, \qquad
        n = \begin{cases} \text{fan\_in} & \text{mode = fan\_in} \\
        \text{fan\_out} & \text{mode = fan\_out} \\
        (\text{fan\_in} + \text{fan\_out})/2 & \text{mode = fan\_avg}\end{cases}

    (:math:`n` is floored at 1, as in Keras.) Distributions:

    - ``"truncated_normal"``: a normal with :math:`\sigma = \sqrt{\text{scale}/n}\,/\,0.8796`
      truncated at :math:`\pm 2\sigma`, so that the final standard deviation is
      :math:`\sqrt{\text{scale}/n}`;
    - ``"untruncated_normal"``: :math:`\mathcal{N}(0, \text{scale}/n)`;
    - ``"uniform"``: :math:`U(-L, L)` with :math:`L = \sqrt{3\,\text{scale}/n}`.

    Glorot, He and LeCun initialization are the cases (scale, mode) = (1, fan_avg),
    (2, fan_in) and (1, fan_in).

    Args:
        shape: weight shape, e.g. (fan_in, fan_out) or a convolution kernel
            (k_h, k_w, c_in, c_out); see :func:`compute_fans`.
        rng: ``numpy.random.Generator``.
        scale: > 0.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"``, ``"untruncated_normal"`` or ``"uniform"``.

    Returns:
        float64 array of ``shape``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks"; K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep
        into Rectifiers".
    """
    shape, rng = _shape(shape), check_rng(rng)
    scale, mode, distribution = _check_variance_scaling(scale, mode, distribution)
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    variance = scale / max(1.0, n)
    if distribution == "truncated_normal":
        sigma = math.sqrt(variance) / TRUNCATED_NORMAL_STD
        return sigma * _truncated_standard_normal(shape, rng)
    if distribution == "untruncated_normal":
        return math.sqrt(variance) * rng.standard_normal(shape)
    limit = math.sqrt(3.0 * variance)
    return rng.uniform(-limit, limit, size=shape)


def glorot_normal(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""Glorot (Xavier) normal: truncated normal, std :math:`\sqrt{2/(\text{fan\_in} +
    \text{fan\_out})}` after truncation (Keras' convention; the paper's scheme is the
    uniform one, :func:`glorot_uniform`).

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks".
    """
    return variance_scaling(shape, rng, 1.0, "fan_avg", "truncated_normal")


def glorot_uniform(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""Glorot (Xavier) uniform, the paper's "normalized initialization":
    :math:`U(-L, L)`, :math:`L = \sqrt{6/(\text{fan\_in} + \text{fan\_out})}`.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        X. Glorot, Y. Bengio (2010), "Understanding the Difficulty of Training Deep
        Feedforward Neural Networks".
    """
    return variance_scaling(shape, rng, 1.0, "fan_avg", "uniform")


def he_normal(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""He (Kaiming) normal, Keras' convention: truncated normal, std
    :math:`\sqrt{2/\text{fan\_in}}` after truncation.

    He et al. (2015) draw from an untruncated :math:`\mathcal{N}(0, 2/\text{fan\_in})`
    (or with fan_out); for that use
    ``variance_scaling(shape, rng, 2.0, "fan_in", "untruncated_normal")``.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep into Rectifiers: Surpassing
        Human-Level Performance on ImageNet Classification".
    """
    return variance_scaling(shape, rng, 2.0, "fan_in", "truncated_normal")


def he_uniform(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""He (Kaiming) uniform: :math:`U(-L, L)`, :math:`L = \sqrt{6/\text{fan\_in}}`
    (variance :math:`2/\text{fan\_in}`).

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep into Rectifiers".
    """
    return variance_scaling(shape, rng, 2.0, "fan_in", "uniform")


def lecun_normal(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""LeCun normal: truncated normal, std :math:`\sqrt{1/\text{fan\_in}}` after truncation
    (Keras' convention); the initializer SELU networks assume.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp";
        G. Klambauer et al. (2017), "Self-Normalizing Neural Networks".
    """
    return variance_scaling(shape, rng, 1.0, "fan_in", "truncated_normal")


def lecun_uniform(shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    r"""LeCun uniform: :math:`U(-L, L)`, :math:`L = \sqrt{3/\text{fan\_in}}`.

    Args:
        shape: weight shape.
        rng: ``numpy.random.Generator``.

    Returns:
        float64 array of ``shape``.

    References:
        Y. LeCun, L. Bottou, G. B. Orr, K.-R. Müller (1998), "Efficient BackProp".
    """
    return variance_scaling(shape, rng, 1.0, "fan_in", "uniform")


def orthogonal(shape: Sequence[int], rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    r"""A random orthogonal matrix times ``gain``.

    The shape is flattened to a matrix of :math:`r = \prod(\text{shape}[:-1])` rows and
    :math:`c = \text{shape}[-1]` columns. With :math:`A` an :math:`\max(r,c) \times
    \min(r,c)` standard normal matrix and :math:`A = QR` its QR decomposition,

    .. math::

        W = g\, Q \operatorname{diag}(\operatorname{sign} R_{ii})

    (transposed when :math:`r < c`). Fixing the signs makes :math:`Q` uniformly (Haar)
    distributed. Then :math:`W^\top W = g^2 I` if :math:`r \ge c` (orthonormal columns),
    else :math:`W W^\top = g^2 I` (orthonormal rows). Same recipe as
    ``keras.initializers.Orthogonal``.

    Args:
        shape: weight shape with at least 2 dimensions.
        rng: ``numpy.random.Generator``.
        gain: multiplicative factor :math:`g`, finite.

    Returns:
        float64 array of ``shape``.

    References:
        A. M. Saxe, J. L. McClelland, S. Ganguli (2014), "Exact Solutions to the Nonlinear
        Dynamics of Learning in Deep Linear Neural Networks"; F. Mezzadri (2007), "How to
        Generate Random Matrices from the Classical Compact Groups".
    """
    shape, rng = _shape(shape), check_rng(rng)
    gain = check_real(gain, "gain")
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions for orthogonal, got {shape}")
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return gain * q.reshape(shape)


# --- lookup --------------------------------------------------------------------------------

# name -> (function, parameter defaults, parameter check)
_REGISTRY: dict[str, tuple[Callable, dict, Callable[..., object] | None]] = {
    "zeros": (zeros, {}, None),
    "ones": (ones, {}, None),
    "constant": (constant, {"value": 0.0}, lambda value: check_real(value, "value")),
    "random_normal": (random_normal, {"mean": 0.0, "stddev": 0.05}, _check_normal),
    "random_uniform": (random_uniform, {"minval": -0.05, "maxval": 0.05}, _check_uniform),
    "truncated_normal": (truncated_normal, {"mean": 0.0, "stddev": 0.05}, _check_normal),
    "glorot_normal": (glorot_normal, {}, None),
    "glorot_uniform": (glorot_uniform, {}, None),
    "he_normal": (he_normal, {}, None),
    "he_uniform": (he_uniform, {}, None),
    "lecun_normal": (lecun_normal, {}, None),
    "lecun_uniform": (lecun_uniform, {}, None),
    "orthogonal": (orthogonal, {"gain": 1.0}, lambda gain: check_real(gain, "gain")),
    "variance_scaling": (
        variance_scaling,
        {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
        _check_variance_scaling,
    ),
}


def names() -> list[str]:
    """Names that :func:`get` accepts (the snake-case names of ``keras.initializers``).

    Returns:
        List of names.
    """
    return list(_REGISTRY)


def get(name: str, **params: object) -> Initializer:
    """Look up an initializer by its Keras name and bind its parameters.

    Args:
        name: one of :func:`names`, e.g. ``"he_normal"``, ``"glorot_uniform"``.
        **params: that initializer's parameters, with Keras' names: ``value``
            (constant), ``mean``/``stddev`` (random_normal, truncated_normal),
            ``minval``/``maxval`` (random_uniform), ``gain`` (orthogonal),
            ``scale``/``mode``/``distribution`` (variance_scaling). Checked here.

    Returns:
        A callable ``(shape, rng) -> np.ndarray``.

    Raises:
        ValueError: unknown name (the message lists the valid ones) or a bad parameter value.
        TypeError: a parameter the initializer does not take.

    Example:
        ``get("variance_scaling", scale=2.0, mode="fan_out")((256, 128), rng)``.
    """
    if callable(name):
        no_params_with_instance("initializer", params)
        return name
    name = lookup(name, "initializer", _REGISTRY)
    fn, defaults, check = _REGISTRY[name]
    bound = bind_params("initializer", name, defaults, params)
    if check is not None:
        check(**bound)
    return partial(fn, **bound) if bound else fn
