r"""Batch, layer, RMS and group normalization: forward and backward passes.

Both normalize a pre-activation :math:`x` of shape ``(N, D)`` (``N`` examples,
``D`` features) to zero mean and unit variance, then rescale it with a learned
gain :math:`\gamma` and shift :math:`\beta` (both of shape ``(D,)``):

.. math::

    \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta .

*Batch* norm takes :math:`\mu, \sigma^2` per feature over the batch (axis 0);
*layer* norm takes them per example over the features (axis 1); *group* norm per
example over groups of features; *RMS* norm skips the centring and divides by the
root mean square of each example's features. Defaults follow Keras
(``momentum=0.99``, ``epsilon=1e-3``; ``epsilon=1e-6`` for RMS norm); variances are
the biased ones (divide by ``N``), as in Keras and in the papers.

References:
    Ioffe, S. and Szegedy, C. (2015). Batch Normalization: Accelerating Deep
    Network Training by Reducing Internal Covariate Shift. ICML.

    https://arxiv.org/abs/1502.03167

    Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer Normalization.
    https://arxiv.org/abs/1607.06450

    Zhang, B. and Sennrich, R. (2019). Root Mean Square Layer Normalization.
    NeurIPS. https://arxiv.org/abs/1910.07467

    Wu, Y. and He, K. (2018). Group Normalization. ECCV.
    https://arxiv.org/abs/1803.08494
"""

from __future__ import annotations

import numpy as np

from dlcore._validation import (
    as_float_array,
    check_bool,
    check_finite,
    check_in_range,
    check_positive,
    check_positive_int,
    check_shape,
)

__all__ = [
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_state",
    "groupnorm_backward",
    "groupnorm_forward",
    "layernorm_backward",
    "layernorm_forward",
    "rmsnorm_backward",
    "rmsnorm_forward",
]


def batchnorm_state(num_features: int) -> dict[str, np.ndarray]:
    r"""Fresh running statistics for a batch-norm layer with ``num_features`` features.

    Returns ``{"running_mean": zeros(D), "running_var": ones(D)}`` (float64), the same
    initial values as Keras' ``moving_mean`` / ``moving_variance``, so that an untrained
    layer in inference mode computes :math:`y = \gamma x / \sqrt{1 + \epsilon} + \beta`.

    Args:
        num_features: ``D``, a positive integer.

    Returns:
        dict with the arrays ``running_mean`` and ``running_var``, each of shape ``(D,)``.

    Example:
        >>> batchnorm_state(2)
        {'running_mean': array([0., 0.]), 'running_var': array([1., 1.])}
    """
    d = check_positive_int(num_features, "num_features")
    return {"running_mean": np.zeros(d), "running_var": np.ones(d)}


def _check_gamma_beta(gamma: object, beta: object, d: int) -> tuple[np.ndarray, np.ndarray]:
    gamma = as_float_array(gamma, "gamma", ndim=1)
    check_shape(gamma, (d,), "gamma")
    beta = as_float_array(beta, "beta", ndim=1)
    check_shape(beta, (d,), "beta")
    return gamma, beta


