"""Tests for dlcore.propagation: closed forms against Monte Carlo, predictions against
measurement, exact special cases, errors.

Tolerances: a Monte Carlo mean of N draws has standard error s / sqrt(N) (s the sample
standard deviation); we allow 5 standard errors, a false alarm probability below 1e-6 per
check. Measured layer statistics of a random network fluctuate with the weights: for a
ReLU network the log of the squared norm after L layers of width n has variance about
5 L / n (Hanin & Nica, 2019, https://arxiv.org/abs/1812.05994), so the log of a std has
standard deviation about 0.5 * sqrt(5 L / n); we allow 4 of those.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcore import activations, initializers
from dlcore import propagation as P

ACTS = [
    "linear",
    "relu",
    activations.get("leaky_relu", alpha=0.2),
    "elu",
    "selu",
    "tanh",
    "sigmoid",
]
N = 400_000


@pytest.mark.parametrize("act", ACTS, ids=lambda a: getattr(a, "name", a))
@pytest.mark.parametrize("q", [0.25, 1.0, 4.0])
def test_moments_match_monte_carlo(act, q):
    # catches (planted): ReLU keeping all of q; ELU/SELU E_2 computed with c = 1;
    # the quadrature's slope moment not squared
    f = activations.get(act)
    z = math.sqrt(q) * np.random.default_rng(7).standard_normal(N)
    m = P.gaussian_moments(f, q)
    for name, sample in (
        ("mean", f.fn(z)),
        ("second", f.fn(z) ** 2),
        ("slope_second", f.grad(z) ** 2),
    ):
        se = sample.std() / math.sqrt(N)
        assert abs(getattr(m, name) - sample.mean()) < 5 * se + 1e-12, (f.name, q, name)


def test_exact_special_cases():
    # catches (planted): a wrong sign in the Mills-ratio series of the overflow-safe branch
    for q in (0.1, 1.0, 9.0):
        relu = P.gaussian_moments("relu", q)
        assert relu.second == pytest.approx(q / 2, rel=1e-14)  # ReLU halves E[z^2]
        assert relu.slope_second == 0.5
        assert P.gaussian_moments("linear", q).second == q
        assert P.gaussian_moments("sigmoid", q).mean == pytest.approx(0.5, abs=1e-14)
        assert P.gaussian_moments("tanh", q).mean == pytest.approx(0.0, abs=1e-14)
    # SELU's constants are chosen so that N(0, 1) maps to mean 0, second moment 1
    selu = P.gaussian_moments("selu", 1.0)
    assert selu.mean == pytest.approx(0.0, abs=1e-9) and selu.second == pytest.approx(1.0)
    # small q: tanh is linear, E[tanh'(z)^2] -> 1; sigmoid's slope -> 1/4 (squared 1/16)
    assert P.gaussian_moments("tanh", 1e-6).slope_second == pytest.approx(1.0, rel=1e-5)
    assert P.gaussian_moments("sigmoid", 1e-6).slope_second == pytest.approx(1 / 16, rel=1e-5)
    # the overflow-safe series for e^{x^2/2} Phi(-x) continues the direct formula at x = 25
    # (its first omitted term, 105 / x^8, is 7e-10 of the value)
    below, above = P._exp_tail(1.0, 25.0 - 1e-9), P._exp_tail(1.0, 25.0 + 1e-9)
    assert above == pytest.approx(below, rel=2e-9)
    assert P._exp_tail(2.0, 1e3) == pytest.approx(1 / (2e3 * math.sqrt(2 * math.pi)), rel=1e-6)


def test_weight_variance_matches_initializer_samples():
    # catches (planted): Glorot's variance computed with the fan-in instead of the average
    rng = np.random.default_rng(3)
    for name in ("glorot_uniform", "glorot_normal", "he_normal", "lecun_uniform", "orthogonal"):
        for shape in ((400, 300), (300, 400)):
            w = initializers.get(name)(shape, rng)
            v = P.weight_variance(name, *shape)
            se = (w**2).std() / math.sqrt(w.size)  # standard error of the mean of w^2
            assert abs((w**2).mean() - v) < 5 * se, (name, shape)
    assert P.weight_variance("HeNormal", 100, 50, gain=3.0) == pytest.approx(9 * 0.02)


def test_predict_known_recursions():
    # catches (planted): the backward factor using the fan-in instead of the fan-out;
    # the variance instead of the second moment in the forward recursion
    p = P.predict([64] * 21, "relu", "he_normal")
    np.testing.assert_allclose(p.pre_std, math.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(p.grad_std, 1.0, rtol=1e-12)
    g = P.predict([64] * 21, "relu", "glorot_normal")  # equal widths: Glorot = LeCun
    np.testing.assert_allclose(g.pre_std[1:] / g.pre_std[:-1], 1 / math.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(g.grad_std[:-1] / g.grad_std[1:], 1 / math.sqrt(2), rtol=1e-12)
    # linear, LeCun, unequal widths: forward preserved, backward multiplied by n_out / n_in
    lin = P.predict([100, 400, 100, 400], "linear", "lecun_normal", input_second_moment=2.0)
    np.testing.assert_allclose(lin.pre_std, math.sqrt(2.0), rtol=1e-12)
    np.testing.assert_allclose(lin.grad_std**2, [1.0, 4.0, 1.0][::-1] * np.array([1, 1, 1]))


@pytest.mark.parametrize(
    "act, init, sizes",
    [
        ("relu", "he_normal", [400] * 6),
        ("relu", "glorot_uniform", [200, 600, 300, 500, 400]),
        ("sigmoid", "glorot_normal", [400] * 6),
        ("tanh", "lecun_normal", [200, 600, 300, 500, 400]),
        ("selu", "lecun_normal", [400] * 6),
        ("linear", "lecun_normal", [100, 400, 100, 400]),
    ],
)
def test_measurement_matches_prediction(act, init, sizes):
    # catches (planted): the measured backward pass skipping f'(z); the variance instead
    # of the second moment in the forward recursion (sigmoid, ReLU)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((512, sizes[0]))
    pred = P.predict(sizes, act, init, input_second_moment=float((x**2).mean()))
    meas = P.measure(sizes, act, init, x, rng)
    L, n = len(sizes) - 1, min(sizes)
    tol = 4 * 0.5 * math.sqrt(5 * L / n)
    for what in ("pre_std", "act_std", "grad_std"):
        err = np.abs(np.log(getattr(meas, what) / getattr(pred, what)))
        assert err.max() < tol, (act, init, what, err)


def test_measure_keeps_activations_and_is_deterministic():
    x = np.random.default_rng(0).standard_normal((8, 5))
    a = P.measure([5, 4, 3], "tanh", "glorot_uniform", x, np.random.default_rng(1), keep=True)
    b = P.measure([5, 4, 3], "tanh", "glorot_uniform", x, np.random.default_rng(1))
    assert [t.shape for t in a.activations] == [(8, 4), (8, 3)] and b.activations == ()
    np.testing.assert_array_equal(a.grad_std, b.grad_std)


def test_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="q"):
        P.gaussian_moments("relu", 0.0)
    with pytest.raises(ValueError, match="sizes"):
        P.predict([10], "relu", "he_normal")
    with pytest.raises(ValueError, match="initializer"):
        P.weight_variance("random_normal", 3, 3)
    with pytest.raises(ValueError, match="gain"):
        P.weight_variance("he_normal", 3, 3, gain=-1.0)
    with pytest.raises(ValueError, match="columns"):
        P.measure([3, 2], "relu", "he_normal", np.ones((4, 5)), rng)
    with pytest.raises(ValueError, match="finite"):
        P.measure([2, 2], "relu", "he_normal", np.array([[np.nan, 1.0]]), rng)
