r"""Layer-like operations, each a forward and a manual backward pass.

Every operation here follows one convention: ``forward(...)`` returns ``(out, cache)``
and ``backward(dout, cache)`` returns the gradients with respect to the forward's
array arguments, in order. The module holds the operations that are more than an
elementwise function of one number: the dense layer, the activations with learned
parameters (PReLU, maxout), the one with random state (RReLU) and softmax, which
couples the entries of a row. Parameter-free elementwise functions live in
:mod:`dlcore.activations`.

Weights follow Keras' layout: ``W`` has shape ``(D_in, D_out)`` (Keras calls it the
*kernel*), so a batch of row vectors is mapped by ``x @ W + b`` and a dlcore weight
matrix can be copied into ``keras.layers.Dense`` unchanged.
"""

from __future__ import annotations

import numpy as np

from dlcore._validation import (
    as_float_array,
    check_bool,
    check_positive,
    check_real,
    check_rng,
    check_shape,
)

__all__ = [
    "RRELU_LOWER",
    "RRELU_UPPER",
    "dense_backward",
    "dense_forward",
    "maxout_backward",
    "maxout_forward",
    "prelu_backward",
    "prelu_forward",
    "rrelu_backward",
    "rrelu_forward",
    "rrelu_inference_slope",
    "softmax_backward",
    "softmax_forward",
]


def dense_forward(x: object, W: object, b: object) -> tuple[np.ndarray, tuple]:
    r"""Affine map of a batch: :math:`\mathrm{out} = x W + b`.

    .. math::

        \mathrm{out}_{nj} = \sum_{i=1}^{D_\mathrm{in}} x_{ni} W_{ij} + b_j .

    Args:
        x: input batch of shape (N, D_in), one example per row.
        W: weight matrix of shape (D_in, D_out) (Keras' kernel layout).
        b: bias vector of shape (D_out,).

    Returns:
        ``(out, cache)``: the layer output of shape (N, D_out), and ``(x, W)``, what
        :func:`dense_backward` needs.

    Raises:
        ValueError: shapes that do not fit (the message names the parameter).

    Example:
        >>> out, cache = dense_forward(np.array([[1.0, 2.0]]), np.eye(2), np.array([0.5, 0.0]))
        >>> out
        array([[1.5, 2. ]])

    References:
        F. Rosenblatt (1958), "The Perceptron: A Probabilistic Model for Information
        Storage and Organization in the Brain", https://doi.org/10.1037/h0042519
    """
    x = as_float_array(x, "x", ndim=2)
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    check_shape(W, (x.shape[1], None), "W")
    check_shape(b, (W.shape[1],), "b")
    return _dense_forward(x, W, b)