def _check_state(state: object, d: int) -> None:
    if not isinstance(state, dict):
        raise TypeError(
            "state must be a dict with 'running_mean' and 'running_var' "
            f"(see batchnorm_state), got {type(state).__name__}"
        )
    for key in ("running_mean", "running_var"):
        if key not in state:
            raise ValueError(f"state must have the key {key!r} (see batchnorm_state)")
        arr = state[key]
        if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
            raise TypeError(
                f"state[{key!r}] must be a floating-point numpy array (it is updated in "
                f"place), got {type(arr).__name__}"
            )
        check_shape(arr, (d,), f"state[{key!r}]")


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    state: dict[str, np.ndarray],
    *,
    training: bool,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
) -> tuple[np.ndarray, dict]:
    r"""Batch normalization forward pass (Ioffe & Szegedy, 2015).

    **Training** (``training=True``) normalizes with the statistics of the batch,

    .. math::

        \mu_j = \frac{1}{N}\sum_i x_{ij}, \qquad
        \sigma_j^2 = \frac{1}{N}\sum_i (x_{ij} - \mu_j)^2, \qquad
        y_{ij} = \gamma_j \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}} + \beta_j ,

    and updates the running statistics in ``state`` **in place** with Keras'
    momentum convention

    .. math::

        m \leftarrow \text{momentum}\, m + (1 - \text{momentum})\, \mu, \qquad
        v \leftarrow \text{momentum}\, v + (1 - \text{momentum})\, \sigma^2 .

    ``momentum`` is the weight of the *old* value (Keras, default 0.99). PyTorch's
    ``BatchNorm1d(momentum=0.1)`` means the opposite, the weight of the *new* batch:
    Keras' 0.99 is PyTorch's 0.01. Like Keras, the running variance accumulates the
    biased batch variance (PyTorch uses the unbiased one, :math:`N/(N-1)` larger).

    **Inference** (``training=False``) normalizes with the running statistics and
    leaves ``state`` unchanged.

    **NaN or infinity** in ``x`` during training raises ``ValueError`` *before* the
    running statistics are updated, so one bad batch cannot poison them for good (in
    inference, where ``state`` is not written, NaN simply propagates to the output).

    **Batch size 1** is allowed: in training the batch variance is 0, so
    :math:`\hat x = 0` and the output is exactly ``beta`` (finite, thanks to
    :math:`\epsilon > 0`), and the gradient with respect to ``x`` is 0. It is still
    a poor idea (the running variance is pulled towards 0); PyTorch refuses it.

    Args:
        x: inputs, shape ``(N, D)``.
        gamma: scale :math:`\gamma`, shape ``(D,)``.
        beta: shift :math:`\beta`, shape ``(D,)``.
        state: dict with float arrays ``running_mean`` and ``running_var`` of shape
            ``(D,)`` (from :func:`batchnorm_state`); updated in place when training.
        training: ``True`` for batch statistics, ``False`` for running statistics.
        momentum: weight of the old running statistics, in ``[0, 1)``.
        epsilon: positive constant added to the variance.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, D)`` and the cache that
        :func:`batchnorm_backward` needs.

    Example:
        >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
        >>> state = batchnorm_state(2)
        >>> out, cache = batchnorm_forward(x, np.ones(2), np.zeros(2), state,
        ...                                training=True, epsilon=1e-8)
        >>> out.round(6)
        array([[-1., -1.],
               [ 1.,  1.]])
        >>> state["running_mean"]  # 0.99 * 0 + 0.01 * batch mean
        array([0.02, 0.2 ])
    """
    x = as_float_array(x, "x", ndim=2)
    d = x.shape[1]
    gamma, beta = _check_gamma_beta(gamma, beta, d)
    _check_state(state, d)
    training = check_bool(training, "training")
    momentum = check_in_range(momentum, "momentum", 0.0, 1.0, high_inclusive=False)
    epsilon = check_positive(epsilon, "epsilon")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one example, got shape (0, D)")

    if training:
        # Check before touching the running statistics: one NaN/inf batch would otherwise
        # poison them for good (every later inference call would return NaN).
        check_finite(x, "x")
        mean = x.mean(axis=0)
        with np.errstate(over="ignore"):
            var = np.mean((x - mean) ** 2, axis=0)
        if not np.all(np.isfinite(mean)) or not np.all(np.isfinite(var)):
            raise ValueError(
                "x is too large: its batch mean or variance overflows to infinity "
                "(running statistics left unchanged)"
            )
        state["running_mean"] *= momentum
        state["running_mean"] += (1.0 - momentum) * mean
        state["running_var"] *= momentum
        state["running_var"] += (1.0 - momentum) * var
    else:
        mean = state["running_mean"].copy()
        var = state["running_var"].copy()
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mean) * inv_std
    out = gamma * xhat + beta
    cache = {
        "kind": "batchnorm",
        "xhat": xhat,
        "inv_std": inv_std,
        "gamma": gamma,
        "training": training,
    }
    return out, cache


def _check_cache(dout: object, cache: object, kind: str) -> np.ndarray:
    if not isinstance(cache, dict) or cache.get("kind") != kind:
        raise TypeError(f"cache must be the dict returned by {kind}_forward")
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, cache["xhat"].shape, "dout")
    return dout


