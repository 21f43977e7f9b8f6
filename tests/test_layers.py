"""Tests for dlcore.layers: the dense layer against finite differences and keras.layers.Dense."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.gradcheck import numerical_gradient_array, rel_error
from dlcore.layers import dense_backward, dense_forward

# The layer is linear in each argument, so the centred difference has no truncation
# error at all; only rounding, ~eps * |out| / h ~ 1e-11 relative, remains.
FD_TOL = 1e-7


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 5),
    d_in=st.integers(1, 5),
    d_out=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_backward_matches_finite_differences(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    out, cache = dense_forward(x, W, b)
    dout = rng.normal(size=out.shape)
    dx, dW, db = dense_backward(dout, cache)
    num_dx = numerical_gradient_array(lambda v: dense_forward(v, W, b)[0], x, dout)
    num_dW = numerical_gradient_array(lambda v: dense_forward(x, v, b)[0], W, dout)
    num_db = numerical_gradient_array(lambda v: dense_forward(x, W, v)[0], b, dout)
    assert rel_error(dx, num_dx) < FD_TOL
    assert rel_error(dW, num_dW) < FD_TOL
    assert rel_error(db, num_db) < FD_TOL


def test_dense_forward_is_the_affine_map(rng):
    # Entry by entry, against an explicit double loop.
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    out, _ = dense_forward(x, W, b)
    loop = np.array(
        [[sum(x[n, i] * W[i, j] for i in range(4)) + b[j] for j in range(2)] for n in range(3)]
    )
    np.testing.assert_allclose(out, loop, rtol=1e-13)


@pytest.mark.tf
def test_dense_matches_keras_dense_with_the_same_kernel(keras_float64, rng):
    # The weight layout is Keras' (D_in, D_out): set_weights takes W unchanged.
    keras = keras_float64
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    layer = keras.layers.Dense(4)
    layer.build((None, 3))
    layer.set_weights([W, b])
    np.testing.assert_allclose(dense_forward(x, W, b)[0], layer(x).numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: dense_forward(np.zeros(3), np.zeros((3, 2)), np.zeros(2)), ValueError, "x"),
        (lambda: dense_forward(np.zeros((1, 3)), np.zeros((4, 2)), np.zeros(2)), ValueError, "W"),
        (lambda: dense_forward(np.zeros((1, 3)), np.zeros((3, 2)), np.zeros(3)), ValueError, "b"),
        (lambda: dense_forward(np.zeros((1, 3)), "W", np.zeros(2)), TypeError, "W"),
        (lambda: dense_backward(np.zeros((1, 2)), "cache"), TypeError, "cache"),
        (
            lambda: dense_backward(
                np.zeros((2, 2)), dense_forward(np.zeros((1, 3)), np.zeros((3, 2)), np.zeros(2))[1]
            ),
            ValueError,
            "dout",
        ),
    ],
)
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value)