def dense_backward(dout: object, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`dense_forward`.

    Given :math:`\delta = \partial L / \partial\,\mathrm{out}` (shape ``(N, D_out)``), the
    chain rule gives

    .. math::

        \frac{\partial L}{\partial x} = \delta W^\top, \qquad
        \frac{\partial L}{\partial W} = x^\top \delta, \qquad
        \frac{\partial L}{\partial b} = \sum_{n=1}^{N} \delta_{n\cdot}.

    Args:
        dout: upstream gradient of shape (N, D_out).
        cache: the cache returned by :func:`dense_forward`.

    Returns:
        ``(dx, dW, db)`` of shapes (N, D_in), (D_in, D_out) and (D_out,).

    Raises:
        TypeError: ``cache`` is not what :func:`dense_forward` returned.
        ValueError: ``dout`` has the wrong shape.

    Example:
        >>> _, cache = dense_forward(np.array([[1.0, 2.0]]), np.eye(2), np.zeros(2))
        >>> dx, dW, db = dense_backward(np.array([[1.0, 0.0]]), cache)
        >>> dx, dW, db
        (array([[1., 0.]]), array([[1., 0.],
               [2., 0.]]), array([1., 0.]))

    References:
        D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986), "Learning representations
        by back-propagating errors", https://doi.org/10.1038/323533a0
    """
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise TypeError("cache must be the (x, W) tuple returned by dense_forward")
    x, W = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, (x.shape[0], W.shape[1]), "dout")
    return _dense_backward(dout, cache)


# Unchecked cores, shared with the MLP of dlcore.nn (its inputs are checked once, up front).


def _dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    return x @ W + b, (x, W)


def _dense_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def _cache_pair(cache: object, forward: str) -> tuple:
    """Unpack a two-element cache, with a clear error for anything else."""
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise TypeError(f"cache must be the cache returned by {forward}")
    return cache


# --- PReLU -----------------------------------------------------------------------------


def _prelu_args(x: object, alpha: object) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x")
    alpha = as_float_array(alpha, "alpha", ndim=(0, 1))
    if alpha.ndim == 1:
        if x.ndim == 0 or alpha.shape[0] != x.shape[-1]:
            raise ValueError(
                "alpha must be a scalar or have shape (D,) with D = x.shape[-1] "
                f"(one slope per feature), got alpha {alpha.shape} for x {x.shape}"
            )
    if not np.all(np.isfinite(alpha)):
        raise ValueError("alpha must be finite")
    return x, alpha


def prelu_forward(x: object, alpha: object) -> tuple[np.ndarray, tuple]:
    r"""Parametric ReLU: a leaky ReLU whose negative slope is learned, one per feature.

    .. math::

        y_{nd} = \begin{cases} x_{nd} & x_{nd} > 0 \\ \alpha_d\, x_{nd} & x_{nd} \le 0
        \end{cases}

    He et al. (2015) initialise :math:`\alpha = 0.25`; ``keras.layers.PReLU`` initialises
    it to 0 (its ``alpha_initializer="Zeros"``). The forward pass matches
    ``keras.layers.PReLU`` with per-feature slopes.

    Args:
        x: array of shape (..., D), e.g. (N, D).
        alpha: slopes, shape (D,) (one per feature) or a scalar (shared).

    Returns:
        ``(out, cache)``: ``out`` of the shape of ``x``; ``cache = (x, alpha)`` for
        :func:`prelu_backward`.

    Example:
        >>> out, cache = prelu_forward(np.array([[-2.0, 3.0]]), np.array([0.25, 0.25]))
        >>> out
        array([[-0.5,  3. ]])

    References:
        K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep into Rectifiers: Surpassing
        Human-Level Performance on ImageNet Classification", https://arxiv.org/abs/1502.01852
    """
    x, alpha = _prelu_args(x, alpha)
    return np.where(x > 0, x, alpha * x), (x, alpha)


def prelu_backward(dout: object, cache: tuple) -> tuple[np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`prelu_forward`: gradients w.r.t. the input and the slopes.

    .. math::

        \frac{\partial L}{\partial x_{nd}} = g_{nd} \begin{cases} 1 & x_{nd} > 0 \\
        \alpha_d & x_{nd} \le 0 \end{cases}, \qquad
        \frac{\partial L}{\partial \alpha_d} = \sum_{n} g_{nd}\, x_{nd}\,
        [x_{nd} \le 0]

    where :math:`g = \partial L / \partial y` and the sum runs over every axis but the
    last (over all entries when ``alpha`` is a scalar).

    Args:
        dout: upstream gradient, shape of ``x``.
        cache: ``(x, alpha)`` from :func:`prelu_forward`.

    Returns:
        ``(dx, dalpha)`` with the shapes of ``x`` and ``alpha``.

    Example:
        >>> _, cache = prelu_forward(np.array([[-2.0, 3.0]]), np.array([0.25, 0.25]))
        >>> dx, dalpha = prelu_backward(np.ones((1, 2)), cache)
        >>> dx, dalpha
        (array([[0.25, 1.  ]]), array([-2.,  0.]))

    References:
        K. He, X. Zhang, S. Ren, J. Sun (2015), "Delving Deep into Rectifiers",
        https://arxiv.org/abs/1502.01852
    """
    x, alpha = _cache_pair(cache, "prelu_forward")
    dout = as_float_array(dout, "dout")
    check_shape(dout, x.shape, "dout")
    neg = x <= 0
    dx = np.where(neg, alpha * dout, dout)
    contrib = np.where(neg, dout * x, 0.0)
    if alpha.ndim == 0:
        dalpha = np.asarray(np.sum(contrib))
    else:
        dalpha = contrib.reshape(-1, alpha.shape[0]).sum(axis=0)
    return dx, dalpha


# --- RReLU -----------------------------------------------------------------------------


RRELU_LOWER = 1.0 / 8.0
RRELU_UPPER = 1.0 / 3.0


def rrelu_inference_slope(lower: float = RRELU_LOWER, upper: float = RRELU_UPPER) -> float:
    """The slope RReLU uses when ``training=False``: ``(lower + upper) / 2``.

    Example:
        >>> round(rrelu_inference_slope(), 4)  # 11/48
        0.2292
    """
    lower, upper = _rrelu_bounds(lower, upper)
    return 0.5 * (lower + upper)


def _rrelu_bounds(lower: object, upper: object) -> tuple[float, float]:
    lower = check_positive(lower, "lower", allow_zero=True)
    upper = check_real(upper, "upper")
    if upper < lower:
        raise ValueError(f"upper must be >= lower ({lower}), got {upper}")
    return lower, upper


