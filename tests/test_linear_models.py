"""Tests for dlcore.linear_models: losses, gradients, Hessian, GD and its step count."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcore import linear_models as lm
from dlcore.gradcheck import rel_error


def problem(rng, n=200, shift=(3.0, -2.0), scale=(1.0, 5.0)):
    x = rng.standard_normal((n, 2)) * np.array(scale) + np.array(shift)
    w_true = np.array([0.7, -0.3, 0.5])
    y = lm.with_bias(x) @ w_true + 0.1 * rng.standard_normal(n)
    return lm.with_bias(x), y


def numerical(f, w, h=1e-6):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])


def test_least_squares_gradient_and_hessian(rng):
    x, y = problem(rng)
    w = rng.standard_normal(3)
    loss, g = lm.least_squares(w, x, y)
    assert math.isclose(loss, np.sum((x @ w - y) ** 2) / (2 * len(y)), rel_tol=1e-14)
    # central differences: truncation h^2 * f''' = 0 (quadratic), rounding ~ u * L / h ~ 1e-9
    assert rel_error(numerical(lambda v: lm.least_squares(v, x, y)[0], w), g) < 1e-7
    h = lm.least_squares_hessian(x)
    hess_num = np.stack(
        [numerical(lambda v, i=i: lm.least_squares(v, x, y)[1][i], w) for i in range(3)]
    )
    assert rel_error(hess_num, h) < 1e-7
    # the gradient is zero at the least-squares solution
    w_star = np.linalg.lstsq(x, y, rcond=None)[0]
    assert np.abs(lm.least_squares(w_star, x, y)[1]).max() < 1e-12


def test_logistic_gradient_and_extreme_logits(rng):
    x, _ = problem(rng)
    y = (x[:, 0] > 3).astype(float)
    w = 0.3 * rng.standard_normal(3)
    loss, g = lm.logistic(w, x, y)
    assert rel_error(numerical(lambda v: lm.logistic(v, x, y)[0], w), g) < 1e-7
    # huge logits: no overflow, loss ~ |z| for the wrong side
    loss, g = lm.logistic(np.array([1e3, 0.0, 0.0]), x[:5], np.zeros(5))
    assert np.isfinite(loss) and np.isfinite(g).all() and loss > 100
    with pytest.raises(ValueError, match="labels 0 or 1"):
        lm.logistic(w, x, np.full(len(x), 2.0))


def test_condition_number_and_centering(rng):
    assert lm.condition_number(np.diag([9.0, 3.0, 1.0])) == 9.0
    assert lm.condition_number(np.diag([1.0, 0.0])) == math.inf
    x, _ = problem(rng)
    raw = lm.condition_number(lm.least_squares_hessian(x))
    xs = (x[:, :2] - x[:, :2].mean(0)) / x[:, :2].std(0)
    std = lm.condition_number(lm.least_squares_hessian(lm.with_bias(xs)))
    # standardized + bias: H = [[C, 0], [0, 1]] with C the correlation matrix (~I): kappa ~ 1
    assert std < 1.5 < 10 < raw
    with pytest.raises(ValueError, match="symmetric"):
        lm.condition_number([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        lm.condition_number(np.ones((2, 3)))


def test_gradient_descent_path_matches_a_manual_loop(rng):
    x, y = problem(rng)
    lr = 0.5 / np.linalg.eigvalsh(lm.least_squares_hessian(x))[-1]
    path = lm.gradient_descent(lambda w: lm.least_squares(w, x, y)[1], np.zeros(3), lr, 5)
    w = np.zeros(3)
    for t in range(5):
        w = w - lr * lm.least_squares(w, x, y)[1]
        np.testing.assert_allclose(path[t + 1], w, rtol=1e-15, atol=0)
    assert path.shape == (6, 3)
    with pytest.raises(FloatingPointError, match="diverged"):
        lm.gradient_descent(lambda w: 10.0 * w, [1.0], 1e3, 400)


def test_steps_to_converge_equals_iterating_and_respects_the_bound(rng):
    x, y = problem(rng)
    tol = 1e-4
    steps = lm.steps_to_converge(x, y, tol=tol)
    h = lm.least_squares_hessian(x)
    lr = 1.0 / np.linalg.eigvalsh(h)[-1]
    w_star = np.linalg.solve(h, x.T @ y / len(y))
    path = lm.gradient_descent(lambda w: lm.least_squares(w, x, y)[1], np.zeros(3), lr, steps)
    err = np.linalg.norm(path - w_star, axis=1) / np.linalg.norm(w_star)
    # The closed form and the real iteration agree on the crossing step (rounding in 1e-4
    # relative error is ~1e-12, far from the step-to-step change of err).
    assert err[-1] <= tol < err[-2]
    kappa = lm.condition_number(h)
    assert steps <= lm.predicted_steps(kappa, tol)
    # The start w0 = 0 has a sizeable component along the slowest direction here, so the
    # bound is nearly reached: within ln(1/|cos|) / (1/kappa) steps, checked loosely.
    assert steps > 0.7 * lm.predicted_steps(kappa, tol)


def test_steps_to_converge_edge_cases(rng):
    x, y = problem(rng)
    assert lm.steps_to_converge(x, y, lr=10.0) is None  # too large: diverges
    assert lm.steps_to_converge(x, y, max_steps=2) is None
    with pytest.raises(ValueError, match="full column rank"):
        lm.steps_to_converge(np.ones((5, 2)), np.ones(5))
    with pytest.raises(ValueError, match="x contains NaN"):
        lm.steps_to_converge(np.full((5, 2), np.nan), np.ones(5))


def test_predicted_steps():
    assert lm.predicted_steps(1.0) == 1
    # ln(1e-6) / ln(1 - 1/kappa) ~ kappa * 13.8 for large kappa
    assert abs(lm.predicted_steps(1e4, 1e-6) / (1e4 * math.log(1e6)) - 1) < 1e-3
    with pytest.raises(ValueError, match="kappa must be >= 1"):
        lm.predicted_steps(0.5)


def test_bound_is_exact_when_the_error_lies_along_the_slowest_direction():
    # H = diag(1, 0.01) (kappa 100); w* = (0, 1) makes e_0 = -w* an eigenvector of the
    # smallest eigenvalue, so ||e_t|| = (1 - 1/kappa)^t exactly: the bound is attained.
    x = np.array([[1.0, 0.0], [0.0, 0.1]]) * math.sqrt(2)
    y = x @ np.array([0.0, 1.0])
    kappa = lm.condition_number(lm.least_squares_hessian(x))
    assert math.isclose(kappa, 100.0, rel_tol=1e-12)
    for tol in (1e-2, 1e-6):
        assert lm.steps_to_converge(x, y, tol=tol) == lm.predicted_steps(kappa, tol)
    # small kappa, where kappa * ln(1/tol) is a poor approximation: ln(1e-6) / ln(1/2) = 19.9
    assert lm.predicted_steps(2.0, 1e-6) == 20
