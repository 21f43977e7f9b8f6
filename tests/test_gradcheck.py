"""Tests for dlcore.gradcheck: the finite-difference tool every other test relies on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore.gradcheck import numerical_gradient, numerical_gradient_array, rel_error

EPS = np.finfo(np.float64).eps

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), h=st.sampled_from([1e-2, 1e-3, 1e-5]))
def test_cubic_matches_exact_centred_difference(shape, seed, h):
    # For f(x) = sum x^3 the centred difference is exactly 3 x_i^2 + h^2 (the odd terms
    # cancel and f''' = 6 gives the h^2 f'''/6 = h^2 term), so the only remaining error is
    # rounding: f(x +- h) is a sum of n + 1 terms, each rounded with relative error <= eps,
    # giving |error in f| <= (n + 2) eps S with S = sum |x^3| + 3|x|h^2 + ... <= sum(|x|+h)^3;
    # two such errors divided by 2h bound the gradient error by (n + 2) eps S / h.
    x = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    g = numerical_gradient(lambda z: np.sum(z**3), x, h=h)
    bound = (x.size + 2) * EPS * np.sum((np.abs(x) + h) ** 3) / h + 4 * EPS * (3 * x**2 + h**2)
    assert g.shape == x.shape
    assert np.all(np.abs(g - (3 * x**2 + h**2)) <= bound)
    # And the h^2 term is really there (visible for large h), i.e. it is a centred difference.
    if h == 1e-2:
        assert np.all(np.abs(g - 3 * x**2) > 0.5 * h**2)


def test_default_step_meets_the_test_suite_tolerance(rng):
    # Default h = 1e-5 on a smooth non-polynomial function: truncation h^2/6 |f'''| ~ 2e-11,
    # rounding ~ n eps |f| / h ~ 1e-9 at worst; far below the 1e-7 the suite requires.
    x = rng.normal(size=(4, 5))
    g = numerical_gradient(lambda z: np.sum(np.sin(z) * np.exp(0.3 * z)), x)
    exact = np.cos(x) * np.exp(0.3 * x) + 0.3 * np.sin(x) * np.exp(0.3 * x)
    assert rel_error(g, exact) < 1e-8


def test_x_is_restored_bit_for_bit(rng):
    # Values like 0.1 are not recovered by (x + h) - h in floating point; the function must
    # put back the stored original.
    x = rng.normal(size=(3, 3)) * 1e3 + 0.1
    before = x.copy()
    numerical_gradient(lambda z: float(np.sum(np.tanh(z))), x)
    assert np.array_equal(x, before)


def test_x_is_restored_when_f_raises(rng):
    x = rng.normal(size=5)
    before = x.copy()
    calls = []

    def f(z):
        calls.append(1)
        if len(calls) == 3:  # fail during the perturbation of the second entry
            raise RuntimeError("boom")
        return float(np.sum(z))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, before)


def test_f_sees_the_perturbed_array_itself(rng):
    # The perturbation is in place: a closure over x (as in a layer with cached inputs)
    # must see it too.
    x = rng.normal(size=4)
    w = rng.normal(size=4)
    g = numerical_gradient(lambda _: float(w @ x), x)
    assert rel_error(g, w) < 1e-9


@settings(max_examples=30, deadline=None)
@given(
    n_in=st.integers(1, 5), n_out=st.integers(1, 5), batch=st.integers(1, 3), seed=st.integers(0)
)
def test_array_version_gives_vector_jacobian_product(n_in, n_out, batch, seed):
    # f(x) = x A^T is linear, so the centred difference has no truncation error and the
    # vector-Jacobian product dout A must be reproduced up to rounding (~1e-10 relative).
    r = np.random.default_rng(seed)
    a = r.normal(size=(n_out, n_in))
    x = r.normal(size=(batch, n_in))
    dout = r.normal(size=(batch, n_out))
    g = numerical_gradient_array(lambda z: z @ a.T, x, dout)
    assert rel_error(g, dout @ a) < 1e-8


def test_array_version_on_elementwise_function(rng):
    x = rng.normal(size=(2, 3))
    dout = rng.normal(size=(2, 3))
    g = numerical_gradient_array(np.sin, x, dout)
    assert rel_error(g, dout * np.cos(x)) < 1e-8


def test_rel_error_properties(rng):
    a = rng.normal(size=(3, 4))
    b = a + 1e-3 * rng.normal(size=(3, 4))
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, b) == rel_error(b, a)
    # Scale invariance (powers of two scale exactly in binary floating point).
    assert rel_error(1024 * a, 1024 * b) == rel_error(a, b)
    # Opposite signs or one side zero is the worst case: exactly 1.
    assert rel_error(a, -a) == 1.0
    assert rel_error(a, np.zeros_like(a)) == 1.0
    assert 0.0 < rel_error(a, b) < 1e-2
    # Normalised by the largest entry: a tiny entry with a tiny absolute error is harmless.
    assert rel_error([1.0, 1e-13], [1.0, 2e-13]) < 1e-12
    assert rel_error(2.0, 2.0) == 0.0
    assert rel_error(np.array([]), np.array([])) == 0.0


def test_bad_inputs():
    f = lambda z: float(np.sum(z))  # noqa: E731
    with pytest.raises(TypeError, match="x must be a float64 numpy array"):
        numerical_gradient(f, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"x must be a float64 numpy array.*float32"):
        numerical_gradient(f, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match=r"x must be a float64 numpy array.*int"):
        numerical_gradient(f, np.arange(3))
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(f, np.ones(3), h=0.0)
    with pytest.raises(ValueError, match="f must return a scalar"):
        numerical_gradient(lambda z: z, np.ones(3))
    with pytest.raises(ValueError, match=r"dout must have the shape of f\(x\)"):
        numerical_gradient_array(lambda z: z, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="b must have the shape of a"):
        rel_error(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="a must"):
        rel_error("abc", np.ones(3))


# -- Finite-value policy -------------------------------------------------------------------

BIG = np.finfo(np.float64).max


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([BIG, -BIG], [-BIG, BIG]),  # a - b and |a| + |b| would overflow to inf / inf = NaN
        ([BIG], [0.0]),
        ([BIG, 1.0], [BIG, -1.0]),
        ([5e-324], [0.0]),  # subnormal: normalised by tiny, not by itself
        ([1e300, 1e-300], [1e300, -1e-300]),
    ],
)
def test_rel_error_stays_in_its_range_at_the_float64_extremes(a, b):
    r = rel_error(a, b)
    assert 0.0 <= r <= 1.0
    assert rel_error(b, a) == r


@settings(max_examples=100, deadline=None)
@given(
    a=hnp.arrays(np.float64, 4, elements=st.floats(allow_nan=False, allow_infinity=False)),
    b=hnp.arrays(np.float64, 4, elements=st.floats(allow_nan=False, allow_infinity=False)),
)
def test_rel_error_is_in_unit_interval_for_every_finite_input(a, b):
    assert 0.0 <= rel_error(a, b) <= 1.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rel_error_refuses_non_finite_input(bad):
    with pytest.raises(ValueError, match="a contains NaN or infinity"):
        rel_error([1.0, bad], [1.0, 2.0])
    with pytest.raises(ValueError, match="b contains NaN or infinity"):
        rel_error([1.0, 2.0], [bad, 2.0])


def test_step_too_small_to_resolve_is_refused():
    # eps (|x| + h) / (2h) > 1e-6  <=>  h < ~1.1e-10 |x|: at |x| = 1e3 that is h < 1.1e-7.
    x = np.array([[0.5, -1e3]])
    f = lambda z: float(np.sum(z**2))  # noqa: E731
    with pytest.raises(ValueError, match=r"h = 1e-08 is too small to resolve x\[0, 1\]"):
        numerical_gradient(f, x, h=1e-8)
    numerical_gradient(f, x, h=1.2e-7)  # just above the bound: accepted
    # At x = 1 a step below eps / 2 is lost entirely: x + h == x.
    assert 1.0 + 1e-17 == 1.0
    with pytest.raises(ValueError, match="too small"):
        numerical_gradient(f, np.ones(2), h=1e-17)
    # The bound is what its docstring derives: the step's own rounding stays <= 1e-6.
    h_min = 1.2e-7
    step = (1e3 + h_min) - (1e3 - h_min)
    assert abs(step - 2 * h_min) / (2 * h_min) <= 1e-6


def test_non_finite_x_or_f_is_refused():
    with pytest.raises(ValueError, match="x contains NaN or infinity"):
        numerical_gradient(lambda z: float(np.sum(z)), np.array([1.0, np.nan]))
    # log is finite at x but not at x - h when x = h / 2: the error names the entry and step.
    x = np.array([1.0, 5e-6])
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(ValueError, match=r"f must return a finite value, got nan at x\[1\] - h"),
    ):
        numerical_gradient(lambda z: float(np.sum(np.log(z))), x)
    np.testing.assert_array_equal(x, [1.0, 5e-6])  # restored


def test_empty_x_has_an_empty_gradient():
    assert numerical_gradient(lambda z: 0.0, np.zeros((0, 3)), h=1e-300).shape == (0, 3)


def test_non_finite_dout_is_refused_by_name():
    with pytest.raises(ValueError, match="dout contains NaN or infinity"):
        numerical_gradient_array(np.sin, np.ones(2), np.array([1.0, np.nan]))