def batchnorm_backward(dout: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Batch normalization backward pass: gradients with respect to x, gamma and beta.

    With :math:`\hat x` and :math:`s = 1/\sqrt{\sigma^2 + \epsilon}` from the forward
    pass and upstream gradient :math:`g = \partial L / \partial y`, the training-mode
    gradient in its compact closed form (all sums over the batch axis, per feature) is

    .. math::

        \frac{\partial L}{\partial x_{ij}} = \frac{\gamma_j s_j}{N}
        \Big(N g_{ij} - \sum_k g_{kj} - \hat x_{ij} \sum_k g_{kj} \hat x_{kj}\Big),
        \qquad
        \frac{\partial L}{\partial \gamma_j} = \sum_i g_{ij} \hat x_{ij}, \qquad
        \frac{\partial L}{\partial \beta_j} = \sum_i g_{ij} .

    The two subtracted terms are the paths through the batch mean and the batch
    variance. In inference mode the statistics are constants and
    :math:`\partial L/\partial x_{ij} = \gamma_j s_j g_{ij}`.

    Args:
        dout: upstream gradient, shape ``(N, D)``.
        cache: the cache returned by :func:`batchnorm_forward`.

    Returns:
        ``(dx, dgamma, dbeta)`` of shapes ``(N, D)``, ``(D,)``, ``(D,)``.

    Example:
        >>> x = np.array([[1.0], [2.0], [6.0]])
        >>> out, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), batchnorm_state(1),
        ...                                training=True)
        >>> dx, dgamma, dbeta = batchnorm_backward(np.ones((3, 1)), cache)
        >>> np.abs(dx).max() < 1e-15  # shifting every output equally is undone by the mean
        np.True_
        >>> dbeta
        array([3.])
    """
    dout = _check_cache(dout, cache, "batchnorm")
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    if cache["training"]:
        n = dout.shape[0]
        dx = (gamma * inv_std / n) * (n * dout - dbeta - xhat * dgamma)
    else:
        dx = dout * (gamma * inv_std)
    return dx, dgamma, dbeta


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, epsilon: float = 1e-3
) -> tuple[np.ndarray, dict]:
    r"""Layer normalization forward pass (Ba, Kiros & Hinton, 2016).

    Statistics are taken per example over the ``D`` features, so training and
    inference compute the same thing and no running statistics are needed:

    .. math::

        \mu_i = \frac{1}{D}\sum_j x_{ij}, \qquad
        \sigma_i^2 = \frac{1}{D}\sum_j (x_{ij} - \mu_i)^2, \qquad
        y_{ij} = \gamma_j \frac{x_{ij} - \mu_i}{\sqrt{\sigma_i^2 + \epsilon}} + \beta_j .

    The default :math:`\epsilon = 10^{-3}` is Keras' ``LayerNormalization`` default
    (PyTorch uses :math:`10^{-5}`). With ``D = 1`` the output is ``beta``.

    Args:
        x: inputs, shape ``(N, D)``.
        gamma: scale, shape ``(D,)``.
        beta: shift, shape ``(D,)``.
        epsilon: positive constant added to the variance.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, D)`` and the cache for
        :func:`layernorm_backward`.

    Example:
        >>> out, _ = layernorm_forward(np.array([[1.0, 3.0], [10.0, 30.0]]), np.ones(2),
        ...                            np.zeros(2), epsilon=1e-8)
        >>> out.round(6)  # each row on its own: works for a single example
        array([[-1.,  1.],
               [-1.,  1.]])
    """
    x = as_float_array(x, "x", ndim=2)
    gamma, beta = _check_gamma_beta(gamma, beta, x.shape[1])
    epsilon = check_positive(epsilon, "epsilon")
    if x.shape[1] == 0:
        raise ValueError("x must hold at least one feature, got shape (N, 0)")
    mean = x.mean(axis=1, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mean) * inv_std
    out = gamma * xhat + beta
    return out, {"kind": "layernorm", "xhat": xhat, "inv_std": inv_std, "gamma": gamma}


def layernorm_backward(dout: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Layer normalization backward pass: gradients with respect to x, gamma and beta.

    With :math:`h_{ij} = \gamma_j g_{ij}` the gradient with respect to the normalized
    input and :math:`s_i = 1/\sqrt{\sigma_i^2 + \epsilon}` (sums now over features, per
    example):

    .. math::

        \frac{\partial L}{\partial x_{ij}} = \frac{s_i}{D}
        \Big(D h_{ij} - \sum_k h_{ik} - \hat x_{ij} \sum_k h_{ik} \hat x_{ik}\Big),
        \qquad
        \frac{\partial L}{\partial \gamma_j} = \sum_i g_{ij} \hat x_{ij}, \qquad
        \frac{\partial L}{\partial \beta_j} = \sum_i g_{ij} .

    Args:
        dout: upstream gradient :math:`g`, shape ``(N, D)``.
        cache: the cache returned by :func:`layernorm_forward`.

    Returns:
        ``(dx, dgamma, dbeta)`` of shapes ``(N, D)``, ``(D,)``, ``(D,)``.

    Example:
        >>> out, cache = layernorm_forward(np.array([[1.0, 2.0, 6.0]]), np.ones(3), np.zeros(3))
        >>> dx, dgamma, dbeta = layernorm_backward(np.ones((1, 3)), cache)
        >>> np.abs(dx).max() < 1e-15  # a uniform shift of one example's outputs is undone
        np.True_
    """
    dout = _check_cache(dout, cache, "layernorm")
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    d = dout.shape[1]
    dxhat = dout * gamma
    dx = (inv_std / d) * (
        d * dxhat
        - dxhat.sum(axis=1, keepdims=True)
        - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True)
    )
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def rmsnorm_forward(
    x: np.ndarray, gamma: np.ndarray, *, epsilon: float = 1e-6
) -> tuple[np.ndarray, dict]:
    r"""RMS normalization forward pass (Zhang & Sennrich, 2019).

    Layer norm without the centring and without the shift: each example is divided by
    the root mean square of its ``D`` features,

    .. math::

        r_i = \sqrt{\frac{1}{D}\sum_j x_{ij}^2 + \epsilon}, \qquad
        y_{ij} = \gamma_j \frac{x_{ij}}{r_i} .

    It is cheaper than layer norm (one reduction instead of two) and is the
    normalization of LLaMA, Gemma, Mistral and T5. The default :math:`\epsilon = 10^{-6}`
    is Keras' ``RMSNormalization`` default; like that layer there is no :math:`\beta`.
    Paper: https://arxiv.org/abs/1910.07467

    Args:
        x: inputs, shape ``(N, D)``.
        gamma: scale, shape ``(D,)``.
        epsilon: positive constant added to the mean square.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, D)`` and the cache for
        :func:`rmsnorm_backward`.

    Example:
        >>> out, _ = rmsnorm_forward(np.array([[3.0, -4.0]]), np.ones(2), epsilon=1e-12)
        >>> out.round(6)  # divided by sqrt((9 + 16) / 2); the mean is not removed
        array([[ 0.848528, -1.131371]])
    """
    x = as_float_array(x, "x", ndim=2)
    gamma = as_float_array(gamma, "gamma", ndim=1)
    check_shape(gamma, (x.shape[1],), "gamma")
    epsilon = check_positive(epsilon, "epsilon")
    if x.shape[1] == 0:
        raise ValueError("x must hold at least one feature, got shape (N, 0)")
    inv_rms = 1.0 / np.sqrt(np.mean(x**2, axis=1, keepdims=True) + epsilon)
    xhat = x * inv_rms
    return gamma * xhat, {"kind": "rmsnorm", "xhat": xhat, "inv_std": inv_rms, "gamma": gamma}