def rrelu_forward(
    x: object,
    *,
    training: bool,
    lower: float = RRELU_LOWER,
    upper: float = RRELU_UPPER,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Randomized leaky ReLU: random negative slopes while training, their mean at test.

    Training: each entry gets its own slope :math:`a \sim U(\text{lower}, \text{upper})`,
    drawn afresh on every forward pass; inference: the mean slope
    :math:`\bar a = (\text{lower} + \text{upper})/2`.

    .. math::

        y = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}

    **Parametrisation vs the paper.** Xu et al. (2015) write :math:`y = x / a'` with
    :math:`a' \sim U(l, u)`, :math:`l = 3`, :math:`u = 8`, and at test time divide by the
    mean :math:`(l + u)/2 = 5.5`, i.e. a test slope :math:`1/5.5 = 2/(l+u) \approx 0.1818`.
    dlcore (like PyTorch) draws the *slope* itself uniformly; the defaults
    :math:`[1/8, 1/3] = [1/u, 1/l]` cover the same range of slopes, but the distribution
    differs and the test slope is the arithmetic mean
    :math:`(1/8 + 1/3)/2 = 11/48 \approx 0.2292`, not 1/5.5. The paper's 1/5.5 is the
    *harmonic* mean :math:`2/(1/\text{lower} + 1/\text{upper})` of dlcore's bounds. dlcore's
    choice makes the inference output the exact expectation of the training output,
    :math:`\mathbb{E}[a x] = \bar a x`; in the paper's parametrisation the expected slope is
    :math:`\mathbb{E}[1/a'] = \ln(u/l)/(u - l) \approx 0.1962`, not 1/5.5.

    Args:
        x: array of any shape.
        training: ``True`` draws random slopes (needs ``rng``); ``False`` uses
            :func:`rrelu_inference_slope`.
        lower: smallest slope, >= 0.
        upper: largest slope, >= ``lower``.
        rng: ``numpy.random.Generator``, required when training.

    Returns:
        ``(out, cache)``: ``out`` of the shape of ``x``; the cache holds the local
        derivatives :math:`\partial y/\partial x` (1 where :math:`x > 0`), so
        :math:`y = \text{cache}\cdot x` and :func:`rrelu_backward` needs nothing else.

    Example:
        >>> out, _ = rrelu_forward(np.array([-4.8, 1.0]), training=False)
        >>> out.round(2)
        array([-1.1,  1. ])

    References:
        B. Xu, N. Wang, T. Chen, M. Li (2015), "Empirical Evaluation of Rectified
        Activations in Convolutional Network", https://arxiv.org/abs/1505.00853
    """
    x = as_float_array(x, "x")
    lower, upper = _rrelu_bounds(lower, upper)
    check_bool(training, "training")
    if training:
        rng = check_rng(rng)
        neg = rng.uniform(lower, upper, size=x.shape)
    else:
        neg = 0.5 * (lower + upper)
    slopes = np.where(x > 0, 1.0, neg).astype(x.dtype)
    return slopes * x, slopes


def rrelu_backward(dout: object, cache: np.ndarray) -> np.ndarray:
    r"""Gradient w.r.t. the input: :math:`\partial L/\partial x = g \cdot \text{slopes}`.

    Args:
        dout: upstream gradient, shape of the forward input.
        cache: from :func:`rrelu_forward` (the local slopes).

    Returns:
        Array of the shape of ``dout``.

    Example:
        >>> _, cache = rrelu_forward(np.array([-1.0, 2.0]), training=False)
        >>> rrelu_backward(np.ones(2), cache).round(4)
        array([0.2292, 1.    ])
    """
    slopes = as_float_array(cache, "cache")
    dout = as_float_array(dout, "dout")
    check_shape(dout, slopes.shape, "dout")
    return dout * slopes


# --- maxout ----------------------------------------------------------------------------


def maxout_forward(
    x: object, W: object, b: object
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    r"""Maxout unit: the maximum of :math:`k` affine pieces.

    .. math::

        z_{njo} = \sum_d x_{nd} W_{jdo} + b_{jo}, \qquad y_{no} = \max_{j=1..k} z_{njo}

    Args:
        x: input, shape (N, D_in).
        W: weights of the k pieces, shape (k, D_in, D_out).
        b: biases, shape (k, D_out).

    Returns:
        ``(out, cache)``: ``out`` of shape (N, D_out) and an opaque cache for
        :func:`maxout_backward`.

    Example:
        >>> W = np.array([[[1.0]], [[-1.0]]])  # two pieces, x and -x: maxout gives |x|
        >>> out, _ = maxout_forward(np.array([[-3.0], [2.0]]), W, np.zeros((2, 1)))
        >>> out
        array([[3.],
               [2.]])

    References:
        I. J. Goodfellow, D. Warde-Farley, M. Mirza, A. Courville, Y. Bengio (2013),
        "Maxout Networks", https://arxiv.org/abs/1302.4389
    """
    x = as_float_array(x, "x", ndim=2)
    W = as_float_array(W, "W", ndim=3)
    b = as_float_array(b, "b", ndim=2)
    k, _, d_out = W.shape
    check_shape(W, (None, x.shape[1], None), "W")
    check_shape(b, (k, d_out), "b")
    z = np.einsum("nd,kdo->nko", x, W) + b
    winner = np.argmax(z, axis=1)  # (N, D_out): index of the active piece
    out = np.take_along_axis(z, winner[:, None, :], axis=1)[:, 0, :]
    return out, (x, W, winner)


def maxout_backward(
    dout: object, cache: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`maxout_forward`.

    The gradient flows only through the winning piece :math:`j^* = \arg\max_j z_{njo}`
    (ties go to the first):

    .. math::

        \frac{\partial L}{\partial z_{njo}} = g_{no}\,[j = j^*_{no}], \quad
        \frac{\partial L}{\partial W_{jdo}} = \sum_n x_{nd} \frac{\partial L}{\partial
        z_{njo}}, \quad
        \frac{\partial L}{\partial b_{jo}} = \sum_n \frac{\partial L}{\partial z_{njo}}, \quad
        \frac{\partial L}{\partial x_{nd}} = \sum_{j,o} \frac{\partial L}{\partial z_{njo}}
        W_{jdo}

    Args:
        dout: upstream gradient :math:`g`, shape (N, D_out).
        cache: from :func:`maxout_forward`.

    Returns:
        ``(dx, dW, db)`` with shapes (N, D_in), (k, D_in, D_out), (k, D_out).

    Example:
        >>> W = np.array([[[1.0]], [[-1.0]]])
        >>> _, cache = maxout_forward(np.array([[-3.0]]), W, np.zeros((2, 1)))
        >>> maxout_backward(np.ones((1, 1)), cache)[0]  # d|x|/dx at x = -3
        array([[-1.]])
    """
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise TypeError("cache must be the cache returned by maxout_forward")
    x, W, winner = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, winner.shape, "dout")
    k = W.shape[0]
    dz = (np.arange(k)[None, :, None] == winner[:, None, :]) * dout[:, None, :]
    dW = np.einsum("nd,nko->kdo", x, dz)
    db = dz.sum(axis=0)
    dx = np.einsum("nko,kdo->nd", dz, W)
    return dx, dW, db


