r"""The fully connected (dense) layer: forward pass and manual backward pass.

Weights follow Keras' layout: ``W`` has shape ``(D_in, D_out)`` (Keras calls it the
*kernel*), so a batch of row vectors is mapped by ``x @ W + b`` and a dlcore weight
matrix can be copied into ``keras.layers.Dense`` unchanged.
"""

from __future__ import annotations

import numpy as np

from dlcore._validation import as_float_array, check_shape

__all__ = ["dense_backward", "dense_forward"]


def dense_forward(x: object, W: object, b: object) -> tuple[np.ndarray, tuple]:
    r"""Affine map of a batch: :math:`\mathrm{out} = x W + b`.

    .. math::

        \mathrm{out}_{nj} = \sum_{i=1}^{D_\mathrm{in}} x_{ni} W_{ij} + b_j .

    Reference: Rosenblatt (1958), "The perceptron: a probabilistic model for information
    storage and organization in the brain".

    Parameters
    ----------
    x : array of shape (N, D_in)
        Input batch, one example per row.
    W : array of shape (D_in, D_out)
        Weight matrix (Keras' kernel layout).
    b : array of shape (D_out,)
        Bias vector.

    Returns
    -------
    out : ndarray of shape (N, D_out)
        Layer output.
    cache : tuple
        What :func:`dense_backward` needs, ``(x, W)``.
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

    Reference: Rumelhart, Hinton and Williams (1986), "Learning representations by
    back-propagating errors".

    Parameters
    ----------
    dout : array of shape (N, D_out)
        Upstream gradient.
    cache : tuple
        The cache returned by :func:`dense_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D_in)
    dW : ndarray of shape (D_in, D_out)
    db : ndarray of shape (D_out,)
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