def rmsnorm_backward(dout: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray]:
    r"""RMS normalization backward pass: gradients with respect to x and gamma.

    With :math:`h_{ij} = \gamma_j g_{ij}` and :math:`\hat x = x / r` from the forward
    pass (sums over the features of one example),

    .. math::

        \frac{\partial L}{\partial x_{ij}} = \frac{1}{r_i}
        \Big(h_{ij} - \hat x_{ij}\, \frac{1}{D}\sum_k h_{ik} \hat x_{ik}\Big),
        \qquad
        \frac{\partial L}{\partial \gamma_j} = \sum_i g_{ij} \hat x_{ij} .

    It is layer norm's gradient without the term of the mean.

    Args:
        dout: upstream gradient :math:`g`, shape ``(N, D)``.
        cache: the cache returned by :func:`rmsnorm_forward`.

    Returns:
        ``(dx, dgamma)`` of shapes ``(N, D)`` and ``(D,)``.

    Example:
        >>> x = np.array([[3.0, -4.0]])
        >>> out, cache = rmsnorm_forward(x, np.ones(2))
        >>> dx, dgamma = rmsnorm_backward(x.copy(), cache)  # dout along x itself
        >>> np.abs(dx).max() < 1e-6  # scaling an example does not change its output
        np.True_
    """
    dout = _check_cache(dout, cache, "rmsnorm")
    xhat, inv_rms, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    h = dout * gamma
    dx = inv_rms * (h - xhat * np.mean(h * xhat, axis=1, keepdims=True))
    return dx, np.sum(dout * xhat, axis=0)


def groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, groups: int, epsilon: float = 1e-3
) -> tuple[np.ndarray, dict]:
    r"""Group normalization forward pass (Wu & He, 2018), channels last.

    ``x`` has shape ``(N, ..., C)`` (``(N, C)`` for a dense layer, ``(N, H, W, C)`` for
    an image). The ``C`` channels are split into ``groups`` groups of ``C / groups``
    consecutive channels, and each example is normalized over each group (and over all
    positions ``...``), as Keras' ``GroupNormalization`` does:

    .. math::

        \mu_{ig} = \operatorname{mean}_{k \in S_{ig}} x_k, \qquad
        \sigma_{ig}^2 = \operatorname{mean}_{k \in S_{ig}} (x_k - \mu_{ig})^2, \qquad
        y_{ic} = \gamma_c \frac{x_{ic} - \mu_{ig}}{\sqrt{\sigma_{ig}^2 + \epsilon}} + \beta_c ,

    where :math:`S_{ig}` is example :math:`i`'s part of group :math:`g`. ``groups=1`` is
    layer norm over all of ``...`` and ``C``; ``groups=C`` is instance norm. Like layer
    norm it does not depend on the batch, so it works for batch size 1 (detection and
    segmentation networks, diffusion-model U-Nets use it). Keras' default is
    ``groups=32``; here ``groups`` must be given. Paper: https://arxiv.org/abs/1803.08494

    Args:
        x: inputs, shape ``(N, ..., C)``, at least 2-dimensional.
        gamma: scale, shape ``(C,)``.
        beta: shift, shape ``(C,)``.
        groups: number of groups, a positive divisor of ``C``.
        epsilon: positive constant added to the variance.

    Returns:
        ``(out, cache)``: ``out`` of the shape of ``x`` and the cache for
        :func:`groupnorm_backward`.

    Example:
        >>> x = np.array([[1.0, 3.0, 10.0, 30.0]])
        >>> out, _ = groupnorm_forward(x, np.ones(4), np.zeros(4), groups=2, epsilon=1e-8)
        >>> out.round(6)  # groups (1, 3) and (10, 30), each normalized on its own
        array([[-1.,  1., -1.,  1.]])
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must be at least 2-dimensional (N, ..., C), got shape {x.shape}")
    c = x.shape[-1]
    gamma, beta = _check_gamma_beta(gamma, beta, c)
    groups = check_positive_int(groups, "groups")
    if c % groups:
        raise ValueError(f"groups must divide the number of channels {c}, got {groups}")
    epsilon = check_positive(epsilon, "epsilon")
    n = x.shape[0]
    xg = x.reshape(n, -1, groups, c // groups)  # (N, positions, G, C/G)
    mean = xg.mean(axis=(1, 3), keepdims=True)
    var = np.mean((xg - mean) ** 2, axis=(1, 3), keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = ((xg - mean) * inv_std).reshape(x.shape)
    out = gamma * xhat + beta
    cache = {"kind": "groupnorm", "xhat": xhat, "inv_std": inv_std, "gamma": gamma}
    return out, cache


def groupnorm_backward(dout: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Group normalization backward pass: gradients with respect to x, gamma and beta.

    Layer norm's formula applied within each (example, group) set :math:`S` of
    :math:`M` values, with :math:`h = \gamma \odot g`:

    .. math::

        \frac{\partial L}{\partial x_k} = \frac{s}{M}
        \Big(M h_k - \sum_{k' \in S} h_{k'} - \hat x_k \sum_{k' \in S} h_{k'} \hat x_{k'}\Big),

    and :math:`\partial L/\partial\gamma_c`, :math:`\partial L/\partial\beta_c` sum
    :math:`g \hat x` and :math:`g` over every axis but the channels.

    Args:
        dout: upstream gradient, the shape of the forward input.
        cache: the cache returned by :func:`groupnorm_forward`.

    Returns:
        ``(dx, dgamma, dbeta)``: ``dx`` of the shape of ``x``; ``dgamma``, ``dbeta`` ``(C,)``.

    Example:
        >>> x = np.array([[1.0, 3.0, 10.0, 30.0]])
        >>> out, cache = groupnorm_forward(x, np.ones(4), np.zeros(4), groups=2)
        >>> dx, dgamma, dbeta = groupnorm_backward(np.ones((1, 4)), cache)
        >>> np.abs(dx).max() < 1e-15, dbeta
        (np.True_, array([1., 1., 1., 1.]))
    """
    if not isinstance(cache, dict) or cache.get("kind") != "groupnorm":
        raise TypeError("cache must be the dict returned by groupnorm_forward")
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    dout = as_float_array(dout, "dout")
    check_shape(dout, xhat.shape, "dout")
    n, c = xhat.shape[0], xhat.shape[-1]
    groups = inv_std.shape[2]
    reduce_axes = tuple(range(xhat.ndim - 1))
    dgamma = np.sum(dout * xhat, axis=reduce_axes)
    dbeta = dout.sum(axis=reduce_axes)
    h = (dout * gamma).reshape(n, -1, groups, c // groups)
    xh = xhat.reshape(h.shape)
    m = h.shape[1] * h.shape[3]
    dx = (inv_std / m) * (
        m * h - h.sum(axis=(1, 3), keepdims=True) - xh * np.sum(h * xh, axis=(1, 3), keepdims=True)
    )
    return dx.reshape(xhat.shape), dgamma, dbeta
