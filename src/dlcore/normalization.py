r"""Batch normalization and layer normalization: forward and backward passes.

Both normalize a pre-activation :math:`x` of shape ``(N, D)`` (``N`` examples,
``D`` features) to zero mean and unit variance, then rescale it with a learned
gain :math:`\gamma` and shift :math:`\beta` (both of shape ``(D,)``):

.. math::

    \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta .

*Batch* norm takes :math:`\mu, \sigma^2` per feature over the batch (axis 0);
*layer* norm takes them per example over the features (axis 1). Defaults follow
Keras (``momentum=0.99``, ``epsilon=1e-3``); variances are the biased ones
(divide by ``N``), as in Keras and in both papers.

References:
    Ioffe, S. and Szegedy, C. (2015). Batch Normalization: Accelerating Deep
    Network Training by Reducing Internal Covariate Shift. ICML.

    Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer Normalization.
    arXiv:1607.06450.
"""

from __future__ import annotations

import numpy as np

from dlcore._validation import (
    as_float_array,
    check_in_range,
    check_positive,
    check_positive_int,
    check_shape,
)

__all__ = [
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_state",
    "layernorm_backward",
    "layernorm_forward",
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
    """
    x = as_float_array(x, "x", ndim=2)
    d = x.shape[1]
    gamma, beta = _check_gamma_beta(gamma, beta, d)
    _check_state(state, d)
    if not isinstance(training, bool):
        raise TypeError(f"training must be True or False, got {type(training).__name__}")
    momentum = check_in_range(momentum, "momentum", 0.0, 1.0, high_inclusive=False)
    epsilon = check_positive(epsilon, "epsilon")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one example, got shape (0, D)")

    if training:
        mean = x.mean(axis=0)
        var = np.mean((x - mean) ** 2, axis=0)
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
