"""Tests for dlcore.activations: derivatives, Keras agreement, properties, stability, errors."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import activations as A
from dlcore import layers as L
from dlcore.gradcheck import numerical_gradient_array, rel_error

CONTRACT_NAMES = [
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "swish", "silu",
    "gelu", "gelu_tanh", "hard_sigmoid", "linear", "step",
]  # fmt: skip

# Points where the derivative (or, for ELU with alpha = 1, the second derivative) jumps:
# a centred difference straddling one is wrong by O(1) (O(h) for ELU), so stay 1e-3 away.
KINKS = {
    "relu": [0.0],
    "leaky_relu": [0.0],
    "elu": [0.0],
    "selu": [0.0],
    "step": [0.0],
    "hard_sigmoid": [-3.0, 3.0],
}
VARIANTS = [(n, {}) for n in CONTRACT_NAMES] + [
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
]


def _ids(v):
    name, params = v
    return name + "".join(f"-{k}={p}" for k, p in params.items())


def away_from_kinks(x: np.ndarray, kinks: list[float]) -> np.ndarray:
    x = x.copy()
    for k in kinks:
        near = np.abs(x - k) < 1e-3
        x[near] = k + 1e-2
    return x


def assert_matches_finite_differences(analytic, numeric):
    # Float64 centred differences with h = 1e-5 have absolute error about
    # eps|f|/h + h^2|f'''|/6 < 1e-10 for these functions on [-5, 5]. Relative to the
    # largest derivative in the sample that is < 1e-7 whenever some |f'| > 1e-3. When every
    # derivative in the sample is smaller (a single point at GELU's minimum, step's zero
    # derivative) the relative error only measures the finite difference's own noise, so
    # the absolute bound is checked instead.
    err = rel_error(analytic, numeric)
    assert err < 1e-7 or np.max(np.abs(analytic - numeric)) < 1e-10, err


# --- 1. derivatives against finite differences -------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
@settings(max_examples=20, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
        elements=st.floats(-5, 5, allow_nan=False),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_grad_matches_finite_differences(variant, x, seed):
    name, params = variant
    act = A.get(name, **params)
    x = away_from_kinks(x, KINKS.get(name, []))
    dout = np.random.default_rng(seed).normal(size=x.shape)
    numeric = numerical_gradient_array(act.fn, x, dout)
    assert_matches_finite_differences(dout * act.grad(x), numeric)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    d=st.integers(1, 5),
    shared=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_prelu_backward_matches_finite_differences(n, d, shared, seed):
    r = np.random.default_rng(seed)
    x = away_from_kinks(r.normal(size=(n, d)), [0.0])
    alpha = np.asarray(r.normal()) if shared else r.normal(size=d)
    dout = r.normal(size=(n, d))
    dx, dalpha = L.prelu_backward(dout, L.prelu_forward(x, alpha)[1])
    assert dx.shape == x.shape and dalpha.shape == alpha.shape
    num_dx = numerical_gradient_array(lambda z: L.prelu_forward(z, alpha)[0], x, dout)
    num_da = numerical_gradient_array(lambda a: L.prelu_forward(x, a)[0], alpha, dout)
    assert_matches_finite_differences(dx, num_dx)
    assert_matches_finite_differences(dalpha, num_da)


def test_prelu_on_higher_rank_input(rng):
    # Slopes act on the last axis; dalpha sums over all the others.
    x = away_from_kinks(rng.normal(size=(2, 3, 4)), [0.0])
    alpha = rng.uniform(0, 0.5, size=4)
    dout = rng.normal(size=x.shape)
    dx, dalpha = L.prelu_backward(dout, L.prelu_forward(x, alpha)[1])
    assert_matches_finite_differences(
        dalpha, numerical_gradient_array(lambda a: L.prelu_forward(x, a)[0], alpha, dout)
    )
    assert_matches_finite_differences(
        dx, numerical_gradient_array(lambda z: L.prelu_forward(z, alpha)[0], x, dout)
    )


def test_prelu_with_constant_slope_is_leaky_relu(rng):
    x = rng.normal(size=(5, 3))
    np.testing.assert_array_equal(L.prelu_forward(x, 0.2)[0], A.leaky_relu(x, alpha=0.2))
    np.testing.assert_array_equal(L.prelu_forward(x, np.full(3, 0.2))[0], A.leaky_relu(x, 0.2))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    d_in=st.integers(1, 4),
    d_out=st.integers(1, 3),
    k=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_maxout_backward_matches_finite_differences(n, d_in, d_out, k, seed):
    r = np.random.default_rng(seed)
    x, W, b = r.normal(size=(n, d_in)), r.normal(size=(k, d_in, d_out)), r.normal(size=(k, d_out))
    z = np.einsum("nd,kdo->nko", x, W) + b
    zs = np.sort(z, axis=1)
    # A centred difference is only valid if no perturbation of size h = 1e-5 can swap the
    # winning piece: skip draws whose top two pieces are closer than that can move them.
    if k > 1 and np.min(zs[:, -1] - zs[:, -2]) < 1e-3:
        return
    dout = r.normal(size=(n, d_out))
    out, cache = L.maxout_forward(x, W, b)
    assert out.shape == (n, d_out)
    dx, dW, db = L.maxout_backward(dout, cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    for analytic, arg in ((dx, x), (dW, W), (db, b)):

        def f(v, arg=arg):
            return L.maxout_forward(
                v if arg is x else x, v if arg is W else W, v if arg is b else b
            )[0]

        assert_matches_finite_differences(analytic, numerical_gradient_array(f, arg, dout))


def test_maxout_known_special_cases(rng):
    # Pieces (w, -w) give |x w|; pieces (w, 0) give relu(x w); one piece is affine.
    x = rng.normal(size=(6, 3))
    w = rng.normal(size=(3, 2))
    W = np.stack([w, -w])
    out, _ = L.maxout_forward(x, W, np.zeros((2, 2)))
    np.testing.assert_allclose(out, np.abs(x @ w), rtol=1e-15)
    out, _ = L.maxout_forward(x, np.stack([w, np.zeros_like(w)]), np.zeros((2, 2)))
    np.testing.assert_allclose(out, A.relu(x @ w), rtol=1e-15)
    b = rng.normal(size=(1, 2))
    out, _ = L.maxout_forward(x, w[None], b)
    np.testing.assert_allclose(out, x @ w + b[0], rtol=1e-14)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_backward_matches_finite_differences(rng, axis):
    x = rng.normal(size=(3, 4, 2)) * 3
    dout = rng.normal(size=x.shape)
    y = L.softmax_forward(x, axis=axis)[0]
    numeric = numerical_gradient_array(lambda z: L.softmax_forward(z, axis=axis)[0], x, dout)
    assert_matches_finite_differences(L.softmax_backward(dout, (y, axis)), numeric)


def test_softmax_properties(rng):
    x = rng.normal(size=(4, 5)) * 10
    y = L.softmax_forward(x)[0]
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=4 * np.finfo(float).eps * 5)
    assert np.all(y > 0)
    # Invariant to adding a constant per row (the shift is what makes it stable).
    np.testing.assert_allclose(L.softmax_forward(x + 123.0)[0], y, rtol=1e-12)
    np.testing.assert_allclose(L.softmax_forward(x.T, axis=0)[0], y.T, rtol=1e-15)


# --- 2. RReLU ------------------------------------------------------------------------------


def test_rrelu_training_slopes_are_uniform_in_bounds(rng):
    x = -np.ones(200_000)
    out, slopes = L.rrelu_forward(x, training=True, rng=rng)
    assert np.all((slopes >= 1 / 8) & (slopes <= 1 / 3))
    np.testing.assert_array_equal(out, -slopes)
    # U(l, u) has sd (u - l)/sqrt(12); the sample mean's standard error is that / sqrt(n);
    # 6 standard errors make a false failure a ~1e-9 event.
    se = (1 / 3 - 1 / 8) / math.sqrt(12) / math.sqrt(x.size)
    assert abs(slopes.mean() - L.rrelu_inference_slope()) < 6 * se
    se_var = (1 / 3 - 1 / 8) ** 2 / 12 * math.sqrt(0.8 / x.size)  # sd of s^2 for uniform: 0.8
    assert abs(slopes.var() - (1 / 3 - 1 / 8) ** 2 / 12) < 6 * se_var
    # Fresh slopes per element and per call.
    assert np.unique(slopes).size > 0.99 * x.size
    _, again = L.rrelu_forward(x, training=True, rng=rng)
    assert not np.array_equal(again, slopes)


def test_rrelu_positive_side_and_inference(rng):
    bounds = {"lower": 0.1, "upper": 0.3}
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    out, slopes = L.rrelu_forward(x, training=True, rng=rng, **bounds)
    np.testing.assert_array_equal(out[2:], x[2:])
    np.testing.assert_array_equal(slopes[2:], 1.0)
    out, slopes = L.rrelu_forward(x, training=False, **bounds)
    np.testing.assert_allclose(out, [-0.4, -0.1, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(L.rrelu_backward(np.ones(4), slopes), [0.2, 0.2, 1.0, 1.0])


def test_rrelu_default_test_slope_vs_paper():
    # dlcore: arithmetic mean of the slope bounds, 11/48. Xu et al. (2015) divide by the mean
    # of a' ~ U(3, 8), a test slope 1/5.5 = 2/11: the harmonic mean of dlcore's bounds.
    assert L.rrelu_inference_slope() == pytest.approx(11 / 48, rel=1e-15)
    harmonic = 2 / (1 / L.RRELU_LOWER + 1 / L.RRELU_UPPER)
    assert harmonic == pytest.approx(1 / 5.5, rel=1e-15)
    assert L.rrelu_inference_slope() != pytest.approx(1 / 5.5, rel=1e-3)
    # and the paper's expected slope E[1/a'] = ln(8/3)/5 is neither of them
    assert math.log(8 / 3) / 5 == pytest.approx(0.19617, abs=1e-5)


def test_rrelu_inference_output_is_expected_training_output(rng):
    x = np.full(100_000, -2.0)
    train_out, _ = L.rrelu_forward(x, training=True, rng=rng)
    test_out, _ = L.rrelu_forward(x, training=False)
    se = 2 * (1 / 3 - 1 / 8) / math.sqrt(12 * x.size)  # standard error of the mean of 2a
    assert abs(train_out.mean() - test_out[0]) < 6 * se


def test_rrelu_backward_matches_finite_differences(rng):
    x = away_from_kinks(rng.normal(size=(4, 3)), [0.0])
    dout = rng.normal(size=x.shape)
    _, slopes = L.rrelu_forward(x, training=True, rng=np.random.default_rng(7))

    def f(z):  # same seed on every call: the same slopes, as within one training step
        return L.rrelu_forward(z, training=True, rng=np.random.default_rng(7))[0]

    numeric = numerical_gradient_array(f, x, dout)
    assert_matches_finite_differences(L.rrelu_backward(dout, slopes), numeric)


def test_rrelu_with_equal_bounds_is_leaky_relu(rng):
    x = rng.normal(size=50)
    out, _ = L.rrelu_forward(x, training=True, rng=rng, lower=0.2, upper=0.2)
    np.testing.assert_allclose(out, A.leaky_relu(x, 0.2), rtol=1e-15)


# --- 3. registry, conventions and closed forms --------------------------------------------


def test_names_are_the_contract():
    assert A.names() == CONTRACT_NAMES
    for name in A.names():
        act = A.get(name)
        assert act.name == name
        assert act.saturation in ("none", "one-sided", "two-sided")
        # The module-level function of the same name gives the same values.
        x = np.linspace(-4, 4, 9)
        np.testing.assert_array_equal(getattr(A, name)(x), act.fn(x))


def test_get_passes_activation_through_and_binds_params():
    act = A.get("elu", alpha=0.5)
    assert A.get(act) is act
    assert act.params == {"alpha": 0.5}
    assert A.get("elu").params == {"alpha": 1.0}
    assert act.output_range == "(-0.5, inf)"
    assert A.get("elu", alpha=1 / 3).output_range == f"({-1 / 3!r}, inf)"
    np.testing.assert_array_equal(act.grad(np.array([-1.0])), [0.5 * math.exp(-1.0)])


def test_swish_and_silu_are_the_same_function(rng):
    x = rng.normal(size=100) * 4
    np.testing.assert_array_equal(A.get("swish").fn(x), A.get("silu").fn(x))
    np.testing.assert_array_equal(A.get("swish").grad(x), A.get("silu").grad(x))


def test_leaky_relu_default_slope_is_maas_0_01():
    # Convention pinned: dlcore follows Maas et al. (2013), not Keras' 0.2 / 0.3.
    assert A.get("leaky_relu").params["alpha"] == 0.01
    assert A.leaky_relu(np.array([-2.0]))[0] == -0.02
    assert A.get("leaky_relu").grad(np.array([-1.0]))[0] == 0.01


def test_hard_sigmoid_has_slope_one_sixth_not_keras2_slope():
    x = np.array([-3.0, 0.0, 1.5, 3.0])
    # relu6(x + 3)/6 written out: 0 at -3, 1/2 at 0, 3/4 at 1.5, 1 at 3.
    np.testing.assert_allclose(A.hard_sigmoid(x), [0.0, 0.5, 0.75, 1.0], rtol=1e-15)
    keras2 = np.clip(0.2 * x + 0.5, 0, 1)
    assert not np.allclose(A.hard_sigmoid(x), keras2)
    assert A.get("hard_sigmoid").grad(np.array([0.0]))[0] == pytest.approx(1 / 6, rel=1e-15)


def test_gelu_exact_is_x_times_normal_cdf():
    # Independent of the implementation's erfc route: Phi via math.erf at a few points.
    x = np.array([-3.0, -0.5, 0.0, 0.7, 2.0])
    phi = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(A.gelu(x), x * phi, rtol=1e-14, atol=1e-17)
    # and the tanh form is a different (approximate) function: they differ by up to ~5e-4
    assert 1e-5 < np.max(np.abs(A.gelu(x) - A.gelu_tanh(x))) < 1e-3


def _gauss_expectation(f, n=200):
    # E[f(z)], z ~ N(0, 1), by Gauss-Legendre on [-40, 0] and [0, 40] separately (SELU's
    # kink sits at a panel edge, so each panel is analytic and converges exponentially).
    t, w = np.polynomial.legendre.leggauss(n)
    total = 0.0
    for lo, hi in ((-40.0, 0.0), (0.0, 40.0)):
        z = 0.5 * (hi - lo) * t + 0.5 * (hi + lo)
        total += 0.5 * (hi - lo) * np.sum(w * f(z) * np.exp(-0.5 * z * z))
    return total / math.sqrt(2 * math.pi)


def test_selu_constants_make_standard_normal_a_fixed_point():
    # The defining property in Klambauer et al. (2017): mean 0 and variance 1 are preserved.
    # Quadrature and rounding error are ~1e-15; 1e-12 leaves a margin, yet a constant off in
    # its 8th digit (as printed in Keras' docstring) moves the moments by ~1e-9.
    assert _gauss_expectation(lambda z: np.ones_like(z)) == pytest.approx(1.0, abs=1e-13)
    assert abs(_gauss_expectation(A.selu)) < 1e-12
    assert _gauss_expectation(lambda z: A.selu(z) ** 2) == pytest.approx(1.0, abs=1e-12)
    assert A.SELU_ALPHA == pytest.approx(1.67326324, abs=1e-8)  # Keras' printed values
    assert A.SELU_SCALE == pytest.approx(1.05070098, abs=1e-8)


# --- 4. the descriptive properties are true -----------------------------------------------

GRID = np.linspace(-20.0, 20.0, 400_001)  # spacing 1e-4, includes 0 and +-3
PROPERTY_VARIANTS = [*VARIANTS, ("leaky_relu", {"alpha": 0.3})]


def _parse_range(text: str):
    if text.startswith("{"):
        return {float(v) for v in text.strip("{}").split(",")}
    m = re.fullmatch(r"([\[(])(\S+), (\S+)([\])])", text)
    assert m, f"unparseable output_range {text!r}"
    return m.group(1), float(m.group(2)), float(m.group(3)), m.group(4)


@pytest.mark.parametrize("variant", PROPERTY_VARIANTS, ids=_ids)
def test_properties_are_true(variant):
    name, params = variant
    act = A.get(name, **params)
    f, g = act.fn(GRID), act.grad(GRID)

    # monotonic: non-decreasing on a dense grid (swish and GELU dip below zero and back).
    assert bool(np.all(np.diff(f) >= 0)) == act.monotonic

    # zero-centred: f(0) = 0 and both signs occur.
    zc = act.fn(np.array([0.0]))[0] == 0 and f.min() < 0 < f.max()
    assert zc == act.zero_centered

    # saturation: f' -> 0 (it is below 1e-12 at +-1000 for every saturating function here)
    # versus staying >= 0.01 (the smallest non-saturating limit is leaky's 0.01).
    ends = np.abs(act.grad(np.array([-1000.0, 1000.0])))
    assert np.all((ends < 1e-12) | (ends >= 0.01))
    left, right = ends < 1e-12
    assert act.saturation == {0: "none", 1: "one-sided", 2: "two-sided"}[int(left) + int(right)]
    if act.saturation == "one-sided":
        assert left  # every one-sided activation here saturates on the negative side

    # dead region: f' exactly 0 on a whole interval (>= 1 unit of the grid) inside
    # [-20, 20], where no smooth function here underflows to an exact 0.
    zero = np.concatenate([[0], (g == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(zero))
    longest = np.max(edges[1::2] - edges[::2]) if edges.size else 0
    assert (longest > 10_000) == act.dead_region

    # smooth (C^1): with |f''| <= 1 for every C^1 function here, neighbours on a 1e-4 grid
    # differ by <= 1e-4 in f' (and <= 1.8e-4 in f); a kink or jump here is >= 1/6.
    jump = max(np.max(np.abs(np.diff(g))), np.max(np.abs(np.diff(f))))
    assert (jump < 1e-2) == act.smooth

    # output range: sampled values lie in it, and it is tight (bounds that are not round
    # are rounded outward to 4 decimals, so they lie within 1e-4 of the sampled extreme).
    wide = act.fn(np.concatenate([GRID, [-1000.0, -100.0, 100.0, 1000.0]]))
    spec = _parse_range(act.output_range)
    if isinstance(spec, set):
        assert set(np.unique(wide)) == spec
        return
    lb, lo, hi, rb = spec
    assert lo <= wide.min() and wide.max() <= hi
    inner = act.fn(np.linspace(-15, 15, 300_001))  # far enough in for strict inequalities
    for bound, value, closed, strict_ok in (
        (lo, inner.min(), lb == "[", inner.min() > lo),
        (hi, inner.max(), rb == "]", inner.max() < hi),
    ):
        if math.isinf(bound):
            assert abs(wide.min() if bound < 0 else wide.max()) >= 10
        elif closed:
            assert abs(value - bound) <= 1e-4
        else:
            assert strict_ok and abs(value - bound) <= 1e-4


def test_documented_non_monotonic_and_not_zero_centred():
    # The brief's spot checks, stated directly.
    assert not A.get("swish").monotonic and not A.get("gelu").monotonic
    assert not A.get("softplus").zero_centered
    assert A.get("elu").smooth and not A.get("elu", alpha=0.5).smooth


# --- 5. stability at extreme inputs -------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_at_extremes(variant, dtype):
    name, params = variant
    act = A.get(name, **params)
    x = np.array([-1000.0, -700.0, -50.0, 0.0, 50.0, 700.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            f, g = act.fn(x), act.grad(x)
    assert f.dtype == dtype and g.dtype == dtype
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(g))


def test_limits_at_extremes():
    x = np.array([-1000.0, 1000.0])
    np.testing.assert_array_equal(A.sigmoid(x), [0.0, 1.0])
    np.testing.assert_array_equal(A.softplus(x), [0.0, 1000.0])
    np.testing.assert_array_equal(A.gelu(x), [0.0, 1000.0])
    np.testing.assert_array_equal(A.gelu_tanh(x), [0.0, 1000.0])
    np.testing.assert_array_equal(A.swish(x), [0.0, 1000.0])
    np.testing.assert_allclose(A.elu(x), [-1.0, 1000.0], rtol=1e-15)
    for name in ("sigmoid", "tanh"):
        np.testing.assert_array_equal(A.get(name).grad(x), [0.0, 0.0])
    for name in ("softplus", "swish", "gelu", "gelu_tanh", "elu"):
        np.testing.assert_array_equal(A.get(name).grad(x), [0.0, 1.0])


def test_tail_derivatives_keep_relative_precision():
    # sigma'(40) = e^-40/(1+e^-40)^2 ~ 4.2e-18 and tanh'(20) = 4e^-40/(1+e^-40)^2: the naive
    # s(1 - s) and 1 - tanh^2 would give exactly 0 here.
    assert A.get("sigmoid").grad(np.array([40.0]))[0] == pytest.approx(math.exp(-40), rel=1e-12)
    assert A.get("tanh").grad(np.array([20.0]))[0] == pytest.approx(4 * math.exp(-40), rel=1e-12)


def test_nonelementwise_units_are_stable_at_extremes(rng):
    x = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = L.softmax_forward(x)[0]
            dx = L.softmax_backward(np.ones_like(x), (y, -1))
            out, _ = L.rrelu_forward(x, training=True, rng=rng)
            p = L.prelu_forward(x, np.full(3, 0.25))[0]
            m, cache = L.maxout_forward(x, rng.normal(size=(2, 3, 2)), np.zeros((2, 2)))
            L.maxout_backward(np.ones_like(m), cache)
    np.testing.assert_allclose(y, [[0, 0, 1], [0.5, 0.5, 0]], atol=1e-300)
    np.testing.assert_allclose(dx, 0.0, atol=1e-15)  # sum(dout * y) = 1 cancels dout = 1
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(p)) and np.all(np.isfinite(m))


# --- 6. bad input --------------------------------------------------------------------------


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"name must be one of .*'relu'.*got 'rleu'"):
        A.get("rleu")


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: A.get(3), TypeError, r"name must be an activation name \(one of \[.*relu"),
        (lambda: A.get("relu", alpha=0.1), TypeError, r"'relu'.*unexpected.*\['alpha'\]"),
        (lambda: A.get("elu", slope=0.1), TypeError, r"unexpected.*\['slope'\].*\['alpha'\]"),
        (lambda: A.get("leaky_relu", alpha=0.0), ValueError, "alpha must be > 0"),
        (lambda: A.get("elu", alpha=-1.0), ValueError, "alpha must be > 0"),
        (lambda: A.elu(np.ones(2), alpha=float("nan")), ValueError, "alpha must be finite"),
        (lambda: A.relu("abc"), TypeError, "x must be an array of numbers"),
        (lambda: A.sigmoid(np.array(["a"])), TypeError, "x must hold real numbers"),
        (
            lambda: L.prelu_forward(np.ones((2, 3)), np.ones(4)),
            ValueError,
            r"alpha must be .*\(D,\)",
        ),
        (
            lambda: L.prelu_forward(np.ones((2, 3)), np.ones((1, 3))),
            ValueError,
            "alpha must be 0 or 1-dim",
        ),
        (lambda: L.prelu_forward(np.ones(()), np.ones(1)), ValueError, r"alpha must be .*\(D,\)"),
        (
            lambda: L.prelu_forward(np.ones(3), np.array([1, np.inf, 1]))[0],
            ValueError,
            "alpha must be finite",
        ),
        (
            lambda: L.prelu_backward(np.ones(2), (np.ones((2, 3)), np.asarray(0.1))),
            ValueError,
            r"dout must have shape \(2, 3\)",
        ),
        (lambda: L.prelu_backward(np.ones(2), np.ones(2)), TypeError, "cache must be the cache"),
        (lambda: L.softmax_forward(np.ones((2, 3)), axis=2), ValueError, r"axis must be in"),
        (lambda: L.maxout_backward(np.ones(2), None), TypeError, "cache must be the cache"),
        (
            lambda: L.maxout_forward(np.ones(3), np.ones((2, 3, 1)), np.ones((2, 1))),
            ValueError,
            "x must be 2-dim",
        ),
        (
            lambda: L.maxout_forward(np.ones((4, 3)), np.ones((2, 5, 1)), np.ones((2, 1))),
            ValueError,
            r"W must have shape \(any, 3, any\)",
        ),
        (
            lambda: L.maxout_forward(np.ones((4, 3)), np.ones((2, 3, 1)), np.ones((3, 1))),
            ValueError,
            r"b must have shape \(2, 1\)",
        ),
        (
            lambda: L.maxout_forward(np.ones((4, 3)), np.ones((3, 1)), np.ones((2, 1))),
            ValueError,
            "W must be 3-dim",
        ),
        (lambda: L.rrelu_inference_slope(lower=-0.1), ValueError, "lower must be >= 0"),
        (lambda: L.rrelu_inference_slope(0.3, 0.1), ValueError, r"upper must be >= lower"),
        (
            lambda: L.rrelu_forward(np.ones(2), training=True),
            TypeError,
            "rng must be a numpy.random.Generator",
        ),
        (
            lambda: L.rrelu_forward(np.ones(2), training=1),
            TypeError,
            "training must be True or False",
        ),
        (
            lambda: L.rrelu_backward(np.ones(3), np.ones(2)),
            ValueError,
            r"dout must have shape \(2\)",
        ),
        (
            lambda: L.softmax_backward(np.ones((2, 2)), (np.ones((2, 3)), -1)),
            ValueError,
            r"dout must have shape \(2, 3\)",
        ),
    ],
)
def test_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_maxout_backward_checks_dout(rng):
    _, cache = L.maxout_forward(
        rng.normal(size=(4, 3)), rng.normal(size=(2, 3, 5)), np.ones((2, 5))
    )
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 5\)"):
        L.maxout_backward(np.ones((4, 4)), cache)


# --- 7. agreement with Keras / TensorFlow in float64 ---------------------------------------

# Keras' formulas (1 - tanh^2, (1 + erf)/2, 1 - sigmoid, ...) carry an absolute rounding
# error of a few eps in the tails, where dlcore's forms keep relative precision; with
# |x| <= 12 that is below 12 * 4 eps ~ 1e-14, so atol = 1e-13 absorbs it while rtol = 1e-6
# tests the formulas themselves.
RTOL, ATOL = 1e-6, 1e-13
X_KERAS = np.concatenate([np.linspace(-12, 12, 481), [-3.0, 0.0, 3.0, -1e-7, 1e-7]])


def _keras_cases(keras):
    acts = keras.activations
    return [
        ("sigmoid", {}, acts.sigmoid),
        ("tanh", {}, acts.tanh),
        ("relu", {}, acts.relu),
        ("leaky_relu", {"alpha": 0.2}, lambda x: acts.leaky_relu(x, negative_slope=0.2)),
        ("leaky_relu", {}, lambda x: acts.leaky_relu(x, negative_slope=0.01)),
        ("elu", {}, acts.elu),
        ("elu", {"alpha": 0.5}, lambda x: acts.elu(x, alpha=0.5)),
        ("selu", {}, acts.selu),
        ("softplus", {}, acts.softplus),
        ("silu", {}, acts.silu),
        ("swish", {}, acts.silu),
        ("gelu", {}, lambda x: acts.gelu(x, approximate=False)),
        ("gelu_tanh", {}, lambda x: acts.gelu(x, approximate=True)),
        ("hard_sigmoid", {}, acts.hard_sigmoid),
        ("linear", {}, acts.linear),
    ]


def _tf_value_and_grad(fn, x, dout=None):
    import tensorflow as tf

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = fn(xt)
        loss = y if dout is None else tf.reduce_sum(y * dout)
    return np.asarray(y), np.asarray(tape.gradient(loss, xt))


# tf.nn.gelu writes its constants as math_ops.cast(python_float, float64), which goes
# through a float32 tensor: 1/sqrt(2) (exact form) and 0.044715 (tanh form) are rounded to
# float32 even in float64 mode. That shifts the *derivative* by up to ~1e-8 absolute, which
# near GELU's stationary point (f' = 0 at x ~ -0.75) is a large relative error. The formulas
# below are the functions TensorFlow differentiates, written out independently, so the test
# can (a) show that this rounding is the whole difference and (b) derive the extra tolerance.
_ERFC = np.vectorize(math.erfc)


def _gelu_grad_formula(x, c):  # d/dx [x/2 erfc(-c x)], with c = 1/sqrt(2)
    return 0.5 * _ERFC(-c * x) + c * x * np.exp(-((c * x) ** 2)) / math.sqrt(math.pi)


def _gelu_tanh_grad_formula(x, k):  # d/dx [x/2 (1 + tanh(s (x + k x^3)))], s = sqrt(2/pi)
    s = math.sqrt(2 / math.pi)
    t = np.tanh(s * (x + k * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * s * (1 + 3 * k * x**2)


def _float32_constant_atol(x):
    c, k = 1 / math.sqrt(2), 0.044715
    gelu = np.abs(_gelu_grad_formula(x, c) - _gelu_grad_formula(x, float(np.float32(c))))
    tanh = np.abs(_gelu_tanh_grad_formula(x, k) - _gelu_tanh_grad_formula(x, float(np.float32(k))))
    return {"gelu": 2 * gelu.max(), "gelu_tanh": 2 * tanh.max()}


@pytest.mark.tf
def test_elementwise_activations_match_keras(keras_float64):
    # Includes the kinks (0, +-3): dlcore's derivative convention there is TensorFlow's.
    extra = _float32_constant_atol(X_KERAS)
    assert max(extra.values()) < 1e-7  # the effect is small in absolute terms...
    for name, params, keras_fn in _keras_cases(keras_float64):
        y, g = _tf_value_and_grad(keras_fn, X_KERAS)
        assert y.dtype == np.float64
        act = A.get(name, **params)
        np.testing.assert_allclose(act.fn(X_KERAS), y, rtol=RTOL, atol=ATOL, err_msg=name)
        atol = ATOL + extra.get(name, 0.0)
        np.testing.assert_allclose(act.grad(X_KERAS), g, rtol=RTOL, atol=atol, err_msg=name)


@pytest.mark.tf
def test_keras_gelu_gradient_uses_float32_constants(keras_float64):
    # ...and it is fully explained: Keras' gradient equals the formula with the float32
    # constant to float64 rounding (terms of size <= ~100 at |x| <= 12, so atol 1e-12).
    acts = keras_float64.activations
    _, g = _tf_value_and_grad(lambda t: acts.gelu(t, approximate=False), X_KERAS)
    c32 = float(np.float32(1 / math.sqrt(2)))
    np.testing.assert_allclose(g, _gelu_grad_formula(X_KERAS, c32), rtol=1e-12, atol=1e-12)
    _, g = _tf_value_and_grad(lambda t: acts.gelu(t, approximate=True), X_KERAS)
    k32 = float(np.float32(0.044715))
    np.testing.assert_allclose(g, _gelu_tanh_grad_formula(X_KERAS, k32), rtol=1e-12, atol=1e-12)


@pytest.mark.tf
def test_extreme_inputs_match_keras(keras_float64):
    x = np.array([-1000.0, -40.0, 40.0, 1000.0])
    for name, params, keras_fn in _keras_cases(keras_float64):
        y, g = _tf_value_and_grad(keras_fn, x)
        act = A.get(name, **params)
        np.testing.assert_allclose(act.fn(x), y, rtol=RTOL, atol=ATOL, err_msg=name)
        np.testing.assert_allclose(act.grad(x), g, rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.tf
def test_keras_default_conventions_differ_where_documented(keras_float64):
    keras = keras_float64
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    # leaky ReLU: Keras' function defaults to 0.2 and its layer to 0.3; dlcore to 0.01.
    # (Keras rounds the slope through float32: relative error <= 2^-24 ~ 6e-8.)
    np.testing.assert_allclose(keras.activations.leaky_relu(x), A.leaky_relu(x, 0.2), rtol=1e-7)
    np.testing.assert_allclose(keras.layers.LeakyReLU()(x), A.leaky_relu(x, 0.3), rtol=1e-7)
    assert not np.allclose(keras.activations.leaky_relu(x), A.leaky_relu(x))
    # GELU: keras.activations.gelu defaults to exact (dlcore "gelu"), keras.ops.gelu to tanh.
    np.testing.assert_allclose(keras.activations.gelu(x), A.gelu(x), rtol=RTOL)
    assert not np.allclose(keras.activations.gelu(x), A.gelu_tanh(x), rtol=1e-5)
    np.testing.assert_allclose(keras.ops.gelu(x), A.gelu_tanh(x), rtol=RTOL)
    # hard sigmoid: Keras 3 is relu6(x + 3)/6.
    np.testing.assert_allclose(keras.activations.hard_sigmoid(x), A.hard_sigmoid(x), rtol=1e-15)
    # SELU constants: tf.nn.selu uses the full-precision values, as dlcore does.
    np.testing.assert_allclose(keras.activations.selu(x), A.selu(x), rtol=1e-15)


@pytest.mark.tf
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_matches_keras(keras_float64, rng, axis):
    x = rng.normal(size=(4, 6)) * 5
    x[0, 0] = 1000.0
    dout = rng.normal(size=x.shape)
    y, g = _tf_value_and_grad(lambda t: keras_float64.activations.softmax(t, axis=axis), x, dout)
    ours = L.softmax_forward(x, axis=axis)[0]
    np.testing.assert_allclose(ours, y, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(L.softmax_backward(dout, (ours, axis)), g, rtol=RTOL, atol=ATOL)


@pytest.mark.tf
def test_prelu_matches_keras_layer(keras_float64, rng):
    import tensorflow as tf

    keras = keras_float64
    x = away_from_kinks(rng.normal(size=(8, 5)), [0.0])
    alpha = rng.uniform(-0.5, 0.5, size=5)
    dout = rng.normal(size=x.shape)
    layer = keras.layers.PReLU()
    layer.build(x.shape)
    layer.alpha.assign(alpha)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * dout)
    gx, galpha = tape.gradient(loss, [xt, layer.alpha])
    np.testing.assert_allclose(L.prelu_forward(x, alpha)[0], layer(xt), rtol=RTOL, atol=ATOL)
    dx, dalpha = L.prelu_backward(dout, L.prelu_forward(x, alpha)[1])
    np.testing.assert_allclose(dx, gx, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dalpha, galpha, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", A.names())
def test_nan_passes_through_value_and_derivative_silently(name):
    # The documented finite-value policy of elementwise activations: NaN in -> NaN out at
    # the same positions, no warning (the suite turns dlcore RuntimeWarnings into errors).
    act = A.get(name)
    x = np.array([[np.nan, -1.5, 0.5], [2.0, np.nan, -0.25]])
    finite = ~np.isnan(x)
    for f in (act.fn, act.grad):
        out = f(x)
        assert out.shape == x.shape and out.dtype == x.dtype
        np.testing.assert_array_equal(np.isnan(out), ~finite)
        np.testing.assert_array_equal(out[finite], f(x[finite]))