# --- softmax ---------------------------------------------------------------------------


def softmax_forward(x: object, axis: int = -1) -> tuple[np.ndarray, tuple]:
    r"""Softmax along one axis.

    .. math::

        y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    Subtracting the maximum does not change the result and keeps every exponent
    :math:`\le 0`, so nothing overflows.

    Args:
        x: array of any shape, e.g. logits (N, C).
        axis: the axis that sums to one.

    Returns:
        ``(out, cache)``: ``out`` of the shape of ``x``, positive, summing to 1 along
        ``axis``; ``cache = (out, axis)`` for :func:`softmax_backward`.

    Example:
        >>> out, _ = softmax_forward(np.array([[0.0, np.log(3.0)]]))
        >>> out.round(6)
        array([[0.25, 0.75]])

    References:
        J. S. Bridle (1990), "Probabilistic Interpretation of Feedforward Classification
        Network Outputs, with Relationships to Statistical Pattern Recognition",
        https://doi.org/10.1007/978-3-642-76153-9_28
    """
    x = as_float_array(x, "x")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"axis must be in [{-x.ndim}, {x.ndim}) for x of shape {x.shape}")
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    y = e / np.sum(e, axis=axis, keepdims=True)
    return y, (y, int(axis))


def softmax_backward(dout: object, cache: tuple) -> np.ndarray:
    r"""Vector-Jacobian product of softmax, given its output :math:`y`.

    With :math:`\partial y_i / \partial x_j = y_i(\delta_{ij} - y_j)`:

    .. math::

        \frac{\partial L}{\partial x_j} = y_j \Big(g_j - \sum_i g_i\, y_i\Big)

    Args:
        dout: upstream gradient :math:`g = \partial L / \partial y`, shape of ``y``.
        cache: ``(y, axis)`` from :func:`softmax_forward`.

    Returns:
        Array of the shape of ``y``.

    Example:
        >>> _, cache = softmax_forward(np.array([[0.0, 0.0]]))
        >>> softmax_backward(np.array([[1.0, 0.0]]), cache)
        array([[ 0.25, -0.25]])

    References:
        J. S. Bridle (1990), see :func:`softmax_forward`.
    """
    y, axis = _cache_pair(cache, "softmax_forward")
    y = as_float_array(y, "y")
    dout = as_float_array(dout, "dout")
    check_shape(dout, y.shape, "dout")
    return y * (dout - np.sum(dout * y, axis=axis, keepdims=True))
